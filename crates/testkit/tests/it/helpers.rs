//! What the integration tests share: pools and clients, confirmed users, sign-in, token checks
//! against the JWKS, error codes, SigV4-signed raw requests and TOTP codes.

use std::time::SystemTime;

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ExplicitAuthFlowsType, PreventUserExistenceErrorTypes, VerifiedAttributeType,
};
use base64::Engine as _;
use cognate_testkit::TestServer;

pub fn code<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("<none>").to_string()
}

pub async fn new_pool(server: &TestServer, name: &str) -> String {
    let out = server.idp().create_user_pool().pool_name(name).send().await.unwrap();
    out.user_pool().unwrap().id().unwrap().to_string()
}

pub const PASSWORD: &str = "Passw0rd!";

/// A pool that auto-verifies email, and a client allowing password sign-in.
pub async fn pool_and_client(server: &TestServer, prevent: bool) -> (String, String) {
    let idp = server.idp();
    let pool = idp
        .create_user_pool()
        .pool_name("users")
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await
        .unwrap()
        .user_pool
        .unwrap()
        .id
        .unwrap();
    let client = idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
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
        .unwrap()
        .client_id
        .unwrap();
    (pool, client)
}

pub fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().unwrap()
}

/// Signs up and confirms `username` with its emailed code.
pub async fn confirmed_user(server: &TestServer, client: &str, username: &str, email: &str) {
    let idp = server.idp();
    idp.sign_up()
        .client_id(client)
        .username(username)
        .password(PASSWORD)
        .user_attributes(attr("email", email))
        .send()
        .await
        .unwrap();
    let code = server.last_code(email).await.unwrap();
    idp.confirm_sign_up().client_id(client).username(username).confirmation_code(code).send().await.unwrap();
}

pub async fn sign_in(
    server: &TestServer,
    client: &str,
    username: &str,
    password: &str,
) -> aws_sdk_cognitoidentityprovider::types::AuthenticationResultType {
    server
        .idp()
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .unwrap()
        .authentication_result
        .unwrap()
}

/// Verifies an RS256 JWT against the pool's JWKS with the `rsa` crate (independent of the
/// server's JWT library) and returns its claims.
pub async fn verify_jwt(server: &TestServer, pool: &str, token: &str) -> serde_json::Value {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: serde_json::Value = serde_json::from_slice(&b64.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "RS256");
    let jwks: serde_json::Value = server
        .http()
        .get(format!("{}/{pool}/.well-known/jwks.json", server.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == header["kid"]).expect("kid in JWKS");
    let n = rsa::BigUint::from_bytes_be(&b64.decode(key["n"].as_str().unwrap()).unwrap());
    let e = rsa::BigUint::from_bytes_be(&b64.decode(key["e"].as_str().unwrap()).unwrap());
    let public = rsa::RsaPublicKey::new(n, e).unwrap();
    let verifier = VerifyingKey::<sha2::Sha256>::new(public);
    let signature = Signature::try_from(b64.decode(parts[2]).unwrap().as_slice()).unwrap();
    verifier.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature).expect("signature verifies");
    serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap()
}

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

/// The TOTP code for `secret` (base32) at `offset` steps from now.
pub fn totp_code(secret: &str, offset: i64) -> String {
    let key = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).unwrap();
    let t = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, key).unwrap();
    let now = SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    t.generate(u64::try_from(now + offset * 30).unwrap())
}

pub async fn password_step(
    server: &TestServer,
    client: &str,
    username: &str,
) -> aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput {
    server
        .idp()
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap()
}
