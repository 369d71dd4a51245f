//! Conformance cases: the filters of a profile listing (api.md §5.1), evaluated by the
//! backend exactly as [`ProfileFilter::matches`] judges them.

use super::{account, key, t};
use crate::{AccountId, ProfileCursor, ProfileRecord, Repository};
use postcore_domain::{Connection, Platform, Profile, ProfileFilter, Timestamp};
use std::sync::Arc;

const DAY: i64 = 86_400;

/// Seven profiles of one account (and one of another), connected at `t(0)`:
/// `a` LinkedIn expiring at `t(DAY)`; `b` LinkedIn expiring at `t(10 DAY)`, marked;
/// `c` Bluesky; `d` Bluesky, marked; `e` nothing; `f` LinkedIn expiring at `t(3 DAY)` and
/// Bluesky; `g` LinkedIn expiring at `t(400 DAY)`. Pairs share a creation second.
async fn fixture(repo: &Arc<dyn Repository>) -> AccountId {
    let a = account(repo, "a").await;
    let other = account(repo, "other").await;
    let li = |days: i64| {
        Connection::new(Platform::LinkedIn, "L", "l", t(0)).with_expires_at(Some(t(days * DAY)))
    };
    let bs = || Connection::new(Platform::Bluesky, "b.bsky.social", "b.bsky.social", t(0));
    let profiles: [(&str, i64, Vec<Connection>); 7] = [
        ("prof_a", 1, vec![li(1)]),
        ("prof_b", 1, vec![li(10)]),
        ("prof_c", 2, vec![bs()]),
        ("prof_d", 2, vec![bs()]),
        ("prof_e", 2, vec![]),
        ("prof_f", 3, vec![bs(), li(3)]),
        ("prof_g", 3, vec![li(400)]),
    ];
    let records = profiles
        .into_iter()
        .map(|(k, at, connections)| ProfileRecord {
            profile: Profile::new(key(k), None, t(at)),
            connections,
        })
        .collect();
    repo.import_profiles(a, records, None).await.unwrap();
    repo.mark_revoked(a, &key("prof_b"), Platform::LinkedIn, t(0))
        .await
        .unwrap();
    repo.mark_revoked(a, &key("prof_d"), Platform::Bluesky, t(0))
        .await
        .unwrap();
    // Another account's profile that every filter below would select: never listed.
    let theirs = ProfileRecord {
        profile: Profile::new(key("prof_other"), None, t(1)),
        connections: vec![li(1).with_revoked(true)],
    };
    repo.import_profiles(other, vec![theirs], None)
        .await
        .unwrap();
    a
}

/// Every page of the selection, walked with cursors `page_size` at a time.
async fn walk(
    repo: &Arc<dyn Repository>,
    account: AccountId,
    filter: &ProfileFilter,
    now: Timestamp,
    page_size: u32,
) -> Vec<ProfileRecord> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = repo
            .list_profiles_page(account, filter, now, after.take(), page_size)
            .await
            .unwrap();
        assert!(page.len() <= page_size as usize);
        let full = page.len() == page_size as usize;
        after = page.last().map(|r| ProfileCursor::after(&r.profile));
        out.extend(page);
        if !full {
            return out;
        }
    }
}

fn keys(records: &[ProfileRecord]) -> Vec<&str> {
    records.iter().map(|r| r.profile.key().as_str()).collect()
}

/// Named cases, including the instants where a rule flips: at `t(DAY)` `a`'s token has
/// just expired; half a second before, it has 0 days left but still works.
pub async fn filters_select_the_profiles_the_expiry_rules_name(repo: Arc<dyn Repository>) {
    let a = fixture(&repo).await;
    let half_second_before_a_expires = t(DAY) - chrono::Duration::milliseconds(500);
    let f = |platform, needs_reconnect, expiring_within_days| ProfileFilter {
        platform,
        needs_reconnect,
        expiring_within_days,
    };
    let (li, bs) = (Some(Platform::LinkedIn), Some(Platform::Bluesky));
    let cases: [(ProfileFilter, Timestamp, &[&str]); 12] = [
        (
            f(li, None, None),
            t(DAY),
            &["prof_a", "prof_b", "prof_f", "prof_g"],
        ),
        (f(bs, None, None), t(DAY), &["prof_c", "prof_d", "prof_f"]),
        (
            f(None, Some(true), None),
            t(DAY),
            &["prof_a", "prof_b", "prof_d"],
        ),
        (
            f(None, Some(true), None),
            half_second_before_a_expires,
            &["prof_b", "prof_d"],
        ),
        (
            f(None, Some(false), None),
            t(DAY),
            &["prof_c", "prof_e", "prof_f", "prof_g"],
        ),
        (f(bs, Some(false), None), t(DAY), &["prof_c", "prof_f"]),
        (f(li, Some(true), None), t(DAY), &["prof_a", "prof_b"]),
        (
            f(None, None, Some(1)),
            t(DAY),
            &["prof_a", "prof_b", "prof_d"],
        ),
        (
            f(None, None, Some(2)),
            t(DAY),
            &["prof_a", "prof_b", "prof_d", "prof_f"],
        ),
        (
            f(None, None, Some(0)),
            half_second_before_a_expires,
            &["prof_a", "prof_b", "prof_d"],
        ),
        (f(None, Some(false), Some(2)), t(DAY), &["prof_f"]),
        (
            f(li, Some(false), Some(36_500)),
            t(DAY),
            &["prof_f", "prof_g"],
        ),
    ];
    for (filter, now, expected) in cases {
        let listed = walk(&repo, a, &filter, now, 1000).await;
        assert_eq!(keys(&listed), expected, "{filter:?} at {now}");
    }
    // Selected profiles come with every connection, not only the judged ones.
    let listed = walk(&repo, a, &f(li, Some(false), Some(2)), t(DAY), 10).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].connections.len(), 2);
}

/// Every filter at instants on and off the rules' edges, walked in pages of two: the
/// backend selects exactly what [`ProfileFilter::matches`] selects, in contract order.
pub async fn filters_agree_with_the_domain_rule_at_every_edge(repo: Arc<dyn Repository>) {
    let a = fixture(&repo).await;
    let all = walk(&repo, a, &ProfileFilter::default(), t(0), 1000).await;
    assert_eq!(all.len(), 7);
    let ms = chrono::Duration::milliseconds;
    let nows = [
        t(0),
        t(DAY) - ms(500),
        t(DAY),
        t(2 * DAY) + ms(1),
        t(3 * DAY) - ms(1),
        t(3 * DAY),
        t(398 * DAY),
        t(400 * DAY),
    ];
    let platforms = [None, Some(Platform::LinkedIn), Some(Platform::Bluesky)];
    let reconnects = [None, Some(true), Some(false)];
    let windows = [
        None,
        Some(0),
        Some(1),
        Some(2),
        Some(9),
        Some(398),
        Some(36_500),
    ];
    for now in nows {
        for platform in platforms {
            for needs_reconnect in reconnects {
                for expiring_within_days in windows {
                    let filter = ProfileFilter {
                        platform,
                        needs_reconnect,
                        expiring_within_days,
                    };
                    let expected: Vec<_> = all
                        .iter()
                        .filter(|r| filter.matches(&r.connections, now))
                        .cloned()
                        .collect();
                    let listed = walk(&repo, a, &filter, now, 2).await;
                    assert!(listed == expected, "{filter:?} at {now}");
                }
            }
        }
    }
}
