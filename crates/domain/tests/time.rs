//! Rules that depend on time, checked with a clock the test moves: expired access tokens and
//! expired confirmation codes. (Over HTTP the server runs on the system clock.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use cognate_domain::clients::{ClientSettings, NewSecret};
use cognate_domain::passwords::Argon2Params;
use cognate_domain::pools::{NewPool, PoolConfig};
use cognate_domain::signin::{AuthOutcome, Challenge, Flow};
use cognate_domain::{Clock, Domain, DomainConfig, Error};
use cognate_messaging::{MessagingConfig, Messenger};
use cognate_model::cognito_idp as m;

struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

async fn domain(clock: Arc<TestClock>) -> Domain {
    let store = cognate_store_sqlite::SqliteStore::open("sqlite::memory:").await.unwrap();
    let messenger = Messenger::new(MessagingConfig { smtp: None, sms: None, outbox_capacity: 50 }).unwrap();
    Domain::new(
        Arc::new(store),
        clock,
        DomainConfig {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            issuer_base: "http://cognate.test".into(),
            domain_base_host: None,
            argon2: Argon2Params { memory_kib: 64, iterations: 1, parallelism: 1 },
            hash_concurrency: 1,
            master_key: cognate_domain::vault::MasterKey::generate(),
        },
        messenger,
    )
    .await
    .unwrap()
}

fn now_ms() -> i64 {
    i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()).unwrap()
}

