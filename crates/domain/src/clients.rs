//! App clients of a user pool: settings with Cognito's defaults and rules (token validity ranges
//! per unit, OAuth flows, callback URLs, attribute permissions), and their secrets.
//! <https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html>

use cognate_model::Timestamp;
use cognate_model::cognito_idp as m;
use cognate_store::{ClientRow, StoreError};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, not_found_as};
use crate::pools::{Page, UserPool};
use crate::vault::Vault;
use crate::{Domain, ids};

/// Who drives a sign-in. A sign-in through the API ends in tokens; one through Cognate's hosted
/// pages ends in `AuthOutcome::SignedIn` (the pages then open a sign-in session and hand out an
/// authorization code). A challenge session remembers which it belongs to, so a session the
/// hosted pages began cannot be answered through the API, nor the other way round.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    #[default]
    Api,
    HostedUi,
}

impl Client {
    /// This client as the hosted pages use it (see `Via`).
    pub fn for_hosted_ui(mut self) -> Client {
        self.via = Via::HostedUi;
        self
    }
}

/// An app client as the rules see it.
#[derive(Clone, Debug)]
pub struct Client {
    pub pool_id: String,
    pub client_id: String,
    pub name: String,
    pub secret: Option<String>,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub settings: ClientSettings,
    /// Who drives sign-ins with this client value: an application through the API (as loaded
    /// from the store), or Cognate's hosted pages (`Client::for_hosted_ui`). Not stored.
    pub via: Via,
}

/// The settable members of an app client (Create/UpdateUserPoolClient), stored as the document.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientSettings {
    pub refresh_token_validity: Option<i32>,
    pub access_token_validity: Option<i32>,
    pub id_token_validity: Option<i32>,
    pub token_validity_units: Option<m::TokenValidityUnitsType>,
    pub read_attributes: Option<Vec<String>>,
    pub write_attributes: Option<Vec<String>>,
    pub explicit_auth_flows: Option<Vec<m::ExplicitAuthFlowsType>>,
    pub supported_identity_providers: Option<Vec<String>>,
    pub callback_urls: Option<Vec<String>>,
    pub logout_urls: Option<Vec<String>>,
    pub default_redirect_uri: Option<String>,
    pub allowed_oauth_flows: Option<Vec<m::OAuthFlowType>>,
    pub allowed_oauth_scopes: Option<Vec<String>>,
    pub allowed_oauth_flows_user_pool_client: Option<bool>,
    pub analytics_configuration: Option<m::AnalyticsConfigurationType>,
    pub prevent_user_existence_errors: Option<m::PreventUserExistenceErrorTypes>,
    pub enable_token_revocation: Option<bool>,
    pub enable_propagate_additional_user_context_data: Option<bool>,
    pub auth_session_validity: Option<i32>,
    pub refresh_token_rotation: Option<m::RefreshTokenRotationType>,
}

/// Scopes every pool has without a resource server.
pub const STANDARD_SCOPES: &[&str] = &["phone", "email", "openid", "profile", "aws.cognito.signin.user.admin"];

fn seconds_per(unit: Option<&m::TimeUnitsType>, default: &m::TimeUnitsType) -> i64 {
    match unit.unwrap_or(default) {
        m::TimeUnitsType::Seconds => 1,
        m::TimeUnitsType::Minutes => 60,
        m::TimeUnitsType::Hours => 3600,
        m::TimeUnitsType::Days => 86_400,
        m::TimeUnitsType::Unknown(_) => 0,
    }
}

impl ClientSettings {
    /// Access-token lifetime in seconds (default one hour).
    pub fn access_token_seconds(&self) -> i64 {
        let units = self.token_validity_units.as_ref().and_then(|u| u.access_token.as_ref());
        self.access_token_validity.map_or(3600, |v| i64::from(v) * seconds_per(units, &m::TimeUnitsType::Hours))
    }

    /// ID-token lifetime in seconds (default one hour).
    pub fn id_token_seconds(&self) -> i64 {
        let units = self.token_validity_units.as_ref().and_then(|u| u.id_token.as_ref());
        self.id_token_validity.map_or(3600, |v| i64::from(v) * seconds_per(units, &m::TimeUnitsType::Hours))
    }

