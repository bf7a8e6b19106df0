//! The domains of pools: where a pool's hosted UI and OAuth endpoints are served. A pool has at
//! most one prefix domain (`myprefix`, served as `myprefix.<base host>` or under a path that names
//! it) and one custom domain (`auth.example.com`, matched by the Host header), and a domain name
//! belongs to one pool. CreateUserPoolDomain, DescribeUserPoolDomain, UpdateUserPoolDomain,
//! DeleteUserPoolDomain; DescribeUserPool shows them; a pool with a domain cannot be deleted.

use cognate_model::Timestamp;
use cognate_model::cognito_idp as m;
use cognate_store::{DomainRow, StoreError};
use serde::{Deserialize, Serialize};

use crate::Domain;
use crate::error::{Error, Result, not_found_as};
use crate::pools::UserPool;

/// Words a prefix may not contain (Cognito reserves them).
const RESERVED: [&str; 3] = ["aws", "amazon", "cognito"];

/// A prefix domain or a custom domain's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DomainKind {
    Prefix,
    Custom,
}

impl DomainKind {
    fn as_str(self) -> &'static str {
        match self {
            DomainKind::Prefix => "prefix",
            DomainKind::Custom => "custom",
        }
    }

    fn parse(text: &str) -> Result<DomainKind> {
        [DomainKind::Prefix, DomainKind::Custom]
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("unknown domain kind {text}")))
    }

    /// A name with a dot is a custom domain; without, a prefix.
    fn of(domain: &str) -> DomainKind {
        if domain.contains('.') { DomainKind::Custom } else { DomainKind::Prefix }
    }
}

/// A pool's domain.
#[derive(Clone, Debug)]
pub struct PoolDomain {
    pub domain: String,
    pub pool_id: String,
    pub kind: DomainKind,
    /// 1: the classic hosted UI; 2: managed login.
    pub managed_login_version: i32,
    pub custom_domain_config: Option<m::CustomDomainConfigType>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct Document {
    managed_login_version: i32,
    custom_domain_config: Option<m::CustomDomainConfigType>,
}

impl PoolDomain {
    fn from_row(row: DomainRow) -> Result<PoolDomain> {
        let doc: Document = serde_json::from_str(&row.document)
            .map_err(|e| Error::Internal(anyhow::anyhow!("domain document unreadable: {e}")))?;
        Ok(PoolDomain {
            domain: row.domain,
            pool_id: row.pool_id,
            kind: DomainKind::parse(&row.kind)?,
            managed_login_version: doc.managed_login_version,
            custom_domain_config: doc.custom_domain_config,
            created: Timestamp::from_millis(row.created_ms),
            modified: Timestamp::from_millis(row.updated_ms),
        })
    }

