//! The MFA step of sign-in, as the pool's MfaConfiguration (OFF, OPTIONAL, ON) and the user's
//! factors decide: SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP (and SMS_OTP / EMAIL_OTP as first
//! factors), SELECT_MFA_TYPE when the user has several and prefers none, and MFA_SETUP when MFA is
//! required and the user has no factor yet — with the session AssociateSoftwareToken and
//! VerifySoftwareToken carry through the set-up. The factors themselves are in `crate::mfa`.

use std::collections::BTreeMap;

use cognate_model::cognito_idp as m;

use super::finish::{DeviceUse, Scopes};
use super::session::ChallengeSession;
use super::{AuthOutcome, Awaiting, Challenge, Params};
use crate::Domain;
use crate::clients::Client;
use crate::codes::{Purpose, Template};
use crate::error::{Error, Result};
use crate::mfa::MfaFactor;
use crate::pools::UserPool;
use crate::users::{User, mask};

/// The challenge that asks for a factor's code in the MFA step.
fn challenge_of(factor: MfaFactor) -> Challenge {
    match factor {
        MfaFactor::Sms => Challenge::SmsMfa,
        MfaFactor::SoftwareToken => Challenge::SoftwareTokenMfa,
        MfaFactor::Email => Challenge::EmailOtp,
    }
}

impl Domain {
    /// The MFA step after a correct password, or `None` when the pool and user need none.
    pub(super) async fn mfa_step(&self, pool: &UserPool, client: &Client, user: &User) -> Result<Option<AuthOutcome>> {
        let mode = pool.mfa_mode();
        if mode == m::UserPoolMfaType::Off {
            return Ok(None);
        }
        let usable = Self::usable_factors_of(pool, user);
        if usable.is_empty() {
            if mode != m::UserPoolMfaType::On {
                return Ok(None);
            }
            // MFA is required and the user has no factor yet.
            if pool.allows_totp() {
                let setup = format!("[\"{}\"]", MfaFactor::SoftwareToken.as_str());
                let params = BTreeMap::from([("MFAS_CAN_SETUP".to_string(), setup)]);
                return Ok(Some(self.challenge(pool, client, user, Challenge::MfaSetup, params)?));
            }
            if pool.allows_sms_mfa() && user.attr("phone_number").is_some() {
                return self.start_factor(pool, client, user, MfaFactor::Sms, Challenge::SmsMfa).await.map(Some);
            }
            if pool.allows_email_mfa() && user.attr("email").is_some() {
                return self.start_factor(pool, client, user, MfaFactor::Email, Challenge::EmailOtp).await.map(Some);
            }
            return Err(Error::invalid("The user pool requires MFA and the user has no way to receive it."));
        }
        let f = &user.extra.mfa;
        let preferred = [(MfaFactor::Sms, f.sms), (MfaFactor::SoftwareToken, f.totp), (MfaFactor::Email, f.email)]
            .into_iter()
            .find(|(factor, switches)| switches.preferred && usable.contains(factor))
            .map(|(factor, _)| factor);
        let single = if usable.len() == 1 { usable.first().copied() } else { None };
        match preferred.or(single) {
            Some(factor) => self.start_factor(pool, client, user, factor, challenge_of(factor)).await.map(Some),
            None => {
                let names: Vec<&str> = usable.iter().map(|f| f.as_str()).collect();
                let choices = serde_json::to_string(&names).unwrap_or_else(|_| "[]".into());
                let params = BTreeMap::from([("MFAS_CAN_CHOOSE".to_string(), choices)]);
                Ok(Some(self.challenge(pool, client, user, Challenge::SelectMfaType, params)?))
            }
        }
    }

    fn challenge(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        name: Challenge,
        mut parameters: BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        parameters.insert("USER_ID_FOR_SRP".into(), user.username.clone());
        let session = self.seal_challenge(pool, client, user, Awaiting::Challenge(name))?;
        Ok(AuthOutcome::Challenge { name, session: Some(session), parameters })
    }

