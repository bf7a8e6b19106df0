//! Passkeys through the official SDK, with a software authenticator written here (ES256 over
//! aws-lc, attestation `none`, CBOR by hand — the few fixed structures WebAuthn needs): register,
//! list, sign in with USER_AUTH + WEB_AUTHN, delete. The attacks on it are in `security`.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, SignInPolicyType, UserPoolPolicyType,
};
use aws_smithy_types::Document;
use base64::Engine as _;
use cognate_testkit::{TestServer, both_backends};
use sha2::Digest as _;

use crate::helpers::{PASSWORD, attr, sign_in};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
pub const ORIGIN: &str = "http://localhost:3000";

/// A platform authenticator holding one ES256 credential.
pub struct Authenticator {
    key: EcdsaKeyPair,
    pub credential_id: Vec<u8>,
    counter: u32,
    pub user_handle: Option<String>,
    /// Whether the authenticator verifies its user (the UV flag).
    pub verifies_user: bool,
}

fn cbor_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    match bytes.len() {
        n if n < 24 => out.push(0x40 + n as u8),
        n if n < 256 => out.extend([0x58, n as u8]),
        n => out.extend([0x59, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(bytes);
}

fn cbor_text(out: &mut Vec<u8>, text: &str) {
    out.push(0x60 + text.len() as u8);
    out.extend_from_slice(text.as_bytes());
}

/// JSON Documents as the SDK takes them.
pub fn to_document(v: &serde_json::Value) -> Document {
    match v {
        serde_json::Value::Null => Document::Null,
        serde_json::Value::Bool(b) => Document::Bool(*b),
        serde_json::Value::Number(n) => Document::Number(aws_smithy_types::Number::PosInt(n.as_u64().unwrap_or(0))),
        serde_json::Value::String(s) => Document::String(s.clone()),
        serde_json::Value::Array(a) => Document::Array(a.iter().map(to_document).collect()),
        serde_json::Value::Object(o) => Document::Object(o.iter().map(|(k, v)| (k.clone(), to_document(v))).collect()),
    }
}

pub fn from_document(d: &Document) -> serde_json::Value {
    match d {
        Document::Null => serde_json::Value::Null,
        Document::Bool(b) => serde_json::Value::Bool(*b),
        Document::Number(n) => serde_json::json!(n.to_f64_lossy()),
        Document::String(s) => serde_json::Value::String(s.clone()),
        Document::Array(a) => serde_json::Value::Array(a.iter().map(from_document).collect()),
        Document::Object(o) => {
            serde_json::Value::Object(o.iter().map(|(k, v)| (k.clone(), from_document(v))).collect())
        }
    }
}

impl Authenticator {
    pub fn new() -> Self {
        let key = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).unwrap();
        let credential_id: Vec<u8> = sha2::Sha256::digest(key.public_key().as_ref()).to_vec();
        Authenticator { key, credential_id, counter: 0, user_handle: None, verifies_user: true }
    }

    fn auth_data(&mut self, rp_id: &str, attested: bool) -> Vec<u8> {
        self.counter += 1;
        let mut out = sha2::Sha256::digest(rp_id.as_bytes()).to_vec();
        let uv = if self.verifies_user { 0x04 } else { 0 };
        out.push(if attested { 0x41 | uv } else { 0x01 | uv }); // UP (| UV) (| AT)
        out.extend(self.counter.to_be_bytes());
        if attested {
            out.extend([0u8; 16]); // AAGUID
            out.extend((self.credential_id.len() as u16).to_be_bytes());
            out.extend(&self.credential_id);
            let public = self.key.public_key().as_ref(); // 0x04 | x | y
            let mut cose = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
            cbor_bytes(&mut cose, &public[1..33]);
            cose.push(0x22);
            cbor_bytes(&mut cose, &public[33..65]);
            out.extend(cose);
        }
        out
    }

    fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
        serde_json::to_vec(
            &serde_json::json!({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false}),
        )
        .unwrap()
    }

    /// `navigator.credentials.create()` answered: RegistrationResponseJSON.
    pub fn register(&mut self, options: &serde_json::Value, origin: &str) -> serde_json::Value {
        let rp_id = options["rp"]["id"].as_str().unwrap().to_string();
        self.user_handle = options["user"]["id"].as_str().map(str::to_string);
        let client_data = Self::client_data("webauthn.create", options["challenge"].as_str().unwrap(), origin);
        let auth_data = self.auth_data(&rp_id, true);
        let mut att = vec![0xa3];
        cbor_text(&mut att, "fmt");
        cbor_text(&mut att, "none");
        cbor_text(&mut att, "attStmt");
        att.push(0xa0);
        cbor_text(&mut att, "authData");
        cbor_bytes(&mut att, &auth_data);
        let id = B64.encode(&self.credential_id);
        serde_json::json!({
            "id": id, "rawId": id, "type": "public-key", "authenticatorAttachment": "platform",
            "response": {"clientDataJSON": B64.encode(client_data), "attestationObject": B64.encode(att), "transports": ["internal"]},
            "clientExtensionResults": {},
        })
    }

    /// `navigator.credentials.get()` answered: AuthenticationResponseJSON.
    pub fn assert(&mut self, options: &serde_json::Value, origin: &str) -> serde_json::Value {
        let rp_id = options["rpId"].as_str().unwrap().to_string();
        let client_data = Self::client_data("webauthn.get", options["challenge"].as_str().unwrap(), origin);
        let auth_data = self.auth_data(&rp_id, false);
        let mut signed = auth_data.clone();
        signed.extend(sha2::Sha256::digest(&client_data));
        let signature = self.key.sign(&SystemRandom::new(), &signed).unwrap();
        let id = B64.encode(&self.credential_id);
        serde_json::json!({
            "id": id, "rawId": id, "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(client_data), "authenticatorData": B64.encode(auth_data),
                "signature": B64.encode(signature.as_ref()), "userHandle": self.user_handle,
            },
            "clientExtensionResults": {},
        })
    }
}

