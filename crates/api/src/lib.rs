//! The AWS API surface of Cognate: `POST /` for every service on one port. The entry reads the
//! body (bounded), tells the services apart (`X-Amz-Target` prefix for the JSON services; the
//! form's `Version` or the SigV4 scope for the Query services), authenticates SigV4 where the
//! model requires it, and hands the operation to its service's dispatch table. Handlers live in
//! one module per operation group and are named after their operation.

pub mod auth;
pub mod authz;
pub mod coverage;
pub mod dispatch;
pub mod error_map;
mod iam_ops;
mod identity_ops;
mod idp;
mod sts_ops;
pub mod throttle;
pub mod wire;

use std::future::Future;
use std::pin::Pin;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use cognate_domain::Domain;
use cognate_domain::iam::principals::RequestFacts;
use cognate_model::{Validate, cognito_identity, cognito_idp, iam, sts};
use cognate_protocol::{AwsError, RequestId, json};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

pub use auth::{Caller, SignedIn};
pub use error_map::ApiError;

/// Settings of the API surface.
#[derive(Clone, Debug)]
pub struct ApiConfig {
    /// Accept any (or no) credentials on SigV4 operations. For local development only.
    pub dev_mode: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

/// Shared state of the API routes.
#[derive(Clone)]
pub struct ApiState {
    pub domain: Domain,
    pub config: ApiConfig,
    /// Per-client limits on password checks.
    pub throttle: std::sync::Arc<throttle::Throttle>,
}

/// What a handler gets besides its request: the same for JSON and Query handlers.
#[derive(Clone)]
pub struct Ctx {
    pub domain: Domain,
    pub request_id: String,
    /// Resolved and authorized before the handler runs.
    pub caller: Caller,
    /// What policy conditions may test about the request.
    pub facts: RequestFacts,
}

/// A Query request as its handler gets it.
pub struct QueryRequest {
    pub operation: &'static str,
    pub xmlns: &'static str,
    pub params: Vec<(String, String)>,
}

impl Ctx {
    /// The signed principal of the request (every IAM and most STS operations have one). In
    /// development mode, where nothing is checked, the caller acts as the account's root.
    pub fn acting(&self) -> Result<std::sync::Arc<cognate_domain::iam::principals::Acting>, ApiError> {
        match &self.caller {
            Caller::Principal(p) => Ok(p.acting.clone()),
            Caller::Developer => Ok(std::sync::Arc::new(self.domain.root_acting("development-mode"))),
            Caller::Anonymous | Caller::User(_) => Err(ApiError::Aws(AwsError::new(
                "AccessDenied",
                StatusCode::FORBIDDEN,
                "This operation needs credentials of an IAM principal.",
            ))),
        }
    }
}

/// Decodes a Query request, runs the handler and encodes its answer (`None`: no output shape).
pub async fn query_call<Req, Resp, F, Fut>(
    ctx: Ctx,
    req: QueryRequest,
    map_error: fn(ApiError) -> AwsError,
    handler: F,
) -> Result<Response, AwsError>
where
    Req: DeserializeOwned + Validate,
    Resp: Serialize,
    F: FnOnce(Ctx, Req) -> Fut,
    Fut: Future<Output = Result<Option<Resp>, ApiError>>,
{
    let input: Req = cognate_protocol::query::decode(&req.params)?;
    let request_id = ctx.request_id.clone();
    let output = handler(ctx, input).await.map_err(map_error)?;
    cognate_protocol::query::encode(req.operation, req.xmlns, &request_id, output.as_ref())
}

impl Ctx {
    /// The user whose access token the request carries: the caller of every operation the model
    /// gives an `AccessToken` member. Without one, Cognito's answer to a missing token.
    pub fn signed_in(&self) -> Result<&SignedIn, ApiError> {
        match &self.caller {
            Caller::User(signed_in) => Ok(signed_in),
            Caller::Anonymous | Caller::Principal(_) | Caller::Developer => {
                Err(ApiError::Domain(cognate_domain::Error::NotAuthorized("Invalid Access Token".into())))
            }
        }
    }

