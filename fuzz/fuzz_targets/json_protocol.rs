//! The AWS JSON 1.1 protocol decoder: `cognate_protocol::json::target` on an arbitrary
//! `X-Amz-Target` header value, `is_json_content_type` on the same value, and
//! `cognate_protocol::json::decode::<T>` of an arbitrary body into real generated request types of
//! `cognate_model` (serde, `serde_path_to_error` paths, the model's `Validate` constraints and
//! patterns), followed by the error's wire encodings or, on success, `json::encode`.
//!
//! Input: `<X-Amz-Target value>\n<body>` (no newline: the whole input is the target, the body is
//! empty). The operation named by the target picks the request type when it is one of the table
//! below; otherwise the target's bytes pick one, so every input decodes something.
#![no_main]

use cognate_model::{cognito_identity as ci, cognito_idp as idp};
use cognate_protocol::json;
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

const VALIDATION: &str = "InvalidParameterException";

/// Codes `decode` may answer with; anything else is a bug in the decoder.
const DECODE_CODES: &[&str] = &["SerializationException", VALIDATION];

fn decode_as<T: DeserializeOwned + cognate_model::Validate + Serialize>(body: &[u8]) {
    match json::decode::<T>(body, VALIDATION) {
        Ok(value) => {
            // What was accepted must encode, and its encoding must decode again: the model never
            // produces JSON that its own decoder refuses.
            let response = json::encode(&value);
            assert!(response.is_ok(), "json::encode failed on a decoded request");
            let Ok(again) = serde_json::to_vec(&value) else {
                panic!("serde_json::to_vec failed on a decoded request");
            };
            if let Err(e) = json::decode::<T>(&again, VALIDATION) {
                panic!("re-encoded request does not decode: {e}\n{}", String::from_utf8_lossy(&again));
            }
        }
        Err(e) => {
            assert!(DECODE_CODES.contains(&e.code.as_ref()), "unexpected error code {}", e.code);
            assert_eq!(e.status, http::StatusCode::BAD_REQUEST);
            let _ = e.clone().into_json_response();
            let _ = e.into_query_response("https://cognito-idp.amazonaws.com/doc/2016-04-18/", "fuzz");
        }
    }
}

type Decoder = fn(&[u8]);

/// Operation name → decoder of its request type.
const DECODERS: &[(&str, Decoder)] = &[
    ("InitiateAuth", decode_as::<idp::InitiateAuthRequest>),
    ("AdminInitiateAuth", decode_as::<idp::AdminInitiateAuthRequest>),
    ("RespondToAuthChallenge", decode_as::<idp::RespondToAuthChallengeRequest>),
    ("AdminRespondToAuthChallenge", decode_as::<idp::AdminRespondToAuthChallengeRequest>),
    ("AdminCreateUser", decode_as::<idp::AdminCreateUserRequest>),
    ("AdminUpdateUserAttributes", decode_as::<idp::AdminUpdateUserAttributesRequest>),
    ("ListUsers", decode_as::<idp::ListUsersRequest>),
    ("ListUserPools", decode_as::<idp::ListUserPoolsRequest>),
    ("CreateUserPool", decode_as::<idp::CreateUserPoolRequest>),
    ("UpdateUserPool", decode_as::<idp::UpdateUserPoolRequest>),
    ("AddCustomAttributes", decode_as::<idp::AddCustomAttributesRequest>),
    ("SetUserPoolMfaConfig", decode_as::<idp::SetUserPoolMfaConfigRequest>),
    ("CreateUserPoolClient", decode_as::<idp::CreateUserPoolClientRequest>),
    ("UpdateUserPoolClient", decode_as::<idp::UpdateUserPoolClientRequest>),
    ("CreateIdentityProvider", decode_as::<idp::CreateIdentityProviderRequest>),
    ("SignUp", decode_as::<idp::SignUpRequest>),
    ("ChangePassword", decode_as::<idp::ChangePasswordRequest>),
    ("ConfirmDevice", decode_as::<idp::ConfirmDeviceRequest>),
    ("CreateGroup", decode_as::<idp::CreateGroupRequest>),
    ("TagResource", decode_as::<idp::TagResourceRequest>),
    // cognito-identity (`AWSCognitoIdentityService`) speaks the same protocol.
    ("CreateIdentityPool", decode_as::<ci::CreateIdentityPoolInput>),
    ("GetId", decode_as::<ci::GetIdInput>),
    ("GetCredentialsForIdentity", decode_as::<ci::GetCredentialsForIdentityInput>),
];

fuzz_target!(|data: &[u8]| {
    let (target_line, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };

    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(target_line) {
        headers.insert("x-amz-target", value.clone());
        headers.insert(http::header::CONTENT_TYPE, value);
    }
    let _ = json::is_json_content_type(&headers);
    let operation = match json::target(&headers) {
        Ok(Some(t)) => {
            assert!(!t.prefix.is_empty() && !t.operation.is_empty());
            Some(t.operation)
        }
        Ok(None) => None,
        Err(e) => {
            assert_eq!(e.code, "UnknownOperationException");
            None
        }
    };

    let by_name = operation.as_deref().and_then(|op| DECODERS.iter().find(|(name, _)| *name == op));
    let (_, decoder) = match by_name {
        Some(entry) => entry,
        None => {
            let pick = target_line.iter().fold(0usize, |acc, &b| acc.wrapping_add(usize::from(b)));
            &DECODERS[pick % DECODERS.len()]
        }
    };
    decoder(body);
});
