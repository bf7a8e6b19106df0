//! Hostile cases, each a regression test for something an attack found: signed requests replayed
//! with another body or operation, parallel guesses racing a lockout, racing refresh-token
//! rotations, replayed challenge sessions, unknown users told apart from known ones, and tokens
//! of a sign-in in the same second as a global sign-out. Future work adds its hostile cases here.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, AttributeType, AuthFactorType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType,
    FeatureType, PreventUserExistenceErrorTypes, RefreshTokenRotationType, SchemaAttributeType, SignInPolicyType,
    SoftwareTokenMfaConfigType, SoftwareTokenMfaSettingsType, UserPoolMfaType, UserPoolPolicyType,
};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use cognate_testkit::{TestServer, both_backends};

use crate::helpers::code;
use crate::helpers::{IDP, error_of};
use crate::helpers::{PASSWORD, confirmed_user, password_step, pool_and_client, sign_in, totp_code};

/// The headers and body of every request an SDK client sends, as it sent them (signed).
#[derive(Clone, Debug, Default)]
struct Capture(Arc<Mutex<Vec<Captured>>>);

/// One request: its headers and body.
type Captured = (Vec<(String, String)>, Vec<u8>);

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "capture"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let headers = request.headers().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let body = request.body().bytes().map(<[u8]>::to_vec).unwrap_or_default();
        self.0.lock().unwrap().push((headers, body));
        Ok(())
    }
}

/// The SDK client of the test kit, with a capture of what it sends.
fn capturing_idp(server: &TestServer) -> (aws_sdk_cognitoidentityprovider::Client, Capture) {
    let capture = Capture::default();
    let creds = aws_credential_types::Credentials::new(
        &server.access_key_id,
        &server.secret_access_key,
        None,
        None,
        "security-tests",
    );
    let config = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(aws_sdk_cognitoidentityprovider::config::BehaviorVersion::latest())
        .region(aws_sdk_cognitoidentityprovider::config::Region::new("us-east-1"))
        .endpoint_url(&server.base_url)
        .credentials_provider(creds)
        .interceptor(capture.clone())
        .build();
    (aws_sdk_cognitoidentityprovider::Client::from_conf(config), capture)
}

/// Sends captured headers again with `body`, changing or adding `overrides`.
async fn replay(
    server: &TestServer,
    headers: &[(String, String)],
    body: &[u8],
    overrides: &[(&str, &str)],
) -> reqwest::Response {
    let mut builder = reqwest::Client::new().post(format!("{}/", server.base_url)).body(body.to_vec());
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("content-length") || overrides.iter().any(|(o, _)| o.eq_ignore_ascii_case(name)) {
            continue;
        }
        builder = builder.header(name.as_str(), value.as_str());
    }
    for (name, value) in overrides {
        builder = builder.header(*name, *value);
    }
    builder.send().await.unwrap()
}

