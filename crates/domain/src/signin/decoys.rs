//! Sign-in for a name no user has, when the client hides user existence: the same steps, shapes,
//! codes, limits and work as a known user gets (see `crate::decoys` for the keyed hash they are
//! drawn from). Covered here: choice-based sign-in (a SELECT_CHALLENGE session that leads to the
//! same answers), the PASSWORD challenge and password guesses; SRP decoys are in `srp`.

use std::collections::BTreeMap;

use super::session::ChallengeSession;
use super::{AuthOutcome, Challenge, FirstFactor, Params, attempts_exceeded, incorrect, not_a_first_factor};
use crate::Domain;
use crate::clients::Client;
use crate::codes::{Purpose, code_mismatch};
use crate::decoys::Channel;
use crate::error::{Error, Result};
use crate::limits::{Limit, Subject};
use crate::pools::UserPool;

impl Domain {
    /// The factors a decoy offers in choice-based sign-in: everything the pool allows, as for a
    /// user with a password, a verified email and a verified phone.
    fn decoy_first_factors(pool: &UserPool) -> Vec<Challenge> {
        let allowed = Self::allowed_first_factors(pool);
        let allows = |f: &str| allowed.iter().any(|a| a == f);
        let mut out = Vec::new();
        if allows("PASSWORD") {
            out.extend([FirstFactor::Password, FirstFactor::PasswordSrp]);
        }
        if allows("EMAIL_OTP") {
            out.push(FirstFactor::EmailOtp);
        }
        if allows("SMS_OTP") {
            out.push(FirstFactor::SmsOtp);
        }
        out.into_iter().map(FirstFactor::challenge).collect()
    }

    /// USER_AUTH for a name no user has: SELECT_CHALLENGE (or the preferred challenge) with a
    /// decoy session.
    pub(super) async fn decoy_user_auth(
        &self,
        pool: &UserPool,
        client: &Client,
        name: &str,
        params: &Params<'_>,
    ) -> Result<AuthOutcome> {
        let available = Self::decoy_first_factors(pool);
        if available.is_empty() {
            return Err(Error::invalid("The user has no sign-in factor the user pool allows."));
        }
        if let Some(preferred) = params.get("PREFERRED_CHALLENGE").and_then(Challenge::parse)
            && available.contains(&preferred)
        {
            return self.decoy_first_factor(pool, client, name, preferred, params).await;
        }
        let session = self.seal_decoy(pool, client, name, Challenge::SelectChallenge)?;
        Ok(AuthOutcome::Select { session, available })
    }

    /// One first factor for a decoy, as `begin_first_factor` does it for a user.
    pub(super) async fn decoy_first_factor(
        &self,
        pool: &UserPool,
        client: &Client,
        name: &str,
        factor: Challenge,
        inputs: &Params<'_>,
    ) -> Result<AuthOutcome> {
        let user_id = self.decoy_user_id(pool, name)?;
        let Some(first) = factor.first_factor() else { return Err(not_a_first_factor(factor)) };
        let channel = match first {
            FirstFactor::Password => {
                return match inputs.get("PASSWORD") {
                    Some(password) => self.decoy_password(pool, name, password).await,
                    None => {
                        let session = Some(self.seal_decoy(pool, client, name, factor)?);
                        let parameters = BTreeMap::from([("USERNAME".to_string(), user_id)]);
                        Ok(AuthOutcome::Challenge { name: factor, session, parameters })
                    }
                };
            }
            FirstFactor::PasswordSrp => {
                let mut srp_params = inputs.0.clone();
                srp_params.insert("USERNAME".into(), name.to_string());
                if inputs.get("SRP_A").is_none() {
                    return Err(Error::invalid("PASSWORD_SRP needs SRP_A."));
                }
                return self.start_srp(pool, client, &Params(&srp_params), true).await;
            }
            FirstFactor::EmailOtp => Channel::Email,
            FirstFactor::SmsOtp => Channel::Sms,
            // A decoy is a user without passkeys: WEB_AUTHN is never offered to it.
            FirstFactor::WebAuthn => return Err(not_a_first_factor(factor)),
        };
        let purpose = Purpose::Verify(format!("mfa:{}", channel.attribute()));
        self.issue_decoy_code(pool, name, &purpose).await?;
        let delivery = self.decoy_delivery(pool, name, channel)?;
        let parameters = BTreeMap::from([
            ("CODE_DELIVERY_DELIVERY_MEDIUM".to_string(), delivery.medium.to_string()),
            ("CODE_DELIVERY_DESTINATION".to_string(), delivery.destination),
            ("USER_ID_FOR_SRP".to_string(), user_id),
        ]);
        let session = Some(self.seal_decoy(pool, client, name, factor)?);
        Ok(AuthOutcome::Challenge { name: factor, session, parameters })
    }

    /// A password for a name no user has: counted and hashed like a real guess, always wrong.
    pub(crate) async fn decoy_password(&self, pool: &UserPool, name: &str, password: &str) -> Result<AuthOutcome> {
        let admitted = self.admit_guess(pool, Subject::Unknown(name), Limit::Password, attempts_exceeded).await?;
        let is_right = self.passwords.verify(password, None).await?;
        self.settle_guess(admitted, is_right, incorrect(), attempts_exceeded).await?;
        Err(incorrect())
    }

    /// Answers to a decoy session's challenge.
    pub(super) async fn respond_as_decoy(
        &self,
        pool: &UserPool,
        client: &Client,
        session: &ChallengeSession,
        name: &str,
        challenge: Challenge,
        responses: &Params<'_>,
    ) -> Result<AuthOutcome> {
        if challenge == Challenge::SelectChallenge {
            let answer = responses.required("ANSWER")?;
            let chosen = Challenge::parse(answer).filter(|c| Self::decoy_first_factors(pool).contains(c));
            let Some(chosen) = chosen else {
                return Err(Error::invalid(format!("{answer} is not a challenge this user can choose.")));
            };
            self.claim_session(session).await?;
            return self.decoy_first_factor(pool, client, name, chosen, responses).await;
        }
        let (field, channel) = match challenge.first_factor() {
            Some(FirstFactor::Password) => {
                return self.decoy_password(pool, name, responses.required("PASSWORD")?).await;
            }
            Some(FirstFactor::EmailOtp) => ("EMAIL_OTP_CODE", Channel::Email),
            Some(FirstFactor::SmsOtp) => ("SMS_OTP_CODE", Channel::Sms),
            Some(FirstFactor::PasswordSrp | FirstFactor::WebAuthn) | None => {
                return Err(Error::invalid(format!("The session is not for the {} challenge.", challenge.as_str())));
            }
        };
        responses.required(field)?;
        self.check_decoy_code(pool, name, &Purpose::Verify(format!("mfa:{}", channel.attribute()))).await?;
        Err(code_mismatch())
    }
}
