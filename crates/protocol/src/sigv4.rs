//! Server-side verification of AWS Signature Version 4, header form
//! (`Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`).
//!
//! This module owns everything between the raw request and "this request was signed with the
//! secret of that access key": parsing the `Authorization` header, reading the request time
//! (`X-Amz-Date`, or `Date` as a fallback), the five-minute clock-skew window, rebuilding the
//! canonical request and string to sign exactly as the signing clients do for non-S3 services,
//! deriving the signing key and comparing signatures in constant time. It does not know where
//! secrets live, whether a session token is valid, or which region and service the server
//! answers for: the caller looks up the secret for [`Credential::access_key_id`] and judges the
//! rest.
//!
//! It is written by hand, over `hmac`, `sha2`, `hex`, `subtle` and `percent-encoding`, because
//! no well-kept crate verifies SigV4 on the server side: the official `aws-sigv4` crate only
//! signs (it is used in the tests here as the reference client).

use hmac::{Hmac, Mac};
use http::HeaderMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// The only signing algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The fixed last component of a credential scope.
pub const SCOPE_TERMINATOR: &str = "aws4_request";

/// How far the request time may be from the server clock, either way.
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);

/// Everything but RFC 3986's unreserved characters (`A-Za-z0-9-_.~`) is percent-encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

type HmacSha256 = Hmac<Sha256>;

/// The parts of a received request that take part in its signature.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The HTTP method, e.g. `"POST"`.
    pub method: &'a str,
    /// The raw path as received (still percent-encoded), e.g. `"/"`.
    pub path: &'a str,
    /// The raw query string without the leading `?`; `""` when there is none.
    pub query: &'a str,
    /// All request headers. On HTTP/2, where there is no `Host` header, the caller should insert
    /// one from the `:authority` before verifying.
    pub headers: &'a HeaderMap,
    /// The request body, exactly as received.
    pub body: &'a [u8],
}

/// The `Credential=` part of the `Authorization` header:
/// `AKID/yyyymmdd/region/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The access key id whose secret signed the request.
    pub access_key_id: String,
    /// The scope date, `yyyymmdd`.
    pub date: String,
    /// The scope region, e.g. `us-east-1`.
    pub region: String,
    /// The scope service, e.g. `cognito-idp`.
    pub service: String,
}

impl Credential {
    /// The credential scope as it appears in the string to sign:
    /// `yyyymmdd/region/service/aws4_request`.
    #[must_use]
    pub fn scope(&self) -> String {
        format!("{}/{}/{}/{SCOPE_TERMINATOR}", self.date, self.region, self.service)
    }
}

/// A parsed `Authorization: AWS4-HMAC-SHA256 …` header.
#[derive(Debug, Clone)]
pub struct Authorization {
    /// Who signed, and for which date, region and service.
    pub credential: Credential,
    /// The signed header names, lowercase, in the order the client listed them.
    pub signed_headers: Vec<String>,
    /// The signature as sent: lowercase hex of the HMAC-SHA256.
    pub signature: String,
}

/// Why a request's signature was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SigError {
    /// The request carries no `Authorization` header.
    #[error("missing authentication")]
    Missing,
    /// The `Authorization` header or a header it depends on cannot be used; the message is in
    /// AWS's words where AWS has any.
    #[error("{0}")]
    Malformed(String),
    /// The request time is more than five minutes away from the server clock.
    #[error("{0}")]
    Expired(String),
    /// The signature is well formed but does not match the request.
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )]
    Mismatch,
}

