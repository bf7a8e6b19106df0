//! `SendError`: why a message was not delivered. Messages are generic and never carry secrets; the
//! detail is in the `COGNATE-MSG…` log lines.

use crate::message::Channel;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The channel has no transport (SMTP relay or SMS gateway) and the development outbox is off.
    #[error("no {0} transport is configured and the development outbox is off")]
    NotConfigured(Channel),
    /// The transport refused or failed (or the configuration/addresses are unusable).
    #[error("{0}")]
    Delivery(String),
}
