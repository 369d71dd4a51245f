//! The injected [`postcore_domain::Clock`] as governor's clock, so that the limits run on
//! the same time as everything else and tests move it instead of waiting.

use governor::nanos::Nanos;
use postcore_domain::{Clock, Timestamp};
use std::sync::Arc;

/// governor's view of the app's clock: instants are nanoseconds since the Unix epoch (UTC),
/// so a limiter's instants convert to `X-RateLimit-Reset`'s Unix seconds directly.
///
/// The wall clock may step back (NTP); governor measures with saturating subtraction, so
/// a step back only makes the limiter see no time pass until the clock catches up.
#[derive(Clone)]
pub(crate) struct LimiterClock(pub(crate) Arc<dyn Clock>);

impl LimiterClock {
    /// Now, in nanoseconds since the Unix epoch.
    pub(crate) fn now_nanos(&self) -> u64 {
        unix_nanos(self.0.now())
    }
}

impl governor::clock::Clock for LimiterClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        Nanos::new(self.now_nanos())
    }
}

/// `at` in nanoseconds since the Unix epoch; 0 for instants outside 1970–2262 (which no
/// server clock shows).
pub(crate) fn unix_nanos(at: Timestamp) -> u64 {
    at.timestamp_nanos_opt()
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(0)
}

/// Nanoseconds as whole seconds, rounded up: `1` for 1 ns, `30` for exactly 30 s.
pub(crate) fn ceil_seconds(nanos: u64) -> u64 {
    nanos.div_ceil(1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::Clock as _;
    use postcore_domain::FixedClock;

    #[test]
    fn the_limiter_sees_the_injected_clock_in_unix_nanoseconds() {
        let start = postcore_domain::parse_timestamp("2025-01-06T12:30:00Z").unwrap();
        let fixed = Arc::new(FixedClock::new(start));
        let clock = LimiterClock(fixed.clone());
        assert_eq!(clock.now(), Nanos::new(1_736_166_600_000_000_000));
        fixed.advance(chrono::Duration::milliseconds(1500));
        assert_eq!(clock.now_nanos(), 1_736_166_601_500_000_000);
    }

    #[test]
    fn seconds_are_rounded_up() {
        assert_eq!(ceil_seconds(0), 0);
        assert_eq!(ceil_seconds(1), 1);
        assert_eq!(ceil_seconds(30_000_000_000), 30);
        assert_eq!(ceil_seconds(30_000_000_001), 31);
    }
}
