//! Cognate's rules, independent of any wire format or database: user pools and their settings
//! (with Cognito's defaults), app clients, per-pool signing keys, and the admin access keys that
//! sign SigV4 requests. Handlers call into `Domain`; `Domain` calls the `cognate-store` traits.
//! Configuration blobs that Cognate stores and returns but does not interpret are kept as the
//! generated `cognate-model` shapes rather than copied into hand-written twins.
//!
//! Architecture invariant: nothing here knows HTTP, JSON values or SQL.

pub mod access_keys;
pub mod clients;
pub mod clock;
pub mod error;
pub mod ids;
pub mod keys;
pub mod pools;

use std::sync::Arc;

use cognate_store::Store;

pub use clock::{Clock, SystemClock};
pub use error::{Error, Result};

/// Deployment facts the rules need.
#[derive(Clone, Debug)]
pub struct DomainConfig {
    /// Region of new pools (`us-east-1`).
    pub region: String,
    /// Account ID in ARNs (12 digits).
    pub account_id: String,
    /// Public base URL without a trailing slash; a pool's issuer is `<issuer_base>/<poolId>`.
    pub issuer_base: String,
}

/// The entry point of every rule. Cheap to clone.
#[derive(Clone)]
pub struct Domain {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: Arc<DomainConfig>,
}

impl Domain {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: DomainConfig) -> Self {
        Domain { store, clock, config: Arc::new(config) }
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

    /// The ARN of a pool.
    pub fn pool_arn(&self, pool_id: &str) -> String {
        let region = ids::pool_region(pool_id).unwrap_or(&self.config.region);
        format!("arn:aws:cognito-idp:{region}:{}:userpool/{pool_id}", self.config.account_id)
    }
}
