//! The OpenID Connect and OAuth 2.0 side of Cognate. Served now: each pool's discovery document
//! (`/<poolId>/.well-known/openid-configuration`) and key set (`/<poolId>/.well-known/jwks.json`),
//! at the issuer `<public base URL>/<poolId>`, and the token endpoint (`POST /oauth2/token`) for the
//! `client_credentials` grant (`token`). The other grants, OAuth endpoints and hosted pages
//! (`/oauth2/authorize`, `/login`, `/logout`, …) are not built yet and answer 501 (or
//! `unsupported_grant_type`) with an RFC 6749-shaped error saying so.
//!
//! Architecture invariant: errors here use the OAuth shape (`{"error": …}`) or a plain
//! `{"message": …}`, never the AWS `__type` shape.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use cognate_domain::Domain;
use serde_json::json;

mod token;

/// The endpoints browsers call from other origins (CORS applies): discovery, JWKS and the
/// not-yet-built OAuth endpoints (`/oauth2/token`, `/oauth2/userInfo`, `/oauth2/revoke`, …).
pub fn cross_origin_router(domain: Domain) -> Router {
    Router::new()
        .route("/{pool_id}/.well-known/jwks.json", get(jwks))
        .route("/{pool_id}/.well-known/openid-configuration", get(openid_configuration))
        .route("/oauth2/token", post(token::token))
        .route("/oauth2/{*rest}", any(not_built))
        .route("/domains/{domain}/oauth2/token", post(token::domain_token))
        .route("/domains/{domain}/oauth2/{*rest}", any(not_built))
        .with_state(domain)
}

/// The hosted pages, same-origin only (no CORS: another origin must never read them).
pub fn pages_router(domain: Domain) -> Router {
    Router::new()
        .route("/login", any(not_built))
        .route("/logout", any(not_built))
        .route("/signup", any(not_built))
        .route("/confirm", any(not_built))
        .route("/forgotPassword", any(not_built))
        .route("/saml2/{*rest}", any(not_built))
        .with_state(domain)
}

fn pool_missing(pool_id: &str) -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "message": format!("User pool {pool_id} does not exist.") }))).into_response()
}

fn domain_missing(name: &str) -> Response {
    let body = json!({ "error": "invalid_request", "error_description": format!("Domain {name} does not exist.") });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

fn internal(e: &cognate_domain::Error) -> Response {
    tracing::error!(error = format!("{e:#}"), "COGNATE-OIDC0001 internal error");
    (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "message": "An internal error occurred." }))).into_response()
}

/// Key sets change only when keys rotate; let verifiers cache them briefly.
const JWKS_CACHE: &str = "public, max-age=300";

async fn jwks(State(domain): State<Domain>, Path(pool_id): Path<String>) -> Response {
    match domain.jwks(&pool_id).await {
        Ok(jwks) => ([(header::CACHE_CONTROL, JWKS_CACHE)], Json(jwks)).into_response(),
        Err(cognate_domain::Error::ResourceNotFound(_)) => pool_missing(&pool_id),
        Err(e) => internal(&e),
    }
}

async fn openid_configuration(State(domain): State<Domain>, Path(pool_id): Path<String>) -> Response {
    match domain.pool_exists(&pool_id).await {
        Ok(true) => {}
        Ok(false) => return pool_missing(&pool_id),
        Err(e) => return internal(&e),
    }
    let issuer = domain.issuer(&pool_id);
    // Once the pool has a domain, its endpoints are the domain's.
    let base = match domain.domain_base_url(&pool_id).await {
        Ok(Some(base)) => base,
        Ok(None) => domain.config().issuer_base.clone(),
        Err(e) => return internal(&e),
    };
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "authorization_endpoint": format!("{base}/oauth2/authorize"),
        "token_endpoint": format!("{base}/oauth2/token"),
        "userinfo_endpoint": format!("{base}/oauth2/userInfo"),
        "revocation_endpoint": format!("{base}/oauth2/revoke"),
        "end_session_endpoint": format!("{base}/logout"),
        "response_types_supported": ["code", "token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }))
    .into_response()
}

async fn not_built(uri: Uri) -> Response {
    (
        StatusCode::NOT_IMPLEMENTED,
        Json(json!({
            "error": "server_error",
            "error_description": format!("Cognate does not implement {} yet; see docs/COVERAGE.md.", uri.path()),
        })),
    )
        .into_response()
}
