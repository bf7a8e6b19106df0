//! The server side of Cognito's SRP sign-in (`USER_SRP_AUTH`, `DEVICE_SRP_AUTH`), computed exactly
//! as amazon-cognito-identity-js's `AuthenticationHelper`, Amplify, pycognito and the AWS SDKs'
//! helpers compute the client side (COMPAT.md, "SRP"). Pure functions: no I/O, no clock; the only
//! outside input is the operating system's CSPRNG.
//!
//! # The protocol
//! SRP-6a over the 3072-bit MODP group of RFC 3526 (`g = 2`) with SHA-256, in AWS's "Caldera"
//! dialect:
//! - `PAD(n)` is the big-endian hex of `n`, with a leading `0` when its length is odd and `00` when
//!   its first digit is `8`–`f` (so the bytes read as a positive two's-complement number). Every hash
//!   of numbers hashes the bytes of their concatenated `PAD` forms.
//! - `k = H(PAD(N) | PAD(g))`.
//! - Sign-up / password change: random `salt`; `x = H(PAD(salt) | H(poolName | userIdForSrp | ":" |
//!   password))`; the store keeps `salt` and the verifier `v = g^x mod N`, never the password.
//!   `poolName` is the part of the pool ID after `_`.
//! - `InitiateAuth` brings `SRP_A = g^a mod N` (rejected when `A mod N == 0`). The server picks a
//!   random `b`, answers `B = k·v + g^b mod N` with the challenge `PASSWORD_VERIFIER` (`SALT`,
//!   `SRP_B`, `SECRET_BLOCK`, ...) and keeps `b` sealed in its session.
//! - Both sides compute `u = H(PAD(A) | PAD(B))` (rejected when zero) and the shared secret
//!   `S = (A·v^u)^b mod N` (the client: `(B − k·g^x)^(a + u·x) mod N`), then the 16-byte key
//!   `HKDF-SHA256(ikm = PAD(S), salt = PAD(u), info = "Caldera Derived Key")`.
//! - The client proves it knows the key with `PASSWORD_CLAIM_SIGNATURE = Base64(HMAC-SHA256(key,
//!   poolName | userIdForSrp | SECRET_BLOCK bytes | TIMESTAMP))`, `TIMESTAMP` formatted like
//!   `Thu Nov 26 17:00:00 UTC 2026` (see [`format_timestamp`]).
//! - Devices (`DEVICE_SRP_AUTH` after `ConfirmDevice`) use the same math with `deviceGroupKey` in
//!   place of `poolName`, `deviceKey` in place of `userIdForSrp` and a random device password; the
//!   client makes the salt and verifier itself and hands them over in `DeviceSecretVerifierConfig`
//!   ([`device_verifier`]).
//!
//! # Why hand-written
//! Generic SRP crates implement RFC 5054's proof messages (`M1 = H(H(N) xor H(g) | H(I) | s | A |
//! B | K)`), pad values to the length of `N`, and hash the session key with plain SHA. Cognito's
//! variant pads differently, derives its key with HKDF ("Caldera Derived Key") and replaces `M1`
//! with an HMAC over the pool name, user ID, secret block and timestamp, so no crate interoperates
//! with it. What is generic here is only modular arithmetic (`num-bigint`), HMAC/SHA-256 and HKDF.
//!
//! The caller decides what `SECRET_BLOCK` is (something sealed that binds the challenge to the
//! session) and whether `TIMESTAMP` is recent enough ([`parse_timestamp`]). `num-bigint`'s `modpow`
//! is not constant-time; the secret exponents are fresh per exchange (`b`) or never held (`x`),
//! which is the exposure every SRP server built on a general big-integer library accepts.

use std::fmt;
use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hkdf::Hkdf;
use hmac::{Hmac, Mac as _};
use num_bigint::BigUint;
use rand::RngCore as _;
use rand::rngs::OsRng;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The 3072-bit MODP prime of RFC 3526 (also RFC 5054's 3072-bit group), as AuthenticationHelper has it.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// The generator.
const G: u32 = 2;

/// HKDF `info` of the session key.
const INFO: &[u8] = b"Caldera Derived Key";

/// Bytes of random salt for a new password verifier (what Cognito and the client libraries use).
const SALT_BYTES: usize = 16;

/// Bytes of the server's secret exponent `b`.
const B_SECRET_BYTES: usize = 32;

/// Longest hex number accepted from outside (`N` itself is 768 digits; `PAD` adds at most two).
const MAX_HEX_DIGITS: usize = 1024;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Why an SRP step failed. All of them mean "Incorrect username or password." to a client.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SrpError {
    /// `SRP_A` is not hex, too long, or `0 mod N` (or it makes `u` zero).
    #[error("invalid SRP_A")]
    InvalidA,
    /// Some other input is not what it must be (names which one).
    #[error("malformed SRP input: {0}")]
    Malformed(&'static str),
    /// `PASSWORD_CLAIM_SIGNATURE` does not match: wrong password, or a changed message.
    #[error("password claim signature does not match")]
    BadSignature,
}

/// What the store keeps per user (or per confirmed device) instead of a password. Both are
/// lowercase hex; `salt_hex` is sent to the client as `SALT` as it is.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    pub salt_hex: String,
    /// `PAD(g^x mod N)`.
    pub verifier_hex: String,
}

impl fmt::Debug for Verifier {
    /// The verifier allows an offline guess at the password: never logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier").field("salt_hex", &self.salt_hex).finish_non_exhaustive()
    }
}

/// The server's half of one exchange.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerChallenge {
    /// The secret exponent `b`: kept sealed server-side, never sent.
    pub b_hex: String,
    /// `SRP_B` for the client.
    pub big_b_hex: String,
}

impl fmt::Debug for ServerChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerChallenge").field("big_b_hex", &self.big_b_hex).finish_non_exhaustive()
    }
}

/// The client's `PASSWORD_VERIFIER` / `DEVICE_PASSWORD_VERIFIER` answer and the names it signs.
#[derive(Clone, Copy, Debug)]
pub struct PasswordClaim<'a> {
    /// The pool name (pool ID after `_`), or the device group key.
    pub name: &'a str,
    /// `USER_ID_FOR_SRP`, or the device key.
    pub user_id: &'a str,
    /// `PASSWORD_CLAIM_SECRET_BLOCK` (base64).
    pub secret_block_b64: &'a str,
    /// `TIMESTAMP`, exactly as sent.
    pub timestamp: &'a str,
    /// `PASSWORD_CLAIM_SIGNATURE` (base64).
    pub signature_b64: &'a str,
}

