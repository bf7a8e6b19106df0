//! Multi-factor authentication: a user's factors (TOTP software tokens, SMS and email codes) and
//! preferences, software-token association and verification, and the check of a factor's code.
//! The MFA step of sign-in, which chooses and asks for a factor, is in `signin::mfa`. TOTP secrets are random 160-bit keys, handed out
//! in base32 (what authenticator apps read), stored encrypted under the deployment secret, and a
//! code is accepted once: a step at or before the last accepted one is refused.

use rand::RngCore as _;
use subtle::ConstantTimeEq as _;
use totp_rs::{Algorithm, TOTP};

use crate::Domain;
use crate::codes::Purpose;
use crate::error::{Error, Result};
use crate::limits::{Limit, Subject};
use crate::pools::UserPool;
use crate::users::User;
pub use crate::users::{Factor, MfaSettings};

/// TOTP parameters authenticator apps assume: SHA-1, six digits, 30-second steps.
const STEP_SECONDS: u64 = 30;
/// Steps of clock drift accepted either side.
const SKEW_STEPS: i64 = 1;

/// An MFA factor, named as its challenge is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MfaFactor {
    Sms,
    SoftwareToken,
    Email,
}

impl MfaFactor {
    pub fn as_str(self) -> &'static str {
        match self {
            MfaFactor::Sms => "SMS_MFA",
            MfaFactor::SoftwareToken => "SOFTWARE_TOKEN_MFA",
            MfaFactor::Email => "EMAIL_OTP",
        }
    }
}

fn totp_locked() -> Error {
    Error::NotAuthorized("Too many invalid codes; try again later.".into())
}

fn totp(secret: &[u8]) -> Result<TOTP> {
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECONDS, secret.to_vec())
        .map_err(|e| Error::Internal(anyhow::anyhow!("TOTP: {e}")))
}

