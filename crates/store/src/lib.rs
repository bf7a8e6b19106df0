//! Storage boundary. Small per-aggregate traits (`UserPoolStore`, `ClientStore`, `AccessKeyStore`)
//! combined into `Store`, plain row types, and `StoreError`. Backends (`cognate-store-sqlite`,
//! `cognate-store-postgres`) implement them; the domain depends only on these traits. A store has
//! no rules about content: validation, defaults and ID formats belong to the domain. Rows carry
//! indexed columns as fields and the rest of an aggregate as a `document` (JSON text owned and
//! versioned by the domain).
//!
//! Naming: `get_*` fails with `NotFound`, `find_*` returns `Option`, `list_*` pages in key order,
//! `create_*` fails with `Conflict` on a duplicate key.

use async_trait::async_trait;

#[cfg(feature = "conformance")]
pub mod conformance;

/// Errors every backend maps its driver errors into.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database was migrated by a newer Cognate than this binary.
    #[error("the database schema (version {database}) is newer than this binary supports (version {binary})")]
    SchemaTooNew { database: i64, binary: i64 },
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A user pool. `document` holds the pool's settings as the domain serialised them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserPoolRow {
    pub id: String,
    pub name: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub document: String,
}

/// A pool's RSA signing key. `private_pem` is PKCS#8 PEM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningKeyRow {
    pub pool_id: String,
    pub kid: String,
    pub private_pem: String,
    pub created_ms: i64,
}

/// An app client of a pool. The secret sits in its own column so it can later be encrypted or
/// compared without parsing the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRow {
    pub pool_id: String,
    pub client_id: String,
    pub name: String,
    pub client_secret: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub document: String,
}

/// An IAM-style access key that may sign admin (SigV4) requests. Temporary keys carry the SHA-256
/// hex of their session token and an expiry.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKeyRow {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token_sha256: Option<String>,
    pub expires_ms: Option<i64>,
    pub created_ms: i64,
    pub description: String,
}

impl std::fmt::Debug for AccessKeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKeyRow")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .field("expires_ms", &self.expires_ms)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait UserPoolStore: Send + Sync {
    /// Creates the pool and its first signing key atomically.
    async fn create_user_pool(&self, pool: &UserPoolRow, key: &SigningKeyRow) -> Result<()>;
    async fn get_user_pool(&self, id: &str) -> Result<UserPoolRow>;
    /// Replaces name, updated_ms and document. `NotFound` if the pool does not exist.
    async fn update_user_pool(&self, pool: &UserPoolRow) -> Result<()>;
    /// Deletes the pool with its clients and keys. `NotFound` if it does not exist.
    async fn delete_user_pool(&self, id: &str) -> Result<()>;
    /// Pools with `id > after`, ordered by id, at most `limit`.
    async fn list_user_pools(&self, after: Option<&str>, limit: u32) -> Result<Vec<UserPoolRow>>;
    /// The pool's signing keys, oldest first.
    async fn list_signing_keys(&self, pool_id: &str) -> Result<Vec<SigningKeyRow>>;
}

#[async_trait]
pub trait ClientStore: Send + Sync {
    /// `NotFound` if the pool does not exist; `Conflict` on a duplicate client ID.
    async fn create_client(&self, client: &ClientRow) -> Result<()>;
    async fn get_client(&self, pool_id: &str, client_id: &str) -> Result<ClientRow>;
    /// Replaces name, client_secret, updated_ms and document. `NotFound` if absent.
    async fn update_client(&self, client: &ClientRow) -> Result<()>;
    async fn delete_client(&self, pool_id: &str, client_id: &str) -> Result<()>;
    /// The pool's clients with `client_id > after`, ordered by client ID, at most `limit`.
    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> Result<Vec<ClientRow>>;
}

#[async_trait]
pub trait AccessKeyStore: Send + Sync {
    /// `Conflict` on a duplicate key ID.
    async fn create_access_key(&self, key: &AccessKeyRow) -> Result<()>;
    async fn find_access_key(&self, access_key_id: &str) -> Result<Option<AccessKeyRow>>;
    /// Number of permanent (non-temporary) keys.
    async fn count_permanent_access_keys(&self) -> Result<u64>;
}

/// Everything Cognate stores. Backends implement each part.
#[async_trait]
pub trait Store: UserPoolStore + ClientStore + AccessKeyStore + Send + Sync {
    /// `sqlite` or `postgres`, for logs.
    fn backend(&self) -> &'static str;
    /// Cheap liveness check of the connection pool.
    async fn ping(&self) -> Result<()>;
}