#[tokio::test]
async fn expired_access_tokens_and_codes_are_refused() {
    let clock = Arc::new(TestClock(AtomicI64::new(now_ms() - 3 * 3600 * 1000)));
    let d = domain(clock.clone()).await;
    let pool = d
        .create_user_pool(NewPool {
            name: "time".into(),
            config: PoolConfig {
                auto_verified_attributes: Some(vec![m::VerifiedAttributeType::Email]),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    let settings = ClientSettings {
        explicit_auth_flows: Some(vec![m::ExplicitAuthFlowsType::AllowUserPasswordAuth]),
        ..Default::default()
    };
    let client = d.create_client(&pool.id, "app".into(), NewSecret::None, settings).await.unwrap();
    let (user, _) =
        d.sign_up(&pool, &client, "ada", "Passw0rd!", vec![("email".into(), "ada@example.com".into())]).await.unwrap();
    let code = d
        .messenger()
        .outbox()
        .last()
        .and_then(|e| cognate_testkit_free::code(&e.message.body))
        .expect("a code in the outbox");

    // 25 hours later the sign-up code has expired.
    clock.0.fetch_add(25 * 3600 * 1000, Ordering::SeqCst);
    match d.confirm_sign_up(&pool, &client, &user.username, &code).await {
        Err(Error::ExpiredCode(m)) => assert_eq!(m, "Invalid code provided, please request a code again."),
        other => panic!("expected ExpiredCode, got {other:?}"),
    }

    // Tokens minted three hours ago (by this clock) have expired by the system clock.
    clock.0.store(now_ms() - 3 * 3600 * 1000, Ordering::SeqCst);
    d.admin_confirm_sign_up(&pool, "ada").await.unwrap();
    let params = BTreeMap::from([
        ("USERNAME".to_string(), "ada".to_string()),
        ("PASSWORD".to_string(), "Passw0rd!".to_string()),
    ]);
    let AuthOutcome::Tokens(tokens) =
        d.initiate_auth(&pool, &client, Flow::UserPassword, &params, false).await.unwrap()
    else {
        panic!("expected tokens");
    };
    match d.authorize(&tokens.access_token).await {
        Err(Error::NotAuthorized(m)) => assert_eq!(m, "Access Token has expired"),
        other => panic!("expected an expired token, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn challenge_sessions_expire() {
    let clock = Arc::new(TestClock(AtomicI64::new(now_ms())));
    let d = domain(clock.clone()).await;
    let pool = d.create_user_pool(NewPool { name: "sessions".into(), ..Default::default() }).await.unwrap();
    let settings = ClientSettings {
        explicit_auth_flows: Some(vec![m::ExplicitAuthFlowsType::AllowUserPasswordAuth]),
        ..Default::default()
    };
    let client = d.create_client(&pool.id, "app".into(), NewSecret::None, settings).await.unwrap();
    let create = cognate_domain::accounts::AdminCreate {
        username: "bo".into(),
        temporary_password: Some("Temp-pass-1".into()),
        message_action: Some(m::MessageActionType::Suppress),
        ..Default::default()
    };
    d.admin_create_user(&pool, create).await.unwrap();
    let params = BTreeMap::from([
        ("USERNAME".to_string(), "bo".to_string()),
        ("PASSWORD".to_string(), "Temp-pass-1".to_string()),
    ]);
    let AuthOutcome::Challenge { session: Some(session), .. } =
        d.initiate_auth(&pool, &client, Flow::UserPassword, &params, false).await.unwrap()
    else {
        panic!("expected NEW_PASSWORD_REQUIRED");
    };
    // AuthSessionValidity defaults to three minutes.
    clock.0.fetch_add(4 * 60 * 1000, Ordering::SeqCst);
    let responses = BTreeMap::from([
        ("USERNAME".to_string(), "bo".to_string()),
        ("NEW_PASSWORD".to_string(), "N3w-pass-word".to_string()),
    ]);
    match d.respond_to_challenge(&pool, &client, Challenge::NewPasswordRequired, Some(&session), &responses).await {
        Err(Error::NotAuthorized(m)) => assert_eq!(m, "Invalid session for the user, session is expired."),
        other => panic!("expected an expired session, got {:?}", other.map(|_| ())),
    }
}

/// The first run of six digits in a message (the test kit has the same helper for HTTP tests).
mod cognate_testkit_free {
    pub fn code(body: &str) -> Option<String> {
        let chars: Vec<char> = body.chars().collect();
        chars.windows(6).find(|w| w.iter().all(char::is_ascii_digit)).map(|w| w.iter().collect())
    }
}

/// A correctly signed access token with an absurd `iat` (found by the `jwt` fuzz target) is
/// refused or accepted, but never overflows the sign-out check.
#[tokio::test]
async fn absurd_issue_times_do_not_overflow() {
    let clock = Arc::new(TestClock(AtomicI64::new(now_ms())));
    let d = domain(clock.clone()).await;
    let pool = d.create_user_pool(NewPool { name: "iat".into(), ..Default::default() }).await.unwrap();
    let create = cognate_domain::accounts::AdminCreate {
        username: "ivy".into(),
        message_action: Some(m::MessageActionType::Suppress),
        ..Default::default()
    };
    let user = d.admin_create_user(&pool, create).await.unwrap();
    let attributes = BTreeMap::new();
    let minted = d
        .mint(&cognate_domain::tokens::Grant {
            pool_id: &pool.id,
            client_id: "client",
            username: &user.username,
            sub: &user.sub,
            attributes: &attributes,
            groups: &[],
            origin_jti: "origin",
            auth_time: 9_223_372_036_854_775,
            now: 9_223_372_036_854_775,
            access_seconds: 3600,
            id_seconds: 3600,
            scope: cognate_domain::auth::ADMIN_SCOPE,
            device_key: None,
            nonce: None,
            with_id_token: true,
            with_at_hash: false,
        })
        .await
        .unwrap();
    let _ = d.authorize(&minted.access_token).await;
}

/// Authorization codes live five minutes, and the hosted UI's sign-in session an hour: past
/// those, the code is `invalid_grant` and the session no session.
#[tokio::test]
async fn expired_authorization_codes_and_sign_in_sessions_are_refused() {
    let clock = Arc::new(TestClock(AtomicI64::new(now_ms() - 3 * 3600 * 1000)));
    let d = domain(clock.clone()).await;
    let pool = d.create_user_pool(NewPool { name: "codes".into(), ..Default::default() }).await.unwrap();
    let settings = ClientSettings {
        allowed_oauth_flows_user_pool_client: Some(true),
        allowed_oauth_flows: Some(vec![m::OAuthFlowType::Code]),
        allowed_oauth_scopes: Some(vec!["openid".into()]),
        callback_urls: Some(vec!["http://localhost/cb".into()]),
        supported_identity_providers: Some(vec!["COGNITO".into()]),
        ..Default::default()
    };
    let client = d.create_client(&pool.id, "web".into(), NewSecret::None, settings).await.unwrap();
    let create = cognate_domain::accounts::AdminCreate {
        username: "cody".into(),
        message_action: Some(m::MessageActionType::Suppress),
        ..Default::default()
    };
    d.admin_create_user(&pool, create).await.unwrap();
    d.admin_set_user_password(&pool, "cody", "Passw0rd!", true).await.unwrap();
    let params = cognate_domain::hosted::AuthorizeParams {
        client_id: Some(client.client_id.clone()),
        response_type: Some("code".into()),
        redirect_uri: Some("http://localhost/cb".into()),
        ..Default::default()
    };
    let (pool, hosted, a) = d.check_authorization(&pool.id, &params).await.unwrap();
    let hosted = hosted.for_hosted_ui();
    let AuthOutcome::SignedIn(signed_in) =
        d.hosted_password_sign_in(&pool, &hosted, "cody", "Passw0rd!").await.unwrap()
    else {
        panic!("a signed-in outcome");
    };
    let (cookie, login) = d.open_login_session(&pool, &signed_in).unwrap();
    let code = d.authorization_code(&a, &login).unwrap();
    let exchange = |code: String| {
        let (d, id) = (d.clone(), client.client_id.clone());
        async move { d.exchange_code(None, &id, None, &code, Some("http://localhost/cb"), None).await }
    };
    // Just inside five minutes the code works; a second code just outside does not.
    clock.0.fetch_add(299_000, Ordering::SeqCst);
    exchange(code).await.unwrap();
    let late = d.authorization_code(&a, &login).unwrap();
    clock.0.fetch_add(300_001, Ordering::SeqCst);
    assert!(matches!(exchange(late).await, Err(Error::InvalidGrant(_))));
    // The sign-in session lasts an hour from the sign-in.
    assert!(d.login_session(&pool.id, &cookie).await.unwrap().is_some());
    clock.0.fetch_add(3600 * 1000, Ordering::SeqCst);
    assert!(d.login_session(&pool.id, &cookie).await.unwrap().is_none());
    // And a session of one pool is none of another's.
    let other = d.create_user_pool(NewPool { name: "other".into(), ..Default::default() }).await.unwrap();
    clock.0.fetch_sub(3600 * 1000, Ordering::SeqCst);
    assert!(d.login_session(&other.id, &cookie).await.unwrap().is_none());
}

#[tokio::test]
async fn temporary_credentials_and_identity_tokens_expire() {
    use cognate_domain::access_keys::{KeyOwner, TokenCheck};
    let clock = Arc::new(TestClock(AtomicI64::new(now_ms())));
    let d = domain(clock.clone()).await;
    let user = d.create_iam_user("dev", None, None, Vec::new()).await.unwrap();
    let policy =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#;
    d.put_user_policy(&user.name, "assume", policy).await.unwrap();
    let (key, _) = d.create_user_access_key(&user.name).await.unwrap();
    let acting = d.acting_as(&key).await.unwrap().expect("an active user key acts");
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/dev"},"Action":"sts:AssumeRole"}]}"#;
    let role = d
        .create_role(cognate_domain::iam::NewRole {
            name: "r".into(),
            trust_policy: trust.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let request = cognate_domain::iam::sts::SessionRequest {
        role_arn: role.arn("000000000000"),
        session_name: "s".into(),
        duration_secs: Some(900),
        ..Default::default()
    };
    let context = acting.context(&cognate_domain::iam::principals::RequestFacts::default());
    let session = d.assume_role(&acting, context, &request).await.unwrap();
    let token = session.issued.session_token.clone().unwrap();
    let stored = d.find_access_key(&session.issued.key.access_key_id).await.unwrap().unwrap();
    assert!(matches!(stored.owner, KeyOwner::Role(_)));
    assert_eq!(stored.check_session(Some(&token), clock.now_ms()), TokenCheck::Valid);
    assert_eq!(stored.check_session(Some("another token"), clock.now_ms()), TokenCheck::Invalid);
    assert_eq!(stored.check_session(None, clock.now_ms()), TokenCheck::Invalid);
    // Fifteen minutes later the session has expired (and a wrong token is still just invalid).
    clock.0.fetch_add(900 * 1000, Ordering::SeqCst);
    assert_eq!(stored.check_session(Some(&token), clock.now_ms()), TokenCheck::Expired);
    assert_eq!(stored.check_session(Some("another token"), clock.now_ms()), TokenCheck::Invalid);

    // A developer identity's OpenID token expires after its TokenDuration.
    let pool = d
        .create_identity_pool(cognate_model::cognito_identity::CreateIdentityPoolInput {
            identity_pool_name: "dev".into(),
            allow_unauthenticated_identities: false,
            allow_classic_flow: Some(true),
            developer_provider_name: Some("login.example".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let logins = BTreeMap::from([("login.example".to_string(), "user-1".to_string())]);
    let (_, token) =
        d.open_id_token_for_developer(&pool.settings.identity_pool_id, None, &logins, None, Some(60)).await.unwrap();
    assert!(d.verify_open_id_token(&token).await.unwrap().is_some());
    clock.0.fetch_add(61 * 1000, Ordering::SeqCst);
    let expired = d.verify_open_id_token(&token).await;
    assert!(matches!(expired, Err(Error::Iam(cognate_domain::IamError::ExpiredToken, _))), "{expired:?}");
}
