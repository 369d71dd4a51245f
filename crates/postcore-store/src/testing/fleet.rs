//! Conformance cases: `fleet_counts`, the connections by platform and state behind the
//! server's `/metrics` gauges, against the domain's expiry rules at the same `now`.

use super::{account, key, t};
use crate::{FleetCounts, PlatformCounts, ProfileRecord, Repository};
use postcore_domain::expiry::{self, ExpiryStatus};
use postcore_domain::{Connection, Platform, Profile, Timestamp};
use std::sync::Arc;

const DAY: i64 = 86_400;

/// A LinkedIn connection made long ago that expires at `exp`.
fn linkedin(exp: Timestamp, revoked: bool) -> Connection {
    Connection::new(Platform::LinkedIn, "A", "a", t(-100 * DAY))
        .with_expires_at(Some(exp))
        .with_revoked(revoked)
}

/// A Bluesky connection (no expiry).
fn bluesky(revoked: bool) -> Connection {
    Connection::new(Platform::Bluesky, "b.bsky.social", "b.bsky.social", t(-DAY))
        .with_revoked(revoked)
}

/// Imports one profile per connection into a new account `name`; returns the connections.
async fn import(repo: &Arc<dyn Repository>, name: &str, connections: Vec<Connection>) {
    let a = account(repo, name).await;
    let records = connections
        .into_iter()
        .enumerate()
        .map(|(i, c)| ProfileRecord {
            profile: Profile::new(key(&format!("prof_{name}{i}")), None, t(0)),
            connections: vec![c],
        })
        .collect();
    repo.import_profiles(a, records, None).await.unwrap();
}

/// What `expiry::status` says of `connections` at `now`, tallied as `fleet_counts` must.
fn by_the_rules(connections: &[Connection], now: Timestamp, profiles: u64) -> FleetCounts {
    let mut platforms = Platform::ALL.map(PlatformCounts::zero);
    for c in connections {
        let counts = platforms
            .iter_mut()
            .find(|p| p.platform == c.platform())
            .unwrap();
        match expiry::status(c.expires_at(), c.is_revoked(), now, 7) {
            ExpiryStatus::Valid => counts.ok += 1,
            ExpiryStatus::ExpiringSoon { .. } => counts.expiring += 1,
            ExpiryStatus::Expired | ExpiryStatus::Revoked => counts.needs_reconnect += 1,
        }
    }
    FleetCounts {
        profiles,
        platforms: platforms.to_vec(),
    }
}

fn counts(platform: Platform, ok: u64, expiring: u64, needs_reconnect: u64) -> PlatformCounts {
    PlatformCounts {
        platform,
        ok,
        expiring,
        needs_reconnect,
    }
}

/// An empty store has no profile and every platform at zero, in `Platform::ALL` order.
pub async fn fleet_counts_of_an_empty_store_are_zero_for_every_platform(repo: Arc<dyn Repository>) {
    let expected = FleetCounts {
        profiles: 0,
        platforms: vec![
            counts(Platform::Bluesky, 0, 0, 0),
            counts(Platform::LinkedIn, 0, 0, 0),
        ],
    };
    assert_eq!(repo.fleet_counts(t(0), 7).await.unwrap(), expected);
}

/// At a whole-second `now`: expired at `now` or before and revoked marks need a reconnect
/// (a revoked Bluesky connection too); exactly 7 days and 8 days minus a second are
/// expiring; exactly 8 days, later, and Bluesky's no expiry are ok. Over every account,
/// profiles without a connection counted; the same as `expiry::status` connection by
/// connection.
pub async fn fleet_counts_sort_connections_by_state_as_the_expiry_rules_do(
    repo: Arc<dyn Repository>,
) {
    let now = t(0);
    let first = vec![
        linkedin(t(-DAY), false),        // expired yesterday
        linkedin(t(0), false),           // expires exactly now: needs a reconnect
        linkedin(t(1), false),           // 0 days left
        linkedin(t(7 * DAY), false),     // exactly 7 days
        linkedin(t(8 * DAY - 1), false), // 7 days and 23:59:59
        linkedin(t(8 * DAY), false),     // exactly 8 days
        linkedin(t(59 * DAY), false),
        linkedin(t(30 * DAY), true), // revoked, not yet expired
        bluesky(false),
        bluesky(false),
    ];
    let second = vec![bluesky(true), linkedin(t(3 * DAY), false)];
    import(&repo, "a", first.clone()).await;
    import(&repo, "b", second.clone()).await;
    let c = account(&repo, "c").await;
    repo.create_profile(c, Some(key("prof_empty")), None, t(0))
        .await
        .unwrap();

    let expected = FleetCounts {
        profiles: 13,
        platforms: vec![
            counts(Platform::Bluesky, 2, 0, 1),
            counts(Platform::LinkedIn, 2, 4, 3),
        ],
    };
    let got = repo.fleet_counts(now, 7).await.unwrap();
    assert_eq!(got, expected);
    let all: Vec<_> = first.into_iter().chain(second).collect();
    assert_eq!(got, by_the_rules(&all, now, 13));
    // Another window moves only the expiring bound: 0 days keeps the one on its last day.
    let narrow = repo.fleet_counts(now, 0).await.unwrap();
    assert_eq!(
        narrow.platforms,
        vec![
            counts(Platform::Bluesky, 2, 0, 1),
            counts(Platform::LinkedIn, 5, 1, 3),
        ]
    );
}

/// `now` with a fraction of a second is exact: at 00:00:00.5, an expiry at 00:00:00 is
/// past, one at 00:00:01 is on its last day, one 8 days after 00:00:00 is 7 days and
/// 23:59:59.5 away (expiring), and one a second later is 8 days away (ok). A nanosecond
/// before 00:00:00, the first is not yet expired and the third is 8 days away. Truncating
/// or rounding `now` to a whole second would put one of them in the wrong state.
pub async fn fleet_counts_keep_fractions_of_a_second(repo: Arc<dyn Repository>) {
    let connections = vec![
        linkedin(t(0), false),
        linkedin(t(1), false),
        linkedin(t(8 * DAY), false),
        linkedin(t(8 * DAY + 1), false),
    ];
    import(&repo, "a", connections.clone()).await;
    let half = chrono::Duration::milliseconds(500);
    let nano = chrono::Duration::nanoseconds(1);
    let cases = [
        (t(0) + half, counts(Platform::LinkedIn, 1, 2, 1)),
        (t(0) - nano, counts(Platform::LinkedIn, 2, 2, 0)),
        (t(1) - nano, counts(Platform::LinkedIn, 1, 2, 1)),
        (t(1), counts(Platform::LinkedIn, 1, 1, 2)),
    ];
    for (now, linkedin) in cases {
        let got = repo.fleet_counts(now, 7).await.unwrap();
        let expected = FleetCounts {
            profiles: 4,
            platforms: vec![counts(Platform::Bluesky, 0, 0, 0), linkedin],
        };
        assert_eq!(got, expected, "at {now:?}");
        assert_eq!(got, by_the_rules(&connections, now, 4), "at {now:?}");
    }
}