fn sha256_hex(body: &[u8]) -> String {
    use sha2::Digest as _;
    hex_of(&sha2::Sha256::digest(body))
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn admin_user(server: &TestServer, pool: &str, name: &str) {
    server
        .idp()
        .admin_create_user()
        .user_pool_id(pool)
        .username(name)
        .temporary_password("Temp-pass-1")
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
}

/// Signs `body` for `<IDP>.<op>` leaving `x-amz-target` out of the signed headers, as a client
/// that does not sign it would.
async fn signed_without_target(server: &TestServer, op: &str, body: &str, scope_service: &str) -> reqwest::Response {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    let url = format!("{}/", server.base_url);
    let host = url.trim_start_matches("http://").trim_end_matches('/').to_string();
    let headers = [("content-type", "application/x-amz-json-1.1".to_string()), ("host", host)];
    let identity =
        aws_credential_types::Credentials::new(&server.access_key_id, &server.secret_access_key, None, None, "t")
            .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(scope_service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "POST",
        &url,
        headers.iter().map(|(k, v)| (*k, v.as_str())),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut req = http::Request::builder().method("POST").uri(&url);
    for (k, v) in &headers {
        req = req.header(*k, v);
    }
    let mut req = req.body(body.to_string()).unwrap();
    instructions.apply_to_request_http1x(&mut req);
    let mut builder = reqwest::Client::new().post(&url).body(body.to_string());
    for (k, v) in req.headers() {
        builder = builder.header(k.as_str(), v.to_str().unwrap());
    }
    builder.header("x-amz-target", format!("{IDP}.{op}")).send().await.unwrap()
}

/// Runs `n` copies of `make(i)` at once and returns their results in order.
async fn all_at_once<T, F, Fut>(n: usize, make: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(make(i))).collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// The error code and message of an SDK error (or "ok").
fn outcome<T, E: ProvideErrorMetadata>(r: &Result<T, E>) -> (String, String) {
    match r {
        Ok(_) => ("ok".into(), String::new()),
        Err(e) => (code(e), e.message().unwrap_or_default().to_string()),
    }
}

both_backends! {
    /// A captured, signed AdminSetUserPassword replayed with another body (another user's name,
    /// an attacker's password) is refused, with or without a matching payload-hash header.
    async fn signed_body_cannot_be_swapped(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        admin_user(&server, &pool, "alice").await;
        admin_user(&server, &pool, "bob").await;
        let (capturing, capture) = capturing_idp(&server);
        capturing
            .admin_set_user_password()
            .user_pool_id(&pool)
            .username("alice")
            .password("Alice-pass-1")
            .permanent(true)
            .send()
            .await?;
        let (headers, body) = capture.0.lock().unwrap().last().cloned().unwrap();
        assert!(String::from_utf8_lossy(&body).contains("alice"));

        let forged = String::from_utf8(body.clone())?.replace("alice", "bob").replace("Alice-pass-1", "Owned-pass-1");
        let (status, kind, _, _) = error_of(replay(&server, &headers, forged.as_bytes(), &[]).await).await;
        assert_eq!((status, kind.as_str()), (400, "InvalidSignatureException"), "another body, same signature");

        let claimed = sha256_hex(forged.as_bytes());
        let resp = replay(&server, &headers, forged.as_bytes(), &[("x-amz-content-sha256", &claimed)]).await;
        let (status, kind, _, _) = error_of(resp).await;
        assert!(status >= 400 && kind.contains("Signature"), "a payload hash header does not rebind it: {kind}");

        let resp = replay(&server, &headers, forged.as_bytes(), &[("x-amz-content-sha256", "UNSIGNED-PAYLOAD")]).await;
        let (status, kind, _, _) = error_of(resp).await;
        assert!(status >= 400 && kind.contains("Signature"), "UNSIGNED-PAYLOAD is refused: {kind}");

        // Bob's password was never changed: the forged one does not sign him in.
        let err = idp
            .admin_initiate_auth()
            .user_pool_id(&pool)
            .client_id(&client)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "bob")
            .auth_parameters("PASSWORD", "Owned-pass-1")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "NotAuthorizedException");

        // The identical request is what was signed, and still works inside the signing window.
        let resp = replay(&server, &headers, &body, &[]).await;
        assert_eq!(resp.status(), 200);
        server.stop().await
    }

    /// A captured signed request cannot be pointed at another operation, and an operation header
    /// outside the signature is refused, so AdminGetUser cannot become AdminDisableUser.
    async fn signed_operation_cannot_be_swapped(server: TestServer) {
        let idp = server.idp();
        let pool = crate::helpers::new_pool(&server, "target").await;
        admin_user(&server, &pool, "carol").await;
        let (capturing, capture) = capturing_idp(&server);
        capturing.admin_get_user().user_pool_id(&pool).username("carol").send().await?;
        let (headers, body) = capture.0.lock().unwrap().last().cloned().unwrap();
        let target = format!("{IDP}.AdminDisableUser");
        let (status, kind, _, _) = error_of(replay(&server, &headers, &body, &[("x-amz-target", &target)]).await).await;
        assert_eq!((status, kind.as_str()), (400, "InvalidSignatureException"));

        let body = format!(r#"{{"UserPoolId":"{pool}","Username":"carol"}}"#);
        let resp = signed_without_target(&server, "AdminDisableUser", &body, "cognito-idp").await;
        let (status, kind, message, _) = error_of(resp).await;
        assert_eq!((status, kind.as_str()), (400, "IncompleteSignatureException"), "{message}");
        assert!(message.contains("x-amz-target"), "{message}");
        let user = idp.admin_get_user().user_pool_id(&pool).username("carol").send().await?;
        assert!(user.enabled(), "carol is still enabled");
        server.stop().await
    }

    /// A signature scoped to another service is not accepted for this one.
    async fn signature_scope_must_name_the_service(server: TestServer) {
        let (status, kind, message, _) = error_of(
            crate::helpers::signed_for_service(
                &server,
                "ListUserPools",
                r#"{"MaxResults":1}"#,
                "cognito-identity",
            )
            .await,
        )
        .await;
        assert_eq!((status, kind.as_str()), (400, "InvalidSignatureException"), "{message}");
        server.stop().await
    }

    /// 100 wrong passwords at once lock the account after the free attempts: no more than five
    /// are ever evaluated, and the right password is refused until the lock ends.
    async fn parallel_wrong_passwords_lock_the_account(server: TestServer) {
        let (_, client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &client, "lia", "lia@example.com").await;
        let attempt = |password: String| {
            let idp = server.idp();
            let client = client.clone();
            async move {
                idp.initiate_auth()
                    .client_id(client)
                    .auth_flow(AuthFlowType::UserPasswordAuth)
                    .auth_parameters("USERNAME", "lia")
                    .auth_parameters("PASSWORD", password)
                    .send()
                    .await
            }
        };
        let results = all_at_once(100, |i| attempt(format!("Wrong-pass-{i}"))).await;
        let outcomes: Vec<(String, String)> = results.iter().map(outcome).collect();
        let evaluated = outcomes.iter().filter(|(_, m)| m == "Incorrect username or password.").count();
        let refused = outcomes.iter().filter(|(_, m)| m == "Password attempts exceeded").count();
        assert!(outcomes.iter().all(|(c, _)| c == "NotAuthorizedException"), "{outcomes:?}");
        assert_eq!((evaluated, refused), (5, 95), "five evaluated, the rest refused by the lock");
        let err = attempt(PASSWORD.to_string()).await.unwrap_err();
        assert_eq!(err.message(), Some("Password attempts exceeded"), "the right password is refused while locked");
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        assert!(attempt(PASSWORD.to_string()).await.is_ok(), "the lock ends");
        server.stop().await
    }

    /// The right password racing 59 wrong ones (as #55 of 60) does not get through once the
    /// lock has begun.
    async fn right_password_in_a_burst_is_refused(server: TestServer) {
        let (_, client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &client, "mae", "mae@example.com").await;
        let results = all_at_once(60, |i| {
            let idp = server.idp();
            let client = client.clone();
            let password = if i == 54 { PASSWORD.to_string() } else { format!("Wrong-pass-{i}") };
            async move {
                idp.initiate_auth()
                    .client_id(client)
                    .auth_flow(AuthFlowType::UserPasswordAuth)
                    .auth_parameters("USERNAME", "mae")
                    .auth_parameters("PASSWORD", password)
                    .send()
                    .await
            }
        })
        .await;
        let evaluated = results.iter().filter(|r| r.as_ref().err().and_then(|e| e.message()) != Some("Password attempts exceeded")).count();
        assert!(evaluated <= 5, "at most five of 60 were evaluated: {evaluated}");
        let successes = results.iter().filter(|r| r.is_ok()).count();
        assert!(successes <= 1, "{successes}");
        if successes == 1 {
            assert!(results[54].is_ok() && evaluated <= 5, "only as one of the first five");
        }
        server.stop().await
    }

    /// Wrong codes for a password reset racing each other: five are evaluated, the rest are
    /// refused, and then the right code is refused too.
    async fn parallel_code_guesses_are_limited(server: TestServer) {
        let (_, client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &client, "ned", "ned@example.com").await;
        server.idp().forgot_password().client_id(&client).username("ned").send().await?;
        let right = server.last_code("ned@example.com").await?;
        let results = all_at_once(40, |i| {
            let idp = server.idp();
            let client = client.clone();
            let guess = format!("{:06}", (right.parse::<u32>().unwrap() + 1 + i as u32) % 1_000_000);
            async move {
                idp.confirm_forgot_password()
                    .client_id(client)
                    .username("ned")
                    .confirmation_code(guess)
                    .password("New-pass-123")
                    .send()
                    .await
            }
        })
        .await;
        let codes: Vec<String> = results.iter().map(|r| outcome(r).0).collect();
        assert_eq!(codes.iter().filter(|c| *c == "CodeMismatchException").count(), 5, "{codes:?}");
        assert_eq!(codes.iter().filter(|c| *c == "LimitExceededException").count(), 35, "{codes:?}");
        let err = server
            .idp()
            .confirm_forgot_password()
            .client_id(&client)
            .username("ned")
            .confirmation_code(&right)
            .password("New-pass-123")
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "LimitExceededException");
        server.stop().await
    }

    /// 40 wrong TOTP codes at once: five are evaluated, then the factor is locked.
    async fn parallel_totp_guesses_lock_the_factor(server: TestServer) {
        let (pool, client) = pool_and_client(&server, false).await;
        let (session, secret) = totp_user(&server, &pool, &client, "oda").await;
        let valid: Vec<String> = (-1..=1).map(|o| totp_code(&secret, o)).collect();
        let wrong: Vec<String> =
            (0..200).map(|i| format!("{:06}", 300_000 + i)).filter(|c| !valid.contains(c)).take(40).collect();
        let results = all_at_once(40, |i| {
            let idp = server.idp();
            let (client, session, guess) = (client.clone(), session.clone(), wrong[i].clone());
            async move {
                idp.respond_to_auth_challenge()
                    .client_id(client)
                    .challenge_name(ChallengeNameType::SoftwareTokenMfa)
                    .session(session)
                    .challenge_responses("USERNAME", "oda")
                    .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", guess)
                    .send()
                    .await
            }
        })
        .await;
        let codes: Vec<String> = results.iter().map(|r| outcome(r).0).collect();
        assert_eq!(codes.iter().filter(|c| *c == "CodeMismatchException").count(), 5, "{codes:?}");
        assert_eq!(codes.iter().filter(|c| *c == "NotAuthorizedException").count(), 35, "{codes:?}");
        server.stop().await
    }

    /// One valid TOTP code sent on several sessions at once signs in exactly once.
    async fn one_totp_code_signs_in_once(server: TestServer) {
        let (pool, client) = pool_and_client(&server, false).await;
        let (first, secret) = totp_user(&server, &pool, &client, "pia").await;
        let mut sessions = vec![first];
        for _ in 0..4 {
            sessions.push(password_step(&server, &client, "pia").await.session().unwrap().to_string());
        }
        let now = totp_code(&secret, 0);
        let results = all_at_once(sessions.len(), |i| {
            let idp = server.idp();
            let (client, session, answer) = (client.clone(), sessions[i].clone(), now.clone());
            async move {
                idp.respond_to_auth_challenge()
                    .client_id(client)
                    .challenge_name(ChallengeNameType::SoftwareTokenMfa)
                    .session(session)
                    .challenge_responses("USERNAME", "pia")
                    .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", answer)
                    .send()
                    .await
            }
        })
        .await;
        let codes: Vec<String> = results.iter().map(|r| outcome(r).0).collect();
        assert_eq!(codes.iter().filter(|c| *c == "ok").count(), 1, "{codes:?}");
        server.stop().await
    }

    /// 50 refreshes of one token at once with rotation on: exactly one gets tokens, and the old
    /// token is dead afterwards.
    async fn refresh_rotation_cannot_fork(server: TestServer) {
        let idp = server.idp();
        let (pool, _) = pool_and_client(&server, false).await;
        let client = idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("rotating")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .refresh_token_rotation(RefreshTokenRotationType::builder().feature(FeatureType::Enabled).build()?)
            .send()
            .await?
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        confirmed_user(&server, &client, "ray", "ray@example.com").await;
        let refresh = sign_in(&server, &client, "ray", PASSWORD).await.refresh_token().unwrap().to_string();
        let results = all_at_once(50, |_| {
            let idp = server.idp();
            let (client, refresh) = (client.clone(), refresh.clone());
            async move { idp.get_tokens_from_refresh_token().client_id(client).refresh_token(refresh).send().await }
        })
        .await;
        let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "exactly one of 50 concurrent rotations: {:?}", results.iter().map(outcome).collect::<Vec<_>>());
        let result = winners[0].authentication_result().unwrap();
        let next = result.refresh_token().unwrap();
        assert_ne!(next, refresh);
        idp.get_user().access_token(result.access_token().unwrap()).send().await?;
        let again = idp.get_tokens_from_refresh_token().client_id(&client).refresh_token(&refresh).send().await;
        assert_eq!(outcome(&again).0, "NotAuthorizedException", "the rotated token is dead");
        idp.get_tokens_from_refresh_token().client_id(&client).refresh_token(next).send().await?;
        server.stop().await
    }

    /// A NEW_PASSWORD_REQUIRED session answers once: replaying it cannot set another password.
    async fn new_password_session_answers_once(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        admin_user(&server, &pool, "sam").await;
        let started = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "sam")
            .auth_parameters("PASSWORD", "Temp-pass-1")
            .send()
            .await?;
        assert_eq!(started.challenge_name(), Some(&ChallengeNameType::NewPasswordRequired));
        let session = started.session().unwrap();
        let answer = |password: &'static str| {
            idp.respond_to_auth_challenge()
                .client_id(&client)
                .challenge_name(ChallengeNameType::NewPasswordRequired)
                .session(session)
                .challenge_responses("USERNAME", "sam")
                .challenge_responses("NEW_PASSWORD", password)
                .send()
        };
        answer("First-pass-1").await?;
        let err = answer("Second-pass-1").await.unwrap_err();
        assert_eq!(code(&err), "NotAuthorizedException");
        sign_in(&server, &client, "sam", "First-pass-1").await;
        server.stop().await
    }

    /// An MFA_SETUP session is spent as it is used: replaying the first one cannot bind another
    /// secret, and replaying the last one cannot sign in again without a code.
    async fn mfa_setup_sessions_answer_once(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        idp.set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .mfa_configuration(UserPoolMfaType::On)
            .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .send()
            .await?;
        confirmed_user(&server, &client, "tom", "tom@example.com").await;
        let first = password_step(&server, &client, "tom").await;
        assert_eq!(first.challenge_name(), Some(&ChallengeNameType::MfaSetup));
        let s1 = first.session().unwrap().to_string();
        let associated = idp.associate_software_token().session(&s1).send().await?;
        let secret = associated.secret_code().unwrap().to_string();
        let s2 = associated.session().unwrap().to_string();
        assert_ne!(s1, s2, "each step hands back a new session");
        let again = idp.associate_software_token().session(&s1).send().await;
        assert_eq!(outcome(&again).0, "NotAuthorizedException", "the first session cannot bind another secret");
        let verified =
            idp.verify_software_token().session(&s2).user_code(totp_code(&secret, 0)).send().await?;
        let s3 = verified.session().unwrap().to_string();
        let answer = || {
            idp.respond_to_auth_challenge()
                .client_id(&client)
                .challenge_name(ChallengeNameType::MfaSetup)
                .session(&s3)
                .challenge_responses("USERNAME", "tom")
                .send()
        };
        assert!(answer().await?.authentication_result().is_some());
        let replayed = answer().await;
        assert_eq!(outcome(&replayed).0, "NotAuthorizedException", "MFA_SETUP answers once");
        let skipped = idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::MfaSetup)
            .session(&s1)
            .challenge_responses("USERNAME", "tom")
            .send()
            .await;
        assert!(skipped.is_err(), "the first session never answers MFA_SETUP");
        server.stop().await
    }

    /// Tokens of a sign-in in the same second as a global sign-out work; those before it die.
    async fn sign_in_right_after_global_sign_out_works(server: TestServer) {
        let idp = server.idp();
        let (_, client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &client, "uli", "uli@example.com").await;
        for _ in 0..10 {
            let before = sign_in(&server, &client, "uli", PASSWORD).await;
            idp.global_sign_out().access_token(before.access_token().unwrap()).send().await?;
            let after = sign_in(&server, &client, "uli", PASSWORD).await;
            idp.get_user().access_token(after.access_token().unwrap()).send().await?;
            let refreshed = idp
                .initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::RefreshTokenAuth)
                .auth_parameters("REFRESH_TOKEN", after.refresh_token().unwrap())
                .send()
                .await?;
            assert!(refreshed.authentication_result().is_some());
            let dead = idp.get_user().access_token(before.access_token().unwrap()).send().await;
            assert_eq!(outcome(&dead).0, "NotAuthorizedException");
        }
        server.stop().await
    }

    /// With PreventUserExistenceErrors, a known and an unknown user get the same answers, field
    /// by field, from every operation that takes a bare username.
    async fn unknown_users_look_like_known_ones(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, true).await;
        confirmed_user(&server, &client, "vic", "vic@example.com").await;
        let known = "vic";
        let unknown = "zoe";

        // ForgotPassword: the same shape of destination, and the same send limit.
        for name in [known, unknown] {
            for i in 0..5 {
                let out = idp.forgot_password().client_id(&client).username(name).send().await?;
                let details = out.code_delivery_details().unwrap();
                let destination = details.destination().unwrap();
                assert!(is_masked_email(destination), "{name} #{i}: {destination}");
                assert_eq!(details.delivery_medium().map(|m| m.as_str()), Some("EMAIL"), "{name}");
                assert_eq!(details.attribute_name(), Some("email"), "{name}");
            }
            let err = idp.forgot_password().client_id(&client).username(name).send().await.unwrap_err();
            assert_eq!(code(&err), "LimitExceededException", "{name}: the sixth send is refused");
        }

        // ConfirmForgotPassword: CodeMismatch five times, then LimitExceeded, for both.
        for name in [known, unknown] {
            let mut codes = Vec::new();
            for _ in 0..6 {
                let r = idp
                    .confirm_forgot_password()
                    .client_id(&client)
                    .username(name)
                    .confirmation_code("000000")
                    .password("New-pass-123")
                    .send()
                    .await;
                codes.push(outcome(&r));
            }
            assert_eq!(codes[..5].iter().filter(|(c, _)| c == "CodeMismatchException").count(), 5, "{name}: {codes:?}");
            assert_eq!(codes[5].0, "LimitExceededException", "{name}: {codes:?}");
        }

        // ConfirmSignUp of a confirmed user and of nobody: the same error.
        let answers: Vec<(String, String)> = futures_of(&[known, unknown], |name| {
            idp.confirm_sign_up().client_id(&client).username(name).confirmation_code("123456").send()
        })
        .await;
        assert_eq!(answers[0], answers[1], "ConfirmSignUp");
        assert_eq!(answers[0].0, "CodeMismatchException");

        // ResendConfirmationCode: a delivery of the same shape.
        for name in [known, unknown] {
            let out = idp.resend_confirmation_code().client_id(&client).username(name).send().await?;
            let details = out.code_delivery_details().unwrap();
            assert!(is_masked_email(details.destination().unwrap()), "{name}");
            assert_eq!(details.attribute_name(), Some("email"));
        }

        // Password sign-in: "Incorrect" five times, then "Password attempts exceeded", for both.
        for name in [known, unknown] {
            let mut messages = Vec::new();
            for _ in 0..6 {
                let r = idp
                    .initiate_auth()
                    .client_id(&client)
                    .auth_flow(AuthFlowType::UserPasswordAuth)
                    .auth_parameters("USERNAME", name)
                    .auth_parameters("PASSWORD", "Wrong-pass-1")
                    .send()
                    .await;
                messages.push(outcome(&r));
            }
            let incorrect = ("NotAuthorizedException".to_string(), "Incorrect username or password.".to_string());
            assert!(messages[..5].iter().all(|m| *m == incorrect), "{name}: {messages:?}");
            assert_eq!(messages[5].1, "Password attempts exceeded", "{name}: {messages:?}");
        }
        let _ = pool;
        server.stop().await
    }

    /// USER_SRP_AUTH in an email-as-username pool: the same parameters, a salt of the same shape
    /// that stays the same, and an internal-looking USER_ID_FOR_SRP, for known and unknown users.
    async fn srp_challenges_do_not_tell_users_apart(server: TestServer) {
        let idp = server.idp();
        let pool = idp
            .create_user_pool()
            .pool_name("emails")
            .username_attributes(aws_sdk_cognitoidentityprovider::types::UsernameAttributeType::Email)
            .auto_verified_attributes(aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email)
            .send()
            .await?
            .user_pool
            .unwrap()
            .id
            .unwrap();
        let client = idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("srp")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
            .send()
            .await?
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        confirmed_user(&server, &client, "wes@example.com", "wes@example.com").await;
        let a_hex = format!("{:x}", 2u8);
        let mut shapes = Vec::new();
        for name in ["wes@example.com", "nobody@example.com"] {
            let mut salts = Vec::new();
            for _ in 0..2 {
                let out = idp
                    .initiate_auth()
                    .client_id(&client)
                    .auth_flow(AuthFlowType::UserSrpAuth)
                    .auth_parameters("USERNAME", name)
                    .auth_parameters("SRP_A", &a_hex)
                    .send()
                    .await?;
                assert_eq!(out.challenge_name(), Some(&ChallengeNameType::PasswordVerifier), "{name}");
                let p = out.challenge_parameters().unwrap();
                let mut keys: Vec<&String> = p.keys().collect();
                keys.sort();
                let salt = p["SALT"].clone();
                assert!(salt.len() == 32 || (salt.len() == 34 && salt.starts_with("00")), "{name}: {salt}");
                assert!(uuid_shaped(&p["USER_ID_FOR_SRP"]), "{name}: {}", p["USER_ID_FOR_SRP"]);
                assert_eq!(p["USERNAME"], p["USER_ID_FOR_SRP"], "{name}");
                salts.push(salt);
                shapes.push(keys.into_iter().cloned().collect::<Vec<String>>());
            }
            assert_eq!(salts[0], salts[1], "{name}: a user's salt stays the same");
        }
        assert!(shapes.windows(2).all(|w| w[0] == w[1]), "{shapes:?}");
        server.stop().await
    }

    /// USER_AUTH: a SELECT_CHALLENGE with the same choices for a known and an unknown user, and
    /// the same answer to a wrong password.
    async fn choice_based_sign_in_does_not_tell_users_apart(server: TestServer) {
        let idp = server.idp();
        let pool = idp
            .create_user_pool()
            .pool_name("choice")
            .auto_verified_attributes(aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email)
            .policies(
                UserPoolPolicyType::builder()
                    .sign_in_policy(
                        SignInPolicyType::builder()
                            .allowed_first_auth_factors(AuthFactorType::Password)
                            .allowed_first_auth_factors(AuthFactorType::EmailOtp)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await?
            .user_pool
            .unwrap()
            .id
            .unwrap();
        let client = idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("choice")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
            .send()
            .await?
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        confirmed_user(&server, &client, "xia", "xia@example.com").await;
        let mut seen = Vec::new();
        for name in ["xia", "yan"] {
            let out = idp
                .initiate_auth()
                .client_id(&client)
                .auth_flow(AuthFlowType::UserAuth)
                .auth_parameters("USERNAME", name)
                .send()
                .await?;
            assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SelectChallenge), "{name}");
            let available: Vec<String> = out.available_challenges().iter().map(|c| c.as_str().to_string()).collect();
            let answer = idp
                .respond_to_auth_challenge()
                .client_id(&client)
                .challenge_name(ChallengeNameType::SelectChallenge)
                .session(out.session().unwrap())
                .challenge_responses("USERNAME", name)
                .challenge_responses("ANSWER", "PASSWORD")
                .challenge_responses("PASSWORD", "Wrong-pass-1")
                .send()
                .await;
            seen.push((available, outcome(&answer)));
        }
        assert_eq!(seen[0], seen[1], "{seen:?}");
        assert_eq!(seen[0].1.1, "Incorrect username or password.");
        server.stop().await
    }
}

