//! The password as first factor: USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH (and its legacy
//! name ADMIN_NO_SRP_AUTH), the PASSWORD challenge of choice-based sign-in, and what follows any
//! proven password: the user's status (unconfirmed, reset required, a new password required),
//! a remembered device, the MFA step, or tokens. Enforces the client's ExplicitAuthFlows,
//! SECRET_HASH, disabled users, PreventUserExistenceErrors and the lockout after failed passwords.

use super::finish::{DeviceUse, Scopes};
use super::session::ChallengeSession;
use super::{AuthOutcome, Awaiting, Challenge, Flow, Params, attempts_exceeded, incorrect};
use crate::Domain;
use crate::clients::Client;
use crate::error::{Error, Result};
use crate::limits::{Limit, Subject};
use crate::pools::UserPool;
use crate::users::{User, UserStatus};
use std::collections::BTreeMap;

impl Domain {
    /// USER_PASSWORD_AUTH (InitiateAuth) and ADMIN_USER_PASSWORD_AUTH (AdminInitiateAuth).
    pub(super) async fn password_flow(
        &self,
        pool: &UserPool,
        client: &Client,
        flow: Flow,
        params: &Params<'_>,
        is_admin: bool,
    ) -> Result<AuthOutcome> {
        let (allow, legacy) = match (flow, is_admin) {
            (Flow::AdminUserPassword, true) => ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"),
            (Flow::UserPassword, false) => ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"),
            (Flow::AdminUserPassword | Flow::UserPassword, _)
            | (Flow::RefreshToken | Flow::UserSrp | Flow::UserAuth | Flow::CustomAuth, _) => {
                return Err(Error::invalid(format!("Invalid AuthFlow {} for this operation.", flow.as_str())));
            }
        };
        if !client.allows(allow, Some(legacy)) {
            return Err(Error::invalid(format!("{} flow not enabled for this client", flow.as_str())));
        }
        let username = params.required("USERNAME")?;
        let password = params.required("PASSWORD")?;
        client.check_secret_hash(username, params.get("SECRET_HASH"))?;
        let user = self.user_for_sign_in(pool, client, username, Some(password)).await?;
        self.check_password(pool, &user, password).await?;
        self.after_password(pool, client, user, params.get("DEVICE_KEY")).await
    }

    /// A username and password as the hosted sign-in page takes them (no device, no SECRET_HASH).
    pub(super) async fn password_first_factor(
        &self,
        pool: &UserPool,
        client: &Client,
        username: &str,
        password: &str,
    ) -> Result<AuthOutcome> {
        let user = self.user_for_sign_in(pool, client, username, Some(password)).await?;
        self.check_password(pool, &user, password).await?;
        self.after_password(pool, client, user, None).await
    }

    /// The user to sign in, or the Cognito error for an unknown one. When the client hides user
    /// existence, an unknown name with a password costs the same work (a counted guess and a
    /// hash) and meets the same lockout as a known one.
    async fn user_for_sign_in(
        &self,
        pool: &UserPool,
        client: &Client,
        username: &str,
        password: Option<&str>,
    ) -> Result<User> {
        if let Some(u) = self.find_user(pool, username).await? {
            return Ok(u);
        }
        if !client.prevents_user_existence_errors() {
            if let Some(p) = password {
                self.passwords.verify(p, None).await?;
            }
            return Err(Error::UserNotFound("User does not exist.".into()));
        }
        if let Some(p) = password {
            self.decoy_password(pool, username, p).await?;
        }
        Err(incorrect())
    }

    /// Verifies a password under the lockout: the guess is counted before the hash is checked.
    pub(super) async fn check_password(&self, pool: &UserPool, user: &User, password: &str) -> Result<()> {
        let admitted = self.admit_guess(pool, Subject::User(user), Limit::Password, attempts_exceeded).await?;
        let is_right = self.passwords.verify(password, user.password_hash.as_deref()).await?;
        self.settle_guess(admitted, is_right, incorrect(), attempts_exceeded).await
    }

    /// The PASSWORD challenge of choice-based sign-in.
    pub(super) async fn answer_password(
        &self,
        pool: &UserPool,
        client: &Client,
        s: &ChallengeSession,
        user: User,
        responses: &Params<'_>,
    ) -> Result<AuthOutcome> {
        let password = responses.required("PASSWORD")?;
        self.check_password(pool, &user, password).await?;
        self.claim_session(s).await?;
        self.after_password(pool, client, user, responses.get("DEVICE_KEY")).await
    }

    /// After a correct password: status checks, then tokens or the next challenge.
    pub(super) async fn after_password(
        &self,
        pool: &UserPool,
        client: &Client,
        user: User,
        device_key: Option<&str>,
    ) -> Result<AuthOutcome> {
        if !user.is_enabled {
            return Err(Error::user_disabled());
        }
        match user.status {
            UserStatus::Unconfirmed => Err(Error::UserNotConfirmed("User is not confirmed.".into())),
            UserStatus::ResetRequired => {
                Err(Error::PasswordResetRequired("Password reset required for the user".into()))
            }
            UserStatus::ForceChangePassword => self.new_password_challenge(pool, client, &user),
            UserStatus::Confirmed | UserStatus::ExternalProvider => {
                // A remembered device proves itself instead of MFA.
                if let Some(key) = device_key
                    && let Ok(device) = self.get_device(pool, &user, key).await
                    && device.is_remembered()
                {
                    let challenge = Challenge::DeviceSrpAuth;
                    let session = Some(self.seal_challenge(pool, client, &user, Awaiting::Challenge(challenge))?);
                    let parameters = BTreeMap::from([
                        ("USERNAME".to_string(), user.username.clone()),
                        ("DEVICE_KEY".to_string(), device.key),
                    ]);
                    return Ok(AuthOutcome::Challenge { name: challenge, session, parameters });
                }
                if let Some(step) = self.mfa_step(pool, client, &user).await? {
                    return Ok(step);
                }
                self.finish(pool, client, &user, DeviceUse::New, Scopes::Api).await
            }
        }
    }
}
