//! What an unknown user looks like when the app client hides user existence
//! (`PreventUserExistenceErrors: ENABLED`): the same response shapes, codes, limits and work as a
//! known user gets, built from a keyed hash of the name so that they are stable across attempts.
//! A decoy can only ever fail, and only where a known user could fail too (a wrong password, a
//! wrong code, a limit).
//!
//! Covered: password sign-in (in `auth`), SRP (a decoy salt, verifier and USER_ID_FOR_SRP, in
//! `auth`), choice-based sign-in (a SELECT_CHALLENGE session that leads to the same answers),
//! ForgotPassword / ResendConfirmationCode (a plausible masked destination; the send limit),
//! ConfirmForgotPassword / ConfirmSignUp (the guess limit and CodeMismatch).

use std::collections::BTreeMap;

use crate::Domain;
use crate::auth::{AuthOutcome, ChallengeSession, attempts_exceeded, incorrect};
use crate::clients::Client;
use crate::codes::{Delivery, Purpose, code_mismatch};
use crate::error::{Error, Result};
use crate::limits::{Limit, Subject};
use crate::pools::UserPool;
use crate::users::mask;

/// Where a decoy code "goes".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Channel {
    Email,
    Sms,
}

impl Domain {
    /// A plausible masked destination for `name` on `channel`: the name itself masked when it is
    /// what a real user's destination would be (an email or phone typed as the username), else
    /// stable letters or digits drawn from the name's keyed hash.
    pub(crate) fn decoy_delivery(&self, pool: &UserPool, name: &str, channel: Channel) -> Result<Delivery> {
        let seed = self.decoy_seed(pool, "destination", name)?;
        let destination = match channel {
            Channel::Email if name.contains('@') => mask(name),
            Channel::Email => {
                let letter = |b: u8| char::from(b'a' + b % 26);
                format!("{}***@{}***", letter(seed[0]), letter(seed[1]))
            }
            Channel::Sms if name.starts_with('+') => mask(name),
            Channel::Sms => {
                let digits: String = seed[2..6].iter().map(|b| char::from(b'0' + b % 10)).collect();
                format!("+*******{digits}")
            }
        };
        let (medium, attribute) = match channel {
            Channel::Email => ("EMAIL", "email"),
            Channel::Sms => ("SMS", "phone_number"),
        };
        Ok(Delivery { destination, medium, attribute: attribute.to_string() })
    }

    /// The channel a password-reset code would take in this pool: the first mechanism of its
    /// AccountRecoverySetting, email when it has none that says otherwise.
    pub(crate) fn decoy_recovery_channel(pool: &UserPool) -> Channel {
        let first = pool
            .settings
            .config
            .account_recovery_setting
            .as_ref()
            .and_then(|s| s.recovery_mechanisms.as_ref())
            .and_then(|m| m.iter().min_by_key(|r| r.priority))
            .map(|r| r.name.as_str().to_string());
        match first.as_deref() {
            Some("verified_phone_number") => Channel::Sms,
            _ if pool.has_username_attribute("phone_number") && !pool.has_username_attribute("email") => Channel::Sms,
            _ => Channel::Email,
        }
    }

    /// The channel a sign-up code would take in this pool (auto-verified phone, else email).
    pub(crate) fn decoy_signup_channel(pool: &UserPool) -> Channel {
        if pool.is_auto_verified("phone_number") && !pool.is_auto_verified("email") {
            Channel::Sms
        } else {
            Channel::Email
        }
    }

    /// ForgotPassword for a name no user has (or whose code could not go anywhere): counted
    /// against the send limit, answered with a plausible destination.
    pub(crate) async fn decoy_forgot_password(&self, pool: &UserPool, name: &str) -> Result<Delivery> {
        self.issue_decoy_code(pool, name, &Purpose::ForgotPassword).await?;
        self.decoy_delivery(pool, name, Self::decoy_recovery_channel(pool))
    }

    /// ResendConfirmationCode for a name no unconfirmed user has.
    pub(crate) async fn decoy_resend_confirmation(&self, pool: &UserPool, name: &str) -> Result<Delivery> {
        self.issue_decoy_code(pool, name, &Purpose::SignUp).await?;
        self.decoy_delivery(pool, name, Self::decoy_signup_channel(pool))
    }

