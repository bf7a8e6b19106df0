//! `/login` and what follows it: the sign-in form, then each challenge the domain asks for —
//! an MFA code (authenticator app, SMS, email), the choice between MFA factors, TOTP set-up with
//! a QR code, a new password — until the user is signed in. Then the browser gets a sign-in
//! session cookie and goes back to the application with a code (or, implicit, tokens).

use std::collections::{BTreeMap, HashMap};

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use cognate_domain::Error;
use cognate_domain::clients::Client;
use cognate_domain::hosted::{Authorization, AuthorizeParams, LOGIN_SESSION_SECONDS, Prompt};
use cognate_domain::pools::UserPool;
use cognate_domain::signin::{AuthOutcome, Challenge};
use serde::Serialize;

use super::{
    Hosted, Page, SESSION_COOKIE, authorize_error, complete, cookie, current_login, form_fields, internal_page,
    query_of, redirect,
};
use crate::site::Site;

/// The OAuth request a page carries, with the page's own extras (`username`, notices).
pub(crate) struct PageQuery {
    pub(crate) params: AuthorizeParams,
    pub(crate) extras: HashMap<String, String>,
}

/// Parses a page's query: every parameter at most once (RFC 6749 §3.1).
pub(crate) fn parse_query(raw: Option<&str>) -> Result<PageQuery, String> {
    let pairs = crate::token::form(raw.unwrap_or_default().as_bytes())
        .map_err(|repeated| format!("The parameter {repeated} is repeated."))?;
    let mut seen: HashMap<String, String> = pairs.into_iter().collect();
    let mut take = |k: &str| seen.remove(k);
    let params = AuthorizeParams {
        response_type: take("response_type"),
        client_id: take("client_id"),
        redirect_uri: take("redirect_uri"),
        state: take("state"),
        scope: take("scope"),
        nonce: take("nonce"),
        code_challenge: take("code_challenge"),
        code_challenge_method: take("code_challenge_method"),
        identity_provider: take("identity_provider"),
        idp_identifier: take("idp_identifier"),
        prompt: take("prompt"),
        lang: take("lang"),
    };
    Ok(PageQuery { params, extras: seen })
}

/// A checked request behind a page, or the response that refuses it.
pub(crate) async fn checked(
    hosted: &Hosted,
    page: &Page<'_>,
    raw: Option<&str>,
) -> Result<(PageQuery, UserPool, Client, Authorization), Response> {
    let q = parse_query(raw).map_err(|m| page.error(hosted, StatusCode::BAD_REQUEST, &m))?;
    let (pool, client, a) = hosted
        .domain
        .check_authorization(&page.site.pool_id, &q.params)
        .await
        .map_err(|e| authorize_error(hosted, page, e))?;
    match hosted.domain.page_branding(&pool.id, &client.client_id, page.site.managed_login_version).await {
        Ok(b) => page.brand_with(super::Brand::of(b)),
        Err(e) => return Err(internal_page(hosted, page, &e)),
    }
    Ok((q, pool, client.for_hosted_ui(), a))
}

/// Another page of the flow, for `username`, with an optional flag (`confirmed=1`, …).
pub(crate) fn with_username(page: &Page<'_>, path: &str, q: &PageQuery, username: &str, flag: Option<&str>) -> String {
    let mut url = format!("{}?{}&username=", page.site.url(path), carried(q));
    url.extend(form_urlencoded::byte_serialize(username.as_bytes()));
    if let Some(f) = flag {
        url.push('&');
        url.push_str(f);
    }
    url
}

/// The query of the OAuth request, for the links and forms of a page.
pub(crate) fn carried(q: &PageQuery) -> String {
    let mut query = query_of(&q.params);
    if q.params.prompt.as_deref() == Some("login") {
        query.push_str("&prompt=login");
    }
    query
}

#[derive(Serialize)]
struct LoginView<'a> {
    query: String,
    username: &'a str,
    message: Option<&'a str>,
    notice: Option<&'static str>,
    can_sign_up: bool,
    username_label: &'static str,
    /// The other first factors the pool offers: (challenge name, button text).
    factors: Vec<(&'static str, &'static str)>,
}

