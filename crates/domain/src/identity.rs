//! Identity pools (cognito-identity): pools with their providers, roles, role mappings and
//! principal-tag maps; identities (`<region>:<uuid>`) with the logins linked to them; and what
//! turns an identity into AWS credentials. Logins are verified for real: a user pool's ID token
//! under `cognito-idp.<region>.amazonaws.com/<poolId>` or Cognate's issuer form (signature,
//! issuer, expiry, `aud` one of the pool's CognitoIdentityProviders clients, and with
//! ServerSideTokenCheck the sign-in not ended), an OpenID Connect provider registered in IAM
//! whose issuer is one of this server's pools, and developer identities. The enhanced flow
//! (GetCredentialsForIdentity) chooses the role (defaults, then Token or Rules mappings with
//! AmbiguousRoleResolution), evaluates its trust policy as STS would for
//! `cognito-identity.amazonaws.com`, and issues a one-hour role session carrying the identity's
//! claims; the basic flow signs an OpenID token (GetOpenIdToken) for STS
//! AssumeRoleWithWebIdentity. Each pool, identity and login is an `EntityStore` row; a login's row
//! (`<pool>|<provider>|<subject>`) is created with its identity in one batch, so two first
//! sign-ins racing get one identity.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognate_model::cognito_identity as m;
use cognate_policy::{Context, PolicyKind, Principal, Request};
use cognate_store::{EntityChange, EntityRow, StoreError};
use rsa::pkcs8::DecodePrivateKey as _;
use serde::{Deserialize, Serialize};

use crate::access_keys::{IssuedKey, KeyOwner, RoleSession};
use crate::error::{Error, Result};
use crate::tokens::IdTokenClaims;
use crate::{Domain, Error as E};

pub(crate) const POOL: &str = "identity-pool";
pub(crate) const IDENTITY: &str = "identity";
pub(crate) const LOGIN: &str = "identity-login";

/// The issuer and `Federated` principal of identity tokens, as AWS names it.
pub const COGNITO_IDENTITY: &str = "cognito-identity.amazonaws.com";
const ISSUER: &str = "https://cognito-identity.amazonaws.com";
/// Credentials from GetCredentialsForIdentity last an hour.
const CREDENTIALS_SECS: i64 = 3_600;
/// GetOpenIdToken's tokens last ten minutes; a developer's up to a day.
const OPEN_ID_TOKEN_SECS: i64 = 600;
const MAX_DEVELOPER_TOKEN_SECS: i64 = 86_400;
/// The session policy AWS puts on unauthenticated identities in the enhanced flow.
const UNAUTHED_SESSION_POLICY: &str = "arn:aws:iam::aws:policy/AmazonCognitoUnAuthedIdentitiesSessionPolicy";
const SIGNING_SECRET: &str = "cognito-identity-signing-key-v1";

/// A pool's principal-tag map for one provider.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TagMap {
    pub use_defaults: bool,
    pub tags: BTreeMap<String, String>,
}

/// An identity pool as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IdentityPool {
    pub settings: m::IdentityPool,
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
    #[serde(default)]
    pub role_mappings: BTreeMap<String, m::RoleMapping>,
    #[serde(default)]
    pub principal_tags: BTreeMap<String, TagMap>,
    pub created_ms: i64,
    #[serde(skip)]
    version: i64,
}

/// An identity and its linked logins.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Identity {
    pub id: String,
    pub pool_id: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// `(provider, subject)` of every linked login.
    #[serde(default)]
    pub logins: Vec<(String, String)>,
    #[serde(skip)]
    version: i64,
}

impl Identity {
    /// The provider names DescribeIdentity lists.
    pub fn providers(&self) -> Vec<String> {
        let mut p: Vec<String> = self.logins.iter().map(|(p, _)| p.clone()).collect();
        p.dedup();
        p
    }
}

#[derive(Serialize, Deserialize)]
struct LoginLink {
    identity_id: String,
}

/// A verified login.
#[derive(Clone, Debug)]
struct Login {
    provider: String,
    subject: String,
    /// The user pool's ID token, for role mappings and principal tags.
    claims: Option<IdTokenClaims>,
    /// The app client the token was issued to (mapping keys are `<provider>:<client>`).
    client_id: Option<String>,
}

fn login_id(pool_id: &str, provider: &str, subject: &str) -> String {
    format!("{pool_id}|{provider}|{subject}")
}

fn not_found(what: impl Into<String>) -> Error {
    E::ResourceNotFound(what.into())
}

fn decode<T: for<'de> Deserialize<'de>>(row: &EntityRow) -> Result<T> {
    serde_json::from_str(&row.document)
        .map_err(|e| E::Internal(anyhow::anyhow!("stored {} {} is unreadable: {e}", row.kind, row.id)))
}

fn encode<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| E::Internal(anyhow::anyhow!("encoding an identity object: {e}")))
}

fn conflict_or(e: StoreError) -> Error {
    match e {
        StoreError::Stale => {
            E::ConcurrentUpdate("The identity pool was changed by a concurrent request; try again.".into())
        }
        StoreError::Conflict(m) => E::ResourceConflict(format!("Conflict: {m}")),
        other => other.into(),
    }
}

/// The signing key of identity tokens, parsed once per node.
#[derive(Clone, Default)]
pub struct IdentityKey(Arc<tokio::sync::OnceCell<(String, rsa::RsaPrivateKey)>>);

/// What GetOpenIdToken signs.
#[derive(Serialize, Deserialize)]
struct OpenIdClaims {
    iss: String,
    sub: String,
    aud: String,
    amr: Vec<String>,
    iat: i64,
    exp: i64,
    #[serde(default, rename = "https://aws.amazon.com/tags", skip_serializing_if = "Option::is_none")]
    tags: Option<PrincipalTags>,
}

