//! OAuth 2.0 grants at the token endpoint that are not a user's sign-in: `client_credentials`
//! (RFC 6749 §4.4) for machine-to-machine clients — a confidential client with the
//! client_credentials flow, granted custom scopes of the pool's resource servers — and
//! `refresh_token` (§6), new tokens for the sign-in a refresh token belongs to.

use subtle::ConstantTimeEq as _;

use crate::Domain;
use crate::error::{Error, Result};
use crate::signin::AuthResult;

/// A token the token endpoint hands out for the client_credentials grant.
#[derive(Clone, Debug)]
pub struct MachineToken {
    pub access_token: String,
    pub expires_in: i64,
    pub scope: String,
}

/// Client authentication failed (OAuth's `invalid_client`): the same words whatever was wrong.
fn invalid_client() -> Error {
    Error::NotAuthorized("invalid_client".into())
}

impl Domain {
    /// The client a token request names, if it exists (and belongs to the domain's pool when the
    /// request came to a domain); `invalid_client` otherwise.
    pub async fn token_client(
        &self,
        pool_id: Option<&str>,
        client_id: &str,
    ) -> Result<(crate::pools::UserPool, crate::clients::Client)> {
        match self.client_by_id(client_id).await {
            Ok((pool, client)) if pool_id.is_none_or(|p| p == pool.id) => Ok((pool, client)),
            Ok(_) | Err(Error::ResourceNotFound(_)) => Err(invalid_client()),
            Err(e) => Err(e),
        }
    }

    /// The client_credentials grant: `client_secret` must be the client's (compared in constant
    /// time), the client must be allowed the flow, and every requested scope must be one of the
    /// client's custom scopes (without `scope`, all of them are granted, as Cognito does).
    /// `pool_id`: the pool of the domain the request came to, whose clients alone it serves.
    pub async fn client_credentials(
        &self,
        pool_id: Option<&str>,
        client_id: &str,
        client_secret: &str,
        scope: Option<&str>,
    ) -> Result<MachineToken> {
        let (pool, client) = self.token_client(pool_id, client_id).await?;
        let secret_matches =
            client.secret.as_ref().is_some_and(|s| bool::from(s.as_bytes().ct_eq(client_secret.as_bytes())));
        if !secret_matches {
            return Err(invalid_client());
        }
        let settings = &client.settings;
        let allows_flow = settings.allowed_oauth_flows_user_pool_client == Some(true)
            && settings
                .allowed_oauth_flows
                .iter()
                .flatten()
                .any(|f| *f == cognate_model::cognito_idp::OAuthFlowType::ClientCredentials);
        if !allows_flow {
            return Err(Error::InvalidOAuthFlow("The client is not allowed the client_credentials grant.".into()));
        }
        // Custom scopes are `<resource server>/<scope>`; the standard ones are for users.
        let allowed: Vec<&String> =
            settings.allowed_oauth_scopes.iter().flatten().filter(|s| s.contains('/')).collect();
        let granted: Vec<String> = match scope.filter(|s| !s.trim().is_empty()).map(str::split_whitespace) {
            Some(requested) => {
                let requested: Vec<&str> = requested.collect();
                if let Some(bad) = requested.iter().find(|r| !allowed.iter().any(|a| a.as_str() == **r)) {
                    return Err(Error::ScopeDoesNotExist(format!("The client may not be granted the scope {bad}.")));
                }
                requested.into_iter().map(str::to_string).collect()
            }
            None => allowed.into_iter().cloned().collect(),
        };
        if granted.is_empty() {
            return Err(Error::ScopeDoesNotExist("The client has no custom scope to grant.".into()));
        }
        let scope = granted.join(" ");
        let expires_in = settings.access_token_seconds();
        let access_token = self.mint_machine_token(&pool.id, &client.client_id, &scope, expires_in).await?;
        Ok(MachineToken { access_token, expires_in, scope })
    }

    /// The refresh_token grant: the client authenticates (a confidential client with its secret,
    /// a public one by its ID), and the token must be live and the client's. Errors: `NotAuthorized`
    /// for the client (`invalid_client`), `InvalidGrant` for the token.
    pub async fn refresh_grant(
        &self,
        pool_id: Option<&str>,
        client_id: &str,
        client_secret: Option<&str>,
        refresh_token: &str,
    ) -> Result<AuthResult> {
        let (pool, client) = self.token_client(pool_id, client_id).await?;
        if !client.authenticates(client_secret) {
            return Err(invalid_client());
        }
        match self.tokens_from_refresh_token(&pool, &client, refresh_token, client_secret).await {
            Ok(result) => Ok(result),
            Err(Error::NotAuthorized(m)) => Err(Error::InvalidGrant(m)),
            Err(e) => Err(e),
        }
    }
}
