//! Access keys that sign SigV4 (admin) requests. On a store with no permanent key, the server asks
//! for one at start-up and writes it to a shared-credentials file; later keys (STS temporary
//! credentials) carry the SHA-256 of their session token.

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

impl From<AccessKeyRow> for AccessKey {
    fn from(r: AccessKeyRow) -> Self {
        AccessKey {
            access_key_id: r.access_key_id,
            secret_access_key: r.secret_access_key,
            session_token_sha256: r.session_token_sha256,
            expires_ms: r.expires_ms,
        }
    }
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
        Ok(Some(AccessKey { secret_access_key: secret, ..row.into() }))
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
                Some(AccessKey { secret_access_key, ..row.into() })
            }
            None => None,
        };
        if let (Some(key), Ok(mut m)) = (&found, self.access_keys.write()) {
            m.insert(access_key_id.to_string(), key.clone());
        }
        Ok(found)
    }
}
