//! Passwords: argon2id hashing on a bounded set of blocking threads (so a burst of sign-ins never
//! stalls the async runtime or token checks), the pool's password policy with Cognito's messages,
//! and generated temporary passwords that satisfy the policy.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use cognate_model::cognito_idp as m;
use rand::Rng as _;
use rand::rngs::OsRng;
use tokio::sync::Semaphore;

use crate::error::{Error, Result};

/// argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Params {
    /// OWASP's recommendation for argon2id: 19 MiB, 2 iterations, 1 lane.
    fn default() -> Self {
        Argon2Params { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

/// Hashes and verifies passwords off the async runtime, at most `permits` at a time.
#[derive(Clone)]
pub struct Passwords {
    argon: Arc<Argon2<'static>>,
    permits: Arc<Semaphore>,
    /// A hash of a random password, verified when a user does not exist so that the response
    /// takes as long as a real check (no user enumeration through timing).
    decoy: Arc<String>,
}

impl Passwords {
    pub fn new(params: Argon2Params, max_concurrent: usize) -> Result<Self> {
        let p = Params::new(params.memory_kib, params.iterations, params.parallelism, None)
            .map_err(|e| Error::Internal(anyhow::anyhow!("invalid argon2 parameters: {e}")))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, p);
        let salt = SaltString::generate(&mut OsRng);
        let decoy_password: String = (0..24).map(|_| char::from(OsRng.gen_range(b'a'..=b'z'))).collect();
        let decoy = argon
            .hash_password(decoy_password.as_bytes(), &salt)
            .map_err(|e| Error::Internal(anyhow::anyhow!("argon2: {e}")))?
            .to_string();
        Ok(Passwords {
            argon: Arc::new(argon),
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            decoy: Arc::new(decoy),
        })
    }

    /// A PHC-format argon2id hash of `password`.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let _permit = self.permits.acquire().await.map_err(|e| Error::Internal(e.into()))?;
        let argon = self.argon.clone();
        let password = password.to_string();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon.hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?
        .map_err(|e| Error::Internal(anyhow::anyhow!("argon2: {e}")))
    }

    /// Whether `password` matches `hash` (a PHC string); with `None`, checks the decoy and
    /// returns false, taking the same time.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool> {
        let _permit = self.permits.acquire().await.map_err(|e| Error::Internal(e.into()))?;
        let argon = self.argon.clone();
        let is_real = hash.is_some();
        let hash = hash.map_or_else(|| self.decoy.as_str().to_string(), str::to_string);
        let password = password.to_string();
        tokio::task::spawn_blocking(move || -> Result<bool> {
            let parsed = PasswordHash::new(&hash).map_err(|e| Error::Internal(anyhow::anyhow!("stored hash: {e}")))?;
            Ok(argon.verify_password(password.as_bytes(), &parsed).is_ok() && is_real)
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?
    }
}

const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/// Checks `password` against the pool's policy. The error text follows Cognito's
/// ("Password did not conform with policy: Password must have uppercase characters").
pub fn check_policy(policy: Option<&m::PasswordPolicyType>, password: &str) -> std::result::Result<(), String> {
    let fail = |why: &str| Err(format!("Password did not conform with policy: {why}"));
    let min = policy.and_then(|p| p.minimum_length).unwrap_or(8);
    if password.chars().count() < usize::try_from(min).unwrap_or(8) {
        return fail("Password not long enough");
    }
    if password.chars().count() > 256 {
        return fail("Password is too long");
    }
    if policy.and_then(|p| p.require_lowercase).unwrap_or(false) && !password.chars().any(|c| c.is_lowercase()) {
        return fail("Password must have lowercase characters");
    }
    if policy.and_then(|p| p.require_uppercase).unwrap_or(false) && !password.chars().any(|c| c.is_uppercase()) {
        return fail("Password must have uppercase characters");
    }
    if policy.and_then(|p| p.require_numbers).unwrap_or(false) && !password.chars().any(|c| c.is_ascii_digit()) {
        return fail("Password must have numeric characters");
    }
    if policy.and_then(|p| p.require_symbols).unwrap_or(false) && !password.chars().any(|c| SYMBOLS.contains(c)) {
        return fail("Password must have symbol characters");
    }
    Ok(())
}

/// A random temporary password that satisfies the policy.
pub fn temporary_password(policy: Option<&m::PasswordPolicyType>) -> String {
    let len = usize::try_from(policy.and_then(|p| p.minimum_length).unwrap_or(8)).unwrap_or(8).max(12);
    let mut rng = OsRng;
    let pick = |set: &[u8], rng: &mut OsRng| char::from(set[rng.gen_range(0..set.len())]);
    let lower = b"abcdefghijkmnopqrstuvwxyz";
    let upper = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    let digits = b"23456789";
    let symbols = b"!@#%&*-_=+";
    let mut chars = vec![pick(lower, &mut rng), pick(upper, &mut rng), pick(digits, &mut rng), pick(symbols, &mut rng)];
    let all: Vec<u8> = [&lower[..], &upper[..], &digits[..]].concat();
    while chars.len() < len {
        chars.push(pick(&all, &mut rng));
    }
    // Shuffle so the required classes are not always first.
    for i in (1..chars.len()).rev() {
        let j = rng.gen_range(0..=i);
        chars.swap(i, j);
    }
    chars.into_iter().collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn strict() -> m::PasswordPolicyType {
        m::PasswordPolicyType {
            minimum_length: Some(8),
            require_uppercase: Some(true),
            require_lowercase: Some(true),
            require_numbers: Some(true),
            require_symbols: Some(true),
            ..Default::default()
        }
    }

    #[test]
    fn policy_messages_follow_cognito() {
        let p = strict();
        assert_eq!(
            check_policy(Some(&p), "Ab1!").unwrap_err(),
            "Password did not conform with policy: Password not long enough"
        );
        assert_eq!(
            check_policy(Some(&p), "abcdefg1!").unwrap_err(),
            "Password did not conform with policy: Password must have uppercase characters"
        );
        assert!(check_policy(Some(&p), "Abcdefg1!").is_ok());
        for _ in 0..50 {
            assert!(check_policy(Some(&p), &temporary_password(Some(&p))).is_ok());
        }
    }

    #[tokio::test]
    async fn hashes_verify_and_decoy_fails() {
        let pw = Passwords::new(Argon2Params { memory_kib: 1024, iterations: 1, parallelism: 1 }, 2).unwrap();
        let h = pw.hash("Correct horse 1!").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(pw.verify("Correct horse 1!", Some(&h)).await.unwrap());
        assert!(!pw.verify("wrong", Some(&h)).await.unwrap());
        assert!(!pw.verify("anything", None).await.unwrap());
    }
}
