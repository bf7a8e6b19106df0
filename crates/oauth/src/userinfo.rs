//! `GET`/`POST /oauth2/userInfo` (OIDC Core §5.3): the user of an access token with the `openid`
//! scope — `sub`, `username` and the attributes the client may read within the token's scopes.
//! Errors are RFC 6750's, with `WWW-Authenticate: Bearer`.
//! <https://docs.aws.amazon.com/cognito/latest/developerguide/userinfo-endpoint.html>

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cognate_domain::{Domain, Error};
use serde_json::json;

use crate::site::Site;
use crate::token::no_store;

fn bearer_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (status, Json(json!({ "error": error, "error_description": description }))).into_response();
    let challenge = format!("Bearer error=\"{error}\", error_description=\"{description}\"");
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    no_store(response.headers_mut());
    response
}

/// The access token of a request: `Authorization: Bearer`, or `access_token` in a POSTed form.
fn access_token(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, token) = value.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string());
    }
    if crate::token::is_form(headers) {
        return form_urlencoded::parse(body).find(|(k, _)| k == "access_token").map(|(_, v)| v.into_owned());
    }
    None
}

/// On the main host: an access token of any pool.
pub(crate) async fn userinfo(State(domain): State<Domain>, headers: HeaderMap, body: Bytes) -> Response {
    answer(&domain, None, &headers, &body).await
}

/// On a domain: only its pool's tokens.
pub(crate) async fn domain_userinfo(
    State(domain): State<Domain>,
    site: Site,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(&domain, Some(&site.pool_id), &headers, &body).await
}

async fn answer(domain: &Domain, pool_id: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Response {
    let Some(token) = access_token(headers, body) else {
        return bearer_error(StatusCode::UNAUTHORIZED, "invalid_request", "An access token is required.");
    };
    match domain.userinfo(&token).await {
        Ok((token_pool, _)) if pool_id.is_some_and(|p| p != token_pool) => {
            bearer_error(StatusCode::UNAUTHORIZED, "invalid_token", "Invalid Access Token")
        }
        Ok((_, claims)) => {
            let mut response = Json(claims).into_response();
            no_store(response.headers_mut());
            response
        }
        Err(Error::NotAuthorized(m)) if m == "Access Token does not have required scopes" => {
            bearer_error(StatusCode::FORBIDDEN, "insufficient_scope", "The access token has no openid scope.")
        }
        Err(Error::NotAuthorized(m)) => bearer_error(StatusCode::UNAUTHORIZED, "invalid_token", &m),
        Err(e) => crate::internal(&e),
    }
}
