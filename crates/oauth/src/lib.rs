//! The OpenID Connect and OAuth 2.0 side of Cognate, and the hosted UI: each pool's discovery
//! document (`/<poolId>/.well-known/openid-configuration`) and key set (`…/jwks.json`) at the
//! issuer `<public base URL>/<poolId>`; and, on each pool's domain (`site`), the OAuth 2.0
//! endpoints — `/oauth2/authorize` (`pages::authorize`), `/oauth2/token` (`token`),
//! `/oauth2/userInfo` (`userinfo`), `/oauth2/revoke` (`revoke`) — and the hosted pages (`pages`:
//! `/login`, `/signup`, `/confirm`, `/forgotPassword`, `/logout`, …). The token, userInfo and
//! revocation endpoints also answer on the main host for any pool's clients.
//!
//! Architecture invariant: errors here use the OAuth shape (`{"error": …}`), an HTML error page
//! or a plain `{"message": …}`, never the AWS `__type` shape.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use cognate_domain::Domain;
use serde_json::json;

mod pages;
mod revoke;
mod site;
mod token;
mod userinfo;

pub use site::by_host;

/// The endpoints browsers call from other origins (CORS applies): discovery, JWKS, and the
/// token, userInfo and revocation endpoints (on the main host and on every domain).
pub fn cross_origin_router(domain: Domain) -> Router {
    Router::new()
        .route("/{pool_id}/.well-known/jwks.json", get(jwks))
        .route("/{pool_id}/.well-known/openid-configuration", get(openid_configuration))
        .route("/oauth2/token", post(token::token))
        .route("/oauth2/userInfo", get(userinfo::userinfo).post(userinfo::userinfo))
        .route("/oauth2/revoke", post(revoke::revoke))
        .route("/oauth2/{*rest}", any(not_built))
        .route("/domains/{domain}/oauth2/token", post(token::domain_token))
        .route("/domains/{domain}/oauth2/userInfo", get(userinfo::domain_userinfo).post(userinfo::domain_userinfo))
        .route("/domains/{domain}/oauth2/revoke", post(revoke::domain_revoke))
        .route("/domains/{domain}/oauth2/{*rest}", any(not_built))
        .with_state(domain)
}

/// The hosted pages and the authorization endpoint, on a domain only, same-origin only (no
/// CORS: another origin must never read them).
pub fn pages_router(domain: Domain) -> Router {
    let hosted = pages::Hosted { domain, pages: Arc::new(pages::Pages::new()) };
    let on_domain = Router::new()
        .route("/oauth2/authorize", get(pages::authorize::authorize))
        .route("/login", get(pages::login::show).post(pages::login::submit))
        .route("/login/challenge", post(pages::login::answer))
        .route("/logout", get(pages::logout::logout))
        .route("/signup", get(pages::account::sign_up_form).post(pages::account::sign_up))
        .route("/confirm", get(pages::account::confirm_form).post(pages::account::confirm))
        .route("/forgotPassword", get(pages::account::forgot_form).post(pages::account::forgot))
        .route("/confirmForgotPassword", get(pages::account::confirm_forgot_form).post(pages::account::confirm_forgot))
        .route("/saml2/{*rest}", any(not_built_page));
    Router::new()
        .nest("/domains/{domain}", on_domain)
        // Without a domain there is no hosted UI (as in Cognito).
        .route("/oauth2/authorize", get(no_domain))
        .route("/login", any(no_domain))
        .route("/logout", any(no_domain))
        .route("/signup", any(no_domain))
        .route("/confirm", any(no_domain))
        .route("/forgotPassword", any(no_domain))
        .route("/confirmForgotPassword", any(no_domain))
        .route("/saml2/{*rest}", any(no_domain))
        .route("/_cognate/ui-logo/{pool_id}/{client_id}", get(ui_logo))
        .route("/_cognate/passkey.js", get(passkey_js))
        .with_state(hosted)
}

/// The passkey page's script.
async fn passkey_js() -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
        (header::CACHE_CONTROL, "public, max-age=300"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    (headers, pages::PASSKEY_JS).into_response()
}

/// The logo of a UI customization (the `ImageUrl` GetUICustomization names).
async fn ui_logo(State(domain): State<Domain>, Path((pool_id, client_id)): Path<(String, String)>) -> Response {
    match domain.ui_logo(&pool_id, &client_id).await {
        Ok(Some((mime, bytes))) => {
            let headers = [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, "public, max-age=300".to_string()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            ];
            (headers, bytes).into_response()
        }
        Ok(None) => not_found(),
        Err(e) => internal(&e),
    }
}

/// The hosted UI of a request that names no domain.
async fn no_domain() -> Response {
    let body = json!({
        "error": "invalid_request",
        "error_description": "The hosted UI is served on a user pool domain: create one (CreateUserPoolDomain) and use \
                              <public URL>/domains/<prefix>/… or the domain's host.",
    });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

async fn not_built_page(uri: Uri) -> Response {
    not_built(uri).await
}

pub(crate) fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "message": "Not Found" }))).into_response()
}

fn pool_missing(pool_id: &str) -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "message": format!("User pool {pool_id} does not exist.") }))).into_response()
}

pub(crate) fn domain_missing(name: &str) -> Response {
    let body = json!({ "error": "invalid_request", "error_description": format!("Domain {name} does not exist.") });
    (StatusCode::NOT_FOUND, Json(body)).into_response()
}

pub(crate) fn internal(e: &cognate_domain::Error) -> Response {
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
        "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256", "plain"],
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
