//! Choice-based sign-in (USER_AUTH): the user's first factors that the pool allows (password,
//! password with SRP, a code by email or SMS), the preferred one started at once when the user can
//! use it, else SELECT_CHALLENGE with the choices.

use super::session::ChallengeSession;
use super::{AuthOutcome, Awaiting, Challenge, FirstFactor, Params, not_a_first_factor};
use crate::Domain;
use crate::clients::Client;
use crate::error::{Error, Result};
use crate::mfa::MfaFactor;
use crate::pools::UserPool;
use crate::users::{User, UserStatus};
use std::collections::BTreeMap;

impl Domain {
    /// The pool's AllowedFirstAuthFactors.
    pub(crate) fn allowed_first_factors(pool: &UserPool) -> Vec<String> {
        pool.settings
            .config
            .policies
            .as_ref()
            .and_then(|p| p.sign_in_policy.as_ref())
            .and_then(|p| p.allowed_first_auth_factors.as_ref())
            .map(|f| f.iter().map(|x| x.as_str().to_string()).collect())
            .unwrap_or_default()
    }

    /// The first factors a user can choose: the pool's AllowedFirstAuthFactors that the user has
    /// the means for.
    pub(crate) fn first_factors(pool: &UserPool, user: &User) -> Vec<Challenge> {
        let allowed = Self::allowed_first_factors(pool);
        let allows = |f: &str| allowed.iter().any(|a| a == f);
        let mut out = Vec::new();
        if allows("PASSWORD") && user.password_hash.is_some() {
            out.push(Challenge::Password);
            if user.extra.srp.is_some() {
                out.push(Challenge::PasswordSrp);
            }
        }
        if allows("EMAIL_OTP") && user.attr("email").is_some() && user.is_verified("email") {
            out.push(Challenge::EmailOtp);
        }
        if allows("SMS_OTP") && user.attr("phone_number").is_some() && user.is_verified("phone_number") {
            out.push(Challenge::SmsOtp);
        }
        if allows("WEB_AUTHN") && !user.extra.passkeys.is_empty() {
            out.push(Challenge::WebAuthn);
        }
        out
    }