#[derive(Serialize, Deserialize)]
struct PrincipalTags {
    principal_tags: BTreeMap<String, Vec<String>>,
}

/// What an identity's credentials came with.
#[derive(Clone, Debug)]
pub struct IdentityCredentials {
    pub identity_id: String,
    pub issued: IssuedKey,
    pub expires_ms: i64,
}

fn valid_provider_name(name: &str) -> bool {
    name.strip_prefix("cognito-idp.")
        .and_then(|r| r.split_once(".amazonaws.com/"))
        .is_some_and(|(region, pool)| !region.is_empty() && pool.starts_with(region) && pool.contains('_'))
}

impl Domain {
    // --- pools --------------------------------------------------------------------------------

    async fn check_pool_settings(&self, s: &m::IdentityPool) -> Result<()> {
        for p in s.cognito_identity_providers.iter().flatten() {
            let name = p.provider_name.as_deref().unwrap_or_default();
            let is_own = self.issuer_pool(name).is_some();
            if !valid_provider_name(name) && !is_own {
                return Err(E::invalid(format!("Invalid Cognito Identity Provider name: {name}")));
            }
        }
        for arn in s.open_id_connect_provider_arns.iter().flatten() {
            if self.find_oidc_provider(arn).await?.is_none() {
                return Err(E::invalid(format!("Invalid OpenIdConnectProviderARN: {arn}")));
            }
        }
        if s.saml_provider_arns.as_ref().is_some_and(|a| !a.is_empty()) {
            return Err(E::invalid("SAML providers cannot be used with identity pools in Cognate yet."));
        }
        Ok(())
    }

    pub async fn create_identity_pool(&self, input: m::CreateIdentityPoolInput) -> Result<IdentityPool> {
        let id = format!("{}:{}", self.config.region, uuid::Uuid::new_v4());
        let settings = m::IdentityPool {
            allow_classic_flow: Some(input.allow_classic_flow.unwrap_or(false)),
            allow_unauthenticated_identities: input.allow_unauthenticated_identities,
            cognito_identity_providers: input.cognito_identity_providers,
            developer_provider_name: input.developer_provider_name,
            identity_pool_id: id.clone(),
            identity_pool_name: input.identity_pool_name,
            identity_pool_tags: input.identity_pool_tags,
            open_id_connect_provider_arns: input.open_id_connect_provider_arns,
            saml_provider_arns: input.saml_provider_arns,
            supported_login_providers: input.supported_login_providers,
        };
        self.check_pool_settings(&settings).await?;
        let pool = IdentityPool {
            settings,
            roles: BTreeMap::new(),
            role_mappings: BTreeMap::new(),
            principal_tags: BTreeMap::new(),
            created_ms: self.clock.now_ms(),
            version: 1,
        };
        let row = EntityRow {
            kind: POOL.into(),
            id: id.clone(),
            scope: String::new(),
            version: 1,
            created_ms: pool.created_ms,
            document: encode(&pool)?,
        };
        self.store.apply_entities(&[EntityChange::Create(row)]).await.map_err(conflict_or)?;
        Ok(pool)
    }

    pub async fn get_identity_pool(&self, id: &str) -> Result<IdentityPool> {
        let row = self
            .store
            .find_entity(POOL, id)
            .await?
            .ok_or_else(|| not_found(format!("IdentityPool '{id}' not found.")))?;
        Ok(IdentityPool { version: row.version, ..decode(&row)? })
    }

    async fn save_identity_pool(&self, pool: &IdentityPool) -> Result<()> {
        let row = EntityRow {
            kind: POOL.into(),
            id: pool.settings.identity_pool_id.clone(),
            scope: String::new(),
            version: pool.version,
            created_ms: pool.created_ms,
            document: encode(pool)?,
        };
        self.store.apply_entities(&[EntityChange::Update(row)]).await.map_err(conflict_or)
    }

    /// UpdateIdentityPool: the settings are replaced as sent (tags too when sent).
    pub async fn update_identity_pool(&self, settings: m::IdentityPool) -> Result<IdentityPool> {
        let mut pool = self.get_identity_pool(&settings.identity_pool_id).await?;
        self.check_pool_settings(&settings).await?;
        let tags = settings.identity_pool_tags.clone().or_else(|| pool.settings.identity_pool_tags.clone());
        if let (Some(old), Some(new)) = (&pool.settings.developer_provider_name, &settings.developer_provider_name)
            && old != new
        {
            return Err(E::invalid("The developer provider name of a pool cannot be changed once set."));
        }
        pool.settings = m::IdentityPool {
            allow_classic_flow: Some(settings.allow_classic_flow.unwrap_or(false)),
            identity_pool_tags: tags,
            developer_provider_name: settings.developer_provider_name.or(pool.settings.developer_provider_name),
            ..settings
        };
        self.save_identity_pool(&pool).await?;
        Ok(pool)
    }

