//! `POST /oauth2/token` (RFC 6749 §3.2): the `authorization_code` (with PKCE, RFC 7636),
//! `client_credentials` and `refresh_token` grants. The client authenticates with HTTP Basic
//! (`client_secret_basic`) or in the body (`client_secret_post`); answers carry
//! `Cache-Control: no-store`; errors are RFC 6749 §5.2's (`invalid_request`, `invalid_client` with
//! 401, `invalid_grant`, `unauthorized_client`, `invalid_scope`, `unsupported_grant_type`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use cognate_domain::{Domain, Error};
use serde_json::json;

/// An RFC 6749 §5.2 error.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (status, Json(json!({ "error": error, "error_description": description }))).into_response();
    no_store(response.headers_mut());
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"cognate\""));
    }
    response
}

pub(crate) fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

pub(crate) fn invalid_request(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

/// `client_id:client_secret` from an `Authorization: Basic` header, if there is one.
pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok();
    let text = decoded.and_then(|d| String::from_utf8(d).ok());
    Some(text.and_then(|t| t.split_once(':').map(|(id, secret)| (id.to_string(), secret.to_string()))).ok_or(()))
}

/// The form parameters, each at most once (RFC 6749 §3.2: parameters must not repeat); the
/// name of a repeated one otherwise.
pub(crate) fn form(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let params: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let mut names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(pair[0].to_string());
    }
    Ok(params)
}

/// `POST /domains/{domain}/oauth2/token`: the token endpoint of one domain, serving its pool's
/// clients only.
pub(crate) async fn domain_token(
    State(domain): State<Domain>,
    axum::extract::Path(name): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match domain.find_pool_domain(&name).await {
        Ok(Some(d)) => token_for(&domain, Some(&d.pool_id), &headers, &body).await,
        Ok(None) => crate::domain_missing(&name),
        Err(e) => crate::internal(&e),
    }
}

/// `POST /oauth2/token` on the main host: any pool's clients (a domain's Host is served as
/// that domain, see `site::by_host`).
pub(crate) async fn token(State(domain): State<Domain>, headers: HeaderMap, body: Bytes) -> Response {
    token_for(&domain, None, &headers, &body).await
}

/// The client a request authenticates as: HTTP Basic, or `client_id` (and `client_secret`) in
/// the body — one of them.
pub(crate) fn client_auth(
    headers: &HeaderMap,
    param: impl Fn(&str) -> Option<String>,
) -> Result<(String, Option<String>), Box<Response>> {
    match basic_credentials(headers) {
        Some(Err(())) => {
            Err(Box::new(oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed.")))
        }
        Some(Ok((id, secret))) => {
            if param("client_secret").is_some() || param("client_id").is_some_and(|body_id| body_id != id) {
                return Err(Box::new(invalid_request("Use one client authentication method.")));
            }
            Ok((id, Some(secret)))
        }
        None => match param("client_id") {
            Some(id) => Ok((id, param("client_secret"))),
            None => Err(Box::new(invalid_request("client_id is required."))),
        },
    }
}

/// Whether a request's body is a form.
pub(crate) fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"))
}

async fn token_for(domain: &Domain, pool_id: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Response {
    if !is_form(headers) {
        return invalid_request("The request must be application/x-www-form-urlencoded.");
    }
    let params = match form(body) {
        Ok(p) => p,
        Err(repeated) => return invalid_request(&format!("The parameter {repeated} is repeated.")),
    };
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let Some(grant_type) = param("grant_type") else {
        return invalid_request("grant_type is required.");
    };
    // One way of authenticating: Basic, or the body.
    let (client_id, client_secret) = match client_auth(headers, |k| param(k).map(str::to_string)) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    match grant_type {
        "client_credentials" => {
            let Some(secret) = client_secret else {
                return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed.");
            };
            match domain.client_credentials(pool_id, &client_id, &secret, param("scope")).await {
                Ok(t) => {
                    let body =
                        json!({ "access_token": t.access_token, "expires_in": t.expires_in, "token_type": "Bearer" });
                    let mut response = Json(body).into_response();
                    no_store(response.headers_mut());
                    response
                }
                Err(e) => grant_error(&e),
            }
        }
        "refresh_token" => {
            let Some(token) = param("refresh_token") else {
                return invalid_request("refresh_token is required.");
            };
            match domain.refresh_grant(pool_id, &client_id, client_secret.as_deref(), token).await {
                Ok(t) => {
                    let mut body = json!({
                        "access_token": t.access_token,
                        "expires_in": t.expires_in,
                        "token_type": "Bearer",
                    });
                    if let Some(id) = t.id_token {
                        body["id_token"] = json!(id);
                    }
                    // With rotation, the new refresh token replaces the one used.
                    if let Some(refresh) = t.refresh_token {
                        body["refresh_token"] = json!(refresh);
                    }
                    let mut response = Json(body).into_response();
                    no_store(response.headers_mut());
                    response
                }
                Err(e) => grant_error(&e),
            }
        }
        "authorization_code" => {
            let Some(code) = param("code") else {
                return invalid_request("code is required.");
            };
            let exchanged = domain
                .exchange_code(
                    pool_id,
                    &client_id,
                    client_secret.as_deref(),
                    code,
                    param("redirect_uri"),
                    param("code_verifier"),
                )
                .await;
            match exchanged {
                Ok(t) => {
                    let mut body = json!({
                        "access_token": t.access_token,
                        "refresh_token": t.refresh_token,
                        "expires_in": t.expires_in,
                        "token_type": "Bearer",
                    });
                    if let Some(id) = t.id_token {
                        body["id_token"] = json!(id);
                    }
                    let mut response = Json(body).into_response();
                    no_store(response.headers_mut());
                    response
                }
                Err(e) => grant_error(&e),
            }
        }
        _ => oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "The grant_type is not supported."),
    }
}

/// A domain error as the token endpoint's answer.
fn grant_error(e: &Error) -> Response {
    match e {
        Error::NotAuthorized(_) => {
            oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed.")
        }
        Error::InvalidOAuthFlow(m) => oauth_error(StatusCode::BAD_REQUEST, "unauthorized_client", m),
        Error::ScopeDoesNotExist(m) => oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", m),
        Error::InvalidParameter(m) => invalid_request(m),
        Error::InvalidGrant(m) => oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", m),
        other => {
            tracing::error!(error = format!("{other:#}"), "COGNATE-OIDC0002 token endpoint failed");
            oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "An internal error occurred.")
        }
    }
}
