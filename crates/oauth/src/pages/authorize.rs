//! `GET /oauth2/authorize` (RFC 6749 §4.1.1, §4.2.1; OIDC Core §3.1.2): checks the request, then
//! sends a browser with a live sign-in session straight back to the application, and any other
//! to the sign-in page with the request's parameters, as Cognito does.
//! <https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html>

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use cognate_domain::hosted::{AuthorizeError, Prompt};

use super::login::{carried, checked};
use super::{Hosted, Page, authorize_error, complete, current_login, internal_page, redirect};
use crate::site::Site;

pub(crate) async fn authorize(
    State(h): State<Hosted>,
    site: Site,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let page = Page::new(&site, &headers);
    let (q, _, _, a) = match checked(&h, &page, raw.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let login = match current_login(&h, &site, &headers).await {
        Ok(l) => l,
        Err(e) => return internal_page(&h, &page, &e),
    };
    match (login, a.prompt) {
        (Some(login), None | Some(Prompt::None)) => complete(&h, &page, &a, &login, &[]).await,
        (None, Some(Prompt::None)) => {
            let e = AuthorizeError::Redirect {
                redirect_uri: a.redirect_uri.clone(),
                error: "login_required",
                description: "The user is not signed in.".into(),
                state: a.state.clone(),
                fragment: a.response_type == cognate_domain::hosted::ResponseType::Token,
            };
            authorize_error(&h, &page, e)
        }
        (_, Some(Prompt::Login) | None) => redirect(&format!("{}?{}", site.url("/login"), carried(&q)), &[]),
    }
}