    /// Refresh-token lifetime in seconds (default 30 days).
    pub fn refresh_token_seconds(&self) -> i64 {
        let units = self.token_validity_units.as_ref().and_then(|u| u.refresh_token.as_ref());
        i64::from(self.refresh_token_validity.unwrap_or(30)) * seconds_per(units, &m::TimeUnitsType::Days)
    }

    /// Cognito's defaults for unset members.
    fn with_defaults(mut self) -> Self {
        self.refresh_token_validity.get_or_insert(30);
        self.token_validity_units.get_or_insert_with(Default::default);
        self.allowed_oauth_flows_user_pool_client.get_or_insert(false);
        self.enable_token_revocation.get_or_insert(true);
        self.enable_propagate_additional_user_context_data.get_or_insert(false);
        self.auth_session_validity.get_or_insert(3);
        self
    }

    fn check(&self, pool: &UserPool, has_secret: bool, custom_scopes: &[String]) -> Result<()> {
        let units = self.token_validity_units.clone().unwrap_or_default();
        if units.access_token.as_ref().is_some_and(m::TimeUnitsType::is_unknown)
            || units.id_token.as_ref().is_some_and(m::TimeUnitsType::is_unknown)
            || units.refresh_token.as_ref().is_some_and(m::TimeUnitsType::is_unknown)
        {
            return Err(Error::invalid("Invalid TokenValidityUnits."));
        }
        let range = |name: &str, secs: i64, min: i64, max: i64, min_text: &str, max_text: &str| {
            if secs < min || secs > max {
                Err(Error::invalid(format!("{name} must be between {min_text} and {max_text}.")))
            } else {
                Ok(())
            }
        };
        if self.access_token_validity.is_some() {
            range("Access token validity", self.access_token_seconds(), 300, 86_400, "5 minutes", "1 day")?;
        }
        if self.id_token_validity.is_some() {
            range("ID token validity", self.id_token_seconds(), 300, 86_400, "5 minutes", "1 day")?;
        }
        range("Refresh token validity", self.refresh_token_seconds(), 3600, 3650 * 86_400, "60 minutes", "10 years")?;
        if let (Some(_), Some(_)) = (self.access_token_validity, self.refresh_token_validity)
            && self.access_token_seconds() >= self.refresh_token_seconds()
        {
            return Err(Error::invalid("Refresh token validity must be longer than access token validity."));
        }
        if let (Some(_), Some(_)) = (self.id_token_validity, self.refresh_token_validity)
            && self.id_token_seconds() >= self.refresh_token_seconds()
        {
            return Err(Error::invalid("Refresh token validity must be longer than ID token validity."));
        }

        let attr_exists = |name: &str| pool.settings.schema.iter().any(|a| a.name.as_deref() == Some(name));
        for a in self.read_attributes.iter().flatten() {
            if !attr_exists(a) {
                return Err(Error::invalid("Invalid read attributes specified while creating a client"));
            }
        }
        for a in self.write_attributes.iter().flatten() {
            if !attr_exists(a) || a == "sub" || a.ends_with("_verified") {
                return Err(Error::invalid("Invalid write attributes specified while creating a client"));
            }
        }

        if let Some(flows) = &self.explicit_auth_flows {
            let is_new = |f: &m::ExplicitAuthFlowsType| f.as_str().starts_with("ALLOW_");
            if flows.iter().any(is_new) && !flows.iter().all(is_new) {
                return Err(Error::invalid("ExplicitAuthFlows cannot mix the ALLOW_ values with the legacy values."));
            }
        }

        for p in self.supported_identity_providers.iter().flatten() {
            if p != "COGNITO" {
                return Err(Error::invalid(format!("The provider {p} does not exist for User Pool {}", pool.id)));
            }
        }

        for url in self.callback_urls.iter().flatten().chain(self.logout_urls.iter().flatten()) {
            check_redirect_url(url)?;
        }
        if let Some(d) = &self.default_redirect_uri {
            check_redirect_url(d)?;
            if !self.callback_urls.iter().flatten().any(|c| c == d) {
                return Err(Error::invalid("DefaultRedirectURI must be one of the CallbackURLs."));
            }
        }

        let flows = self.allowed_oauth_flows.clone().unwrap_or_default();
        let scopes = self.allowed_oauth_scopes.clone().unwrap_or_default();
        for s in &scopes {
            if !STANDARD_SCOPES.contains(&s.as_str()) && !custom_scopes.contains(s) {
                return Err(Error::ScopeDoesNotExist(format!("Invalid scope requested: {s}")));
            }
        }
        if self.allowed_oauth_flows_user_pool_client == Some(true) {
            if flows.is_empty() {
                return Err(Error::InvalidOAuthFlow(
                    "AllowedOAuthFlows is required when AllowedOAuthFlowsUserPoolClient is true.".into(),
                ));
            }
            if scopes.is_empty() {
                return Err(Error::invalid(
                    "AllowedOAuthScopes is required when AllowedOAuthFlowsUserPoolClient is true.",
                ));
            }
            let is_client_credentials = flows.contains(&m::OAuthFlowType::ClientCredentials);
            if is_client_credentials && flows.len() > 1 {
                return Err(Error::InvalidOAuthFlow(
                    "client_credentials flow can not be selected along with code flow or implicit flow.".into(),
                ));
            }
            if is_client_credentials && !has_secret {
                return Err(Error::InvalidOAuthFlow(
                    "client_credentials flow can not be selected if client does not have a client secret.".into(),
                ));
            }
            if !is_client_credentials && self.callback_urls.as_ref().is_none_or(Vec::is_empty) {
                return Err(Error::invalid("CallbackURLs are required for the code and implicit flows."));
            }
        }
        Ok(())
    }
}

