//! The hosted UI: server-rendered pages that work without JavaScript — sign-in, the challenges
//! that follow it (MFA codes, MFA selection, TOTP set-up with a QR code, a new password),
//! sign-up and confirmation, password recovery, sign-out — each carrying the OAuth request that
//! led to it in its URL, as Cognito's do. Pages are minijinja templates (`templates/`), HTML
//! auto-escaped; forms carry a CSRF token bound to a cookie (double submit); responses forbid
//! framing and caching. What a page does is the domain's: the hosted pages sign users in with the
//! same rules as the API (`Client::for_hosted_ui`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::FromRef;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cognate_domain::Domain;
use cognate_domain::hosted::{Authorization, AuthorizeError, AuthorizeParams, LoginSession, ResponseType};
use rand::RngCore as _;
use serde::Serialize;
use subtle::ConstantTimeEq as _;

use crate::site::Site;

pub(crate) mod account;
pub(crate) mod authorize;
pub(crate) mod login;
pub(crate) mod logout;

/// The sign-in session cookie (Cognito's hosted UI names its own `cognito`).
pub(crate) const SESSION_COOKIE: &str = "cognito";
/// The CSRF cookie whose value every form repeats.
const CSRF_COOKIE: &str = "XSRF-TOKEN";
/// The form field that repeats it.
pub(crate) const CSRF_FIELD: &str = "_csrf";

/// The compiled templates.
pub(crate) struct Pages {
    env: minijinja::Environment<'static>,
}

impl Pages {
    pub(crate) fn new() -> Self {
        let mut env = minijinja::Environment::new();
        for (name, source) in TEMPLATES {
            // The templates are part of the binary and are checked by the tests.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "COGNATE-UI0001 a template does not compile");
            }
        }
        Pages { env }
    }
}

const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../../templates/layout.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("code.html", include_str!("../../templates/code.html")),
    ("select_mfa.html", include_str!("../../templates/select_mfa.html")),
    ("new_password.html", include_str!("../../templates/new_password.html")),
    ("totp_setup.html", include_str!("../../templates/totp_setup.html")),
    ("signup.html", include_str!("../../templates/signup.html")),
    ("confirm.html", include_str!("../../templates/confirm.html")),
    ("forgot.html", include_str!("../../templates/forgot.html")),
    ("confirm_forgot.html", include_str!("../../templates/confirm_forgot.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("passkey.html", include_str!("../../templates/passkey.html")),
];

/// The script of the passkey page (`navigator.credentials.get()` needs JavaScript).
pub(crate) const PASSKEY_JS: &str = include_str!("../../templates/passkey.js");

/// The state of the hosted pages.
#[derive(Clone)]
pub(crate) struct Hosted {
    pub(crate) domain: Domain,
    pub(crate) pages: Arc<Pages>,
}

impl FromRef<Hosted> for Domain {
    fn from_ref(h: &Hosted) -> Domain {
        h.domain.clone()
    }
}

/// The cookies of a request.
pub(crate) fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// A `Set-Cookie` value for this site: HttpOnly, SameSite=Lax, Secure behind https.
pub(crate) fn cookie(site: &Site, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if site.is_secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path={}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}", site.cookie_path);
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("cognate=; Max-Age=0"))
}

fn random_token() -> String {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A page being answered: the site, the request's cookies and the CSRF token its forms carry.
pub(crate) struct Page<'a> {
    pub(crate) site: &'a Site,
    csrf: String,
    /// Whether the CSRF cookie must be (re)set with this response.
    is_new_csrf: bool,
    /// The branding of the client the page is for, once known.
    brand: std::sync::OnceLock<Brand>,
}

/// What a page shows of its client's branding.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Brand {
    /// Checked CSS of the classic UI (only the `-customizable` classes, nothing that loads).
    css: Option<String>,
    /// The logo as a data URI.
    logo: Option<String>,
    /// Managed login's page background and button colours (`#rrggbb[aa]`).
    background: Option<String>,
    button: Option<String>,
    form: Option<String>,
}

/// A colour of managed login's settings (`rrggbb` or `rrggbbaa`) as CSS.
fn colour(settings: &serde_json::Value, pointer: &str) -> Option<String> {
    let v = settings.pointer(pointer)?.as_str()?.trim_start_matches('#');
    ((v.len() == 6 || v.len() == 8) && v.bytes().all(|b| b.is_ascii_hexdigit())).then(|| format!("#{v}"))
}

