//! SigV4 on admin operations: what the SDK, the CLI and raw clients get for good, bad, stale and
//! missing signatures, the generated credentials file, and development mode.

use std::time::{Duration, SystemTime};

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use cognate_testkit::{Backend, TestServer, both_backends};

pub const IDP: &str = "AWSCognitoIdentityProviderService";

/// Sends `body` to `<IDP>.<op>` signed with `key`/`secret` as of `time`.
pub async fn signed(
    server: &TestServer,
    op: &str,
    body: &str,
    key: &str,
    secret: &str,
    time: SystemTime,
    session_token: Option<&str>,
) -> reqwest::Response {
    sign_and_send(server, op, body, key, secret, time, session_token, "cognito-idp").await
}

/// Sends `body` to `<IDP>.<op>` signed with the server's admin key for another service's scope.
pub async fn signed_for_service(server: &TestServer, op: &str, body: &str, service: &str) -> reqwest::Response {
    let (key, secret) = (&server.access_key_id, &server.secret_access_key);
    sign_and_send(server, op, body, key, secret, SystemTime::now(), None, service).await
}

#[allow(clippy::too_many_arguments)]
async fn sign_and_send(
    server: &TestServer,
    op: &str,
    body: &str,
    key: &str,
    secret: &str,
    time: SystemTime,
    session_token: Option<&str>,
    service: &str,
) -> reqwest::Response {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    let url = format!("{}/", server.base_url);
    let host = url.trim_start_matches("http://").trim_end_matches('/').to_string();
    let target = format!("{IDP}.{op}");
    let mut headers =
        vec![("content-type", "application/x-amz-json-1.1".to_string()), ("host", host), ("x-amz-target", target)];
    if let Some(t) = session_token {
        headers.push(("x-amz-security-token", t.to_string()));
    }
    let identity = aws_credential_types::Credentials::new(key, secret, None, None, "test").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(time)
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
    builder.send().await.unwrap()
}

pub async fn error_of(resp: reqwest::Response) -> (u16, String, String, Option<String>) {
    let status = resp.status().as_u16();
    let header = resp.headers().get("x-amzn-errortype").map(|v| v.to_str().unwrap().to_string());
    let body: serde_json::Value = resp.json().await.unwrap();
    (
        status,
        body["__type"].as_str().unwrap_or("").to_string(),
        body["message"].as_str().unwrap_or("").to_string(),
        header,
    )
}

both_backends! {
    async fn wrong_secret_is_refused(server: TestServer) {
        let err = server
            .idp_with_credentials(&server.access_key_id, "wrong-secret-wrong-secret-wrong-secret00")
            .list_user_pools()
            .max_results(1)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("InvalidSignatureException"));
        Ok(())
    }

    async fn unknown_key_is_refused(server: TestServer) {
        let err = server
            .idp_with_credentials("AKIAAAAAAAAAAAAAAAAA", "whatever")
            .list_user_pools()
            .max_results(1)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("UnrecognizedClientException"));
        assert_eq!(err.message(), Some("The security token included in the request is invalid."));
        Ok(())
    }

    async fn raw_signatures(server: TestServer) {
        let body = r#"{"MaxResults": 5}"#;
        let now = SystemTime::now();
        let ok = signed(&server, "ListUserPools", body, &server.access_key_id, &server.secret_access_key, now, None).await;
        assert_eq!(ok.status().as_u16(), 200);

        let stale = now - Duration::from_secs(10 * 60);
        let resp = signed(&server, "ListUserPools", body, &server.access_key_id, &server.secret_access_key, stale, None).await;
        let (status, code, message, header) = error_of(resp).await;
        assert_eq!((status, code.as_str(), header.as_deref()), (400, "InvalidSignatureException", Some("InvalidSignatureException")));
        assert!(message.starts_with("Signature expired"), "{message}");

        let future = now + Duration::from_secs(10 * 60);
        let resp = signed(&server, "ListUserPools", body, &server.access_key_id, &server.secret_access_key, future, None).await;
        assert_eq!(error_of(resp).await.1, "InvalidSignatureException");

        let resp = signed(&server, "ListUserPools", body, &server.access_key_id, &server.secret_access_key, now, Some("token")).await;
        assert_eq!(error_of(resp).await.1, "UnrecognizedClientException", "a permanent key takes no session token");

        let unsigned = server
            .http()
            .post(format!("{}/", server.base_url))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("{IDP}.ListUserPools"))
            .body(body)
            .send()
            .await?;
        let (status, code, _, _) = error_of(unsigned).await;
        assert_eq!((status, code.as_str()), (400, "MissingAuthenticationTokenException"));

        let garbage = server
            .http()
            .post(format!("{}/", server.base_url))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("{IDP}.ListUserPools"))
            .header("authorization", "AWS4-HMAC-SHA256 nonsense")
            .body(body)
            .send()
            .await?;
        assert_eq!(error_of(garbage).await.1, "IncompleteSignatureException");
        Ok(())
    }

    async fn credentials_file_works(server: TestServer) {
        let path = server.credentials_file.clone().expect("first start writes the credentials file");
        let text = std::fs::read_to_string(&path)?;
        assert!(text.contains("[default]"));
        assert!(text.contains(&format!("aws_access_key_id = {}", server.access_key_id)));
        assert!(text.contains(&format!("aws_secret_access_key = {}", server.secret_access_key)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&path)?.permissions().mode() & 0o777, 0o600);
        }
        Ok(())
    }
}

#[tokio::test]
async fn dev_mode_accepts_any_credentials() -> anyhow::Result<()> {
    let server = TestServer::start_with(Backend::Sqlite, |c| c.dev_mode = true).await?.unwrap();
    let out = server.idp_with_credentials("AKIAANYTHING", "anything").list_user_pools().max_results(1).send().await?;
    assert!(out.user_pools().is_empty());
    let unsigned = server
        .http()
        .post(format!("{}/", server.base_url))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("{IDP}.ListUserPools"))
        .body(r#"{"MaxResults": 1}"#)
        .send()
        .await?;
    assert_eq!(unsigned.status().as_u16(), 200);
    server.stop().await
}
