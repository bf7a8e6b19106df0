//! The AWS JSON 1.1 and Query protocol edges: missing or unknown targets, content types, malformed
//! and oversized bodies, validation wording, unimplemented operations, request IDs.

use cognate_testkit::{Backend, TestServer};

use crate::helpers::{IDP, error_of};

async fn dev_server() -> TestServer {
    TestServer::start_with(Backend::Sqlite, |c| {
        c.dev_mode = true;
        c.max_body_bytes = 64 * 1024;
    })
    .await
    .unwrap()
    .unwrap()
}

async fn post(
    server: &TestServer,
    target: Option<&str>,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let mut req = server.http().post(format!("{}/", server.base_url)).header("content-type", content_type).body(body);
    if let Some(t) = target {
        req = req.header("x-amz-target", t);
    }
    req.send().await.unwrap()
}

const JSON: &str = "application/x-amz-json-1.1";

#[tokio::test]
async fn missing_and_unknown_targets() -> anyhow::Result<()> {
    let server = dev_server().await;
    let resp = post(&server, None, JSON, "{}").await;
    assert!(resp.headers().contains_key("x-amzn-requestid"));
    let (status, code, _, header) = error_of(resp).await;
    assert_eq!(
        (status, code.as_str(), header.as_deref()),
        (400, "UnknownOperationException", Some("UnknownOperationException"))
    );

    let (status, code, _, _) = error_of(post(&server, Some(&format!("{IDP}.NoSuchThing")), JSON, "{}").await).await;
    assert_eq!((status, code.as_str()), (400, "UnknownOperationException"));

    let (_, code, _, _) = error_of(post(&server, Some("SomeOtherService.ListUserPools"), JSON, "{}").await).await;
    assert_eq!(code, "UnknownOperationException");
    server.stop().await
}

#[tokio::test]
async fn wrong_content_type() -> anyhow::Result<()> {
    let server = dev_server().await;
    let resp = post(&server, Some(&format!("{IDP}.ListUserPools")), "text/plain", r#"{"MaxResults":1}"#).await;
    let (status, code, message, _) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (400, "UnknownOperationException"));
    assert!(message.contains("Content-Type"));
    server.stop().await
}

#[tokio::test]
async fn malformed_and_mistyped_bodies() -> anyhow::Result<()> {
    let server = dev_server().await;
    let target = format!("{IDP}.CreateUserPool");
    let (status, code, _, _) = error_of(post(&server, Some(&target), JSON, r#"{"PoolName": "#).await).await;
    assert_eq!((status, code.as_str()), (400, "SerializationException"));
    let (_, code, _, _) = error_of(post(&server, Some(&target), JSON, r#"{"PoolName": 5}"#).await).await;
    assert_eq!(code, "SerializationException");
    let (_, code, message, _) = error_of(post(&server, Some(&target), JSON, "{}").await).await;
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "1 validation error detected: Value null at 'poolName' failed to satisfy constraint: Member must not be null"
    );
    let (_, code, message, _) =
        error_of(post(&server, Some(&target), JSON, r#"{"PoolName": "x", "MfaConfiguration": "SOMETIMES"}"#).await)
            .await;
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("'mfaConfiguration'") && message.contains("enum value set"), "{message}");
    server.stop().await
}

#[tokio::test]
async fn oversized_body_is_refused_and_nothing_is_created() -> anyhow::Result<()> {
    let server = dev_server().await;
    let big = format!(r#"{{"PoolName": "big", "EmailVerificationMessage": "{}"}}"#, "x".repeat(100 * 1024));
    let resp = post(&server, Some(&format!("{IDP}.CreateUserPool")), JSON, big).await;
    assert_eq!(resp.status().as_u16(), 413);
    let (_, code, _, _) = error_of(resp).await;
    assert_eq!(code, "SerializationException");
    let list = server.idp().list_user_pools().max_results(10).send().await?;
    assert!(list.user_pools().is_empty());
    server.stop().await
}

#[tokio::test]
async fn unimplemented_operations_say_so() -> anyhow::Result<()> {
    let server = dev_server().await;
    let resp =
        post(&server, Some(&format!("{IDP}.DescribeRiskConfiguration")), JSON, r#"{"UserPoolId":"us-east-1_x"}"#).await;
    let (status, code, message, _) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (400, "NotImplementedException"));
    assert!(message.contains("DescribeRiskConfiguration"), "{message}");

    let resp = post(
        &server,
        None,
        "application/x-www-form-urlencoded",
        "Action=AssumeRoleWithSAML&Version=2011-06-15&RoleArn=arn:aws:iam::000000000000:role/r&PrincipalArn=arn:aws:iam::000000000000:saml-provider/p&SAMLAssertion=eA",
    )
    .await;
    assert_eq!(resp.status().as_u16(), 400);
    let text = resp.text().await?;
    assert!(text.contains("<Code>NotImplementedException</Code>") && text.contains("<ErrorResponse"), "{text}");

    let resp = post(&server, None, "application/x-www-form-urlencoded", "Action=Bogus&Version=2010-05-08").await;
    assert!(resp.text().await?.contains("<Code>InvalidAction</Code>"));
    server.stop().await
}

#[tokio::test]
async fn query_protocol_requires_signatures() -> anyhow::Result<()> {
    let server = TestServer::start(Backend::Sqlite).await?.unwrap();
    let resp = post(&server, None, "application/x-www-form-urlencoded", "Action=ListRoles&Version=2010-05-08").await;
    assert_eq!(resp.status().as_u16(), 403);
    let text = resp.text().await?;
    assert!(text.contains("<Code>MissingAuthenticationToken</Code>"), "{text}");
    server.stop().await
}

#[tokio::test]
async fn every_response_has_a_request_id_and_empty_outputs_are_objects() -> anyhow::Result<()> {
    let server = dev_server().await;
    let created = server.idp().create_user_pool().pool_name("p").send().await?;
    let id = created.user_pool().unwrap().id().unwrap().to_string();
    let resp = post(&server, Some(&format!("{IDP}.DeleteUserPool")), JSON, format!(r#"{{"UserPoolId":"{id}"}}"#)).await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers().contains_key("x-amzn-requestid"));
    assert_eq!(resp.headers()["content-type"], "application/x-amz-json-1.1");
    assert_eq!(resp.text().await?, "{}");
    server.stop().await
}
