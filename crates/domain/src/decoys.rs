//! What an unknown user looks like when the app client hides user existence
//! (`PreventUserExistenceErrors: ENABLED`): the same response shapes, codes, limits and work as a
//! known user gets, built from a keyed hash of the name so that they are stable across attempts.
//! A decoy can only ever fail, and only where a known user could fail too (a wrong password, a
//! wrong code, a limit).
//!
//! Covered here: the keyed hash decoys are drawn from, plausible destinations, ForgotPassword /
//! ResendConfirmationCode (a plausible masked destination; the send limit), ConfirmForgotPassword
//! / ConfirmSignUp (the guess limit and CodeMismatch). Sign-in decoys (password, SRP, choice-based
//! sign-in) are in `signin::decoys` and `signin::srp`.

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use crate::Domain;
use crate::codes::{Delivery, Purpose};
use crate::error::{Error, Result};
use crate::pools::UserPool;
use crate::users::mask;

/// Where a decoy code "goes".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Channel {
    Email,
    Sms,
}

impl Channel {
    /// The attribute a code on this channel goes to.
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "phone_number",
        }
    }
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

    /// A keyed hash of a name in a pool: the same at every attempt, unknowable without the
    /// deployment secret. Decoys for unknown users are derived from it.
    pub(crate) fn decoy_seed(&self, pool: &UserPool, purpose: &str, name: &str) -> Result<[u8; 32]> {
        let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(&self.code_key)
            .map_err(|e| Error::Internal(anyhow::anyhow!("decoy key: {e}")))?;
        for part in [purpose, pool.id.as_str(), pool.username_key(name).as_str()] {
            mac.update(part.as_bytes());
            mac.update(&[0]);
        }
        Ok(mac.finalize().into_bytes().into())
    }

    /// The USER_ID_FOR_SRP an unknown name gets: where a known user's would be an internal ID
    /// rather than the name typed (email or phone as username or alias), a stable UUID-shaped
    /// decoy; otherwise the name itself, as a known user's username is.
    pub(crate) fn decoy_user_id(&self, pool: &UserPool, name: &str) -> Result<String> {
        let is_alias_shaped = (name.contains('@') && pool.has_alias("email"))
            || (name.starts_with('+') && pool.has_alias("phone_number"));
        if pool.settings.username_attributes.is_empty() && !is_alias_shaped {
            return Ok(name.to_string());
        }
        let seed = self.decoy_seed(pool, "user-id", name)?;
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&seed[..16]);
        Ok(uuid::Builder::from_random_bytes(bytes).into_uuid().to_string())
    }
}