    fn to_row(&self) -> Result<DomainRow> {
        let doc = Document {
            managed_login_version: self.managed_login_version,
            custom_domain_config: self.custom_domain_config.clone(),
        };
        Ok(DomainRow {
            domain: self.domain.clone(),
            pool_id: self.pool_id.clone(),
            kind: self.kind.as_str().to_string(),
            created_ms: self.created.millis(),
            updated_ms: self.modified.millis(),
            document: serde_json::to_string(&doc)
                .map_err(|e| Error::Internal(anyhow::anyhow!("serialising a domain: {e}")))?,
        })
    }
}

/// One DNS label: 1–63 of `[a-z0-9-]`, not starting or ending with `-`.
fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// The name's kind, if it is a valid prefix or a valid custom domain name.
fn check_name(domain: &str) -> Result<DomainKind> {
    let kind = DomainKind::of(domain);
    match kind {
        DomainKind::Prefix => {
            if !is_label(domain) {
                return Err(Error::invalid(format!(
                    "1 validation error detected: Value '{domain}' at 'domain' failed to satisfy constraint: \
                     Member must satisfy regular expression pattern: ^[a-z0-9](?:[a-z0-9\\-]{{0,61}}[a-z0-9])?$"
                )));
            }
            if let Some(word) = RESERVED.iter().find(|w| domain.contains(*w)) {
                return Err(Error::invalid(format!("Domain cannot contain reserved word: {word}")));
            }
        }
        DomainKind::Custom => {
            let labels: Vec<&str> = domain.split('.').collect();
            if domain.len() > 253 || labels.len() < 2 || !labels.iter().all(|l| is_label(l)) {
                return Err(Error::invalid(format!("{domain} is not a valid custom domain name.")));
            }
        }
    }
    Ok(kind)
}

fn check_version(version: Option<i32>) -> Result<i32> {
    match version.unwrap_or(1) {
        v @ (1 | 2) => Ok(v),
        v => Err(Error::invalid(format!("ManagedLoginVersion {v} is not 1 or 2."))),
    }
}

fn no_such_domain() -> Error {
    Error::invalid("No such domain or user pool exists.")
}

impl Domain {
    /// CreateUserPoolDomain.
    pub async fn create_pool_domain(
        &self,
        pool: &UserPool,
        domain: &str,
        managed_login_version: Option<i32>,
        custom_domain_config: Option<m::CustomDomainConfigType>,
    ) -> Result<PoolDomain> {
        let kind = check_name(domain)?;
        match (kind, &custom_domain_config) {
            (DomainKind::Custom, None) => {
                return Err(Error::invalid("A custom domain needs a CustomDomainConfig with a CertificateArn."));
            }
            (DomainKind::Prefix, Some(_)) => {
                return Err(Error::invalid("A prefix domain takes no CustomDomainConfig."));
            }
            (DomainKind::Custom, Some(_)) | (DomainKind::Prefix, None) => {}
        }
        let version = check_version(managed_login_version)?;
        if self.store.list_pool_domains(&pool.id).await?.iter().any(|d| d.kind == kind.as_str()) {
            return Err(Error::invalid("User pool already has a domain configured."));
        }
        let now = self.clock.now();
        let created = PoolDomain {
            domain: domain.to_string(),
            pool_id: pool.id.clone(),
            kind,
            managed_login_version: version,
            custom_domain_config,
            created: now,
            modified: now,
        };
        match self.store.create_domain(&created.to_row()?).await {
            Ok(()) => Ok(created),
            Err(StoreError::Conflict(_)) => {
                // The name is taken (by this pool's kind, in a race, or by another pool).
                match self.store.find_domain(domain).await? {
                    Some(d) if d.pool_id == pool.id => {
                        Err(Error::invalid("User pool already has a domain configured."))
                    }
                    _ => Err(Error::invalid("Domain already associated with another user pool.")),
                }
            }
            Err(e) => Err(not_found_as(e, || format!("User pool {} does not exist.", pool.id))),
        }
    }

    /// DescribeUserPoolDomain: the domain, or `None` for a name no pool has (Cognito answers
    /// with an empty description rather than an error).
    pub async fn find_pool_domain(&self, domain: &str) -> Result<Option<PoolDomain>> {
        self.store.find_domain(domain).await?.map(PoolDomain::from_row).transpose()
    }

    /// The pool's domains (at most a prefix and a custom one).
    pub async fn pool_domains(&self, pool: &UserPool) -> Result<Vec<PoolDomain>> {
        self.store.list_pool_domains(&pool.id).await?.into_iter().map(PoolDomain::from_row).collect()
    }

    /// UpdateUserPoolDomain: the managed-login version and, for a custom domain, its certificate.
    pub async fn update_pool_domain(
        &self,
        pool: &UserPool,
        domain: &str,
        managed_login_version: Option<i32>,
        custom_domain_config: Option<m::CustomDomainConfigType>,
    ) -> Result<PoolDomain> {
        let mut d = match self.find_pool_domain(domain).await? {
            Some(d) if d.pool_id == pool.id => d,
            _ => return Err(no_such_domain()),
        };
        if managed_login_version.is_some() {
            d.managed_login_version = check_version(managed_login_version)?;
        }
        if let Some(config) = custom_domain_config {
            if d.kind == DomainKind::Prefix {
                return Err(Error::invalid("A prefix domain takes no CustomDomainConfig."));
            }
            d.custom_domain_config = Some(config);
        }
        d.modified = self.clock.now();
        self.store.update_domain(&d.to_row()?).await.map_err(|e| match e {
            StoreError::NotFound => no_such_domain(),
            other => other.into(),
        })?;
        Ok(d)
    }