pub(crate) fn username_label(pool: &UserPool) -> &'static str {
    let signs_in_with = |a: &str| pool.settings.username_attributes.iter().any(|u| u.as_str() == a);
    match (signs_in_with("email"), signs_in_with("phone_number")) {
        (true, true) => "Email address or phone number",
        (true, false) => "Email address",
        (false, true) => "Phone number",
        (false, false) => "Username",
    }
}

fn notice(q: &PageQuery) -> Option<&'static str> {
    if q.extras.contains_key("confirmed") {
        Some("Your account is confirmed. Sign in to continue.")
    } else if q.extras.contains_key("reset") {
        Some("Your password has been reset. Sign in with the new password.")
    } else {
        None
    }
}

fn login_page(
    hosted: &Hosted,
    page: &Page<'_>,
    q: &PageQuery,
    pool: &UserPool,
    status: StatusCode,
    username: &str,
    message: Option<&str>,
) -> Response {
    let can_sign_up =
        pool.settings.config.admin_create_user_config.as_ref().and_then(|c| c.allow_admin_create_user_only)
            != Some(true);
    let view = LoginView {
        query: carried(q),
        username,
        message,
        notice: notice(q),
        can_sign_up,
        username_label: username_label(pool),
        factors: cognate_domain::Domain::other_first_factors(pool)
            .into_iter()
            .map(|c| {
                let text = match c {
                    Challenge::WebAuthn => "Sign in with a passkey",
                    Challenge::EmailOtp => "Email me a sign-in code",
                    _ => "Text me a sign-in code",
                };
                (c.as_str(), text)
            })
            .collect(),
    };
    page.render(hosted, status, "login.html", view)
}

/// `GET /login`: the sign-in form, or straight back to the application with a live session.
pub(crate) async fn show(State(h): State<Hosted>, site: Site, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let page = Page::new(&site, &headers);
    let (q, pool, _, a) = match checked(&h, &page, raw.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if a.prompt != Some(Prompt::Login) {
        match current_login(&h, &site, &headers).await {
            Ok(Some(login)) => return complete(&h, &page, &a, &login, &[]).await,
            Ok(None) => {}
            Err(e) => return internal_page(&h, &page, &e),
        }
    }
    let username = q.extras.get("username").cloned().unwrap_or_default();
    login_page(&h, &page, &q, &pool, StatusCode::OK, &username, None)
}

/// `POST /login`: a username and password.
pub(crate) async fn submit(
    State(h): State<Hosted>,
    site: Site,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let page = Page::new(&site, &headers);
    let (q, pool, client, a) = match checked(&h, &page, raw.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form = form_fields(&body);
    if !page.is_form_genuine(&form) {
        return login_page(&h, &page, &q, &pool, StatusCode::FORBIDDEN, "", Some(STALE_FORM));
    }
    let username = form.get("username").map(|u| u.trim()).unwrap_or_default();
    let back = Back::Login { username: username.to_string() };
    if let Some(factor) = form.get("method").and_then(|m| Challenge::parse(m)) {
        if username.is_empty() {
            let m = "Enter your username.";
            return login_page(&h, &page, &q, &pool, StatusCode::BAD_REQUEST, username, Some(m));
        }
        let outcome = h.domain.hosted_first_factor(&pool, &client, username, factor).await;
        return next_step(&h, &page, &q, &pool, &a, outcome, &back).await;
    }
    let password = form.get("password").map(String::as_str).unwrap_or_default();
    if username.is_empty() || password.is_empty() {
        let m = "Enter your username and password.";
        return login_page(&h, &page, &q, &pool, StatusCode::BAD_REQUEST, username, Some(m));
    }
    let outcome = h.domain.hosted_password_sign_in(&pool, &client, username, password).await;
    next_step(&h, &page, &q, &pool, &a, outcome, &back).await
}

/// What the browser sent when it was refused because its form was not one this site gave it.
const STALE_FORM: &str = "The page expired. Please try again.";

/// Where an error sends the user back to.
enum Back {
    Login {
        username: String,
    },
    /// The challenge page that was answered, with what it showed.
    Challenge(Box<ChallengeView>),
}

/// A challenge page: which challenge, its sealed session, the user, and what it shows.
#[derive(Clone, Serialize)]
struct ChallengeView {
    challenge: &'static str,
    session: String,
    username: String,
    /// Code pages: what the code is and where it went.
    label: String,
    destination: Option<String>,
    /// SELECT_MFA_TYPE: the factors to choose from.
    options: Vec<(String, String)>,
    /// NEW_PASSWORD_REQUIRED: attributes the user must give.
    required_attributes: Vec<String>,
    /// WEB_AUTHN: the request options for `navigator.credentials.get()`, as JSON.
    passkey_options: Option<String>,
    /// MFA_SETUP: the secret, its otpauth URI as an SVG QR code (a data URI).
    secret: Option<String>,
    qr: Option<String>,
    message: Option<String>,
    query: String,
}

impl ChallengeView {
    fn template(&self) -> &'static str {
        match self.challenge {
            "SELECT_MFA_TYPE" => "select_mfa.html",
            "NEW_PASSWORD_REQUIRED" => "new_password.html",
            "MFA_SETUP" => "totp_setup.html",
            "WEB_AUTHN" => "passkey.html",
            _ => "code.html",
        }
    }
}

fn factor_label(name: &str) -> &'static str {
    match name {
        "SOFTWARE_TOKEN_MFA" => "Authenticator app",
        "SMS_MFA" | "SMS_OTP" => "Text message (SMS)",
        "EMAIL_OTP" => "Email",
        _ => "Other",
    }
}

