//! Per-client limits on the operations that check passwords. A password check costs an argon2id
//! hash on one of a few workers; without a limit, one client sending sign-ins as fast as it can
//! fills the hash queue and everyone else's sign-in waits behind it. Each client address gets a
//! token bucket (`governor`'s keyed GCRA limiter); past it, Cognito's `TooManyRequestsException`.
//!
//! The client address is the connection's peer, unless the peer is a configured trusted proxy:
//! then it is the right-most address of `X-Forwarded-For` that is not itself a trusted proxy (the
//! left part of the header is whatever the client wrote, so it is never believed).

use std::net::IpAddr;
use std::num::NonZeroU32;

use cognate_model::cognito_idp;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use http::HeaderMap;
use ipnet::IpNet;

/// Client addresses remembered before idle ones are forgotten.
const FORGET_ABOVE: usize = 10_000;

/// The limiter and who may speak for a client.
pub struct Throttle {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    trusted_proxies: Vec<IpNet>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("is_enabled", &self.limiter.is_some())
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

impl Throttle {
    /// `per_minute` requests per client address, `burst` at once; 0 per minute: no limit.
    pub fn new(per_minute: u32, burst: u32, trusted_proxies: Vec<IpNet>) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        Throttle { limiter, trusted_proxies }
    }

    pub fn is_trusted(&self, addr: IpAddr) -> bool {
        self.trusted_proxies.iter().any(|net| net.contains(&addr))
    }

    /// The address of the client a request comes from (see the module documentation).
    pub fn client_addr(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.is_trusted(peer) {
            return Some(peer);
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .map(|a| a.parse::<IpAddr>())
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        Some(forwarded.into_iter().rev().find(|a| !self.is_trusted(*a)).unwrap_or(peer))
    }

    /// Whether `client` may make one more password-checking request now. Requests without an
    /// address (not over TCP) are not limited.
    pub fn allow(&self, client: Option<IpAddr>) -> bool {
        let (Some(limiter), Some(client)) = (&self.limiter, client) else { return true };
        if limiter.len() > FORGET_ABOVE {
            limiter.retain_recent();
        }
        limiter.check_key(&client).is_ok()
    }
}

/// The operations that check a password (or hash a new one), or send a message, for a caller
/// who has not proven anything yet. Signed admin operations are not limited here.
pub fn is_throttled(op: cognito_idp::Operation) -> bool {
    use cognito_idp::Operation as O;
    matches!(
        op,
        O::InitiateAuth
            | O::RespondToAuthChallenge
            | O::SignUp
            | O::ChangePassword
            | O::ConfirmForgotPassword
            | O::ForgotPassword
            | O::ResendConfirmationCode
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", value.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let t = Throttle::new(60, 10, vec!["10.0.0.0/8".parse().unwrap()]);
        let h = forwarded("6.6.6.6, 203.0.113.7, 10.1.1.1");
        assert_eq!(t.client_addr(Some(ip("198.51.100.1")), &h), Some(ip("198.51.100.1")), "untrusted peer");
        assert_eq!(t.client_addr(Some(ip("10.0.0.2")), &h), Some(ip("203.0.113.7")), "right-most untrusted hop");
        assert_eq!(t.client_addr(Some(ip("10.0.0.2")), &forwarded("junk")), Some(ip("10.0.0.2")));
        assert_eq!(t.client_addr(Some(ip("10.0.0.2")), &HeaderMap::new()), Some(ip("10.0.0.2")));
        let none = Throttle::new(60, 10, Vec::new());
        assert_eq!(none.client_addr(Some(ip("10.0.0.2")), &h), Some(ip("10.0.0.2")), "no proxies configured");
    }

    #[test]
    fn each_address_gets_its_own_burst() {
        let t = Throttle::new(60, 3, Vec::new());
        let (a, b) = (Some(ip("192.0.2.1")), Some(ip("192.0.2.2")));
        assert!((0..3).all(|_| t.allow(a)));
        assert!(!t.allow(a), "the fourth at once is refused");
        assert!(t.allow(b), "another address is not affected");
        assert!(t.allow(None));
        let off = Throttle::new(0, 3, Vec::new());
        assert!((0..100).all(|_| off.allow(a)));
    }
}