/// The step a code matches within the allowed skew, if any.
fn matching_step(secret: &[u8], code: &str, now_secs: i64) -> Result<Option<i64>> {
    let t = totp(secret)?;
    let step_now = now_secs / STEP_SECONDS as i64;
    for step in (step_now - SKEW_STEPS)..=(step_now + SKEW_STEPS) {
        let expected = t.generate(u64::try_from(step).unwrap_or(0) * STEP_SECONDS);
        if bool::from(expected.as_bytes().ct_eq(code.trim().as_bytes())) {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

impl UserPool {
    pub(crate) fn allows_sms_mfa(&self) -> bool {
        self.settings.mfa.sms.is_some()
    }
    pub(crate) fn allows_totp(&self) -> bool {
        self.settings.mfa.software_token.as_ref().and_then(|t| t.enabled) == Some(true)
    }
    pub(crate) fn allows_email_mfa(&self) -> bool {
        self.settings.mfa.email.is_some()
    }
}

impl User {
    /// `UserMFASettingList` and `PreferredMfaSetting` as GetUser reports them.
    pub fn mfa_wire(&self) -> (Vec<String>, Option<String>) {
        let m = &self.extra.mfa;
        let mut list = Vec::new();
        let mut preferred = None;
        for (factor, f) in [(MfaFactor::Sms, m.sms), (MfaFactor::SoftwareToken, m.totp), (MfaFactor::Email, m.email)] {
            if f.enabled {
                list.push(factor.as_str().to_string());
                if f.preferred {
                    preferred = Some(factor.as_str().to_string());
                }
            }
        }
        (list, preferred)
    }
}

/// A change to one factor (SetUserMFAPreference's settings).
#[derive(Clone, Copy, Debug, Default)]
pub struct FactorChange {
    pub enabled: Option<bool>,
    pub preferred: Option<bool>,
}

impl Domain {
    fn open_totp_secret(&self, sealed: &str) -> Result<Vec<u8>> {
        self.totp_sealer
            .open::<Vec<u8>>(sealed)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("unreadable TOTP secret")))
    }

    /// AssociateSoftwareToken: a new secret for the user, base32, pending until verified.
    pub async fn associate_software_token(&self, pool: &UserPool, user: &mut User) -> Result<String> {
        let mut secret = [0u8; 20];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        let sealed = self
            .totp_sealer
            .seal(&secret.to_vec())
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("sealing a TOTP secret")))?;
        user.extra.mfa.pending_totp_secret = Some(sealed);
        self.save_user(pool, user).await?;
        Ok(data_encoding::BASE32_NOPAD.encode(&secret))
    }

    /// VerifySoftwareToken: the first code from the authenticator app turns the pending secret
    /// into the user's software token and enables TOTP MFA.
    pub async fn verify_software_token(&self, pool: &UserPool, user: &mut User, code: &str) -> Result<()> {
        let (sealed, step) = self.check_pending_totp(user, code)?;
        self.bind_totp(pool, user, sealed, step).await
    }

    /// The pending secret and the step `code` matches, or the error for a wrong code.
    pub(crate) fn check_pending_totp(&self, user: &User, code: &str) -> Result<(String, i64)> {
        let sealed = user
            .extra
            .mfa
            .pending_totp_secret
            .clone()
            .ok_or_else(|| Error::invalid("AssociateSoftwareToken must be called first."))?;
        let secret = self.open_totp_secret(&sealed)?;
        let now = self.clock.now_ms() / 1000;
        let step = matching_step(&secret, code, now)?.ok_or_else(|| Error::CodeMismatch("Code mismatch".into()))?;
        Ok((sealed, step))
    }

    pub(crate) async fn bind_totp(&self, pool: &UserPool, user: &mut User, sealed: String, step: i64) -> Result<()> {
        let mfa = &mut user.extra.mfa;
        mfa.totp_secret = Some(sealed);
        mfa.pending_totp_secret = None;
        mfa.totp_last_step = step;
        mfa.totp.enabled = true;
        self.save_user(pool, user).await
    }

    /// SetUserMFAPreference / AdminSetUserMFAPreference.
    pub async fn set_mfa_preference(
        &self,
        pool: &UserPool,
        user: &mut User,
        sms: Option<FactorChange>,
        totp: Option<FactorChange>,
        email: Option<FactorChange>,
    ) -> Result<()> {
        let mut mfa = user.extra.mfa.clone();
        let apply = |f: &mut Factor, c: FactorChange| {
            if let Some(e) = c.enabled {
                f.enabled = e;
                if !e {
                    f.preferred = false;
                }
            }
            if let Some(p) = c.preferred {
                f.preferred = p && f.enabled;
            }
        };
        if let Some(c) = sms {
            if c.enabled == Some(true) && user.attr("phone_number").is_none() {
                return Err(Error::invalid("SMS MFA needs a phone_number."));
            }
            apply(&mut mfa.sms, c);
        }
        if let Some(c) = totp {
            if c.enabled == Some(true) && mfa.totp_secret.is_none() {
                return Err(Error::invalid("User has not verified software token mfa"));
            }
            apply(&mut mfa.totp, c);
        }
        if let Some(c) = email {
            if c.enabled == Some(true) && user.attr("email").is_none() {
                return Err(Error::invalid("Email MFA needs an email."));
            }
            apply(&mut mfa.email, c);
        }
        let preferred = [mfa.sms.preferred, mfa.totp.preferred, mfa.email.preferred].iter().filter(|p| **p).count();
        if preferred > 1 {
            return Err(Error::invalid("Only one MFA method can be preferred."));
        }
        user.extra.mfa = mfa;
        self.save_user(pool, user).await
    }

    /// The user's factors that the pool allows, in Cognito's order.
    pub(crate) fn usable_factors_of(pool: &UserPool, user: &User) -> Vec<MfaFactor> {
        let m = &user.extra.mfa;
        let mut out = Vec::new();
        if pool.allows_sms_mfa() && m.sms.enabled && user.attr("phone_number").is_some() {
            out.push(MfaFactor::Sms);
        }
        if pool.allows_totp() && m.totp.enabled && m.totp_secret.is_some() {
            out.push(MfaFactor::SoftwareToken);
        }
        if pool.allows_email_mfa() && m.email.enabled && user.attr("email").is_some() {
            out.push(MfaFactor::Email);
        }
        out
    }

    /// Checks the answer to an MFA challenge. `Ok(())` means the factor is proven.
    pub(crate) async fn check_factor(
        &self,
        pool: &UserPool,
        user: &mut User,
        factor: MfaFactor,
        code: &str,
    ) -> Result<()> {
        match factor {
            MfaFactor::SoftwareToken => {
                let sealed = user.extra.mfa.totp_secret.clone().ok_or_else(|| Error::invalid("No software token."))?;
                // Wrong codes lock the factor like wrong passwords lock the password, on a
                // counter of their own that only a correct code resets (a correct password does
                // not), so the six digits cannot be guessed by cycling sign-ins.
                let admitted = self.admit_guess(pool, Subject::User(user), Limit::Totp, totp_locked).await?;
                let secret = self.open_totp_secret(&sealed)?;
                let now_ms = self.clock.now_ms();
                let mismatch = || Error::CodeMismatch("Invalid code received for user".into());
                let Some(step) = matching_step(&secret, code, now_ms / 1000)? else {
                    return self.settle_guess(admitted, false, mismatch(), totp_locked).await;
                };
                // A code is accepted once: a step at or before the last accepted one is refused,
                // and the step is claimed in the store so that two requests racing with the same
                // code cannot both pass.
                let claim = format!("totp:{}:{}:{step}", pool.id, user.sub);
                let expires = (step + SKEW_STEPS + 1) * STEP_SECONDS as i64 * 1000;
                if step <= user.extra.mfa.totp_last_step || !self.store.claim_once(&claim, expires, now_ms).await? {
                    let used = Error::ExpiredCode("Your software token has already been used once.".into());
                    return self.settle_guess(admitted, false, used, totp_locked).await;
                }
                self.settle_guess(admitted, true, mismatch(), totp_locked).await?;
                user.extra.mfa.totp_last_step = step;
                self.save_user(pool, user).await
            }
            MfaFactor::Sms => self.check_code(pool, user, &Purpose::Verify("mfa:phone_number".into()), code).await,
            MfaFactor::Email => self.check_code(pool, user, &Purpose::Verify("mfa:email".into()), code).await,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_step_and_neighbours_only() {
        let secret = b"12345678901234567890";
        let t = totp(secret).unwrap();
        let now = 1_700_000_000i64;
        let code = t.generate(now as u64);
        assert_eq!(matching_step(secret, &code, now).unwrap(), Some(now / 30));
        assert_eq!(matching_step(secret, &code, now + 30).unwrap(), Some(now / 30));
        assert_eq!(matching_step(secret, &code, now + 90).unwrap(), None);
        assert_eq!(matching_step(secret, "000000", now).unwrap().is_some(), t.generate(now as u64) == "000000");
    }

    #[test]
    fn rfc6238_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); the last six are ours.
        let t = totp(b"12345678901234567890").unwrap();
        assert_eq!(t.generate(59), "287082");
    }
}
