//! Cognito's tokens: RS256 ID and access JWTs signed with the pool's key, with exactly the claims
//! COMPAT.md lists, and opaque refresh tokens stored only as a SHA-256 hash. Verification of
//! access tokens (GetUser, ChangePassword, …) checks signature, issuer, use, expiry, revocation of
//! the sign-in (`origin_jti`) and global sign-out. Parsed keys are cached per process: a pool's
//! key never changes once created.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};
use crate::keys;

/// pool ID → (kid, key) for signing; kid → (pool ID, key) for verifying.
type KeyMap<K> = Arc<RwLock<HashMap<String, (String, Arc<K>)>>>;

/// Parsed keys, per pool. Signing and verification use aws-lc directly, with keys parsed once:
/// parsing and checking an RSA private key costs more than signing with it, and setting up a
/// public key (its Montgomery context) about as much as verifying with it — jsonwebtoken does
/// both on every token, which was a tenth of a GetUser's CPU.
#[derive(Clone, Default)]
pub struct KeyCache {
    signing: KeyMap<RsaKeyPair>,
    verifying: KeyMap<ParsedPublicKey>,
    verified: Arc<std::sync::Mutex<HashMap<[u8; 32], AccessClaims>>>,
}

/// How many verified access tokens are remembered (a few MB at most); the cache starts afresh
/// when full.
const VERIFIED_TOKENS: usize = 8192;

impl KeyCache {
    /// The claims of an access token whose signature was verified before, by the SHA-256 of the
    /// whole token: an application presents the same token many times, and an RSA verification
    /// was the largest part of a GetUser. Only the signature check is skipped; expiry and the
    /// caller's revocation checks run every time.
    fn verified_claims(&self, digest: &[u8; 32]) -> Option<AccessClaims> {
        self.verified.lock().ok().and_then(|m| m.get(digest).cloned())
    }

    fn remember_verified(&self, digest: [u8; 32], claims: &AccessClaims) {
        if let Ok(mut m) = self.verified.lock() {
            if m.len() >= VERIFIED_TOKENS {
                m.clear();
            }
            m.insert(digest, claims.clone());
        }
    }
}

impl KeyCache {
    fn cached_signing(&self, pool_id: &str) -> Option<(String, Arc<RsaKeyPair>)> {
        self.signing.read().ok().and_then(|m| m.get(pool_id).cloned())
    }

    fn cached_verifying(&self, kid: &str) -> Option<(String, Arc<ParsedPublicKey>)> {
        self.verifying.read().ok().and_then(|m| m.get(kid).cloned())
    }

    fn insert(&self, rows: &[cognate_store::SigningKeyRow]) -> Result<()> {
        for row in rows {
            let enc = keys::pkcs8_der(row).and_then(|der| {
                RsaKeyPair::from_pkcs8(&der)
                    .map_err(|e| Error::Internal(anyhow::anyhow!("signing key of {}: {e}", row.pool_id)))
            })?;
            let dec = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, enc.public_key().as_ref())
                .map_err(|e| Error::Internal(anyhow::anyhow!("verifying key of {}: {e}", row.pool_id)))?;
            if let Ok(mut m) = self.signing.write() {
                m.insert(row.pool_id.clone(), (row.kid.clone(), Arc::new(enc)));
            }
            if let Ok(mut m) = self.verifying.write() {
                m.insert(row.kid.clone(), (row.pool_id.clone(), Arc::new(dec)));
            }
        }
        Ok(())
    }
}

/// The claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: String,
    #[serde(rename = "cognito:groups", default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    pub iss: String,
    pub client_id: String,
    pub origin_jti: String,
    pub event_id: String,
    pub token_use: String,
    pub scope: String,
    pub auth_time: i64,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_key: Option<String>,
}

/// Everything needed to mint one sign-in's tokens.
pub struct Grant<'a> {
    pub pool_id: &'a str,
    pub client_id: &'a str,
    pub username: &'a str,
    pub sub: &'a str,
    /// Readable attributes for the ID token, already filtered by the client's ReadAttributes.
    pub attributes: &'a BTreeMap<String, String>,
    pub groups: &'a [GroupClaim],
    pub origin_jti: &'a str,
    pub auth_time: i64,
    pub now: i64,
    pub access_seconds: i64,
    pub id_seconds: i64,
    pub scope: &'a str,
    /// The device the sign-in used or created (the access token's `device_key`).
    pub device_key: Option<&'a str>,
    /// The OpenID authentication request's `nonce`, repeated in the ID token.
    pub nonce: Option<&'a str>,
    /// Whether to mint an ID token (OAuth grants without `openid` get none).
    pub with_id_token: bool,
    /// Whether the ID token carries `at_hash` (tokens from the OAuth endpoints).
    pub with_at_hash: bool,
}