/// The pool name used in SRP: the part of a pool ID after `_` (`Ab3dEf9Hk` of `us-east-1_Ab3dEf9Hk`).
pub fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or(pool_id, |(_, name)| name)
}

/// A verifier for a new password, with a fresh random salt.
pub fn make_verifier(pool_name: &str, user_id_for_srp: &str, password: &str) -> Verifier {
    let mut salt = [0u8; SALT_BYTES];
    OsRng.fill_bytes(&mut salt);
    verifier_with_salt(pool_name, user_id_for_srp, password, &BigUint::from_bytes_be(&salt))
}

/// A stand-in salt and verifier for a name without an SRP record, derived from `seed` (a keyed
/// hash of the name, so it is the same at every attempt). It has the shape and distribution of a
/// real one (a 16-byte salt padded as real salts are; a number below `N`) and costs no modular
/// exponentiation, so a challenge for an unknown user takes the work of a known one's.
pub fn decoy_verifier(seed: &[u8; 32]) -> Verifier {
    let salt = BigUint::from_bytes_be(&seed[..SALT_BYTES]);
    let mut wide = Vec::with_capacity(N_HEX.len() / 2 + 32);
    let mut block = 0u32;
    while wide.len() < N_HEX.len() / 2 + 16 {
        let mut h = Sha256::new();
        h.update(b"cognate decoy verifier\0");
        h.update(seed);
        h.update(block.to_be_bytes());
        wide.extend_from_slice(&h.finalize());
        block += 1;
    }
    let mut v = BigUint::from_bytes_be(&wide) % n();
    if v == BigUint::ZERO {
        v = BigUint::from(2u8);
    }
    Verifier { salt_hex: pad_hex(&salt), verifier_hex: pad_hex(&v) }
}

/// The verifier of a device, from `ConfirmDevice`'s `DeviceSecretVerifierConfig` (`PasswordVerifier`
/// and `Salt`, both base64 of big-endian bytes). The salt is kept byte for byte, since the client
/// hashed it in that form and will read it back from `SALT`.
pub fn device_verifier(password_verifier_b64: &str, salt_b64: &str) -> Result<Verifier, SrpError> {
    let verifier = BASE64.decode(password_verifier_b64).map_err(|_| SrpError::Malformed("PasswordVerifier"))?;
    let salt = BASE64.decode(salt_b64).map_err(|_| SrpError::Malformed("Salt"))?;
    if salt.is_empty() || salt.len() * 2 > MAX_HEX_DIGITS {
        return Err(SrpError::Malformed("Salt"));
    }
    if verifier.len() * 2 > MAX_HEX_DIGITS {
        return Err(SrpError::Malformed("PasswordVerifier"));
    }
    let v = BigUint::from_bytes_be(&verifier) % n();
    if v == BigUint::ZERO {
        return Err(SrpError::Malformed("PasswordVerifier"));
    }
    Ok(Verifier { salt_hex: to_hex(&salt), verifier_hex: pad_hex(&v) })
}

/// Checks a client's `SRP_A`: hex, not absurdly long, and not `0 mod N` (which would make the
/// shared secret predictable).
pub fn check_a(a_hex: &str) -> Result<(), SrpError> {
    parse_a(a_hex).map(|_| ())
}

/// Picks a random `b` and computes `SRP_B` for a stored verifier.
pub fn server_challenge(verifier_hex: &str) -> Result<ServerChallenge, SrpError> {
    let v = parse_verifier(verifier_hex)?;
    for _ in 0..8 {
        let mut bytes = [0u8; B_SECRET_BYTES];
        OsRng.fill_bytes(&mut bytes);
        let b = BigUint::from_bytes_be(&bytes);
        if b == BigUint::ZERO {
            continue;
        }
        if let Some(challenge) = challenge_with_b(&v, &b) {
            return Ok(challenge);
        }
    }
    // Only reachable with a broken random source: B = 0 mod N for eight random b.
    Err(SrpError::Malformed("verifier"))
}

/// Verifies the client's proof; `Ok(())` only when `PASSWORD_CLAIM_SIGNATURE` matches (compared in
/// constant time). `challenge` is what [`server_challenge`] returned for this exchange.
pub fn verify_password_claim(
    verifier_hex: &str,
    a_hex: &str,
    challenge: &ServerChallenge,
    claim: &PasswordClaim<'_>,
) -> Result<(), SrpError> {
    let v = parse_verifier(verifier_hex)?;
    let a = parse_a(a_hex)?;
    let b = parse_hex(&challenge.b_hex).ok_or(SrpError::Malformed("b"))?;
    let big_b = parse_hex(&challenge.big_b_hex).ok_or(SrpError::Malformed("SRP_B"))?;
    let secret_block = BASE64.decode(claim.secret_block_b64).map_err(|_| SrpError::Malformed("SECRET_BLOCK"))?;
    let given = BASE64.decode(claim.signature_b64).map_err(|_| SrpError::Malformed("PASSWORD_CLAIM_SIGNATURE"))?;
    let key = server_key(&v, &a, &b, &big_b)?;
    let expected = claim_signature(&key, claim.name, claim.user_id, &secret_block, claim.timestamp);
    if !expected.is_empty() && bool::from(expected.as_slice().ct_eq(&given)) {
        Ok(())
    } else {
        Err(SrpError::BadSignature)
    }
}

/// `TIMESTAMP` as the clients write it: `Thu Nov 26 17:00:00 UTC 2026` (UTC; day of month without
/// zero padding; hours, minutes and seconds with).
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let weekday = WEEKDAYS[usize::from(t.weekday().number_days_from_monday())];
    let month = MONTHS[usize::from(u8::from(t.month()) - 1)];
    format!("{weekday} {month} {} {:02}:{:02}:{:02} UTC {}", t.day(), t.hour(), t.minute(), t.second(), t.year())
}

