//! Multi-factor authentication: a user's factors (TOTP software tokens, SMS and email codes) and
//! preferences, software-token association and verification, and the MFA step of sign-in —
//! SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, SELECT_MFA_TYPE and MFA_SETUP — as the pool's
//! MfaConfiguration (OFF, OPTIONAL, ON) decides. TOTP secrets are random 160-bit keys, handed out
//! in base32 (what authenticator apps read), stored encrypted under the deployment secret, and a
//! code is accepted once: a step at or before the last accepted one is refused.

use std::collections::BTreeMap;

use cognate_model::cognito_idp as m;
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;
use totp_rs::{Algorithm, TOTP};

use crate::Domain;
use crate::auth::{AuthOutcome, MFA_SETUP_ASSOCIATED, MFA_SETUP_VERIFIED};
use crate::clients::Client;
use crate::codes::{Purpose, Template};
use crate::error::{Error, Result};
use crate::limits::{Limit, Subject};
use crate::pools::UserPool;
use crate::users::{User, mask};

/// TOTP parameters authenticator apps assume: SHA-1, six digits, 30-second steps.
const STEP_SECONDS: u64 = 30;
/// Steps of clock drift accepted either side.
const SKEW_STEPS: i64 = 1;

/// One factor's switches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Factor {
    pub enabled: bool,
    pub preferred: bool,
}

/// A user's MFA state, kept in the user document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaSettings {
    pub sms: Factor,
    pub totp: Factor,
    pub email: Factor,
    /// The verified TOTP secret, sealed.
    pub totp_secret: Option<String>,
    /// A secret handed out by AssociateSoftwareToken and not yet verified, sealed.
    pub pending_totp_secret: Option<String>,
    /// The last TOTP step accepted (codes at or before it are refused).
    pub totp_last_step: i64,
}

/// The MFA challenges.
pub const SMS_MFA: &str = "SMS_MFA";
pub const SOFTWARE_TOKEN_MFA: &str = "SOFTWARE_TOKEN_MFA";
pub const EMAIL_OTP: &str = "EMAIL_OTP";

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
    fn allows_sms_mfa(&self) -> bool {
        self.settings.mfa.sms.is_some()
    }
    fn allows_totp(&self) -> bool {
        self.settings.mfa.software_token.as_ref().and_then(|t| t.enabled) == Some(true)
    }
    fn allows_email_mfa(&self) -> bool {
        self.settings.mfa.email.is_some()
    }
}

