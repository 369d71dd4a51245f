//! The limits' arithmetic and their memory bound, on a fixed clock (the HTTP behaviour is
//! tested through the server in `tests/tests/api/rate_limits.rs`).

use super::*;
use actix_web::test::TestRequest;
use postcore_domain::FixedClock;

/// The seed's now, `2025-01-06T12:30:00Z`, in Unix seconds.
const T0: u64 = 1_736_166_600;

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(
        postcore_domain::parse_timestamp("2025-01-06T12:30:00Z").unwrap(),
    ))
}

fn from(peer: &str) -> HttpRequest {
    TestRequest::default()
        .peer_addr(peer.parse().unwrap())
        .to_http_request()
}

/// `admit_key`'s outcome for `key` and the allowance it recorded.
fn admit(limits: &RateLimits, key: &ApiKey) -> (Result<(), String>, Option<Allowance>) {
    let req = from("192.0.2.1:1000");
    let outcome = limits.admit_key(&req, key).map_err(|e| e.to_string());
    let allowance = req.extensions().get::<Allowance>().copied();
    (outcome, allowance)
}

#[test]
fn a_key_spends_its_allowance_and_gets_it_back_one_interval_at_a_time() {
    let clock = clock();
    let limits = RateLimits::new(3, 0, clock.clone());
    let key = ApiKey::generate();
    let allowed = |remaining, reset| {
        (
            Ok(()),
            Some(Allowance {
                limit: 3,
                remaining,
                reset,
            }),
        )
    };
    assert_eq!(admit(&limits, &key), allowed(2, T0 + 20));
    assert_eq!(admit(&limits, &key), allowed(1, T0 + 40));
    assert_eq!(admit(&limits, &key), allowed(0, T0 + 60));
    let refused = (
        Err("RATE_LIMIT_EXCEEDED: Rate limit exceeded. Try again in 20 seconds".to_owned()),
        Some(Allowance {
            limit: 3,
            remaining: 0,
            reset: T0 + 60,
        }),
    );
    assert_eq!(admit(&limits, &key), refused);
    // A refusal costs nothing: 1 ns short of the interval it is still refused, with the
    // wait rounded up to a whole second.
    clock.advance(chrono::Duration::nanoseconds(19_999_999_999));
    let (outcome, _) = admit(&limits, &key);
    assert_eq!(
        outcome,
        Err("RATE_LIMIT_EXCEEDED: Rate limit exceeded. Try again in 1 seconds".to_owned())
    );
    clock.advance(chrono::Duration::nanoseconds(1));
    assert_eq!(admit(&limits, &key), allowed(0, T0 + 80));
    clock.advance(chrono::Duration::seconds(80));
    assert_eq!(admit(&limits, &key), allowed(2, T0 + 120));
}

#[test]
fn with_the_key_limit_off_nothing_is_counted_or_recorded() {
    let limits = RateLimits::new(0, 0, clock());
    assert!(!limits.enabled());
    let key = ApiKey::generate();
    for _ in 0..10_000 {
        assert_eq!(admit(&limits, &key), (Ok(()), None));
    }
    for _ in 0..100 {
        limits.record_failure(&from("192.0.2.1:1"));
    }
    assert!(limits.admit_address(&from("192.0.2.1:1")).is_ok());
    assert!(limits.blocked.is_empty());
}

#[test]
fn an_address_is_refused_once_its_failures_are_spent_and_until_one_comes_back() {
    let clock = clock();
    let limits = RateLimits::new(0, 2, clock.clone());
    assert!(limits.enabled());
    let (guesser, other) = (from("198.51.100.7:4000"), from("198.51.100.8:4000"));
    limits.record_failure(&guesser);
    assert!(limits.admit_address(&guesser).is_ok());
    limits.record_failure(&guesser);
    // The same address on another port is the same client.
    let error = limits
        .admit_address(&from("198.51.100.7:4001"))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "RATE_LIMIT_EXCEEDED: Rate limit exceeded. Try again in 30 seconds"
    );
    assert!(limits.admit_address(&other).is_ok());
    clock.advance(chrono::Duration::seconds(29));
    let error = limits.admit_address(&guesser).unwrap_err();
    assert_eq!(
        error.to_string(),
        "RATE_LIMIT_EXCEEDED: Rate limit exceeded. Try again in 1 seconds"
    );
    clock.advance(chrono::Duration::seconds(1));
    assert!(limits.admit_address(&guesser).is_ok());
    // One failure came back; spending it refuses the address for one more interval.
    limits.record_failure(&guesser);
    let error = limits.admit_address(&guesser).unwrap_err();
    assert_eq!(
        error.to_string(),
        "RATE_LIMIT_EXCEEDED: Rate limit exceeded. Try again in 30 seconds"
    );
}

#[test]
fn failures_that_passed_together_refuse_the_address_until_the_limiter_allows_one() {
    let clock = clock();
    let limits = RateLimits::new(0, 2, clock.clone());
    let guesser = from("198.51.100.7:4000");
    // Four requests admitted at once, all failing: the third and fourth are over.
    for _ in 0..4 {
        limits.record_failure(&guesser);
    }
    assert_eq!(
        limits
            .blocked
            .get(&"198.51.100.7".parse().unwrap())
            .map(|u| *u),
        Some((T0 + 30) * 1_000_000_000)
    );
}

#[test]
fn stale_state_is_swept_once_a_minute_by_the_clock() {
    let clock = clock();
    let limits = RateLimits::new(3, 2, clock.clone());
    let (first, second) = (ApiKey::generate(), ApiKey::generate());
    let _ = admit(&limits, &first);
    let _ = admit(&limits, &second);
    for peer in ["198.51.100.7:1", "198.51.100.7:2", "203.0.113.1:1"] {
        limits.record_failure(&from(peer));
    }
    let sizes = |limits: &RateLimits| {
        (
            limits.per_key.as_ref().unwrap().limiter.len(),
            limits.failures.as_ref().unwrap().limiter.len(),
            limits.blocked.len(),
        )
    };
    assert_eq!(sizes(&limits), (2, 2, 1));
    // Before the minute is up nothing is swept, though every entry is stale by then.
    clock.advance(chrono::Duration::seconds(59));
    let _ = admit(&limits, &first);
    assert_eq!(sizes(&limits), (2, 2, 1));
    // The first request at or after the minute sweeps what has been full for at least one
    // interval: the second key (full at T0+20), the address that failed once (full at
    // T0+30) and the ended refusal go; the first key (used at T0+59) and the address that
    // failed twice (full at T0+60) stay, beside the new key.
    clock.advance(chrono::Duration::seconds(1));
    let _ = admit(&limits, &ApiKey::generate());
    assert_eq!(sizes(&limits), (2, 1, 0));
    clock.advance(chrono::Duration::seconds(60));
    let _ = admit(&limits, &ApiKey::generate());
    assert_eq!(sizes(&limits), (1, 0, 0));
}