    /// DeleteUserPoolDomain.
    pub async fn delete_pool_domain(&self, pool: &UserPool, domain: &str) -> Result<()> {
        self.store.delete_domain(&pool.id, domain).await.map_err(|e| match e {
            StoreError::NotFound => no_such_domain(),
            other => other.into(),
        })
    }

    /// The base URL of the pool's OAuth endpoints and hosted pages, once it has a domain: its
    /// custom domain (`https://auth.example.com`), else its prefix domain under this deployment's
    /// URL (`<public URL>/domains/<prefix>`).
    pub async fn domain_base_url(&self, pool_id: &str) -> Result<Option<String>> {
        let domains = self.store.list_pool_domains(pool_id).await?;
        let domains: Vec<PoolDomain> = domains.into_iter().map(PoolDomain::from_row).collect::<Result<_>>()?;
        let custom = domains.iter().find(|d| d.kind == DomainKind::Custom);
        let prefix = domains.iter().find(|d| d.kind == DomainKind::Prefix);
        Ok(match (custom, prefix) {
            (Some(c), _) => Some(format!("https://{}", c.domain)),
            (None, Some(p)) => Some(self.prefix_domain_url(&p.domain)),
            (None, None) => None,
        })
    }

    /// The base URL of a prefix domain: `<scheme>://<prefix>.<domain_base_host>` when a base
    /// host is configured, else `<public URL>/domains/<prefix>`.
    pub fn prefix_domain_url(&self, prefix: &str) -> String {
        let base = &self.config.issuer_base;
        match &self.config.domain_base_host {
            Some(host) => {
                let scheme = base.split_once("://").map_or("https", |(s, _)| s);
                format!("{scheme}://{prefix}.{host}")
            }
            None => format!("{base}/domains/{prefix}"),
        }
    }

    /// The domain a request's Host names, if any: a custom domain, or `<prefix>.<base host>`.
    /// Only a name that could be one costs a lookup: not this deployment's own host, not an
    /// address, not a single label such as `localhost`.
    pub async fn domain_for_host(&self, host: &str) -> Result<Option<PoolDomain>> {
        let host = host.to_ascii_lowercase();
        if !host.contains('.') || host == self.domain_target_host() || host.parse::<std::net::IpAddr>().is_ok() {
            return Ok(None);
        }
        if let Some(base) = &self.config.domain_base_host
            && let Some(prefix) = host.strip_suffix(base.as_str()).and_then(|p| p.strip_suffix('.'))
        {
            return Ok(self.find_pool_domain(prefix).await?.filter(|d| d.kind == DomainKind::Prefix));
        }
        Ok(self.find_pool_domain(&host).await?.filter(|d| d.kind == DomainKind::Custom))
    }

    /// Where requests for a custom domain must be sent (Cognito's CloudFront distribution): the
    /// host this deployment answers on.
    pub fn domain_target_host(&self) -> String {
        let base = &self.config.issuer_base;
        let host = base.split_once("://").map_or(base.as_str(), |(_, rest)| rest);
        host.split(['/', ':']).next().unwrap_or(host).to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_are_prefixes_or_custom_domains() {
        assert_eq!(check_name("myapp").ok(), Some(DomainKind::Prefix));
        assert_eq!(check_name("my-app-2").ok(), Some(DomainKind::Prefix));
        assert_eq!(check_name("auth.example.com").ok(), Some(DomainKind::Custom));
        for bad in ["", "-app", "app-", "My-App", "a_b", "auth..example.com", "auth.-x.com", ".example.com"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name(&"a".repeat(64)).is_err(), "a prefix is one label");
        for reserved in ["aws", "myamazon", "cognito-login"] {
            let err = check_name(reserved).unwrap_err().to_string();
            assert!(err.starts_with("Domain cannot contain reserved word"), "{reserved}: {err}");
        }
        // A custom domain may say what it likes.
        assert!(check_name("cognito.example.com").is_ok());
    }

    #[test]
    fn managed_login_versions_are_one_or_two() {
        assert_eq!(check_version(None).ok(), Some(1));
        assert_eq!(check_version(Some(2)).ok(), Some(2));
        assert!(check_version(Some(3)).is_err());
        assert!(check_version(Some(0)).is_err());
    }
}