/// Reads a client's `TIMESTAMP`. Tolerant where clients differ: a zero- or space-padded day, any
/// run of spaces, `UTC` or `GMT`, any letter case, and a weekday that does not match the date
/// (the signature covers the exact string; the date is only for a freshness check).
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [weekday, month, day, hms, zone, year] = parts.as_slice() else {
        return None;
    };
    if !WEEKDAYS.iter().any(|w| w.eq_ignore_ascii_case(weekday)) {
        return None;
    }
    if !(zone.eq_ignore_ascii_case("UTC") || zone.eq_ignore_ascii_case("GMT")) {
        return None;
    }
    let month_index = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))?;
    let month = Month::try_from(u8::try_from(month_index + 1).ok()?).ok()?;
    let day = digits(day, 1, 2)?;
    let mut hms = hms.split(':');
    let (hour, minute, second) = (digits(hms.next()?, 2, 2)?, digits(hms.next()?, 2, 2)?, digits(hms.next()?, 2, 2)?);
    if hms.next().is_some() {
        return None;
    }
    let year = i32::try_from(digits(year, 4, 4)?).ok()?;
    let date = Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()?;
    let time = Time::from_hms(u8::try_from(hour).ok()?, u8::try_from(minute).ok()?, u8::try_from(second).ok()?).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_utc())
}

/// A number of `min..=max` ASCII digits (no sign).
fn digits(s: &str, min: usize, max: usize) -> Option<u32> {
    if s.len() < min || s.len() > max || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `N` as a number, parsed once.
static N: LazyLock<BigUint> = LazyLock::new(|| {
    // N_HEX is a constant of valid hex digits; the fallback is never taken.
    parse_hex(N_HEX).unwrap_or_default()
});

/// `k`, computed once.
static K: LazyLock<BigUint> = LazyLock::new(|| hash_numbers(&[&N, &g()]));

fn n() -> &'static BigUint {
    &N
}

fn g() -> BigUint {
    BigUint::from(G)
}

/// `k = H(PAD(N) | PAD(g))`.
pub(crate) fn k() -> &'static BigUint {
    &K
}

/// The bytes of `PAD(x)`: big-endian, with a leading zero byte when the top bit is set (`[0]` for 0).
fn pad_bytes(x: &BigUint) -> Vec<u8> {
    let bytes = x.to_bytes_be();
    match bytes.first() {
        Some(&first) if first >= 0x80 => {
            let mut padded = Vec::with_capacity(bytes.len() + 1);
            padded.push(0);
            padded.extend_from_slice(&bytes);
            padded
        }
        _ => bytes,
    }
}

/// `PAD(x)` as lowercase hex: pycognito's `pad_hex`, AuthenticationHelper's `padHex`.
pub(crate) fn pad_hex(x: &BigUint) -> String {
    to_hex(&pad_bytes(x))
}

fn to_hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A non-empty string of at most `MAX_HEX_DIGITS` hex digits (either case) as a number.
fn parse_hex(s: &str) -> Option<BigUint> {
    if s.is_empty() || s.len() > MAX_HEX_DIGITS || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(s.as_bytes(), 16)
}

fn parse_a(a_hex: &str) -> Result<BigUint, SrpError> {
    let a = parse_hex(a_hex).ok_or(SrpError::InvalidA)?;
    if &a % n() == BigUint::ZERO {
        return Err(SrpError::InvalidA);
    }
    Ok(a)
}

fn parse_verifier(verifier_hex: &str) -> Result<BigUint, SrpError> {
    let v = parse_hex(verifier_hex).ok_or(SrpError::Malformed("verifier"))?;
    if &v % n() == BigUint::ZERO {
        return Err(SrpError::Malformed("verifier"));
    }
    Ok(v)
}

/// SHA-256 of the concatenated `PAD` bytes of `values`, read as a number.
fn hash_numbers(values: &[&BigUint]) -> BigUint {
    let mut hasher = Sha256::new();
    for value in values {
        hasher.update(pad_bytes(value));
    }
    BigUint::from_bytes_be(&hasher.finalize())
}

/// `x = H(PAD(salt) | H(name | user_id | ":" | password))`. The salt is read from its hex form as a
/// number and padded again, as every client does with `SALT`.
pub(crate) fn compute_x(salt: &BigUint, name: &str, user_id: &str, password: &str) -> BigUint {
    let inner = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update(user_id.as_bytes())
        .chain_update(b":")
        .chain_update(password.as_bytes())
        .finalize();
    let outer = Sha256::new().chain_update(pad_bytes(salt)).chain_update(inner).finalize();
    BigUint::from_bytes_be(&outer)
}

/// The verifier for a given salt (what [`make_verifier`] does after picking one).
pub(crate) fn verifier_with_salt(name: &str, user_id: &str, password: &str, salt: &BigUint) -> Verifier {
    let x = compute_x(salt, name, user_id, password);
    let v = g().modpow(&x, n());
    Verifier { salt_hex: pad_hex(salt), verifier_hex: pad_hex(&v) }
}

/// `B = k·v + g^b mod N` for a given `b`; `None` when `B = 0 mod N`.
pub(crate) fn challenge_with_b(v: &BigUint, b: &BigUint) -> Option<ServerChallenge> {
    let n = n();
    let big_b = (k() * v + g().modpow(b, n)) % n;
    if big_b == BigUint::ZERO {
        return None;
    }
    Some(ServerChallenge { b_hex: pad_hex(b), big_b_hex: big_b.to_str_radix(16) })
}

/// `u = H(PAD(A) | PAD(B))`.
pub(crate) fn compute_u(a: &BigUint, big_b: &BigUint) -> BigUint {
    hash_numbers(&[a, big_b])
}

/// The 16-byte key: `HKDF-SHA256(ikm = PAD(S), salt = PAD(u), info = "Caldera Derived Key")`.
/// AuthenticationHelper's `computehkdf` (one HMAC block of `info | 0x01`, cut to 16 bytes) is
/// exactly HKDF-Expand with `L = 16`.
pub(crate) fn derive_key(s: &BigUint, u: &BigUint) -> [u8; 16] {
    let mut okm = [0u8; 16];
    // Expanding to 16 bytes is always within HKDF-SHA256's 8160-byte limit.
    let _ = Hkdf::<Sha256>::new(Some(&pad_bytes(u)), &pad_bytes(s)).expand(INFO, &mut okm);
    okm
}

/// The server's key: `S = (A·v^u)^b mod N`.
pub(crate) fn server_key(v: &BigUint, a: &BigUint, b: &BigUint, big_b: &BigUint) -> Result<[u8; 16], SrpError> {
    let n = n();
    if big_b % n == BigUint::ZERO {
        return Err(SrpError::Malformed("SRP_B"));
    }
    let u = compute_u(a, big_b);
    if u == BigUint::ZERO {
        return Err(SrpError::InvalidA);
    }
    let s = (a * v.modpow(&u, n) % n).modpow(b, n);
    Ok(derive_key(&s, &u))
}

