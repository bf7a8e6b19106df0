//! Account life cycle: sign-up and confirmation, admin-created users with temporary passwords and
//! invitations, password changes and resets, and attribute verification — each with Cognito's
//! status transitions and messages.

use cognate_model::cognito_idp as m;

use crate::Domain;
use crate::clients::Client;
use crate::codes::{Delivery, Purpose, Template, code_mismatch};
use crate::error::{Error, Result};
use crate::limits::Subject;
use crate::passwords::{check_policy, temporary_password};
use crate::pools::UserPool;
use crate::users::{NewUser, User, UserStatus, Writer, apply_attributes};

/// AdminCreateUser's options.
#[derive(Clone, Debug, Default)]
pub struct AdminCreate {
    pub username: String,
    pub attributes: Vec<(String, String)>,
    pub temporary_password: Option<String>,
    /// `RESEND` re-sends the invitation to an existing user; `SUPPRESS` sends nothing.
    pub message_action: Option<m::MessageActionType>,
    pub delivery: Vec<m::DeliveryMediumType>,
}

impl UserPool {
    fn password_policy(&self) -> Option<&m::PasswordPolicyType> {
        self.settings.config.policies.as_ref().and_then(|p| p.password_policy.as_ref())
    }

    /// The attribute a sign-up code goes to: phone if auto-verified and present, else email.
    fn verification_channel(&self, user: &User) -> Option<&'static str> {
        ["phone_number", "email"].into_iter().find(|a| self.is_auto_verified(a) && user.attr(a).is_some())
    }
}

impl Domain {
    fn check_password_policy(pool: &UserPool, password: &str) -> Result<()> {
        check_policy(pool.password_policy(), password).map_err(Error::InvalidPassword)
    }

    pub async fn sign_up(
        &self,
        pool: &UserPool,
        client: &Client,
        username: &str,
        password: &str,
        attributes: Vec<(String, String)>,
    ) -> Result<(User, Option<Delivery>)> {
        if pool.settings.config.admin_create_user_config.as_ref().and_then(|a| a.allow_admin_create_user_only)
            == Some(true)
        {
            return Err(Error::NotAuthorized("SignUp is not permitted for this user pool".into()));
        }
        Self::check_password_policy(pool, password)?;
        let input = NewUser {
            username: username.to_string(),
            attributes,
            password: Some(password.to_string()),
            status: UserStatus::Unconfirmed,
            temporary_password_expires_ms: None,
        };
        let user = self.create_user(pool, input, Writer::Client(client)).await?;
        let delivery = match pool.verification_channel(&user) {
            Some(attr) => {
                let code = self.issue_code(pool, &user, &Purpose::SignUp).await?;
                Some(self.deliver(pool, &user, attr, Template::Verification, &code, &Purpose::SignUp).await?)
            }
            None => None,
        };
        Ok((user, delivery))
    }

