//! The rules behind the hosted UI and the OAuth 2.0 authorization endpoint: checking an
//! authorization request (client, exact redirect URI, response type, scopes, PKCE), the sign-in
//! session a browser keeps between requests (single sign-on across the clients of one domain
//! until it expires or `/logout` ends it), authorization codes (single use; a replayed code
//! revokes what it issued) and their exchange, the implicit grant, userInfo, and logout URLs.
//!
//! Sign-in sessions and codes are sealed values (AES-256-GCM under the deployment secret, like
//! challenge sessions), so any node can read them; their single use and their end are claimed in
//! the store. <https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html>

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognate_model::cognito_idp as m;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::Domain;
use crate::clients::Client;
use crate::error::{Error, Result};
use crate::pools::UserPool;
use crate::signin::{AuthResult, Issue, Scopes, SignedIn};
use crate::tokens::new_id;
use crate::users::User;

/// How long a browser's sign-in session lasts (Cognito's hosted UI: one hour).
pub const LOGIN_SESSION_SECONDS: i64 = 3600;
/// How long an authorization code may be exchanged (Cognito: five minutes).
const CODE_SECONDS: i64 = 300;
/// How long the mark of a replayed code outlives the code (the first exchange checks it then).
const REFRESH_MARK_MS: i64 = 60_000;
/// Longest `state` and `nonce` accepted (they travel in URLs and sealed values).
const MAX_STATE: usize = 2048;
const MAX_NONCE: usize = 512;

/// `response_type` of an authorization request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseType {
    /// The authorization code grant: `?code=` on the redirect.
    Code,
    /// The implicit grant: tokens in the redirect's fragment.
    Token,
}

/// PKCE's `code_challenge_method` (RFC 7636).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PkceMethod {
    S256,
    Plain,
}

/// `prompt` of an authorization request (OIDC Core §3.1.2.1), as Cognito's managed login reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prompt {
    /// Sign in again even with a live session.
    Login,
    /// Never show a page: a live session, or `login_required`.
    None,
}

/// The parameters of `/oauth2/authorize` (and of `/login`, which repeats them), as received.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub state: Option<String>,
    pub scope: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub identity_provider: Option<String>,
    pub idp_identifier: Option<String>,
    pub prompt: Option<String>,
    pub lang: Option<String>,
}

/// A checked authorization request.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Authorization {
    pub pool_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub response_type: ResponseType,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<(String, PkceMethod)>,
    #[serde(skip)]
    pub prompt: Option<Prompt>,
}