/// A pool allowing PASSWORD and WEB_AUTHN first factors, a client with USER_AUTH and password
/// sign-in, and a user `pia`: (pool, client).
pub async fn passkey_pool(server: &TestServer) -> (String, String) {
    let idp = server.idp();
    let policy = SignInPolicyType::builder()
        .allowed_first_auth_factors(AuthFactorType::Password)
        .allowed_first_auth_factors(AuthFactorType::WebAuthn)
        .build();
    let pool = idp
        .create_user_pool()
        .pool_name("passkeys")
        .policies(UserPoolPolicyType::builder().sign_in_policy(policy).build())
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
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap()
        .client_id
        .unwrap();
    idp.admin_create_user()
        .user_pool_id(&pool)
        .username("pia")
        .user_attributes(attr("email", "pia@example.com"))
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    idp.admin_set_user_password()
        .user_pool_id(&pool)
        .username("pia")
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
    (pool, client)
}

/// Registers `authenticator`'s credential for `pia`; returns the access token used.
pub async fn register(server: &TestServer, client: &str, authenticator: &mut Authenticator) -> String {
    let idp = server.idp();
    let access = sign_in(server, client, "pia", PASSWORD).await.access_token.unwrap();
    let start = idp.start_web_authn_registration().access_token(&access).send().await.unwrap();
    let options = from_document(start.credential_creation_options());
    assert_eq!(options["rp"]["id"], "localhost");
    let credential = authenticator.register(&options, ORIGIN);
    idp.complete_web_authn_registration()
        .access_token(&access)
        .credential(to_document(&credential))
        .send()
        .await
        .unwrap();
    access
}

/// USER_AUTH with WEB_AUTHN preferred: (session, request options).
pub async fn passkey_challenge(server: &TestServer, client: &str) -> (String, serde_json::Value) {
    let start = server
        .idp()
        .initiate_auth()
        .client_id(client)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", "pia")
        .auth_parameters("PREFERRED_CHALLENGE", "WEB_AUTHN")
        .send()
        .await
        .unwrap();
    assert_eq!(start.challenge_name(), Some(&ChallengeNameType::WebAuthn));
    let options: serde_json::Value =
        serde_json::from_str(&start.challenge_parameters().unwrap()["CREDENTIAL_REQUEST_OPTIONS"]).unwrap();
    (start.session().unwrap().to_string(), options)
}

