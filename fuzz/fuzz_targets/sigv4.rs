//! SigV4 verification (`cognate_protocol::sigv4`): `parse_authorization`, `request_time`,
//! `check_signed_headers` and `verify` (canonical URI, canonical query, canonical headers, payload
//! hash, `X-Amz-Content-Sha256`, clock skew, scope date, signing key, constant-time compare) on a
//! request built from the fuzz input.
//!
//! Input: an HTTP/1-like request,
//!
//! ```text
//! METHOD /path?query
//! Name: value
//! Name: value
//!
//! body
//! ```
//!
//! Lines end in `\n` (a trailing `\r` is dropped). Header lines that `http` refuses (bad name or
//! value bytes) are skipped; repeated names are appended. Everything after the first empty line
//! is the body. `verify` runs with the secret of AWS's documentation example (so the documented
//! test vector in `seeds/sigv4` verifies), both at the request's own time (so fuzzed requests
//! get past the clock-skew check into the canonical request) and at a fixed instant.
#![no_main]

use cognate_protocol::sigv4::{self, SigError, SignedRequest};
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;
use time::macros::datetime;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const FIXED_NOW: OffsetDateTime = datetime!(2026-11-26 17:00:00 UTC);

/// `COGNATE_FUZZ_DEBUG=1` prints each input's outcome (to check that seeds reach what they aim at).
fn debug() -> bool {
    static DEBUG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("COGNATE_FUZZ_DEBUG").is_some())
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &data[data.len()..]),
    };
    let mut lines = head.split(|&b| b == b'\n').map(trim_cr);
    let request_line = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let (method, target) = request_line.split_once(' ').unwrap_or((request_line.as_str(), "/"));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));

    let mut headers = HeaderMap::new();
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
        let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(trim_ows(&line[..colon])), HeaderValue::from_bytes(trim_ows(&line[colon + 1..])))
        else {
            continue;
        };
        headers.append(name, value);
    }

    let time = sigv4::request_time(&headers);
    let auth = match sigv4::parse_authorization(&headers) {
        Ok(auth) => auth,
        Err(SigError::Missing) => {
            assert!(!headers.contains_key(http::header::AUTHORIZATION));
            return;
        }
        Err(e) => {
            if debug() {
                eprintln!("parse_authorization: {e}");
            }
            return;
        }
    };

    // What parse_authorization accepts has the shape it documents.
    assert!(!auth.signed_headers.is_empty());
    for name in &auth.signed_headers {
        assert!(!name.is_empty());
        assert_eq!(*name, name.to_ascii_lowercase());
    }
    assert_eq!(auth.credential.date.len(), 8);
    assert!(auth.credential.date.bytes().all(|b| b.is_ascii_digit()));
    assert!(auth.credential.scope().ends_with("/aws4_request"));
    let _ = sigv4::check_signed_headers(&headers, &auth.signed_headers);

    let req = SignedRequest { method, path, query, headers: &headers, body };
    let own_time = time.as_ref().ok().copied().filter(|t| *t != FIXED_NOW);
    for now in [own_time, Some(FIXED_NOW)].into_iter().flatten() {
        let result = sigv4::verify(&req, &auth, SECRET, now);
        if debug() {
            eprintln!("verify at {now}: {result:?}");
        }
        if result.is_ok() {
            // A request that verifies had a readable time within five minutes of `now`...
            let Ok(t) = &time else { panic!("verified without a request time") };
            assert!((*t - now).abs() <= sigv4::MAX_CLOCK_SKEW, "verified outside the clock-skew window");
            // ...and its signature depends on the secret.
            assert_eq!(sigv4::verify(&req, &auth, "some other secret", now), Err(SigError::Mismatch));
        }
    }
});
