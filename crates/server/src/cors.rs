//! CORS for the endpoints web pages call from their own origin, as Cognito answers them: the AWS
//! JSON endpoint (`POST /`, cognito-idp and cognito-identity) and the OpenID/OAuth endpoints
//! (discovery, JWKS, `/oauth2/*`). A preflight gets the method, the request headers the page
//! asked for (the AWS SDKs send `x-amz-target`, `x-amz-user-agent`, `amz-sdk-*`, `cache-control`,
//! …) and a max-age; every response, errors included, gets `Access-Control-Allow-Origin` and
//! exposes the headers SDKs read to decode errors. Credentials (cookies) are never allowed: a
//! request proves itself with its signature or token, and CORS changes nothing about that.
//! Hosted pages get no CORS at all.

use axum::http::{HeaderName, HeaderValue, Method};
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer, ExposeHeaders};

/// Browsers cap the preflight cache (Chromium at two hours); longer would be ignored.
const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(7200);

/// The response headers an SDK in a page must be able to read.
fn exposed() -> ExposeHeaders {
    ExposeHeaders::list([
        HeaderName::from_static("x-amzn-requestid"),
        HeaderName::from_static("x-amzn-errortype"),
        HeaderName::from_static("x-amzn-errormessage"),
        HeaderName::from_static("date"),
    ])
}

/// `["*"]` (or an empty list): any origin; otherwise exactly the origins listed.
fn origins(allowed: &[String]) -> AllowOrigin {
    if allowed.is_empty() || allowed.iter().any(|o| o == "*") {
        return AllowOrigin::any();
    }
    AllowOrigin::list(allowed.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
}

/// CORS for the AWS JSON endpoint.
pub fn aws_api(allowed: &[String]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(origins(allowed))
        .allow_methods([Method::POST])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(exposed())
        .max_age(MAX_AGE)
}

/// CORS for discovery, JWKS and the OAuth endpoints.
pub fn oidc(allowed: &[String]) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(origins(allowed))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(exposed())
        .max_age(MAX_AGE)
}