/// The otpauth URI of a TOTP secret as an SVG QR code in a data URI.
fn qr_data_uri(uri: &str) -> Option<String> {
    use base64::Engine as _;
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build();
    Some(format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg)))
}

/// The QR code an authenticator app scans: `otpauth://totp/<pool>:<user>?secret=…&issuer=<pool>`.
fn totp_qr(pool: &UserPool, username: &str, secret: &str) -> Option<String> {
    let issuer = form_urlencoded::byte_serialize(pool.name.as_bytes()).collect::<String>();
    let account = form_urlencoded::byte_serialize(username.as_bytes()).collect::<String>();
    qr_data_uri(&format!("otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}"))
}

/// Answers a sign-in step: signed in (cookie, back to the application), the next challenge's
/// page, or the page the user came from with what went wrong.
#[allow(clippy::too_many_arguments)]
async fn next_step(
    h: &Hosted,
    page: &Page<'_>,
    q: &PageQuery,
    pool: &UserPool,
    a: &Authorization,
    outcome: Result<AuthOutcome, Error>,
    back: &Back,
) -> Response {
    let query = carried(q);
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return step_error(h, page, q, pool, back, e),
    };
    match outcome {
        AuthOutcome::SignedIn(signed_in) => {
            let (value, login) = match h.domain.open_login_session(pool, &signed_in) {
                Ok(x) => x,
                Err(e) => return internal_page(h, page, &e),
            };
            let session_cookie = cookie(page.site, SESSION_COOKIE, &value, LOGIN_SESSION_SECONDS);
            complete(h, page, a, &login, &[session_cookie]).await
        }
        AuthOutcome::Challenge { name, session, parameters } => {
            let Some(session) = session else {
                return internal_page(h, page, &Error::Internal(anyhow::anyhow!("a challenge without a session")));
            };
            let username = parameters
                .get("USERNAME")
                .cloned()
                .or_else(|| match back {
                    Back::Login { username } => Some(username.clone()),
                    Back::Challenge(v) => Some(v.username.clone()),
                })
                .unwrap_or_default();
            let mut view = ChallengeView {
                challenge: name.as_str(),
                session,
                username,
                label: String::new(),
                destination: parameters.get("CODE_DELIVERY_DESTINATION").cloned(),
                options: Vec::new(),
                required_attributes: Vec::new(),
                secret: None,
                qr: None,
                message: None,
                query,
                passkey_options: parameters.get("CREDENTIAL_REQUEST_OPTIONS").cloned(),
            };
            match name {
                Challenge::SoftwareTokenMfa => view.label = "Enter the code from your authenticator app.".into(),
                Challenge::SmsMfa | Challenge::SmsOtp => view.label = "Enter the code we sent by text message.".into(),
                Challenge::EmailOtp => view.label = "Enter the code we sent by email.".into(),
                Challenge::SelectMfaType => {
                    let choices: Vec<String> = parameters
                        .get("MFAS_CAN_CHOOSE")
                        .and_then(|c| serde_json::from_str(c).ok())
                        .unwrap_or_default();
                    view.options = choices.into_iter().map(|c| (factor_label(&c).to_string(), c)).collect();
                }
                Challenge::NewPasswordRequired => {
                    let required: Vec<String> = parameters
                        .get("requiredAttributes")
                        .and_then(|c| serde_json::from_str(c).ok())
                        .unwrap_or_default();
                    view.required_attributes =
                        required.into_iter().map(|a| a.trim_start_matches("userAttributes.").to_string()).collect();
                }
                Challenge::MfaSetup => {
                    let can_setup: Vec<String> =
                        parameters.get("MFAS_CAN_SETUP").and_then(|c| serde_json::from_str(c).ok()).unwrap_or_default();
                    if !can_setup.iter().any(|c| c == "SOFTWARE_TOKEN_MFA") {
                        let m = "This account must set up MFA by email or SMS, which the hosted UI cannot do yet; \
                                 see docs/COVERAGE.md.";
                        return page.error(h, StatusCode::BAD_REQUEST, m);
                    }
                    let (secret, next) = match h.domain.associate_software_token_in_setup(&view.session).await {
                        Ok(x) => x,
                        Err(e) => return step_error(h, page, q, pool, back, e),
                    };
                    view.qr = totp_qr(pool, &view.username, &secret);
                    view.secret = Some(secret);
                    view.session = next;
                }
                Challenge::WebAuthn => {}
                Challenge::PasswordVerifier
                | Challenge::CustomChallenge
                | Challenge::SelectChallenge
                | Challenge::DeviceSrpAuth
                | Challenge::DevicePasswordVerifier
                | Challenge::Password
                | Challenge::PasswordSrp => {
                    let m = format!("The hosted UI cannot answer the {} challenge yet.", name.as_str());
                    return page.error(h, StatusCode::BAD_REQUEST, &m);
                }
            }
            page.render(h, StatusCode::OK, view.template(), &view)
        }
        AuthOutcome::Tokens(_) | AuthOutcome::Select { .. } => {
            internal_page(h, page, &Error::Internal(anyhow::anyhow!("the hosted sign-in ended outside SignedIn")))
        }
    }
}

