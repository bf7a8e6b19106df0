//! The hosted UI and the OAuth 2.0 endpoints, driven like a browser would (cookies kept, forms
//! posted with their CSRF token, redirects read rather than followed): the authorization code
//! grant with PKCE and nonce, the implicit grant, single sign-on and sign-out, MFA, sign-up and
//! recovery pages, userInfo, revocation — and every way of getting them wrong.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, OAuthFlowType, PreventUserExistenceErrorTypes, VerifiedAttributeType,
};
use base64::Engine as _;
use cognate_testkit::{TestServer, both_backends};
use sha2::Digest as _;

use crate::helpers::{PASSWORD, attr, code, totp_code, verify_jwt};

pub const CALLBACK: &str = "http://localhost:3000/callback";
pub const LOGOUT: &str = "http://localhost:3000/signed-out";

/// A browser: keeps cookies per name, never follows redirects.
pub struct Browser {
    http: reqwest::Client,
    cookies: HashMap<String, String>,
}

/// A response as the browser saw it.
pub struct Seen {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Seen {
    /// The value of a hidden or text input named `name`.
    pub fn input(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(unescape(&self.body[start..end]))
    }

    /// The action of the first form.
    pub fn action(&self) -> String {
        let start = self.body.find("action=\"").expect("a form") + 8;
        let end = self.body[start..].find('"').unwrap() + start;
        unescape(&self.body[start..end])
    }

    /// The text of the first element with `id`.
    pub fn text_of(&self, id: &str) -> Option<String> {
        let marker = format!("id=\"{id}\">");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('<')? + start;
        Some(unescape(&self.body[start..end]))
    }

    /// A query parameter of the redirect.
    pub fn location_param(&self, name: &str) -> Option<String> {
        let url = url::Url::parse(self.location.as_deref()?).ok()?;
        let in_query = url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        in_query.or_else(|| {
            let fragment = url.fragment()?;
            form_urlencoded_parse(fragment).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
        })
    }
}

fn form_urlencoded_parse(s: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s.as_bytes()).into_owned().collect()
}

fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

impl Browser {
    pub fn new() -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { http, cookies: HashMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn seen(&mut self, resp: reqwest::Response) -> Seen {
        for v in resp.headers().get_all("set-cookie") {
            let text = v.to_str().unwrap();
            let (pair, rest) = text.split_once(';').unwrap_or((text, ""));
            let (k, val) = pair.split_once('=').unwrap();
            if rest.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        let status = resp.status().as_u16();
        let location = resp.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        Seen { status, location, body: resp.text().await.unwrap() }
    }

    pub async fn get(&mut self, url: &str) -> Seen {
        let resp = self.http.get(url).header("cookie", self.cookie_header()).send().await.unwrap();
        self.seen(resp).await
    }

    /// Posts a form, adding the CSRF token the browser's cookie holds.
    pub async fn post(&mut self, url: &str, fields: &[(&str, &str)]) -> Seen {
        let csrf = self.cookies.get("XSRF-TOKEN").cloned().unwrap_or_default();
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("_csrf", &csrf));
        let resp = self.http.post(url).header("cookie", self.cookie_header()).form(&form).send().await.unwrap();
        self.seen(resp).await
    }

    pub fn cookie(&self, name: &str) -> Option<&String> {
        self.cookies.get(name)
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.into(), value.into());
    }
}

