//! Sealed values the client carries between calls: the `Session` of an auth challenge. They are
//! AES-256-GCM encrypted and authenticated under a key derived from the deployment secret that
//! every node reads from the store, so a challenge started on one node can be answered on
//! another, and a client can neither read nor alter them. Expiry is inside the sealed payload.

use aes_gcm::aead::{Aead as _, KeyInit as _};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest as _, Sha256};

/// Seals and opens payloads.
#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl Sealer {
    /// A sealer keyed from `secret` for `purpose` (different purposes get unrelated keys).
    pub fn new(secret: &[u8], purpose: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"cognate sealer v1\0");
        h.update(purpose.as_bytes());
        h.update([0]);
        h.update(secret);
        let key = h.finalize();
        Sealer { cipher: Aes256Gcm::new(&key) }
    }

    pub fn seal<T: Serialize>(&self, value: &T) -> Option<String> {
        let plain = serde_json::to_vec(value).ok()?;
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self.cipher.encrypt(Nonce::from_slice(&nonce), plain.as_slice()).ok()?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Some(URL_SAFE_NO_PAD.encode(out))
    }

    /// Like `seal`, in standard base64 (SRP's `SECRET_BLOCK`, which clients base64-decode).
    pub fn seal_standard<T: Serialize>(&self, value: &T) -> Option<String> {
        let url = self.seal(value)?;
        URL_SAFE_NO_PAD.decode(url.as_bytes()).ok().map(|raw| STANDARD.encode(raw))
    }

    /// Opens what `seal_standard` sealed.
    pub fn open_standard<T: DeserializeOwned>(&self, text: &str) -> Option<T> {
        let raw = STANDARD.decode(text.as_bytes()).ok()?;
        self.open(&URL_SAFE_NO_PAD.encode(raw))
    }

    /// The payload, or `None` if the text was not sealed by this key or was altered.
    pub fn open<T: DeserializeOwned>(&self, text: &str) -> Option<T> {
        let raw = URL_SAFE_NO_PAD.decode(text.as_bytes()).ok()?;
        if raw.len() < 12 + 16 {
            return None;
        }
        let (nonce, sealed) = raw.split_at(12);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), sealed).ok()?;
        serde_json::from_slice(&plain).ok()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_round_trip_and_resist_tampering() {
        let s = Sealer::new(b"secret", "session");
        let text = s.seal(&("alice", 42)).unwrap();
        assert_eq!(s.open::<(String, i32)>(&text), Some(("alice".to_string(), 42)));
        let mut bytes = URL_SAFE_NO_PAD.decode(&text).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert_eq!(s.open::<(String, i32)>(&URL_SAFE_NO_PAD.encode(bytes)), None);
        assert_eq!(Sealer::new(b"other", "session").open::<(String, i32)>(&text), None);
        assert_eq!(Sealer::new(b"secret", "codes").open::<(String, i32)>(&text), None);
    }
}