/// Runs `f` for each name and returns the (code, message) of each outcome.
async fn futures_of<'a, F, Fut, T, E>(names: &[&'a str], f: F) -> Vec<(String, String)>
where
    F: Fn(&'a str) -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    E: ProvideErrorMetadata,
{
    let mut out = Vec::new();
    for name in names {
        out.push(outcome(&f(name).await));
    }
    out
}

fn is_masked_email(destination: &str) -> bool {
    let b = destination.as_bytes();
    b.len() == 9 && &destination[1..5] == "***@" && &destination[6..] == "***" && b[0].is_ascii() && b[5].is_ascii()
}

fn uuid_shaped(s: &str) -> bool {
    s.len() == 36
        && s.chars()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// A confirmed user with TOTP MFA set up and preferred; returns a SOFTWARE_TOKEN_MFA session of
/// a new sign-in and the secret.
async fn totp_user(server: &TestServer, pool: &str, client: &str, name: &str) -> (String, String) {
    let idp = server.idp();
    idp.set_user_pool_mfa_config()
        .user_pool_id(pool)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
        .send()
        .await
        .unwrap();
    confirmed_user(server, client, name, &format!("{name}@example.com")).await;
    let access = sign_in(server, client, name, PASSWORD).await.access_token().unwrap().to_string();
    let secret = idp.associate_software_token().access_token(&access).send().await.unwrap().secret_code.unwrap();
    // Verify with the previous step's code, so the current one is still unused.
    idp.verify_software_token().access_token(&access).user_code(totp_code(&secret, -1)).send().await.unwrap();
    idp.set_user_mfa_preference()
        .access_token(&access)
        .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
        .send()
        .await
        .unwrap();
    let step = password_step(server, client, name).await;
    assert_eq!(step.challenge_name(), Some(&ChallengeNameType::SoftwareTokenMfa));
    (step.session().unwrap().to_string(), secret)
}

/// What the store holds for the server's secrets: the deployment secret, the admin key's secret,
/// a client secret and a pool's signing keys, as stored.
async fn stored_secrets(server: &TestServer, pool: &str, client: &str) -> Vec<(String, Vec<u8>)> {
    let store = cognate_server::open_store(&server.database_url).await.unwrap();
    let mut out = Vec::new();
    let deployment = store.get_or_create_secret("deployment-secret-v1", b"probe").await.unwrap();
    assert_ne!(deployment, b"probe", "the server stored its deployment secret");
    out.push(("deployment secret".to_string(), deployment));
    let key = store.find_access_key(&server.access_key_id).await.unwrap().unwrap();
    out.push(("access key secret".to_string(), key.secret_access_key.into_bytes()));
    let client = store.get_client(pool, client).await.unwrap();
    out.push(("client secret".to_string(), client.client_secret.unwrap().into_bytes()));
    for k in store.list_signing_keys(pool).await.unwrap() {
        out.push(("signing key".to_string(), k.private_pem.into_bytes()));
    }
    out
}

both_backends! {
    /// Every secret is stored encrypted under the master key, which is not in the database.
    async fn secrets_are_encrypted_at_rest(server: TestServer) {
        let idp = server.idp();
        let (pool, _) = pool_and_client(&server, false).await;
        let created = idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("confidential")
            .generate_secret(true)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .send()
            .await?
            .user_pool_client
            .unwrap();
        let (client, client_secret) = (created.client_id.unwrap(), created.client_secret.unwrap());
        for (what, stored) in stored_secrets(&server, &pool, &client).await {
            assert!(stored.starts_with(b"enc1:"), "{what} is stored encrypted");
            let text = String::from_utf8_lossy(&stored);
            assert!(!text.contains(&server.secret_access_key) && !text.contains(&client_secret), "{what}");
        }
        // The secrets still work: a client secret read back, a signed request verified.
        let described = idp.describe_user_pool_client().user_pool_id(&pool).client_id(&client).send().await?;
        assert_eq!(described.user_pool_client.unwrap().client_secret.as_deref(), Some(client_secret.as_str()));
        server.stop().await
    }
}

/// The embedded database alone is useless: its files are private, the master key is kept apart,
/// and a server given the database without the key refuses to start rather than run on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_file_alone_is_useless() -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let server = TestServer::start(cognate_testkit::Backend::Sqlite).await?.unwrap();
    let (pool, client) = pool_and_client(&server, false).await;
    confirmed_user(&server, &client, "kim", "kim@example.com").await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&server.data_dir), 0o700, "the data directory");
    let db = server.data_dir.join("cognate.sqlite3");
    for file in [db.clone(), server.data_dir.join("cognate.sqlite3-wal"), server.data_dir.join("master.key")] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    let bytes = [std::fs::read(&db)?, std::fs::read(server.data_dir.join("cognate.sqlite3-wal"))?].concat();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(&server.secret_access_key), "the admin secret is not in the database files");
    assert!(!text.contains("PRIVATE KEY"), "no signing key in clear");
    let _ = pool;
    let server_dir = server.data_dir.clone();
    let keep = tempfile::tempdir()?;
    for suffix in ["", "-wal"] {
        let from = server_dir.join(format!("cognate.sqlite3{suffix}"));
        std::fs::copy(&from, keep.path().join(format!("cognate.sqlite3{suffix}")))?;
    }
    server.stop().await?;
    let server_dir = keep.path().to_path_buf();

    // Copy the database, not the key, and start a server on it.
    let elsewhere = tempfile::tempdir()?;
    let copy = elsewhere.path().join("data");
    std::fs::create_dir(&copy)?;
    for suffix in ["", "-wal"] {
        let from = server_dir.join(format!("cognate.sqlite3{suffix}"));
        if from.exists() {
            std::fs::copy(&from, copy.join(format!("cognate.sqlite3{suffix}")))?;
        }
    }
    let config =
        cognate_server::Config { listen: "127.0.0.1:0".parse()?, data_dir: copy, ..cognate_server::Config::default() };
    let refused = cognate_server::Server::start(config).await;
    let message = format!("{:#}", refused.err().expect("a server without the master key must not start"));
    assert!(message.contains("COGNATE-KEY0001"), "{message}");
    Ok(())
}