/// `HMAC-SHA256(key, name | user_id | secret_block | timestamp)`.
pub(crate) fn claim_signature(key: &[u8], name: &str, user_id: &str, secret_block: &[u8], timestamp: &str) -> Vec<u8> {
    // HMAC takes keys of any length; the fallback is never taken.
    let Ok(mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.chain_update(name.as_bytes())
        .chain_update(user_id.as_bytes())
        .chain_update(secret_block)
        .chain_update(timestamp.as_bytes())
        .finalize()
        .into_bytes()
        .to_vec()
}

/// The client side of the exchange, as amazon-cognito-identity-js's AuthenticationHelper computes
/// it. The server never needs it; the load generator and the tests do.
pub struct SrpClient {
    a: BigUint,
    big_a: BigUint,
}

impl SrpClient {
    pub fn new(a: BigUint) -> SrpClient {
        let big_a = g().modpow(&a, n());
        SrpClient { a, big_a }
    }

    /// A client with a random secret `a`.
    pub fn random() -> SrpClient {
        let mut bytes = [0u8; 128];
        OsRng.fill_bytes(&mut bytes);
        SrpClient::new(BigUint::from_bytes_be(&bytes) % n())
    }

    /// `SRP_A` in hex.
    pub fn a_hex(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// The key from `SALT` and `SRP_B`: `S = (B - k·g^x)^(a + u·x) mod N`.
    pub fn key(&self, salt_hex: &str, big_b_hex: &str, name: &str, user_id: &str, password: &str) -> [u8; 16] {
        let n = n();
        let big_b = parse_hex(big_b_hex).unwrap_or_default();
        let salt = parse_hex(salt_hex).unwrap_or_default();
        let u = compute_u(&self.big_a, &big_b);
        let x = compute_x(&salt, name, user_id, password);
        let kgx = k() * g().modpow(&x, n) % n;
        let base = (&big_b % n + n - kgx) % n;
        let s = base.modpow(&(&self.a + &u * &x), n);
        derive_key(&s, &u)
    }

    /// `PASSWORD_CLAIM_SIGNATURE` for a challenge.
    #[allow(clippy::too_many_arguments)]
    pub fn sign(
        &self,
        salt_hex: &str,
        big_b_hex: &str,
        name: &str,
        user_id: &str,
        password: &str,
        secret_block: &[u8],
        timestamp: &str,
    ) -> String {
        let key = self.key(salt_hex, big_b_hex, name, user_id, password);
        BASE64.encode(claim_signature(&key, name, user_id, secret_block, timestamp))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn big(hex: &str) -> BigUint {
        parse_hex(hex).unwrap()
    }

    use super::SrpClient as Client;

    fn claim<'a>(
        name: &'a str,
        user_id: &'a str,
        block: &'a str,
        timestamp: &'a str,
        sig: &'a str,
    ) -> PasswordClaim<'a> {
        PasswordClaim { name, user_id, secret_block_b64: block, timestamp, signature_b64: sig }
    }

    // Vectors from pycognito 2024.5.1 (`pycognito.aws_srp`), for pool "us-east-1_AbCdEf123", user
    // "alice", password "Passw0rd!", salt 9e2b5c1d7a3f4e6b8c0d1e2f3a4b5c6d, fixed a and b chosen so
    // that A, B and S all have their top bit set (PAD adds "00"), secret block = bytes 0..64 followed
    // by "cognate secret block", TIMESTAMP "Thu Nov 26 17:00:00 UTC 2026". AWSSRP.process_challenge
    // produced the same signature.
    const K_HEX: &str = "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6";
    const SALT_HEX: &str = "009e2b5c1d7a3f4e6b8c0d1e2f3a4b5c6d";
    const V_HEX: &str = concat!(
        "462dbb0620c6d9322050b5160b255a4f80c42eabda49984b009a23154aef8d85003d0af461bf42dd8e0da74bccbae320",
        "54a0793cf10d831a62dbc7e78e722dc032398c2dadb82325502a380be38d58e1c5104e8f481b4573fb2ee7c2aca66ae5",
        "af680fed4f6e38df49996e1bcea5ce6bf8fdf0620fbcbdcd9aa32a89ebd1352fa8dd77f57a72f2189f7dcb7cec7d96e8",
        "8fef6ef95af396226f72fb93947d00c42aeedd267892159f0f692d7210c12ebd5e1feb7a093b5f2f03df1ff1a9dd3c47",
        "d44d2e019e57b2ed3af9a38d751101db552ac5d1c4e70f70a1bd5d2ccfc683daa4eca36007d1a7e4c812f5213b313a89",
        "41724633a6315d7ab2f4f77aa2d36d8664e2eefa9097c0ac85ae0ec5cde0f5fed0cfd7fe42d53866467ccf02219b968f",
        "0ce95843f3b83712f3c8768fbe0085864bf730f4bd9d1fbf8dbb8bc2c123ae6f31e773067860096ad1736a732578e3ed",
        "0252557633286c2e9e7af55913d47fe81f0939a275400151722d77f22b902bd1b64742ac5b028879589feb947643aebe",
    );
    const A_SMALL_HEX: &str = concat!(
        "00d065c0e72c0d0a30feb89fff04a65e3925f463566a4a2ead250abf6e5ac04ca47bd558001dd39048cdb4255d74c622",
        "4f6372099a5627922cc4c5475d7b3e5daada2d6582bfd64e7fa2c631335f64e0d2c812fed7cbc0981c459f039076e099",
        "f944d5017262279051013bc6bad8a9f8f4170c4b00ecd7866317297db8e6145787",
    );
    const B_SMALL_HEX: &str = "00f31aeb0049825407c941965096ee86ef208ad9ffdb9e49be5e25e8a0429ea21f";
    const A_HEX: &str = concat!(
        "00bada6e1c85107901c1b53a47ed0bb9bf94aedef93ac0b18921ab6013f11640e4b80fa5acb103ee5b4308e8da5e6516",
        "ccd724fd5fed99a349900fa7f5c23da56470385376dff24f31f8f50168900bded37bf420f6b134865ab04502c549a886",
        "f8d9be7f14757e080e0179075178111ec580e89d8c786ab860dcb5bbe7fcde33425ed3f772d78b4c768f5676bd4bc4ae",
        "f906611aeadc0ec9445e82fd93d6fc084ad75a18ed5ad35b488054add608f918ffcf91f1f3713ff1eca6baf94bb8bed0",
        "28ad42abe47bd635e816990b97911516e7064769b76a2e2a5047156e240e102b28cb09b8632cc68b7e48e91d57bd79f2",
        "dbe8ce90f680313cb551d67005be2e5975be54fe56a80089ea7f900bc5063bebc5ed46e9b6c430cb4e617b057409f3f0",
        "daa25c9f8b579729eecb892859152a72021a7b69872250dd3fada576fc071988560f876ee69c9c3b2cbfab9d0452d8a1",
        "6275c776d793d7bb492cc5c55e68feaf806cde4fc5fd960e0796f5abe1aac0ffbdafba6f8663cb85354051fbb845915a",
        "d6",
    );
    const B_HEX: &str = concat!(
        "00cfc46a71bfdef6632ca58535e1da47fdb0bfc5c82515df854e5428f1bf5a6c05a20520310313cab451aa99fd7bafec",
        "68a4df45ed2dd492fcb9f4f4f0456ba1ca60956da404e39ffbfc06bf754093ab40b61fc7035a23cbe2c74610b1be0b39",
        "26ecfac14d3d004171510203642e7dfea31262321394343880ad62bf3792a981b3c87055d5c2cec4cccfc94cce8b4c24",
        "fccecb4c893ec2fbca3673b36ddc6790deddee8a4a00774b88d52f391506b1e5a42f6cc435c407bf637c56a546f225ed",
        "2c06e6ed6c4c347860cb709007b309f958567cd0d125d1a823756384e2eb18c7b8ccdc378df8255165c9602e41d5c430",
        "3d9cc8be10d449a9a94d394a58f13d87c3499388c80647aa013932c8607e82cbc25ef5fdfccfe05522bb672d12fc6bbf",
        "bd9860ff132ddffb62670e4b14912322c34986ec0dca45610bcde0a7f36ff1c1578f8c335efad224926a66834f7baeed",
        "d1cf61c5879be51a1499453a17e24fc4e815b6254527a46fd0a1d2e2b74d81f45c088a7154bf677888a359920c217f42",
        "64",
    );
    const U_HEX: &str = "00d18b37793dc09182ee4e41252dbadeb53a4c5c6293ac9974b36e5147028bf742";
    const S_HEX: &str = concat!(
        "00f4feee17f37987051806396031d1b8ee2757c5ccf655b0b0c1129bc9036e60ec8e0ce242344c1a33c23635dbf1cabb",
        "cd3a3501c71ffbaa418f3f524f6dbe139cc3fa8a9a9970c3152705b72b9ba9f8b36b0f98f75f4e9fa33aaa547b38b242",
        "ae2bffb2d688b23dc5dc1d0fd2d99a1ba9294cc5a1e1f73c83b9b80646dac2f9b7791bde4aa801c1a1f46d4326fd1eb6",
        "95266125fa1f2d1bd0ae42ee2f38960d2d38d9b3c1bef38105831eafa0dd4902fc0a30268ba311c00268a672c7028184",
        "a1d639613f78f2b26566d0203e4a785880b6208652fdcc17c69b1c206cce458b9b9a9570a8a1a9ae86361b3a1d356673",
        "8b523193c6fd2f0ee21f1675e4de8d6638605f8520c44dd154b9334675a4b934e0f6b094e7aa227a1cb72325698b021f",
        "5abeb47b4791d72ee258615a9db73bf77a58815702223f089a91abe97b3cc195962b164a9eb9750137a31205dce8816b",
        "3a060fcddba18ef44187cb10b5e79f4ee268444645a0f623d2cfc1d532e3d3ceaac0ed199274793b728a312775bc4017",
        "6f",
    );
    const KEY_HEX: &str = "bacbd3479127d70368b7c16ed1d66c86";
    const SECRET_BLOCK_B64: &str = concat!(
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P2NvZ25hdGUg",
        "c2VjcmV0IGJsb2Nr",
    );
    const SIGNATURE_B64: &str = "tzU8Yi07gVxSos7KAzIOeUvxVC/4gfNJwmuvoDK615M=";

    // Device vectors (pycognito's get_device_authentication_key), device group key "-Xb2Vc3Hd", device
    // key "us-east-1_5f2c6a10-7b8e-4c3d-9a1f-2e4b6c8d0a12", a fixed device password, the same secret
    // block, TIMESTAMP "Sat Feb 7 09:05:03 UTC 2026".
    const DEV_VERIFIER_B64: &str = concat!(
        "WKul3/Ffibnh4nTYvKMQFPoKVFoq50u/CXkrsy/coPEJ2c/DRf3UqDLKPXaF5pEJXmOaZvqsFUxOdQ8l14TdwYujSFwCTTbV",
        "wFr5xBnbDH6kPLm1GmeE8sooyX/oXpmllSf62MyYF+GK+lStqXAudgRQ84x3ETV0Apb0MOYqQpTncAAqGPlf2KWuO0P96/ff",
        "aTg8j2l7wDpnIiB8+NoY4gsTRLQfrOzklslyPzevc63riFmvSdupVA5BF9ieZ+GGBOP6ZtgZr6egvYV70SgKiMy++/Fn3Md3",
        "QTNRwF6iJjupV6S8QI4iMlGkWAjkSUp4WN3R5/IPl1UHQEhsr6QhUdAizdJi9Vvit0Uu/H62l7F3KBcsYhTasItA6tDdK/SW",
        "wH1URe+cYkD+qbfqgfkHTzdkIvz6EBrGJwVhhZ7LNLXx/uG9/JdI5YBWxXooBAapDnR3wdZHd6vNPo1qTqBhjBd0wmAbrU3u",
        "EHLU6MWlgY7AzrD05BokuGY6y8o/8SID",
    );
    const DEV_SALT_B64: &str = "AMPU5fYHGCk6S1xtfo+QGis=";
    const DEV_VERIFIER_HEX: &str = concat!(
        "58aba5dff15f89b9e1e274d8bca31014fa0a545a2ae74bbf09792bb32fdca0f109d9cfc345fdd4a832ca3d7685e69109",
        "5e639a66faac154c4e750f25d784ddc18ba3485c024d36d5c05af9c419db0c7ea43cb9b51a6784f2ca28c97fe85e99a5",
        "9527fad8cc9817e18afa54ada9702e760450f38c771135740296f430e62a4294e770002a18f95fd8a5ae3b43fdebf7df",
        "69383c8f697bc03a6722207cf8da18e20b1344b41facece496c9723f37af73adeb8859af49dba9540e4117d89e67e186",
        "04e3fa66d819afa7a0bd857bd1280a88ccbefbf167dcc777413351c05ea2263ba957a4bc408e223251a45808e4494a78",
        "58ddd1e7f20f97550740486cafa42151d022cdd262f55be2b7452efc7eb697b17728172c6214dab08b40ead0dd2bf496",
        "c07d5445ef9c6240fea9b7ea81f9074f376422fcfa101ac6270561859ecb34b5f1fee1bdfc9748e58056c57a280406a9",
        "0e7477c1d64777abcd3e8d6a4ea0618c1774c2601bad4dee1072d4e8c5a5818ec0ceb0f4e41a24b8663acbca3ff12203",
    );
    const DEV_SALT_HEX: &str = "00c3d4e5f60718293a4b5c6d7e8f901a2b";
    const DEV_A_SMALL_HEX: &str = concat!(
        "00baec1fcf3aaeb5ed264c679bf76d838134c590e72124f447107f37d417647fa26cd4d5b3b757918366e33812f8b3e0",
        "21f3085db87dcada54d4620a8bb728b7f93728aab97c5d00bee9f9fa5bc6e9521855fdc4016efa083b460f923db0fa62",
        "166bb685a0bd512b39498afb138387a1e7f065df4a4207158a69b48c0eff6b0446",
    );
    const DEV_B_SMALL_HEX: &str = "1954f128f3c151a4c652fc977ad3530527dccbb040d3458c1a6f936506b0da21";
    const DEV_A_HEX: &str = concat!(
        "4b99379b8a29b64206c1c362604f90711d3183c29758bc3194da4566eb140090a10a7244c02c6b983639bac212b3bd91",
        "71fc41f00d7207b63a7d2a70c0eed59345ba406d41a10320e800a43d737e1da69b2d5277d91677993505b8fc8c3da712",
        "62f2674dc677c305fc804ddba3a1dac1fffda81216a8f2b9cb13b543efa90745014a169847fd70fb2db0793efa312ac1",
        "76dbfab9f210234eda38f9edb747dfca1f968fed4756f1608b15553d6a8de00e2270b53d98ab9f2237bb901865368b8e",
        "3994ecdf1131bd157f958e79cf86552d0948ff2ebf31dd1bc5b5c6d1e5c52eeb7054a0942fe93c23ebc0c9f2b7dfd781",
        "9096f6f74fe9f036c3b96dd36dddb11a7e1b8ad14a985f1b02021f9cb7ed8c8a139db5911131c34674e9ad253f39209e",
        "405611211e2f9a829987747cc9ddc742c80823b42914d3e272c11506c9889a4c69ff6cab7f6c72f293f9ffde836af0bb",
        "b47f5598533b49060cc953080594dc102b2120b81d827359bef98cdeaf3ed6c9c50eb70e8fe2935f71cc94fd3a3ec9ef",
    );
    const DEV_B_HEX: &str = concat!(
        "5e895ebc3a772d8ffe56b36f4b6df0a0e09740e1bedd1ea78b698ebcf95e2b4799a39ce194da96ee2bce7c1a9819c6a4",
        "3b46c492a9927e4ae129351a7886ea60638eee96c44c59b8a3c8dd257093addc1de8e959865a9fa3ddccb6851ca1ce13",
        "459790e871f518296b26ecce317e61216911a964597c96d45afde50133d0f207884873f68b8b5b38e1b91ddf840b2958",
        "ca89c3cda081d7f11775503966af526ed77d3097d63e25e17143c978c6601bca4832b89a0440fa96c114d838bf6c2a6e",
        "55df652476d6c08c38f345d851c35b1643ec7c12ff0fc272e5d6e1fe88d9bf2ee7d9291e34d5bcf6d592ff6b507e3e91",
        "374530b7dbe3d9e1185943d46bcc611ceeb373ae1a4b5cde6a21e840971530471778ec8372177292a11f59fef87461f3",
        "ce82aa8887dff3bd15562543ff752e2d6154eb7831f6f05bc051d243cfe84f41d6e637ce97d79962331c82ccbc786384",
        "62fc2a2b493dae8b509da72dcdd5b0a6f7d1b568acb15bd50cf2b3a747572a7b6a2a06dd696c8513d0b2ae491e90cf44",
    );
    const DEV_KEY_HEX: &str = "199699de30f59d2cb243099885bb5ba8";
    const DEV_SIGNATURE_B64: &str = "/XquqEjejuuaU6bZIfGpR5elt0x+8oegZHRTGAclfj8=";

    const POOL: &str = "AbCdEf123";
    const USER: &str = "alice";
    const PASSWORD: &str = "Passw0rd!";
    const TIMESTAMP: &str = "Thu Nov 26 17:00:00 UTC 2026";
    const DEV_GROUP_KEY: &str = "-Xb2Vc3Hd";
    const DEV_KEY: &str = "us-east-1_5f2c6a10-7b8e-4c3d-9a1f-2e4b6c8d0a12";
    const DEV_PASSWORD: &str = "n0tS0R4nd0mDev1cePassw0rdBase64+/AAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
    const DEV_TIMESTAMP: &str = "Sat Feb 7 09:05:03 UTC 2026";

    #[test]
    fn pad_matches_pycognito_pad_hex() {
        // pycognito.aws_srp.pad_hex of each value.
        let cases: [(u64, &str); 13] = [
            (0, "00"),
            (1, "01"),
            (0xf, "0f"),
            (0x7f, "7f"),
            (0x80, "0080"),
            (0xff, "00ff"),
            (0x100, "0100"),
            (0x8000, "008000"),
            (0x123, "0123"),
            (0xabc, "0abc"),
            (0x102, "0102"),
            (0x7fff_ffff, "7fffffff"),
            (0x8000_0000, "0080000000"),
        ];
        for (value, padded) in cases {
            assert_eq!(pad_hex(&BigUint::from(value)), padded, "{value:#x}");
        }
        assert!(pad_hex(n()).starts_with("00ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd1"));
        assert_eq!(pad_hex(n()).len(), 770);
    }

    #[test]
    fn k_matches_pycognito() {
        assert_eq!(pad_hex(k()), K_HEX);
        assert_eq!(n().bits(), 3072);
    }

    #[test]
    fn password_vectors_match_pycognito() {
        let verifier = verifier_with_salt(POOL, USER, PASSWORD, &big("9e2b5c1d7a3f4e6b8c0d1e2f3a4b5c6d"));
        assert_eq!(verifier.salt_hex, SALT_HEX);
        assert_eq!(verifier.verifier_hex, V_HEX);

        let client = Client::new(big(A_SMALL_HEX));
        assert_eq!(pad_hex(&client.big_a), A_HEX);
        let challenge = challenge_with_b(&big(V_HEX), &big(B_SMALL_HEX)).unwrap();
        assert_eq!(challenge.b_hex, B_SMALL_HEX);
        assert_eq!(pad_hex(&big(&challenge.big_b_hex)), B_HEX);

        let (v, a, b, big_b) = (big(V_HEX), big(A_HEX), big(B_SMALL_HEX), big(B_HEX));
        let u = compute_u(&a, &big_b);
        assert_eq!(pad_hex(&u), U_HEX);
        let n = n();
        assert_eq!(pad_hex(&(&a * v.modpow(&u, n) % n).modpow(&b, n)), S_HEX);
        assert_eq!(to_hex(&derive_key(&big(S_HEX), &u)), KEY_HEX);
        assert_eq!(to_hex(&server_key(&v, &a, &b, &big_b).unwrap()), KEY_HEX);
        assert_eq!(to_hex(&client.key(SALT_HEX, &challenge.big_b_hex, POOL, USER, PASSWORD)), KEY_HEX);

        let block = BASE64.decode(SECRET_BLOCK_B64).unwrap();
        assert_eq!(client.sign(SALT_HEX, &challenge.big_b_hex, POOL, USER, PASSWORD, &block, TIMESTAMP), SIGNATURE_B64);
        // pycognito sends SRP_A unpadded (`long_to_hex`).
        let a_sent = client.a_hex();
        assert!(!a_sent.starts_with('0'));
        let claim = claim(POOL, USER, SECRET_BLOCK_B64, TIMESTAMP, SIGNATURE_B64);
        assert_eq!(verify_password_claim(V_HEX, &a_sent, &challenge, &claim), Ok(()));
        assert_eq!(verify_password_claim(V_HEX, A_HEX, &challenge, &claim), Ok(()));
        assert_eq!(verify_password_claim(&V_HEX.to_uppercase(), &a_sent.to_uppercase(), &challenge, &claim), Ok(()));
    }

    #[test]
    fn device_vectors_match_pycognito() {
        let verifier = device_verifier(DEV_VERIFIER_B64, DEV_SALT_B64).unwrap();
        assert_eq!(verifier.salt_hex, DEV_SALT_HEX);
        assert_eq!(verifier.verifier_hex, DEV_VERIFIER_HEX);
        // The client made them as a user's verifier is made, from the device group key and device key.
        assert_eq!(verifier_with_salt(DEV_GROUP_KEY, DEV_KEY, DEV_PASSWORD, &big(DEV_SALT_HEX)), verifier);

        let client = Client::new(big(DEV_A_SMALL_HEX));
        assert_eq!(pad_hex(&client.big_a), DEV_A_HEX);
        let challenge = challenge_with_b(&big(DEV_VERIFIER_HEX), &big(DEV_B_SMALL_HEX)).unwrap();
        assert_eq!(pad_hex(&big(&challenge.big_b_hex)), DEV_B_HEX);
        let key = server_key(&big(DEV_VERIFIER_HEX), &client.big_a, &big(DEV_B_SMALL_HEX), &big(DEV_B_HEX)).unwrap();
        assert_eq!(to_hex(&key), DEV_KEY_HEX);

        let good = claim(DEV_GROUP_KEY, DEV_KEY, SECRET_BLOCK_B64, DEV_TIMESTAMP, DEV_SIGNATURE_B64);
        assert_eq!(verify_password_claim(&verifier.verifier_hex, &client.a_hex(), &challenge, &good), Ok(()));
        let wrong_key = claim(DEV_GROUP_KEY, "us-east-1_other", SECRET_BLOCK_B64, DEV_TIMESTAMP, DEV_SIGNATURE_B64);
        assert_eq!(
            verify_password_claim(&verifier.verifier_hex, &client.a_hex(), &challenge, &wrong_key),
            Err(SrpError::BadSignature)
        );
    }

    #[test]
    fn device_verifier_rejects_bad_config() {
        assert_eq!(device_verifier("not base64!", DEV_SALT_B64), Err(SrpError::Malformed("PasswordVerifier")));
        assert_eq!(device_verifier(DEV_VERIFIER_B64, "%%"), Err(SrpError::Malformed("Salt")));
        assert_eq!(device_verifier(DEV_VERIFIER_B64, ""), Err(SrpError::Malformed("Salt")));
        assert_eq!(device_verifier("AAAA", DEV_SALT_B64), Err(SrpError::Malformed("PasswordVerifier")));
    }

    /// A full exchange with fresh randomness; returns what the checks below vary.
    fn exchange(password: &str) -> (Verifier, Client, ServerChallenge, String, String) {
        let verifier = make_verifier(POOL, "3f1b2c4d-0000-4000-8000-000000000001", "correct horse");
        check_a(&Client::random().a_hex()).unwrap();
        let client = Client::random();
        check_a(&client.a_hex()).unwrap();
        let challenge = server_challenge(&verifier.verifier_hex).unwrap();
        let block = b"sealed session state".to_vec();
        let block_b64 = BASE64.encode(&block);
        let user = "3f1b2c4d-0000-4000-8000-000000000001";
        let sig = client.sign(&verifier.salt_hex, &challenge.big_b_hex, POOL, user, password, &block, TIMESTAMP);
        (verifier, client, challenge, block_b64, sig)
    }

    #[test]
    fn round_trip_succeeds_and_tampering_fails() {
        let user = "3f1b2c4d-0000-4000-8000-000000000001";
        let (verifier, client, challenge, block, sig) = exchange("correct horse");
        let v = &verifier.verifier_hex;
        let a = client.a_hex();
        assert_eq!(verify_password_claim(v, &a, &challenge, &claim(POOL, user, &block, TIMESTAMP, &sig)), Ok(()));

        let later = "Thu Nov 26 17:00:01 UTC 2026";
        assert_eq!(
            verify_password_claim(v, &a, &challenge, &claim(POOL, user, &block, later, &sig)),
            Err(SrpError::BadSignature)
        );
        let other_block = BASE64.encode(b"sealed session statf");
        assert_eq!(
            verify_password_claim(v, &a, &challenge, &claim(POOL, user, &other_block, TIMESTAMP, &sig)),
            Err(SrpError::BadSignature)
        );
        assert_eq!(
            verify_password_claim(v, &a, &challenge, &claim("AbCdEf124", user, &block, TIMESTAMP, &sig)),
            Err(SrpError::BadSignature)
        );
        // Another exchange's A, or another challenge, does not fit the signature.
        let other = Client::random();
        assert_eq!(
            verify_password_claim(v, &other.a_hex(), &challenge, &claim(POOL, user, &block, TIMESTAMP, &sig)),
            Err(SrpError::BadSignature)
        );
        let other_challenge = server_challenge(v).unwrap();
        assert_ne!(other_challenge, challenge);
        assert_eq!(
            verify_password_claim(v, &a, &other_challenge, &claim(POOL, user, &block, TIMESTAMP, &sig)),
            Err(SrpError::BadSignature)
        );
        // A signature cut short or not base64.
        let short = BASE64.encode(&BASE64.decode(&sig).unwrap()[..31]);
        assert_eq!(
            verify_password_claim(v, &a, &challenge, &claim(POOL, user, &block, TIMESTAMP, &short)),
            Err(SrpError::BadSignature)
        );
        assert_eq!(
            verify_password_claim(v, &a, &challenge, &claim(POOL, user, &block, TIMESTAMP, "***")),
            Err(SrpError::Malformed("PASSWORD_CLAIM_SIGNATURE"))
        );
        assert_eq!(
            verify_password_claim(v, &a, &challenge, &claim(POOL, user, "***", TIMESTAMP, &sig)),
            Err(SrpError::Malformed("SECRET_BLOCK"))
        );
    }

    #[test]
    fn wrong_password_fails() {
        let user = "3f1b2c4d-0000-4000-8000-000000000001";
        let (verifier, client, challenge, block, sig) = exchange("Correct horse");
        assert_eq!(
            verify_password_claim(
                &verifier.verifier_hex,
                &client.a_hex(),
                &challenge,
                &claim(POOL, user, &block, TIMESTAMP, &sig)
            ),
            Err(SrpError::BadSignature)
        );
    }

    #[test]
    fn degenerate_a_is_rejected() {
        let n = n();
        let bad = [
            "0".to_string(),
            "00".to_string(),
            n.to_str_radix(16),
            pad_hex(n),
            (n * 2u32).to_str_radix(16),
            String::new(),
            "xyz".into(),
            "+1".into(),
            "1_0".into(),
            " 1".into(),
            "1".repeat(MAX_HEX_DIGITS + 1),
        ];
        let verifier = make_verifier(POOL, USER, PASSWORD);
        let challenge = server_challenge(&verifier.verifier_hex).unwrap();
        // With A = 0 or N, S = 0 whatever the password: an attacker could sign without it.
        let forged = BASE64.encode(claim_signature(
            &derive_key(&BigUint::ZERO, &BigUint::from(1u32)),
            POOL,
            USER,
            b"",
            TIMESTAMP,
        ));
        for a in &bad {
            assert_eq!(check_a(a), Err(SrpError::InvalidA), "{a:.20}");
            assert_eq!(
                verify_password_claim(
                    &verifier.verifier_hex,
                    a,
                    &challenge,
                    &claim(POOL, USER, "", TIMESTAMP, &forged)
                ),
                Err(SrpError::InvalidA),
                "{a:.20}"
            );
        }
        check_a("1").unwrap();
        check_a(&(n + 1u32).to_str_radix(16)).unwrap();
    }

    #[test]
    fn verifiers_are_salted_and_stable_through_salt() {
        let one = make_verifier(POOL, USER, PASSWORD);
        let two = make_verifier(POOL, USER, PASSWORD);
        assert_ne!(one.salt_hex, two.salt_hex);
        assert_ne!(one.verifier_hex, two.verifier_hex);
        // SALT reads back to the same PAD form (as JS's padHex(BigInteger(SALT)) and pycognito's pad_hex(SALT) do).
        assert_eq!(pad_hex(&big(&one.salt_hex)), one.salt_hex);
        assert_eq!(verifier_with_salt(POOL, USER, PASSWORD, &big(&one.salt_hex)), one);
        assert!(server_challenge("").is_err());
        assert!(server_challenge("0").is_err());
        assert!(!format!("{one:?}").contains(&one.verifier_hex));
        let challenge = server_challenge(&one.verifier_hex).unwrap();
        assert!(!format!("{challenge:?}").contains(&challenge.b_hex));
    }

    #[test]
    fn pool_name_is_the_part_after_the_underscore() {
        assert_eq!(pool_name("us-east-1_AbCdEf123"), "AbCdEf123");
        assert_eq!(pool_name("AbCdEf123"), "AbCdEf123");
    }

    #[test]
    fn timestamps_are_written_and_read_as_clients_do() {
        let t = time::macros::datetime!(2026-11-26 17:00:00 UTC);
        assert_eq!(format_timestamp(t), TIMESTAMP);
        // pycognito's get_cognito_formatted_timestamp(datetime(2026, 2, 5, 3, 4, 5)).
        let early = time::macros::datetime!(2026-02-05 03:04:05 UTC);
        assert_eq!(format_timestamp(early), "Thu Feb 5 03:04:05 UTC 2026");
        assert_eq!(
            format_timestamp(time::macros::datetime!(2026-02-05 05:04:05 +02:00)),
            "Thu Feb 5 03:04:05 UTC 2026"
        );
        assert_eq!(parse_timestamp(TIMESTAMP), Some(t));
        assert_eq!(parse_timestamp("Thu Feb 5 03:04:05 UTC 2026"), Some(early));
        assert_eq!(parse_timestamp("Thu Feb 05 03:04:05 UTC 2026"), Some(early));
        assert_eq!(parse_timestamp("Thu Feb  5 03:04:05 UTC 2026"), Some(early));
        assert_eq!(parse_timestamp("thu feb 5 03:04:05 GMT 2026"), Some(early));
        assert_eq!(parse_timestamp(DEV_TIMESTAMP), Some(time::macros::datetime!(2026-02-07 09:05:03 UTC)));
        for bad in [
            "",
            "Thu Feb 5 03:04:05 2026",
            "Thu Feb 5 03:04:05 PST 2026",
            "Xyz Feb 5 03:04:05 UTC 2026",
            "Thu Foo 5 03:04:05 UTC 2026",
            "Thu Feb 30 03:04:05 UTC 2026",
            "Thu Feb +5 03:04:05 UTC 2026",
            "Thu Feb 5 3:04:05 UTC 2026",
            "Thu Feb 5 03:04:05:06 UTC 2026",
            "Thu Feb 5 24:04:05 UTC 2026",
            "Thu Feb 5 03:04:05 UTC 26",
            "Thu Feb 5 03:04:05 UTC 2026 extra",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        assert_eq!(parse_timestamp(&format_timestamp(now)), Some(now));
    }
}