pub async fn answer(
    server: &TestServer,
    client: &str,
    session: &str,
    credential: &serde_json::Value,
) -> Result<aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput, String>
{
    server
        .idp()
        .respond_to_auth_challenge()
        .client_id(client)
        .challenge_name(ChallengeNameType::WebAuthn)
        .session(session)
        .challenge_responses("USERNAME", "pia")
        .challenge_responses("CREDENTIAL", credential.to_string())
        .send()
        .await
        .map_err(|e| crate::helpers::code(&e.into_service_error()))
}

both_backends! {
    async fn user_verification_follows_the_pools_setting(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = passkey_pool(&server).await;
        // Cognito's default, preferred: an authenticator without user verification will do.
        let mut key_without_pin = Authenticator::new();
        key_without_pin.verifies_user = false;
        let access = register(&server, &client, &mut key_without_pin).await;
        let (session, options) = passkey_challenge(&server, &client).await;
        assert_eq!(options["userVerification"], "preferred");
        answer(&server, &client, &session, &key_without_pin.assert(&options, ORIGIN)).await.unwrap();
        // Required: it no longer signs in, and another such key does not register.
        let config = aws_sdk_cognitoidentityprovider::types::WebAuthnConfigurationType::builder()
            .user_verification(aws_sdk_cognitoidentityprovider::types::UserVerificationType::Required)
            .build();
        idp.set_user_pool_mfa_config().user_pool_id(&pool).web_authn_configuration(config)
            .mfa_configuration(aws_sdk_cognitoidentityprovider::types::UserPoolMfaType::Off).send().await?;
        let (session, options) = passkey_challenge(&server, &client).await;
        assert_eq!(options["userVerification"], "required");
        let refused = answer(&server, &client, &session, &key_without_pin.assert(&options, ORIGIN)).await;
        assert_eq!(refused.unwrap_err(), "NotAuthorizedException");
        let start = idp.start_web_authn_registration().access_token(&access).send().await?;
        let mut another = Authenticator::new();
        another.verifies_user = false;
        let credential = another.register(&from_document(start.credential_creation_options()), ORIGIN);
        let e = idp.complete_web_authn_registration().access_token(&access).credential(to_document(&credential)).send().await.unwrap_err();
        assert_eq!(crate::helpers::code(&e.into_service_error()), "InvalidParameterException");
        Ok(())
    }

    async fn register_list_sign_in_and_delete_a_passkey(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = passkey_pool(&server).await;
        let mut authenticator = Authenticator::new();
        let access = register(&server, &client, &mut authenticator).await;
        let listed = idp.list_web_authn_credentials().access_token(&access).send().await?;
        assert_eq!(listed.credentials().len(), 1);
        let c = &listed.credentials()[0];
        assert_eq!(c.credential_id(), B64.encode(&authenticator.credential_id));
        assert_eq!(c.relying_party_id(), "localhost");
        assert_eq!(c.authenticator_attachment(), Some("platform"));
        assert_eq!(c.authenticator_transports(), ["internal".to_string()]);
        // Completing again without a new start is refused.
        let again = Authenticator::new().register(&serde_json::json!({"rp": {"id": "localhost"}, "user": {"id": "x"}, "challenge": "AAAA"}), ORIGIN);
        let e = idp.complete_web_authn_registration().access_token(&access).credential(to_document(&again)).send().await.unwrap_err();
        assert_eq!(crate::helpers::code(&e.into_service_error()), "InvalidParameterException");

        // SELECT_CHALLENGE now offers WEB_AUTHN; the passkey alone signs in.
        let select = idp.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserAuth).auth_parameters("USERNAME", "pia").send().await?;
        let available: Vec<&str> = select.available_challenges().iter().map(|c| c.as_str()).collect();
        assert!(available.contains(&"WEB_AUTHN"), "{available:?}");
        let (session, options) = passkey_challenge(&server, &client).await;
        assert_eq!(options["rpId"], "localhost");
        assert_eq!(options["allowCredentials"][0]["id"], B64.encode(&authenticator.credential_id));
        let credential = authenticator.assert(&options, ORIGIN);
        let tokens = answer(&server, &client, &session, &credential).await.unwrap();
        let result = tokens.authentication_result().unwrap();
        let claims = crate::helpers::verify_jwt(&server, &pool, result.id_token().unwrap()).await;
        assert_eq!(claims["cognito:username"], "pia");
        let user = idp.get_user().access_token(result.access_token().unwrap()).send().await?;
        assert_eq!(user.username(), "pia");

        // Deleted, it is gone from the list and from the choices.
        idp.delete_web_authn_credential().access_token(&access).credential_id(B64.encode(&authenticator.credential_id)).send().await?;
        assert!(idp.list_web_authn_credentials().access_token(&access).send().await?.credentials().is_empty());
        let select = idp.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserAuth).auth_parameters("USERNAME", "pia").send().await?;
        assert!(!select.available_challenges().iter().any(|c| c.as_str() == "WEB_AUTHN"));
        let e = idp.delete_web_authn_credential().access_token(&access).credential_id("nope").send().await.unwrap_err();
        assert_eq!(crate::helpers::code(&e.into_service_error()), "ResourceNotFoundException");
        Ok(())
    }
}

