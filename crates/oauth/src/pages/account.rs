//! The account pages of the hosted UI: `/signup` (the pool's required attributes), `/confirm`
//! (the code sent at sign-up, and sending it again), `/forgotPassword` and
//! `/confirmForgotPassword`. Each keeps the OAuth request in its URL and ends at the sign-in page.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use cognate_domain::Error;
use cognate_domain::pools::UserPool;
use serde::Serialize;

use super::login::{PageQuery, carried, checked, username_label, with_username};
use super::{Hosted, Page, form_fields, internal_page, redirect};
use crate::site::Site;

/// What a form shows back after a refusal.
#[derive(Serialize, Default)]
struct AccountView {
    query: String,
    username: String,
    username_label: &'static str,
    message: Option<String>,
    notice: Option<String>,
    /// Sign-up: the attributes to ask for, as (name, label, input type, value).
    attributes: Vec<(String, String, &'static str, String)>,
}

const STALE_FORM: &str = "The page expired. Please try again.";

/// The attributes sign-up asks for: the pool's required ones, and email or phone when codes go
/// there, less the one the username already is.
fn sign_up_attributes(pool: &UserPool) -> Vec<String> {
    let username_is = |a: &str| pool.settings.username_attributes.iter().any(|u| u.as_str() == a);
    let mut out: Vec<String> =
        pool.settings.schema.iter().filter(|a| a.required == Some(true)).filter_map(|a| a.name.clone()).collect();
    for channel in ["email", "phone_number"] {
        if pool.is_auto_verified(channel) && !out.iter().any(|a| a == channel) {
            out.push(channel.to_string());
        }
    }
    out.retain(|a| !username_is(a));
    out
}

fn attribute_label(name: &str) -> (String, &'static str) {
    match name {
        "email" => ("Email address".into(), "email"),
        "phone_number" => ("Phone number (+15551234567)".into(), "tel"),
        "birthdate" => ("Birth date (YYYY-MM-DD)".into(), "text"),
        "website" | "profile" | "picture" => (name.replace('_', " "), "url"),
        other => {
            let label = other.trim_start_matches("custom:").replace('_', " ");
            let mut chars = label.chars();
            let label = chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default();
            (label, "text")
        }
    }
}

fn view(q: &PageQuery, pool: &UserPool, username: &str) -> AccountView {
    AccountView {
        query: carried(q),
        username: username.to_string(),
        username_label: username_label(pool),
        ..AccountView::default()
    }
}

fn user_message(e: &Error) -> Option<String> {
    match e {
        Error::NotAuthorized(m)
        | Error::UserNotFound(m)
        | Error::UsernameExists(m)
        | Error::AliasExists(m)
        | Error::CodeMismatch(m)
        | Error::ExpiredCode(m)
        | Error::InvalidPassword(m)
        | Error::InvalidParameter(m)
        | Error::LimitExceeded(m)
        | Error::CodeDeliveryFailure(m)
        | Error::InvalidUserPoolConfiguration(m)
        | Error::ConcurrentUpdate(m) => Some(m.clone()),
        _ => None,
    }
}

/// A form refused: the page again with Cognito's words for why, or the error page.
fn refused(h: &Hosted, page: &Page<'_>, mut v: AccountView, template: &str, e: &Error) -> Response {
    match user_message(e) {
        Some(m) => {
            v.message = Some(m);
            page.render(h, StatusCode::BAD_REQUEST, template, v)
        }
        None => internal_page(h, page, e),
    }
}

fn sign_up_view(
    q: &PageQuery,
    pool: &UserPool,
    form: Option<&std::collections::HashMap<String, String>>,
) -> AccountView {
    let username = form.and_then(|f| f.get("username")).cloned().unwrap_or_default();
    let mut v = view(q, pool, &username);
    v.attributes = sign_up_attributes(pool)
        .into_iter()
        .map(|name| {
            let (label, kind) = attribute_label(&name);
            let value = form.and_then(|f| f.get(&format!("attr_{name}"))).cloned().unwrap_or_default();
            (name, label, kind, value)
        })
        .collect();
    v
}

/// `GET /signup`.
pub(crate) async fn sign_up_form(
    State(h): State<Hosted>,
    site: Site,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let page = Page::new(&site, &headers);
    let (q, pool, _, _) = match checked(&h, &page, raw.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    page.render(&h, StatusCode::OK, "signup.html", sign_up_view(&q, &pool, None))
}

/// `POST /signup`: creates the user and asks for the code.
pub(crate) async fn sign_up(
    State(h): State<Hosted>,
    site: Site,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let page = Page::new(&site, &headers);
    let (q, pool, client, _) = match checked(&h, &page, raw.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form = form_fields(&body);
    let mut v = sign_up_view(&q, &pool, Some(&form));
    if !page.is_form_genuine(&form) {
        v.message = Some(STALE_FORM.into());
        return page.render(&h, StatusCode::FORBIDDEN, "signup.html", v);
    }
    let username = v.username.trim().to_string();
    let password = form.get("password").cloned().unwrap_or_default();
    let attributes: Vec<(String, String)> = v
        .attributes
        .iter()
        .filter(|(_, _, _, value)| !value.trim().is_empty())
        .map(|(name, _, _, value)| (name.clone(), value.trim().to_string()))
        .collect();
    if username.is_empty() || password.is_empty() {
        v.message = Some("Enter a username and a password.".into());
        return page.render(&h, StatusCode::BAD_REQUEST, "signup.html", v);
    }
    match h.domain.sign_up(&pool, &client, &username, &password, attributes).await {
        Ok(_) => redirect(&with_username(&page, "/confirm", &q, &username, None), &[]),
        Err(e) => refused(&h, &page, v, "signup.html", &e),
    }
}

/// `GET /confirm`: the code form (after a sign-in of an unconfirmed user, with a fresh code).
pub(crate) async fn confirm_form(
    State(h): State<Hosted>,
    site: Site,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let page = Page::new(&site, &headers);
    let (q, pool, _, _) = match checked(&h, &page, raw.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let username = q.extras.get("username").cloned().unwrap_or_default();
    let mut v = view(&q, &pool, &username);
    v.notice = Some("We sent you a code. Enter it to confirm your account.".into());
    page.render(&h, StatusCode::OK, "confirm.html", v)
}

/// `POST /confirm`: the code, or (`action=resend`) a new one.
pub(crate) async fn confirm(
    State(h): State<Hosted>,
    site: Site,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let page = Page::new(&site, &headers);
    let (q, pool, client, _) = match checked(&h, &page, raw.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form = form_fields(&body);
    let username = form.get("username").map(|u| u.trim().to_string()).unwrap_or_default();
    let mut v = view(&q, &pool, &username);
    if !page.is_form_genuine(&form) {
        v.message = Some(STALE_FORM.into());
        return page.render(&h, StatusCode::FORBIDDEN, "confirm.html", v);
    }
    if form.get("action").map(String::as_str) == Some("resend") {
        return match h.domain.resend_confirmation_code(&pool, &client, &username).await {
            Ok(d) => {
                v.notice = Some(format!("We sent a new code to {}.", d.destination));
                page.render(&h, StatusCode::OK, "confirm.html", v)
            }
            Err(e) => refused(&h, &page, v, "confirm.html", &e),
        };
    }
    let code = form.get("code").map(|c| c.trim().to_string()).unwrap_or_default();
    match h.domain.confirm_sign_up(&pool, &client, &username, &code).await {
        Ok(_) => redirect(&with_username(&page, "/login", &q, &username, Some("confirmed=1")), &[]),
        Err(e) => refused(&h, &page, v, "confirm.html", &e),
    }
}

/// `GET /forgotPassword`.
pub(crate) async fn forgot_form(
    State(h): State<Hosted>,
    site: Site,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let page = Page::new(&site, &headers);
    let (q, pool, _, _) = match checked(&h, &page, raw.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let username = q.extras.get("username").cloned().unwrap_or_default();
    page.render(&h, StatusCode::OK, "forgot.html", view(&q, &pool, &username))
}

/// `POST /forgotPassword`: sends a reset code.
pub(crate) async fn forgot(
    State(h): State<Hosted>,
    site: Site,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let page = Page::new(&site, &headers);
    let (q, pool, client, _) = match checked(&h, &page, raw.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form = form_fields(&body);
    let username = form.get("username").map(|u| u.trim().to_string()).unwrap_or_default();
    let mut v = view(&q, &pool, &username);
    if !page.is_form_genuine(&form) {
        v.message = Some(STALE_FORM.into());
        return page.render(&h, StatusCode::FORBIDDEN, "forgot.html", v);
    }
    match h.domain.forgot_password(&pool, &client, &username).await {
        Ok(_) => redirect(&with_username(&page, "/confirmForgotPassword", &q, &username, None), &[]),
        Err(e) => refused(&h, &page, v, "forgot.html", &e),
    }
}

/// `GET /confirmForgotPassword`.
pub(crate) async fn confirm_forgot_form(
    State(h): State<Hosted>,
    site: Site,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let page = Page::new(&site, &headers);
    let (q, pool, _, _) = match checked(&h, &page, raw.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let username = q.extras.get("username").cloned().unwrap_or_default();
    let mut v = view(&q, &pool, &username);
    v.notice = Some("If the account exists, we sent it a code. Enter it with a new password.".into());
    page.render(&h, StatusCode::OK, "confirm_forgot.html", v)
}

/// `POST /confirmForgotPassword`: the code and the new password.
pub(crate) async fn confirm_forgot(
    State(h): State<Hosted>,
    site: Site,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let page = Page::new(&site, &headers);
    let (q, pool, client, _) = match checked(&h, &page, raw.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form = form_fields(&body);
    let username = form.get("username").map(|u| u.trim().to_string()).unwrap_or_default();
    let mut v = view(&q, &pool, &username);
    if !page.is_form_genuine(&form) {
        v.message = Some(STALE_FORM.into());
        return page.render(&h, StatusCode::FORBIDDEN, "confirm_forgot.html", v);
    }
    let code = form.get("code").map(|c| c.trim().to_string()).unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    match h.domain.confirm_forgot_password(&pool, &client, &username, &code, &password).await {
        Ok(()) => redirect(&with_username(&page, "/login", &q, &username, Some("reset=1")), &[]),
        Err(e) => refused(&h, &page, v, "confirm_forgot.html", &e),
    }
}
