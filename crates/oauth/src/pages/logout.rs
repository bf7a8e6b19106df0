//! `GET /logout` (Cognito's logout endpoint): ends the browser's sign-in session — the cookie is
//! cleared and the session refused on every node from now on — then either goes to a registered
//! sign-out URL (`client_id` + `logout_uri`) or back to the sign-in page (`client_id` +
//! `redirect_uri` + `response_type`, the form that signs in again). An unregistered address is
//! never redirected to. <https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html>

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::login::{carried, checked, parse_query};
use super::{Hosted, Page, SESSION_COOKIE, cookie, cookies, internal_page, redirect};
use crate::site::Site;

pub(crate) async fn logout(
    State(h): State<Hosted>,
    site: Site,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let page = Page::new(&site, &headers);
    let q = match parse_query(raw.as_deref()) {
        Ok(q) => q,
        Err(m) => return page.error(&h, StatusCode::BAD_REQUEST, &m),
    };
    let Some(client_id) = q.params.client_id.clone().filter(|c| !c.is_empty()) else {
        return page.error(&h, StatusCode::BAD_REQUEST, "client_id is required.");
    };
    // Where to go next must be known good before the session ends.
    let next = if let Some(logout_uri) = q.extras.get("logout_uri") {
        match h.domain.check_logout(&site.pool_id, &client_id, logout_uri).await {
            Ok(true) => logout_uri.clone(),
            Ok(false) => {
                return page.error(&h, StatusCode::BAD_REQUEST, "The logout_uri is not a sign-out URL of the client.");
            }
            Err(e) => return internal_page(&h, &page, &e),
        }
    } else if q.params.redirect_uri.is_some() {
        match checked(&h, &page, raw.as_deref()).await {
            Ok((q, ..)) => format!("{}?{}", site.url("/login"), carried(&q)),
            Err(r) => return r,
        }
    } else {
        return page.error(&h, StatusCode::BAD_REQUEST, "logout_uri, or redirect_uri and response_type, is required.");
    };
    if let Some(value) = cookies(&headers).remove(SESSION_COOKIE)
        && let Err(e) = h.domain.end_login_session(&site.pool_id, &value).await
    {
        return internal_page(&h, &page, &e);
    }
    redirect(&next, &[cookie(&site, SESSION_COOKIE, "", 0)])
}
