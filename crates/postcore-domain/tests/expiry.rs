//! The expiry rules of api.md §3: worked examples, time-zone independence, properties.

use chrono::{Duration, TimeZone, Utc};
use postcore_domain::{Connection, ExpiryStatus, Platform, Timestamp, expiry, parse_timestamp};
use proptest::prelude::*;

fn at(text: &str) -> Timestamp {
    parse_timestamp(text).unwrap()
}

fn seed_linkedin() -> Connection {
    Connection::new(
        Platform::LinkedIn,
        "John Doe",
        "johndoe",
        at("2025-01-01T12:30:00Z"),
    )
}

#[test]
fn linkedin_expires_sixty_days_after_connecting() {
    assert_eq!(
        seed_linkedin().expires_at(),
        Some(at("2025-03-02T12:30:00Z"))
    );
    let c = seed_linkedin();
    assert_eq!(
        (c.expires_at().unwrap() - c.connected_at()).num_seconds(),
        5_184_000
    );
}

#[test]
fn bluesky_never_expires() {
    let c = Connection::new(
        Platform::Bluesky,
        "johndoe.bsky.social",
        "johndoe.bsky.social",
        at("2025-01-02T10:00:00Z"),
    );
    let far = at("2099-01-01T00:00:00Z");
    assert_eq!(c.expires_at(), None);
    assert_eq!(c.days_until_expiry(far), None);
    assert!(!c.needs_reconnect(far));
    assert_eq!(c.status(far, 7), ExpiryStatus::Valid);
}

/// The worked example of api.md §3, exact to the second.
#[test]
fn worked_examples_of_the_contract() {
    let c = seed_linkedin();
    let table: &[(&str, Option<i64>, bool)] = &[
        ("2025-01-01T12:30:00Z", Some(60), false),
        ("2025-01-06T12:30:00Z", Some(55), false),
        ("2025-01-06T12:30:01Z", Some(54), false),
        ("2025-02-28T12:30:00Z", Some(2), false),
        ("2025-03-01T12:30:00Z", Some(1), false),
        ("2025-03-01T12:30:01Z", Some(0), false),
        ("2025-03-02T12:29:59Z", Some(0), false),
        ("2025-03-02T12:30:00Z", Some(0), true),
        ("2025-03-02T12:30:01Z", Some(0), true),
        ("2026-01-01T00:00:00Z", Some(0), true),
    ];
    for &(now, days, reconnect) in table {
        let now = at(now);
        assert_eq!(c.days_until_expiry(now), days, "daysUntilExpiry at {now}");
        assert_eq!(c.needs_reconnect(now), reconnect, "needsReconnect at {now}");
    }
}

/// Across the US daylight-saving change of 2025-03-09 (02:00 EST → 03:00 EDT, 07:00 UTC),
/// a day is still exactly 86,400 s.
#[test]
fn daylight_saving_changes_have_no_effect() {
    let c = Connection::new(Platform::LinkedIn, "A", "a", at("2025-01-09T06:30:00Z"));
    assert_eq!(c.expires_at(), Some(at("2025-03-10T06:30:00Z")));
    let table: &[(&str, i64)] = &[
        ("2025-03-08T06:30:00Z", 2),
        ("2025-03-09T06:29:59Z", 1),
        ("2025-03-09T06:30:00Z", 1),
        ("2025-03-09T07:30:00Z", 0),
        ("2025-03-10T06:29:59Z", 0),
    ];
    for &(now, days) in table {
        assert_eq!(c.days_until_expiry(at(now)), Some(days), "at {now}");
    }
    assert!(!c.needs_reconnect(at("2025-03-10T06:29:59Z")));
    assert!(c.needs_reconnect(at("2025-03-10T06:30:00Z")));
}

#[test]
fn status_orders_revoked_over_expired_over_expiring() {
    let c = seed_linkedin();
    let cases: &[(&str, bool, ExpiryStatus)] = &[
        ("2025-01-06T12:30:00Z", false, ExpiryStatus::Valid),
        (
            "2025-02-25T12:30:00Z",
            false,
            ExpiryStatus::ExpiringSoon {
                days_until_expiry: 5,
            },
        ),
        (
            "2025-02-23T12:30:00Z",
            false,
            ExpiryStatus::ExpiringSoon {
                days_until_expiry: 7,
            },
        ),
        ("2025-02-22T12:30:00Z", false, ExpiryStatus::Valid),
        ("2025-03-02T12:30:00Z", false, ExpiryStatus::Expired),
        ("2025-01-06T12:30:00Z", true, ExpiryStatus::Revoked),
        ("2025-03-02T12:30:00Z", true, ExpiryStatus::Revoked),
    ];
    for (now, revoked, want) in cases {
        let conn = c.clone().with_revoked(*revoked);
        assert_eq!(
            conn.status(at(now), 7),
            *want,
            "at {now}, revoked {revoked}"
        );
    }
}

#[test]
fn revoked_mark_forces_reconnect_before_expiry() {
    let c = seed_linkedin().with_revoked(true);
    assert!(c.needs_reconnect(at("2025-01-06T12:30:00Z")));
    assert_eq!(c.days_until_expiry(at("2025-01-06T12:30:00Z")), Some(55));
}

