//! Encryption of stored secrets under the key-encryption key (the *master key*), which never lives
//! in the database: signing keys, client secrets, access-key secrets, SRP verifiers of users and
//! devices, and the deployment secret (which in turn keys challenge sessions, TOTP secrets and
//! code hashes). A copy of the database without the master key yields none of them.
//!
//! Values are AES-256-GCM under a key derived from the master key, stored as
//! `enc1:<base64(nonce ‖ ciphertext)>`, with a *context* naming the row a value belongs to as
//! associated data, so a ciphertext moved to another row does not open. Values without the prefix
//! were written before encryption existed; they are read as they are (and encrypted when next
//! written).

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};

/// The prefix of an encrypted value.
const PREFIX: &str = "enc1:";

/// The key-encryption key: 32 random bytes, supplied by the operator or kept in a file beside
/// the database. Never printed.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        MasterKey(bytes)
    }

    /// A new random key.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        MasterKey(bytes)
    }

    /// Reads the base64 text form (surrounding whitespace allowed).
    pub fn from_base64(text: &str) -> Option<Self> {
        let bytes = STANDARD.decode(text.trim()).ok()?;
        <[u8; 32]>::try_from(bytes.as_slice()).ok().map(MasterKey)
    }

    /// The base64 text form, for the key file.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

/// Seals and opens stored secrets.
#[derive(Clone)]
pub struct Vault {
    cipher: Aes256Gcm,
}

impl Vault {
    pub fn new(master: &MasterKey) -> Self {
        let mut h = Sha256::new();
        h.update(b"cognate vault v1\0");
        h.update(master.0);
        Vault { cipher: Aes256Gcm::new(&h.finalize()) }
    }

    /// `plain` encrypted for the row `context` names.
    pub fn seal(&self, context: &str, plain: &[u8]) -> Result<String> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad: context.as_bytes() })
            .map_err(|_| Error::Internal(anyhow::anyhow!("COGNATE-KEY0002 encrypting a secret failed")))?;
        let mut raw = nonce.to_vec();
        raw.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", STANDARD.encode(raw)))
    }

    pub fn seal_str(&self, context: &str, plain: &str) -> Result<String> {
        self.seal(context, plain.as_bytes())
    }

    /// The plaintext of a stored value: decrypted if it was sealed (for this `context`, under
    /// this master key), as it is otherwise.
    pub fn open(&self, context: &str, stored: &[u8]) -> Result<Vec<u8>> {
        let Some(encoded) = stored.strip_prefix(PREFIX.as_bytes()) else {
            return Ok(stored.to_vec());
        };
        let raw = STANDARD.decode(encoded).map_err(|_| wrong_key())?;
        if raw.len() < 12 + 16 {
            return Err(wrong_key());
        }
        let (nonce, sealed) = raw.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad: context.as_bytes() })
            .map_err(|_| wrong_key())
    }

    pub fn open_str(&self, context: &str, stored: &str) -> Result<String> {
        String::from_utf8(self.open(context, stored.as_bytes())?)
            .map_err(|_| Error::Internal(anyhow::anyhow!("COGNATE-KEY0003 a stored secret is not text")))
    }
}

fn wrong_key() -> Error {
    Error::Internal(anyhow::anyhow!(
        "COGNATE-KEY0001 a stored secret does not open with this master key: the server runs with another \
         master key than the one that wrote the database"
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let vault = Vault::new(&MasterKey::from_bytes([7; 32]));
        let sealed = vault.seal_str("client-secret:p:c", "s3cret").unwrap();
        assert!(sealed.starts_with(PREFIX) && !sealed.contains("s3cret"));
        assert_eq!(vault.open_str("client-secret:p:c", &sealed).unwrap(), "s3cret");
        assert!(vault.open_str("client-secret:p:other", &sealed).is_err(), "bound to its row");
        let other = Vault::new(&MasterKey::from_bytes([8; 32]));
        assert!(other.open_str("client-secret:p:c", &sealed).is_err(), "bound to its key");
        assert_eq!(vault.open_str("x", "legacy plain").unwrap(), "legacy plain", "values from before");
        assert_ne!(vault.seal_str("c", "same").unwrap(), vault.seal_str("c", "same").unwrap(), "fresh nonces");
    }

    #[test]
    fn master_keys_round_trip_as_base64_and_do_not_print() {
        let key = MasterKey::generate();
        let text = key.to_base64();
        assert_eq!(MasterKey::from_base64(&format!(" {text}\n")).unwrap().0, key.0);
        assert!(MasterKey::from_base64("c2hvcnQ=").is_none());
        assert_eq!(format!("{key:?}"), "MasterKey(***)");
    }
}
