//! Access keys that sign SigV4 requests, and whose they are (`KeyOwner`): the account's root (the
//! key the server creates at first start and writes to a shared-credentials file), an IAM user, or
//! a session from STS (an assumed role, or GetSessionToken's session of a user or the root), whose
//! keys carry the SHA-256 of their session token and an expiry.

use cognate_store::AccessKeyRow;
use sha2::{Digest as _, Sha256};

use crate::error::Result;
use crate::{Domain, ids};

/// A key that may sign requests.
#[derive(Clone)]
pub struct AccessKey {
    pub access_key_id: String,
    pub secret_access_key: String,
    session_token_sha256: Option<String>,
    pub expires_ms: Option<i64>,
    pub created_ms: i64,
    pub owner: KeyOwner,
}

/// Whose key it is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum KeyOwner {
    Root,
    User {
        name: String,
    },
    /// A role session from AssumeRole, AssumeRoleWithWebIdentity or an identity pool.
    Role(Box<RoleSession>),
    /// GetSessionToken's session of a user (`None`: of the root).
    UserSession {
        name: Option<String>,
    },
}

/// What a role session was granted, fixed when it was issued.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoleSession {
    pub role_arn: String,
    pub role_name: String,
    pub role_id: String,
    pub session_name: String,
    /// An inline session policy (AssumeRole's `Policy`).
    #[serde(default)]
    pub policy: Option<String>,
    /// Managed session policies (`PolicyArns`).
    #[serde(default)]
    pub policy_arns: Vec<String>,
    /// Session tags (`aws:PrincipalTag/…`).
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    #[serde(default)]
    pub source_identity: Option<String>,
    /// Condition keys of the web identity the session came from
    /// (`cognito-identity.amazonaws.com:sub`, …), available to the role's policies.
    #[serde(default)]
    pub web_identity: Vec<(String, Vec<String>)>,
    pub issued_ms: i64,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKey").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// What a request's `X-Amz-Security-Token` says about a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenCheck {
    Valid,
    /// A token is missing, present for a permanent key, or wrong.
    Invalid,
    /// The temporary key has expired.
    Expired,
}

impl AccessKey {
    /// Checks the session token (if any) and expiry against the key, in constant time.
    pub fn check_session(&self, session_token: Option<&str>, now_ms: i64) -> TokenCheck {
        match (&self.session_token_sha256, session_token) {
            (None, None) => TokenCheck::Valid,
            (Some(expected), Some(given)) => {
                let given = hex_sha256(given);
                let is_equal: bool = subtle_eq(expected.as_bytes(), given.as_bytes());
                if !is_equal {
                    TokenCheck::Invalid
                } else if self.expires_ms.is_some_and(|e| e <= now_ms) {
                    TokenCheck::Expired
                } else {
                    TokenCheck::Valid
                }
            }
            _ => TokenCheck::Invalid,
        }
    }
}

fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex_sha256(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl AccessKey {
    fn from_row(r: AccessKeyRow, secret_access_key: String) -> crate::Result<Self> {
        let owner = match &r.principal {
            None => KeyOwner::Root,
            Some(doc) => serde_json::from_str(doc).map_err(|e| {
                crate::Error::Internal(anyhow::anyhow!("access key {}: unreadable principal: {e}", r.access_key_id))
            })?,
        };
        Ok(AccessKey {
            access_key_id: r.access_key_id,
            secret_access_key,
            session_token_sha256: r.session_token_sha256,
            expires_ms: r.expires_ms,
            created_ms: r.created_ms,
            owner,
        })
    }

    /// Whether the key came from STS (and carries a session token).
    pub fn is_temporary(&self) -> bool {
        self.session_token_sha256.is_some()
    }
}

/// A new key with its secret and, for a temporary one, its session token: shown once.
#[derive(Clone)]
pub struct IssuedKey {
    pub key: AccessKey,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedKey").field("key", &self.key).finish_non_exhaustive()
    }
}

