//! Refreshers racing on one database: two stores opened on the same file (as two server
//! processes would), against a stand-in that retires a refresh token once used, so that a
//! second refresh of a connection would show as `invalid_grant` and mark it.

use crate::harness::{DAY, World, open, t};
use crate::row;
use postcore_domain::Platform;
use postcore_refresh::RefreshResult::{LostRace, Refreshed};
use postcore_refresh::{RefreshSettings, refresh_due};

const KEYS: [&str; 4] = ["prof_a", "prof_b", "prof_c", "prof_d"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_refreshers_on_one_database_refresh_each_connection_once() {
    let w = World::new().await;
    for k in KEYS {
        w.connect(k, t(0), t(365 * DAY)).await;
    }
    let other = open(&w.database).await;
    let settings = RefreshSettings::default();
    let now = t(55 * DAY);
    let (a, b) = tokio::join!(
        refresh_due(&*w.store, &w.client, now, &settings, None, false),
        refresh_due(&*other, &w.client, now, &settings, None, false),
    );
    let rows: Vec<_> = a.unwrap().rows.into_iter().chain(b.unwrap().rows).collect();
    assert_eq!(w.li.counts().token_refresh, KEYS.len(), "{rows:?}");
    for k in KEYS {
        let mine: Vec<_> = rows
            .iter()
            .filter(|r| r.profile_key.as_str() == k)
            .collect();
        let refreshed = mine.iter().filter(|r| r.result == Refreshed).count();
        let lost = mine.iter().filter(|r| r.result == LostRace).count();
        assert_eq!(
            (refreshed, lost + refreshed),
            (1, mine.len()),
            "{k}: {rows:?}"
        );
        let c = w.connection(k).await;
        assert_eq!(
            (c.connected_at(), c.expires_at(), c.is_revoked()),
            (now, Some(t(115 * DAY)), false),
            "{k}"
        );
        assert!(w.li.is_live(&w.tokens(k).await.access), "{k}");
    }
    // Both see it renewed: nothing is due any more.
    assert!(w.pass(now, false).await.is_empty());
    let again = refresh_due(&*other, &w.client, now, &settings, None, false);
    assert!(again.await.unwrap().is_empty());
}

#[tokio::test]
async fn a_lease_held_elsewhere_keeps_a_refresher_off_until_it_runs_out() {
    let w = World::new().await;
    w.connect("prof_a", t(0), t(365 * DAY)).await;
    let other = open(&w.database).await;
    let now = t(55 * DAY);
    // Another process claims it, then dies mid-refresh.
    let seen = other
        .refresh_candidates(Platform::LinkedIn, t(62 * DAY), now, 10)
        .await
        .unwrap();
    assert!(
        other
            .claim_refresh(&seen[0].target(), now, t(55 * DAY + 120))
            .await
            .unwrap()
    );
    assert!(w.pass(now, false).await.is_empty());
    assert!(w.pass(t(55 * DAY + 119), false).await.is_empty());
    assert_eq!(w.li.counts().token_refresh, 0);
    // Its lease ran out: taken over.
    let later = t(55 * DAY + 120);
    assert_eq!(
        w.pass(later, false).await.rows,
        vec![row("prof_a", t(115 * DAY + 120), Refreshed)]
    );
    // The dead refresher's target is stale now: its ending writes nothing.
    let release = postcore_store::RefreshRelease::Rejected;
    assert!(
        !other
            .release_refresh(&seen[0].target(), release, later)
            .await
            .unwrap()
    );
    assert!(!w.connection("prof_a").await.is_revoked());
}