/// Callback and logout URLs: absolute, no fragment, HTTPS except for localhost.
fn check_redirect_url(url: &str) -> Result<()> {
    let bad = || Error::invalid(format!("{url} is not a valid redirect URL."));
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    if rest.is_empty() || url.contains('#') {
        return Err(bad());
    }
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host_only = if host.starts_with('[') {
        host.split(']').next().map_or(host, |h| &h[1..])
    } else {
        host.split(':').next().unwrap_or(host)
    };
    let is_local = host_only == "localhost" || host_only == "127.0.0.1" || host_only == "::1";
    match scheme {
        "https" => Ok(()),
        "http" if is_local => Ok(()),
        "http" => Err(Error::invalid(format!("{url}: cannot use the HTTP protocol except for localhost."))),
        // Native apps register custom schemes (myapp://callback).
        s if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) => Ok(()),
        _ => Err(bad()),
    }
}

impl Client {
    /// The vault context of a client's secret.
    fn secret_context(pool_id: &str, client_id: &str) -> String {
        format!("client-secret:{pool_id}:{client_id}")
    }

    pub(crate) fn from_row(row: ClientRow, vault: &Vault) -> Result<Self> {
        let secret = match &row.client_secret {
            Some(stored) => Some(vault.open_str(&Self::secret_context(&row.pool_id, &row.client_id), stored)?),
            None => None,
        };
        let settings: ClientSettings = serde_json::from_str(&row.document).map_err(|e| {
            Error::Internal(anyhow::anyhow!("client {} has an unreadable document: {e}", row.client_id))
        })?;
        Ok(Client {
            pool_id: row.pool_id,
            client_id: row.client_id,
            name: row.name,
            secret,
            created: Timestamp::from_millis(row.created_ms),
            modified: Timestamp::from_millis(row.updated_ms),
            settings,
            via: Via::Api,
        })
    }

    fn to_row(&self, vault: &Vault) -> Result<ClientRow> {
        let context = Self::secret_context(&self.pool_id, &self.client_id);
        let client_secret = match &self.secret {
            Some(plain) => Some(vault.seal_str(&context, plain)?),
            None => None,
        };
        let document = serde_json::to_string(&self.settings)
            .map_err(|e| Error::Internal(anyhow::anyhow!("serialising client {}: {e}", self.client_id)))?;
        Ok(ClientRow {
            pool_id: self.pool_id.clone(),
            client_id: self.client_id.clone(),
            name: self.name.clone(),
            client_secret,
            created_ms: self.created.millis(),
            updated_ms: self.modified.millis(),
            document,
        })
    }
}

fn client_not_found(client_id: &str) -> String {
    format!("User pool client {client_id} does not exist.")
}

