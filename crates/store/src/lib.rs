//! Storage boundary. Small per-aggregate traits (`UserPoolStore`, `ClientStore`, `AccessKeyStore`,
//! `UserStore`, `GroupStore`, `TokenStore`, `CodeStore`, `SecretStore`, `DeviceStore`,
//! `CounterStore`, `ResourceServerStore`, `DomainStore`, `BrandingStore`, `EntityStore`) combined into `Store`, plain row types, and `StoreError`. Backends (`cognate-store-sqlite`,
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
    /// A compare-and-swap write found the row changed since the version it was read at.
    #[error("the row changed since it was read")]
    Stale,
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
    /// Whose key it is, as the domain serialised it (`None`: the account's root).
    pub principal: Option<String>,
}

impl std::fmt::Debug for AccessKeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKeyRow")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .field("expires_ms", &self.expires_ms)
            .field("description", &self.description)
            .field("principal", &self.principal)
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
    /// Deletes the pool with everything in it (clients, keys, users, groups, tokens, codes, devices).
    /// `NotFound` if it does not exist.
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
    /// The client with this ID in any pool (client IDs are unique across pools).
    async fn find_client(&self, client_id: &str) -> Result<Option<ClientRow>>;
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
    /// Number of permanent (non-temporary) keys of the account's root.
    async fn count_permanent_access_keys(&self) -> Result<u64>;
    /// `NotFound` if absent.
    async fn delete_access_key(&self, access_key_id: &str) -> Result<()>;
    /// Deletes temporary keys that expired before `before_ms`; how many.
    async fn delete_expired_access_keys(&self, before_ms: i64) -> Result<u64>;
}

/// A user of a pool. `username_key` is the lookup key (the username, lower-cased in pools whose
/// usernames are case-insensitive); `username` is the name as created. `index` lists the
/// searchable `(attribute, value)` pairs (ListUsers filters, sign-in by alias); `unique` lists the
/// pairs that must be unique within the pool (email or phone used as username or alias).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRow {
    pub pool_id: String,
    pub username_key: String,
    pub username: String,
    pub sub: String,
    /// UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED, EXTERNAL_PROVIDER.
    pub status: String,
    pub is_enabled: bool,
    /// PHC string (argon2id); `None` for users without a password.
    pub password_hash: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// Tokens issued before this instant are rejected (GlobalSignOut).
    pub tokens_valid_after_ms: i64,
    /// The version the row was read at (a new user's is 1). `update_user` writes only while the
    /// stored version is still this one, and moves it on by one.
    pub version: i64,
    pub document: String,
    pub index: Vec<(String, String)>,
    pub unique: Vec<(String, String)>,
}

/// A ListUsers filter on one indexed attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserFilter {
    /// `attr = "value"`
    Equals { attribute: String, value: String },
    /// `attr ^= "value"`
    StartsWith { attribute: String, prefix: String },
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// `NotFound` if the pool does not exist; `Conflict("username")` on a duplicate key;
    /// `Conflict("<attribute>")` when a `unique` pair is taken.
    async fn create_user(&self, user: &UserRow) -> Result<()>;
    async fn get_user(&self, pool_id: &str, username_key: &str) -> Result<UserRow>;
    /// The user, and whether any refresh token of the sign-in `origin_jti` was revoked, in one
    /// read: the access-token hot path. The row's `index` and `unique` are left empty (the hot
    /// path needs neither). `NotFound` if the user does not exist.
    async fn get_user_for_token(&self, pool_id: &str, username_key: &str, origin_jti: &str) -> Result<(UserRow, bool)>;
    /// Users whose `index` contains `(attribute, value)`, ordered by username_key.
    async fn find_users_by_index(&self, pool_id: &str, attribute: &str, value: &str) -> Result<Vec<UserRow>>;
    /// Replaces every column but `pool_id`, `username_key`, `created_ms`, and the index and unique
    /// sets, if the stored version is still `user.version` (compare-and-swap; the stored version
    /// becomes `user.version + 1`). `NotFound` if absent; `Stale` if another write came first;
    /// `Conflict("<attribute>")` when a new `unique` pair is taken.
    async fn update_user(&self, user: &UserRow) -> Result<()>;
    /// Deletes the user with its group memberships, refresh tokens, codes and devices. `NotFound` if absent.
    async fn delete_user(&self, pool_id: &str, username_key: &str) -> Result<()>;
    /// Users with `username_key > after`, matching `filter`, ordered by username_key, at most
    /// `limit`. An `Equals` or `StartsWith` filter must use the index, never scan the pool.
    async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserRow>>;
    async fn count_users(&self, pool_id: &str) -> Result<u64>;
}