impl Brand {
    pub(crate) fn of(b: cognate_domain::branding::PageBranding) -> Brand {
        use base64::Engine as _;
        let logo = b.logo.map(|(mime, bytes)| {
            format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
        });
        let settings = b.settings.map(|d| d.0).unwrap_or(serde_json::Value::Null);
        Brand {
            css: b.css,
            logo,
            background: colour(&settings, "/components/pageBackground/lightMode/color"),
            button: colour(&settings, "/components/primaryButton/lightMode/defaults/backgroundColor"),
            form: colour(&settings, "/components/form/lightMode/backgroundColor"),
        }
    }
}

impl<'a> Page<'a> {
    pub(crate) fn new(site: &'a Site, headers: &HeaderMap) -> Self {
        match cookies(headers).get(CSRF_COOKIE).filter(|v| v.len() == 48 && v.bytes().all(|b| b.is_ascii_hexdigit())) {
            Some(t) => Page { site, csrf: t.clone(), is_new_csrf: false, brand: std::sync::OnceLock::new() },
            None => Page { site, csrf: random_token(), is_new_csrf: true, brand: std::sync::OnceLock::new() },
        }
    }

    /// Sets the branding of the client this page is for.
    pub(crate) fn brand_with(&self, brand: Brand) {
        let _ = self.brand.set(brand);
    }

    /// Whether a posted form repeats this request's CSRF cookie.
    pub(crate) fn is_form_genuine(&self, form: &HashMap<String, String>) -> bool {
        !self.is_new_csrf && form.get(CSRF_FIELD).is_some_and(|f| bool::from(f.as_bytes().ct_eq(self.csrf.as_bytes())))
    }

    /// Renders a template with the page's common values.
    pub(crate) fn render<T: Serialize>(&self, hosted: &Hosted, status: StatusCode, name: &str, values: T) -> Response {
        let brand = self.brand.get().cloned().unwrap_or_default();
        let context = minijinja::context! {
            csrf => self.csrf, csrf_field => CSRF_FIELD, base => self.site.base, brand => brand,
            ..minijinja::Value::from_serialize(&values)
        };
        let html = match hosted.pages.env.get_template(name).and_then(|t| t.render(context)) {
            Ok(html) => html,
            Err(e) => {
                tracing::error!(template = name, error = %e, "COGNATE-UI0002 a page could not be rendered");
                return (StatusCode::INTERNAL_SERVER_ERROR, "An internal error occurred.").into_response();
            }
        };
        let mut response = (status, html).into_response();
        let h = response.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        secure_headers(h);
        if self.is_new_csrf {
            h.append(header::SET_COOKIE, cookie(self.site, CSRF_COOKIE, &self.csrf, 86_400));
        }
        response
    }

    /// An error page (never a redirect to an address the request named).
    pub(crate) fn error(&self, hosted: &Hosted, status: StatusCode, message: &str) -> Response {
        self.render(hosted, status, "error.html", minijinja::context! { message => message })
    }
}

/// Headers on every hosted page: no framing (clickjacking), no caching, no sniffing, scripts
/// only from the page itself.
pub(crate) fn secure_headers(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
}

/// The OAuth request as the query string the pages carry from one to the next.
pub(crate) fn query_of(p: &AuthorizeParams) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    let fields = [
        ("client_id", &p.client_id),
        ("response_type", &p.response_type),
        ("redirect_uri", &p.redirect_uri),
        ("scope", &p.scope),
        ("state", &p.state),
        ("nonce", &p.nonce),
        ("code_challenge", &p.code_challenge),
        ("code_challenge_method", &p.code_challenge_method),
        ("identity_provider", &p.identity_provider),
        ("idp_identifier", &p.idp_identifier),
        ("lang", &p.lang),
    ];
    for (k, v) in fields {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            q.append_pair(k, v);
        }
    }
    q.finish()
}

/// A 302 to `location`.
pub(crate) fn redirect(location: &str, set_cookies: &[HeaderValue]) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    let h = response.headers_mut();
    match HeaderValue::from_str(location) {
        Ok(v) => {
            h.insert(header::LOCATION, v);
        }
        Err(_) => return (StatusCode::BAD_REQUEST, "Bad redirect.").into_response(),
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    for c in set_cookies {
        h.append(header::SET_COOKIE, c.clone());
    }
    response
}

