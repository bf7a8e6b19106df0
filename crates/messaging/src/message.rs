//! The message a caller hands to the `Messenger`: channel, recipient, rendered text, and the pool and
//! purpose it belongs to (for the SMS gateway and the outbox).

use std::fmt;

use serde::Serialize;

/// The subject of an email whose [`Message::subject`] is `None`.
pub const DEFAULT_SUBJECT: &str = "Your verification code";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub channel: Channel,
    /// An email address, or an E.164 phone number for SMS.
    pub to: String,
    /// Email subject; [`DEFAULT_SUBJECT`] when `None`. Ignored for SMS.
    pub subject: Option<String>,
    /// The rendered text (see [`render`](crate::render)); HTML is sent as such for email.
    pub body: String,
    /// Email `From` override, e.g. the pool's `EmailConfiguration.From`. Ignored for SMS.
    pub from: Option<String>,
    pub pool_id: String,
    /// What the message is for: `signup`, `forgot_password`, `invitation`, `verify:email`, …
    pub purpose: String,
}

impl Message {
    /// An email with the default subject and `From`.
    pub fn email(
        to: impl Into<String>,
        body: impl Into<String>,
        pool_id: impl Into<String>,
        purpose: impl Into<String>,
    ) -> Message {
        Message::new(Channel::Email, to, body, pool_id, purpose)
    }

    /// An SMS.
    pub fn sms(
        to: impl Into<String>,
        body: impl Into<String>,
        pool_id: impl Into<String>,
        purpose: impl Into<String>,
    ) -> Message {
        Message::new(Channel::Sms, to, body, pool_id, purpose)
    }

    fn new(
        channel: Channel,
        to: impl Into<String>,
        body: impl Into<String>,
        pool_id: impl Into<String>,
        purpose: impl Into<String>,
    ) -> Message {
        Message {
            channel,
            to: to.into(),
            subject: None,
            body: body.into(),
            from: None,
            pool_id: pool_id.into(),
            purpose: purpose.into(),
        }
    }

    /// Sets the email subject.
    pub fn with_subject(mut self, subject: impl Into<String>) -> Message {
        self.subject = Some(subject.into());
        self
    }

    /// Sets the email `From` override.
    pub fn with_from(mut self, from: impl Into<String>) -> Message {
        self.from = Some(from.into());
        self
    }
}
