//! The back-off after a transient failure or an answer not understood.

use crate::RefreshSettings;
use chrono::Duration;
use postcore_domain::Timestamp;
use postcore_platforms::RetryAfter;

/// When to try a connection again after its `failures + 1`-th failure in a row at `now`:
/// `now + min(max(retry_after, first_backoff × 2^failures), max_backoff)`, where
/// `retry_after` is the platform's own `Retry-After` (RFC 9110 §10.2.3) when it sent one.
/// `failures` counts the earlier failures since the last renewal (the store's count).
pub fn backoff(
    settings: &RefreshSettings,
    failures: u32,
    retry_after: Option<&RetryAfter>,
    now: Timestamp,
) -> Timestamp {
    let first = settings.first_backoff.num_seconds().max(1);
    // 2^30 × anything sensible is past any cap already; no overflow beyond it.
    let doubled = first.saturating_mul(1_i64 << failures.min(30));
    let platform = retry_after
        .map(|r| i64::try_from(r.seconds_from(now)).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let wait = doubled
        .max(platform)
        .min(settings.max_backoff.num_seconds());
    now + Duration::seconds(wait)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> Timestamp {
        chrono::Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
    }

    fn after(settings: &RefreshSettings, failures: u32, retry: Option<RetryAfter>) -> i64 {
        (backoff(settings, failures, retry.as_ref(), now()) - now()).num_seconds()
    }

    #[test]
    fn doubles_from_the_first_back_off_up_to_the_cap() {
        let s = RefreshSettings::default();
        let waits: Vec<i64> = [0, 1, 2, 3, 8, 9, 31, u32::MAX]
            .into_iter()
            .map(|f| after(&s, f, None))
            .collect();
        assert_eq!(waits, [60, 120, 240, 480, 15_360, 21_600, 21_600, 21_600]);
    }

    #[test]
    fn the_platforms_retry_after_wins_when_longer_but_not_past_the_cap() {
        let s = RefreshSettings::default();
        assert_eq!(after(&s, 0, Some(RetryAfter::Seconds(30))), 60);
        assert_eq!(after(&s, 0, Some(RetryAfter::Seconds(600))), 600);
        assert_eq!(after(&s, 2, Some(RetryAfter::Seconds(600))), 600);
        assert_eq!(after(&s, 0, Some(RetryAfter::Seconds(u64::MAX))), 21_600);
        let at = RetryAfter::At(now() + Duration::seconds(3_600));
        assert_eq!(after(&s, 0, Some(at)), 3_600);
        let past = RetryAfter::At(now() - Duration::seconds(3_600));
        assert_eq!(after(&s, 1, Some(past)), 120);
    }
}
