//! Per-pool RSA-2048 signing keys: generation (on a blocking thread, it takes a while), the JWKS
//! that JWT libraries verify tokens against, and the pool's X.509 signing certificate
//! (`GetSigningCertificate`). The certificate is derived deterministically from the key (PKCS#1
//! v1.5 signatures are deterministic), so it is stable without being stored.

use std::str::FromStr as _;
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
use rsa::traits::PublicKeyParts as _;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use x509_cert::builder::{Builder as _, CertificateBuilder, Profile};
use x509_cert::der::{Encode as _, asn1::UtcTime};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};

use cognate_store::SigningKeyRow;

use crate::error::{Error, Result};

/// A new key for `pool_id`, as a store row. Runs the RSA generation off the async runtime.
pub async fn generate(pool_id: &str, now_ms: i64) -> Result<SigningKeyRow> {
    let pool_id = pool_id.to_string();
    tokio::task::spawn_blocking(move || -> anyhow::Result<SigningKeyRow> {
        let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).context("generating an RSA key")?;
        let pem = key.to_pkcs8_pem(LineEnding::LF).context("encoding the RSA key")?;
        Ok(SigningKeyRow { kid: kid(&key.to_public_key())?, pool_id, private_pem: pem.to_string(), created_ms: now_ms })
    })
    .await
    .map_err(|e| Error::Internal(anyhow::Error::new(e)))?
    .map_err(Error::Internal)
}

/// The vault context of a signing key's private half.
pub fn context(row: &SigningKeyRow) -> String {
    format!("signing-key:{}:{}", row.pool_id, row.kid)
}

/// Key ID: base64 of the SHA-256 of the public key's DER (44 characters, like Cognito's).
fn kid(public: &RsaPublicKey) -> anyhow::Result<String> {
    let der = public.to_public_key_der().context("encoding the public key")?;
    Ok(STANDARD.encode(Sha256::digest(der.as_bytes())))
}

/// One key of a JWKS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Jwk {
    pub alg: &'static str,
    pub e: String,
    pub kid: String,
    pub kty: &'static str,
    pub n: String,
    #[serde(rename = "use")]
    pub use_: &'static str,
}

/// The JSON Web Key Set of a pool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// The private key's PKCS#8 DER (what aws-lc signs with).
pub fn pkcs8_der(row: &SigningKeyRow) -> Result<Vec<u8>> {
    let key = RsaPrivateKey::from_pkcs8_pem(&row.private_pem)
        .context("decoding a stored signing key")
        .map_err(Error::Internal)?;
    let der = key.to_pkcs8_der().context("encoding a signing key").map_err(Error::Internal)?;
    Ok(der.as_bytes().to_vec())
}

pub fn jwk(row: &SigningKeyRow) -> Result<Jwk> {
    let key = RsaPrivateKey::from_pkcs8_pem(&row.private_pem)
        .context("decoding a stored signing key")
        .map_err(Error::Internal)?;
    let public = key.to_public_key();
    Ok(Jwk {
        alg: "RS256",
        e: URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        kid: row.kid.clone(),
        kty: "RSA",
        n: URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        use_: "sig",
    })
}

/// A self-signed X.509 certificate for the key, base64 DER (the `Certificate` of
/// `GetSigningCertificate`). Valid from the key's creation for ten years.
pub fn certificate(row: &SigningKeyRow) -> Result<String> {
    build_certificate(row).map_err(Error::Internal)
}

fn build_certificate(row: &SigningKeyRow) -> anyhow::Result<String> {
    let key = RsaPrivateKey::from_pkcs8_pem(&row.private_pem).context("decoding a stored signing key")?;
    let public = key.to_public_key();
    let spki = SubjectPublicKeyInfoOwned::from_key(public).context("encoding the public key")?;
    let serial_bytes = Sha256::digest(row.kid.as_bytes());
    // Positive, at most 20 octets.
    let mut serial = serial_bytes[..16].to_vec();
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    let serial = SerialNumber::new(&serial).context("serial number")?;
    let start = Duration::from_secs(u64::try_from(row.created_ms / 1000).unwrap_or(0));
    let end = start + Duration::from_secs(10 * 365 * 24 * 3600);
    let validity = Validity {
        not_before: Time::UtcTime(UtcTime::from_unix_duration(start).context("not-before")?),
        not_after: Time::UtcTime(UtcTime::from_unix_duration(end).context("not-after")?),
    };
    let subject = Name::from_str(&format!("CN=cognate-{}", row.pool_id)).context("subject name")?;
    let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(key);
    let builder = CertificateBuilder::new(Profile::Root, serial, validity, subject, spki, &signer)
        .context("certificate builder")?;
    let cert = builder.build::<rsa::pkcs1v15::Signature>().context("signing the certificate")?;
    let der = cert.to_der().context("encoding the certificate")?;
    Ok(STANDARD.encode(der))
}