    /// The signed-in user with their pool and the token's claims.
    pub async fn signed_in_with_pool(
        &self,
    ) -> Result<
        (cognate_domain::pools::UserPool, cognate_domain::users::User, cognate_domain::tokens::AccessClaims),
        ApiError,
    > {
        let SignedIn { pool_id, user, claims } = self.signed_in()?;
        Ok((self.domain.get_user_pool(pool_id).await?, user.clone(), claims.clone()))
    }
}

/// A handler's future, boxed so handlers fit one table.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Response, AwsError>> + Send>>;

/// An operation handler as the dispatch tables store it.
pub type Handler = fn(Ctx, Bytes) -> HandlerFuture;

/// The output of operations the model gives no output shape: `{}` on the wire.
#[derive(Debug, Default, Serialize)]
pub struct Empty {}

/// Decodes and validates the request, runs the handler, encodes the response.
pub async fn call<Req, Resp, F, Fut>(ctx: Ctx, body: Bytes, handler: F) -> Result<Response, AwsError>
where
    Req: DeserializeOwned + Validate,
    Resp: Serialize,
    F: FnOnce(Ctx, Req) -> Fut,
    Fut: Future<Output = Result<Resp, ApiError>>,
{
    call_mapped(ctx, body, ApiError::into_aws, handler).await
}

/// `call` with the service's own mapping of domain errors.
pub async fn call_mapped<Req, Resp, F, Fut>(
    ctx: Ctx,
    body: Bytes,
    map_error: fn(ApiError) -> AwsError,
    handler: F,
) -> Result<Response, AwsError>
where
    Req: DeserializeOwned + Validate,
    Resp: Serialize,
    F: FnOnce(Ctx, Req) -> Fut,
    Fut: Future<Output = Result<Resp, ApiError>>,
{
    let req: Req = json::decode(&body, "InvalidParameterException")?;
    let resp = handler(ctx, req).await.map_err(map_error)?;
    json::encode(&resp)
}

/// The API router: `POST /`.
pub fn router(state: ApiState) -> Router {
    Router::new().route("/", post(entry)).with_state(state)
}

async fn entry(State(state): State<ApiState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = parts.extensions.get::<RequestId>().cloned().unwrap_or_default().0;
    let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let client = state.throttle.client_addr(peer, &parts.headers);
    // https as the trusted proxy in front saw it (Cognate itself listens on plain http).
    let is_secure = peer.is_some_and(|p| state.throttle.is_trusted(p))
        && parts.headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let origin = Origin { client, is_secure };
    let body = match read_body(body, state.config.max_body_bytes).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    match json::target(&parts.headers) {
        Err(e) => e.into_response(),
        Ok(Some(target)) => json_service(&state, &parts, target, body, request_id, origin)
            .await
            .unwrap_or_else(AwsError::into_json_response),
        Ok(None) if is_form(&parts.headers) => {
            query_service(&state, &parts.method, &parts.uri, &parts.headers, body, request_id, origin).await
        }
        Ok(None) => AwsError::unknown_operation("The request has no X-Amz-Target header.").into_response(),
    }
}

/// Where a request came from.
#[derive(Clone, Copy, Debug)]
struct Origin {
    client: Option<std::net::IpAddr>,
    is_secure: bool,
}

/// What conditions may test about a request.
fn facts(state: &ApiState, headers: &HeaderMap, origin: Origin) -> RequestFacts {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    RequestFacts {
        source_ip: origin.client.map(|ip| ip.to_string()),
        is_secure: origin.is_secure,
        now_ms: state.domain.clock().now_ms(),
        region: state.domain.config().region.clone(),
        user_agent: header("user-agent").map(str::to_owned),
    }
}

/// Query-protocol requests (STS, IAM) are form-encoded.
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"))
}

/// The body, at most `limit` bytes. A body that stops arriving (the body deadline passed, the
/// client went away) is not "too large": it gets 408.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, AwsError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let is_too_large = std::iter::successors(Some(&e as &(dyn std::error::Error + 'static)), |e| e.source())
            .any(|e| e.is::<http_body_util::LengthLimitError>());
        if is_too_large {
            AwsError::request_entity_too_large(limit)
        } else {
            AwsError::new(
                "RequestTimeoutException",
                StatusCode::REQUEST_TIMEOUT,
                "The request body did not arrive in time.",
            )
        }
    })
}

/// The request as SigV4 sees it.
pub struct RawRequest<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