/// Parses the `Authorization` header of `headers` (no such header gives [`SigError::Missing`]).
///
/// The header is `AWS4-HMAC-SHA256` followed by the comma-separated `Credential=`,
/// `SignedHeaders=` and `Signature=` parameters, in any order, with optional whitespace around
/// each. Structural checks that need nothing but the header happen here: the algorithm, the
/// shape of the credential scope and its `aws4_request` terminator.
pub fn parse_authorization(headers: &HeaderMap) -> Result<Authorization, SigError> {
    let raw = headers.get(http::header::AUTHORIZATION).ok_or(SigError::Missing)?;
    let raw = raw
        .to_str()
        .map_err(|_| SigError::Malformed("Authorization header contains invalid characters.".to_owned()))?;
    let raw = raw.trim();

    let (algorithm, params) = raw.split_once(|c: char| c.is_ascii_whitespace()).unwrap_or((raw, ""));
    if algorithm != ALGORITHM {
        return Err(SigError::Malformed(format!(
            "Unsupported AWS 'algorithm': '{algorithm}'. Authorization header must start with '{ALGORITHM}'."
        )));
    }

    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for param in params.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = param.split_once('=') else {
            return Err(SigError::Malformed(format!(
                "Authorization header requires each component to be of the form key=value, got '{param}'. Authorization={raw}"
            )));
        };
        let slot = match key.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            // Unknown components are ignored.
            _ => continue,
        };
        if slot.replace(value.trim()).is_some() {
            return Err(SigError::Malformed(format!(
                "Authorization header has a duplicate '{}' parameter. Authorization={raw}",
                key.trim()
            )));
        }
    }

    let credential = credential.filter(|v| !v.is_empty());
    let signed_headers = signed_headers.filter(|v| !v.is_empty());
    let signature = signature.filter(|v| !v.is_empty());
    let (Some(credential), Some(signed_headers), Some(signature)) = (credential, signed_headers, signature) else {
        let mut message = String::new();
        for (present, name) in [
            (credential.is_some(), "Credential"),
            (signature.is_some(), "Signature"),
            (signed_headers.is_some(), "SignedHeaders"),
        ] {
            if !present {
                message.push_str("Authorization header requires '");
                message.push_str(name);
                message.push_str("' parameter. ");
            }
        }
        return Err(SigError::Malformed(format!("{message}Authorization={raw}")));
    };

    let credential = parse_credential(credential)?;

    let signed_headers: Vec<String> = signed_headers.split(';').map(|name| name.trim().to_ascii_lowercase()).collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(SigError::Malformed(format!(
            "Authorization header's SignedHeaders must be a ';'-separated list of header names. Authorization={raw}"
        )));
    }

    Ok(Authorization { credential, signed_headers, signature: signature.to_owned() })
}

/// Parses `AKID/yyyymmdd/region/service/aws4_request`.
fn parse_credential(value: &str) -> Result<Credential, SigError> {
    let malformed = || {
        SigError::Malformed(format!(
            "Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/{SCOPE_TERMINATOR}\", got '{value}'."
        ))
    };
    let parts: Vec<&str> = value.split('/').collect();
    let [access_key_id, date, region, service, terminator] = parts.as_slice() else {
        return Err(malformed());
    };
    if [access_key_id, region, service].iter().any(|p| p.is_empty())
        || date.len() != 8
        || !date.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(malformed());
    }
    if *terminator != SCOPE_TERMINATOR {
        return Err(SigError::Malformed(format!(
            "Credential should be scoped with a valid terminator: '{SCOPE_TERMINATOR}', not '{terminator}'."
        )));
    }
    Ok(Credential {
        access_key_id: (*access_key_id).to_owned(),
        date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
    })
}

/// The request time from `X-Amz-Date` (basic ISO-8601, `20261126T170000Z`), or from the `Date`
/// header when there is no `X-Amz-Date`. `Date` may be an HTTP date
/// (`Thu, 26 Nov 2026 17:00:00 GMT`) or basic ISO-8601.
pub fn request_time(headers: &HeaderMap) -> Result<OffsetDateTime, SigError> {
    if let Some(value) = headers.get("x-amz-date") {
        let value = value.to_str().unwrap_or_default().trim();
        return parse_basic_iso8601(value).ok_or_else(|| bad_date(value));
    }
    if let Some(value) = headers.get(http::header::DATE) {
        let value = value.to_str().unwrap_or_default().trim();
        return parse_basic_iso8601(value).or_else(|| parse_http_date(value)).ok_or_else(|| bad_date(value));
    }
    Err(SigError::Malformed(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".to_owned(),
    ))
}

fn bad_date(value: &str) -> SigError {
    SigError::Malformed(format!(
        "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
    ))
}

