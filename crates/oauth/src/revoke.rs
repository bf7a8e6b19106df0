//! `POST /oauth2/revoke` (RFC 7009): revokes a refresh token with every access token of its
//! sign-in. The client authenticates as at the token endpoint; an unknown token is not an error
//! (§2.2); an access token is `unsupported_token_type`.
//! <https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html>

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cognate_domain::{Domain, Error};

use crate::site::Site;
use crate::token::{client_auth, form, invalid_request, is_form, no_store, oauth_error};

pub(crate) async fn revoke(State(domain): State<Domain>, headers: HeaderMap, body: Bytes) -> Response {
    answer(&domain, None, &headers, &body).await
}

pub(crate) async fn domain_revoke(
    State(domain): State<Domain>,
    site: Site,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    answer(&domain, Some(&site.pool_id), &headers, &body).await
}

async fn answer(domain: &Domain, pool_id: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Response {
    if !is_form(headers) {
        return invalid_request("The request must be application/x-www-form-urlencoded.");
    }
    let params = match form(body) {
        Ok(p) => p,
        Err(repeated) => return invalid_request(&format!("The parameter {repeated} is repeated.")),
    };
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (client_id, secret) = match client_auth(headers, param) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let Some(token) = param("token") else {
        return invalid_request("token is required.");
    };
    if param("token_type_hint").as_deref() == Some("access_token") || token.split('.').count() == 3 {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_token_type", "Only refresh tokens can be revoked.");
    }
    let client_failed = || oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed.");
    let (pool, client) = match domain.token_client(pool_id, &client_id).await {
        Ok(x) => x,
        Err(Error::NotAuthorized(_)) => return client_failed(),
        Err(e) => return crate::internal(&e),
    };
    // As at the token endpoint: a confidential client with its secret, a public one with none.
    if !client.authenticates(secret.as_deref()) {
        return client_failed();
    }
    match domain.revoke_token(&pool, &client, &token, secret.as_deref()).await {
        Ok(()) => {
            let mut response = StatusCode::OK.into_response();
            no_store(response.headers_mut());
            response
        }
        Err(Error::UnsupportedOperation(m)) => oauth_error(StatusCode::BAD_REQUEST, "unauthorized_client", &m),
        Err(Error::NotAuthorized(m)) => oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &m),
        Err(e) => crate::internal(&e),
    }
}