/// A server with one-second deadlines and a small connection cap.
async fn strict_server(max_connections: usize) -> TestServer {
    TestServer::start_with(cognate_testkit::Backend::Sqlite, |c| {
        c.header_read_timeout_secs = 1;
        c.body_read_timeout_secs = 1;
        c.request_timeout_secs = 3;
        c.max_connections = max_connections;
    })
    .await
    .unwrap()
    .unwrap()
}

fn address(server: &TestServer) -> String {
    server.base_url.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection (or `limit` passes); returns what it sent.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, limit: Duration) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt as _;
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(out),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return None,
        }
    }
}

/// A client that sends half its headers, or its body a byte at a time, or idles on a kept-alive
/// connection, is cut off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_clients_are_cut_off() -> anyhow::Result<()> {
    use tokio::io::AsyncWriteExt as _;
    let server = strict_server(64).await;
    let addr = address(&server);

    let mut half = tokio::net::TcpStream::connect(&addr).await?;
    half.write_all(b"POST / HTTP/1.1\r\nHost: cognate\r\nX-Amz-Target: ").await?;
    assert!(read_until_closed(&mut half, Duration::from_secs(5)).await.is_some(), "half-sent headers are cut off");

    let mut trickle = tokio::net::TcpStream::connect(&addr).await?;
    trickle
        .write_all(
            b"POST / HTTP/1.1\r\nHost: cognate\r\nContent-Type: application/x-amz-json-1.1\r\n\
              X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth\r\nContent-Length: 100\r\n\r\n{",
        )
        .await?;
    let started = tokio::time::Instant::now();
    let mut answer = None;
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if trickle.write_all(b" ").await.is_err() {
            break;
        }
        if let Some(a) = read_until_closed(&mut trickle, Duration::from_millis(10)).await {
            answer = Some(a);
            break;
        }
    }
    let answer = match answer {
        Some(a) => a,
        None => read_until_closed(&mut trickle, Duration::from_secs(5)).await.expect("a trickled body is cut off"),
    };
    assert!(started.elapsed() < Duration::from_secs(6), "cut off after about the body deadline");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");

    let mut idle = tokio::net::TcpStream::connect(&addr).await?;
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: cognate\r\n\r\n").await?;
    let mut first = [0u8; 12];
    tokio::io::AsyncReadExt::read_exact(&mut idle, &mut first).await?;
    assert_eq!(&first, b"HTTP/1.1 200");
    assert!(
        read_until_closed(&mut idle, Duration::from_secs(5)).await.is_some(),
        "an idle kept-alive connection is closed"
    );
    server.stop().await
}

/// Many more connections than the cap, sending nothing, hold their slots only until their header
/// deadline: a real request waits at most about (connections / cap) deadlines, never forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_cannot_starve_the_server() -> anyhow::Result<()> {
    let server = strict_server(16).await;
    let addr = address(&server);
    let mut hogs = Vec::new();
    for _ in 0..100 {
        if let Ok(s) = tokio::net::TcpStream::connect(&addr).await {
            hogs.push(s);
        }
    }
    let started = tokio::time::Instant::now();
    let health = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
            if let Ok(r) = client.get(format!("{}/health", server.base_url)).send().await {
                return r.status();
            }
        }
    })
    .await
    .expect("the server answers while idle connections are cut off");
    assert_eq!(health, 200);
    assert!(started.elapsed() < Duration::from_secs(20));
    drop(hogs);
    server.stop().await
}