    /// The factors a decoy offers in choice-based sign-in: everything the pool allows, as for a
    /// user with a password, a verified email and a verified phone.
    fn decoy_first_factors(pool: &UserPool) -> Vec<&'static str> {
        let allowed = Self::allowed_first_factors(pool);
        let allows = |f: &str| allowed.iter().any(|a| a == f);
        let mut out = Vec::new();
        if allows("PASSWORD") {
            out.extend(["PASSWORD", "PASSWORD_SRP"]);
        }
        if allows("EMAIL_OTP") {
            out.push("EMAIL_OTP");
        }
        if allows("SMS_OTP") {
            out.push("SMS_OTP");
        }
        out
    }

    /// USER_AUTH for a name no user has: SELECT_CHALLENGE (or the preferred challenge) with a
    /// decoy session.
    pub(crate) async fn decoy_user_auth(
        &self,
        pool: &UserPool,
        client: &Client,
        name: &str,
        params: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let available = Self::decoy_first_factors(pool);
        if available.is_empty() {
            return Err(Error::invalid("The user has no sign-in factor the user pool allows."));
        }
        if let Some(preferred) = params.get("PREFERRED_CHALLENGE").map(String::as_str)
            && let Some(factor) = available.iter().find(|f| **f == preferred)
        {
            return self.decoy_first_factor(pool, client, name, factor, params).await;
        }
        let session = self.seal_decoy(pool, client, name, "SELECT_CHALLENGE")?;
        Ok(AuthOutcome::Select { session, available: available.into_iter().map(String::from).collect() })
    }

    /// One first factor for a decoy, as `begin_first_factor` does it for a user.
    async fn decoy_first_factor(
        &self,
        pool: &UserPool,
        client: &Client,
        name: &str,
        factor: &str,
        inputs: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let user_id = self.decoy_user_id(pool, name)?;
        match factor {
            "PASSWORD" => match inputs.get("PASSWORD").filter(|p| !p.is_empty()) {
                Some(password) => self.decoy_password(pool, name, password).await,
                None => {
                    let session = Some(self.seal_decoy(pool, client, name, "PASSWORD")?);
                    let parameters = BTreeMap::from([("USERNAME".to_string(), user_id)]);
                    Ok(AuthOutcome::Challenge { name: "PASSWORD".into(), session, parameters })
                }
            },
            "PASSWORD_SRP" => {
                let mut srp_params = inputs.clone();
                srp_params.insert("USERNAME".into(), name.to_string());
                if srp_params.get("SRP_A").is_none_or(String::is_empty) {
                    return Err(Error::invalid("PASSWORD_SRP needs SRP_A."));
                }
                self.start_srp_for(pool, client, &srp_params, true).await
            }
            "EMAIL_OTP" | "SMS_OTP" => {
                let channel = if factor == "EMAIL_OTP" { Channel::Email } else { Channel::Sms };
                let attr = if channel == Channel::Email { "email" } else { "phone_number" };
                let purpose = Purpose::Verify(format!("mfa:{attr}"));
                self.issue_decoy_code(pool, name, &purpose).await?;
                let delivery = self.decoy_delivery(pool, name, channel)?;
                let parameters = BTreeMap::from([
                    ("CODE_DELIVERY_DELIVERY_MEDIUM".to_string(), delivery.medium.to_string()),
                    ("CODE_DELIVERY_DESTINATION".to_string(), delivery.destination),
                    ("USER_ID_FOR_SRP".to_string(), user_id),
                ]);
                let session = Some(self.seal_decoy(pool, client, name, factor)?);
                Ok(AuthOutcome::Challenge { name: factor.into(), session, parameters })
            }
            other => Err(Error::invalid(format!("{other} is not a first factor Cognate supports yet."))),
        }
    }

    /// A password for a name no user has: counted and hashed like a real guess, always wrong.
    pub(crate) async fn decoy_password(&self, pool: &UserPool, name: &str, password: &str) -> Result<AuthOutcome> {
        let admitted = self.admit_guess(pool, Subject::Unknown(name), Limit::Password, attempts_exceeded).await?;
        let is_right = self.passwords.verify(password, None).await?;
        self.settle_guess(admitted, is_right, incorrect(), attempts_exceeded).await?;
        Err(incorrect())
    }

    /// Answers to a decoy session's challenge.
    pub(crate) async fn respond_as_decoy(
        &self,
        pool: &UserPool,
        client: &Client,
        session: &ChallengeSession,
        name: &str,
        challenge: &str,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let value = |k: &str| responses.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let required = |k: &str| value(k).ok_or_else(|| Error::invalid(format!("Missing required parameter {k}")));
        match challenge {
            "SELECT_CHALLENGE" => {
                let answer = required("ANSWER")?;
                if !Self::decoy_first_factors(pool).contains(&answer) {
                    return Err(Error::invalid(format!("{answer} is not a challenge this user can choose.")));
                }
                self.claim_session(session).await?;
                self.decoy_first_factor(pool, client, name, answer, responses).await
            }
            "PASSWORD" => self.decoy_password(pool, name, required("PASSWORD")?).await,
            "EMAIL_OTP" | "SMS_OTP" => {
                let attr = if challenge == "EMAIL_OTP" { "email" } else { "phone_number" };
                let field = if challenge == "EMAIL_OTP" { "EMAIL_OTP_CODE" } else { "SMS_OTP_CODE" };
                required(field)?;
                self.check_decoy_code(pool, name, &Purpose::Verify(format!("mfa:{attr}"))).await?;
                Err(code_mismatch())
            }
            other => Err(Error::invalid(format!("The session is not for the {other} challenge."))),
        }
    }
}
