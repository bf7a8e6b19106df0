//! AWS JSON 1.1 framing: which operation a request names (`X-Amz-Target: <prefix>.<Operation>`),
//! the content type, decoding a body into a generated request type (serde errors become
//! `SerializationException`, a missing or null required member and any constraint violation
//! become the service's validation error in AWS's wording), and encoding a response (`{}` for an
//! empty output).

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use cognate_model::Validate;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{AMZ_JSON_1_1, AwsError};

/// `X-Amz-Target`, split into service prefix and operation name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub prefix: String,
    pub operation: String,
}

/// Reads `X-Amz-Target`. `None` when the header is absent (the request may be a Query-protocol one).
pub fn target(headers: &HeaderMap) -> Result<Option<Target>, AwsError> {
    let Some(raw) = headers.get("x-amz-target") else {
        return Ok(None);
    };
    let raw = raw.to_str().map_err(|_| AwsError::unknown_operation("X-Amz-Target is not valid text."))?;
    match raw.rsplit_once('.') {
        Some((prefix, op)) if !prefix.is_empty() && !op.is_empty() => {
            Ok(Some(Target { prefix: prefix.to_string(), operation: op.to_string() }))
        }
        _ => Err(AwsError::unknown_operation(format!("Unknown operation target {raw}."))),
    }
}

/// True for `application/x-amz-json-1.1` and `-1.0` (parameters such as charset allowed).
pub fn is_json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/x-amz-json-1.1" || v == "application/x-amz-json-1.0")
}

/// Decodes and validates a request body. `validation_code` is the service's validation error
/// (`InvalidParameterException` for the Cognito services). An empty body counts as `{}`.
pub fn decode<T: DeserializeOwned + Validate>(body: &[u8], validation_code: &'static str) -> Result<T, AwsError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { body };
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = match serde_path_to_error::deserialize(&mut de) {
        Ok(v) => v,
        Err(e) => return Err(decode_error(&e, validation_code)),
    };
    if let Err(e) = de.end() {
        return Err(AwsError::serialization(format!("The request body is not valid JSON: {e}")));
    }
    match value.validation_message() {
        Some(message) => Err(AwsError::client(validation_code, message)),
        None => Ok(value),
    }
}

fn decode_error(e: &serde_path_to_error::Error<serde_json::Error>, validation_code: &'static str) -> AwsError {
    let inner = e.inner();
    let path = aws_path(e.path());
    if inner.is_syntax() || inner.is_eof() {
        return AwsError::serialization(format!("The request body is not valid JSON: {inner}"));
    }
    let text = inner.to_string();
    if let Some(rest) = text.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        let at =
            if path.is_empty() || path == "." { lower_first(field) } else { format!("{path}.{}", lower_first(field)) };
        return AwsError::client(
            validation_code,
            format!(
                "1 validation error detected: Value null at '{at}' failed to satisfy constraint: Member must not be null"
            ),
        );
    }
    if text.starts_with("invalid type: null") {
        return AwsError::client(
            validation_code,
            format!(
                "1 validation error detected: Value null at '{path}' failed to satisfy constraint: Member must not be null"
            ),
        );
    }
    // serde's text quotes the offending value ("invalid type: string \"…\", expected …"), and the
    // value may be a password: keep only what was expected, which comes from the type.
    let text = text.split(" at line ").next().unwrap_or(&text);
    match text.split_once(", expected ") {
        Some((_, expected)) => AwsError::serialization(format!("Unable to read member '{path}': expected {expected}")),
        None => AwsError::serialization(format!("Unable to read member '{path}'.")),
    }
}

/// Longest member name (or map key) a decoding error repeats.
const MAX_ECHOED_KEY: usize = 64;

/// AWS writes member paths in lower camel case with 1-based `.member` list indexes.
fn aws_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let parts: Vec<String> = path
        .iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(format!("{}.member", index + 1)),
            // Map keys come from the client: a long one is cut short rather than echoed.
            Segment::Map { key } => Some(lower_first(&key.chars().take(MAX_ECHOED_KEY).collect::<String>())),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect();
    parts.join(".")
}

fn lower_first(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(f) => f.to_lowercase().collect::<String>() + cs.as_str(),
        None => String::new(),
    }
}

/// Encodes a successful response. An output with no members is `{}`.
pub fn encode<T: Serialize>(value: &T) -> Result<Response, AwsError> {
    let body = serde_json::to_vec(value).map_err(|e| {
        tracing::error!(error = %e, "COGNATE-PROTO0001 response serialisation failed");
        AwsError::internal("InternalErrorException")
    })?;
    Ok(json_response(StatusCode::OK, body))
}

/// A 200 response with an already-encoded JSON body.
pub fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON_1_1));
    resp
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use cognate_model::cognito_idp::{CreateUserPoolRequest, DescribeUserPoolRequest, ListUserPoolsRequest};

    #[test]
    fn missing_required_member_is_a_validation_error() {
        let e = decode::<DescribeUserPoolRequest>(b"{}", "InvalidParameterException").unwrap_err();
        assert_eq!(e.code, "InvalidParameterException");
        assert_eq!(
            e.message,
            "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn null_required_member_is_a_validation_error() {
        let e = decode::<DescribeUserPoolRequest>(br#"{"UserPoolId":null}"#, "InvalidParameterException").unwrap_err();
        assert_eq!(e.code, "InvalidParameterException");
        assert!(e.message.contains("Value null at 'userPoolId'"), "{}", e.message);
    }

    #[test]
    fn malformed_json_is_a_serialization_error() {
        let e = decode::<DescribeUserPoolRequest>(b"{\"UserPoolId\":", "InvalidParameterException").unwrap_err();
        assert_eq!(e.code, "SerializationException");
        let e = decode::<DescribeUserPoolRequest>(b"[]", "InvalidParameterException").unwrap_err();
        assert_eq!(e.code, "SerializationException");
    }

    #[test]
    fn wrong_member_type_is_a_serialization_error() {
        let e = decode::<ListUserPoolsRequest>(br#"{"MaxResults":"ten"}"#, "InvalidParameterException").unwrap_err();
        assert_eq!(e.code, "SerializationException");
        assert!(e.message.contains("maxResults"), "{}", e.message);
    }

    #[test]
    fn constraints_are_checked_with_aws_wording() {
        let e = decode::<ListUserPoolsRequest>(br#"{"MaxResults":0}"#, "InvalidParameterException").unwrap_err();
        assert_eq!(
            e.message,
            "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"
        );
        let e = decode::<CreateUserPoolRequest>(
            br#"{"PoolName":"ok","Schema":[{"Name":"a","AttributeDataType":"Strange"}]}"#,
            "InvalidParameterException",
        )
        .unwrap_err();
        assert!(e.message.contains("at 'schema.1.member.attributeDataType'"), "{}", e.message);
        assert!(e.message.contains("Member must satisfy enum value set"), "{}", e.message);
    }

    #[test]
    fn unknown_members_are_ignored_and_empty_body_is_an_empty_object() {
        let r =
            decode::<ListUserPoolsRequest>(br#"{"MaxResults":5,"Brand":"new"}"#, "InvalidParameterException").unwrap();
        assert_eq!(r.max_results, 5);
        let e = decode::<ListUserPoolsRequest>(b"", "InvalidParameterException").unwrap_err();
        assert_eq!(e.code, "InvalidParameterException");
    }
}