/// Parses exactly `yyyymmddThhmmssZ`.
fn parse_basic_iso8601(value: &str) -> Option<OffsetDateTime> {
    let bytes = value.as_bytes();
    if bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = bytes.get(range)?;
        digits.iter().try_fold(0u32, |acc, &b| b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0')))
    };
    let year = i32::try_from(number(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(number(4..6)?).ok()?).ok()?;
    let day = u8::try_from(number(6..8)?).ok()?;
    let hour = u8::try_from(number(9..11)?).ok()?;
    let minute = u8::try_from(number(11..13)?).ok()?;
    let second = u8::try_from(number(13..15)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// Parses an HTTP date in its preferred form, IMF-fixdate: `Thu, 26 Nov 2026 17:00:00 GMT`.
fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    PrimitiveDateTime::parse(value, format).ok().map(PrimitiveDateTime::assume_utc)
}

/// Formats a UTC instant in basic ISO-8601, `yyyymmddThhmmssZ`, as SigV4 does.
fn format_basic_iso8601(t: OffsetDateTime) -> String {
    let t = t.checked_to_offset(time::UtcOffset::UTC).unwrap_or(t);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Verifies the request's signature with `secret_access_key`, the secret of
/// `auth.credential.access_key_id`; `now` is the server clock.
///
/// Checks, in order: the headers that decide what the request does are among the signed headers
/// (see [`check_signed_headers`]); every signed header is present; an `X-Amz-Content-Sha256`
/// header, if sent, is the SHA-256 of the body (never `UNSIGNED-PAYLOAD`); the request time (see
/// [`request_time`]) is within five minutes of `now`; the credential scope date is the date of the
/// request time; and the signature matches, compared in constant time. The payload hash in the
/// canonical request is always computed from the body received, so a signature covers exactly
/// one body. Whether an `X-Amz-Security-Token` is valid is the caller's business.
pub fn verify(
    req: &SignedRequest<'_>,
    auth: &Authorization,
    secret_access_key: &str,
    now: OffsetDateTime,
) -> Result<(), SigError> {
    check_signed_headers(req.headers, &auth.signed_headers)?;
    if let Some(absent) = auth.signed_headers.iter().find(|h| !req.headers.contains_key(h.as_str())) {
        return Err(SigError::Malformed(format!(
            "Header '{absent}' is listed in SignedHeaders but is not present in the request."
        )));
    }
    let payload_hash = hex::encode(Sha256::digest(req.body));
    check_content_sha256(req.headers, &payload_hash)?;

    let time = request_time(req.headers)?;
    check_clock_skew(time, now)?;

    let amz_date = format_basic_iso8601(time);
    let date = &amz_date[..8];
    if auth.credential.date != date {
        return Err(SigError::Malformed(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{date}', from '{amz_date}'.",
            auth.credential.date
        )));
    }

    let canonical = canonical_request(req, &auth.signed_headers, &payload_hash);
    let to_sign = string_to_sign(&amz_date, &auth.credential.scope(), &canonical);
    let key = signing_key(secret_access_key, &auth.credential);
    let expected = hex::encode(hmac_sha256(&key, to_sign.as_bytes()));

    let provided = auth.signature.to_ascii_lowercase();
    if bool::from(expected.as_bytes().ct_eq(provided.as_bytes())) { Ok(()) } else { Err(SigError::Mismatch) }
}

/// Headers that, when present, must be covered by the signature, because they change what a
/// request does: the operation (`X-Amz-Target`), the payload hash, the session token. `Host` is
/// always required, and so is the header the request time is read from.
const SIGNED_WHEN_PRESENT: &[&str] = &["x-amz-target", "x-amz-content-sha256", "x-amz-security-token"];

/// Refuses a signature that leaves out a header the request's meaning depends on: otherwise a
/// captured signature could be replayed with another operation or another token.
pub fn check_signed_headers(headers: &HeaderMap, signed: &[String]) -> Result<(), SigError> {
    let is_signed = |name: &str| signed.iter().any(|h| h == name);
    if !is_signed("host") {
        return Err(SigError::Malformed(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".to_owned(),
        ));
    }
    let date_header = if headers.contains_key("x-amz-date") { "x-amz-date" } else { "date" };
    if headers.contains_key(date_header) && !is_signed(date_header) {
        return Err(unsigned(date_header));
    }
    match SIGNED_WHEN_PRESENT.iter().find(|name| headers.contains_key(**name) && !is_signed(name)) {
        Some(name) => Err(unsigned(name)),
        None => Ok(()),
    }
}

fn unsigned(name: &str) -> SigError {
    SigError::Malformed(format!("'{name}' must be a 'SignedHeader' in the AWS Authorization."))
}

/// An `X-Amz-Content-Sha256` header must state the hash of the body actually received. The
/// `UNSIGNED-PAYLOAD` and streaming forms (S3 only) are refused: these services sign bodies.
fn check_content_sha256(headers: &HeaderMap, payload_hash: &str) -> Result<(), SigError> {
    let Some(value) = headers.get("x-amz-content-sha256") else { return Ok(()) };
    let value = value.to_str().unwrap_or_default().trim();
    if value == "UNSIGNED-PAYLOAD" || value.starts_with("STREAMING-") {
        return Err(SigError::Malformed(format!(
            "x-amz-content-sha256 '{value}' is not accepted by this service; sign the payload."
        )));
    }
    if !bool::from(value.to_ascii_lowercase().as_bytes().ct_eq(payload_hash.as_bytes())) {
        return Err(SigError::Malformed(
            "The provided 'x-amz-content-sha256' header does not match what was computed.".to_owned(),
        ));
    }
    Ok(())
}

/// Fails with [`SigError::Expired`] when `time` is more than five minutes from `now`, in AWS's
/// words. Both are compared at whole-second precision, as the header carries no more.
fn check_clock_skew(time: OffsetDateTime, now: OffsetDateTime) -> Result<(), SigError> {
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let earliest = now.saturating_sub(MAX_CLOCK_SKEW);
    let latest = now.saturating_add(MAX_CLOCK_SKEW);
    if time < earliest {
        return Err(SigError::Expired(format!(
            "Signature expired: {} is now earlier than {} ({} - 5 min.)",
            format_basic_iso8601(time),
            format_basic_iso8601(earliest),
            format_basic_iso8601(now)
        )));
    }
    if time > latest {
        return Err(SigError::Expired(format!(
            "Signature not yet current: {} is still later than {} ({} + 5 min.)",
            format_basic_iso8601(time),
            format_basic_iso8601(latest),
            format_basic_iso8601(now)
        )));
    }
    Ok(())
}

/// The canonical request for a non-S3 service, as bytes (header values need not be UTF-8):
///
/// ```text
/// METHOD\nCANONICAL_URI\nCANONICAL_QUERY\nCANONICAL_HEADERS\n\nSIGNED_HEADERS\nPAYLOAD_HASH
/// ```
/// `payload_hash` is the hex SHA-256 of the body as received, never a value the client claims.
fn canonical_request(req: &SignedRequest<'_>, signed_headers: &[String], payload_hash: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(req.method.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(req.path).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(req.query).as_bytes());
    out.push(b'\n');
    for name in signed_headers {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        for (i, value) in req.headers.get_all(name.as_str()).iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_canonical_header_value(&mut out, value.as_bytes());
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(signed_headers.join(";").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload_hash.as_bytes());
    out
}

/// Appends `value` with leading and trailing whitespace removed and each inner run of spaces
/// and tabs collapsed to one space.
fn push_canonical_header_value(out: &mut Vec<u8>, value: &[u8]) {
    let is_space = |b: &u8| *b == b' ' || *b == b'\t';
    let mut words = value.split(is_space).filter(|w| !w.is_empty());
    if let Some(first) = words.next() {
        out.extend_from_slice(first);
        for word in words {
            out.push(b' ');
            out.extend_from_slice(word);
        }
    }
}

/// The canonical URI for a non-S3 service: the raw (already percent-encoded) path with empty,
/// `.` and `..` segments resolved, then every segment percent-encoded again ("double encoding").
/// A trailing slash is kept; an empty path is `/`.
fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for segment in &segments {
        out.push('/');
        out.extend(utf8_percent_encode(segment, UNRESERVED));
    }
    if out.is_empty() || (path.ends_with('/') && !segments.is_empty()) {
        out.push('/');
    }
    out
}

/// The canonical query string: each `key=value` pair (a missing `=` means an empty value)
/// decoded, with `+` read as a space as form encoding has it, then re-encoded with the
/// unreserved set, sorted by encoded key and then encoded value (as the SigV4 specification
/// and botocore do), and joined with `&`.
fn canonical_query(query: &str) -> String {
    let encode = |raw: &str| -> String {
        let spaced = raw.replace('+', " ");
        let decoded: Vec<u8> = percent_decode_str(&spaced).collect();
        percent_encoding::percent_encode(&decoded, UNRESERVED).to_string()
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (encode(key), encode(value))
        })
        .collect();
    pairs.sort_unstable();
    let mut out = String::with_capacity(query.len() + pairs.len());
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// `AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hex sha256(canonical request)}`.
fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &[u8]) -> String {
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{}", hex::encode(Sha256::digest(canonical_request)))
}

/// The HMAC chain `"AWS4" + secret` → date → region → service → `aws4_request`.
fn signing_key(secret_access_key: &str, credential: &Credential) -> [u8; 32] {
    let k_secret = format!("AWS4{secret_access_key}");
    let k_date = hmac_sha256(k_secret.as_bytes(), credential.date.as_bytes());
    let k_region = hmac_sha256(&k_date, credential.region.as_bytes());
    let k_service = hmac_sha256(&k_region, credential.service.as_bytes());
    hmac_sha256(&k_service, SCOPE_TERMINATOR.as_bytes())
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else {
        unreachable!("HMAC accepts keys of any length");
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    use aws_credential_types::Credentials;
    use aws_sigv4::http_request::{
        PayloadChecksumKind, SessionTokenMode, SignableBody, SignableRequest, SigningSettings, sign,
    };
    use aws_sigv4::sign::v4;
    use aws_smithy_runtime_api::client::identity::Identity;
    use http::HeaderValue;
    use time::macros::datetime;

    const AKID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const NOW: OffsetDateTime = datetime!(2026-11-26 17:00:00 UTC);
    const TARGET: &str = "AWSCognitoIdentityProviderService.ListUserPools";
    const JSON_BODY: &[u8] = br#"{"MaxResults":10}"#;

    /// A request signed by the official `aws-sigv4` crate.
    struct Signed {
        request: http::Request<Vec<u8>>,
    }

    impl Signed {
        fn signed_request(&self) -> SignedRequest<'_> {
            SignedRequest {
                method: self.request.method().as_str(),
                path: self.request.uri().path(),
                query: self.request.uri().query().unwrap_or(""),
                headers: self.request.headers(),
                body: self.request.body(),
            }
        }

        fn verify_at(&self, secret: &str, now: OffsetDateTime) -> Result<(), SigError> {
            let auth = parse_authorization(self.request.headers())?;
            verify(&self.signed_request(), &auth, secret, now)
        }
    }

    /// Signs `POST https://cognito-idp.us-east-1.amazonaws.com{path_and_query}` at `time` the way
    /// the AWS SDKs do, and returns the resulting `http::Request`.
    fn sign_post(path_and_query: &str, body: &[u8], session_token: Option<&str>, time: OffsetDateTime) -> Signed {
        sign_with(path_and_query, body, SignableBody::Bytes(body), session_token, time, SigningSettings::default())
    }

    /// Like `sign_post`, with the body the signer is told about and its settings chosen.
    fn sign_with(
        path_and_query: &str,
        body: &[u8],
        signable_body: SignableBody<'_>,
        session_token: Option<&str>,
        time: OffsetDateTime,
        settings: SigningSettings,
    ) -> Signed {
        let host = "cognito-idp.us-east-1.amazonaws.com";
        let uri = format!("https://{host}{path_and_query}");
        let headers = [("content-type", "application/x-amz-json-1.1"), ("host", host), ("x-amz-target", TARGET)];

        let identity: Identity =
            Credentials::new(AKID, SECRET, session_token.map(str::to_owned), None, "hardcoded-credentials").into();
        let params: aws_sigv4::http_request::SigningParams<'_> = v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("cognito-idp")
            .time(time.into())
            .settings(settings)
            .build()
            .expect("signing params")
            .into();
        let signable =
            SignableRequest::new("POST", &uri, headers.into_iter(), signable_body).expect("signable request");
        let (instructions, _signature) = sign(signable, &params).expect("sign").into_parts();

        let mut builder = http::Request::builder().method("POST").uri(&uri);
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        let mut request = builder.body(body.to_vec()).expect("request");
        instructions.apply_to_request_http1x(&mut request);
        Signed { request }
    }

    fn json_post() -> Signed {
        sign_post("/", JSON_BODY, None, NOW)
    }

    #[test]
    fn valid_json_post_passes() {
        let signed = json_post();
        let auth = parse_authorization(signed.request.headers()).unwrap();
        assert_eq!(
            auth.credential,
            Credential {
                access_key_id: AKID.to_owned(),
                date: "20261126".to_owned(),
                region: "us-east-1".to_owned(),
                service: "cognito-idp".to_owned(),
            }
        );
        assert!(auth.signed_headers.iter().any(|h| h == "x-amz-target"));
        assert!(auth.signed_headers.iter().any(|h| h == "host"));
        assert_eq!(signed.verify_at(SECRET, NOW), Ok(()));
    }

    #[test]
    fn post_with_query_string_passes() {
        let signed = sign_post("/?b=2&a=hello%20world&a=1&empty=&flag&tilde=~x&slash=%2Fy", JSON_BODY, None, NOW);
        assert_eq!(signed.verify_at(SECRET, NOW), Ok(()));
    }

    #[test]
    fn post_with_unnormalised_encoded_path_passes() {
        let signed = sign_post("/a/./b%20c/../d%2Fe/f", JSON_BODY, None, NOW);
        assert_eq!(signed.verify_at(SECRET, NOW), Ok(()));
    }

    #[test]
    fn session_token_header_signed_passes() {
        let signed = sign_post("/", JSON_BODY, Some("FwoGZXIvYXdzEXAMPLETOKEN"), NOW);
        let auth = parse_authorization(signed.request.headers()).unwrap();
        assert!(auth.signed_headers.iter().any(|h| h == "x-amz-security-token"));
        assert_eq!(signed.verify_at(SECRET, NOW), Ok(()));
    }

    #[test]
    fn clock_skew_within_five_minutes_passes() {
        let signed = json_post();
        for skew in [Duration::minutes(5), -Duration::minutes(5), Duration::seconds(299)] {
            assert_eq!(signed.verify_at(SECRET, NOW + skew), Ok(()), "{skew}");
        }
    }

    #[test]
    fn changed_body_is_mismatch() {
        let mut signed = json_post();
        *signed.request.body_mut() = br#"{"MaxResults":60}"#.to_vec();
        assert_eq!(signed.verify_at(SECRET, NOW), Err(SigError::Mismatch));
    }

    /// A captured signature replayed with another body and a forged payload-hash header: the
    /// hash is computed from the body, so the header is caught and the signature cannot match.
    #[test]
    fn replayed_with_other_body_and_claimed_hash_is_refused() {
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let mut signed = sign_with("/", JSON_BODY, SignableBody::Bytes(JSON_BODY), None, NOW, settings);
        assert_eq!(signed.verify_at(SECRET, NOW), Ok(()), "a signed payload hash that matches is fine");
        *signed.request.body_mut() = br#"{"MaxResults":60}"#.to_vec();
        assert_eq!(
            signed.verify_at(SECRET, NOW),
            Err(SigError::Malformed(
                "The provided 'x-amz-content-sha256' header does not match what was computed.".to_owned()
            ))
        );
        signed.request.headers_mut().remove("x-amz-content-sha256");
        let mut auth = parse_authorization(signed.request.headers()).unwrap();
        auth.signed_headers.retain(|h| h != "x-amz-content-sha256");
        assert_eq!(verify(&signed.signed_request(), &auth, SECRET, NOW), Err(SigError::Mismatch));
    }

    #[test]
    fn unsigned_payload_is_refused() {
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let other_body = br#"{"MaxResults":60}"#;
        let signed = sign_with("/", other_body, SignableBody::UnsignedPayload, None, NOW, settings);
        assert_eq!(signed.request.headers()["x-amz-content-sha256"], "UNSIGNED-PAYLOAD");
        assert!(matches!(signed.verify_at(SECRET, NOW), Err(SigError::Malformed(m)) if m.contains("UNSIGNED-PAYLOAD")));
    }

    #[test]
    fn operation_header_must_be_signed() {
        let mut settings = SigningSettings::default();
        settings.excluded_headers = Some(vec!["x-amz-target".into()]);
        let mut signed = sign_with("/", JSON_BODY, SignableBody::Bytes(JSON_BODY), None, NOW, settings);
        assert!(
            !parse_authorization(signed.request.headers()).unwrap().signed_headers.contains(&"x-amz-target".into())
        );
        // The signature itself is valid; leaving the operation out of it is what is refused,
        // because the target could otherwise be swapped (AdminGetUser → AdminDisableUser).
        signed
            .request
            .headers_mut()
            .insert("x-amz-target", HeaderValue::from_static("AWSCognitoIdentityProviderService.DeleteUserPool"));
        assert_eq!(
            signed.verify_at(SECRET, NOW),
            Err(SigError::Malformed("'x-amz-target' must be a 'SignedHeader' in the AWS Authorization.".to_owned()))
        );
    }

    #[test]
    fn session_token_and_date_must_be_signed() {
        let mut settings = SigningSettings::default();
        settings.session_token_mode = SessionTokenMode::Exclude;
        let signed = sign_with("/", JSON_BODY, SignableBody::Bytes(JSON_BODY), Some("TOKEN"), NOW, settings);
        assert!(signed.request.headers().contains_key("x-amz-security-token"));
        assert_eq!(
            signed.verify_at(SECRET, NOW),
            Err(SigError::Malformed(
                "'x-amz-security-token' must be a 'SignedHeader' in the AWS Authorization.".to_owned()
            ))
        );

        let signed = json_post();
        let mut auth = parse_authorization(signed.request.headers()).unwrap();
        auth.signed_headers.retain(|h| h != "x-amz-date");
        assert_eq!(
            verify(&signed.signed_request(), &auth, SECRET, NOW),
            Err(SigError::Malformed("'x-amz-date' must be a 'SignedHeader' in the AWS Authorization.".to_owned()))
        );
    }

    #[test]
    fn changed_signed_header_is_mismatch() {
        let mut signed = json_post();
        signed
            .request
            .headers_mut()
            .insert("x-amz-target", HeaderValue::from_static("AWSCognitoIdentityProviderService.DeleteUserPool"));
        assert_eq!(signed.verify_at(SECRET, NOW), Err(SigError::Mismatch));
    }

    #[test]
    fn wrong_secret_is_mismatch() {
        let signed = json_post();
        assert_eq!(signed.verify_at("not-the-secret", NOW), Err(SigError::Mismatch));
    }

    #[test]
    fn six_minutes_late_is_expired() {
        let signed = json_post();
        let err = signed.verify_at(SECRET, NOW + Duration::minutes(6)).unwrap_err();
        assert_eq!(
            err,
            SigError::Expired(
                "Signature expired: 20261126T170000Z is now earlier than 20261126T170100Z (20261126T170600Z - 5 min.)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn six_minutes_early_is_expired() {
        let signed = json_post();
        let err = signed.verify_at(SECRET, NOW - Duration::minutes(6)).unwrap_err();
        assert_eq!(
            err,
            SigError::Expired(
                "Signature not yet current: 20261126T170000Z is still later than 20261126T165900Z (20261126T165400Z + 5 min.)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn expired_message_matches_aws_wording() {
        let err =
            check_clock_skew(datetime!(2026-11-26 17:00:00 UTC), datetime!(2026-11-26 17:15:00.75 UTC)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Signature expired: 20261126T170000Z is now earlier than 20261126T171000Z (20261126T171500Z - 5 min.)"
        );
    }

    #[test]
    fn missing_authorization_is_missing() {
        let mut signed = json_post();
        signed.request.headers_mut().remove(http::header::AUTHORIZATION);
        assert_eq!(signed.verify_at(SECRET, NOW), Err(SigError::Missing));
        assert_eq!(parse_authorization(&HeaderMap::new()).unwrap_err(), SigError::Missing);
    }

    fn parse(value: &'static str) -> Result<Authorization, SigError> {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::AUTHORIZATION, HeaderValue::from_static(value));
        parse_authorization(&headers)
    }

    #[test]
    fn garbage_authorization_is_malformed() {
        for garbage in [
            "garbage",
            "Bearer abc.def.ghi",
            "AWS4-HMAC-SHA1 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256",
            "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request",
            "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/aws4_request, SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256 Credential=AKID/2026112/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders=host;;x-amz-date, Signature=00",
            "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00, Signature=01",
            "AWS4-HMAC-SHA256 Credential, SignedHeaders=host, Signature=00",
        ] {
            assert!(matches!(parse(garbage), Err(SigError::Malformed(_))), "{garbage}");
        }
    }

    #[test]
    fn missing_parameters_are_named_like_aws() {
        let err = parse("AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request").unwrap_err();
        assert!(matches!(err, SigError::Malformed(_)));
        assert!(err.to_string().starts_with(
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization="
        ));
    }

    #[test]
    fn wrong_terminator_is_malformed() {
        let err = parse(
            "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws5_request, SignedHeaders=host, Signature=00",
        )
        .unwrap_err();
        assert_eq!(
            err,
            SigError::Malformed(
                "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.".to_owned()
            )
        );
    }

    #[test]
    fn parses_without_spaces_after_commas() {
        let auth = parse(
            "AWS4-HMAC-SHA256 Credential=AKID/20261126/us-east-1/cognito-idp/aws4_request,SignedHeaders=Host;X-Amz-Date,Signature=abc",
        )
        .unwrap();
        assert_eq!(auth.credential.access_key_id, "AKID");
        assert_eq!(auth.signed_headers, ["host", "x-amz-date"]);
        assert_eq!(auth.signature, "abc");
    }

    #[test]
    fn host_must_be_signed() {
        let signed = json_post();
        let mut auth = parse_authorization(signed.request.headers()).unwrap();
        auth.signed_headers.retain(|h| h != "host");
        assert_eq!(
            verify(&signed.signed_request(), &auth, SECRET, NOW),
            Err(SigError::Malformed(
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".to_owned()
            ))
        );
    }

    #[test]
    fn absent_signed_header_is_malformed() {
        let mut signed = json_post();
        signed.request.headers_mut().remove("x-amz-target");
        assert!(matches!(signed.verify_at(SECRET, NOW), Err(SigError::Malformed(_))));
    }

    #[test]
    fn missing_date_is_malformed() {
        let mut signed = json_post();
        signed.request.headers_mut().remove("x-amz-date");
        let mut auth = parse_authorization(signed.request.headers()).unwrap();
        auth.signed_headers.retain(|h| h != "x-amz-date");
        assert_eq!(
            verify(&signed.signed_request(), &auth, SECRET, NOW),
            Err(SigError::Malformed(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.".to_owned()
            ))
        );
    }

    #[test]
    fn scope_date_must_match_request_date() {
        let signed = json_post();
        let mut auth = parse_authorization(signed.request.headers()).unwrap();
        auth.credential.date = "20261125".to_owned();
        assert_eq!(
            verify(&signed.signed_request(), &auth, SECRET, NOW),
            Err(SigError::Malformed(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261125' != '20261126', from '20261126T170000Z'."
                    .to_owned()
            ))
        );
    }

    #[test]
    fn request_time_reads_x_amz_date_then_date() {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::DATE, HeaderValue::from_static("Thu, 26 Nov 2026 17:00:00 GMT"));
        assert_eq!(request_time(&headers), Ok(NOW));
        headers.insert("x-amz-date", HeaderValue::from_static("20261126T171500Z"));
        assert_eq!(request_time(&headers), Ok(datetime!(2026-11-26 17:15:00 UTC)));
        headers.insert("x-amz-date", HeaderValue::from_static("2026-11-26T17:15:00Z"));
        assert!(matches!(request_time(&headers), Err(SigError::Malformed(_))));
        headers.insert("x-amz-date", HeaderValue::from_static("20261131T171500Z"));
        assert!(matches!(request_time(&headers), Err(SigError::Malformed(_))));
    }

    #[test]
    fn canonical_uri_normalises_and_double_encodes() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("//"), "/");
        assert_eq!(canonical_uri("/a/b/"), "/a/b/");
        assert_eq!(canonical_uri("/a/./b/../c"), "/a/c");
        assert_eq!(canonical_uri("/a%20b/c~d"), "/a%2520b/c~d");
        assert_eq!(canonical_uri("/.."), "/");
    }

    #[test]
    fn canonical_query_sorts_and_reencodes() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("Version=2010-05-08&Action=ListUsers"), "Action=ListUsers&Version=2010-05-08");
        assert_eq!(canonical_query("b=2&a=z&a=y&flag&s=a+b%21&t=%7e"), "a=y&a=z&b=2&flag=&s=a%20b%21&t=~");
    }

    #[test]
    fn canonical_header_values_are_trimmed_and_collapsed() {
        let mut out = Vec::new();
        push_canonical_header_value(&mut out, b"  a   b \t c  ");
        assert_eq!(out, b"a b c");
    }

    /// The worked example of AWS's "Create a signed AWS API request" documentation:
    /// IAM `ListUsers`, signed at 20150830T123600Z.
    #[test]
    fn aws_documentation_test_vector() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        );
        headers.insert(http::header::HOST, HeaderValue::from_static("iam.amazonaws.com"));
        headers.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        headers.insert(
            http::header::AUTHORIZATION,
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date, \
                 Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            ),
        );
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            body: b"",
        };
        let auth = parse_authorization(&headers).unwrap();

        let canonical = canonical_request(&req, &auth.signed_headers, &hex::encode(Sha256::digest(b"")));
        assert_eq!(
            String::from_utf8(canonical.clone()).unwrap(),
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n\
             content-type:application/x-www-form-urlencoded; charset=utf-8\n\
             host:iam.amazonaws.com\n\
             x-amz-date:20150830T123600Z\n\n\
             content-type;host;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex::encode(Sha256::digest(&canonical)),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );

        let at = datetime!(2015-08-30 12:36:00 UTC);
        assert_eq!(verify(&req, &auth, SECRET, at), Ok(()));
        assert_eq!(
            verify(&req, &auth, SECRET, at + Duration::minutes(6)),
            Err(SigError::Expired(
                "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T124200Z - 5 min.)"
                    .to_owned()
            ))
        );
        assert_eq!(verify(&req, &auth, "wrong", at), Err(SigError::Mismatch));
    }
}