/// `ASIA` and 16 characters: a temporary key's ID.
fn temporary_key_id() -> String {
    format!("ASIA{}", &ids::access_key_id()[4..])
}

/// An opaque session token, long like STS's.
fn session_token() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 96];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("IQoJb3JpZ2luX2Vj{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The vault context of an access key's secret.
fn secret_context(access_key_id: &str) -> String {
    format!("access-key:{access_key_id}")
}

impl Domain {
    /// Creates the first administrator key when the store has no permanent key. Returns the new
    /// key, or `None` when one already existed.
    pub async fn bootstrap_admin_key(&self) -> Result<Option<AccessKey>> {
        if self.store.count_permanent_access_keys().await? > 0 {
            return Ok(None);
        }
        let access_key_id = ids::access_key_id();
        let secret = ids::secret_access_key();
        let row = AccessKeyRow {
            secret_access_key: self.vault.seal_str(&secret_context(&access_key_id), &secret)?,
            access_key_id,
            session_token_sha256: None,
            expires_ms: None,
            created_ms: self.clock.now_ms(),
            description: "administrator (created at first start)".into(),
            principal: None,
        };
        self.store.create_access_key(&row).await?;
        Ok(Some(AccessKey::from_row(row, secret)?))
    }

    /// A new key for `owner`; temporary (`ASIA…`, with a session token) when it expires.
    pub async fn issue_access_key(
        &self,
        owner: KeyOwner,
        expires_ms: Option<i64>,
        description: String,
    ) -> Result<IssuedKey> {
        let temporary = expires_ms.is_some();
        let access_key_id = if temporary { temporary_key_id() } else { ids::access_key_id() };
        let secret = ids::secret_access_key();
        let token = temporary.then(session_token);
        let principal = match &owner {
            KeyOwner::Root => None,
            other => Some(serde_json::to_string(other).map_err(|e| crate::Error::Internal(anyhow::anyhow!("{e}")))?),
        };
        let row = AccessKeyRow {
            secret_access_key: self.vault.seal_str(&secret_context(&access_key_id), &secret)?,
            access_key_id,
            session_token_sha256: token.as_deref().map(hex_sha256),
            expires_ms,
            created_ms: self.clock.now_ms(),
            description,
            principal,
        };
        self.store.create_access_key(&row).await?;
        if temporary {
            self.purge_expired_keys().await;
        }
        Ok(IssuedKey { key: AccessKey::from_row(row, secret)?, session_token: token })
    }

    /// Deletes temporary keys a day past their expiry, at most once a minute per node.
    async fn purge_expired_keys(&self) {
        let now = self.clock.now_ms();
        let last = self.last_key_purge_ms.load(std::sync::atomic::Ordering::Relaxed);
        if now - last < 60_000 {
            return;
        }
        self.last_key_purge_ms.store(now, std::sync::atomic::Ordering::Relaxed);
        if let Err(e) = self.store.delete_expired_access_keys(now - 86_400_000).await {
            tracing::warn!(error = %e, "COGNATE-DOM0101 purging expired access keys failed");
        }
    }

    /// The key, from a per-process cache: keys are never changed once created (temporary keys
    /// carry their own expiry, checked on every use), so a found key can be kept. Unknown IDs are
    /// not cached, so a key created on another node is found at once.
    pub async fn find_access_key(&self, access_key_id: &str) -> Result<Option<AccessKey>> {
        if let Some(key) = self.access_keys.read().ok().and_then(|m| m.get(access_key_id).cloned()) {
            return Ok(Some(key));
        }
        let found = match self.store.find_access_key(access_key_id).await? {
            Some(row) => {
                let context = secret_context(&row.access_key_id);
                let secret_access_key = self.vault.open_str(&context, &row.secret_access_key)?;
                Some(AccessKey::from_row(row, secret_access_key)?)
            }
            None => None,
        };
        if let (Some(key), Ok(mut m)) = (&found, self.access_keys.write()) {
            m.insert(access_key_id.to_string(), key.clone());
        }
        Ok(found)
    }
}