/// A pool with a prefix domain, a confirmed user `alice` (email verified) and a public client
/// allowed the code and implicit flows: (pool, base URL of the domain, client ID).
pub async fn hosted_pool(server: &TestServer, prevent: bool) -> (String, String, String) {
    let idp = server.idp();
    let pool = idp
        .create_user_pool()
        .pool_name("hosted")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    // A prefix from the pool's random part, clear of Cognito's reserved words.
    let random = pool.rsplit('_').next().unwrap().to_lowercase().replace('a', "x");
    let prefix = format!("h-{random}");
    idp.create_user_pool_domain().user_pool_id(&pool).domain(&prefix).send().await.unwrap();
    let client = web_client(server, &pool, "web", false, prevent).await.0;
    idp.admin_create_user()
        .user_pool_id(&pool)
        .username("alice")
        .user_attributes(attr("email", "alice@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .user_attributes(attr("given_name", "Alice"))
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    idp.admin_set_user_password()
        .user_pool_id(&pool)
        .username("alice")
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
    (pool, format!("{}/domains/{prefix}", server.base_url), client)
}

/// An app client for the hosted UI: (client ID, secret).
pub async fn web_client(
    server: &TestServer,
    pool: &str,
    name: &str,
    secret: bool,
    prevent: bool,
) -> (String, Option<String>) {
    let c = server
        .idp()
        .create_user_pool_client()
        .user_pool_id(pool)
        .client_name(name)
        .generate_secret(secret)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_flows(OAuthFlowType::Implicit)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .allowed_o_auth_scopes("aws.cognito.signin.user.admin")
        .callback_urls(CALLBACK)
        .logout_urls(LOGOUT)
        .supported_identity_providers("COGNITO")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .prevent_user_existence_errors(if prevent {
            PreventUserExistenceErrorTypes::Enabled
        } else {
            PreventUserExistenceErrorTypes::Legacy
        })
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    (c.client_id.unwrap(), c.client_secret)
}

pub fn pkce() -> (String, String) {
    let verifier = format!("verifier-{}", uuid_like());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn uuid_like() -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{t:040}")
}

pub fn authorize_url(base: &str, client: &str, extra: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("client_id", client).append_pair("redirect_uri", CALLBACK);
    if !extra.iter().any(|(k, _)| *k == "response_type") {
        q.append_pair("response_type", "code");
    }
    for (k, v) in extra {
        q.append_pair(k, v);
    }
    format!("{base}/oauth2/authorize?{}", q.finish())
}

/// Signs `username` in through the pages: returns the final redirect (to the callback).
pub async fn sign_in_through_pages(browser: &mut Browser, authorize: &str, username: &str, password: &str) -> Seen {
    let to_login = browser.get(authorize).await;
    assert_eq!(to_login.status, 302, "{}", to_login.body);
    let login = browser.get(to_login.location.as_deref().unwrap()).await;
    assert_eq!(login.status, 200, "{}", login.body);
    browser.post(&login.action(), &[("username", username), ("password", password)]).await
}

pub async fn exchange(
    server: &TestServer,
    base: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, serde_json::Value) {
    let mut req = server.http().post(format!("{base}/oauth2/token")).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or_default())
}

both_backends! {
    async fn code_flow_with_pkce_nonce_userinfo_refresh_and_revocation(server: TestServer) {
        let (pool, base, client) = hosted_pool(&server, false).await;
        let (verifier, challenge) = pkce();
        let mut b = Browser::new();
        let authorize = authorize_url(&base, &client, &[
            ("scope", "openid email"), ("state", "xyz"), ("nonce", "n-0S6_WzA2Mj"),
            ("code_challenge", &challenge), ("code_challenge_method", "S256"),
        ]);
        let back = sign_in_through_pages(&mut b, &authorize, "alice", PASSWORD).await;
        assert_eq!(back.status, 302, "{}", back.body);
        assert!(back.location.as_deref().unwrap().starts_with(CALLBACK), "{:?}", back.location);
        assert_eq!(back.location_param("state").as_deref(), Some("xyz"));
        let cookie = b.cookie("cognito").expect("a sign-in session cookie").clone();
        assert!(!cookie.is_empty());
        let code_value = back.location_param("code").unwrap();

        let (status, tokens) = exchange(&server, &base, &[
            ("grant_type", "authorization_code"), ("client_id", &client), ("code", &code_value),
            ("redirect_uri", CALLBACK), ("code_verifier", &verifier),
        ], None).await;
        assert_eq!(status, 200, "{tokens}");
        assert_eq!(tokens["token_type"], "Bearer");
        assert!(tokens["refresh_token"].is_string(), "a code exchange always gets a refresh token");
        let id = verify_jwt(&server, &pool, tokens["id_token"].as_str().unwrap()).await;
        assert_eq!(id["nonce"], "n-0S6_WzA2Mj");
        assert_eq!(id["aud"], client.as_str());
        assert_eq!(id["email"], "alice@example.com");
        assert!(id.get("given_name").is_none(), "openid email limits the ID token to email claims");
        let access_token = tokens["access_token"].as_str().unwrap();
        let digest = sha2::Sha256::digest(access_token.as_bytes());
        assert_eq!(id["at_hash"], base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]));
        let access = verify_jwt(&server, &pool, access_token).await;
        assert_eq!(access["scope"], "openid email");
        assert_eq!(access["username"], "alice");

        let info: serde_json::Value = server.http().get(format!("{base}/oauth2/userInfo"))
            .bearer_auth(access_token).send().await?.json().await?;
        assert_eq!(info["username"], "alice");
        assert_eq!(info["sub"], id["sub"]);
        assert_eq!(info["email"], "alice@example.com");
        assert_eq!(info["email_verified"], "true");
        assert!(info.get("given_name").is_none());
        // POST works too.
        let post = server.http().post(format!("{base}/oauth2/userInfo")).bearer_auth(access_token).send().await?;
        assert_eq!(post.status(), 200);

        // A token without aws.cognito.signin.user.admin cannot call GetUser.
        let e = server.idp().get_user().access_token(access_token).send().await.unwrap_err();
        assert_eq!(code(&e.into_service_error()), "NotAuthorizedException");

        // Refresh keeps the granted scopes.
        let refresh = tokens["refresh_token"].as_str().unwrap();
        let (status, refreshed) = exchange(&server, &base, &[
            ("grant_type", "refresh_token"), ("client_id", &client), ("refresh_token", refresh),
        ], None).await;
        assert_eq!(status, 200, "{refreshed}");
        let access2 = verify_jwt(&server, &pool, refreshed["access_token"].as_str().unwrap()).await;
        assert_eq!(access2["scope"], "openid email");
        let id2 = verify_jwt(&server, &pool, refreshed["id_token"].as_str().unwrap()).await;
        assert!(id2.get("given_name").is_none());

        // Revocation ends the refresh token and the access tokens issued with it.
        let revoked = server.http().post(format!("{base}/oauth2/revoke"))
            .form(&[("token", refresh), ("client_id", &client)]).send().await?;
        assert_eq!(revoked.status(), 200);
        let (status, body) = exchange(&server, &base, &[
            ("grant_type", "refresh_token"), ("client_id", &client), ("refresh_token", refresh),
        ], None).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
        let after = server.http().get(format!("{base}/oauth2/userInfo")).bearer_auth(access_token).send().await?;
        assert_eq!(after.status(), 401);
        assert!(after.headers().get("www-authenticate").unwrap().to_str()?.starts_with("Bearer error=\"invalid_token\""));
        // An access token is not revocable here; an unknown token is not an error (RFC 7009).
        let access_revoke = server.http().post(format!("{base}/oauth2/revoke"))
            .form(&[("token", access_token), ("client_id", client.as_str())]).send().await?;
        assert_eq!(access_revoke.status(), 400);
        let unknown = server.http().post(format!("{base}/oauth2/revoke"))
            .form(&[("token", "not-a-token"), ("client_id", client.as_str())]).send().await?;
        assert_eq!(unknown.status(), 200);
        Ok(())
    }

    async fn authorization_request_errors(server: TestServer) {
        let (pool, base, client) = hosted_pool(&server, false).await;
        let mut b = Browser::new();
        // An unregistered redirect URI is never redirected to.
        let url = format!("{base}/oauth2/authorize?client_id={client}&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&state=s");
        let seen = b.get(&url).await;
        assert_eq!(seen.status, 400);
        assert!(seen.location.is_none());
        assert!(seen.text_of("error-message").unwrap().contains("redirect_mismatch"));
        // So is a redirect URI that only starts like a registered one.
        let seen = b.get(&authorize_url(&base, &client, &[]).replace("callback", "callback%2F..%2Fx")).await;
        assert_eq!(seen.status, 400);
        assert!(seen.location.is_none());
        // An unknown client, or one of another pool.
        let other_pool = crate::helpers::new_pool(&server, "other").await;
        let (foreign, _) = web_client(&server, &other_pool, "foreign", false, false).await;
        for c in ["nosuchclient", foreign.as_str()] {
            let seen = b.get(&authorize_url(&base, c, &[])).await;
            assert_eq!(seen.status, 400, "{c}");
            assert!(seen.location.is_none());
        }
        // After the redirect URI is known good, errors go back to it with the state.
        let seen = b.get(&authorize_url(&base, &client, &[("scope", "openid phone"), ("state", "s1")])).await;
        assert_eq!(seen.status, 302);
        assert_eq!(seen.location_param("error").as_deref(), Some("invalid_scope"));
        assert_eq!(seen.location_param("state").as_deref(), Some("s1"));
        let seen = b.get(&authorize_url(&base, &client, &[("response_type", "id_token")])).await;
        assert_eq!(seen.location_param("error").as_deref(), Some("unsupported_response_type"));
        let seen = b.get(&authorize_url(&base, &client, &[("code_challenge", "short")])).await;
        assert_eq!(seen.location_param("error").as_deref(), Some("invalid_request"));
        let seen = b.get(&authorize_url(&base, &client, &[("prompt", "none")])).await;
        assert_eq!(seen.location_param("error").as_deref(), Some("login_required"));
        // A repeated parameter.
        let seen = b.get(&format!("{}&client_id={client}", authorize_url(&base, &client, &[]))).await;
        assert_eq!(seen.status, 400);
        // A client without the code flow.
        let plain = server.idp().create_user_pool_client().user_pool_id(&pool).client_name("plain")
            .allowed_o_auth_flows_user_pool_client(true).allowed_o_auth_flows(OAuthFlowType::Implicit)
            .allowed_o_auth_scopes("openid").callback_urls(CALLBACK).supported_identity_providers("COGNITO")
            .send().await?.user_pool_client.unwrap().client_id.unwrap();
        let seen = b.get(&authorize_url(&base, &plain, &[])).await;
        assert_eq!(seen.location_param("error").as_deref(), Some("unauthorized_client"));
        // An unknown domain.
        let seen = b.get(&format!("{}/domains/nosuchdomain/oauth2/authorize?client_id={client}", server.base_url)).await;
        assert_eq!(seen.status, 404);
        Ok(())
    }

    async fn a_global_sign_out_ends_the_hosted_session(server: TestServer) {
        let (pool, base, client) = hosted_pool(&server, false).await;
        let mut b = Browser::new();
        sign_in_through_pages(&mut b, &authorize_url(&base, &client, &[]), "alice", PASSWORD).await;
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        server.idp().admin_user_global_sign_out().user_pool_id(&pool).username("alice").send().await?;
        let after = b.get(&authorize_url(&base, &client, &[])).await;
        assert!(after.location.unwrap().contains("/login?"));
        Ok(())
    }

    async fn implicit_grant_puts_tokens_in_the_fragment(server: TestServer) {
        let (pool, base, client) = hosted_pool(&server, false).await;
        let mut b = Browser::new();
        let back = sign_in_through_pages(&mut b, &authorize_url(&base, &client, &[
            ("response_type", "token"), ("scope", "openid profile aws.cognito.signin.user.admin"), ("state", "st"), ("nonce", "nn"),
        ]), "alice", PASSWORD).await;
        let location = back.location.clone().unwrap();
        assert!(location.starts_with(&format!("{CALLBACK}#")), "{location}");
        assert!(back.location_param("refresh_token").is_none());
        assert_eq!(back.location_param("state").as_deref(), Some("st"));
        let id = verify_jwt(&server, &pool, &back.location_param("id_token").unwrap()).await;
        assert_eq!(id["nonce"], "nn");
        assert_eq!(id["given_name"], "Alice");
        assert!(id.get("email").is_none(), "profile without email");
        // With the admin scope the access token calls GetUser.
        let user = server.idp().get_user().access_token(back.location_param("access_token").unwrap()).send().await?;
        assert_eq!(user.username(), "alice");
        Ok(())
    }

    async fn totp_mfa_through_the_pages(server: TestServer) {
        let (pool, base, client) = hosted_pool(&server, false).await;
        let idp = server.idp();
        idp.set_user_pool_mfa_config().user_pool_id(&pool)
            .software_token_mfa_configuration(aws_sdk_cognitoidentityprovider::types::SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .mfa_configuration(aws_sdk_cognitoidentityprovider::types::UserPoolMfaType::On).send().await?;
        // First sign-in: MFA set-up with a QR code.
        let mut b = Browser::new();
        let setup = sign_in_through_pages(&mut b, &authorize_url(&base, &client, &[]), "alice", PASSWORD).await;
        assert_eq!(setup.status, 200, "{}", setup.body);
        assert!(unescape(&setup.body).contains("src=\"data:image/svg+xml;base64,"), "a QR code");
        let secret = setup.text_of("totp-secret").unwrap();
        let wrong = b.post(&setup.action(), &[
            ("challenge", "MFA_SETUP"), ("session", &setup.input("session").unwrap()), ("username", "alice"),
            ("secret", &secret), ("code", "000000"),
        ]).await;
        assert_eq!(wrong.status, 400, "a wrong code is refused");
        let done = b.post(&setup.action(), &[
            ("challenge", "MFA_SETUP"), ("session", &setup.input("session").unwrap()), ("username", "alice"),
            ("secret", &secret), ("code", &totp_code(&secret, 0)),
        ]).await;
        assert_eq!(done.status, 302, "{}", done.body);
        assert!(done.location_param("code").is_some());
        // Next sign-in (another browser): the code page.
        let mut b2 = Browser::new();
        let challenge = sign_in_through_pages(&mut b2, &authorize_url(&base, &client, &[]), "alice", PASSWORD).await;
        assert_eq!(challenge.input("challenge").as_deref(), Some("SOFTWARE_TOKEN_MFA"), "{}", challenge.body);
        let session = challenge.input("session").unwrap();
        let bad = b2.post(&challenge.action(), &[("challenge", "SOFTWARE_TOKEN_MFA"), ("session", &session), ("username", "alice"), ("code", "123")]).await;
        assert_eq!(bad.status, 400);
        let ok = b2.post(&challenge.action(), &[("challenge", "SOFTWARE_TOKEN_MFA"), ("session", &session), ("username", "alice"), ("code", &totp_code(&secret, 1))]).await;
        assert_eq!(ok.status, 302, "{}", ok.body);
        assert!(ok.location_param("code").is_some());
        // The session answered once.
        let replay = b2.post(&challenge.action(), &[("challenge", "SOFTWARE_TOKEN_MFA"), ("session", &session), ("username", "alice"), ("code", &totp_code(&secret, 1))]).await;
        assert_ne!(replay.status, 302);
        // A hosted session cannot be answered through the API.
        let api = idp.respond_to_auth_challenge().client_id(&client)
            .challenge_name(aws_sdk_cognitoidentityprovider::types::ChallengeNameType::SoftwareTokenMfa)
            .session(&session).challenge_responses("USERNAME", "alice").challenge_responses("SOFTWARE_TOKEN_MFA_CODE", totp_code(&secret, -1))
            .send().await.unwrap_err();
        assert_eq!(code(&api.into_service_error()), "NotAuthorizedException");
        Ok(())
    }

    async fn sign_up_confirm_and_reset_through_the_pages(server: TestServer) {
        let (_, base, client) = hosted_pool(&server, false).await;
        let mut b = Browser::new();
        let to_login = b.get(&authorize_url(&base, &client, &[("state", "su")])).await;
        let login = b.get(to_login.location.as_deref().unwrap()).await;
        let signup_url = format!("{base}/signup?{}", login.action().split_once('?').unwrap().1);
        let signup = b.get(&signup_url).await;
        assert_eq!(signup.status, 200);
        assert!(signup.body.contains("name=\"attr_email\""), "the pool's code channel is asked for");
        let weak = b.post(&signup.action(), &[("username", "bob"), ("password", "short"), ("attr_email", "bob@example.com")]).await;
        assert_eq!(weak.status, 400);
        let created = b.post(&signup.action(), &[("username", "bob"), ("password", PASSWORD), ("attr_email", "bob@example.com")]).await;
        assert_eq!(created.status, 302, "{}", created.body);
        let confirm = b.get(created.location.as_deref().unwrap()).await;
        let wrong = b.post(&confirm.action(), &[("username", "bob"), ("code", "000000"), ("action", "confirm")]).await;
        assert_eq!(wrong.status, 400);
        let code_value = server.last_code("bob@example.com").await?;
        let confirmed = b.post(&confirm.action(), &[("username", "bob"), ("code", &code_value), ("action", "confirm")]).await;
        assert_eq!(confirmed.status, 302, "{}", confirmed.body);
        let login = b.get(confirmed.location.as_deref().unwrap()).await;
        assert!(login.body.contains("Your account is confirmed"));
        let back = b.post(&login.action(), &[("username", "bob"), ("password", PASSWORD)]).await;
        assert_eq!(back.status, 302);
        assert_eq!(back.location_param("state").as_deref(), Some("su"));
        // Recovery.
        let forgot = b.get(&format!("{base}/forgotPassword?{}", login.action().split_once('?').unwrap().1)).await;
        let sent = b.post(&forgot.action(), &[("username", "bob")]).await;
        assert_eq!(sent.status, 302, "{}", sent.body);
        let reset = b.get(sent.location.as_deref().unwrap()).await;
        let reset_code = server.last_code("bob@example.com").await?;
        let done = b.post(&reset.action(), &[("username", "bob"), ("code", &reset_code), ("password", "N3w-Passw0rd!")]).await;
        assert_eq!(done.status, 302, "{}", done.body);
        let mut fresh = Browser::new();
        let back = sign_in_through_pages(&mut fresh, &authorize_url(&base, &client, &[]), "bob", "N3w-Passw0rd!").await;
        assert_eq!(back.status, 302);
        assert!(back.location_param("code").is_some());
        Ok(())
    }

    async fn custom_domains_are_served_by_host(server: TestServer) {
        let (pool, _, client) = hosted_pool(&server, false).await;
        let name = format!("auth-{}.example.com", pool.rsplit('_').next().unwrap().to_lowercase());
        server.idp().create_user_pool_domain().user_pool_id(&pool).domain(&name)
            .custom_domain_config(aws_sdk_cognitoidentityprovider::types::CustomDomainConfigType::builder()
                .certificate_arn("arn:aws:acm:us-east-1:000000000000:certificate/x").build()?)
            .send().await?;
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        let resp = http.get(format!("{}/oauth2/authorize?client_id={client}&response_type=code&redirect_uri={}",
            server.base_url, url::form_urlencoded::byte_serialize(CALLBACK.as_bytes()).collect::<String>()))
            .header("host", &name).send().await?;
        assert_eq!(resp.status(), 302);
        let location = resp.headers()["location"].to_str()?.to_string();
        assert!(location.starts_with(&format!("http://{name}/login?")), "{location}");
        let cookie_path = server.http().get(location.replace(&format!("http://{name}"), &server.base_url)).header("host", &name).send().await?;
        let set_cookie = cookie_path.headers()["set-cookie"].to_str()?.to_string();
        assert!(set_cookie.contains("Path=/;"), "{set_cookie}");
        Ok(())
    }
}