/// A group as it appears in tokens.
#[derive(Clone, Debug)]
pub struct GroupClaim {
    pub name: String,
    pub precedence: Option<i32>,
    pub role_arn: Option<String>,
}

/// The ID and access tokens of a grant.
pub struct Minted {
    pub id_token: Option<String>,
    pub access_token: String,
}

/// An attribute as an ID-token claim: booleans and numbers typed, the rest strings.
#[derive(Serialize)]
#[serde(untagged)]
enum ClaimValue<'a> {
    Bool(bool),
    Int(i64),
    Str(&'a str),
}

fn claim_value<'a>(name: &str, value: &'a str) -> ClaimValue<'a> {
    match name {
        "email_verified" | "phone_number_verified" => ClaimValue::Bool(value == "true"),
        "updated_at" => value.parse::<i64>().map_or(ClaimValue::Str(value), ClaimValue::Int),
        _ => ClaimValue::Str(value),
    }
}

/// The claims of an ID token: the readable attributes, then Cognito's own claims.
#[derive(Serialize)]
struct IdClaims<'a> {
    #[serde(flatten)]
    attributes: BTreeMap<&'a str, ClaimValue<'a>>,
    sub: &'a str,
    #[serde(rename = "cognito:groups", skip_serializing_if = "Vec::is_empty")]
    groups: Vec<String>,
    #[serde(rename = "cognito:roles", skip_serializing_if = "Vec::is_empty")]
    roles: Vec<String>,
    #[serde(rename = "cognito:preferred_role", skip_serializing_if = "Option::is_none")]
    preferred_role: Option<String>,
    iss: &'a str,
    #[serde(rename = "cognito:username")]
    username: &'a str,
    origin_jti: &'a str,
    aud: &'a str,
    event_id: &'a str,
    token_use: &'static str,
    auth_time: i64,
    exp: i64,
    iat: i64,
    jti: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at_hash: Option<String>,
}

/// Cognito's JWT header: `{"kid": …, "alg": "RS256"}`.
#[derive(Serialize)]
struct JwtHeader<'a> {
    kid: &'a str,
    alg: &'static str,
}

/// Random ID for `jti`, `origin_jti`, `event_id`.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A new opaque refresh token and the hash under which it is stored.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 48];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = refresh_token_hash(&token);
    (token, hash)
}

