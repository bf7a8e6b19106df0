//! Identifier and secret formats, as Cognito and IAM write them (COMPAT.md, "Identifiers"). All
//! randomness comes from the operating system's CSPRNG.

use rand::Rng;
use rand::rngs::OsRng;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_KEY: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn random_from(alphabet: &[u8], len: usize) -> String {
    let mut rng = OsRng;
    (0..len).map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())])).collect()
}

/// `<region>_<9 characters [A-Za-z0-9]>`, e.g. `us-east-1_Ab3dEf9Hk`.
pub fn user_pool_id(region: &str) -> String {
    format!("{region}_{}", random_from(ALNUM, 9))
}

/// 26 characters `[a-z0-9]`.
pub fn client_id() -> String {
    random_from(LOWER_ALNUM, 26)
}

/// 51 characters `[a-z0-9]`, like Cognito's client secrets.
pub fn client_secret() -> String {
    random_from(LOWER_ALNUM, 51)
}

/// An IAM-style long-term access key ID: `AKIA` and 16 characters `[A-Z2-7]`.
pub fn access_key_id() -> String {
    format!("AKIA{}", random_from(UPPER_B32, 16))
}

/// A 40-character secret access key.
pub fn secret_access_key() -> String {
    random_from(SECRET_KEY, 40)
}

/// The region part of a pool ID (`us-east-1` of `us-east-1_Ab3dEf9Hk`).
pub fn pool_region(pool_id: &str) -> Option<&str> {
    pool_id.split_once('_').map(|(r, _)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_cognito() {
        let id = user_pool_id("eu-west-1");
        let (region, rest) = id.split_once('_').unwrap_or_default();
        assert_eq!(region, "eu-west-1");
        assert_eq!(rest.len(), 9);
        assert!(rest.chars().all(|c| c.is_ascii_alphanumeric()));
        let c = client_id();
        assert_eq!(c.len(), 26);
        assert!(c.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_eq!(client_secret().len(), 51);
        let k = access_key_id();
        assert!(k.starts_with("AKIA") && k.len() == 20);
        assert_eq!(secret_access_key().len(), 40);
        assert_eq!(pool_region("us-east-1_abc"), Some("us-east-1"));
    }
}