    pub async fn delete_identity_pool(&self, id: &str) -> Result<()> {
        self.get_identity_pool(id).await?;
        self.store.delete_entity_scope(LOGIN, id).await?;
        self.store.delete_entity_scope(IDENTITY, id).await?;
        match self.store.apply_entities(&[EntityChange::Delete { kind: POOL.into(), id: id.into() }]).await {
            Ok(()) | Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn list_identity_pools(
        &self,
        next: Option<&str>,
        max: i32,
    ) -> Result<(Vec<IdentityPool>, Option<String>)> {
        let limit = u32::try_from(max.clamp(1, 60)).unwrap_or(60);
        let rows = self.store.list_entities(POOL, "", next, limit + 1).await?;
        let mut pools: Vec<IdentityPool> = rows.iter().map(decode).collect::<Result<_>>()?;
        let next = if pools.len() > limit as usize {
            pools.truncate(limit as usize);
            pools.last().map(|p| p.settings.identity_pool_id.clone())
        } else {
            None
        };
        Ok((pools, next))
    }

    pub async fn set_identity_pool_roles(
        &self,
        id: &str,
        roles: BTreeMap<String, String>,
        mappings: BTreeMap<String, m::RoleMapping>,
    ) -> Result<()> {
        for (kind, arn) in &roles {
            if kind != "authenticated" && kind != "unauthenticated" {
                return Err(E::invalid(format!("Invalid role type {kind}: use authenticated or unauthenticated.")));
            }
            if !arn.starts_with("arn:aws:iam::") || !arn.contains(":role/") {
                return Err(E::invalid(format!("Invalid role ARN: {arn}")));
            }
        }
        for (provider, mapping) in &mappings {
            let has_rules = mapping.rules_configuration.as_ref().is_some_and(|r| !r.rules.is_empty());
            match &mapping.r#type {
                m::RoleMappingType::Rules if !has_rules => {
                    return Err(E::invalid(format!(
                        "RulesConfiguration is required for the Rules mapping of {provider}."
                    )));
                }
                m::RoleMappingType::Unknown(t) => return Err(E::invalid(format!("Invalid role mapping type {t}."))),
                m::RoleMappingType::Rules | m::RoleMappingType::Token => {}
            }
            if mapping.ambiguous_role_resolution.is_none() {
                return Err(E::invalid(format!(
                    "AmbiguousRoleResolution is required for the role mapping of {provider}."
                )));
            }
        }
        let mut pool = self.get_identity_pool(id).await?;
        pool.roles = roles;
        pool.role_mappings = mappings;
        self.save_identity_pool(&pool).await
    }

    pub async fn set_principal_tag_map(&self, id: &str, provider: &str, map: TagMap) -> Result<TagMap> {
        let mut pool = self.get_identity_pool(id).await?;
        pool.principal_tags.insert(provider.to_owned(), map.clone());
        self.save_identity_pool(&pool).await?;
        Ok(map)
    }

    /// The identity pool an ARN names.
    pub fn identity_pool_of_arn<'a>(&self, arn: &'a str) -> Option<&'a str> {
        arn.strip_prefix("arn:aws:cognito-identity:")?.split_once(":identitypool/").map(|(_, id)| id)
    }

    pub async fn tag_identity_pool(&self, arn: &str, tags: BTreeMap<String, String>, remove: &[String]) -> Result<()> {
        let id = self.identity_pool_of_arn(arn).ok_or_else(|| E::invalid(format!("Invalid resource ARN: {arn}")))?;
        let mut pool = self.get_identity_pool(id).await?;
        let mut all = pool.settings.identity_pool_tags.clone().unwrap_or_default();
        all.extend(tags);
        all.retain(|k, _| !remove.contains(k));
        if all.len() > 50 {
            return Err(E::LimitExceeded("An identity pool has at most 50 tags.".into()));
        }
        pool.settings.identity_pool_tags = Some(all);
        self.save_identity_pool(&pool).await
    }

    // --- identities ---------------------------------------------------------------------------

    pub async fn get_identity(&self, identity_id: &str) -> Result<Identity> {
        let row = self
            .store
            .find_entity(IDENTITY, identity_id)
            .await?
            .ok_or_else(|| not_found(format!("Identity '{identity_id}' not found.")))?;
        Ok(Identity { version: row.version, ..decode(&row)? })
    }

    pub async fn list_identities(
        &self,
        pool_id: &str,
        next: Option<&str>,
        max: i32,
    ) -> Result<(Vec<Identity>, Option<String>)> {
        self.get_identity_pool(pool_id).await?;
        let limit = u32::try_from(max.clamp(1, 60)).unwrap_or(60);
        let rows = self.store.list_entities(IDENTITY, pool_id, next, limit + 1).await?;
        let mut identities: Vec<Identity> = rows.iter().map(decode).collect::<Result<_>>()?;
        let next = if identities.len() > limit as usize {
            identities.truncate(limit as usize);
            identities.last().map(|i| i.id.clone())
        } else {
            None
        };
        Ok((identities, next))
    }

    /// Deletes identities with their logins; the IDs that were not found.
    pub async fn delete_identities(&self, ids: &[String]) -> Result<Vec<String>> {
        let mut missing = Vec::new();
        for id in ids {
            let Ok(identity) = self.get_identity(id).await else {
                missing.push(id.clone());
                continue;
            };
            let mut changes = vec![EntityChange::Delete { kind: IDENTITY.into(), id: id.clone() }];
            for (provider, subject) in &identity.logins {
                changes.push(EntityChange::DeleteIfExists {
                    kind: LOGIN.into(),
                    id: login_id(&identity.pool_id, provider, subject),
                });
            }
            match self.store.apply_entities(&changes).await {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(missing)
    }

    /// The identity linked to any of `logins`, or a new one linked to all of them. Racing first
    /// sign-ins of one login get one identity (the login row is created with the identity).
    async fn identity_for(&self, pool_id: &str, logins: &[Login]) -> Result<Identity> {
        for _ in 0..5 {
            for login in logins {
                if let Some(row) =
                    self.store.find_entity(LOGIN, &login_id(pool_id, &login.provider, &login.subject)).await?
                {
                    let link: LoginLink = decode(&row)?;
                    let identity = self.get_identity(&link.identity_id).await?;
                    return self.link_logins(identity, logins).await;
                }
            }
            let now = self.clock.now_ms();
            let identity = Identity {
                id: format!("{}:{}", pool_id.split(':').next().unwrap_or(&self.config.region), uuid::Uuid::new_v4()),
                pool_id: pool_id.to_owned(),
                created_ms: now,
                modified_ms: now,
                logins: logins.iter().map(|l| (l.provider.clone(), l.subject.clone())).collect(),
                version: 1,
            };
            let mut changes = vec![EntityChange::Create(self.identity_row(&identity)?)];
            for login in logins {
                changes.push(EntityChange::Create(self.login_row(&identity, &login.provider, &login.subject)?));
            }
            match self.store.apply_entities(&changes).await {
                Ok(()) => return Ok(identity),
                // Another request linked one of these logins first: use its identity.
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(E::ConcurrentUpdate("The identity was changed by a concurrent request; try again.".into()))
    }

    fn identity_row(&self, identity: &Identity) -> Result<EntityRow> {
        Ok(EntityRow {
            kind: IDENTITY.into(),
            id: identity.id.clone(),
            scope: identity.pool_id.clone(),
            version: identity.version,
            created_ms: identity.created_ms,
            document: encode(identity)?,
        })
    }

    fn login_row(&self, identity: &Identity, provider: &str, subject: &str) -> Result<EntityRow> {
        Ok(EntityRow {
            kind: LOGIN.into(),
            id: login_id(&identity.pool_id, provider, subject),
            scope: identity.pool_id.clone(),
            version: 1,
            created_ms: self.clock.now_ms(),
            document: encode(&LoginLink { identity_id: identity.id.clone() })?,
        })
    }

    /// Links the logins the identity does not have yet (a login of another identity is refused).
    async fn link_logins(&self, mut identity: Identity, logins: &[Login]) -> Result<Identity> {
        let new: Vec<&Login> = logins
            .iter()
            .filter(|l| !identity.logins.iter().any(|(p, s)| *p == l.provider && *s == l.subject))
            .collect();
        if new.is_empty() {
            return Ok(identity);
        }
        let mut changes = Vec::new();
        for login in &new {
            if identity.logins.iter().any(|(p, _)| *p == login.provider) {
                return Err(E::ResourceConflict(format!("The identity already has a login of {}.", login.provider)));
            }
            changes.push(EntityChange::Create(self.login_row(&identity, &login.provider, &login.subject)?));
            identity.logins.push((login.provider.clone(), login.subject.clone()));
        }
        identity.modified_ms = self.clock.now_ms();
        changes.push(EntityChange::Update(self.identity_row(&identity)?));
        match self.store.apply_entities(&changes).await {
            Ok(()) => {
                identity.version += 1;
                Ok(identity)
            }
            Err(StoreError::Conflict(_)) => {
                Err(E::ResourceConflict("A login is already linked to another identity.".into()))
            }
            Err(e) => Err(conflict_or(e)),
        }
    }

    // --- logins -------------------------------------------------------------------------------

    /// The user pool a provider name names: `cognito-idp.<region>.amazonaws.com/<poolId>` or
    /// this server's issuer without its scheme.
    fn issuer_pool(&self, provider: &str) -> Option<String> {
        if let Some((_, pool)) = provider.strip_prefix("cognito-idp.").and_then(|r| r.split_once(".amazonaws.com/")) {
            return Some(pool.to_owned());
        }
        let base = self.config.issuer_base.split_once("://").map_or(self.config.issuer_base.as_str(), |(_, r)| r);
        provider.strip_prefix(base)?.strip_prefix('/').filter(|p| !p.contains('/')).map(str::to_owned)
    }

    /// Verifies every login of a request against the pool's providers.
    async fn verify_logins(&self, pool: &IdentityPool, logins: &BTreeMap<String, String>) -> Result<Vec<Login>> {
        let invalid = || E::NotAuthorized("Invalid login token.".into());
        let mut verified = Vec::with_capacity(logins.len());
        for (provider, token) in logins {
            if let Some(user_pool) = self.issuer_pool(provider) {
                let configured = pool
                    .settings
                    .cognito_identity_providers
                    .iter()
                    .flatten()
                    .filter(|p| {
                        p.provider_name.as_deref().and_then(|n| self.issuer_pool(n)).as_deref() == Some(&user_pool)
                    })
                    .collect::<Vec<_>>();
                if configured.is_empty() {
                    return Err(E::NotAuthorized(
                        "Token is not from a supported provider of this identity pool.".into(),
                    ));
                }
                let Some((token_pool, claims)) = self.verify_pool_id_token(token).await? else { return Err(invalid()) };
                if token_pool != user_pool {
                    return Err(E::NotAuthorized("Invalid login token. Issuer doesn't match providerName".into()));
                }
                let Some(p) = configured.iter().find(|p| p.client_id.as_deref() == Some(claims.aud.as_str())) else {
                    return Err(E::NotAuthorized("Invalid login token. Incorrect token audience.".into()));
                };
                if p.server_side_token_check.unwrap_or(false) {
                    self.check_sign_in_live(&user_pool, &claims).await?;
                }
                let canonical = format!(
                    "cognito-idp.{}.amazonaws.com/{user_pool}",
                    crate::ids::pool_region(&user_pool).unwrap_or(&self.config.region)
                );
                verified.push(Login {
                    provider: canonical,
                    subject: claims.sub.clone(),
                    client_id: Some(claims.aud.clone()),
                    claims: Some(claims),
                });
            } else if pool.settings.developer_provider_name.as_deref() == Some(provider.as_str()) {
                return Err(E::NotAuthorized(
                    "Developer identities sign in with GetOpenIdTokenForDeveloperIdentity, not with a login token."
                        .into(),
                ));
            } else if let Some(arn) = pool
                .settings
                .open_id_connect_provider_arns
                .iter()
                .flatten()
                .find(|arn| arn.ends_with(&format!(":oidc-provider/{provider}")))
            {
                // An IAM OIDC provider: verifiable here when its issuer is one of this server's pools.
                let oidc = self.get_oidc_provider(arn).await.map_err(|_| invalid())?;
                let Some((_, claims)) = self.verify_pool_id_token(token).await? else {
                    return Err(E::NotAuthorized(format!(
                        "Invalid login token. Cognate verifies OpenID Connect tokens only from this server's user pools; {provider} is not one."
                    )));
                };
                if !oidc.client_ids.contains(&claims.aud) {
                    return Err(E::NotAuthorized("Invalid login token. Incorrect token audience.".into()));
                }
                verified.push(Login {
                    provider: provider.clone(),
                    subject: claims.sub.clone(),
                    client_id: None,
                    claims: Some(claims),
                });
            } else if pool.settings.supported_login_providers.as_ref().is_some_and(|s| s.contains_key(provider)) {
                return Err(E::NotAuthorized(format!(
                    "Invalid login token. Cognate cannot verify tokens of {provider} yet (social providers arrive with federation)."
                )));
            } else {
                return Err(E::NotAuthorized("Token is not from a supported provider of this identity pool.".into()));
            }
        }
        Ok(verified)
    }

    /// ServerSideTokenCheck: the user still exists, is enabled, and the sign-in the token came
    /// from has not been signed out or revoked.
    async fn check_sign_in_live(&self, user_pool: &str, claims: &IdTokenClaims) -> Result<()> {
        let revoked = || E::NotAuthorized("Invalid login token. Token has been revoked.".into());
        let pool = self.get_user_pool(user_pool).await.map_err(|_| revoked())?;
        let username = claims.username.clone().unwrap_or_default();
        let key = if pool.is_case_insensitive() { username.to_lowercase() } else { username };
        let origin = claims.origin_jti.clone().unwrap_or_default();
        let (user, is_revoked) = self.user_for_token(user_pool, &key, &origin).await.map_err(|_| revoked())?;
        let is_signed_out = claims.iat.saturating_add(1).saturating_mul(1000) <= user.tokens_valid_after_ms;
        if user.sub != claims.sub || !user.is_enabled || is_revoked || is_signed_out {
            return Err(revoked());
        }
        Ok(())
    }

    /// GetId: the identity of these logins (created at the first sign-in), or a new guest.
    pub async fn get_id(&self, pool_id: &str, logins: &BTreeMap<String, String>) -> Result<String> {
        let pool = self.get_identity_pool(pool_id).await?;
        if logins.is_empty() {
            if !pool.settings.allow_unauthenticated_identities {
                return Err(E::NotAuthorized("Unauthenticated access is not supported for this identity pool.".into()));
            }
            return Ok(self.identity_for(pool_id, &[]).await?.id);
        }
        let verified = self.verify_logins(&pool, logins).await?;
        Ok(self.identity_for(pool_id, &verified).await?.id)
    }

    /// The identity, its pool and the request's verified logins, which must be the identity's.
    async fn identity_with_logins(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
    ) -> Result<(IdentityPool, Identity, Vec<Login>)> {
        let identity = self.get_identity(identity_id).await?;
        let pool = self.get_identity_pool(&identity.pool_id).await?;
        let verified = self.verify_logins(&pool, logins).await?;
        for login in &verified {
            if !identity.logins.iter().any(|(p, s)| *p == login.provider && *s == login.subject) {
                return Err(E::NotAuthorized("Invalid login token. The login is linked to another identity.".into()));
            }
        }
        if verified.is_empty() && !identity.logins.is_empty() {
            return Err(E::NotAuthorized(
                "Logins don't match. Please include at least one valid login for this identity or identity pool."
                    .into(),
            ));
        }
        if verified.is_empty() && !pool.settings.allow_unauthenticated_identities {
            return Err(E::NotAuthorized("Unauthenticated access is not supported for this identity pool.".into()));
        }
        Ok((pool, identity, verified))
    }

    fn amr(&self, logins: &[Login]) -> Vec<String> {
        if logins.is_empty() {
            return vec!["unauthenticated".into()];
        }
        let mut amr = vec!["authenticated".to_owned()];
        for l in logins {
            amr.push(l.provider.clone());
            if l.claims.is_some() && l.provider.starts_with("cognito-idp.") {
                amr.push(format!("{}:CognitoSignIn:{}", l.provider, l.subject));
            }
        }
        amr
    }

    /// The role for these logins: a mapping's, else the pool's default.
    fn choose_role(&self, pool: &IdentityPool, logins: &[Login], custom_role: Option<&str>) -> Result<String> {
        let config_error = || {
            E::IdentityPoolConfiguration(
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.".into(),
            )
        };
        if logins.is_empty() {
            return pool.roles.get("unauthenticated").cloned().ok_or_else(config_error);
        }
        for login in logins {
            let key = match &login.client_id {
                Some(client) => format!("{}:{client}", login.provider),
                None => login.provider.clone(),
            };
            let Some(mapping) = pool.role_mappings.get(&key) else { continue };
            let chosen = match (&mapping.r#type, &login.claims) {
                (m::RoleMappingType::Token, Some(claims)) => match custom_role {
                    Some(role) if claims.roles.iter().any(|r| r == role) => Some(role.to_owned()),
                    Some(_) => {
                        return Err(E::NotAuthorized(
                            "The CustomRoleArn is not one of the token's cognito:roles.".into(),
                        ));
                    }
                    None => claims
                        .preferred_role
                        .clone()
                        .or_else(|| (claims.roles.len() == 1).then(|| claims.roles[0].clone())),
                },
                (m::RoleMappingType::Rules, Some(claims)) => mapping
                    .rules_configuration
                    .iter()
                    .flat_map(|r| r.rules.iter())
                    .find(|rule| rule_matches(rule, claims))
                    .map(|rule| rule.role_arn.clone()),
                _ => None,
            };
            return match chosen {
                Some(role) => Ok(role),
                None => match mapping.ambiguous_role_resolution {
                    Some(m::AmbiguousRoleResolutionType::Deny)
                    | None
                    | Some(m::AmbiguousRoleResolutionType::Unknown(_)) => Err(E::NotAuthorized(
                        "No role matched the role mapping, and its AmbiguousRoleResolution is Deny.".into(),
                    )),
                    Some(m::AmbiguousRoleResolutionType::Authenticatedrole) => {
                        pool.roles.get("authenticated").cloned().ok_or_else(config_error)
                    }
                },
            };
        }
        pool.roles.get("authenticated").cloned().ok_or_else(config_error)
    }

    /// Session tags from the pool's principal-tag map for the logins' providers.
    fn principal_tags(&self, pool: &IdentityPool, logins: &[Login]) -> Vec<(String, String)> {
        let mut tags = Vec::new();
        for login in logins {
            let Some(claims) = &login.claims else { continue };
            let map = pool.principal_tags.get(&login.provider);
            let pairs: Vec<(String, String)> = match map {
                Some(m) if !m.use_defaults => m.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                // Cognito's defaults for a user pool: the user as `sub`, the client as `aud`.
                Some(_) => vec![("username".into(), "sub".into()), ("client".into(), "aud".into())],
                None => Vec::new(),
            };
            for (tag, claim) in pairs {
                let value = match claim.as_str() {
                    "sub" => Some(claims.sub.clone()),
                    "aud" => Some(claims.aud.clone()),
                    other => claims.other.get(other).map(crate::tokens::JsonClaim::as_text),
                };
                if let Some(v) = value {
                    tags.push((tag, v));
                }
            }
        }
        tags
    }

    /// GetCredentialsForIdentity: the enhanced flow.
    pub async fn credentials_for_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
        custom_role: Option<&str>,
    ) -> Result<IdentityCredentials> {
        let (pool, identity, verified) = self.identity_with_logins(identity_id, logins).await?;
        let role_arn = self.choose_role(&pool, &verified, custom_role)?;
        let amr = self.amr(&verified);
        let config_error = || {
            E::IdentityPoolConfiguration(
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.".into(),
            )
        };
        let role = self.find_role_by_arn(&role_arn).await?.ok_or_else(config_error)?;
        let claims = vec![
            (format!("{COGNITO_IDENTITY}:aud"), vec![pool.settings.identity_pool_id.clone()]),
            (format!("{COGNITO_IDENTITY}:sub"), vec![identity.id.clone()]),
            (format!("{COGNITO_IDENTITY}:amr"), amr),
        ];
        let mut context = Context::new();
        for (k, v) in &claims {
            match v.as_slice() {
                [one] => context.set(k, one.clone()),
                many => context.set_list(k, many.to_vec()),
            }
        }
        let tags = self.principal_tags(&pool, &verified);
        for (k, v) in &tags {
            context.set(&format!("aws:RequestTag/{k}"), v.clone());
        }
        let trust = cognate_policy::Policy::parse(&role.trust_policy, PolicyKind::Trust).map_err(|_| config_error())?;
        let principal = Principal::Federated(COGNITO_IDENTITY.into());
        let asks = Request {
            action: "sts:AssumeRoleWithWebIdentity",
            resource: &role_arn,
            principal: &principal,
            context: &context,
        };
        if !cognate_policy::allows(&trust, &asks) {
            return Err(config_error());
        }
        let now = self.clock.now_ms();
        let expires_ms = now + CREDENTIALS_SECS * 1000;
        let session = RoleSession {
            role_arn: role.arn(&self.config.account_id),
            role_name: role.name.clone(),
            role_id: role.id.clone(),
            session_name: "CognitoIdentityCredentials".into(),
            policy: None,
            policy_arns: if verified.is_empty() { vec![UNAUTHED_SESSION_POLICY.into()] } else { Vec::new() },
            tags,
            source_identity: None,
            web_identity: claims,
            issued_ms: now,
        };
        let issued = self
            .issue_access_key(KeyOwner::Role(Box::new(session)), Some(expires_ms), format!("identity {}", identity.id))
            .await?;
        Ok(IdentityCredentials { identity_id: identity.id, issued, expires_ms })
    }

    // --- OpenID tokens (the basic flow, developer identities) -----------------------------------

    async fn identity_key(&self) -> Result<&(String, rsa::RsaPrivateKey)> {
        self.identity_key
            .0
            .get_or_try_init(|| async {
                let candidate = crate::keys::generate("cognito-identity", self.clock.now_ms()).await?;
                let context = format!("secret:{SIGNING_SECRET}");
                let sealed = self.vault.seal(&context, candidate.private_pem.as_bytes())?;
                let stored = self.store.get_or_create_secret(SIGNING_SECRET, sealed.as_bytes()).await?;
                let pem = self.vault.open(&context, &stored)?;
                let pem = String::from_utf8(pem).map_err(|e| E::Internal(anyhow::anyhow!("identity key: {e}")))?;
                let key = rsa::RsaPrivateKey::from_pkcs8_pem(&pem)
                    .map_err(|e| E::Internal(anyhow::anyhow!("identity key: {e}")))?;
                use rsa::pkcs8::EncodePublicKey as _;
                use sha2::Digest as _;
                let der = key.to_public_key().to_public_key_der().map_err(|e| E::Internal(anyhow::anyhow!("{e}")))?;
                let kid = format!("{}-1", &hex::encode(sha2::Sha256::digest(der.as_bytes()))[..16]);
                Ok::<_, Error>((kid, key))
            })
            .await
    }

    async fn sign_open_id_token(&self, claims: &OpenIdClaims) -> Result<String> {
        use rsa::signature::{SignatureEncoding as _, Signer as _};
        let (kid, key) = self.identity_key().await?;
        let header = json_header(kid);
        let payload = encode(claims)?;
        let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
        let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha512>::new(key.clone());
        let signature = signer.sign(signing_input.as_bytes()).to_vec();
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    async fn open_id_token_for(
        &self,
        identity: &Identity,
        logins: &[Login],
        secs: i64,
        tags: Option<PrincipalTags>,
    ) -> Result<String> {
        let now = self.clock.now_ms() / 1000;
        let claims = OpenIdClaims {
            iss: ISSUER.into(),
            sub: identity.id.clone(),
            aud: identity.pool_id.clone(),
            amr: self.amr(logins),
            iat: now,
            exp: now + secs,
            tags,
        };
        self.sign_open_id_token(&claims).await
    }

    /// GetOpenIdToken.
    pub async fn open_id_token(&self, identity_id: &str, logins: &BTreeMap<String, String>) -> Result<String> {
        let (_, identity, verified) = self.identity_with_logins(identity_id, logins).await?;
        self.open_id_token_for(&identity, &verified, OPEN_ID_TOKEN_SECS, None).await
    }

    /// Verifies a token GetOpenIdToken signed: `(identity pool, identity, amr)`.
    pub async fn verify_open_id_token(&self, token: &str) -> Result<Option<(String, String, Vec<String>)>> {
        use rsa::signature::Verifier as _;
        let invalid = || crate::IamError::InvalidIdentityToken.err("The web identity token is not valid.");
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let claims: OpenIdClaims =
            match URL_SAFE_NO_PAD.decode(payload).ok().and_then(|p| serde_json::from_slice(&p).ok()) {
                Some(c) => c,
                None => return Ok(None),
            };
        if claims.iss != ISSUER {
            return Ok(None);
        }
        let (_, key) = self.identity_key().await?;
        let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha512>::new(key.to_public_key());
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| invalid())?;
        let signature = rsa::pkcs1v15::Signature::try_from(signature.as_slice()).map_err(|_| invalid())?;
        verifier.verify(format!("{header}.{payload}").as_bytes(), &signature).map_err(|_| invalid())?;
        if claims.exp * 1000 <= self.clock.now_ms() {
            return Err(crate::IamError::ExpiredToken.err("Token expired: the web identity token has expired."));
        }
        Ok(Some((claims.aud, claims.sub, claims.amr)))
    }

    /// GetOpenIdTokenForDeveloperIdentity: links the developer user (and any other logins) to an
    /// identity, then signs its token.
    pub async fn open_id_token_for_developer(
        &self,
        pool_id: &str,
        identity_id: Option<&str>,
        logins: &BTreeMap<String, String>,
        principal_tags: Option<BTreeMap<String, String>>,
        duration_secs: Option<i64>,
    ) -> Result<(String, String)> {
        let pool = self.get_identity_pool(pool_id).await?;
        let developer = pool
            .settings
            .developer_provider_name
            .clone()
            .ok_or_else(|| E::invalid("This identity pool has no DeveloperProviderName."))?;
        let secs = duration_secs.unwrap_or(900);
        if !(1..=MAX_DEVELOPER_TOKEN_SECS).contains(&secs) {
            return Err(E::invalid("TokenDuration must be between 1 and 86400 seconds."));
        }
        let mut others = logins.clone();
        let Some(user) = others.remove(&developer) else {
            return Err(E::invalid(format!("The logins must include the developer provider {developer}.")));
        };
        let mut verified = self.verify_logins(&pool, &others).await?;
        verified.push(Login { provider: developer.clone(), subject: user.clone(), claims: None, client_id: None });
        let identity = match identity_id {
            Some(id) => {
                let identity = self.get_identity(id).await?;
                if identity.pool_id != pool_id {
                    return Err(not_found(format!("Identity '{id}' not found.")));
                }
                if let Some(row) = self.store.find_entity(LOGIN, &login_id(pool_id, &developer, &user)).await? {
                    let link: LoginLink = decode(&row)?;
                    if link.identity_id != identity.id {
                        return Err(E::DeveloperUserAlreadyRegistered(
                            "The developer user is linked to another identity.".into(),
                        ));
                    }
                }
                self.link_logins(identity, &verified).await?
            }
            None => self.identity_for(pool_id, &verified).await?,
        };
        let tags = principal_tags
            .map(|t| PrincipalTags { principal_tags: t.into_iter().map(|(k, v)| (k, vec![v])).collect() });
        let token = self.open_id_token_for(&identity, &verified, secs, tags).await?;
        Ok((identity.id, token))
    }

    /// LookupDeveloperIdentity: the identity of a developer user, or the developer users of an
    /// identity.
    pub async fn lookup_developer_identity(
        &self,
        pool_id: &str,
        identity_id: Option<&str>,
        developer_user: Option<&str>,
    ) -> Result<(String, Vec<String>)> {
        let pool = self.get_identity_pool(pool_id).await?;
        let developer = pool.settings.developer_provider_name.clone().unwrap_or_default();
        let identity = match (identity_id, developer_user) {
            (_, Some(user)) => {
                let row = self
                    .store
                    .find_entity(LOGIN, &login_id(pool_id, &developer, user))
                    .await?
                    .ok_or_else(|| not_found("The developer user identifier was not found."))?;
                let link: LoginLink = decode(&row)?;
                self.get_identity(&link.identity_id).await?
            }
            (Some(id), None) => self.get_identity(id).await?,
            (None, None) => return Err(E::invalid("Either IdentityId or DeveloperUserIdentifier is required.")),
        };
        if identity.pool_id != pool_id {
            return Err(not_found("Identity not found in this pool."));
        }
        let users = identity.logins.iter().filter(|(p, _)| *p == developer).map(|(_, s)| s.clone()).collect();
        Ok((identity.id, users))
    }

    /// MergeDeveloperIdentities: the source user's logins move to the destination user's identity.
    pub async fn merge_developer_identities(
        &self,
        pool_id: &str,
        provider: &str,
        source: &str,
        destination: &str,
    ) -> Result<String> {
        let pool = self.get_identity_pool(pool_id).await?;
        if pool.settings.developer_provider_name.as_deref() != Some(provider) {
            return Err(E::invalid("The developer provider name does not match the pool's."));
        }
        let (dest_id, _) = self.lookup_developer_identity(pool_id, None, Some(destination)).await?;
        let (source_id, _) = self.lookup_developer_identity(pool_id, None, Some(source)).await?;
        if source_id == dest_id {
            return Ok(dest_id);
        }
        let source_identity = self.get_identity(&source_id).await?;
        let mut dest = self.get_identity(&dest_id).await?;
        let mut changes = vec![EntityChange::Delete { kind: IDENTITY.into(), id: source_id.clone() }];
        for (p, s) in &source_identity.logins {
            let row = self.login_row(&dest, p, s)?;
            changes.push(EntityChange::DeleteIfExists { kind: LOGIN.into(), id: row.id.clone() });
            changes.push(EntityChange::Create(row));
            if !dest.logins.iter().any(|(dp, ds)| dp == p && ds == s) {
                dest.logins.push((p.clone(), s.clone()));
            }
        }
        dest.modified_ms = self.clock.now_ms();
        changes.push(EntityChange::Update(self.identity_row(&dest)?));
        self.store.apply_entities(&changes).await.map_err(conflict_or)?;
        Ok(dest_id)
    }

    /// UnlinkDeveloperIdentity.
    pub async fn unlink_developer_identity(
        &self,
        identity_id: &str,
        pool_id: &str,
        provider: &str,
        user: &str,
    ) -> Result<()> {
        let mut identity = self.get_identity(identity_id).await?;
        if identity.pool_id != pool_id {
            return Err(not_found(format!("Identity '{identity_id}' not found.")));
        }
        let before = identity.logins.len();
        identity.logins.retain(|(p, s)| !(p == provider && s == user));
        if identity.logins.len() == before {
            return Err(not_found("The developer user is not linked to this identity."));
        }
        identity.modified_ms = self.clock.now_ms();
        let changes = vec![
            EntityChange::Update(self.identity_row(&identity)?),
            EntityChange::Delete { kind: LOGIN.into(), id: login_id(pool_id, provider, user) },
        ];
        self.store.apply_entities(&changes).await.map_err(conflict_or)
    }

    /// UnlinkIdentity: the request proves its logins, then the named providers are unlinked.
    pub async fn unlink_identity(
        &self,
        identity_id: &str,
        logins: &BTreeMap<String, String>,
        remove: &[String],
    ) -> Result<()> {
        let (_, mut identity, _) = self.identity_with_logins(identity_id, logins).await?;
        let removed: Vec<(String, String)> =
            identity.logins.iter().filter(|(p, _)| remove.iter().any(|r| self.same_provider(r, p))).cloned().collect();
        identity.logins.retain(|l| !removed.contains(l));
        identity.modified_ms = self.clock.now_ms();
        let mut changes = vec![EntityChange::Update(self.identity_row(&identity)?)];
        for (p, s) in &removed {
            changes.push(EntityChange::DeleteIfExists { kind: LOGIN.into(), id: login_id(&identity.pool_id, p, s) });
        }
        self.store.apply_entities(&changes).await.map_err(conflict_or)
    }

    fn same_provider(&self, given: &str, stored: &str) -> bool {
        given == stored
            || self.issuer_pool(given).is_some_and(|p| self.issuer_pool(stored).as_deref() == Some(p.as_str()))
    }
}

fn rule_matches(rule: &m::MappingRule, claims: &IdTokenClaims) -> bool {
    let value: Vec<String> = match rule.claim.as_str() {
        "sub" => vec![claims.sub.clone()],
        "aud" => vec![claims.aud.clone()],
        "cognito:groups" => claims.groups.clone(),
        "cognito:username" => claims.username.clone().into_iter().collect(),
        other => claims.other.get(other).map(|v| vec![v.as_text()]).unwrap_or_default(),
    };
    match &rule.match_type {
        m::MappingRuleMatchType::Equals => value.contains(&rule.value),
        m::MappingRuleMatchType::Notequal => !value.is_empty() && value.iter().all(|v| *v != rule.value),
        m::MappingRuleMatchType::Startswith => value.iter().any(|v| v.starts_with(&rule.value)),
        m::MappingRuleMatchType::Contains => value.iter().any(|v| v.contains(&rule.value)),
        m::MappingRuleMatchType::Unknown(_) => false,
    }
}

/// The JWT header of identity tokens (the key ID is hex).
fn json_header(kid: &str) -> String {
    format!("{{\"kid\":\"{kid}\",\"typ\":\"JWS\",\"alg\":\"RS512\"}}")
}