/// One address sending password checks as fast as it can is throttled; another address (behind
/// a trusted proxy) is not, and an untrusted X-Forwarded-For changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_checks_are_throttled_per_client_address() -> anyhow::Result<()> {
    let server = TestServer::start_with(cognate_testkit::Backend::Sqlite, |c| {
        c.password_requests_per_minute = 60;
        c.password_requests_burst = 5;
    })
    .await?
    .unwrap();
    let (_, client) = pool_and_client(&server, false).await;
    let attempt = |forwarded_for: &'static str| {
        let body = format!(
            r#"{{"ClientId":"{client}","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{{"USERNAME":"nobody","PASSWORD":"x"}}}}"#
        );
        reqwest::Client::new()
            .post(format!("{}/", server.base_url))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("{IDP}.InitiateAuth"))
            .header("x-forwarded-for", forwarded_for)
            .body(body)
            .send()
    };
    let mut kinds = Vec::new();
    for i in 0..8 {
        // Without trusted proxies, a forged X-Forwarded-For does not make a new client.
        let (_, kind, _, _) = error_of(attempt(["203.0.113.1", "203.0.113.2"][i % 2]).await?).await;
        kinds.push(kind);
    }
    assert!(kinds[..5].iter().all(|k| k == "UserNotFoundException"), "{kinds:?}");
    assert!(kinds[5..].iter().all(|k| k == "TooManyRequestsException"), "{kinds:?}");
    server.stop().await?;

    let server = TestServer::start_with(cognate_testkit::Backend::Sqlite, |c| {
        c.password_requests_per_minute = 60;
        c.password_requests_burst = 5;
        c.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await?
    .unwrap();
    let (_, client) = pool_and_client(&server, false).await;
    let attempt = |forwarded_for: String| {
        let body = format!(
            r#"{{"ClientId":"{client}","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{{"USERNAME":"nobody","PASSWORD":"x"}}}}"#
        );
        reqwest::Client::new()
            .post(format!("{}/", server.base_url))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("{IDP}.InitiateAuth"))
            .header("x-forwarded-for", forwarded_for)
            .body(body)
            .send()
    };
    for _ in 0..5 {
        error_of(attempt("198.51.100.9".into()).await?).await;
    }
    let (_, kind, _, _) = error_of(attempt("198.51.100.9".into()).await?).await;
    assert_eq!(kind, "TooManyRequestsException", "the abuser behind the proxy is throttled");
    let (_, kind, _, _) = error_of(attempt("198.51.100.10".into()).await?).await;
    assert_eq!(kind, "UserNotFoundException", "another client behind the proxy is not");
    let (_, kind, _, _) = error_of(attempt("6.6.6.6, 198.51.100.9".into()).await?).await;
    assert_eq!(kind, "TooManyRequestsException", "a spoofed left-most address does not help");
    server.stop().await
}

both_backends! {
    /// RevokeToken answers a bad client with a code its operation declares (so SDKs decode it).
    async fn revoke_token_errors_are_declared(server: TestServer) {
        let idp = server.idp();
        let (pool, _) = pool_and_client(&server, false).await;
        let confidential = idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("confidential")
            .generate_secret(true)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await?
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        for (client, secret) in [("nosuchclient0000000000000", None), (confidential.as_str(), Some("wrongsecretwrongsecretwrongsecret"))] {
            let mut req = idp.revoke_token().client_id(client).token("some-token");
            if let Some(s) = secret {
                req = req.client_secret(s);
            }
            let err = req.send().await.unwrap_err();
            let service = err.as_service_error().expect("a declared error the SDK decodes");
            assert!(service.is_unauthorized_exception(), "{client}: {err:?}");
        }
        server.stop().await
    }

    /// ListUsers reads a filter value as a quoted string, whatever it holds.
    async fn list_users_filters_take_any_quoted_value(server: TestServer) {
        let idp = server.idp();
        let (pool, _) = pool_and_client(&server, false).await;
        idp.admin_create_user()
            .user_pool_id(&pool)
            .username("odd")
            .user_attributes(aws_sdk_cognitoidentityprovider::types::AttributeType::builder().name("email").value("a^=b@x.example").build()?)
            .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
            .send()
            .await?;
        let found = idp.list_users().user_pool_id(&pool).filter(r#"email = "a^=b@x.example""#).send().await?;
        assert_eq!(found.users().len(), 1);
        let found = idp.list_users().user_pool_id(&pool).filter(r#"email ^= "a^=""#).send().await?;
        assert_eq!(found.users().len(), 1);
        let err = idp.list_users().user_pool_id(&pool).filter(r#"email = "unclosed"#).send().await.unwrap_err();
        assert_eq!(code(&err), "InvalidParameterException");
        assert_eq!(err.message(), Some("Error while parsing filter."));
        server.stop().await
    }

    /// A name typed in another Unicode normal form is the same user.
    async fn usernames_are_compared_in_nfc(server: TestServer) {
        let (_, client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &client, "caf\u{e9}", "cafe@example.com").await;
        sign_in(&server, &client, "cafe\u{301}", PASSWORD).await;
        let err = server
            .idp()
            .sign_up()
            .client_id(&client)
            .username("cafe\u{301}")
            .password(PASSWORD)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "UsernameExistsException");
        server.stop().await
    }
}

/// Request members that hold secrets are never repeated in an error, however long or mistyped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_are_not_echoed_in_errors() -> anyhow::Result<()> {
    let server = TestServer::start(cognate_testkit::Backend::Sqlite).await?.unwrap();
    let (_, client) = pool_and_client(&server, false).await;
    let long = "P".repeat(131_072);
    let bodies = [
        ("SignUp", serde_json::json!({"ClientId": client, "Username": "x", "Password": long})),
        (
            "InitiateAuth",
            serde_json::json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "x", "PASSWORD": 98765432123456789u64}}),
        ),
        (
            "InitiateAuth",
            serde_json::json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "x", "PASSWORD": {"nested": long}}}),
        ),
        ("ChangePassword", serde_json::json!({"AccessToken": "t", "PreviousPassword": long, "ProposedPassword": 5})),
        (
            "ConfirmForgotPassword",
            serde_json::json!({"ClientId": client, "Username": "x",
            "ConfirmationCode": "123456", "Password": long}),
        ),
    ];
    for (op, body) in bodies {
        let resp = reqwest::Client::new()
            .post(format!("{}/", server.base_url))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("{IDP}.{op}"))
            .body(body.to_string())
            .send()
            .await?;
        let (status, kind, message, _) = error_of(resp).await;
        assert!(status >= 400, "{op}: {kind}");
        assert!(message.len() < 400, "{op}: a {} character message", message.len());
        assert!(!message.contains("PPPP") && !message.contains("98765"), "{op}: {message}");
    }
    server.stop().await
}

both_backends! {
    /// Read-modify-write races on one user lose nothing: of twelve concurrent attribute updates
    /// (each setting an attribute of its own, SDK retries off), every one that succeeded is in the
    /// stored user, and every one that did not was told TooManyRequestsException (which the SDKs
    /// retry) and wrote nothing.
    async fn concurrent_attribute_updates_lose_nothing(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        let names: Vec<String> = (0..12).map(|i| format!("n{i}")).collect();
        let schema = names
            .iter()
            .map(|n| SchemaAttributeType::builder().name(n).attribute_data_type(AttributeDataType::String).build())
            .collect::<Vec<_>>();
        idp.add_custom_attributes().user_pool_id(&pool).set_custom_attributes(Some(schema)).send().await?;
        confirmed_user(&server, &client, "racer", "racer@example.com").await;
        let once = aws_sdk_cognitoidentityprovider::Client::from_conf(
            idp.config()
                .to_builder()
                .retry_config(aws_sdk_cognitoidentityprovider::config::retry::RetryConfig::disabled())
                .build(),
        );
        let mut updates = tokio::task::JoinSet::new();
        for name in &names {
            let attribute = AttributeType::builder().name(format!("custom:{name}")).value("set").build().unwrap();
            let call = once.admin_update_user_attributes().user_pool_id(&pool).username("racer").user_attributes(attribute);
            let name = name.clone();
            updates.spawn(async move { (name, call.send().await) });
        }
        let mut won = Vec::new();
        while let Some(joined) = updates.join_next().await {
            let (name, result) = joined.unwrap();
            match result {
                Ok(_) => won.push(format!("custom:{name}")),
                Err(e) => assert_eq!(code(&e), "TooManyRequestsException", "{name}: {e:?}"),
            }
        }
        assert!(!won.is_empty(), "at least one concurrent update succeeds");
        println!("{} of {} concurrent updates won", won.len(), names.len());
        let user = idp.admin_get_user().user_pool_id(&pool).username("racer").send().await?;
        let mut stored: Vec<String> = user
            .user_attributes()
            .iter()
            .filter(|a| a.name().starts_with("custom:"))
            .map(|a| a.name().to_string())
            .collect();
        stored.sort();
        won.sort();
        assert_eq!(stored, won, "exactly the updates that succeeded are stored");
        Ok(())
    }
}

both_backends! {
    /// Access tokens verified by hand over aws-lc refuse every forgery jsonwebtoken refused: no
    /// `alg: none`, no HS256 (the public key as an HMAC secret), no claims swapped under another
    /// token's signature, no key of another pool, no ID token, no fourth part or padding.
    async fn forged_access_tokens_are_refused(server: TestServer) {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let idp = server.idp();
        let (_, client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &client, "alice", "alice@example.com").await;
        confirmed_user(&server, &client, "bob", "bob@example.com").await;
        let alice = sign_in(&server, &client, "alice", PASSWORD).await;
        let bob = sign_in(&server, &client, "bob", PASSWORD).await;
        let (_, other_client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &other_client, "carol", "carol@example.com").await;
        let carol = sign_in(&server, &other_client, "carol", PASSWORD).await;

        let genuine = alice.access_token().unwrap().to_string();
        let parts: Vec<&str> = genuine.split('.').collect();
        let header: serde_json::Value = serde_json::from_slice(&b64.decode(parts[0])?)?;
        let kid = header["kid"].as_str().unwrap().to_string();
        let with_header = |h: serde_json::Value, sig: &str| format!("{}.{}.{sig}", b64.encode(h.to_string()), parts[1]);
        let bob_parts: Vec<String> = bob.access_token().unwrap().split('.').map(str::to_string).collect();
        let carol_token = carol.access_token().unwrap().to_string();
        let carol_parts: Vec<&str> = carol_token.split('.').collect();
        let carol_kid: serde_json::Value = serde_json::from_slice(&b64.decode(carol_parts[0])?)?;

        let forgeries = [
            ("alg none", with_header(serde_json::json!({"alg": "none", "kid": kid}), "")),
            ("HS256", with_header(serde_json::json!({"alg": "HS256", "kid": kid}), parts[2])),
            ("no kid", with_header(serde_json::json!({"alg": "RS256"}), parts[2])),
            ("bob's claims under alice's signature", format!("{}.{}.{}", parts[0], bob_parts[1], parts[2])),
            // Carol's pool's issuer with alice's pool's key: the key must belong to the issuer's pool.
            ("another pool's key", format!("{}.{}.{}", parts[0], carol_parts[1], carol_parts[2])),
            ("another pool's kid", format!("{}.{}.{}", b64.encode(carol_kid.to_string()), parts[1], parts[2])),
            ("an ID token", alice.id_token().unwrap().to_string()),
            ("a fourth part", format!("{genuine}.")),
            ("padding", format!("{genuine}=")),
            ("a truncated signature", genuine[..genuine.len() - 4].to_string()),
            ("empty", String::new()),
        ];
        for (what, token) in forgeries {
            let err = idp.get_user().access_token(token).send().await.unwrap_err();
            assert_eq!(code(&err), "NotAuthorizedException", "{what}: {err:?}");
        }
        assert_eq!(idp.get_user().access_token(&genuine).send().await?.username(), "alice");
        Ok(())
    }
}

