//! One-time codes (sign-up confirmation, password reset, attribute verification) and their
//! delivery. Codes are six digits, stored only as an HMAC under the deployment secret, single use,
//! expire (24 hours, one hour for password resets), allow a few wrong guesses and a few sends per
//! hour. Messages use the pool's templates (`{####}`, `{username}`) and go out through
//! `cognate-messaging` (SMTP, the SMS webhook, the development outbox).

use cognate_messaging::{Channel, Message};
use cognate_store::CodeRow;
use hmac::{Hmac, Mac as _};
use rand::Rng as _;
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use crate::Domain;
use crate::error::{Error, Result};
use crate::limits::Subject;
use crate::pools::UserPool;
use crate::users::{User, mask};

/// The answer to a wrong code.
pub(crate) fn code_mismatch() -> Error {
    Error::CodeMismatch("Invalid verification code provided, please try again.".into())
}

/// What a code is for; also its store key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    SignUp,
    ForgotPassword,
    Verify(String),
}

impl Purpose {
    pub(crate) fn key(&self) -> String {
        match self {
            Purpose::SignUp => "signup".into(),
            Purpose::ForgotPassword => "forgot_password".into(),
            Purpose::Verify(attr) => format!("verify:{attr}"),
        }
    }

    fn ttl_ms(&self) -> i64 {
        match self {
            Purpose::ForgotPassword => 3_600_000,
            _ => 86_400_000,
        }
    }
}

/// Where a code went, for `CodeDeliveryDetails`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub destination: String,
    pub medium: &'static str,
    pub attribute: String,
}

/// Which template a message uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    Verification,
    Invitation,
}