/// A failed step: the page it came from, with Cognito's words for what went wrong.
fn step_error(h: &Hosted, page: &Page<'_>, q: &PageQuery, pool: &UserPool, back: &Back, e: Error) -> Response {
    let username = match back {
        Back::Login { username } => username.clone(),
        Back::Challenge(v) => v.username.clone(),
    };
    let with_user = |path: &str, flag: Option<&str>| with_username(page, path, q, &username, flag);
    let message = match &e {
        Error::UserNotConfirmed(_) => return redirect(&with_user("/confirm", Some("resend=1")), &[]),
        Error::PasswordResetRequired(_) => return redirect(&with_user("/forgotPassword", None), &[]),
        Error::NotAuthorized(m)
        | Error::UserNotFound(m)
        | Error::CodeMismatch(m)
        | Error::ExpiredCode(m)
        | Error::InvalidPassword(m)
        | Error::InvalidParameter(m)
        | Error::LimitExceeded(m)
        | Error::CodeDeliveryFailure(m)
        | Error::AliasExists(m)
        | Error::ConcurrentUpdate(m) => m.clone(),
        _ => return internal_page(h, page, &e),
    };
    // A dead session cannot be answered again: start over.
    let session_is_dead = message.starts_with("Invalid session");
    match back {
        Back::Challenge(v) if !session_is_dead => {
            let mut v = (**v).clone();
            v.message = Some(message);
            page.render(h, StatusCode::BAD_REQUEST, v.template(), &v)
        }
        Back::Challenge(_) | Back::Login { .. } => {
            login_page(h, page, q, pool, StatusCode::BAD_REQUEST, &username, Some(&message))
        }
    }
}

