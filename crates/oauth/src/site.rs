//! Which domain a request is for. Every domain's endpoints share one origin, as Cognito's do: a
//! prefix domain's are served under `<public URL>/domains/<prefix>/…` (no DNS needed on a
//! laptop) or, with `domain_base_host` configured, on the Host `<prefix>.<base host>`; a custom
//! domain's on its own Host. Requests that name a domain by Host are rewritten to the path form
//! before routing (`by_host`), so one set of routes serves both, and the [`Site`] extractor tells
//! a handler its pool and the base URL its links and redirects use.

use axum::extract::{FromRef, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cognate_domain::Domain;

/// The paths a domain serves (Cognito's hosted UI and OAuth endpoints).
const DOMAIN_PATHS: &[&str] =
    &["/oauth2/", "/login", "/logout", "/signup", "/confirm", "/forgotPassword", "/confirmForgotPassword", "/saml2/"];

fn is_domain_path(path: &str) -> bool {
    DOMAIN_PATHS
        .iter()
        .any(|p| if p.ends_with('/') { path.starts_with(p) } else { path == *p || path.starts_with(&format!("{p}/")) })
}

/// Set on a request that named its domain by Host: the origin it came to, and the domain (so
/// `Site` need not look it up again).
#[derive(Clone, Debug)]
struct HostOrigin(String, cognate_domain::domains::PoolDomain);

/// The request's Host without its port.
pub(crate) fn host_name(headers: &HeaderMap) -> Option<&str> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    Some(host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h))
}

/// Middleware over the whole router: a request whose Host is a custom domain or
/// `<prefix>.<base host>` is served as `/domains/<name>/<path>` (and only that).
pub async fn by_host(State(domain): State<Domain>, mut req: Request, next: Next) -> Response {
    let Some(host) = host_name(req.headers()).map(str::to_string) else { return next.run(req).await };
    let d = match domain.domain_for_host(&host).await {
        Ok(Some(d)) => d,
        Ok(None) => return next.run(req).await,
        Err(e) => return crate::internal(&e),
    };
    // A domain's host serves that domain's endpoints and their assets, nothing else: not another
    // domain's pages under `/domains/…`, not the AWS APIs, not the main host's pages.
    let path = req.uri().path();
    if !is_domain_path(path) {
        if is_domain_asset(path) {
            return next.run(req).await;
        }
        return crate::not_found();
    }
    let full_host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or(&host);
    let scheme = domain.config().issuer_base.split_once("://").map_or("https", |(s, _)| s);
    let origin = format!("{scheme}://{full_host}");
    let path_and_query = req.uri().path_and_query().map_or("/", |p| p.as_str());
    match format!("/domains/{}{path_and_query}", d.domain).parse::<Uri>() {
        Ok(uri) => {
            *req.uri_mut() = uri;
            req.extensions_mut().insert(HostOrigin(origin, d));
        }
        Err(_) => return crate::not_found(),
    }
    next.run(req).await
}

/// What the pages of a domain load from their own origin.
fn is_domain_asset(path: &str) -> bool {
    path == "/_cognate/passkey.js" || path.starts_with("/_cognate/ui-logo/")
}

/// The domain a request is for.
#[derive(Clone, Debug)]
pub(crate) struct Site {
    pub(crate) pool_id: String,
    /// Base URL of the domain's endpoints, without a trailing slash.
    pub(crate) base: String,
    /// The cookie path that keeps this domain's cookies to itself.
    pub(crate) cookie_path: String,
    /// Whether cookies get `Secure` (the domain is served over https).
    pub(crate) is_secure: bool,
    /// 1: the classic hosted UI's branding; 2: managed login's.
    pub(crate) managed_login_version: i32,
}

impl Site {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl<S> FromRequestParts<S> for Site
where
    Domain: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Named by Host: `by_host` found the domain already.
        if let Some(HostOrigin(origin, d)) = parts.extensions.get::<HostOrigin>() {
            return Ok(Site::of(d, origin.clone(), "/".to_string()));
        }
        let domain = Domain::from_ref(state);
        let Path(params): Path<Vec<(String, String)>> =
            Path::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let Some((_, name)) = params.into_iter().find(|(k, _)| k == "domain") else {
            return Err(crate::not_found());
        };
        let d = match domain.find_pool_domain(&name).await {
            Ok(Some(d)) => d,
            Ok(None) => return Err(crate::domain_missing(&name)),
            Err(e) => return Err(crate::internal(&e)),
        };
        let base = format!("{}/domains/{}", domain.config().issuer_base, d.domain);
        Ok(Site::of(&d, base, format!("/domains/{}", d.domain)))
    }
}

impl Site {
    fn of(d: &cognate_domain::domains::PoolDomain, base: String, cookie_path: String) -> Site {
        let is_secure = base.starts_with("https://");
        Site {
            pool_id: d.pool_id.clone(),
            base,
            cookie_path,
            is_secure,
            managed_login_version: d.managed_login_version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_paths_are_the_hosted_ui_and_oauth_endpoints() {
        for p in ["/oauth2/token", "/login", "/login/challenge", "/logout", "/signup", "/saml2/idpresponse"] {
            assert!(is_domain_path(p), "{p}");
        }
        for p in ["/", "/health", "/loginx", "/us-east-1_abc/.well-known/jwks.json", "/domains/x/login"] {
            assert!(!is_domain_path(p), "{p}");
        }
    }

    #[test]
    fn host_names_lose_their_port() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "auth.example.com:8443".parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(host_name(&h), Some("auth.example.com"));
        h.insert(header::HOST, "auth.example.com".parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(host_name(&h), Some("auth.example.com"));
    }
}