/// How a new client gets its secret.
#[derive(Clone, Debug, Default)]
pub enum NewSecret {
    #[default]
    None,
    Generate,
    /// A secret the caller chose (CreateUserPoolClient's `ClientSecret`).
    Given(String),
}

impl Domain {
    pub async fn create_client(
        &self,
        pool_id: &str,
        name: String,
        secret: NewSecret,
        settings: ClientSettings,
    ) -> Result<Client> {
        let pool = self.get_user_pool(pool_id).await?;
        let secret = match secret {
            NewSecret::None => None,
            NewSecret::Generate => Some(ids::client_secret()),
            NewSecret::Given(s) => {
                if s.len() < 24
                    || s.len() > 64
                    || !s.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(c))
                {
                    return Err(Error::invalid("ClientSecret must be 24 to 64 characters of [\\w+=,.@-]."));
                }
                Some(s)
            }
        };
        settings.check(&pool, secret.is_some(), &self.custom_scopes(&pool).await?)?;
        let now = self.clock.now();
        let client = Client {
            pool_id: pool.id,
            client_id: ids::client_id(),
            name,
            secret,
            created: now,
            modified: now,
            settings: settings.with_defaults(),
            via: Via::Api,
        };
        self.store
            .create_client(&client.to_row(&self.vault)?)
            .await
            .map_err(|e| not_found_as(e, || format!("User pool {pool_id} does not exist.")))?;
        Ok(client)
    }

    pub async fn get_client(&self, pool_id: &str, client_id: &str) -> Result<Client> {
        let row = self
            .store
            .get_client(pool_id, client_id)
            .await
            .map_err(|e| not_found_as(e, || client_not_found(client_id)))?;
        Client::from_row(row, &self.vault)
    }

    /// Replaces the client's settings; unset members take their defaults, as UpdateUserPoolClient does.
    pub async fn update_client(
        &self,
        pool_id: &str,
        client_id: &str,
        name: Option<String>,
        settings: ClientSettings,
    ) -> Result<Client> {
        let pool = self.get_user_pool(pool_id).await?;
        let mut client = self.get_client(pool_id, client_id).await?;
        settings.check(&pool, client.secret.is_some(), &self.custom_scopes(&pool).await?)?;
        if let Some(name) = name {
            client.name = name;
        }
        client.settings = settings.with_defaults();
        client.modified = self.clock.now();
        self.store
            .update_client(&client.to_row(&self.vault)?)
            .await
            .map_err(|e| not_found_as(e, || client_not_found(client_id)))?;
        Ok(client)
    }

    pub async fn delete_client(&self, pool_id: &str, client_id: &str) -> Result<()> {
        self.get_user_pool(pool_id).await?;
        self.store.delete_client(pool_id, client_id).await.map_err(|e| not_found_as(e, || client_not_found(client_id)))
    }

    pub async fn list_clients(&self, pool_id: &str, next_token: Option<&str>, max: u32) -> Result<Page<Client>> {
        self.get_user_pool(pool_id).await?;
        let max = max.clamp(1, 60);
        let rows = match self.store.list_clients(pool_id, next_token, max + 1).await {
            Ok(rows) => rows,
            Err(StoreError::NotFound) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        Page::from_rows(rows, max, |r| Client::from_row(r, &self.vault), |c| c.client_id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lifetimes_follow_units() {
        let s = ClientSettings {
            access_token_validity: Some(30),
            token_validity_units: Some(m::TokenValidityUnitsType {
                access_token: Some(m::TimeUnitsType::Minutes),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(s.access_token_seconds(), 1800);
        assert_eq!(s.id_token_seconds(), 3600);
        assert_eq!(s.refresh_token_seconds(), 30 * 86_400);
    }

    #[test]
    fn redirect_urls_need_https_except_localhost() {
        assert!(check_redirect_url("https://example.com/cb").is_ok());
        assert!(check_redirect_url("http://localhost:3000/cb").is_ok());
        assert!(check_redirect_url("http://example.com/cb").is_err());
        assert!(check_redirect_url("myapp://cb").is_ok());
        assert!(check_redirect_url("https://example.com/cb#frag").is_err());
        assert!(check_redirect_url("not a url").is_err());
    }
}
