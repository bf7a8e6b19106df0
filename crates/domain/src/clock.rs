//! Time, behind a trait so tests can move it.

use cognate_model::Timestamp;

pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.now_ms())
    }
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
    }
}