/// With `domain_base_host` set, a prefix domain answers on `<prefix>.<base host>`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefix_domains_answer_on_the_base_host() -> anyhow::Result<()> {
    let Some(server) =
        TestServer::start_with(cognate_testkit::Backend::Sqlite, |c| c.domain_base_host = Some("auth.test".into()))
            .await?
    else {
        return Ok(());
    };
    let (pool, base, client) = hosted_pool(&server, false).await;
    let prefix = base.rsplit('/').next().unwrap().to_string();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let authorize = authorize_url(&server.base_url, &client, &[]);
    let resp = http.get(&authorize).header("host", format!("{prefix}.auth.test")).send().await?;
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str()?.to_string();
    assert!(location.starts_with(&format!("http://{prefix}.auth.test/login?")), "{location}");
    // Another host under the base names no domain, and the main host has no hosted UI.
    assert_eq!(http.get(&authorize).header("host", "nosuch.auth.test").send().await?.status(), 404);
    assert_eq!(http.get(&authorize).send().await?.status(), 404);
    let discovery: serde_json::Value = server
        .http()
        .get(format!("{}/{pool}/.well-known/openid-configuration", server.base_url))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(discovery["authorization_endpoint"], format!("http://{prefix}.auth.test/oauth2/authorize"));
    Ok(())
}