async fn json_service(
    state: &ApiState,
    parts: &http::request::Parts,
    target: json::Target,
    body: Bytes,
    request_id: String,
    origin: Origin,
) -> Result<Response, AwsError> {
    let client = origin.client;
    let headers = &parts.headers;
    let raw = RawRequest { method: &parts.method, uri: &parts.uri, headers, body: &body };
    if target.prefix == cognito_idp::SERVICE.target_prefix {
        let op = cognito_idp::Operation::from_name(&target.operation)
            .ok_or_else(|| AwsError::unknown_operation(format!("Unknown operation {}.", target.operation)))?;
        if !json::is_json_content_type(headers) {
            return Err(wrong_content_type());
        }
        if throttle::is_throttled(op) && !state.throttle.allow(client) {
            return Err(AwsError::client(
                "TooManyRequestsException",
                "Too many requests from this address; slow down and try again.",
            ));
        }
        let caller = if op.requires_sigv4() {
            auth::authenticate(state, &raw, cognito_idp::SERVICE.signing_name, auth::Protocol::Json).await?
        } else if op.takes_access_token() {
            auth::resolve_user(state, &body).await.map_err(ApiError::into_aws)?
        } else {
            Caller::Anonymous
        };
        let action = authz::Action {
            service: cognito_idp::SERVICE.signing_name,
            name: op.name(),
            requires_sigv4: op.requires_sigv4(),
            takes_access_token: op.takes_access_token(),
        };
        let facts = facts(state, headers, origin);
        authorize_json(state, &caller, action, &body, &facts)?;
        let ctx = Ctx { domain: state.domain.clone(), request_id, caller, facts };
        let span = tracing::info_span!("cognito-idp", operation = op.name());
        let result = match dispatch::idp(op) {
            Some(handler) => handler(ctx, body).instrument(span).await,
            None => Err(AwsError::not_implemented("cognito-idp", op.name())),
        };
        if let Err(e) = &result {
            check_declared(op, e);
            tracing::info!(operation = op.name(), code = %e.code, "request failed");
        }
        return result;
    }
    if target.prefix == cognito_identity::SERVICE.target_prefix {
        let op = cognito_identity::Operation::from_name(&target.operation)
            .ok_or_else(|| AwsError::unknown_operation(format!("Unknown operation {}.", target.operation)))?;
        if !json::is_json_content_type(headers) {
            return Err(wrong_content_type());
        }
        let caller = if op.requires_sigv4() {
            auth::authenticate(state, &raw, cognito_identity::SERVICE.signing_name, auth::Protocol::Json).await?
        } else {
            Caller::Anonymous
        };
        let action = authz::Action {
            service: cognito_identity::SERVICE.signing_name,
            name: op.name(),
            requires_sigv4: op.requires_sigv4(),
            takes_access_token: false,
        };
        let facts = facts(state, headers, origin);
        authorize_json(state, &caller, action, &body, &facts)?;
        let ctx = Ctx { domain: state.domain.clone(), request_id, caller, facts };
        return match dispatch::identity(op) {
            Some(handler) => handler(ctx, body).await,
            None => Err(AwsError::not_implemented("cognito-identity", op.name())),
        };
    }
    Err(AwsError::unknown_operation(format!("Unknown service target prefix {}.", target.prefix)))
}

/// The authorization step of a JSON request: signed operations on the resource the body names.
fn authorize_json(
    state: &ApiState,
    caller: &Caller,
    action: authz::Action,
    body: &[u8],
    facts: &RequestFacts,
) -> Result<(), AwsError> {
    if !action.requires_sigv4 {
        return Ok(());
    }
    let resource = authz::json_resource(&state.domain, body);
    authz::authorize(Some(&state.domain), caller, action, &resource, facts, auth::Protocol::Json)
}

fn wrong_content_type() -> AwsError {
    AwsError::unknown_operation("The Content-Type must be application/x-amz-json-1.1.")
}

/// Codes the protocol layer may return for any operation.
const PROTOCOL_CODES: &[&str] = &[
    "UnknownOperationException",
    "SerializationException",
    "NotImplementedException",
    "MissingAuthenticationTokenException",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "ExpiredTokenException",
    "AccessDeniedException",
];