both_backends! {
    /// ForgotPassword for a user whose code can go nowhere (no verified email or phone) answers
    /// as for anyone when users are hidden, and leaves no code behind: no guess resets the
    /// password, and the user still signs in with the old one.
    async fn a_decoy_reset_code_resets_nothing(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, true).await;
        idp.admin_create_user()
            .user_pool_id(&pool)
            .username("quiet")
            .temporary_password("Temp-pass-1")
            .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
            .send()
            .await?;
        idp.admin_set_user_password().user_pool_id(&pool).username("quiet").password(PASSWORD).permanent(true).send().await?;
        let out = idp.forgot_password().client_id(&client).username("quiet").send().await?;
        assert!(out.code_delivery_details().is_some(), "a plausible delivery, as for any name");
        for guess in ["000000", "123456", "111111"] {
            let err = idp
                .confirm_forgot_password()
                .client_id(&client)
                .username("quiet")
                .confirmation_code(guess)
                .password("Owned-pass-1")
                .send()
                .await
                .unwrap_err();
            assert_eq!(code(&err), "CodeMismatchException", "{guess}: {err:?}");
        }
        sign_in(&server, &client, "quiet", PASSWORD).await;
        Ok(())
    }
}

// The hosted UI and the OAuth endpoints under attack: replayed and racing codes, forged and
// altered codes, PKCE and client mix-ups, CSRF, a session cookie after sign-out, hidden users.
mod hosted {
    use cognate_testkit::both_backends;

    use crate::helpers::PASSWORD;
    use crate::hosted_ui::{
        Browser, CALLBACK, LOGOUT, authorize_url, exchange, hosted_pool, pkce, sign_in_through_pages, web_client,
    };

    both_backends! {
    async fn a_replayed_code_fails_and_revokes_what_it_issued(server: TestServer) {
        let (_, base, client) = hosted_pool(&server, false).await;
        let mut b = Browser::new();
        let back = sign_in_through_pages(&mut b, &authorize_url(&base, &client, &[("scope", "openid")]), "alice", PASSWORD).await;
        let code_value = back.location_param("code").unwrap();
        let form = [("grant_type", "authorization_code"), ("client_id", client.as_str()), ("code", code_value.as_str()), ("redirect_uri", CALLBACK)];
        let (status, first) = exchange(&server, &base, &form, None).await;
        assert_eq!(status, 200, "{first}");
        let (status, replay) = exchange(&server, &base, &form, None).await;
        assert_eq!((status, replay["error"].as_str()), (400, Some("invalid_grant")), "{replay}");
        // What the first exchange got is revoked.
        let (status, body) = exchange(&server, &base, &[
            ("grant_type", "refresh_token"), ("client_id", &client), ("refresh_token", first["refresh_token"].as_str().unwrap()),
        ], None).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
        let info = server.http().get(format!("{base}/oauth2/userInfo"))
            .bearer_auth(first["access_token"].as_str().unwrap()).send().await?;
        assert_eq!(info.status(), 401);
        Ok(())
    }

    async fn racing_exchanges_of_one_code_leave_nothing_usable(server: TestServer) {
        let (_, base, client) = hosted_pool(&server, false).await;
        for _ in 0..3 {
            let mut b = Browser::new();
            let back = sign_in_through_pages(&mut b, &authorize_url(&base, &client, &[]), "alice", PASSWORD).await;
            let code_value = back.location_param("code").unwrap();
            let calls = (0..12).map(|_| {
                let (server, base, client, code_value) = (&server, &base, &client, &code_value);
                async move {
                    exchange(server, base, &[("grant_type", "authorization_code"), ("client_id", client), ("code", code_value), ("redirect_uri", CALLBACK)], None).await
                }
            });
            let answers = futures_join(calls).await;
            let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
            assert!(statuses.iter().filter(|s| **s == 200).count() <= 1, "{statuses:?}");
            assert!(statuses.iter().all(|s| *s == 200 || *s == 400), "{statuses:?}");
            // Replays happened, so whatever the first exchange got is revoked, however they raced.
            for (_, body) in answers.iter().filter(|(s, _)| *s == 200) {
                let (status, _) = exchange(&server, &base, &[
                    ("grant_type", "refresh_token"), ("client_id", &client), ("refresh_token", body["refresh_token"].as_str().unwrap()),
                ], None).await;
                assert_eq!(status, 400, "a replayed code's refresh token is revoked");
                let info = server.http().get(format!("{base}/oauth2/userInfo")).bearer_auth(body["access_token"].as_str().unwrap()).send().await?;
                assert_eq!(info.status(), 401, "and its access token");
            }
        }
        Ok(())
    }

    async fn a_code_dies_with_its_sign_in_session(server: TestServer) {
        let (_, base, client) = hosted_pool(&server, false).await;
        let mut b = Browser::new();
        let back = sign_in_through_pages(&mut b, &authorize_url(&base, &client, &[]), "alice", PASSWORD).await;
        let code_value = back.location_param("code").unwrap();
        let out = b.get(&format!("{base}/logout?client_id={client}&logout_uri={}", url::form_urlencoded::byte_serialize(LOGOUT.as_bytes()).collect::<String>())).await;
        assert_eq!(out.status, 302);
        let (status, body) = exchange(&server, &base, &[("grant_type", "authorization_code"), ("client_id", &client), ("code", &code_value), ("redirect_uri", CALLBACK)], None).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{body}");
        Ok(())
    }

    async fn a_domain_host_serves_its_own_domain_only(server: TestServer) {
        let (pool, base, client) = hosted_pool(&server, false).await;
        let prefix = base.rsplit('/').next().unwrap().to_string();
        let (other_pool, other_base, other_client) = hosted_pool(&server, false).await;
        let _ = other_pool;
        let name = format!("auth-{}.example.com", pool.rsplit('_').next().unwrap().to_lowercase());
        server.idp().create_user_pool_domain().user_pool_id(&pool).domain(&name)
            .custom_domain_config(aws_sdk_cognitoidentityprovider::types::CustomDomainConfigType::builder()
                .certificate_arn("arn:aws:acm:us-east-1:000000000000:certificate/x").build()?)
            .send().await?;
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        let other_prefix = other_base.rsplit('/').next().unwrap().to_string();
        // Another pool's pages under /domains/… on this domain's host: nothing.
        let foreign = http.get(format!("{}/domains/{other_prefix}/logout?client_id={other_client}&logout_uri={}", server.base_url,
            url::form_urlencoded::byte_serialize(LOGOUT.as_bytes()).collect::<String>())).header("host", &name).send().await?;
        assert_eq!(foreign.status(), 404);
        assert!(foreign.headers().get("location").is_none());
        let own_prefix = http.get(format!("{}/domains/{prefix}/login", server.base_url)).header("host", &name).send().await?;
        assert_eq!(own_prefix.status(), 404, "not even the pool's own path form");
        // Nor the AWS API or the main host's pages.
        let api = http.post(format!("{}/", server.base_url)).header("host", &name)
            .header("x-amz-target", "AWSCognitoIdentityProviderService.ListUserPools")
            .header("content-type", "application/x-amz-json-1.1").body("{\"MaxResults\":10}").send().await?;
        assert_eq!(api.status(), 404);
        // Its own endpoints answer.
        let own = http.get(authorize_url(&server.base_url, &client, &[])).header("host", &name).send().await?;
        assert_eq!(own.status(), 302);
        Ok(())
    }

    async fn code_exchange_errors(server: TestServer) {
        let (pool, base, client) = hosted_pool(&server, false).await;
        let (confidential, secret) = web_client(&server, &pool, "server-side", true, false).await;
        let secret = secret.unwrap();
        let (verifier, challenge) = pkce();
        let mut b = Browser::new();
        let back = sign_in_through_pages(&mut b, &authorize_url(&base, &client, &[
            ("code_challenge", &challenge), ("code_challenge_method", "S256"),
        ]), "alice", PASSWORD).await;
        let code_value = back.location_param("code").unwrap();
        let grant = |extra: Vec<(&'static str, String)>| {
            let mut form = vec![("grant_type", "authorization_code".to_string()), ("code", code_value.clone()), ("redirect_uri", CALLBACK.to_string())];
            form.extend(extra);
            form
        };
        let post = async |form: Vec<(&'static str, String)>, basic: Option<(&str, &str)>| {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            exchange(&server, &base, &form, basic).await
        };
        // PKCE: a wrong verifier, a missing one.
        let (s, e) = post(grant(vec![("client_id", client.clone()), ("code_verifier", format!("{verifier}x"))]), None).await;
        assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")), "{e}");
        let (s, e) = post(grant(vec![("client_id", client.clone())]), None).await;
        assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")), "{e}");
        // Another redirect URI.
        let mut other = grant(vec![("client_id", client.clone()), ("code_verifier", verifier.clone())]);
        other[2].1 = "http://localhost:3000/other".into();
        let (s, e) = post(other, None).await;
        assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")), "{e}");
        // Another client: the code is not its; a wrong secret is invalid_client.
        let (s, e) = post(grant(vec![("code_verifier", verifier.clone())]), Some((&confidential, &secret))).await;
        assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")), "{e}");
        let (s, e) = post(grant(vec![("code_verifier", verifier.clone())]), Some((&confidential, "wrong-secret"))).await;
        assert_eq!((s, e["error"].as_str()), (401, Some("invalid_client")), "{e}");
        // Garbage and altered codes.
        let (s, e) = post(vec![("grant_type", "authorization_code".into()), ("code", "garbage".into()), ("client_id", client.clone()), ("redirect_uri", CALLBACK.into())], None).await;
        assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")), "{e}");
        let mut altered = code_value.clone().into_bytes();
        let last = altered.len() - 5;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        let (s, e) = post(vec![("grant_type", "authorization_code".into()), ("code", String::from_utf8(altered).unwrap()), ("client_id", client.clone()), ("redirect_uri", CALLBACK.into())], None).await;
        assert_eq!((s, e["error"].as_str()), (400, Some("invalid_grant")), "{e}");
        // None of that used the code up.
        let (s, e) = post(grant(vec![("client_id", client.clone()), ("code_verifier", verifier.clone())]), None).await;
        assert_eq!(s, 200, "{e}");
        Ok(())
    }

    async fn single_sign_on_across_clients_and_sign_out(server: TestServer) {
        let (pool, base, client) = hosted_pool(&server, false).await;
        let (second, _) = web_client(&server, &pool, "second", false, false).await;
        let mut b = Browser::new();
        let back = sign_in_through_pages(&mut b, &authorize_url(&base, &client, &[]), "alice", PASSWORD).await;
        assert!(back.location_param("code").is_some());
        let session = b.cookie("cognito").unwrap().clone();
        // The second client of the same domain: no sign-in page.
        let sso = b.get(&authorize_url(&base, &second, &[("state", "two")])).await;
        assert_eq!(sso.status, 302);
        assert!(sso.location_param("code").is_some(), "{:?}", sso.location);
        assert_eq!(sso.location_param("state").as_deref(), Some("two"));
        // prompt=login asks again.
        let again = b.get(&authorize_url(&base, &second, &[("prompt", "login")])).await;
        assert!(again.location.unwrap().contains("/login?"));
        // An unregistered logout_uri: an error page, the session lives on.
        let bad = b.get(&format!("{base}/logout?client_id={client}&logout_uri=https%3A%2F%2Fevil.example%2F")).await;
        assert_eq!(bad.status, 400);
        assert!(bad.location.is_none());
        // Sign-out: cookie cleared, and the old cookie is refused everywhere from now on.
        let out = b.get(&format!("{base}/logout?client_id={client}&logout_uri={}", url::form_urlencoded::byte_serialize(LOGOUT.as_bytes()).collect::<String>())).await;
        assert_eq!(out.status, 302);
        assert_eq!(out.location.as_deref(), Some(LOGOUT));
        assert!(b.cookie("cognito").is_none(), "the session cookie is cleared");
        b.set_cookie("cognito", &session);
        let replayed = b.get(&authorize_url(&base, &client, &[])).await;
        assert!(replayed.location.unwrap().contains("/login?"), "a copied session cookie is dead after sign-out");
        // The sign-in-again form of /logout.
        let relogin = b.get(&format!("{base}/logout?client_id={client}&response_type=code&redirect_uri={}", url::form_urlencoded::byte_serialize(CALLBACK.as_bytes()).collect::<String>())).await;
        assert_eq!(relogin.status, 302);
        assert!(relogin.location.unwrap().contains("/login?"));
        // A forged session cookie is no session.
        b.set_cookie("cognito", "forged-value");
        let forged = b.get(&authorize_url(&base, &client, &[])).await;
        assert!(forged.location.unwrap().contains("/login?"));
        Ok(())
    }

    async fn forms_need_their_csrf_token(server: TestServer) {
        let (_, base, client) = hosted_pool(&server, false).await;
        let mut b = Browser::new();
        let to_login = b.get(&authorize_url(&base, &client, &[])).await;
        let login = b.get(to_login.location.as_deref().unwrap()).await;
        // Another site's form: no CSRF cookie (SameSite) and no token.
        let other = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        let resp = other.post(login.action()).form(&[("username", "alice"), ("password", PASSWORD)]).send().await?;
        assert_eq!(resp.status(), 403);
        assert!(resp.headers().get("location").is_none());
        // The right cookie with a wrong token.
        let csrf = b.cookie("XSRF-TOKEN").unwrap().clone();
        let resp = other.post(login.action()).header("cookie", format!("XSRF-TOKEN={csrf}"))
            .form(&[("username", "alice"), ("password", PASSWORD), ("_csrf", "0".repeat(48).as_str())]).send().await?;
        assert_eq!(resp.status(), 403);
        // Pages cannot be framed or cached.
        let page = server.http().get(to_login.location.as_deref().unwrap()).send().await?;
        assert_eq!(page.headers()["x-frame-options"], "DENY");
        assert!(page.headers()["content-security-policy"].to_str()?.contains("frame-ancestors 'none'"));
        assert_eq!(page.headers()["cache-control"], "no-store");
        Ok(())
    }

    async fn wrong_passwords_and_hidden_users_look_alike(server: TestServer) {
        let (_, base, client) = hosted_pool(&server, true).await;
        let mut b = Browser::new();
        let wrong = sign_in_through_pages(&mut b, &authorize_url(&base, &client, &[]), "alice", "Wrong-pass1").await;
        let unknown = sign_in_through_pages(&mut b, &authorize_url(&base, &client, &[]), "nobody", "Wrong-pass1").await;
        assert_eq!(wrong.status, 400);
        assert_eq!(unknown.status, wrong.status);
        assert_eq!(wrong.text_of("login-error").as_deref(), Some("Incorrect username or password."));
        assert_eq!(unknown.text_of("login-error"), wrong.text_of("login-error"));
        assert!(wrong.location.is_none() && unknown.location.is_none());
        // The lockout of the API holds here too.
        for _ in 0..6 {
            sign_in_through_pages(&mut b, &authorize_url(&base, &client, &[]), "alice", "Wrong-pass1").await;
        }
        let locked = sign_in_through_pages(&mut b, &authorize_url(&base, &client, &[]), "alice", PASSWORD).await;
        assert_eq!(locked.status, 400);
        assert_eq!(locked.text_of("login-error").as_deref(), Some("Password attempts exceeded"));
        Ok(())
    }
    }