/// `redirect_uri` with `pairs` added to its query (code) or set as its fragment (implicit).
pub(crate) fn callback_url(redirect_uri: &str, pairs: &[(&str, &str)], fragment: bool) -> Option<String> {
    let mut url = url::Url::parse(redirect_uri).ok()?;
    if fragment {
        let mut f = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            f.append_pair(k, v);
        }
        url.set_fragment(Some(&f.finish()));
    } else {
        let mut q = url.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    Some(url.to_string())
}

/// The answer to a refused authorization request: an error page, or the error at the
/// registered redirect URI.
pub(crate) fn authorize_error(hosted: &Hosted, page: &Page<'_>, e: AuthorizeError) -> Response {
    match e {
        AuthorizeError::Page(message) => page.error(hosted, StatusCode::BAD_REQUEST, &message),
        AuthorizeError::Redirect { redirect_uri, error, description, state, fragment } => {
            let mut pairs = vec![("error", error), ("error_description", description.as_str())];
            if let Some(s) = &state {
                pairs.push(("state", s));
            }
            match callback_url(&redirect_uri, &pairs, fragment) {
                Some(url) => redirect(&url, &[]),
                None => page.error(hosted, StatusCode::BAD_REQUEST, "The redirect_uri is not a valid URL."),
            }
        }
        AuthorizeError::Internal(e) => {
            tracing::error!(error = format!("{e:#}"), "COGNATE-UI0003 authorization failed");
            page.error(hosted, StatusCode::INTERNAL_SERVER_ERROR, "An internal error occurred.")
        }
    }
}

/// Sends a signed-in browser back to the application: a code, or (implicit) tokens.
pub(crate) async fn complete(
    hosted: &Hosted,
    page: &Page<'_>,
    a: &Authorization,
    login: &LoginSession,
    set_cookies: &[HeaderValue],
) -> Response {
    let d = &hosted.domain;
    let state = a.state.as_deref();
    let url = match a.response_type {
        ResponseType::Code => match d.authorization_code(a, login) {
            Ok(code) => {
                let mut pairs = vec![("code", code.as_str())];
                if let Some(s) = state {
                    pairs.push(("state", s));
                }
                callback_url(&a.redirect_uri, &pairs, false)
            }
            Err(e) => return internal_page(hosted, page, &e),
        },
        ResponseType::Token => match d.implicit_tokens(a, login).await {
            Ok(t) => {
                let expires = t.expires_in.to_string();
                let mut pairs = vec![("access_token", t.access_token.as_str())];
                if let Some(id) = &t.id_token {
                    pairs.push(("id_token", id));
                }
                pairs.push(("token_type", "Bearer"));
                pairs.push(("expires_in", &expires));
                if let Some(s) = state {
                    pairs.push(("state", s));
                }
                callback_url(&a.redirect_uri, &pairs, true)
            }
            Err(e) => return internal_page(hosted, page, &e),
        },
    };
    match url {
        Some(url) => redirect(&url, set_cookies),
        None => page.error(hosted, StatusCode::BAD_REQUEST, "The redirect_uri is not a valid URL."),
    }
}

pub(crate) fn internal_page(hosted: &Hosted, page: &Page<'_>, e: &cognate_domain::Error) -> Response {
    tracing::error!(error = format!("{e:#}"), "COGNATE-UI0004 a hosted page failed");
    page.error(hosted, StatusCode::INTERNAL_SERVER_ERROR, "An internal error occurred.")
}

/// The live sign-in session of the request's cookie, if any.
pub(crate) async fn current_login(
    hosted: &Hosted,
    site: &Site,
    headers: &HeaderMap,
) -> Result<Option<LoginSession>, cognate_domain::Error> {
    let Some(cookie) = cookies(headers).remove(SESSION_COOKIE) else { return Ok(None) };
    Ok(hosted.domain.login_session(&site.pool_id, &cookie).await?.map(|(s, _)| s))
}

/// A posted form's fields, each at most once (the first wins), within a size bound.
pub(crate) fn form_fields(body: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        out.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    out
}