/// A group of a pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRow {
    pub pool_id: String,
    pub name: String,
    pub description: Option<String>,
    pub precedence: Option<i32>,
    pub role_arn: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[async_trait]
pub trait GroupStore: Send + Sync {
    /// `NotFound` if the pool does not exist; `Conflict` on a duplicate name.
    async fn create_group(&self, group: &GroupRow) -> Result<()>;
    async fn get_group(&self, pool_id: &str, name: &str) -> Result<GroupRow>;
    /// Replaces description, precedence, role_arn and updated_ms. `NotFound` if absent.
    async fn update_group(&self, group: &GroupRow) -> Result<()>;
    /// Deletes the group and its memberships. `NotFound` if absent.
    async fn delete_group(&self, pool_id: &str, name: &str) -> Result<()>;
    /// Groups with `name > after`, ordered by name, at most `limit`.
    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> Result<Vec<GroupRow>>;
    /// Idempotent. `NotFound` if the user or the group does not exist.
    async fn add_user_to_group(&self, pool_id: &str, group: &str, username_key: &str) -> Result<()>;
    /// Idempotent. `NotFound` if the user or the group does not exist.
    async fn remove_user_from_group(&self, pool_id: &str, group: &str, username_key: &str) -> Result<()>;
    /// The user's groups with `name > after`, ordered by name, at most `limit`.
    async fn list_groups_for_user(
        &self,
        pool_id: &str,
        username_key: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<GroupRow>>;
    /// The group's users with `username_key > after`, ordered by username_key, at most `limit`.
    async fn list_users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserRow>>;
}

/// An issued refresh token, stored only as the SHA-256 hex of its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshTokenRow {
    pub token_sha256: String,
    pub pool_id: String,
    pub client_id: String,
    pub username_key: String,
    /// The `origin_jti` shared by every token of this sign-in.
    pub origin_jti: String,
    pub issued_ms: i64,
    pub expires_ms: i64,
    /// When the token, with every other token of its sign-in, was revoked.
    pub revoked_ms: Option<i64>,
    /// When rotation replaced this token with a new one (the sign-in itself lives on).
    pub rotated_ms: Option<i64>,
    /// The OAuth scopes the sign-in was granted (space-separated); `None` for a sign-in through
    /// the API (`aws.cognito.signin.user.admin`).
    pub scope: Option<String>,
}

#[async_trait]
pub trait TokenStore: Send + Sync {
    /// `Conflict` on a duplicate hash; `NotFound` if the user does not exist.
    async fn create_refresh_token(&self, token: &RefreshTokenRow) -> Result<()>;
    async fn find_refresh_token(&self, token_sha256: &str) -> Result<Option<RefreshTokenRow>>;
    /// Whether a token of this `origin_jti` was revoked (an access token's sign-in was ended).
    async fn is_origin_revoked(&self, origin_jti: &str) -> Result<bool>;
    /// Marks a live token rotated at `now_ms`: true for exactly one caller, false if the token is
    /// unknown, revoked or already rotated (refresh-token rotation's single use).
    async fn rotate_refresh_token(&self, token_sha256: &str, now_ms: i64) -> Result<bool>;
    /// Marks every token of `origin_jti` revoked at `now_ms` (no-op for revoked ones).
    async fn revoke_origin(&self, origin_jti: &str, now_ms: i64) -> Result<()>;
    /// Marks every token of the user revoked at `now_ms`.
    async fn revoke_user_tokens(&self, pool_id: &str, username_key: &str, now_ms: i64) -> Result<()>;
    /// Removes tokens that expired before `now_ms`; returns how many.
    async fn delete_expired_refresh_tokens(&self, now_ms: i64) -> Result<u64>;
}

/// A one-time code (confirmation, password reset, attribute verification), stored as a hash.
/// Guesses and sends are limited with counters (`CounterStore`), not here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeRow {
    pub pool_id: String,
    pub username_key: String,
    /// What the code is for, e.g. `signup`, `forgot_password`, `verify:email`.
    pub purpose: String,
    pub code_hash: String,
    pub expires_ms: i64,
}

#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Inserts or replaces the code for `(pool_id, username_key, purpose)`. `NotFound` if the
    /// user does not exist.
    async fn put_code(&self, code: &CodeRow) -> Result<()>;
    async fn find_code(&self, pool_id: &str, username_key: &str, purpose: &str) -> Result<Option<CodeRow>>;
    /// Deletes the code if its hash is still `code_hash`: true for exactly one caller (a code's
    /// single use), false if it is gone or was replaced.
    async fn take_code(&self, pool_id: &str, username_key: &str, purpose: &str, code_hash: &str) -> Result<bool>;
    /// Idempotent.
    async fn delete_code(&self, pool_id: &str, username_key: &str, purpose: &str) -> Result<()>;
}