/// SDKs decode errors per operation; a code the model does not declare for `op` would reach
/// application code as an "unhandled" error. Catch that in development.
fn check_declared(op: cognito_idp::Operation, e: &AwsError) {
    let declared = op.errors().iter().any(|x| x.code() == e.code);
    if !declared && !PROTOCOL_CODES.contains(&e.code.as_ref()) {
        tracing::error!(operation = op.name(), code = %e.code, "COGNATE-API0002 returned an error code the model does not declare");
        debug_assert!(false, "{} returned undeclared error {}", op.name(), e.code);
    }
}

/// The Query protocol (STS, IAM): a form body with `Action` and `Version`.
async fn query_service(
    state: &ApiState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
    request_id: String,
    origin: Origin,
) -> Response {
    let params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let scope_service = cognate_protocol::sigv4::parse_authorization(headers).ok().map(|a| a.credential.service);
    let version = param("Version");
    let is_sts = version == Some(sts::SERVICE.api_version)
        || (version.is_none() && scope_service.as_deref() == Some(sts::SERVICE.signing_name));
    let is_iam = version == Some(iam::SERVICE.api_version)
        || (version.is_none() && scope_service.as_deref() == Some(iam::SERVICE.signing_name));
    let (xmlns, signing_name) = if is_sts {
        ("https://sts.amazonaws.com/doc/2011-06-15/", sts::SERVICE.signing_name)
    } else if is_iam {
        ("https://iam.amazonaws.com/doc/2010-05-08/", iam::SERVICE.signing_name)
    } else {
        return AwsError::missing_authentication_token().into_json_response();
    };
    let fail = |e: AwsError| e.into_query_response(xmlns, &request_id);
    let Some(action) = param("Action") else {
        return fail(AwsError::client("MissingAction", "The request must contain the parameter Action."));
    };
    let raw = RawRequest { method, uri, headers, body: &body };
    if is_sts {
        let Some(op) = sts::Operation::from_name(action) else {
            return fail(AwsError::client(
                "InvalidAction",
                format!("Could not find operation {action} for version 2011-06-15"),
            ));
        };
        let caller = if op.requires_sigv4() {
            match auth::authenticate(state, &raw, signing_name, auth::Protocol::Query).await {
                Ok(caller) => caller,
                Err(e) => return fail(e),
            }
        } else {
            Caller::Anonymous
        };
        let action = authz::Action {
            service: signing_name,
            name: op.name(),
            requires_sigv4: op.requires_sigv4(),
            takes_access_token: false,
        };
        let resource = authz::query_resource(&state.domain, &params);
        let facts = facts(state, headers, origin);
        if let Err(e) = authz::authorize(Some(&state.domain), &caller, action, &resource, &facts, auth::Protocol::Query)
        {
            return fail(e);
        }
        let ctx = Ctx { domain: state.domain.clone(), request_id: request_id.clone(), caller, facts };
        let req = QueryRequest { operation: op.name(), xmlns, params };
        return match dispatch::sts(op) {
            Some(handler) => handler(ctx, req).await.unwrap_or_else(fail),
            None => fail(AwsError::not_implemented("sts", op.name())),
        };
    }
    let Some(op) = iam::Operation::from_name(action) else {
        return fail(AwsError::client(
            "InvalidAction",
            format!("Could not find operation {action} for version 2010-05-08"),
        ));
    };
    let caller = match auth::authenticate(state, &raw, signing_name, auth::Protocol::Query).await {
        Ok(caller) => caller,
        Err(e) => return fail(e),
    };
    let action =
        authz::Action { service: signing_name, name: op.name(), requires_sigv4: true, takes_access_token: false };
    let resource = authz::query_resource(&state.domain, &params);
    let facts = facts(state, headers, origin);
    if let Err(e) = authz::authorize(Some(&state.domain), &caller, action, &resource, &facts, auth::Protocol::Query) {
        return fail(e);
    }
    let ctx = Ctx { domain: state.domain.clone(), request_id: request_id.clone(), caller, facts };
    let req = QueryRequest { operation: op.name(), xmlns, params };
    match dispatch::iam(op) {
        Some(handler) => handler(ctx, req).await.unwrap_or_else(fail),
        None => fail(AwsError::not_implemented("iam", op.name())),
    }
}