impl User {
    /// `UserMFASettingList` and `PreferredMfaSetting` as GetUser reports them.
    pub fn mfa_wire(&self) -> (Vec<String>, Option<String>) {
        let m = &self.extra.mfa;
        let mut list = Vec::new();
        let mut preferred = None;
        for (name, f) in [(SMS_MFA, m.sms), (SOFTWARE_TOKEN_MFA, m.totp), (EMAIL_OTP, m.email)] {
            if f.enabled {
                list.push(name.to_string());
                if f.preferred {
                    preferred = Some(name.to_string());
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
    fn check_pending_totp(&self, user: &User, code: &str) -> Result<(String, i64)> {
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

    async fn bind_totp(&self, pool: &UserPool, user: &mut User, sealed: String, step: i64) -> Result<()> {
        let mfa = &mut user.extra.mfa;
        mfa.totp_secret = Some(sealed);
        mfa.pending_totp_secret = None;
        mfa.totp_last_step = step;
        mfa.totp.enabled = true;
        self.save_user(pool, user).await
    }

    /// AssociateSoftwareToken with the `Session` of an MFA_SETUP challenge: uses the session up
    /// and hands back the secret with the session VerifySoftwareToken takes.
    pub async fn associate_software_token_in_setup(&self, session: &str) -> Result<(String, String)> {
        let (pool, client, mut user, s) = self.open_session(session, "MFA_SETUP").await?;
        self.claim_session(&s).await?;
        let secret = self.associate_software_token(&pool, &mut user).await?;
        let next = self.seal_challenge(&pool, &client, &user, MFA_SETUP_ASSOCIATED)?;
        Ok((secret, next))
    }

    /// VerifySoftwareToken with the session AssociateSoftwareToken handed back: a right code
    /// uses the session up, binds the secret and hands back the session that answers MFA_SETUP.
    /// A wrong code leaves the session as it was.
    pub async fn verify_software_token_in_setup(&self, session: &str, code: &str) -> Result<String> {
        let (pool, client, mut user, s) = self.open_session(session, MFA_SETUP_ASSOCIATED).await?;
        let (sealed, step) = self.check_pending_totp(&user, code)?;
        self.claim_session(&s).await?;
        self.bind_totp(&pool, &mut user, sealed, step).await?;
        self.seal_challenge(&pool, &client, &user, MFA_SETUP_VERIFIED)
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
    pub(crate) fn usable_factors_of(pool: &UserPool, user: &User) -> Vec<&'static str> {
        Self::usable_factors(pool, user)
    }

    fn usable_factors(pool: &UserPool, user: &User) -> Vec<&'static str> {
        let m = &user.extra.mfa;
        let mut out = Vec::new();
        if pool.allows_sms_mfa() && m.sms.enabled && user.attr("phone_number").is_some() {
            out.push(SMS_MFA);
        }
        if pool.allows_totp() && m.totp.enabled && m.totp_secret.is_some() {
            out.push(SOFTWARE_TOKEN_MFA);
        }
        if pool.allows_email_mfa() && m.email.enabled && user.attr("email").is_some() {
            out.push(EMAIL_OTP);
        }
        out
    }

    /// The MFA step after a correct password, or `None` when the pool and user need none.
    pub(crate) async fn mfa_step(&self, pool: &UserPool, client: &Client, user: &User) -> Result<Option<AuthOutcome>> {
        let mode = pool.mfa_mode();
        if mode == m::UserPoolMfaType::Off {
            return Ok(None);
        }
        let usable = Self::usable_factors(pool, user);
        if usable.is_empty() {
            if mode != m::UserPoolMfaType::On {
                return Ok(None);
            }
            // MFA is required and the user has no factor yet.
            if pool.allows_totp() {
                let params = BTreeMap::from([("MFAS_CAN_SETUP".to_string(), format!("[\"{SOFTWARE_TOKEN_MFA}\"]"))]);
                return Ok(Some(self.challenge(pool, client, user, "MFA_SETUP", params)?));
            }
            if pool.allows_sms_mfa() && user.attr("phone_number").is_some() {
                return self.start_factor(pool, client, user, SMS_MFA, SMS_MFA).await.map(Some);
            }
            if pool.allows_email_mfa() && user.attr("email").is_some() {
                return self.start_factor(pool, client, user, EMAIL_OTP, EMAIL_OTP).await.map(Some);
            }
            return Err(Error::invalid("The user pool requires MFA and the user has no way to receive it."));
        }
        let m = &user.extra.mfa;
        let preferred = [(SMS_MFA, m.sms), (SOFTWARE_TOKEN_MFA, m.totp), (EMAIL_OTP, m.email)]
            .into_iter()
            .find(|(name, f)| f.preferred && usable.contains(name))
            .map(|(name, _)| name);
        match (preferred, usable.as_slice()) {
            (Some(name), _) | (None, &[name]) => self.start_factor(pool, client, user, name, name).await.map(Some),
            _ => {
                let choices = serde_json::to_string(&usable).unwrap_or_else(|_| "[]".into());
                let params = BTreeMap::from([("MFAS_CAN_CHOOSE".to_string(), choices)]);
                Ok(Some(self.challenge(pool, client, user, "SELECT_MFA_TYPE", params)?))
            }
        }
    }

    fn challenge(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        name: &str,
        mut parameters: BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        parameters.insert("USER_ID_FOR_SRP".into(), user.username.clone());
        let session = self.seal_challenge(pool, client, user, name)?;
        Ok(AuthOutcome::Challenge { name: name.into(), session: Some(session), parameters })
    }

    /// Issues the challenge for one factor (sending the code for SMS and email), named
    /// `challenge` (the factor itself for MFA; SMS_OTP or EMAIL_OTP as a first factor).
    pub(crate) async fn start_factor(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        factor: &str,
        challenge: &str,
    ) -> Result<AuthOutcome> {
        match factor {
            SOFTWARE_TOKEN_MFA => self.challenge(pool, client, user, challenge, BTreeMap::new()),
            SMS_MFA | EMAIL_OTP => {
                let attr = if factor == SMS_MFA { "phone_number" } else { "email" };
                let purpose = Purpose::Verify(format!("mfa:{attr}"));
                let code = self.issue_code(pool, user, &purpose).await?;
                let delivery = self.deliver(pool, user, attr, Template::Verification, &code, &purpose).await?;
                let params = BTreeMap::from([
                    ("CODE_DELIVERY_DELIVERY_MEDIUM".to_string(), delivery.medium.to_string()),
                    ("CODE_DELIVERY_DESTINATION".to_string(), mask(user.attr(attr).unwrap_or_default())),
                ]);
                self.challenge(pool, client, user, challenge, params)
            }
            other => Err(Error::invalid(format!("{other} is not an MFA method."))),
        }
    }

    /// Checks the answer to an MFA challenge. `Ok(())` means the factor is proven.
    pub(crate) async fn check_factor(&self, pool: &UserPool, user: &mut User, factor: &str, code: &str) -> Result<()> {
        match factor {
            SOFTWARE_TOKEN_MFA => {
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
            SMS_MFA => self.check_code(pool, user, &Purpose::Verify("mfa:phone_number".into()), code).await,
            EMAIL_OTP => self.check_code(pool, user, &Purpose::Verify("mfa:email".into()), code).await,
            other => Err(Error::invalid(format!("{other} is not an MFA method."))),
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
