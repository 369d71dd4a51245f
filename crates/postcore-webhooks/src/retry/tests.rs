//! The retry schedule to the second, its jitter bounds, the give-up rule and the disable rule.

use super::*;
use postcore_domain::{format_timestamp, parse_timestamp};

fn at(text: &str) -> Timestamp {
    parse_timestamp(text).unwrap()
}

fn exact() -> RetryPolicy {
    RetryPolicy {
        jitter: Jitter::None,
        ..RetryPolicy::default()
    }
}

#[test]
fn the_default_base_delays_grow_sixfold_to_a_ten_hour_cap() {
    let policy = RetryPolicy::default();
    let delays: Vec<u64> = (1..=9).map(|k| policy.base_delay(k).as_secs()).collect();
    assert_eq!(
        delays,
        [5, 30, 180, 1080, 6480, 36_000, 36_000, 36_000, 36_000]
    );
    assert_eq!(policy.base_delay(0), Duration::from_secs(5));
    assert_eq!(policy.base_delay(u32::MAX), Duration::from_secs(36_000));
}

#[test]
fn without_jitter_the_default_schedule_spans_exactly_24_hours_then_gives_up() {
    let policy = exact();
    let first = at("2025-01-01T00:00:00Z");
    let mut now = first;
    let mut attempts = vec![format_timestamp(now)];
    for failed in 1.. {
        match policy.next_attempt(first, failed, now, None, 0) {
            NextAttempt::At(next) => {
                now = next;
                attempts.push(format_timestamp(now));
            }
            NextAttempt::GiveUp => break,
        }
    }
    assert_eq!(
        attempts,
        [
            "2025-01-01T00:00:00Z",
            "2025-01-01T00:00:05Z",
            "2025-01-01T00:00:35Z",
            "2025-01-01T00:03:35Z",
            "2025-01-01T00:21:35Z",
            "2025-01-01T02:09:35Z",
            "2025-01-01T12:09:35Z",
            "2025-01-01T22:09:35Z",
            "2025-01-02T00:00:00Z",
        ]
    );
}

#[test]
fn equal_jitter_stays_between_half_and_all_of_the_base_delay() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.delay(1, 0), Duration::from_millis(2500));
    assert_eq!(policy.delay(1, 2500), Duration::from_millis(5000));
    assert_eq!(policy.delay(1, 2501), Duration::from_millis(2500));
    assert_eq!(policy.delay(1, 1234), Duration::from_millis(3734));
    for random in [0, 1, 77, u64::MAX / 3, u64::MAX] {
        for k in 1..10 {
            let (d, base) = (policy.delay(k, random), policy.base_delay(k));
            assert!(d >= base / 2 && d <= base, "{k} {random}: {d:?}");
        }
    }
}

#[test]
fn full_jitter_is_between_zero_and_the_base_delay() {
    let policy = RetryPolicy {
        jitter: Jitter::Full,
        ..RetryPolicy::default()
    };
    assert_eq!(policy.delay(1, 0), Duration::ZERO);
    assert_eq!(policy.delay(1, 5000), Duration::from_secs(5));
    assert_eq!(policy.delay(2, 5001), Duration::from_millis(5001));
    assert_eq!(policy.delay(2, 30_001), Duration::ZERO);
}

#[test]
fn a_retry_after_stretches_the_delay_up_to_the_cap_and_never_past_the_deadline() {
    let policy = exact();
    let first = at("2025-01-01T00:00:00Z");
    let hour = Some(Duration::from_secs(3600));
    assert_eq!(
        policy.next_attempt(first, 1, first, hour, 0),
        NextAttempt::At(at("2025-01-01T01:00:00Z"))
    );
    assert_eq!(
        policy.next_attempt(first, 1, first, Some(Duration::from_secs(2)), 0),
        NextAttempt::At(at("2025-01-01T00:00:05Z"))
    );
    assert_eq!(
        policy.next_attempt(first, 1, first, Some(Duration::from_secs(86_400 * 7)), 0),
        NextAttempt::At(at("2025-01-01T10:00:00Z"))
    );
    assert_eq!(
        policy.next_attempt(first, 8, at("2025-01-01T23:59:59Z"), hour, 0),
        NextAttempt::At(at("2025-01-02T00:00:00Z"))
    );
    assert_eq!(
        policy.next_attempt(first, 9, at("2025-01-02T00:00:00Z"), None, 0),
        NextAttempt::GiveUp
    );
}

#[test]
fn a_configured_schedule_is_followed() {
    let policy = RetryPolicy {
        first_delay: Duration::from_millis(100),
        multiplier: 2,
        max_delay: Duration::from_millis(300),
        give_up_after: Duration::from_secs(1),
        jitter: Jitter::None,
    };
    let delays: Vec<u128> = (1..=4).map(|k| policy.delay(k, 9).as_millis()).collect();
    assert_eq!(delays, [100, 200, 300, 300]);
}

#[test]
fn an_endpoint_is_disabled_after_five_failed_deliveries_or_at_once_on_410() {
    let rule = DisableRule::default();
    let server_error = DeliveryFailure::Status {
        status: 500,
        retry_after: None,
    };
    let gone = DeliveryFailure::Status {
        status: 410,
        retry_after: None,
    };
    assert_eq!(rule.check(4, &server_error), None);
    assert_eq!(rule.check(4, &DeliveryFailure::Timeout), None);
    assert_eq!(
        rule.check(5, &DeliveryFailure::Timeout),
        Some(DisableReason::KeepsFailing(5))
    );
    assert_eq!(rule.check(0, &gone), Some(DisableReason::Gone));
    assert_eq!(
        DisableReason::KeepsFailing(5).to_string(),
        "5 consecutive deliveries failed"
    );
    assert_eq!(
        DisableReason::Gone.to_string(),
        "the receiver answered 410 Gone"
    );
}
