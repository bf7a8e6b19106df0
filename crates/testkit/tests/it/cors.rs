//! CORS as a browser sees it (the browser test in tests/e2e/browser drives a real one): preflights
//! of the AWS JSON endpoint and the OIDC endpoints, the allow-origin header on every response
//! including errors, exposed error headers, configured origin lists, and no CORS on hosted pages.

use cognate_testkit::{Backend, TestServer};

use crate::helpers::IDP;

const PAGE: &str = "http://app.example.test:5173";
const SDK_HEADERS: &str =
    "amz-sdk-invocation-id,amz-sdk-request,cache-control,content-type,x-amz-target,x-amz-user-agent";

async fn preflight(server: &TestServer, path: &str, origin: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{}{path}", server.base_url))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", SDK_HEADERS)
        .send()
        .await
        .unwrap()
}

fn header(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers().get(name).map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_apis_answer_browsers_from_any_origin() -> anyhow::Result<()> {
    let server = TestServer::start(Backend::Sqlite).await?.unwrap();
    let resp = preflight(&server, "/", PAGE).await;
    assert!(resp.status().is_success(), "{}", resp.status());
    assert_eq!(header(&resp, "access-control-allow-origin").as_deref(), Some("*"));
    assert!(header(&resp, "access-control-allow-methods").unwrap().contains("POST"));
    let allowed = header(&resp, "access-control-allow-headers").unwrap().to_ascii_lowercase();
    for h in SDK_HEADERS.split(',') {
        assert!(allowed.contains(h), "{h} in {allowed}");
    }
    assert!(header(&resp, "access-control-max-age").is_some());
    assert_eq!(header(&resp, "access-control-allow-credentials"), None, "cookies are never allowed");

    // An error (an unsigned admin call) carries the headers too, and the SDK can read its type.
    let resp = reqwest::Client::new()
        .post(format!("{}/", server.base_url))
        .header("origin", PAGE)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("{IDP}.ListUserPools"))
        .body(r#"{"MaxResults":1}"#)
        .send()
        .await?;
    assert_eq!(resp.status(), 400);
    assert_eq!(header(&resp, "access-control-allow-origin").as_deref(), Some("*"));
    let exposed = header(&resp, "access-control-expose-headers").unwrap().to_ascii_lowercase();
    assert!(exposed.contains("x-amzn-errortype") && exposed.contains("x-amzn-requestid"), "{exposed}");
    assert_eq!(
        header(&resp, "x-amzn-errortype").as_deref().map(|t| t.split(':').next().unwrap_or("")),
        Some("MissingAuthenticationTokenException"),
        "CORS does not stand in for a signature"
    );

    // Discovery and JWKS of a pool.
    let pool = crate::helpers::new_pool(&server, "cors").await;
    for path in [format!("/{pool}/.well-known/jwks.json"), format!("/{pool}/.well-known/openid-configuration")] {
        let resp =
            reqwest::Client::new().get(format!("{}{path}", server.base_url)).header("origin", PAGE).send().await?;
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(header(&resp, "access-control-allow-origin").as_deref(), Some("*"), "{path}");
    }

    // Hosted pages and the server's own endpoints answer no other origin.
    for path in ["/login", "/health", "/_cognate/outbox"] {
        let resp =
            reqwest::Client::new().get(format!("{}{path}", server.base_url)).header("origin", PAGE).send().await?;
        assert_eq!(header(&resp, "access-control-allow-origin"), None, "{path}");
    }
    let resp = preflight(&server, "/login", PAGE).await;
    assert_eq!(header(&resp, "access-control-allow-origin"), None);
    server.stop().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_origins_can_be_listed() -> anyhow::Result<()> {
    let server = TestServer::start_with(Backend::Sqlite, |c| {
        c.cors_allowed_origins = vec![PAGE.to_string(), "https://other.example.test".into()];
    })
    .await?
    .unwrap();
    let resp = preflight(&server, "/", PAGE).await;
    assert_eq!(header(&resp, "access-control-allow-origin").as_deref(), Some(PAGE));
    let resp = preflight(&server, "/", "https://evil.example.test").await;
    assert_eq!(header(&resp, "access-control-allow-origin"), None, "an origin not listed");
    server.stop().await
}
