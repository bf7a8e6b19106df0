//! The messaging configuration: which transports exist (SMTP, SMS gateway) and how large the
//! development outbox is. Plain data; `Debug` never prints passwords or tokens.

use std::fmt;
use std::time::Duration;

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text, for local sinks such as MailHog or Mailpit.
    #[default]
    None,
    /// Connect in plain text and require `STARTTLS` before anything else (usually port 587).
    StartTls,
    /// Implicit TLS from the first byte (usually port 465).
    Tls,
}

/// An SMTP relay for email.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The default `From` mailbox (`"Name <addr@example.com>"` or a bare address), used when a message has
    /// no `from` of its own.
    pub from: String,
    /// Connection and command timeout.
    pub timeout: Duration,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// An HTTP SMS gateway; see the crate documentation for the JSON it receives.
#[derive(Clone)]
pub struct SmsConfig {
    pub url: String,
    /// Sent as `Authorization: Bearer <token>` when present.
    pub bearer_token: Option<String>,
    /// Whole-request timeout.
    pub timeout: Duration,
}

impl fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsConfig")
            .field("url", &"<redacted>")
            .field("bearer_token", &self.bearer_token.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Everything a [`Messenger`](crate::Messenger) is built from. The default has no transport and no
/// outbox, so every send fails with [`SendError::NotConfigured`](crate::SendError::NotConfigured).
#[derive(Clone, Debug, Default)]
pub struct MessagingConfig {
    pub smtp: Option<SmtpConfig>,
    pub sms: Option<SmsConfig>,
    /// How many recent messages the development outbox keeps; 0 turns it off.
    pub outbox_capacity: usize,
}