#[test]
fn an_explicit_lifetime_overrides_the_default() {
    let issued = at("2025-01-01T00:00:00Z");
    let exp = expiry::expires_at_from_lifetime(issued, 3_600);
    assert_eq!(exp, at("2025-01-01T01:00:00Z"));
    let c = Connection::new(Platform::LinkedIn, "A", "a", issued).with_expires_at(Some(exp));
    assert_eq!(c.days_until_expiry(at("2025-01-01T00:30:00Z")), Some(0));
    assert!(c.needs_reconnect(at("2025-01-01T01:00:00Z")));
}

/// Re-runs this binary's exact-value tests in child processes with another `TZ`: the rules
/// must give the same answers whatever the process time zone.
#[test]
fn results_do_not_depend_on_the_process_time_zone() {
    let exe = std::env::current_exe().unwrap();
    for tz in ["America/New_York", "Asia/Tokyo", "UTC", "Pacific/Chatham"] {
        for test in [
            "worked_examples_of_the_contract",
            "daylight_saving_changes_have_no_effect",
            "status_orders_revoked_over_expired_over_expiring",
        ] {
            let out = std::process::Command::new(&exe)
                .args(["--exact", test, "--test-threads=1"])
                .env("TZ", tz)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{test} failed under TZ={tz}: {stdout}"
            );
            assert!(
                stdout.contains("1 passed"),
                "{test} did not run under TZ={tz}: {stdout}"
            );
        }
    }
}

fn instant(seconds: i64) -> Timestamp {
    Utc.timestamp_opt(seconds, 0).unwrap()
}

proptest! {
    /// As `now` advances, `daysUntilExpiry` never increases and is never negative.
    #[test]
    fn days_until_expiry_never_increases_and_is_never_negative(
        connected in 1_600_000_000i64..1_900_000_000,
        start in -10_000_000i64..10_000_000,
        steps in proptest::collection::vec(0i64..2_000_000, 1..40),
    ) {
        let c = Connection::new(Platform::LinkedIn, "A", "a", instant(connected));
        let mut now = instant(connected + start);
        let mut last = c.days_until_expiry(now).unwrap();
        prop_assert!(last >= 0);
        for step in steps {
            now += Duration::seconds(step);
            let days = c.days_until_expiry(now).unwrap();
            prop_assert!(days >= 0);
            prop_assert!(days <= last, "went from {} to {} at {}", last, days, now);
            last = days;
        }
    }

    /// Without a renewal, once a connection needs reconnecting it keeps needing it.
    #[test]
    fn needs_reconnect_never_flips_back_without_renewal(
        connected in 1_600_000_000i64..1_900_000_000,
        revoked in any::<bool>(),
        steps in proptest::collection::vec(0i64..2_000_000, 1..60),
    ) {
        let c = Connection::new(Platform::LinkedIn, "A", "a", instant(connected)).with_revoked(revoked);
        let mut now = instant(connected);
        let mut seen = c.needs_reconnect(now);
        for step in steps {
            now += Duration::seconds(step);
            let needs = c.needs_reconnect(now);
            prop_assert!(!seen || needs, "flipped back at {}", now);
            seen = needs;
        }
    }
}

#[test]
fn a_stated_token_lifetime_becomes_an_expiry_by_the_policy() {
    use postcore_domain::{Platform, TokenExpiry, parse_timestamp, token_expiry};
    let at = |s: &str| parse_timestamp(s).unwrap();
    let issued = at("2025-01-01T12:30:00Z");
    let cases = [
        (
            Some(5_184_000),
            TokenExpiry::Stated(at("2025-03-02T12:30:00Z")),
        ),
        (
            Some(5_183_999),
            TokenExpiry::Stated(at("2025-03-02T12:29:59Z")),
        ),
        (None, TokenExpiry::Policy(at("2025-03-02T12:30:00Z"))),
        (
            Some(5_184_000_000),
            TokenExpiry::Capped(at("2025-03-02T12:30:00Z")),
        ),
        (Some(0), TokenExpiry::AlreadyExpired(issued)),
        (Some(-5), TokenExpiry::AlreadyExpired(issued)),
    ];
    for (expires_in, expected) in cases {
        assert_eq!(
            token_expiry(Platform::LinkedIn, issued, expires_in),
            Some(expected),
            "{expires_in:?}"
        );
    }
    assert_eq!(token_expiry(Platform::Bluesky, issued, Some(60)), None);
}

#[test]
fn a_refresh_tokens_stated_lifetime_never_overflows() {
    use postcore_domain::refresh_token_expiry;
    let issued = at("2025-01-06T12:30:00Z");
    assert_eq!(refresh_token_expiry(issued, None), None);
    assert_eq!(
        refresh_token_expiry(issued, Some(31_536_000)),
        Some(at("2026-01-06T12:30:00Z"))
    );
    assert_eq!(refresh_token_expiry(issued, Some(0)), Some(issued));
    assert_eq!(refresh_token_expiry(issued, Some(-7)), Some(issued));
    for huge in [9_000_000_000_000, 9_300_000_000_000_000, i64::MAX] {
        assert_eq!(refresh_token_expiry(issued, Some(huge)), None, "{huge}");
    }
}