    async fn futures_join<T, F: std::future::Future<Output = T>>(calls: impl Iterator<Item = F>) -> Vec<T> {
        futures::future::join_all(calls).await
    }
}

// Passkeys under attack: another origin, another key, a replayed assertion, a session answered
// twice, a registration for a challenge that was never handed out.
mod passkeys {
    use cognate_testkit::both_backends;

    use crate::passkeys::{
        Authenticator, ORIGIN, answer, from_document, passkey_challenge, passkey_pool, register, to_document,
    };

    both_backends! {
        async fn forged_and_replayed_passkey_assertions_are_refused(server: TestServer) {
            let (_, client) = passkey_pool(&server).await;
            let mut authenticator = Authenticator::new();
            register(&server, &client, &mut authenticator).await;
            // Another origin.
            let (session, options) = passkey_challenge(&server, &client).await;
            let phished = authenticator.assert(&options, "https://evil.example");
            assert_eq!(answer(&server, &client, &session, &phished).await.unwrap_err(), "NotAuthorizedException");
            // Another key claiming the credential.
            let mut impostor = Authenticator::new();
            impostor.credential_id = authenticator.credential_id.clone();
            impostor.user_handle = authenticator.user_handle.clone();
            let forged = impostor.assert(&options, ORIGIN);
            assert_eq!(answer(&server, &client, &session, &forged).await.unwrap_err(), "NotAuthorizedException");
            // Garbage.
            assert_eq!(answer(&server, &client, &session, &serde_json::json!({"id": "x"})).await.unwrap_err(), "NotAuthorizedException");
            // The genuine answer works once; the session is then used up.
            let genuine = authenticator.assert(&options, ORIGIN);
            answer(&server, &client, &session, &genuine).await.unwrap();
            assert_eq!(answer(&server, &client, &session, &genuine).await.unwrap_err(), "NotAuthorizedException");
            // The same assertion against a new challenge.
            let (fresh, _) = passkey_challenge(&server, &client).await;
            assert_eq!(answer(&server, &client, &fresh, &genuine).await.unwrap_err(), "NotAuthorizedException");
            Ok(())
        }

        async fn a_passkey_deleted_during_a_sign_in_signs_nobody_in(server: TestServer) {
            let (_, client) = passkey_pool(&server).await;
            let mut authenticator = Authenticator::new();
            let access = register(&server, &client, &mut authenticator).await;
            let (session, options) = passkey_challenge(&server, &client).await;
            let id = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &authenticator.credential_id);
            server.idp().delete_web_authn_credential().access_token(&access).credential_id(id).send().await?;
            let assertion = authenticator.assert(&options, ORIGIN);
            assert_eq!(answer(&server, &client, &session, &assertion).await.unwrap_err(), "NotAuthorizedException");
            Ok(())
        }

