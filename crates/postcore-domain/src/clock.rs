//! The `Clock` trait: the only way time enters PostCore's rules.

use crate::Timestamp;
use std::sync::Mutex;

/// A source of "now" in UTC. Production passes [`SystemClock`]; tests pass [`FixedClock`].
/// Every expiry rule takes `now` as an argument, so nothing in this crate reads the
/// system clock by itself.
pub trait Clock: Send + Sync + 'static {
    /// The current instant, UTC.
    fn now(&self) -> Timestamp;
}

/// The operating system's wall clock (UTC).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        chrono::Utc::now()
    }
}

/// A clock that shows a set instant until it is moved; for tests.
#[derive(Debug)]
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn new(at: Timestamp) -> Self {
        Self(Mutex::new(at))
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: Timestamp) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    /// Moves the clock forward (or back, for a negative duration) by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_system_clock_shows_the_present() {
        // This code was written in 2026: any later reading of the wall clock is past it.
        let written = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert!(SystemClock.now() > written);
    }

    #[test]
    fn fixed_clock_shows_what_it_was_set_to() {
        let t0 = chrono::Utc.with_ymd_and_hms(2025, 1, 6, 12, 30, 0).unwrap();
        let clock = FixedClock::new(t0);
        assert_eq!(clock.now(), t0);
        clock.advance(chrono::Duration::seconds(1));
        assert_eq!(clock.now(), t0 + chrono::Duration::seconds(1));
        clock.set(t0);
        assert_eq!(clock.now(), t0);
    }
}