/// How a counter counts: attempts within a window that begins with the first of them, and —
/// for lockouts — a lock that begins with the `lock_after`-th attempt and doubles with each
/// further one: `first_lock_ms`, then twice that, up to `max_lock_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterPolicy {
    pub window_ms: i64,
    /// `i64::MAX`: the counter never locks.
    pub lock_after: i64,
    pub first_lock_ms: i64,
    pub max_lock_ms: i64,
}

/// A counter after `bump_counter`: whether this attempt was counted (it is not while the counter
/// is locked), the count, and until when the counter is locked (0 or past: not locked) — a lock
/// this very attempt began included.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bump {
    pub is_counted: bool,
    pub count: i64,
    pub locked_until_ms: i64,
}

/// Attempt counters: lockouts after wrong passwords and codes, send limits. Each bump is one
/// atomic statement that counts and locks together, so concurrent attempts (on any node) each
/// get a count of their own and none slips past a lock another attempt began. Keys are opaque
/// strings the domain builds.
#[async_trait]
pub trait CounterStore: Send + Sync {
    /// Counts one more attempt on `key` unless it is locked at `now_ms` (then nothing changes):
    /// a counter whose window is over starts again at 1. Reaching `policy.lock_after` locks it
    /// from `now_ms` for the policy's doubling time.
    async fn bump_counter(&self, key: &str, now_ms: i64, policy: &CounterPolicy) -> Result<Bump>;
    /// Forgets `key`, its lock included. Idempotent.
    async fn reset_counter(&self, key: &str) -> Result<()>;
    /// Removes counters whose window and lock both ended before `now_ms`; returns how many.
    async fn delete_expired_counters(&self, now_ms: i64) -> Result<u64>;
}

/// A device a user signed in from (Cognito's remembered devices). `verifier_hex`/`salt_hex` are
/// the device's SRP verifier once ConfirmDevice ran; `document` holds name, attributes and status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRow {
    pub pool_id: String,
    pub username_key: String,
    pub device_key: String,
    pub device_group_key: String,
    pub salt_hex: Option<String>,
    pub verifier_hex: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub last_authenticated_ms: i64,
    pub document: String,
}

#[async_trait]
pub trait DeviceStore: Send + Sync {
    /// Inserts or replaces the device `(pool_id, username_key, device_key)`. `NotFound` if the
    /// user does not exist.
    async fn put_device(&self, device: &DeviceRow) -> Result<()>;
    async fn find_device(&self, pool_id: &str, username_key: &str, device_key: &str) -> Result<Option<DeviceRow>>;
    /// The user's devices with `device_key > after`, ordered by device key, at most `limit`.
    async fn list_devices(
        &self,
        pool_id: &str,
        username_key: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeviceRow>>;
    /// Idempotent.
    async fn delete_device(&self, pool_id: &str, username_key: &str, device_key: &str) -> Result<()>;
}

#[async_trait]
pub trait SecretStore: Send + Sync {
    /// Returns the stored secret named `name`, first storing `candidate` if there is none, so
    /// every node of a deployment agrees on it.
    async fn get_or_create_secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>>;
    /// Records that the one-time value `key` was used; true the first time, false ever after
    /// (across every node). Entries may be forgotten once `expires_ms` has passed.
    async fn claim_once(&self, key: &str, expires_ms: i64, now_ms: i64) -> Result<bool>;
    /// Whether `key` was claimed and its claim has not expired at `now_ms`.
    async fn is_claimed(&self, key: &str, now_ms: i64) -> Result<bool>;
}

/// Everything Cognate stores. Backends implement each part.
/// A resource server of a pool (OAuth custom scopes `<identifier>/<scope>`). `document` holds its
/// scopes as the domain serialised them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceServerRow {
    pub pool_id: String,
    pub identifier: String,
    pub name: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub document: String,
}

#[async_trait]
pub trait ResourceServerStore: Send + Sync {
    /// `NotFound` if the pool does not exist; `Conflict` if the identifier is taken in the pool.
    async fn create_resource_server(&self, server: &ResourceServerRow) -> Result<()>;
    async fn get_resource_server(&self, pool_id: &str, identifier: &str) -> Result<ResourceServerRow>;
    /// Replaces name, updated_ms and document. `NotFound` if absent.
    async fn update_resource_server(&self, server: &ResourceServerRow) -> Result<()>;
    /// `NotFound` if absent.
    async fn delete_resource_server(&self, pool_id: &str, identifier: &str) -> Result<()>;
    /// Resource servers with `identifier > after`, in identifier order, at most `limit`.
    async fn list_resource_servers(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ResourceServerRow>>;
}

/// A domain of a pool: a prefix (`kind` "prefix") or a custom domain's name ("custom"). Domains are
/// unique across pools, and a pool has at most one of each kind. `document` holds the rest
/// (managed-login version, certificate ARN) as the domain serialised it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainRow {
    pub domain: String,
    pub pool_id: String,
    pub kind: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub document: String,
}