    /// Issues the challenge for one factor (sending the code for SMS and email), named
    /// `challenge` (the factor itself for MFA; SMS_OTP or EMAIL_OTP as a first factor).
    pub(super) async fn start_factor(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        factor: MfaFactor,
        challenge: Challenge,
    ) -> Result<AuthOutcome> {
        let attr = match factor {
            MfaFactor::SoftwareToken => return self.challenge(pool, client, user, challenge, BTreeMap::new()),
            MfaFactor::Sms => "phone_number",
            MfaFactor::Email => "email",
        };
        let purpose = Purpose::Verify(format!("mfa:{attr}"));
        let code = self.issue_code(pool, user, &purpose).await?;
        let delivery = self.deliver(pool, user, attr, Template::Verification, &code, &purpose).await?;
        let params = BTreeMap::from([
            ("CODE_DELIVERY_DELIVERY_MEDIUM".to_string(), delivery.medium.to_string()),
            ("CODE_DELIVERY_DESTINATION".to_string(), mask(user.attr(attr).unwrap_or_default())),
        ]);
        self.challenge(pool, client, user, challenge, params)
    }

    /// A code for SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP or SMS_OTP.
    pub(super) async fn answer_code(
        &self,
        pool: &UserPool,
        client: &Client,
        s: &ChallengeSession,
        user: &mut User,
        challenge: Challenge,
        responses: &Params<'_>,
    ) -> Result<AuthOutcome> {
        let Some((field, factor)) = challenge.code() else {
            return Err(Error::invalid(format!("{} is not answered with a code.", challenge.as_str())));
        };
        let code = responses.required(field)?;
        self.check_factor(pool, user, factor, code).await?;
        if !user.is_enabled {
            return Err(Error::user_disabled());
        }
        self.claim_session(s).await?;
        self.finish(pool, client, user, DeviceUse::New, Scopes::Api).await
    }

    /// SELECT_MFA_TYPE answered with one of the user's factors.
    pub(super) async fn answer_select_mfa_type(
        &self,
        pool: &UserPool,
        client: &Client,
        s: &ChallengeSession,
        user: &User,
        responses: &Params<'_>,
    ) -> Result<AuthOutcome> {
        let answer = responses.required("ANSWER")?;
        let chosen = Self::usable_factors_of(pool, user).into_iter().find(|f| f.as_str() == answer);
        let Some(factor) = chosen else {
            return Err(Error::invalid(format!("{answer} is not an MFA method this user can use.")));
        };
        self.claim_session(s).await?;
        self.start_factor(pool, client, user, factor, challenge_of(factor)).await
    }

    /// MFA_SETUP answered, with the session VerifySoftwareToken returned once the token is
    /// verified.
    pub(super) async fn answer_mfa_setup(
        &self,
        pool: &UserPool,
        client: &Client,
        s: &ChallengeSession,
        user: &User,
    ) -> Result<AuthOutcome> {
        if !user.extra.mfa.totp.enabled || user.extra.mfa.totp_secret.is_none() {
            return Err(Error::invalid("Verify a software token before answering MFA_SETUP."));
        }
        self.claim_session(s).await?;
        self.finish(pool, client, user, DeviceUse::New, Scopes::Api).await
    }

    /// AssociateSoftwareToken with the `Session` of an MFA_SETUP challenge: uses the session up
    /// and hands back the secret with the session VerifySoftwareToken takes.
    pub async fn associate_software_token_in_setup(&self, session: &str) -> Result<(String, String)> {
        let (pool, client, mut user, s) = self.open_session(session, Awaiting::Challenge(Challenge::MfaSetup)).await?;
        self.claim_session(&s).await?;
        let secret = self.associate_software_token(&pool, &mut user).await?;
        let next = self.seal_challenge(&pool, &client, &user, Awaiting::MfaSetupAssociated)?;
        Ok((secret, next))
    }

    /// VerifySoftwareToken with the session AssociateSoftwareToken handed back: a right code
    /// uses the session up, binds the secret and hands back the session that answers MFA_SETUP.
    /// A wrong code leaves the session as it was.
    pub async fn verify_software_token_in_setup(&self, session: &str, code: &str) -> Result<String> {
        let (pool, client, mut user, s) = self.open_session(session, Awaiting::MfaSetupAssociated).await?;
        let (sealed, step) = self.check_pending_totp(&user, code)?;
        self.claim_session(&s).await?;
        self.bind_totp(&pool, &mut user, sealed, step).await?;
        self.seal_challenge(&pool, &client, &user, Awaiting::MfaSetupVerified)
    }
}
