//! The development outbox: a bounded in-memory ring of the most recent messages, newest last. Its
//! whole point is to show the codes Cognate sends, so it keeps and logs message bodies — which is why
//! it exists only when configured (`outbox_capacity > 0`) and is meant for development and tests.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::message::Message;

/// One message as the outbox keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    #[serde(flatten)]
    pub message: Message,
    /// When `send` took the message, in milliseconds since the Unix epoch.
    pub sent_at_ms: i64,
    /// Whether a real transport (SMTP relay or SMS gateway) also accepted the message.
    pub delivered: bool,
}

pub(crate) struct Outbox {
    capacity: usize,
    // A std mutex: it is only held for a push or a copy, never across an `.await`.
    entries: Mutex<VecDeque<OutboxEntry>>,
}

impl Outbox {
    /// `None` when `capacity` is 0 (no outbox).
    pub(crate) fn new(capacity: usize) -> Option<Outbox> {
        (capacity > 0).then(|| Outbox { capacity, entries: Mutex::new(VecDeque::with_capacity(capacity.min(1024))) })
    }

    /// Keeps `message`, dropping the oldest entries beyond the capacity, and logs it (body included: the
    /// outbox exists to show the code).
    pub(crate) fn record(&self, message: Message, delivered: bool) {
        tracing::info!(
            channel = %message.channel,
            to = %message.to,
            purpose = %message.purpose,
            pool_id = %message.pool_id,
            delivered,
            body = %message.body,
            "message kept in the development outbox"
        );
        let entry = OutboxEntry { message, sent_at_ms: now_ms(), delivered };
        let mut entries = self.lock();
        while entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The kept messages, oldest first.
    pub(crate) fn entries(&self) -> Vec<OutboxEntry> {
        self.lock().iter().cloned().collect()
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<OutboxEntry>> {
        // A panic while holding the lock cannot leave the ring inconsistent (push/pop only), so a
        // poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::Outbox;
    use crate::message::Message;

    #[test]
    fn zero_capacity_means_no_outbox() {
        assert!(Outbox::new(0).is_none());
    }

    #[test]
    fn keeps_the_newest_entries_in_order() {
        let Some(outbox) = Outbox::new(3) else { unreachable!("capacity 3 makes an outbox") };
        for i in 0..5 {
            outbox.record(Message::sms("+15555550100", format!("code {i}"), "pool", "signup"), i % 2 == 0);
        }
        let entries = outbox.entries();
        let bodies: Vec<&str> = entries.iter().map(|e| e.message.body.as_str()).collect();
        assert_eq!(bodies, ["code 2", "code 3", "code 4"]);
        assert_eq!(entries.iter().map(|e| e.delivered).collect::<Vec<_>>(), [true, false, true]);
        assert!(entries.iter().all(|e| e.sent_at_ms > 0));
        assert!(entries.windows(2).all(|w| w[0].sent_at_ms <= w[1].sent_at_ms));
    }
}