#[async_trait]
pub trait DomainStore: Send + Sync {
    /// `NotFound` if the pool does not exist; `Conflict` if the domain is taken (by any pool) or
    /// the pool already has a domain of this kind.
    async fn create_domain(&self, domain: &DomainRow) -> Result<()>;
    async fn find_domain(&self, domain: &str) -> Result<Option<DomainRow>>;
    /// The pool's domains (at most one per kind), in kind order.
    async fn list_pool_domains(&self, pool_id: &str) -> Result<Vec<DomainRow>>;
    /// Replaces updated_ms and document. `NotFound` if the pool has no such domain.
    async fn update_domain(&self, domain: &DomainRow) -> Result<()>;
    /// `NotFound` if the pool has no such domain.
    async fn delete_domain(&self, pool_id: &str, domain: &str) -> Result<()>;
}

/// A hosted-UI branding of a pool: a classic UI customization (`kind` "ui", `client_id` a client
/// or "ALL") or a managed login branding style ("managed"). At most one per kind and client.
/// `document` holds the settings and images as the domain serialised them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrandingRow {
    pub pool_id: String,
    pub id: String,
    pub kind: String,
    pub client_id: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub document: String,
}

#[async_trait]
pub trait BrandingStore: Send + Sync {
    /// `NotFound` if the pool does not exist; `Conflict` if the ID is taken or the client already
    /// has a branding of this kind.
    async fn create_branding(&self, branding: &BrandingRow) -> Result<()>;
    async fn find_branding(&self, pool_id: &str, id: &str) -> Result<Option<BrandingRow>>;
    async fn find_branding_for_client(&self, pool_id: &str, kind: &str, client_id: &str)
    -> Result<Option<BrandingRow>>;
    /// Replaces updated_ms and document. `NotFound` if absent.
    async fn update_branding(&self, branding: &BrandingRow) -> Result<()>;
    /// `NotFound` if absent.
    async fn delete_branding(&self, pool_id: &str, id: &str) -> Result<()>;
}

/// An object of the account-level services (IAM roles, policies, users and providers; identity
/// pools, identities and their logins), by `kind` and an `id` unique per kind. `scope` groups
/// objects for listing (an identity pool's identities; `""` for account-level objects).
/// `version` is what `update` compares and bumps. `document` is the domain's JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityRow {
    pub kind: String,
    pub id: String,
    pub scope: String,
    pub version: i64,
    pub created_ms: i64,
    pub document: String,
}

/// One write of `EntityStore::apply`.
#[derive(Clone, Debug)]
pub enum EntityChange {
    /// `Conflict` if the kind and ID exist.
    Create(EntityRow),
    /// Compare-and-swap: replaces scope and document where the stored version is `row.version`,
    /// storing `row.version + 1`. `Stale` if the version differs, `NotFound` if absent.
    Update(EntityRow),
    /// `NotFound` if absent.
    Delete { kind: String, id: String },
    /// Deletes whatever exists; never fails for a missing row.
    DeleteIfExists { kind: String, id: String },
}

#[async_trait]
pub trait EntityStore: Send + Sync {
    /// Applies every change in one transaction: all of them or none.
    async fn apply_entities(&self, changes: &[EntityChange]) -> Result<()>;
    async fn find_entity(&self, kind: &str, id: &str) -> Result<Option<EntityRow>>;
    /// Entities of `kind` in `scope` with `id > after`, ordered by id, at most `limit`.
    async fn list_entities(&self, kind: &str, scope: &str, after: Option<&str>, limit: u32) -> Result<Vec<EntityRow>>;
    /// Deletes every entity of `kind` in `scope`; how many.
    async fn delete_entity_scope(&self, kind: &str, scope: &str) -> Result<u64>;
}

#[async_trait]
pub trait Store:
    UserPoolStore
    + ClientStore
    + AccessKeyStore
    + UserStore
    + GroupStore
    + TokenStore
    + CodeStore
    + SecretStore
    + DeviceStore
    + CounterStore
    + ResourceServerStore
    + DomainStore
    + BrandingStore
    + EntityStore
    + Send
    + Sync
{
    /// `sqlite` or `postgres`, for logs.
    fn backend(&self) -> &'static str;
    /// Cheap liveness check of the connection pool.
    async fn ping(&self) -> Result<()>;
}
