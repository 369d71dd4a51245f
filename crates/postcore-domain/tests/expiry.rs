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
        // A production `now` has a fraction of a second: days are floored from the exact
        // difference, so whole-second arithmetic (`exp.timestamp() - now.timestamp()`)
        // would say 55, 60, 2 and 1 on the first four rows.
        ("2025-01-06T12:30:00.5Z", Some(54), false),
        ("2025-01-01T12:30:00.000000001Z", Some(59), false),
        ("2025-02-28T12:30:00.999Z", Some(1), false),
        ("2025-03-01T12:30:00.5Z", Some(0), false),
        ("2025-03-01T12:29:59.5Z", Some(1), false),
        ("2025-03-02T12:29:59.999999999Z", Some(0), false),
        ("2025-03-02T12:30:00.5Z", Some(0), true),
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
        // Half a second later the expiry is 7 days 23:59:59.5 away: 7 whole days.
        (
            "2025-02-22T12:30:00.5Z",
            false,
            ExpiryStatus::ExpiringSoon {
                days_until_expiry: 7,
            },
        ),
        (
            "2025-03-02T12:29:59.5Z",
            false,
            ExpiryStatus::ExpiringSoon {
                days_until_expiry: 0,
            },
        ),
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
    let exp = expiry::expires_at_from_lifetime(issued, 3_600).unwrap();
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
    // `at` is the instant each kind carries.
    let instants = [
        (Some(5_183_999), "2025-03-02T12:29:59Z"),
        (None, "2025-03-02T12:30:00Z"),
        (Some(5_184_000_000), "2025-03-02T12:30:00Z"),
        (Some(-5), "2025-01-01T12:30:00Z"),
    ];
    for (expires_in, expected) in instants {
        assert_eq!(
            token_expiry(Platform::LinkedIn, issued, expires_in).map(TokenExpiry::at),
            Some(at(expected)),
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

#[test]
fn a_stated_lifetime_is_checked_never_panics_and_never_passes_year_9999() {
    let issued = at("2025-01-06T12:30:00.5Z");
    let cases = [
        (3_600, Some(at("2025-01-06T13:30:00.5Z"))),
        (0, Some(issued)),
        // Negative: the token expired as it was issued.
        (-1, Some(issued)),
        (i64::MIN, Some(issued)),
        // Huge: refused, whether the sum passes year 9999 or chrono's own range.
        (252_000_000_000, None),
        (9_300_000_000_000_000, None),
        (i64::MAX, None),
    ];
    for (lifetime, expected) in cases {
        assert_eq!(
            expiry::expires_at_from_lifetime(issued, lifetime),
            expected,
            "{lifetime}"
        );
    }
    let last = at("9999-12-31T23:59:58Z");
    assert_eq!(
        expiry::expires_at_from_lifetime(last, 1),
        Some(postcore_domain::LATEST_TIMESTAMP)
    );
    assert_eq!(expiry::expires_at_from_lifetime(last, 2), None);
}

#[test]
fn token_expiry_near_the_end_of_time_saturates_and_is_refused() {
    use postcore_domain::{ConnectionError, token_expiry};
    let late = Timestamp::MAX_UTC - Duration::days(1);
    let expiry = token_expiry(Platform::LinkedIn, late, Some(5_184_000)).unwrap();
    assert_eq!(
        expiry,
        postcore_domain::TokenExpiry::Stated(Timestamp::MAX_UTC)
    );
    let c = Connection::new(Platform::LinkedIn, "A", "a", late);
    assert_eq!(c.expires_at(), Some(Timestamp::MAX_UTC));
    assert_eq!(
        c.validate(),
        Err(ConnectionError::OutOfRange("connectedAt"))
    );
    let c = Connection::new(Platform::LinkedIn, "A", "a", at("9999-12-01T00:00:00Z"));
    assert_eq!(c.validate(), Err(ConnectionError::OutOfRange("expiresAt")));
}

/// The `expiring` bound at a fractional `now`: an expiry exactly 8 days after the whole
/// second is 7 days 23:59:59.5 away, so it is within 7 days and before the bound.
#[test]
fn the_expiring_bound_keeps_the_fraction_of_now() {
    let now = at("2025-01-06T12:30:00.5Z");
    assert_eq!(
        expiry::expiring_before(now, 7),
        at("2025-01-14T12:30:00.5Z")
    );
    assert_eq!(
        expiry::expiring_before(now, 0),
        at("2025-01-07T12:30:00.5Z")
    );
    assert_eq!(
        expiry::expiring_before(Timestamp::MAX_UTC - Duration::days(1), 1),
        Timestamp::MAX_UTC
    );
    assert_eq!(expiry::expiring_before(now, u32::MAX), Timestamp::MAX_UTC);
    let eight = Connection::new(Platform::LinkedIn, "A", "a", at("2024-11-20T00:00:00Z"))
        .with_expires_at(Some(at("2025-01-14T12:30:00Z")));
    assert_eq!(eight.days_until_expiry(now), Some(7));
    assert_eq!(
        eight.status(now, 7),
        ExpiryStatus::ExpiringSoon {
            days_until_expiry: 7
        }
    );
    assert!(eight.expires_at().unwrap() < expiry::expiring_before(now, 7));
}

/// Any instant chrono can hold, with its nanoseconds: mostly near the writable range and
/// its upper end, sometimes anywhere.
fn any_instant() -> impl Strategy<Value = Timestamp> {
    let between = |from: Timestamp, to: Timestamp| {
        (from.timestamp()..=to.timestamp(), 0u32..1_000_000_000)
            .prop_map(|(s, ns)| Timestamp::from_timestamp(s, ns).unwrap())
    };
    let latest = postcore_domain::LATEST_TIMESTAMP;
    prop_oneof![
        between(
            Timestamp::MIN_UTC,
            Timestamp::MAX_UTC - Duration::seconds(1)
        ),
        between(postcore_domain::EARLIEST_TIMESTAMP, latest),
        between(latest - Duration::days(120), latest + Duration::days(2)),
    ]
}

proptest! {
    /// Whatever the instant, formatting then parsing gives it back in whole seconds exactly
    /// when it is in the writable range (never `+10000-…` or a negative year).
    #[test]
    fn formatting_round_trips_exactly_within_the_writable_range(t in any_instant()) {
        let text = postcore_domain::format_timestamp(t);
        let back = parse_timestamp(&text).ok();
        let writable = postcore_domain::is_in_timestamp_range(t);
        prop_assert_eq!(back == Some(postcore_domain::whole_seconds(t)), writable, "{}", text);
        if writable {
            prop_assert_eq!(text.len(), 20, "{}", text);
        }
    }

    /// Whatever connectedAt, now and stated lifetime, nothing panics; a connection that
    /// validates has only instants that format as RFC 3339 and parse back.
    #[test]
    fn connections_that_validate_have_writable_instants(
        connected in any_instant(),
        now in any_instant(),
        lifetime in any::<i64>(),
        within in any::<u32>(),
    ) {
        let stated = expiry::expires_at_from_lifetime(connected, lifetime);
        if let Some(exp) = stated {
            prop_assert!(postcore_domain::is_in_timestamp_range(exp));
            prop_assert!(exp >= connected);
        }
        let capped = postcore_domain::token_expiry(Platform::LinkedIn, connected, Some(lifetime));
        for c in [
            Connection::new(Platform::LinkedIn, "A", "a", connected),
            Connection::new(Platform::LinkedIn, "A", "a", connected).with_expires_at(stated),
            Connection::new(Platform::LinkedIn, "A", "a", connected)
                .with_expires_at(capped.map(postcore_domain::TokenExpiry::at)),
            Connection::new(Platform::Bluesky, "A", "a", connected),
        ] {
            let _ = (c.days_until_expiry(now), c.needs_reconnect(now), c.status(now, i64::from(within)));
            if c.validate().is_ok() {
                for at in [Some(c.connected_at()), c.expires_at()].into_iter().flatten() {
                    let text = postcore_domain::format_timestamp(at);
                    prop_assert_eq!(
                        parse_timestamp(&text).ok(),
                        Some(postcore_domain::whole_seconds(at)),
                        "{}", text
                    );
                }
            }
        }
    }

    /// Over the whole range, `daysUntilExpiry` never increases as `now` moves on.
    #[test]
    fn days_until_expiry_is_monotonic_over_the_whole_range(
        exp in any_instant(),
        a in any_instant(),
        b in any_instant(),
    ) {
        let (early, late) = if a <= b { (a, b) } else { (b, a) };
        let days = |now| expiry::days_until_expiry(Some(exp), now).unwrap();
        prop_assert!(days(late) <= days(early), "{:?} then {:?}", early, late);
        prop_assert!(days(late) >= 0);
    }

    /// The `expiring` bound is the status rule, exactly: an expiry is within `within` days
    /// (or past) at `now` if and only if it is before `expiring_before(now, within)`.
    #[test]
    fn the_expiring_bound_matches_the_status_rule(
        exp_secs in postcore_domain::EARLIEST_TIMESTAMP.timestamp()..=postcore_domain::LATEST_TIMESTAMP.timestamp(),
        (within, offset_ns) in prop_oneof![
            // `now` within 2 s of the boundary, `within + 1` days before the expiry.
            (0u32..30, -2_000_000_000i64..2_000_000_000)
                .prop_map(|(w, d)| (w, (i64::from(w) + 1) * 86_400_000_000_000 + d)),
            // Anywhere within ~460 days of it, any window.
            (any::<u32>(), -40_000_000_000_000_000i64..40_000_000_000_000_000),
        ],
    ) {
        // Stored expiries have whole seconds; `now` has any fraction.
        let exp = Timestamp::from_timestamp(exp_secs, 0).unwrap();
        let now = exp - Duration::nanoseconds(offset_ns);
        let c = Connection::new(Platform::LinkedIn, "A", "a", exp - Duration::days(60))
            .with_expires_at(Some(exp));
        let listed = c.status(now, i64::from(within)) != ExpiryStatus::Valid;
        prop_assert_eq!(listed, exp < expiry::expiring_before(now, within), "at {:?}", now);
    }
}
