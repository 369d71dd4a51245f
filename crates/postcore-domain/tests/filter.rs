//! Properties of the listing filters (api.md §5.1) against the expiry rules (§3), and the
//! bound a store uses for them.

use chrono::{Duration, TimeZone, Utc};
use postcore_domain::{Connection, Platform, ProfileFilter, Timestamp, expiry};
use proptest::prelude::*;

/// Instants within a few years of 2025, with nanoseconds.
fn instant() -> impl Strategy<Value = Timestamp> {
    (0i64..200_000_000, 0u32..1_000_000_000).prop_map(|(s, ns)| {
        Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap()
            + Duration::seconds(s)
            + Duration::nanoseconds(i64::from(ns))
    })
}

/// A connection made at a whole second, LinkedIn with an expiry up to 60 days later or
/// Bluesky, marked or not.
fn connection() -> impl Strategy<Value = Connection> {
    (
        0i64..200_000_000,
        0i64..=5_184_000,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(s, life, linkedin, revoked)| {
            let connected =
                Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(s);
            let c = if linkedin {
                Connection::new(Platform::LinkedIn, "A", "a", connected)
                    .with_expires_at(Some(connected + Duration::seconds(life)))
            } else {
                Connection::new(
                    Platform::Bluesky,
                    "a.bsky.social",
                    "a.bsky.social",
                    connected,
                )
            };
            c.with_revoked(revoked)
        })
}

fn within(days: u32) -> ProfileFilter {
    ProfileFilter {
        expiring_within_days: Some(days),
        ..ProfileFilter::default()
    }
}

proptest! {
    /// `expiringWithinDays=N` is exactly "marked, or expiring before
    /// `expiring_before(now, N)`" — the bound a store compares whole seconds with.
    #[test]
    fn expiring_within_days_is_the_expiring_before_bound(
        c in connection(),
        now in instant(),
        days in 0u32..=postcore_domain::MAX_EXPIRING_WITHIN_DAYS,
    ) {
        let bound = expiry::expiring_before(now, days);
        let by_bound = c.is_revoked() || c.expires_at().is_some_and(|exp| exp < bound);
        prop_assert_eq!(within(days).matches(std::slice::from_ref(&c), now), by_bound);
    }

    /// A wider window selects at least what a narrower one does, and whatever needs a
    /// reconnect is within every window.
    #[test]
    fn windows_nest_and_contain_every_reconnect(
        connections in proptest::collection::vec(connection(), 0..4),
        now in instant(),
        days in 0u32..1_000,
    ) {
        if within(days).matches(&connections, now) {
            prop_assert!(within(days + 1).matches(&connections, now));
        }
        let reconnect = ProfileFilter { needs_reconnect: Some(true), ..ProfileFilter::default() };
        if reconnect.matches(&connections, now) {
            prop_assert!(within(0).matches(&connections, now));
        }
        let no_reconnect = ProfileFilter { needs_reconnect: Some(false), ..ProfileFilter::default() };
        prop_assert_ne!(reconnect.matches(&connections, now), no_reconnect.matches(&connections, now));
    }
}