impl Domain {
    fn code_hash(&self, pool_id: &str, key: &str, purpose: &str, code: &str) -> Result<String> {
        let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(&self.code_key)
            .map_err(|e| Error::Internal(anyhow::anyhow!("code key: {e}")))?;
        for part in [pool_id, key, purpose, code] {
            mac.update(part.as_bytes());
            mac.update(&[0]);
        }
        Ok(mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Makes and stores a new code for `user`, enforcing the send rate. Returns the code.
    pub async fn issue_code(&self, pool: &UserPool, user: &User, purpose: &Purpose) -> Result<String> {
        let now = self.clock.now_ms();
        let key = purpose.key();
        self.count_code_send(pool, Subject::User(user), &key).await?;
        let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
        let row = CodeRow {
            pool_id: pool.id.clone(),
            username_key: user.key.clone(),
            purpose: key.clone(),
            code_hash: self.code_hash(&pool.id, &user.key, &key, &code)?,
            expires_ms: now + purpose.ttl_ms(),
        };
        self.store.put_code(&row).await?;
        Ok(code)
    }

    /// What `issue_code` costs and counts, for a name no user has (the code goes nowhere).
    pub(crate) async fn issue_decoy_code(&self, pool: &UserPool, name: &str, purpose: &Purpose) -> Result<()> {
        let key = purpose.key();
        self.count_code_send(pool, Subject::Unknown(name), &key).await?;
        // The hash and the write a real code costs, for a key no user can have (usernames hold no
        // control characters), so the store refuses the row (its user is missing) and nothing is
        // stored: a decoy is also used for existing users whose code could go nowhere.
        let user_key = decoy_user_key(name);
        let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
        let row = CodeRow {
            pool_id: pool.id.clone(),
            username_key: user_key.clone(),
            purpose: key.clone(),
            code_hash: self.code_hash(&pool.id, &user_key, &key, &code)?,
            expires_ms: self.clock.now_ms() + purpose.ttl_ms(),
        };
        match self.store.put_code(&row).await {
            Ok(()) | Err(cognate_store::StoreError::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Checks and consumes a code. The guess is counted before it is checked, and the code is
    /// taken from the store by the one request that gets it right.
    pub async fn check_code(&self, pool: &UserPool, user: &User, purpose: &Purpose, code: &str) -> Result<()> {
        let key = purpose.key();
        let guesses = self.admit_code_guess(pool, Subject::User(user), &key).await?;
        let Some(row) = self.store.find_code(&pool.id, &user.key, &key).await? else {
            return Err(code_mismatch());
        };
        let expected = self.code_hash(&pool.id, &user.key, &key, code.trim())?;
        if !bool::from(expected.as_bytes().ct_eq(row.code_hash.as_bytes())) {
            return Err(code_mismatch());
        }
        if row.expires_ms <= self.clock.now_ms() {
            self.store.delete_code(&pool.id, &user.key, &key).await?;
            return Err(Error::ExpiredCode("Invalid code provided, please request a code again.".into()));
        }
        if !self.store.take_code(&pool.id, &user.key, &key, &row.code_hash).await? {
            return Err(code_mismatch());
        }
        self.store.reset_counter(&guesses).await?;
        Ok(())
    }

    /// What `check_code` costs and counts, for a name no user has: a code that never matches.
    pub(crate) async fn check_decoy_code(&self, pool: &UserPool, name: &str, purpose: &Purpose) -> Result<()> {
        let key = purpose.key();
        self.admit_code_guess(pool, Subject::Unknown(name), &key).await?;
        // The read and the hash a known user's wrong code costs.
        let user_key = decoy_user_key(name);
        let _ = self.store.find_code(&pool.id, &user_key, &key).await?;
        let _ = self.code_hash(&pool.id, &user_key, &key, "000000")?;
        Err(code_mismatch())
    }

    /// Sends `code` to the user's `attribute` (`email` or `phone_number`) with the pool's template.
    pub async fn deliver(
        &self,
        pool: &UserPool,
        user: &User,
        attribute: &str,
        template: Template,
        code: &str,
        purpose: &Purpose,
    ) -> Result<Delivery> {
        let (message, delivery) = self.message(pool, user, attribute, template, code, purpose)?;
        self.messenger.send(message).await.map_err(|e| {
            tracing::warn!(error = %e, pool_id = %pool.id, "COGNATE-MSG0001 code delivery failed");
            Error::CodeDeliveryFailure("Unable to deliver the verification code.".into())
        })?;
        Ok(delivery)
    }

    /// Like `deliver`, without waiting for the message to go out or telling whether it did: for
    /// clients that hide user existence, where neither the time a send takes nor its failure may
    /// tell a known user from an unknown one (whose code goes nowhere). Failures are logged.
    pub async fn deliver_detached(
        &self,
        pool: &UserPool,
        user: &User,
        attribute: &str,
        code: &str,
        purpose: &Purpose,
    ) -> Result<Delivery> {
        let (message, delivery) = self.message(pool, user, attribute, Template::Verification, code, purpose)?;
        let (messenger, pool_id) = (self.messenger.clone(), pool.id.clone());
        tokio::spawn(async move {
            if let Err(e) = messenger.send(message).await {
                tracing::warn!(error = %e, %pool_id, "COGNATE-MSG0001 code delivery failed");
            }
        });
        Ok(delivery)
    }

    /// The message carrying `code` to the user's `attribute`, and where it goes.
    fn message(
        &self,
        pool: &UserPool,
        user: &User,
        attribute: &str,
        template: Template,
        code: &str,
        purpose: &Purpose,
    ) -> Result<(Message, Delivery)> {
        let to = user
            .attr(attribute)
            .ok_or_else(|| Error::InvalidParameter(format!("The user has no {attribute} to send a code to.")))?
            .to_string();
        let c = &pool.settings.config;
        let t = c.verification_message_template.clone().unwrap_or_default();
        let invite =
            c.admin_create_user_config.as_ref().and_then(|a| a.invite_message_template.clone()).unwrap_or_default();
        let (channel, subject, body) = match (attribute, template) {
            ("phone_number", Template::Verification) => (
                Channel::Sms,
                None,
                t.sms_message.clone().unwrap_or_else(|| "Your verification code is {####}. ".into()),
            ),
            ("phone_number", Template::Invitation) => (
                Channel::Sms,
                None,
                invite
                    .sms_message
                    .clone()
                    .unwrap_or_else(|| "Your username is {username} and temporary password is {####}. ".into()),
            ),
            (_, Template::Verification) => (
                Channel::Email,
                Some(t.email_subject.clone().unwrap_or_else(|| "Your verification code".into())),
                t.email_message.clone().unwrap_or_else(|| "Your verification code is {####}. ".into()),
            ),
            (_, Template::Invitation) => (
                Channel::Email,
                Some(invite.email_subject.clone().unwrap_or_else(|| "Your temporary password".into())),
                invite
                    .email_message
                    .clone()
                    .unwrap_or_else(|| "Your username is {username} and temporary password is {####}. ".into()),
            ),
        };
        let from = c.email_configuration.as_ref().and_then(|e| e.from.clone());
        let message = Message {
            channel,
            to: to.clone(),
            subject: subject.map(|s| cognate_messaging::render(&s, Some(code), Some(&user.username))),
            body: cognate_messaging::render(&body, Some(code), Some(&user.username)),
            from,
            pool_id: pool.id.clone(),
            purpose: if template == Template::Invitation { "invitation".into() } else { purpose.key() },
        };
        let medium = if channel == Channel::Sms { "SMS" } else { "EMAIL" };
        Ok((message, Delivery { destination: mask(&to), medium, attribute: attribute.to_string() }))
    }
}

/// A user key no user has (usernames hold no control characters): decoys read and write codes
/// under it, and the store finds nothing and keeps nothing.
fn decoy_user_key(name: &str) -> String {
    format!("\u{1}decoy\u{1}{name}")
}
