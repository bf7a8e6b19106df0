//! NEW_PASSWORD_REQUIRED: a user created by an administrator (FORCE_CHANGE_PASSWORD) signs in with
//! the temporary password and must choose a new one, giving any required attribute still missing.

use std::collections::BTreeMap;

use super::session::ChallengeSession;
use super::{AuthOutcome, Awaiting, Challenge, Params};
use crate::Domain;
use crate::clients::Client;
use crate::error::{Error, Result};
use crate::passwords::check_policy;
use crate::pools::UserPool;
use crate::users::{User, UserStatus, Writer, apply_attributes};

impl Domain {
    /// The challenge, unless the temporary password has expired.
    pub(super) fn new_password_challenge(&self, pool: &UserPool, client: &Client, user: &User) -> Result<AuthOutcome> {
        let now = self.clock.now_ms();
        if user.extra.temporary_password_expires_ms.is_some_and(|e| e <= now) {
            return Err(Error::NotAuthorized(
                "Temporary password has expired and must be reset by an administrator.".into(),
            ));
        }
        let challenge = Challenge::NewPasswordRequired;
        let session = Some(self.seal_challenge(pool, client, user, Awaiting::Challenge(challenge))?);
        let visible: BTreeMap<&String, &String> = user
            .attributes
            .iter()
            .filter(|(k, _)| k.as_str() != "sub" && !k.ends_with("_verified") && !k.starts_with("dev:"))
            .collect();
        let required: Vec<String> = pool
            .settings
            .schema
            .iter()
            .filter(|a| a.required == Some(true))
            .filter_map(|a| a.name.clone())
            .filter(|n| n != "sub" && !user.attributes.contains_key(n))
            .map(|n| format!("userAttributes.{n}"))
            .collect();
        let parameters = BTreeMap::from([
            ("USER_ID_FOR_SRP".to_string(), user.username.clone()),
            ("requiredAttributes".to_string(), serde_json::to_string(&required).unwrap_or_else(|_| "[]".into())),
            ("userAttributes".to_string(), serde_json::to_string(&visible).unwrap_or_else(|_| "{}".into())),
        ]);
        Ok(AuthOutcome::Challenge { name: challenge, session, parameters })
    }

    /// The answer: a new password that meets the policy, and the attributes it brings.
    pub(super) async fn answer_new_password(
        &self,
        pool: &UserPool,
        client: &Client,
        s: &ChallengeSession,
        mut user: User,
        responses: &Params<'_>,
    ) -> Result<AuthOutcome> {
        let new_password = responses.required("NEW_PASSWORD")?;
        let policy = pool.settings.config.policies.as_ref().and_then(|p| p.password_policy.as_ref());
        check_policy(policy, new_password).map_err(Error::InvalidPassword)?;
        let changes: Vec<(String, String)> = responses
            .0
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("userAttributes.").map(|n| (n.to_string(), v.clone())))
            .collect();
        apply_attributes(pool, &mut user, &changes, Writer::Client(client), false)?;
        crate::users::check_required(pool, &user)?;
        self.claim_session(s).await?;
        self.set_password(pool, &mut user, new_password).await?;
        user.status = UserStatus::Confirmed;
        user.extra.temporary_password_expires_ms = None;
        self.save_user(pool, &mut user).await?;
        self.after_password(pool, client, user, responses.get("DEVICE_KEY")).await
    }
}
