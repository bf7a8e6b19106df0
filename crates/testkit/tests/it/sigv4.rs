//! SigV4 on admin operations: what the SDK, the CLI and raw clients get for good, bad, stale and
//! missing signatures, the generated credentials file, and development mode.

use std::time::{Duration, SystemTime};

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use cognate_testkit::{Backend, TestServer, both_backends};

use crate::helpers::{IDP, error_of, signed};

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