pub fn refresh_token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl crate::Domain {
    async fn signing_key(&self, pool_id: &str) -> Result<(String, Arc<RsaKeyPair>)> {
        if let Some(k) = self.keys.cached_signing(pool_id) {
            return Ok(k);
        }
        let rows = self.signing_keys(pool_id).await?;
        self.keys.insert(&rows)?;
        self.keys
            .cached_signing(pool_id)
            .ok_or_else(|| Error::ResourceNotFound(format!("User pool {pool_id} does not exist.")))
    }

    async fn verifying_key(&self, kid: &str, pool_id: &str) -> Result<Option<Arc<ParsedPublicKey>>> {
        if let Some((pool, k)) = self.keys.cached_verifying(kid) {
            return Ok((pool == pool_id).then_some(k));
        }
        let rows = self.signing_keys(pool_id).await?;
        self.keys.insert(&rows)?;
        Ok(self.keys.cached_verifying(kid).filter(|(p, _)| p == pool_id).map(|(_, k)| k))
    }

    /// Signs the ID and access tokens of a grant.
    pub async fn mint(&self, g: &Grant<'_>) -> Result<Minted> {
        let (kid, key) = self.signing_key(g.pool_id).await?;
        let iss = self.issuer(g.pool_id);
        let event_id = new_id();
        let mut groups: Vec<&GroupClaim> = g.groups.iter().collect();
        // cognito:preferred_role is the role of the group with the lowest precedence.
        groups.sort_by_key(|x| (x.precedence.unwrap_or(i32::MAX), x.name.clone()));
        let group_names: Vec<String> = groups.iter().map(|x| x.name.clone()).collect();
        let roles: Vec<String> = groups.iter().filter_map(|x| x.role_arn.clone()).collect();
        let preferred_role = groups.iter().find_map(|x| x.role_arn.clone());

        let id = IdClaims {
            attributes: g.attributes.iter().map(|(n, v)| (n.as_str(), claim_value(n, v))).collect(),
            sub: g.sub,
            groups: group_names.clone(),
            roles,
            preferred_role,
            iss: &iss,
            username: g.username,
            origin_jti: g.origin_jti,
            aud: g.client_id,
            event_id: &event_id,
            token_use: "id",
            auth_time: g.auth_time,
            exp: g.now + g.id_seconds,
            iat: g.now,
            jti: new_id(),
            nonce: g.nonce,
            at_hash: None,
        };

        let access = AccessClaims {
            sub: g.sub.into(),
            groups: group_names,
            iss: iss.clone(),
            client_id: g.client_id.into(),
            origin_jti: g.origin_jti.into(),
            event_id: event_id.clone(),
            token_use: "access".into(),
            scope: g.scope.into(),
            auth_time: g.auth_time,
            exp: g.now + g.access_seconds,
            iat: g.now,
            jti: new_id(),
            username: g.username.into(),
            device_key: g.device_key.map(str::to_string),
        };
        let header = serde_json::to_vec(&JwtHeader { kid: &kid, alg: "RS256" })
            .map_err(|e| Error::Internal(anyhow::anyhow!("token header: {e}")))?;
        let header = URL_SAFE_NO_PAD.encode(header);
        let access_token = sign_jwt(&header, &access, &key)?;
        let id_token = match g.with_id_token {
            true => {
                let at_hash = g.with_at_hash.then(|| at_hash(&access_token));
                Some(sign_jwt(&header, &IdClaims { at_hash, ..id }, &key)?)
            }
            false => None,
        };
        Ok(Minted { id_token, access_token })
    }

    /// Signs a machine-to-machine access token (the client_credentials grant): the client is the
    /// subject, as in Cognito, and there is no user, ID token or refresh token.
    pub async fn mint_machine_token(
        &self,
        pool_id: &str,
        client_id: &str,
        scope: &str,
        access_seconds: i64,
    ) -> Result<String> {
        let (kid, key) = self.signing_key(pool_id).await?;
        let iss = self.issuer(pool_id);
        let now = self.clock.now_ms() / 1000;
        let claims = MachineClaims {
            sub: client_id,
            token_use: "access",
            scope,
            auth_time: now,
            iss: &iss,
            exp: now + access_seconds,
            iat: now,
            version: 2,
            jti: new_id(),
            client_id,
        };
        let header = serde_json::to_vec(&JwtHeader { kid: &kid, alg: "RS256" })
            .map_err(|e| Error::Internal(anyhow::anyhow!("token header: {e}")))?;
        sign_jwt(&URL_SAFE_NO_PAD.encode(header), &claims, &key)
    }

    /// Verifies an access token and returns its claims. Fails with `NotAuthorized` carrying
    /// Cognito's messages ("Invalid Access Token", "Access Token has expired", "Access Token has
    /// been revoked"). Revocation and sign-out are checked by the caller, which loads the user.
    ///
    /// Written over aws-lc rather than with jsonwebtoken so that the parsed public key is reused
    /// (see `KeyCache`); the checks are jsonwebtoken's: exactly three base64url parts, `alg`
    /// RS256 and a `kid` in the header, the signature over `header.payload` as received, then the
    /// issuer, `exp` (not before now, by the system clock, no leeway) and `token_use`.
    pub async fn verify_access_token(&self, token: &str) -> Result<AccessClaims> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let claims = match self.keys.verified_claims(&digest) {
            Some(claims) => claims,
            None => {
                let claims = self.verify_access_token_signature(token).await?;
                self.keys.remember_verified(digest, &claims);
                claims
            }
        };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if claims.exp < i64::try_from(now).unwrap_or(i64::MAX) {
            return Err(Error::NotAuthorized("Access Token has expired".into()));
        }
        Ok(claims)
    }

    /// The claims of an access token whose form, signature, issuer and `token_use` are right
    /// (expiry is checked by the caller).
    async fn verify_access_token_signature(&self, token: &str) -> Result<AccessClaims> {
        let invalid = || Error::NotAuthorized("Invalid Access Token".into());
        let claims: AccessClaims = match self.verified_pool_jwt(token, |c: &AccessClaims| &c.iss).await {
            Ok(Some((_, claims))) => claims,
            Ok(None) | Err(None) => return Err(invalid()),
            Err(Some(e)) => return Err(e),
        };
        if claims.token_use != "access" {
            return Err(invalid());
        }
        Ok(claims)
    }

    /// A JWT signed by one of this server's pools: exactly three base64url parts, `alg` RS256 and
    /// a `kid` of the pool its (not yet verified) issuer names, the signature over
    /// `header.payload` as received. `Ok(None)`: the issuer is not one of this server's pools;
    /// `Err(None)`: not a valid token; `Err(Some(_))`: the check itself failed.
    async fn verified_pool_jwt<C: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        issuer: impl Fn(&C) -> &str,
    ) -> std::result::Result<Option<(String, C)>, Option<Error>> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(None);
        };
        let header: JwtHeaderIn =
            URL_SAFE_NO_PAD.decode(header).ok().and_then(|h| serde_json::from_slice(&h).ok()).ok_or(None)?;
        let claims: C =
            URL_SAFE_NO_PAD.decode(payload).ok().and_then(|c| serde_json::from_slice(&c).ok()).ok_or(None)?;
        let iss = issuer(&claims);
        let pool_id = iss.rsplit('/').next().unwrap_or_default().to_string();
        if iss != self.issuer(&pool_id) {
            return Ok(None);
        }
        if header.alg != "RS256" {
            return Err(None);
        }
        let kid = header.kid.ok_or(None)?;
        let key = match self.verifying_key(&kid, &pool_id).await {
            Ok(Some(k)) => k,
            Ok(None) | Err(Error::ResourceNotFound(_)) => return Err(None),
            Err(e) => return Err(Some(e)),
        };
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| None)?;
        let signed = token.get(..header_and_payload_len(token)).ok_or(None)?;
        key.verify_sig(signed.as_bytes(), &signature).map_err(|_| None)?;
        Ok(Some((pool_id, claims)))
    }
}

