//! Attempt limits: Cognito's lockout after wrong passwords and TOTP codes, the guesses a one-time
//! code allows, and how many codes may be sent. Every limit is a store counter changed by one
//! atomic statement, and a guess is counted *before* it is checked: the lock is decided from the
//! count the store returned, so parallel guesses (on any node) cannot all see the same old count,
//! and no more than the free attempts are ever evaluated at once.
//!
//! Counters are keyed by the user's `sub`, or — for a name no user has — by a keyed hash of the
//! name, so an unknown user meets exactly the same limits as a known one (no user enumeration
//! through limits).

use cognate_store::CounterPolicy;

use crate::Domain;
use crate::error::{Error, Result};
use crate::pools::UserPool;
use crate::users::User;

/// Wrong passwords (or TOTP codes) in a row before Cognito starts locking a user out.
pub(crate) const FREE_ATTEMPTS: i64 = 5;
/// Longest lockout (Cognito: "up to a maximum of approximately 15 minutes").
const MAX_LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// Failures are forgotten a day after the first of them (or by a success).
const FAILURE_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;
/// Guesses a one-time code allows; a new code starts them again.
pub(crate) const CODE_GUESSES: i64 = 5;
/// Codes sent per purpose per window.
pub(crate) const CODE_SENDS: i64 = 5;
pub(crate) const SEND_WINDOW_MS: i64 = 60 * 60 * 1000;

