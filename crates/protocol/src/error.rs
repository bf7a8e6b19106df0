//! `AwsError`: an error as it goes on the wire. For the JSON protocols that is status, the body
//! `{"__type": code, "message": …}` and the `x-amzn-ErrorType` header (COMPAT.md, "Errors"); for
//! the Query protocol (STS, IAM) it is the XML `ErrorResponse`. The codes that belong to the
//! protocol itself rather than to any service model (unknown operation, malformed body, signature
//! failures) have constructors here.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Content type of every JSON 1.1 response.
pub const AMZ_JSON_1_1: &str = "application/x-amz-json-1.1";

/// An AWS-shaped error. `message` is what the client sees; internal details never go here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsError {
    pub code: Cow<'static, str>,
    pub message: String,
    pub status: StatusCode,
}

impl AwsError {
    pub fn new(code: impl Into<Cow<'static, str>>, status: StatusCode, message: impl Into<String>) -> Self {
        AwsError { code: code.into(), message: message.into(), status }
    }

    /// A client fault (HTTP 400) with the given code.
    pub fn client(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::new(code, StatusCode::BAD_REQUEST, message)
    }

    pub fn unknown_operation(message: impl Into<String>) -> Self {
        Self::client("UnknownOperationException", message)
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        Self::client("SerializationException", message)
    }

    pub fn missing_authentication_token() -> Self {
        Self::client("MissingAuthenticationTokenException", "Missing Authentication Token")
    }

    pub fn unrecognized_client() -> Self {
        Self::client("UnrecognizedClientException", "The security token included in the request is invalid.")
    }

    pub fn invalid_signature(message: impl Into<String>) -> Self {
        Self::client("InvalidSignatureException", message)
    }

    pub fn incomplete_signature(message: impl Into<String>) -> Self {
        Self::client("IncompleteSignatureException", message)
    }

    pub fn expired_token() -> Self {
        Self::client("ExpiredTokenException", "The security token included in the request is expired")
    }

    pub fn request_entity_too_large(limit: usize) -> Self {
        Self::new(
            "SerializationException",
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body is larger than the limit of {limit} bytes."),
        )
    }

    /// Cognate does not implement the operation yet. A client fault, so SDKs do not retry it.
    pub fn not_implemented(service: &str, operation: &str) -> Self {
        Self::client(
            "NotImplementedException",
            format!("Cognate does not implement {service} {operation} yet; see docs/COVERAGE.md."),
        )
    }

    /// An unclassified server failure. Log the cause before calling this; it never carries it.
    pub fn internal(code: impl Into<Cow<'static, str>>) -> Self {
        Self::new(code, StatusCode::INTERNAL_SERVER_ERROR, "An internal error occurred.")
    }

    /// The JSON 1.1 encoding.
    pub fn into_json_response(self) -> Response {
        let body = serde_json::json!({ "__type": self.code, "message": self.message });
        let mut resp = (self.status, body.to_string()).into_response();
        let headers = resp.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON_1_1));
        if let Ok(v) = HeaderValue::from_str(&self.code) {
            headers.insert("x-amzn-ErrorType", v);
        }
        resp
    }

    /// The Query-protocol (XML) encoding used by STS and IAM.
    pub fn into_query_response(self, xmlns: &str, request_id: &str) -> Response {
        let kind = if self.status.is_server_error() { "Receiver" } else { "Sender" };
        let body = format!(
            "<ErrorResponse xmlns=\"{}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
            xml_escape(xmlns),
            xml_escape(&self.code),
            xml_escape(&self.message),
            xml_escape(request_id)
        );
        let mut resp = (self.status, body).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
        resp
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AwsError {}

impl IntoResponse for AwsError {
    fn into_response(self) -> Response {
        self.into_json_response()
    }
}

/// Escapes text for XML element content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