    /// GetUserAuthFactors' `ConfiguredUserAuthFactors`: the first factors the user can use.
    pub fn configured_auth_factors(&self, pool: &UserPool, user: &User) -> Vec<&'static str> {
        Self::first_factors(pool, user)
            .into_iter()
            .filter(|f| *f != Challenge::PasswordSrp)
            .map(Challenge::as_str)
            .collect()
    }

    /// USER_AUTH: the preferred challenge if the user can do it, else SELECT_CHALLENGE.
    pub(super) async fn start_user_auth(
        &self,
        pool: &UserPool,
        client: &Client,
        params: &Params<'_>,
    ) -> Result<AuthOutcome> {
        if !client.allows("ALLOW_USER_AUTH", None) {
            return Err(Error::invalid("USER_AUTH flow not enabled for this client"));
        }
        let username = params.required("USERNAME")?;
        client.check_secret_hash(username, params.get("SECRET_HASH"))?;
        let hides_users = client.prevents_user_existence_errors();
        let user = match self.find_user(pool, username).await? {
            Some(u) => u,
            None if hides_users => return self.decoy_user_auth(pool, client, username, params).await,
            None => return Err(Error::UserNotFound("User does not exist.".into())),
        };
        // When users are hidden, an unconfirmed user learns so only after proving a factor, as
        // in the password flows.
        if user.status == UserStatus::Unconfirmed && !hides_users {
            return Err(Error::UserNotConfirmed("User is not confirmed.".into()));
        }
        let available = Self::first_factors(pool, &user);
        if available.is_empty() {
            if hides_users {
                return self.decoy_user_auth(pool, client, username, params).await;
            }
            return Err(Error::invalid("The user has no sign-in factor the user pool allows."));
        }
        if let Some(preferred) = params.get("PREFERRED_CHALLENGE").and_then(Challenge::parse)
            && available.contains(&preferred)
        {
            return self.begin_first_factor(pool, client, &user, preferred, params).await;
        }
        let session = self.seal_challenge(pool, client, &user, Awaiting::Challenge(Challenge::SelectChallenge))?;
        Ok(AuthOutcome::Select { session, available })
    }

    /// SELECT_CHALLENGE answered with one of the offered first factors.
    pub(super) async fn answer_select_challenge(
        &self,
        pool: &UserPool,
        client: &Client,
        s: &ChallengeSession,
        user: &User,
        responses: &Params<'_>,
    ) -> Result<AuthOutcome> {
        let answer = responses.required("ANSWER")?;
        let chosen = Challenge::parse(answer).filter(|c| Self::first_factors(pool, user).contains(c));
        let Some(chosen) = chosen else {
            return Err(Error::invalid(format!("{answer} is not a challenge this user can choose.")));
        };
        self.claim_session(s).await?;
        self.begin_first_factor(pool, client, user, chosen, responses).await
    }

    /// Starts (or, with its input present, completes) one first factor of USER_AUTH.
    pub(super) async fn begin_first_factor(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        factor: Challenge,
        inputs: &Params<'_>,
    ) -> Result<AuthOutcome> {
        let Some(first) = factor.first_factor() else { return Err(not_a_first_factor(factor)) };
        match first {
            FirstFactor::Password => match inputs.get("PASSWORD") {
                Some(password) => {
                    self.check_password(pool, user, password).await?;
                    self.after_password(pool, client, user.clone(), inputs.get("DEVICE_KEY")).await
                }
                None => {
                    let session = Some(self.seal_challenge(pool, client, user, Awaiting::Challenge(factor))?);
                    let parameters = BTreeMap::from([("USERNAME".to_string(), user.username.clone())]);
                    Ok(AuthOutcome::Challenge { name: factor, session, parameters })
                }
            },
            FirstFactor::PasswordSrp => {
                let mut srp_params = inputs.0.clone();
                srp_params.insert("USERNAME".into(), user.username.clone());
                if inputs.get("SRP_A").is_none() {
                    return Err(Error::invalid("PASSWORD_SRP needs SRP_A."));
                }
                self.start_srp(pool, client, &Params(&srp_params), true).await
            }
            // The code goes out exactly as for the MFA factor; only the challenge name differs.
            FirstFactor::EmailOtp => self.start_factor(pool, client, user, MfaFactor::Email, factor).await,
            FirstFactor::SmsOtp => self.start_factor(pool, client, user, MfaFactor::Sms, factor).await,
            FirstFactor::WebAuthn => {
                let (options, state) = self.start_passkey_sign_in(pool, user).await?;
                let awaiting = Awaiting::Challenge(factor);
                let session = Some(self.seal_challenge_with_state(pool, client, user, awaiting, state)?);
                let parameters = BTreeMap::from([
                    ("USERNAME".to_string(), user.username.clone()),
                    ("CREDENTIAL_REQUEST_OPTIONS".to_string(), options),
                ]);
                Ok(AuthOutcome::Challenge { name: factor, session, parameters })
            }
        }
    }

    /// The WEB_AUTHN challenge answered with `CREDENTIAL` (the assertion's JSON): a passkey with
    /// user verification is a sign-in of its own, so no MFA step follows.
    pub(super) async fn answer_web_authn(
        &self,
        pool: &UserPool,
        client: &Client,
        s: &ChallengeSession,
        mut user: User,
        responses: &Params<'_>,
    ) -> Result<AuthOutcome> {
        let credential = responses.required("CREDENTIAL")?;
        let state = s.passkey_state().ok_or_else(super::session::expired_session)?;
        self.finish_passkey_sign_in(pool, &mut user, state, credential).await?;
        self.claim_session(s).await?;
        if !user.is_enabled {
            return Err(Error::user_disabled());
        }
        if user.status == UserStatus::Unconfirmed {
            return Err(Error::UserNotConfirmed("User is not confirmed.".into()));
        }
        self.finish(pool, client, &user, super::finish::DeviceUse::New, super::Scopes::Api).await
    }
}