/// Why an authorization request was refused.
#[derive(Debug)]
pub enum AuthorizeError {
    /// The client or the redirect URI cannot be trusted: shown on an error page, never
    /// redirected to (RFC 6749 §4.1.2.1).
    Page(String),
    /// Sent back to the (registered) redirect URI as `error` and `error_description`.
    Redirect { redirect_uri: String, error: &'static str, description: String, state: Option<String>, fragment: bool },
    /// A store or other internal failure.
    Internal(Error),
}

impl From<Error> for AuthorizeError {
    fn from(e: Error) -> Self {
        AuthorizeError::Internal(e)
    }
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Za-z0-9-._~]` (verifiers and S256 challenges alike).
fn is_pkce_value(v: &str) -> bool {
    (43..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

impl Client {
    /// Whether the client may use an OAuth flow of the hosted UI.
    pub fn allows_oauth_flow(&self, flow: &m::OAuthFlowType) -> bool {
        self.settings.allowed_oauth_flows_user_pool_client == Some(true)
            && self.settings.allowed_oauth_flows.iter().flatten().any(|f| f == flow)
    }

    /// Whether `uri` is one of the client's callback URLs, compared exactly.
    pub fn has_callback(&self, uri: &str) -> bool {
        self.settings.callback_urls.iter().flatten().any(|c| c == uri)
    }

    /// Whether `uri` is one of the client's sign-out URLs, compared exactly.
    pub fn has_logout_url(&self, uri: &str) -> bool {
        self.settings.logout_urls.iter().flatten().any(|c| c == uri)
    }

    /// Whether the hosted sign-in form (the pool's own users) is offered to this client.
    pub fn offers_cognito_sign_in(&self) -> bool {
        self.settings.supported_identity_providers.iter().flatten().any(|p| p == "COGNITO")
    }
}

/// The sign-in session a browser carries (sealed in a cookie).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoginSession {
    pub pool_id: String,
    pub user_key: String,
    pub username: String,
    pub auth_time: i64,
    pub expires_ms: i64,
    /// Names the session in the store when `/logout` ends it.
    sid: String,
}

/// What an authorization code stands for (sealed into the code itself).
#[derive(Serialize, Deserialize)]
struct CodeGrant {
    pool_id: String,
    client_id: String,
    user_key: String,
    redirect_uri: String,
    scopes: Vec<String>,
    nonce: Option<String>,
    challenge: Option<(String, PkceMethod)>,
    auth_time: i64,
    /// The sign-in the code's tokens belong to; claimed once, revoked on replay.
    origin_jti: String,
    expires_ms: i64,
    /// The browser's sign-in session: a code is no good once `/logout` ended it.
    #[serde(default)]
    sid: String,
}

fn invalid_grant(why: &str) -> Error {
    Error::InvalidGrant(why.to_string())
}

fn invalid_client() -> Error {
    Error::NotAuthorized("invalid_client".into())
}

impl Domain {
    /// Checks an authorization request for the pool of the domain it came to: the client must
    /// be the pool's, the redirect URI one of its callback URLs exactly (otherwise an error page),
    /// then the response type, OAuth flow, scopes and PKCE (otherwise an error redirect).
    pub async fn check_authorization(
        &self,
        pool_id: &str,
        p: &AuthorizeParams,
    ) -> std::result::Result<(UserPool, Client, Authorization), AuthorizeError> {
        let page = |m: &str| AuthorizeError::Page(m.to_string());
        let client_id =
            p.client_id.as_deref().filter(|c| !c.is_empty()).ok_or_else(|| page("client_id is required."))?;
        let (pool, client) = match self.client_by_id(client_id).await {
            Ok((pool, client)) if pool.id == pool_id => (pool, client),
            Ok(_) | Err(Error::ResourceNotFound(_)) => return Err(page("The client does not exist.")),
            Err(e) => return Err(e.into()),
        };
        let redirect_uri = match p.redirect_uri.as_deref().filter(|r| !r.is_empty()) {
            Some(r) => r.to_string(),
            None => client.settings.default_redirect_uri.clone().ok_or_else(|| page("redirect_uri is required."))?,
        };
        if !client.has_callback(&redirect_uri) {
            return Err(page("redirect_mismatch: the redirect_uri is not a callback URL of the client."));
        }
        let state = p.state.clone().filter(|s| !s.is_empty());
        let response_type = match p.response_type.as_deref() {
            Some("code") => ResponseType::Code,
            Some("token") => ResponseType::Token,
            _ => ResponseType::Code,
        };
        let fragment = response_type == ResponseType::Token;
        let redirect = |error: &'static str, description: &str| AuthorizeError::Redirect {
            redirect_uri: redirect_uri.clone(),
            error,
            description: description.to_string(),
            state: state.clone(),
            fragment,
        };
        match p.response_type.as_deref() {
            Some("code" | "token") => {}
            Some(_) => return Err(redirect("unsupported_response_type", "response_type must be code or token.")),
            None => return Err(redirect("invalid_request", "response_type is required.")),
        }
        if state.as_ref().is_some_and(|s| s.len() > MAX_STATE) {
            return Err(page("The state parameter is too long."));
        }
        let flow = match response_type {
            ResponseType::Code => m::OAuthFlowType::Code,
            ResponseType::Token => m::OAuthFlowType::Implicit,
        };
        if !client.allows_oauth_flow(&flow) {
            return Err(redirect("unauthorized_client", "The client is not allowed this response_type."));
        }
        let allowed: Vec<&String> = client.settings.allowed_oauth_scopes.iter().flatten().collect();
        let scopes: Vec<String> = match p.scope.as_deref().map(str::split_whitespace) {
            Some(requested) if p.scope.as_deref().is_some_and(|s| !s.trim().is_empty()) => {
                let mut out: Vec<String> = Vec::new();
                for s in requested {
                    if !allowed.iter().any(|a| a.as_str() == s) {
                        return Err(redirect("invalid_scope", &format!("The client may not request the scope {s}.")));
                    }
                    if !out.iter().any(|o| o == s) {
                        out.push(s.to_string());
                    }
                }
                out
            }
            // Without `scope`, every scope of the client (Cognito's rule).
            _ => allowed.into_iter().cloned().collect(),
        };
        if scopes.is_empty() {
            return Err(redirect("invalid_scope", "The client has no scope to grant."));
        }
        let nonce = p.nonce.clone().filter(|n| !n.is_empty());
        if nonce.as_ref().is_some_and(|n| n.len() > MAX_NONCE) {
            return Err(redirect("invalid_request", "The nonce is too long."));
        }
        let code_challenge =
            match (p.code_challenge.as_deref().filter(|c| !c.is_empty()), p.code_challenge_method.as_deref()) {
                (None, None) => None,
                (None, Some(_)) => {
                    return Err(redirect("invalid_request", "code_challenge_method without code_challenge."));
                }
                (Some(c), method) => {
                    let method = match method {
                        Some("S256") => PkceMethod::S256,
                        Some("plain") | None => PkceMethod::Plain,
                        Some(_) => {
                            return Err(redirect("invalid_request", "code_challenge_method must be S256 or plain."));
                        }
                    };
                    if !is_pkce_value(c) {
                        return Err(redirect("invalid_request", "The code_challenge is malformed."));
                    }
                    Some((c.to_string(), method))
                }
            };
        let prompt = match p.prompt.as_deref() {
            None | Some("") | Some("consent" | "select_account") => None,
            Some("login") => Some(Prompt::Login),
            Some("none") => Some(Prompt::None),
            Some(_) => {
                return Err(redirect("invalid_request", "prompt must be login, none, consent or select_account."));
            }
        };
        match p.identity_provider.as_deref() {
            None | Some("") | Some("COGNITO") => {}
            Some(other) => {
                return Err(redirect(
                    "invalid_request",
                    &format!("Cognate does not support the identity provider {other} yet; see docs/COVERAGE.md."),
                ));
            }
        }
        if p.idp_identifier.as_deref().is_some_and(|i| !i.is_empty()) {
            return Err(redirect(
                "invalid_request",
                "Cognate does not support idp_identifier yet (federation); see docs/COVERAGE.md.",
            ));
        }
        if !client.offers_cognito_sign_in() {
            return Err(redirect(
                "unauthorized_client",
                "The client's SupportedIdentityProviders do not include COGNITO.",
            ));
        }
        let authorization = Authorization {
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            redirect_uri,
            response_type,
            scopes,
            state,
            nonce,
            code_challenge,
            prompt,
        };
        Ok((pool, client, authorization))
    }

    /// A new sign-in session for a user the hosted pages signed in: the sealed cookie value.
    pub fn open_login_session(&self, pool: &UserPool, signed_in: &SignedIn) -> Result<(String, LoginSession)> {
        let session = LoginSession {
            pool_id: pool.id.clone(),
            user_key: signed_in.user_key.clone(),
            username: signed_in.username.clone(),
            auth_time: signed_in.auth_time,
            expires_ms: self.clock.now_ms() + LOGIN_SESSION_SECONDS * 1000,
            sid: new_id(),
        };
        let sealed = self
            .login_sealer
            .seal(&session)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("sealing a login session")))?;
        Ok((sealed, session))
    }

    /// The live sign-in session a cookie carries for this pool, with its user: unexpired, not
    /// ended by `/logout`, its user enabled and not signed out globally since.
    pub async fn login_session(&self, pool_id: &str, cookie: &str) -> Result<Option<(LoginSession, User)>> {
        let Some(s) = self.login_sealer.open::<LoginSession>(cookie) else { return Ok(None) };
        let now = self.clock.now_ms();
        if s.pool_id != pool_id || s.expires_ms <= now {
            return Ok(None);
        }
        if self.store.is_claimed(&format!("login-ended:{}", s.sid), now).await? {
            return Ok(None);
        }
        let user = match self.user_in_pool(pool_id, &s.user_key).await {
            Ok(u) => u,
            Err(Error::ResourceNotFound(_) | Error::UserNotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        if !user.is_enabled || s.auth_time.saturating_add(1).saturating_mul(1000) <= user.tokens_valid_after_ms {
            return Ok(None);
        }
        Ok(Some((s, user)))
    }

    /// Ends a sign-in session of the pool on every node (`/logout`); a cookie that does not open,
    /// or is another pool's, is ignored.
    pub async fn end_login_session(&self, pool_id: &str, cookie: &str) -> Result<()> {
        if let Some(s) = self.login_sealer.open::<LoginSession>(cookie).filter(|s| s.pool_id == pool_id) {
            let now = self.clock.now_ms();
            self.store.claim_once(&format!("login-ended:{}", s.sid), s.expires_ms.max(now), now).await?;
        }
        Ok(())
    }

    /// An authorization code for a checked request and a live sign-in session.
    pub fn authorization_code(&self, a: &Authorization, session: &LoginSession) -> Result<String> {
        let grant = CodeGrant {
            pool_id: a.pool_id.clone(),
            client_id: a.client_id.clone(),
            user_key: session.user_key.clone(),
            redirect_uri: a.redirect_uri.clone(),
            scopes: a.scopes.clone(),
            nonce: a.nonce.clone(),
            challenge: a.code_challenge.clone(),
            auth_time: session.auth_time,
            origin_jti: new_id(),
            expires_ms: self.clock.now_ms() + CODE_SECONDS * 1000,
            sid: session.sid.clone(),
        };
        self.code_sealer.seal(&grant).ok_or_else(|| Error::Internal(anyhow::anyhow!("sealing a code")))
    }

    /// The implicit grant: ID and access tokens for the redirect's fragment (no refresh token).
    pub async fn implicit_tokens(&self, a: &Authorization, session: &LoginSession) -> Result<AuthResult> {
        let (pool, client) = self.client_by_id(&a.client_id).await?;
        let user = self.user_by_key(&pool, &session.user_key).await?;
        let origin = new_id();
        let how = Issue {
            origin_jti: &origin,
            auth_time: session.auth_time,
            is_new_sign_in: false,
            device_key: None,
            scopes: Scopes::Granted(&a.scopes),
            nonce: a.nonce.as_deref(),
        };
        self.issue(&pool, &client, &user, how).await
    }

    /// The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.6): the client authenticates
    /// (a confidential one with its secret), the code must be the client's, unexpired, for the
    /// same redirect URI, and answer its PKCE challenge. A code is exchanged once: a second
    /// exchange fails and revokes the tokens the first one got.
    pub async fn exchange_code(
        &self,
        pool_id: Option<&str>,
        client_id: &str,
        client_secret: Option<&str>,
        code: &str,
        redirect_uri: Option<&str>,
        code_verifier: Option<&str>,
    ) -> Result<AuthResult> {
        let (pool, client) = self.token_client(pool_id, client_id).await?;
        if !client.authenticates(client_secret) {
            return Err(invalid_client());
        }
        if !client.allows_oauth_flow(&m::OAuthFlowType::Code) {
            return Err(Error::InvalidOAuthFlow("The client is not allowed the authorization_code grant.".into()));
        }
        let grant: CodeGrant = self.code_sealer.open(code).ok_or_else(|| invalid_grant("The code is invalid."))?;
        let now = self.clock.now_ms();
        if grant.pool_id != pool.id || grant.client_id != client.client_id {
            return Err(invalid_grant("The code was not issued to this client."));
        }
        if grant.expires_ms <= now {
            return Err(invalid_grant("The code has expired."));
        }
        if redirect_uri != Some(grant.redirect_uri.as_str()) {
            return Err(invalid_grant("The redirect_uri is not the one the code was issued for."));
        }
        if let Some((challenge, method)) = &grant.challenge {
            let verifier = code_verifier.ok_or_else(|| invalid_grant("code_verifier is required."))?;
            if !is_pkce_value(verifier) {
                return Err(invalid_grant("The code_verifier is malformed."));
            }
            let derived = match method {
                PkceMethod::S256 => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
                PkceMethod::Plain => verifier.to_string(),
            };
            if !bool::from(derived.as_bytes().ct_eq(challenge.as_bytes())) {
                return Err(invalid_grant("The code_verifier does not match the code_challenge."));
            }
        }
        if self.store.is_claimed(&format!("login-ended:{}", grant.sid), now).await? {
            return Err(invalid_grant("The sign-in session of the code has ended."));
        }
        // Single use, on every node: a replay ends the sign-in the first exchange began. The
        // replay also leaves a mark, which the first exchange checks after storing its refresh
        // token, so a replay racing the first exchange revokes it whichever runs first.
        let key = format!("code:{}", grant.origin_jti);
        let replayed = format!("code-replayed:{}", grant.origin_jti);
        if !self.store.claim_once(&key, grant.expires_ms, now).await? {
            self.store.claim_once(&replayed, grant.expires_ms + REFRESH_MARK_MS, now).await?;
            self.store.revoke_origin(&grant.origin_jti, now).await?;
            return Err(invalid_grant("The code has already been used."));
        }
        let user = self.user_by_key(&pool, &grant.user_key).await.map_err(|_| invalid_grant("The user is gone."))?;
        if !user.is_enabled {
            return Err(invalid_grant("User is disabled."));
        }
        if grant.auth_time.saturating_add(1).saturating_mul(1000) <= user.tokens_valid_after_ms {
            return Err(invalid_grant("The user signed out since the code was issued."));
        }
        let how = Issue {
            origin_jti: &grant.origin_jti,
            auth_time: grant.auth_time,
            is_new_sign_in: true,
            device_key: None,
            scopes: Scopes::Granted(&grant.scopes),
            nonce: grant.nonce.as_deref(),
        };
        let result = self.issue(&pool, &client, &user, how).await?;
        if self.store.is_claimed(&replayed, self.clock.now_ms()).await? {
            self.store.revoke_origin(&grant.origin_jti, self.clock.now_ms()).await?;
            return Err(invalid_grant("The code has already been used."));
        }
        Ok(result)
    }

    /// `/oauth2/userInfo`: for an access token with the `openid` scope, the user's `sub`,
    /// `username` and the attributes the client may read within the token's scopes. Cognito
    /// answers every value as a string.
    /// Returns the token's pool with the claims.
    pub async fn userinfo(&self, access_token: &str) -> Result<(String, BTreeMap<String, String>)> {
        let (pool_id, user, claims) = self.authorize_scoped(access_token, "openid").await?;
        let client = self.get_client(&pool_id, &claims.client_id).await.map_err(|_| invalid_client())?;
        let granted: Vec<String> = claims.scope.split(' ').map(str::to_string).collect();
        let mut out = crate::signin::readable_attributes(&client, &user, Scopes::Granted(&granted));
        out.insert("sub".into(), user.sub.clone());
        out.insert("username".into(), user.username.clone());
        Ok((pool_id, out))
    }

    /// The client of a `/logout` request and whether its `logout_uri` is registered.
    pub async fn check_logout(&self, pool_id: &str, client_id: &str, logout_uri: &str) -> Result<bool> {
        match self.client_by_id(client_id).await {
            Ok((pool, client)) if pool.id == pool_id => Ok(client.has_logout_url(logout_uri)),
            Ok(_) | Err(Error::ResourceNotFound(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_values_follow_rfc_7636() {
        assert!(is_pkce_value(&"a".repeat(43)));
        assert!(is_pkce_value(&"A-._~9".repeat(20)));
        assert!(!is_pkce_value(&"a".repeat(42)));
        assert!(!is_pkce_value(&"a".repeat(129)));
        assert!(!is_pkce_value(&format!("{}+", "a".repeat(43))));
        assert!(!is_pkce_value(&format!("{}=", "a".repeat(43))));
    }

    #[test]
    fn the_rfc_7636_example_challenge() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