both_backends! {
    async fn a_one_time_code_by_email_signs_in_through_the_pages(server: TestServer) {
        let idp = server.idp();
        let (pool, base, client) = hosted_pool(&server, true).await;
        let policy = aws_sdk_cognitoidentityprovider::types::SignInPolicyType::builder()
            .allowed_first_auth_factors(aws_sdk_cognitoidentityprovider::types::AuthFactorType::Password)
            .allowed_first_auth_factors(aws_sdk_cognitoidentityprovider::types::AuthFactorType::EmailOtp)
            .build();
        idp.update_user_pool().user_pool_id(&pool)
            .auto_verified_attributes(VerifiedAttributeType::Email)
            .policies(aws_sdk_cognitoidentityprovider::types::UserPoolPolicyType::builder().sign_in_policy(policy).build())
            .send().await?;
        let mut b = Browser::new();
        let to_login = b.get(&authorize_url(&base, &client, &[("state", "otp")])).await;
        let login = b.get(to_login.location.as_deref().unwrap()).await;
        assert!(login.body.contains("Email me a sign-in code"));
        let page = b.post(&login.action(), &[("method", "EMAIL_OTP"), ("username", "alice")]).await;
        assert_eq!(page.input("challenge").as_deref(), Some("EMAIL_OTP"), "{}", page.body);
        // An unknown name gets the same page (this client hides users), with a decoy destination.
        let decoy = b.post(&login.action(), &[("method", "EMAIL_OTP"), ("username", "nobody")]).await;
        assert_eq!((decoy.status, decoy.input("challenge")), (page.status, page.input("challenge")));
        let code_value = server.last_code("alice@example.com").await?;
        let done = b.post(&page.action(), &[
            ("challenge", "EMAIL_OTP"), ("session", &page.input("session").unwrap()), ("username", "alice"), ("code", &code_value),
        ]).await;
        assert_eq!(done.status, 302, "{}", done.body);
        assert_eq!(done.location_param("state").as_deref(), Some("otp"));
        assert!(done.location_param("code").is_some());
        Ok(())
    }
}