/// The claims of a pool's ID token that web identity federation reads.
#[derive(Clone, Debug, Deserialize)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    #[serde(default)]
    pub iat: i64,
    pub token_use: String,
    #[serde(default)]
    pub origin_jti: Option<String>,
    #[serde(default)]
    pub auth_time: Option<i64>,
    #[serde(default, rename = "cognito:username")]
    pub username: Option<String>,
    #[serde(default, rename = "cognito:groups")]
    pub groups: Vec<String>,
    #[serde(default, rename = "cognito:preferred_role")]
    pub preferred_role: Option<String>,
    #[serde(default, rename = "cognito:roles")]
    pub roles: Vec<String>,
    /// Every claim as text (strings as they are, other values as JSON), for role mapping rules
    /// and principal tags.
    #[serde(flatten)]
    pub other: std::collections::BTreeMap<String, JsonClaim>,
}

/// A claim's value, as JSON gives it.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum JsonClaim {
    Text(String),
    Bool(bool),
    Number(serde_json::Number),
    List(Vec<JsonClaim>),
    Map(std::collections::BTreeMap<String, JsonClaim>),
}

impl JsonClaim {
    /// The value as role-mapping rules and principal tags compare it.
    pub fn as_text(&self) -> String {
        match self {
            JsonClaim::Text(s) => s.clone(),
            JsonClaim::Bool(b) => b.to_string(),
            JsonClaim::Number(n) => n.to_string(),
            JsonClaim::List(items) => items.iter().map(JsonClaim::as_text).collect::<Vec<_>>().join(","),
            JsonClaim::Map(_) => String::new(),
        }
    }
}

impl crate::Domain {
    /// The claims of an ID token signed by one of this server's pools, its signature, issuer and
    /// `token_use` checked, and its expiry against the domain's clock. `None` when the token is
    /// not one of this server's (so another verifier may try it).
    pub async fn verify_pool_id_token(&self, token: &str) -> Result<Option<(String, IdTokenClaims)>> {
        let invalid = || Error::NotAuthorized("Invalid login token.".into());
        let (pool_id, claims) = match self.verified_pool_jwt(token, |c: &IdTokenClaims| &c.iss).await {
            Ok(Some(verified)) => verified,
            Ok(None) => return Ok(None),
            Err(None) => return Err(invalid()),
            Err(Some(e)) => return Err(e),
        };
        if claims.token_use != "id" {
            return Err(invalid());
        }
        if claims.exp * 1000 <= self.clock.now_ms() {
            return Err(Error::NotAuthorized("Invalid login token. Token expired.".into()));
        }
        Ok(Some((pool_id, claims)))
    }
}

/// The claims of a client_credentials access token, as Cognito issues them.
#[derive(Serialize)]
struct MachineClaims<'a> {
    sub: &'a str,
    token_use: &'static str,
    scope: &'a str,
    auth_time: i64,
    iss: &'a str,
    exp: i64,
    iat: i64,
    version: u8,
    jti: String,
    client_id: &'a str,
}

/// The header members a token is checked by.
#[derive(Deserialize)]
struct JwtHeaderIn {
    alg: String,
    kid: Option<String>,
}

/// OpenID Connect's `at_hash`: the left half of the SHA-256 of the access token, base64url.
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// The length of `header.payload`, the signed part of a compact JWT.
fn header_and_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(0)
}

/// `header.payload.signature` with RS256 (RSASSA-PKCS1-v1_5, SHA-256) over `header.payload`.
fn sign_jwt<T: Serialize>(header_b64: &str, claims: &T, key: &RsaKeyPair) -> Result<String> {
    let payload = serde_json::to_vec(claims).map_err(|e| Error::Internal(anyhow::anyhow!("token claims: {e}")))?;
    let signing_input = format!("{header_b64}.{}", URL_SAFE_NO_PAD.encode(payload));
    let mut signature = vec![0u8; key.public_modulus_len()];
    key.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signing_input.as_bytes(), &mut signature)
        .map_err(|e| Error::Internal(anyhow::anyhow!("signing a token: {e}")))?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}