/// Whom a counter belongs to.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Subject<'a> {
    User(&'a User),
    /// A name (as typed) that no user of the pool has.
    Unknown(&'a str),
}

/// What a counter limits.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Limit<'a> {
    /// Wrong passwords and SRP proofs.
    Password,
    /// Wrong TOTP codes.
    Totp,
    /// Guesses of the one-time code for a purpose.
    CodeGuesses(&'a str),
    /// Codes sent for a purpose.
    CodeSends(&'a str),
}

/// A guess that was counted and may now be checked; `attempt` is its place in the count.
#[derive(Clone, Debug)]
pub(crate) struct Admitted {
    key: String,
    attempt: i64,
}

/// Lockouts: the fifth wrong guess in a row locks for a second, each further one for twice as
/// long, up to about fifteen minutes.
const LOCKOUT: CounterPolicy = CounterPolicy {
    window_ms: FAILURE_WINDOW_MS,
    lock_after: FREE_ATTEMPTS,
    first_lock_ms: 1000,
    max_lock_ms: MAX_LOCKOUT_MS,
};

/// A plain count in a window, never locked.
const fn counting(window_ms: i64) -> CounterPolicy {
    CounterPolicy { window_ms, lock_after: i64::MAX, first_lock_ms: 0, max_lock_ms: 0 }
}

impl Domain {
    /// The store key of `limit` for `subject` in `pool`.
    pub(crate) fn counter_key(&self, pool: &UserPool, subject: Subject<'_>, limit: Limit<'_>) -> Result<String> {
        let who = match subject {
            Subject::User(user) => format!("u:{}", user.sub),
            Subject::Unknown(name) => format!("n:{}", hex::encode(&self.decoy_seed(pool, "counter", name)?[..16])),
        };
        let what = match limit {
            Limit::Password => "pw".to_string(),
            Limit::Totp => "totp".to_string(),
            Limit::CodeGuesses(purpose) => format!("code:{purpose}"),
            Limit::CodeSends(purpose) => format!("send:{purpose}"),
        };
        Ok(format!("{what}:{}:{who}", pool.id))
    }

    /// Counts a password or TOTP guess before it is checked; refused with `locked` while the
    /// subject is locked out. The guess that reaches the free attempts locks the subject as it
    /// is counted, so guesses racing it are refused unchecked: no more than the free attempts
    /// are ever evaluated, however many arrive at once, and after a lockout one at a time.
    pub(crate) async fn admit_guess(
        &self,
        pool: &UserPool,
        subject: Subject<'_>,
        limit: Limit<'_>,
        locked: fn() -> Error,
    ) -> Result<Admitted> {
        let key = self.counter_key(pool, subject, limit)?;
        let bump = self.store.bump_counter(&key, self.clock.now_ms(), &LOCKOUT).await?;
        if !bump.is_counted {
            return Err(locked());
        }
        Ok(Admitted { key, attempt: bump.count })
    }

    /// Settles an admitted guess: a right one forgets the failures (and the lock it may have
    /// begun); a wrong one stays counted and is answered with `wrong`, or with `locked` once
    /// the free attempts are behind it.
    pub(crate) async fn settle_guess(
        &self,
        admitted: Admitted,
        is_right: bool,
        wrong: Error,
        locked: fn() -> Error,
    ) -> Result<()> {
        if is_right {
            self.store.reset_counter(&admitted.key).await?;
            return Ok(());
        }
        if admitted.attempt > FREE_ATTEMPTS { Err(locked()) } else { Err(wrong) }
    }

    /// Counts a guess of a one-time code; refused once the code's guesses are used up.
    pub(crate) async fn admit_code_guess(
        &self,
        pool: &UserPool,
        subject: Subject<'_>,
        purpose: &str,
    ) -> Result<String> {
        let key = self.counter_key(pool, subject, Limit::CodeGuesses(purpose))?;
        let bump = self.store.bump_counter(&key, self.clock.now_ms(), &counting(FAILURE_WINDOW_MS)).await?;
        if bump.count > CODE_GUESSES {
            return Err(Error::LimitExceeded("Attempt limit exceeded, please try after some time.".into()));
        }
        Ok(key)
    }

    /// Counts a code sent (or, for an unknown user, pretended to be sent) and starts the guesses
    /// of the new code afresh; refused past the send limit.
    pub(crate) async fn count_code_send(&self, pool: &UserPool, subject: Subject<'_>, purpose: &str) -> Result<()> {
        let key = self.counter_key(pool, subject, Limit::CodeSends(purpose))?;
        let bump = self.store.bump_counter(&key, self.clock.now_ms(), &counting(SEND_WINDOW_MS)).await?;
        if bump.count > CODE_SENDS {
            return Err(Error::LimitExceeded("Attempt limit exceeded, please try after some time.".into()));
        }
        let guesses = self.counter_key(pool, subject, Limit::CodeGuesses(purpose))?;
        self.store.reset_counter(&guesses).await?;
        Ok(())
    }

    /// Forgets a user's password failures and lockout: someone who proved control of the account
    /// (a code) or an administrator set a new password.
    pub(crate) async fn clear_password_failures(&self, pool: &UserPool, user: &User) -> Result<()> {
        let key = self.counter_key(pool, Subject::User(user), Limit::Password)?;
        self.store.reset_counter(&key).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cognito's lockout after `failures` wrong secrets in a row, as the store computes it from
    /// `LOCKOUT`: none for the first four, then one second, doubling with each further failure,
    /// up to about fifteen minutes. 0 means not locked.
    fn lockout_until(failures: i64, now_ms: i64) -> i64 {
        if failures < FREE_ATTEMPTS {
            return 0;
        }
        let exp = u32::try_from(failures - FREE_ATTEMPTS).unwrap_or(0).min(20);
        now_ms + (1000i64 << exp).min(MAX_LOCKOUT_MS)
    }

    /// The policy the store applies is the formula above.
    #[test]
    fn lockout_policy_matches_the_formula() {
        assert_eq!(LOCKOUT.lock_after, FREE_ATTEMPTS);
        assert_eq!(lockout_until(FREE_ATTEMPTS, 0), LOCKOUT.first_lock_ms);
        assert_eq!(lockout_until(100, 0), LOCKOUT.max_lock_ms);
    }

    #[test]
    fn lockout_starts_at_the_fifth_failure_and_doubles_to_fifteen_minutes() {
        let now = 1_000_000;
        for failures in 0..FREE_ATTEMPTS {
            assert_eq!(lockout_until(failures, now), 0, "{failures} failures lock nothing");
        }
        assert_eq!(lockout_until(5, now), now + 1_000);
        assert_eq!(lockout_until(6, now), now + 2_000);
        assert_eq!(lockout_until(7, now), now + 4_000);
        assert_eq!(lockout_until(14, now), now + 512_000);
        assert_eq!(lockout_until(15, now), now + MAX_LOCKOUT_MS);
        assert_eq!(lockout_until(1_000_000, now), now + MAX_LOCKOUT_MS, "no overflow for huge counts");
    }
}