    /// ConfirmSignUp. When the client hides user existence, an unknown name and a user who is
    /// not UNCONFIRMED get what a wrong code gets (counted against the guesses).
    pub async fn confirm_sign_up(&self, pool: &UserPool, client: &Client, username: &str, code: &str) -> Result<User> {
        let hides = client.prevents_user_existence_errors();
        let mut user = match self.find_user(pool, username).await? {
            Some(u) => u,
            None if hides => {
                self.check_decoy_code(pool, username, &Purpose::SignUp).await?;
                return Err(code_mismatch());
            }
            None => return Err(Error::UserNotFound("Username/client id combination not found.".into())),
        };
        if user.status != UserStatus::Unconfirmed {
            if hides {
                self.admit_code_guess(pool, Subject::User(&user), &Purpose::SignUp.key()).await?;
                return Err(code_mismatch());
            }
            return Err(Error::NotAuthorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.status.as_str()
            )));
        }
        self.check_code(pool, &user, &Purpose::SignUp, code).await?;
        user.status = UserStatus::Confirmed;
        if let Some(attr) = pool.verification_channel(&user) {
            user.attributes.insert(format!("{attr}_verified"), "true".into());
        }
        self.save_user(pool, &mut user).await?;
        Ok(user)
    }

    /// ResendConfirmationCode. When the client hides user existence, a name without an
    /// unconfirmed user to send to gets a plausible delivery (and the same send limit).
    pub async fn resend_confirmation_code(&self, pool: &UserPool, client: &Client, username: &str) -> Result<Delivery> {
        let hides = client.prevents_user_existence_errors();
        let user = match self.find_user(pool, username).await? {
            Some(u) => u,
            None if hides => return self.decoy_resend_confirmation(pool, username).await,
            None => return Err(Error::UserNotFound("Username/client id combination not found.".into())),
        };
        if user.status != UserStatus::Unconfirmed {
            if hides {
                return self.decoy_resend_confirmation(pool, username).await;
            }
            return Err(Error::invalid("User is already confirmed."));
        }
        let Some(attr) = pool.verification_channel(&user) else {
            if hides {
                return self.decoy_resend_confirmation(pool, username).await;
            }
            return Err(Error::invalid("Auto verification not turned on."));
        };
        let code = self.issue_code(pool, &user, &Purpose::SignUp).await?;
        if hides {
            return self.deliver_detached(pool, &user, attr, &code, &Purpose::SignUp).await;
        }
        self.deliver(pool, &user, attr, Template::Verification, &code, &Purpose::SignUp).await
    }

    pub async fn admin_confirm_sign_up(&self, pool: &UserPool, username: &str) -> Result<()> {
        let mut user = self.get_user(pool, username).await?;
        if user.status != UserStatus::Unconfirmed {
            return Err(Error::NotAuthorized(format!(
                "User cannot be confirmed. Current status is {}",
                user.status.as_str()
            )));
        }
        user.status = UserStatus::Confirmed;
        self.save_user(pool, &mut user).await
    }

    /// AdminCreateUser: a FORCE_CHANGE_PASSWORD user with a temporary password, invited by the
    /// chosen media unless suppressed.
    pub async fn admin_create_user(&self, pool: &UserPool, input: AdminCreate) -> Result<User> {
        let validity_days = pool.password_policy().and_then(|p| p.temporary_password_validity_days).unwrap_or(7);
        let expires = self.clock.now_ms() + i64::from(validity_days) * 86_400_000;
        let temp = match &input.temporary_password {
            Some(p) => {
                Self::check_password_policy(pool, p)?;
                p.clone()
            }
            None => temporary_password(pool.password_policy()),
        };
        let user = if input.message_action == Some(m::MessageActionType::Resend) {
            let mut user = self.get_user(pool, &input.username).await?;
            if user.status != UserStatus::ForceChangePassword {
                return Err(Error::UnsupportedOperation("Resend not possible. User has already signed in.".into()));
            }
            self.set_password(pool, &mut user, &temp).await?;
            user.extra.temporary_password_expires_ms = Some(expires);
            self.save_user(pool, &mut user).await?;
            user
        } else {
            let new = NewUser {
                username: input.username.clone(),
                attributes: input.attributes.clone(),
                password: Some(temp.clone()),
                status: UserStatus::ForceChangePassword,
                temporary_password_expires_ms: Some(expires),
            };
            self.create_user(pool, new, Writer::Admin).await?
        };
        if input.message_action != Some(m::MessageActionType::Suppress) {
            let media =
                if input.delivery.is_empty() { vec![m::DeliveryMediumType::Sms] } else { input.delivery.clone() };
            for medium in media {
                let attr = if medium == m::DeliveryMediumType::Email { "email" } else { "phone_number" };
                if user.attr(attr).is_some() {
                    self.deliver(pool, &user, attr, Template::Invitation, &temp, &Purpose::SignUp).await?;
                }
            }
        }
        Ok(user)
    }

    /// AdminSetUserPassword.
    pub async fn admin_set_user_password(
        &self,
        pool: &UserPool,
        username: &str,
        password: &str,
        is_permanent: bool,
    ) -> Result<()> {
        let mut user = self.get_user(pool, username).await?;
        Self::check_password_policy(pool, password)?;
        self.set_password(pool, &mut user, password).await?;
        if is_permanent {
            user.status = UserStatus::Confirmed;
            user.extra.temporary_password_expires_ms = None;
        } else {
            user.status = UserStatus::ForceChangePassword;
            let days = pool.password_policy().and_then(|p| p.temporary_password_validity_days).unwrap_or(7);
            user.extra.temporary_password_expires_ms = Some(self.clock.now_ms() + i64::from(days) * 86_400_000);
        }
        self.save_user(pool, &mut user).await?;
        self.clear_password_failures(pool, &user).await
    }

    /// ChangePassword (with an access token).
    pub async fn change_password(
        &self,
        pool: &UserPool,
        user: &mut User,
        previous: &str,
        proposed: &str,
    ) -> Result<()> {
        if !self.passwords.verify(previous, user.password_hash.as_deref()).await? {
            return Err(Error::NotAuthorized("Incorrect username or password.".into()));
        }
        Self::check_password_policy(pool, proposed)?;
        self.set_password(pool, user, proposed).await?;
        self.save_user(pool, user).await
    }

    /// The verified channel a password-reset code goes to, by the pool's AccountRecoverySetting.
    fn recovery_channel(pool: &UserPool, user: &User) -> Option<&'static str> {
        let order: Vec<&'static str> = match &pool.settings.config.account_recovery_setting {
            Some(s) => {
                let mut mechanisms = s.recovery_mechanisms.clone().unwrap_or_default();
                mechanisms.sort_by_key(|r| r.priority);
                mechanisms
                    .iter()
                    .filter_map(|r| match r.name {
                        m::RecoveryOptionNameType::VerifiedEmail => Some("email"),
                        m::RecoveryOptionNameType::VerifiedPhoneNumber => Some("phone_number"),
                        _ => None,
                    })
                    .collect()
            }
            None => vec!["phone_number", "email"],
        };
        order.into_iter().find(|a| user.attr(a).is_some() && user.is_verified(a))
    }

    /// ForgotPassword. When the client hides user existence, a name whose code could go nowhere
    /// (no such user, disabled, nothing verified to send to) gets a plausible delivery and the
    /// same send limit.
    pub async fn forgot_password(&self, pool: &UserPool, client: &Client, name: &str) -> Result<Delivery> {
        let hides = client.prevents_user_existence_errors();
        let user = match self.find_user(pool, name).await? {
            Some(u) => u,
            None if hides => return self.decoy_forgot_password(pool, name).await,
            None => return Err(Error::UserNotFound("Username/client id combination not found.".into())),
        };
        if !user.is_enabled {
            if hides {
                return self.decoy_forgot_password(pool, name).await;
            }
            return Err(Error::user_disabled());
        }
        let Some(attr) = Self::recovery_channel(pool, &user) else {
            if hides {
                return self.decoy_forgot_password(pool, name).await;
            }
            return Err(Error::invalid(
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            ));
        };
        let code = self.issue_code(pool, &user, &Purpose::ForgotPassword).await?;
        if hides {
            return self.deliver_detached(pool, &user, attr, &code, &Purpose::ForgotPassword).await;
        }
        self.deliver(pool, &user, attr, Template::Verification, &code, &Purpose::ForgotPassword).await
    }

    /// ConfirmForgotPassword. The new password is checked against the policy first (it says
    /// nothing about the user, and a bad one must not use up the code); when the client hides user
    /// existence, an unknown name gets what a wrong code gets.
    pub async fn confirm_forgot_password(
        &self,
        pool: &UserPool,
        client: &Client,
        username: &str,
        code: &str,
        password: &str,
    ) -> Result<()> {
        Self::check_password_policy(pool, password)?;
        let mut user = match self.find_user(pool, username).await? {
            Some(u) => u,
            None if client.prevents_user_existence_errors() => {
                self.check_decoy_code(pool, username, &Purpose::ForgotPassword).await?;
                return Err(code_mismatch());
            }
            None => return Err(Error::UserNotFound("Username/client id combination not found.".into())),
        };
        self.check_code(pool, &user, &Purpose::ForgotPassword, code).await?;
        self.set_password(pool, &mut user, password).await?;
        if matches!(user.status, UserStatus::ResetRequired | UserStatus::ForceChangePassword) {
            user.status = UserStatus::Confirmed;
        }
        self.save_user(pool, &mut user).await?;
        self.clear_password_failures(pool, &user).await
    }

    /// AdminResetUserPassword: the user must reset before signing in again.
    pub async fn admin_reset_user_password(&self, pool: &UserPool, username: &str) -> Result<()> {
        let mut user = self.get_user(pool, username).await?;
        if let Some(attr) = Self::recovery_channel(pool, &user) {
            let code = self.issue_code(pool, &user, &Purpose::ForgotPassword).await?;
            self.deliver(pool, &user, attr, Template::Verification, &code, &Purpose::ForgotPassword).await?;
        } else {
            return Err(Error::invalid(
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            ));
        }
        user.status = UserStatus::ResetRequired;
        self.save_user(pool, &mut user).await
    }

    /// Updates attributes; changed emails and phones that the pool auto-verifies get a code.
    pub async fn update_attributes(
        &self,
        pool: &UserPool,
        user: &mut User,
        changes: &[(String, String)],
        writer: Writer<'_>,
    ) -> Result<Vec<Delivery>> {
        let before = user.attributes.clone();
        apply_attributes(pool, user, changes, writer, false)?;
        self.save_user(pool, user).await?;
        let mut deliveries = Vec::new();
        if matches!(writer, Writer::Client(_)) {
            for attr in ["email", "phone_number"] {
                let changed = user.attributes.get(attr) != before.get(attr) && user.attributes.contains_key(attr);
                if changed && pool.is_auto_verified(attr) {
                    let purpose = Purpose::Verify(attr.into());
                    let code = self.issue_code(pool, user, &purpose).await?;
                    deliveries.push(self.deliver(pool, user, attr, Template::Verification, &code, &purpose).await?);
                }
            }
        }
        Ok(deliveries)
    }

    pub async fn attribute_verification_code(&self, pool: &UserPool, user: &User, attr: &str) -> Result<Delivery> {
        if attr != "email" && attr != "phone_number" {
            return Err(Error::invalid(format!("Cannot verify attribute {attr}.")));
        }
        if user.attr(attr).is_none() {
            return Err(Error::invalid(format!("The user has no {attr} to verify.")));
        }
        let purpose = Purpose::Verify(attr.into());
        let code = self.issue_code(pool, user, &purpose).await?;
        self.deliver(pool, user, attr, Template::Verification, &code, &purpose).await
    }

    pub async fn verify_attribute(&self, pool: &UserPool, user: &mut User, attr: &str, code: &str) -> Result<()> {
        self.check_code(pool, user, &Purpose::Verify(attr.into()), code).await?;
        user.attributes.insert(format!("{attr}_verified"), "true".into());
        self.save_user(pool, user).await
    }
}