/// A pool with passkeys and a domain: the hosted sign-in page offers "Sign in with a passkey",
/// whose page hands the browser the request options and takes its assertion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hosted_ui_signs_in_with_a_passkey() -> anyhow::Result<()> {
    use crate::hosted_ui::{Browser, authorize_url, web_client};
    let Some(server) = TestServer::start(cognate_testkit::Backend::Sqlite).await? else { return Ok(()) };
    let (pool, client) = passkey_pool(&server).await;
    let mut authenticator = Authenticator::new();
    register(&server, &client, &mut authenticator).await;
    let prefix = format!("pk-{}", pool.rsplit('_').next().unwrap().to_lowercase().replace('a', "x"));
    server.idp().create_user_pool_domain().user_pool_id(&pool).domain(&prefix).send().await?;
    let base = format!("{}/domains/{prefix}", server.base_url);
    let (web, _) = web_client(&server, &pool, "web", false, false).await;
    let mut b = Browser::new();
    let to_login = b.get(&authorize_url(&base, &web, &[("state", "pk")])).await;
    let login = b.get(to_login.location.as_deref().unwrap()).await;
    assert!(login.body.contains("Sign in with a passkey"));
    let page = b.post(&login.action(), &[("method", "WEB_AUTHN"), ("username", "pia")]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("src=\"/_cognate/passkey.js\""));
    let options: serde_json::Value = serde_json::from_str(&page.input("passkey_options").unwrap())?;
    let js = server.http().get(format!("{}/_cognate/passkey.js", server.base_url)).send().await?;
    assert!(js.headers()["content-type"].to_str()?.starts_with("text/javascript"));
    let assertion = authenticator.assert(&options, ORIGIN);
    let action = format!("{base}/login/challenge?{}", login.action().split_once('?').unwrap().1);
    let done = b
        .post(
            &action,
            &[
                ("challenge", "WEB_AUTHN"),
                ("session", &page.input("session").unwrap()),
                ("username", "pia"),
                ("credential", &assertion.to_string()),
            ],
        )
        .await;
    assert_eq!(done.status, 302, "{}", done.body);
    assert!(done.location_param("code").is_some());
    assert_eq!(done.location_param("state").as_deref(), Some("pk"));
    // An unknown name is told so (this client does not hide users).
    let unknown = b.post(&login.action(), &[("method", "WEB_AUTHN"), ("username", "nobody")]).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(unknown.text_of("login-error").as_deref(), Some("User does not exist."));
    Ok(())
}
