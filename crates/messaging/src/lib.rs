//! Message delivery for Cognito's codes and invitations: sign-up and attribute verification codes,
//! forgot-password codes, MFA codes and admin invitations. This crate owns the transports (email over
//! SMTP, SMS through an HTTP gateway), the development outbox, and Cognito's template placeholders. It
//! knows nothing about user pools or the store: callers render a [`Message`] and hand it to a
//! [`Messenger`].
//!
//! # Transports
//!
//! - **Email** goes over SMTP with `lettre` ([`SmtpConfig`]): plain (for local sinks such as MailHog),
//!   required STARTTLS, or implicit TLS (port 465), with credentials when given. The `From` is
//!   [`Message::from`] (a pool's `EmailConfiguration.From`) or [`SmtpConfig::from`]. A body that looks like
//!   HTML is sent as `text/html`, anything else as `text/plain`. The subject defaults to
//!   [`DEFAULT_SUBJECT`].
//! - **SMS** is handed to any HTTP gateway ([`SmsConfig`]). This is the contract for plugging one in:
//!
//!   ```text
//!   POST <SmsConfig::url>
//!   Content-Type: application/json
//!   Authorization: Bearer <SmsConfig::bearer_token>      (only when a token is configured)
//!
//!   {"to": "+15555550100", "body": "Your code is 123456", "poolId": "us-east-1_AbCdEf123", "purpose": "signup"}
//!   ```
//!
//!   `to` is the E.164 phone number, `body` the rendered text, `poolId` the user pool and `purpose` what
//!   the message is for (`signup`, `forgot_password`, `invitation`, `verify:phone_number`, …). Any 2xx
//!   response means the gateway took the message; anything else (or no answer within
//!   [`SmsConfig::timeout`]) is a [`SendError::Delivery`].
//!
//! # Development outbox
//!
//! With [`MessagingConfig::outbox_capacity`] above zero, every message is also kept in a bounded
//! in-memory ring ([`Messenger::outbox`]) and logged at `info`, body included — showing the code is the
//! whole point of the outbox, so it is a development feature and off by default. A channel without a
//! transport then still "sends" (into the outbox only); without transport and outbox, sending fails with
//! [`SendError::NotConfigured`].
//!
//! # Secrets
//!
//! SMTP passwords and gateway tokens are never logged and never printed by `Debug`. Transport failures
//! are logged with detail (`COGNATE-MSG…` codes) and returned with a generic message.

mod config;
mod email;
mod error;
mod message;
mod messenger;
mod outbox;
mod sms;
mod template;

#[cfg(feature = "testing")]
pub mod testing;

pub use config::{MessagingConfig, SmsConfig, SmtpConfig, SmtpTls};
pub use error::SendError;
pub use message::{Channel, DEFAULT_SUBJECT, Message};
pub use messenger::Messenger;
pub use outbox::OutboxEntry;
pub use template::render;
