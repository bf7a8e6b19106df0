//! Cognate's rules, independent of any wire format or database: user pools and their settings
//! (with Cognito's defaults), app clients, per-pool signing keys, the admin access keys that sign
//! SigV4 requests, users and groups, passwords, codes and their delivery, sign-in flows, tokens
//! and sealed challenge sessions. Handlers call into `Domain`; `Domain` calls the `cognate-store` traits.
//! Configuration blobs that Cognate stores and returns but does not interpret are kept as the
//! generated `cognate-model` shapes rather than copied into hand-written twins.
//!
//! Architecture invariant: nothing here knows HTTP, JSON values or SQL.

pub mod access_keys;
pub mod accounts;
pub mod auth;
pub mod branding;
pub mod clients;
pub mod clock;
pub mod codes;
pub mod decoys;
pub mod devices;
pub mod domains;
pub mod error;
pub mod grants;
pub mod groups;
pub mod hosted;
pub mod iam;
pub mod identity;
pub mod ids;
pub mod keys;
pub mod limits;
pub mod mfa;
pub mod passkeys;
pub mod passwords;
pub mod pools;
pub mod resource_servers;
pub mod sessions;
pub mod signin;
pub mod srp;
pub mod tokens;
pub mod users;
pub mod vault;

use std::sync::Arc;

use cognate_messaging::Messenger;
use cognate_store::Store;
use rand::RngCore as _;

pub use clock::{Clock, SystemClock};
pub use error::{Error, IamError, Result};

/// Deployment facts the rules need.
#[derive(Clone, Debug)]
pub struct DomainConfig {
    /// Region of new pools (`us-east-1`).
    pub region: String,
    /// Account ID in ARNs (12 digits).
    pub account_id: String,
    /// Public base URL without a trailing slash; a pool's issuer is `<issuer_base>/<poolId>`.
    pub issuer_base: String,
    /// Host under which prefix domains answer as `<prefix>.<host>` (see the server's
    /// `domain_base_host`); `None`: under `<issuer_base>/domains/<prefix>`.
    pub domain_base_host: Option<String>,
    /// Password hashing cost.
    pub argon2: passwords::Argon2Params,
    /// Most password hashes computed at once (defaults to the number of cores).
    pub hash_concurrency: usize,
    /// The key-encryption key of every stored secret (see `vault`).
    pub master_key: vault::MasterKey,
}

/// The entry point of every rule. Cheap to clone.
#[derive(Clone)]
pub struct Domain {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: Arc<DomainConfig>,
    pub(crate) passwords: passwords::Passwords,
    pub(crate) sessions: sessions::Sealer,
    pub(crate) totp_sealer: sessions::Sealer,
    /// Hosted UI sign-in sessions (cookies) and authorization codes.
    pub(crate) login_sealer: sessions::Sealer,
    pub(crate) code_sealer: sessions::Sealer,
    /// Encoded authorization failure messages (STS DecodeAuthorizationMessage).
    pub(crate) denial_sealer: sessions::Sealer,
    pub(crate) code_key: Arc<Vec<u8>>,
    pub(crate) keys: tokens::KeyCache,
    pub(crate) vault: vault::Vault,
    pub(crate) messenger: Messenger,
    /// Access keys already looked up (immutable once created).
    pub(crate) access_keys: Arc<std::sync::RwLock<std::collections::HashMap<String, access_keys::AccessKey>>>,
    /// Pool ID → whether its usernames are case-insensitive (immutable per pool).
    pub(crate) case_insensitive: Arc<std::sync::RwLock<std::collections::HashMap<String, bool>>>,
    /// When this node last purged expired temporary keys.
    pub(crate) last_key_purge_ms: Arc<std::sync::atomic::AtomicI64>,
    /// Parsed policy documents by their text (documents are immutable values).
    pub(crate) parsed_policies: iam::principals::PolicyCache,
    /// The signing key of identity pools' OpenID tokens.
    pub(crate) identity_key: identity::IdentityKey,
}

/// Name of the deployment secret in the store (sessions, code hashes).
const DEPLOYMENT_SECRET: &str = "deployment-secret-v1";

impl Domain {
    /// Builds the domain; reads (or, on a new store, creates) the deployment secret that every
    /// node shares.
    pub async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: DomainConfig,
        messenger: Messenger,
    ) -> Result<Self> {
        let vault = vault::Vault::new(&config.master_key);
        let mut candidate = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut candidate);
        let context = format!("secret:{DEPLOYMENT_SECRET}");
        let sealed = vault.seal(&context, &candidate)?;
        let stored = store.get_or_create_secret(DEPLOYMENT_SECRET, sealed.as_bytes()).await?;
        let secret = vault.open(&context, &stored)?;
        let passwords = passwords::Passwords::new(config.argon2, config.hash_concurrency)?;
        let mut code_key = b"cognate codes v1\0".to_vec();
        code_key.extend_from_slice(&secret);
        Ok(Domain {
            store,
            clock,
            config: Arc::new(config),
            passwords,
            sessions: sessions::Sealer::new(&secret, "challenge-session"),
            totp_sealer: sessions::Sealer::new(&secret, "totp-secret"),
            login_sealer: sessions::Sealer::new(&secret, "login-session"),
            code_sealer: sessions::Sealer::new(&secret, "authorization-code"),
            denial_sealer: sessions::Sealer::new(&secret, "authorization-failure"),
            code_key: Arc::new(code_key),
            keys: tokens::KeyCache::default(),
            vault,
            messenger,
            case_insensitive: Arc::default(),
            access_keys: Arc::default(),
            last_key_purge_ms: Arc::default(),
            parsed_policies: iam::principals::PolicyCache::default(),
            identity_key: identity::IdentityKey::default(),
        })
    }

    /// The message sender (its development outbox, for instance).
    pub fn messenger(&self) -> &Messenger {
        &self.messenger
    }

    /// The password hasher (for benchmarks of the bare hash rate).
    pub fn passwords(&self) -> &passwords::Passwords {
        &self.passwords
    }

    pub fn config(&self) -> &DomainConfig {
        &self.config
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The OIDC issuer of a pool.
    pub fn issuer(&self, pool_id: &str) -> String {
        format!("{}/{pool_id}", self.config.issuer_base)
    }

    /// The ARN of an identity pool (`<region>:<uuid>`).
    pub fn identity_pool_arn(&self, pool_id: &str) -> String {
        let region = pool_id.split_once(':').map_or(self.config.region.as_str(), |(r, _)| r);
        format!("arn:aws:cognito-identity:{region}:{}:identitypool/{pool_id}", self.config.account_id)
    }

    /// The ARN of a pool.
    pub fn pool_arn(&self, pool_id: &str) -> String {
        let region = ids::pool_region(pool_id).unwrap_or(&self.config.region);
        format!("arn:aws:cognito-idp:{region}:{}:userpool/{pool_id}", self.config.account_id)
    }
}
