//! `Messenger`: the one handle callers use. It owns the transports built from `MessagingConfig` and the
//! development outbox, and routes each message to its channel's transport and to the outbox.

use std::fmt;
use std::sync::Arc;

use crate::config::MessagingConfig;
use crate::email::SmtpTransport;
use crate::error::SendError;
use crate::message::{Channel, Message};
use crate::outbox::{Outbox, OutboxEntry};
use crate::sms::SmsTransport;

/// Sends messages; cheap to clone (the transports and the outbox are shared).
#[derive(Clone)]
pub struct Messenger {
    inner: Arc<Inner>,
}

struct Inner {
    smtp: Option<SmtpTransport>,
    sms: Option<SmsTransport>,
    outbox: Option<Outbox>,
}

impl Messenger {
    /// Builds the transports once. Fails on an unusable configuration (an invalid `From` mailbox or
    /// gateway URL, TLS that cannot be set up); nothing is contacted yet.
    pub fn new(config: MessagingConfig) -> Result<Messenger, SendError> {
        let smtp = config.smtp.as_ref().map(SmtpTransport::new).transpose()?;
        let sms = config.sms.as_ref().map(SmsTransport::new).transpose()?;
        let outbox = Outbox::new(config.outbox_capacity);
        Ok(Messenger { inner: Arc::new(Inner { smtp, sms, outbox }) })
    }

    /// A messenger with no transport and no outbox: every send is `NotConfigured`.
    pub fn disabled() -> Messenger {
        Messenger { inner: Arc::new(Inner { smtp: None, sms: None, outbox: None }) }
    }

    /// Delivers `msg` through its channel's transport and keeps it in the outbox when there is one.
    ///
    /// - transport configured: its result (the message is kept in the outbox either way, with
    ///   `delivered` telling whether the transport took it);
    /// - no transport but an outbox: `Ok(())`, kept with `delivered: false`;
    /// - neither: [`SendError::NotConfigured`].
    pub async fn send(&self, msg: Message) -> Result<(), SendError> {
        let result = match msg.channel {
            Channel::Email => match &self.inner.smtp {
                Some(smtp) => Some(smtp.send(&msg).await),
                None => None,
            },
            Channel::Sms => match &self.inner.sms {
                Some(sms) => Some(sms.send(&msg).await),
                None => None,
            },
        };
        if matches!(result, Some(Ok(()))) {
            tracing::debug!(channel = %msg.channel, purpose = %msg.purpose, pool_id = %msg.pool_id, "message delivered");
        }
        match (&self.inner.outbox, result) {
            (Some(outbox), result) => {
                outbox.record(msg, matches!(result, Some(Ok(()))));
                result.unwrap_or(Ok(()))
            }
            (None, Some(result)) => result,
            (None, None) => Err(SendError::NotConfigured(msg.channel)),
        }
    }

    /// The development outbox: the most recent messages (newest last), at most `outbox_capacity`.
    /// Empty when the outbox is off.
    pub fn outbox(&self) -> Vec<OutboxEntry> {
        self.inner.outbox.as_ref().map(Outbox::entries).unwrap_or_default()
    }

    pub fn outbox_enabled(&self) -> bool {
        self.inner.outbox.is_some()
    }

    /// Whether `send` can succeed for `channel` at all: a transport or the outbox takes it.
    pub fn can_send(&self, channel: Channel) -> bool {
        self.has_transport(channel) || self.outbox_enabled()
    }

    /// Whether a real transport is configured for `channel`.
    pub fn has_transport(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.inner.smtp.is_some(),
            Channel::Sms => self.inner.sms.is_some(),
        }
    }
}

impl fmt::Debug for Messenger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Messenger")
            .field("smtp", &self.inner.smtp.is_some())
            .field("sms", &self.inner.sms.is_some())
            .field("outbox", &self.inner.outbox.is_some())
            .finish()
    }
}