        async fn registrations_must_answer_the_challenge_handed_out(server: TestServer) {
            let idp = server.idp();
            let (_, client) = passkey_pool(&server).await;
            let access = crate::helpers::sign_in(&server, &client, "pia", crate::helpers::PASSWORD).await.access_token.unwrap();
            let start = idp.start_web_authn_registration().access_token(&access).send().await?;
            let mut options = from_document(start.credential_creation_options());
            let mut authenticator = Authenticator::new();
            let wrong_origin = authenticator.register(&options, "https://evil.example");
            let e = idp.complete_web_authn_registration().access_token(&access).credential(to_document(&wrong_origin)).send().await.unwrap_err();
            assert_eq!(crate::helpers::code(&e.into_service_error()), "InvalidParameterException");
            // The failed attempt used the registration up; a forged challenge never had one.
            idp.start_web_authn_registration().access_token(&access).send().await?;
            options["challenge"] = serde_json::json!("Zm9yZ2VkLWNoYWxsZW5nZS12YWx1ZS0wMDAwMDAwMDAwMA");
            let forged = authenticator.register(&options, ORIGIN);
            let e = idp.complete_web_authn_registration().access_token(&access).credential(to_document(&forged)).send().await.unwrap_err();
            assert_eq!(crate::helpers::code(&e.into_service_error()), "InvalidParameterException");
            assert!(idp.list_web_authn_credentials().access_token(&access).send().await?.credentials().is_empty());
            Ok(())
        }
    }
}

/// The hosted pages spend the same per-address budget as the API's password checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosted_sign_in_forms_are_throttled_per_address() -> anyhow::Result<()> {
    use crate::hosted_ui::{Browser, authorize_url, hosted_pool};
    let Some(server) = TestServer::start_with(cognate_testkit::Backend::Sqlite, |c| {
        c.password_requests_per_minute = 6;
        c.password_requests_burst = 6;
    })
    .await?
    else {
        return Ok(());
    };
    let (_, base, client) = hosted_pool(&server, false).await;
    let mut b = Browser::new();
    let to_login = b.get(&authorize_url(&base, &client, &[])).await;
    let login = b.get(to_login.location.as_deref().unwrap()).await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let seen = b.post(&login.action(), &[("username", &format!("user{i}")), ("password", "Wrong-pass1")]).await;
        statuses.push(seen.status);
    }
    assert!(statuses.iter().filter(|s| **s == 429).count() >= 5, "{statuses:?}");
    Ok(())
}

/// IAM, STS and identity pools: credentials cannot grant themselves more, one identity's login
/// cannot unlock another's credentials, a role that exists is refused exactly like one that does
/// not, and racing writes keep IAM's quotas.
mod iam {
    use aws_sdk_iam::error::ProvideErrorMetadata as _;
    use cognate_testkit::{TestServer, both_backends};

    use crate::helpers::{PASSWORD, code, confirmed_user, pool_and_client, sign_in};

    fn allow(actions: &[&str]) -> String {
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
            .to_string()
    }

    async fn user_key(server: &TestServer, name: &str, policy: &str) -> aws_credential_types::Credentials {
        let iam = server.iam();
        iam.create_user().user_name(name).send().await.unwrap();
        iam.put_user_policy().user_name(name).policy_name("p").policy_document(policy).send().await.unwrap();
        let key = iam.create_access_key().user_name(name).send().await.unwrap().access_key.unwrap();
        TestServer::credentials(key.access_key_id(), key.secret_access_key(), None)
    }

    both_backends! {
        async fn a_key_cannot_grant_itself_more(server: TestServer) {
            // A user allowed to read IAM cannot write a policy onto itself, nor create a key for root.
            let creds = user_key(&server, "reader", &allow(&["iam:Get*", "iam:List*"])).await;
            let iam = server.iam_with(creds.clone());
            iam.get_user().user_name("reader").send().await?;
            let e = iam.put_user_policy().user_name("reader").policy_name("more").policy_document(allow(&["*"])).send().await.unwrap_err();
            assert_eq!(code(&e), "AccessDenied");
            let e = iam.attach_user_policy().user_name("reader").policy_arn("arn:aws:iam::aws:policy/AdministratorAccess").send().await.unwrap_err();
            assert_eq!(code(&e), "AccessDenied");
            let e = iam.create_access_key().user_name("reader").send().await.unwrap_err();
            assert_eq!(code(&e), "AccessDenied");
            // A session of the user can do no more than the user, and no IAM at all.
            let session = server.sts_with(creds).get_session_token().send().await?;
            let c = session.credentials().unwrap();
            let s = TestServer::credentials(c.access_key_id(), c.secret_access_key(), Some(c.session_token()));
            assert_eq!(code(&server.iam_with(s.clone()).get_user().user_name("reader").send().await.unwrap_err()), "AccessDenied");
            // A session key presented as a permanent key (no token) or with a token of another session.
            let other = server.sts().get_session_token().send().await?;
            let o = other.credentials().unwrap();
            let swapped = TestServer::credentials(c.access_key_id(), c.secret_access_key(), Some(o.session_token()));
            assert_eq!(code(&server.sts_with(swapped).get_caller_identity().send().await.unwrap_err()), "InvalidClientTokenId");
            Ok(())
        }

        async fn an_existing_role_is_refused_like_a_missing_one(server: TestServer) {
            let creds = user_key(&server, "prober", &allow(&["sts:AssumeRole"])).await;
            let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::000000000000:user/someone-else"}, "Action": "sts:AssumeRole"}]}).to_string();
            server.iam().create_role().role_name("Secret").assume_role_policy_document(&trust).send().await?;
            let sts = server.sts_with(creds);
            let mut answers = Vec::new();
            for role in ["Secret", "Missing"] {
                let arn = format!("arn:aws:iam::000000000000:role/{role}");
                let e = sts.assume_role().role_arn(&arn).role_session_name("probe").send().await.unwrap_err();
                answers.push((code(&e), e.message().unwrap_or_default().replace(role, "<role>")));
            }
            assert_eq!(answers[0], answers[1], "a caller learns nothing about which roles exist");
            Ok(())
        }

        async fn one_identitys_login_does_not_unlock_another(server: TestServer) {
            let (pool, client) = pool_and_client(&server, false).await;
            confirmed_user(&server, &client, "amy", "amy@example.com").await;
            confirmed_user(&server, &client, "ben", "ben@example.com").await;
            let amy = sign_in(&server, &client, "amy", PASSWORD).await.id_token.unwrap();
            let ben = sign_in(&server, &client, "ben", PASSWORD).await.id_token.unwrap();
            let provider = format!("cognito-idp.us-east-1.amazonaws.com/{pool}");
            let ci = server.identity();
            let identity_pool = ci.create_identity_pool().identity_pool_name("p").allow_unauthenticated_identities(true)
                .cognito_identity_providers(aws_sdk_cognitoidentity::types::CognitoIdentityProvider::builder().provider_name(&provider).client_id(&client).build())
                .send().await?.identity_pool_id;
            let amy_id = ci.get_id().identity_pool_id(&identity_pool).logins(&provider, &amy).send().await?.identity_id.unwrap();
            let ben_id = ci.get_id().identity_pool_id(&identity_pool).logins(&provider, &ben).send().await?.identity_id.unwrap();
            assert_ne!(amy_id, ben_id);
            // Ben's token for Amy's identity, and Amy's identity with no login (as a guest would ask).
            let e = ci.get_credentials_for_identity().identity_id(&amy_id).logins(&provider, &ben).send().await.unwrap_err();
            assert_eq!(code(&e), "NotAuthorizedException");
            let e = ci.get_credentials_for_identity().identity_id(&amy_id).send().await.unwrap_err();
            assert_eq!(code(&e), "NotAuthorizedException");
            let e = ci.get_open_id_token().identity_id(&amy_id).logins(&provider, &ben).send().await.unwrap_err();
            assert_eq!(code(&e), "NotAuthorizedException");
            // Unlinking needs the identity's own login.
            let e = ci.unlink_identity().identity_id(&amy_id).logins(&provider, &ben).logins_to_remove(&provider).send().await.unwrap_err();
            assert_eq!(code(&e), "NotAuthorizedException");
            Ok(())
        }

        async fn racing_attachments_keep_the_quota(server: TestServer) {
            let iam = server.iam();
            let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string();
            iam.create_role().role_name("Busy").assume_role_policy_document(&trust).send().await?;
            let mut arns = Vec::new();
            for i in 0..14 {
                let p = iam.create_policy().policy_name(format!("p{i}")).policy_document(allow(&["s3:GetObject"])).send().await?;
                arns.push(p.policy.unwrap().arn.unwrap());
            }
            let calls = arns.iter().map(|arn| {
                let (iam, arn) = (server.iam(), arn.clone());
                tokio::spawn(async move { iam.attach_role_policy().role_name("Busy").policy_arn(arn).send().await.map_err(|e| code(&e)) })
            });
            let mut wins = 0;
            for call in calls {
                match call.await? {
                    Ok(_) => wins += 1,
                    Err(c) => assert!(c == "LimitExceeded" || c == "ConcurrentModification", "{c}"),
                }
            }
            let attached = iam.list_attached_role_policies().role_name("Busy").send().await?.attached_policies().len();
            assert_eq!(attached, wins, "every success is attached, nothing else");
            assert!(attached <= 10, "at most ten managed policies per role: {attached}");
            Ok(())
        }

        async fn malformed_and_oversized_query_requests(server: TestServer) {
            let http = server.http();
            // Unsigned IAM calls are refused before anything is read.
            let resp = http.post(format!("{}/", server.base_url)).header("content-type", "application/x-www-form-urlencoded")
                .body("Action=ListRoles&Version=2010-05-08").send().await?;
            assert_eq!(resp.status().as_u16(), 403);
            assert!(resp.text().await?.contains("<Code>MissingAuthenticationToken</Code>"));
            // An oversized policy and a document that is not JSON are refused in IAM's words.
            let iam = server.iam();
            let huge = "x".repeat(140_000);
            let e = iam.create_policy().policy_name("huge").policy_document(&huge).send().await.unwrap_err();
            assert_eq!(code(&e), "ValidationError");
            let e = iam.create_policy().policy_name("bad").policy_document("{\"Version\":").send().await.unwrap_err();
            assert_eq!(code(&e), "MalformedPolicyDocument");
            Ok(())
        }
    }
}
