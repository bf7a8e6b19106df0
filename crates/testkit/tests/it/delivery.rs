//! Message delivery through a real SMTP server (a test sink), and password hashing bursts that
//! must not starve token checks.

use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use cognate_server::config::SmtpSecurity;
use cognate_testkit::{Backend, TestServer, extract_code};

use crate::helpers::{PASSWORD, confirmed_user, pool_and_client, sign_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_codes_are_emailed_over_smtp() -> anyhow::Result<()> {
    let sink = cognate_messaging::testing::start_smtp_sink().await;
    let port = sink.port();
    let server = TestServer::start_with(Backend::Sqlite, |c| {
        c.smtp_host = Some("127.0.0.1".into());
        c.smtp_port = port;
        c.smtp_tls = SmtpSecurity::None;
        c.email_from = "auth@cognate.test".into();
        c.outbox = Some(false);
    })
    .await?
    .unwrap();
    let (pool, client) = pool_and_client(&server, false).await;
    let idp = server.idp();
    idp.sign_up()
        .client_id(&client)
        .username("mia")
        .password(PASSWORD)
        .user_attributes(
            aws_sdk_cognitoidentityprovider::types::AttributeType::builder()
                .name("email")
                .value("mia@example.com")
                .build()?,
        )
        .send()
        .await?;
    sink.wait_for(1, Duration::from_secs(10)).await;
    let mail = sink.messages().pop().expect("one email");
    assert_eq!(mail.to, vec!["mia@example.com".to_string()]);
    assert!(mail.from.contains("auth@cognate.test"), "{}", mail.from);
    assert_eq!(mail.subject().as_deref(), Some("Your verification code"));
    let code = extract_code(&mail.body()).expect("a code in the email");
    idp.confirm_sign_up().client_id(&client).username("mia").confirmation_code(code).send().await?;
    let user = idp.admin_get_user().user_pool_id(&pool).username("mia").send().await?;
    assert_eq!(user.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hash_burst_does_not_starve_get_user() -> anyhow::Result<()> {
    let server = TestServer::start(Backend::Sqlite).await?.unwrap();
    let (_, client) = pool_and_client(&server, false).await;
    confirmed_user(&server, &client, "nia", "nia@example.com").await;
    let access = sign_in(&server, &client, "nia", PASSWORD).await.access_token().unwrap().to_string();

    // Sign-ins of 64 different names: each costs a password hash (unknown names as much as known
    // ones), none is throttled by one user's lockout, and together they keep the hash workers
    // busy for far longer than the GetUser calls below take.
    const BURST: usize = 64;
    let pending = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(BURST));
    let mut burst = Vec::new();
    for i in 0..BURST {
        let idp = server.idp();
        let client = client.clone();
        let pending = pending.clone();
        burst.push(tokio::spawn(async move {
            let result = idp
                .initiate_auth()
                .client_id(client)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", format!("ghost{i}"))
                .auth_parameters("PASSWORD", PASSWORD)
                .send()
                .await;
            pending.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            result
        }));
    }
    // GetUser hashes nothing: every call is served while the burst still waits for its hashes.
    let idp = server.idp();
    for _ in 0..20 {
        let me = idp.get_user().access_token(&access).send().await?;
        assert_eq!(me.username(), "nia");
    }
    let still_waiting = pending.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        still_waiting > 0,
        "GetUser finished only after all {BURST} password checks did: it waited behind the hash queue"
    );
    for task in burst {
        let err = task.await?.expect_err("unknown users cannot sign in");
        let err = err.as_service_error().expect("a service error");
        assert!(err.is_user_not_found_exception() || err.is_not_authorized_exception(), "{err:?}");
    }
    server.stop().await
}
