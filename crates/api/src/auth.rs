//! Who is calling, resolved once per request before dispatch. Operations the model marks SigV4
//! need a verified signature from a known access key (or development mode, which accepts
//! anything): the caller is that IAM principal. Operations a user calls with an `AccessToken`
//! member run as that token's user, verified here (signature, expiry, scope, revocation, the user
//! still enabled). The rest run as `Anonymous` and carry their own proof (a client ID, a session)
//! in the body. Failures get the codes AWS gives:
//! JSON services say `MissingAuthenticationTokenException`, `UnrecognizedClientException`,
//! `InvalidSignatureException`; Query services (STS, IAM) say `MissingAuthenticationToken`,
//! `InvalidClientTokenId`, `SignatureDoesNotMatch`.

use cognate_domain::access_keys::TokenCheck;
use cognate_domain::iam::principals::Acting;
use cognate_domain::tokens::AccessClaims;
use cognate_domain::users::User;
use cognate_protocol::AwsError;
use cognate_protocol::sigv4::{self, SigError, SignedRequest};
use http::StatusCode;

use crate::{ApiState, RawRequest};

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub enum Caller {
    /// An operation that takes neither a SigV4 signature nor an access token.
    Anonymous,
    /// A request signed by an IAM principal.
    Principal(Principal),
    /// Development mode: credentials were not checked.
    Developer,
    /// A pool's user, by a verified access token.
    User(Box<SignedIn>),
}

/// An IAM principal that signed a request: the account's root, an IAM user, or a session (an
/// assumed role, a user's session), with the policies it acts under.
#[derive(Clone, Debug)]
pub struct Principal {
    pub acting: std::sync::Arc<Acting>,
}

/// The user an access token speaks for, with the token's claims.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub pool_id: String,
    pub user: User,
    pub claims: AccessClaims,
}

/// The `AccessToken` member of a JSON request, read before the request is decoded for its
/// handler (every other member is ignored here).
#[derive(serde::Deserialize)]
struct AccessTokenMember {
    #[serde(rename = "AccessToken")]
    access_token: Option<String>,
}

/// The user of the request's access token, or `Anonymous` when it has none (an operation that
/// also takes a session instead). A body that is not JSON is left for the handler's decoder to
/// refuse with the protocol's error.
pub async fn resolve_user(state: &ApiState, body: &[u8]) -> Result<Caller, crate::ApiError> {
    let token = serde_json::from_slice::<AccessTokenMember>(body).ok().and_then(|m| m.access_token);
    let Some(token) = token else { return Ok(Caller::Anonymous) };
    let (pool_id, user, claims) = state.domain.authorize(&token).await?;
    Ok(Caller::User(Box::new(SignedIn { pool_id, user, claims })))
}

/// Which family of error codes to answer with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Json,
    Query,
}

fn err(protocol: Protocol, json_code: &'static str, query_code: &'static str, message: impl Into<String>) -> AwsError {
    match protocol {
        Protocol::Json => AwsError::client(json_code, message),
        Protocol::Query => AwsError::new(query_code, StatusCode::FORBIDDEN, message),
    }
}

/// Verifies the request's SigV4 signature for `signing_name` (the credential scope's service).
pub async fn authenticate(
    state: &ApiState,
    req: &RawRequest<'_>,
    signing_name: &str,
    protocol: Protocol,
) -> Result<Caller, AwsError> {
    if state.config.dev_mode {
        return Ok(Caller::Developer);
    }
    let auth = match sigv4::parse_authorization(req.headers) {
        Ok(a) => a,
        Err(SigError::Missing) => {
            return Err(err(
                protocol,
                "MissingAuthenticationTokenException",
                "MissingAuthenticationToken",
                "Missing Authentication Token",
            ));
        }
        Err(e) => return Err(err(protocol, "IncompleteSignatureException", "IncompleteSignature", e.to_string())),
    };
    if auth.credential.service != signing_name {
        return Err(err(
            protocol,
            "InvalidSignatureException",
            "SignatureDoesNotMatch",
            format!("Credential should be scoped to correct service: '{signing_name}'. "),
        ));
    }
    let unrecognized = || {
        err(
            protocol,
            "UnrecognizedClientException",
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        )
    };
    let key = state
        .domain
        .find_access_key(&auth.credential.access_key_id)
        .await
        .map_err(|e| {
            tracing::error!(error = format!("{e:#}"), "COGNATE-AUTH0001 access key lookup failed");
            AwsError::internal(if protocol == Protocol::Json { "InternalErrorException" } else { "InternalFailure" })
        })?
        .ok_or_else(unrecognized)?;
    let session_token = req.headers.get("x-amz-security-token").and_then(|v| v.to_str().ok());
    let now_ms = state.domain.clock().now_ms();
    match key.check_session(session_token, now_ms) {
        TokenCheck::Valid => {}
        TokenCheck::Invalid => return Err(unrecognized()),
        TokenCheck::Expired => {
            return Err(err(
                protocol,
                "ExpiredTokenException",
                "ExpiredToken",
                "The security token included in the request is expired",
            ));
        }
    }
    let signed = SignedRequest {
        method: req.method.as_str(),
        path: req.uri.path(),
        query: req.uri.query().unwrap_or(""),
        headers: req.headers,
        body: req.body,
    };
    let now =
        time::OffsetDateTime::from_unix_timestamp(now_ms / 1000).unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let internal = |e: cognate_domain::Error| {
        tracing::error!(error = format!("{e:#}"), "COGNATE-AUTH0002 resolving a principal failed");
        AwsError::internal(if protocol == Protocol::Json { "InternalErrorException" } else { "InternalFailure" })
    };
    match sigv4::verify(&signed, &auth, &key.secret_access_key, now) {
        // A user's key counts while it is active on the user; a session's while its role exists.
        Ok(()) => match state.domain.acting_as(&key).await.map_err(internal)? {
            Some(acting) => Ok(Caller::Principal(Principal { acting: std::sync::Arc::new(acting) })),
            None => Err(unrecognized()),
        },
        Err(SigError::Mismatch) => {
            Err(err(protocol, "InvalidSignatureException", "SignatureDoesNotMatch", SigError::Mismatch.to_string()))
        }
        Err(SigError::Expired(m)) => Err(err(protocol, "InvalidSignatureException", "SignatureDoesNotMatch", m)),
        Err(e) => Err(err(protocol, "IncompleteSignatureException", "IncompleteSignature", e.to_string())),
    }
}