/// `POST /login/challenge`: the answer to the challenge page shown last.
pub(crate) async fn answer(
    State(h): State<Hosted>,
    site: Site,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let page = Page::new(&site, &headers);
    let (q, pool, client, a) = match checked(&h, &page, raw.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let form = form_fields(&body);
    if !page.is_form_genuine(&form) {
        return login_page(&h, &page, &q, &pool, StatusCode::FORBIDDEN, "", Some(STALE_FORM));
    }
    let field = |k: &str| form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let Some(challenge) = Challenge::parse(&field("challenge")) else {
        return page.error(&h, StatusCode::BAD_REQUEST, "The form names no challenge.");
    };
    let username = field("username");
    let session = field("session");
    let secret = form.get("secret").cloned().filter(|s| s.bytes().all(|b| b.is_ascii_alphanumeric()));
    let view = ChallengeView {
        qr: secret.as_deref().and_then(|s| totp_qr(&pool, &username, s)),
        challenge: challenge.as_str(),
        session: session.clone(),
        username: username.clone(),
        label: field("label"),
        destination: form.get("destination").cloned(),
        options: Vec::new(),
        required_attributes: form
            .get("required_attributes")
            .map(|r| r.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect())
            .unwrap_or_default(),
        secret,
        message: None,
        query: carried(&q),
        passkey_options: form.get("passkey_options").cloned(),
    };
    let mut responses = BTreeMap::from([("USERNAME".to_string(), username)]);
    let outcome = match challenge {
        Challenge::SoftwareTokenMfa | Challenge::SmsMfa | Challenge::EmailOtp | Challenge::SmsOtp => {
            let key = match challenge {
                Challenge::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA_CODE",
                Challenge::SmsMfa => "SMS_MFA_CODE",
                Challenge::SmsOtp => "SMS_OTP_CODE",
                _ => "EMAIL_OTP_CODE",
            };
            responses.insert(key.into(), field("code"));
            h.domain.respond_to_challenge(&pool, &client, challenge, Some(&session), &responses).await
        }
        Challenge::SelectMfaType => {
            responses.insert("ANSWER".into(), field("answer"));
            h.domain.respond_to_challenge(&pool, &client, challenge, Some(&session), &responses).await
        }
        Challenge::NewPasswordRequired => {
            responses.insert("NEW_PASSWORD".into(), form.get("new_password").cloned().unwrap_or_default());
            for attr in &view.required_attributes {
                if let Some(v) = form.get(&format!("attr_{attr}")) {
                    responses.insert(format!("userAttributes.{attr}"), v.trim().to_string());
                }
            }
            h.domain.respond_to_challenge(&pool, &client, challenge, Some(&session), &responses).await
        }
        Challenge::WebAuthn => {
            responses.insert("CREDENTIAL".into(), form.get("credential").cloned().unwrap_or_default());
            h.domain.respond_to_challenge(&pool, &client, challenge, Some(&session), &responses).await
        }
        Challenge::MfaSetup => match h.domain.verify_software_token_in_setup(&session, &field("code")).await {
            Ok(verified) => h.domain.respond_to_challenge(&pool, &client, challenge, Some(&verified), &responses).await,
            Err(e) => Err(e),
        },
        Challenge::PasswordVerifier
        | Challenge::CustomChallenge
        | Challenge::SelectChallenge
        | Challenge::DeviceSrpAuth
        | Challenge::DevicePasswordVerifier
        | Challenge::Password
        | Challenge::PasswordSrp => {
            return page.error(&h, StatusCode::BAD_REQUEST, "The hosted UI does not answer this challenge.");
        }
    };
    let back = Back::Challenge(Box::new(view));
    next_step(&h, &page, &q, &pool, &a, outcome, &back).await
}
