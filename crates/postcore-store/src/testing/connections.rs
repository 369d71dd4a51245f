//! Conformance cases: connect/renew, conflicts, disconnect, revoke marks, secrets, reports.

use super::{account, account_name, key, t};
use crate::{
    Conflict, ConnectOutcome, ConnectionReport, Credentials, Entity, Repository, StoreError,
};
use postcore_domain::{Connection, Platform};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

fn secret(text: &str) -> Option<SecretString> {
    Some(text.to_owned().into())
}

fn exposed(s: &Option<SecretString>) -> Option<&str> {
    s.as_ref().map(ExposeSecret::expose_secret)
}

const DAY: i64 = 86_400;

/// Reconnecting the same platform account renews in place: new times, mark cleared,
/// refresh token kept when none is given (api.md §5.5).
pub async fn connecting_twice_with_the_same_account_renews_in_place(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let k = key("prof_renew");
    repo.create_profile(a, Some(k.clone()), None, t(0))
        .await
        .unwrap();
    let first = Connection::new(Platform::LinkedIn, "John Doe", "johndoe", t(DAY));
    let creds = Credentials {
        access_token: secret("access-1"),
        refresh_token: secret("refresh-1"),
        app_password: None,
        refresh_token_expires_at: None,
    };
    assert_eq!(
        repo.connect(a, &k, first, creds).await.unwrap(),
        ConnectOutcome::Created
    );
    repo.mark_revoked(a, &k, Platform::LinkedIn, t(0))
        .await
        .unwrap();

    let again = Connection::new(Platform::LinkedIn, "John Q. Doe", "johndoe", t(10 * DAY));
    let creds = Credentials {
        access_token: secret("access-2"),
        ..Default::default()
    };
    assert_eq!(
        repo.connect(a, &k, again.clone(), creds).await.unwrap(),
        ConnectOutcome::Renewed
    );
    let got = repo.get_profile(a, &k).await.unwrap().connections;
    assert_eq!(got, vec![again]);
    assert_eq!(got[0].expires_at(), Some(t(70 * DAY)));
    assert!(!got[0].is_revoked());
    let stored = repo.credentials(a, &k, Platform::LinkedIn).await.unwrap();
    assert_eq!(exposed(&stored.access_token), Some("access-2"));
    assert_eq!(exposed(&stored.refresh_token), Some("refresh-1"));
}

/// A different platform account on an occupied platform is refused; the old connection
/// and its secrets stay exactly as they were.
pub async fn connecting_another_account_is_a_conflict_that_changes_nothing(
    repo: Arc<dyn Repository>,
) {
    let a = account(&repo, "a").await;
    let k = key("prof_occupied");
    repo.create_profile(a, Some(k.clone()), None, t(0))
        .await
        .unwrap();
    let did = Some("did:plc:first".to_owned());
    let first = Connection::new(
        Platform::Bluesky,
        "first.bsky.social",
        "first.bsky.social",
        t(1),
    )
    .with_did(did);
    let creds = Credentials {
        app_password: secret("app-pass-1"),
        ..Default::default()
    };
    repo.connect(a, &k, first.clone(), creds).await.unwrap();
    let other = Connection::new(
        Platform::Bluesky,
        "other.bsky.social",
        "other.bsky.social",
        t(2),
    )
    .with_did(Some("did:plc:other".to_owned()));
    let creds = Credentials {
        app_password: secret("app-pass-2"),
        ..Default::default()
    };
    assert!(matches!(
        repo.connect(a, &k, other, creds).await,
        Err(StoreError::Conflict(Conflict::PlatformAlreadyConnected))
    ));
    assert_eq!(
        repo.get_profile(a, &k).await.unwrap().connections,
        vec![first]
    );
    let stored = repo.credentials(a, &k, Platform::Bluesky).await.unwrap();
    assert_eq!(exposed(&stored.app_password), Some("app-pass-1"));
}

/// Disconnect removes one platform; marks make a connection need reconnect; both answer
/// "connection not found" for a platform that is not connected.
pub async fn connections_are_disconnected_and_marked_revoked(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let k = key("prof_marks");
    repo.create_profile(a, Some(k.clone()), None, t(0))
        .await
        .unwrap();
    let li = Connection::new(Platform::LinkedIn, "A", "a", t(0));
    let bs = Connection::new(Platform::Bluesky, "a.bsky.social", "a.bsky.social", t(0));
    repo.connect(a, &k, li.clone(), Credentials::default())
        .await
        .unwrap();
    repo.connect(a, &k, bs, Credentials::default())
        .await
        .unwrap();
    repo.mark_revoked(a, &k, Platform::LinkedIn, t(0))
        .await
        .unwrap();
    repo.disconnect(a, &k, Platform::Bluesky, t(0))
        .await
        .unwrap();
    let got = repo.get_profile(a, &k).await.unwrap().connections;
    assert_eq!(got, vec![li.with_revoked(true)]);
    assert!(got[0].needs_reconnect(t(1)));
    for r in [
        repo.disconnect(a, &k, Platform::Bluesky, t(0)).await,
        repo.mark_revoked(a, &k, Platform::Bluesky, t(0)).await,
        repo.credentials(a, &k, Platform::Bluesky).await.map(drop),
    ] {
        assert!(
            matches!(r, Err(StoreError::NotFound(Entity::Connection))),
            "{r:?}"
        );
    }
}

/// Secrets come back as stored, per profile and platform, and absent ones stay absent.
pub async fn credentials_round_trip_and_stay_apart_per_connection(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    for (i, k) in ["prof_one", "prof_two"].into_iter().enumerate() {
        let k = key(k);
        repo.create_profile(a, Some(k.clone()), None, t(0))
            .await
            .unwrap();
        let li = Connection::new(Platform::LinkedIn, "A", "a", t(0));
        let creds = Credentials {
            access_token: secret(&format!("access-{i}")),
            ..Default::default()
        };
        repo.connect(a, &k, li, creds).await.unwrap();
        let bs = Connection::new(Platform::Bluesky, "a.bsky.social", "a.bsky.social", t(0));
        let creds = Credentials {
            app_password: secret(&format!("app-{i}")),
            ..Default::default()
        };
        repo.connect(a, &k, bs, creds).await.unwrap();
    }
    for (i, k) in ["prof_one", "prof_two"].into_iter().enumerate() {
        let li = repo
            .credentials(a, &key(k), Platform::LinkedIn)
            .await
            .unwrap();
        let bs = repo
            .credentials(a, &key(k), Platform::Bluesky)
            .await
            .unwrap();
        let expected = format!("access-{i}");
        assert_eq!(
            (exposed(&li.access_token), exposed(&li.refresh_token)),
            (Some(expected.as_str()), None)
        );
        assert_eq!(exposed(&li.app_password), None);
        assert_eq!(exposed(&bs.app_password), Some(format!("app-{i}").as_str()));
        assert_eq!(exposed(&bs.access_token), None);
    }
}

/// The report lists connections expiring before the instant or marked revoked, soonest
/// first, optionally for one account.
pub async fn expiry_report_lists_expiring_and_revoked_soonest_first(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let mut expect = Vec::new();
    for (acc, acc_name, k, connected, revoked) in [
        (a, "a", "prof_late", 20 * DAY, false),
        (a, "a", "prof_soon", 0, false),
        (b, "b", "prof_mid", 5 * DAY, false),
        (a, "a", "prof_far", 200 * DAY, false),
        (b, "b", "prof_farrevoked", 300 * DAY, true),
    ] {
        let k = key(k);
        repo.create_profile(acc, Some(k.clone()), None, t(0))
            .await
            .unwrap();
        let c = Connection::new(Platform::LinkedIn, "A", "a", t(connected));
        repo.connect(acc, &k, c.clone(), Credentials::default())
            .await
            .unwrap();
        if revoked {
            repo.mark_revoked(acc, &k, Platform::LinkedIn, t(0))
                .await
                .unwrap();
        }
        let c = c.with_revoked(revoked);
        expect.push(ConnectionReport {
            account_name: account_name(acc_name),
            profile_key: k,
            connection: c,
        });
        // A Bluesky connection never expires and is never reported unless revoked.
        let bs = Connection::new(Platform::Bluesky, "x.bsky.social", "x.bsky.social", t(0));
        repo.connect(
            acc,
            &expect.last().unwrap().profile_key,
            bs,
            Credentials::default(),
        )
        .await
        .unwrap();
    }
    let before = t(90 * DAY);
    let all = repo
        .connections_needing_attention(None, before)
        .await
        .unwrap();
    let order = [1, 2, 0, 4];
    assert_eq!(
        all,
        order.iter().map(|&i| expect[i].clone()).collect::<Vec<_>>()
    );
    let of_b = repo
        .connections_needing_attention(Some(b), before)
        .await
        .unwrap();
    assert_eq!(of_b, vec![expect[2].clone(), expect[4].clone()]);
}

/// An expiry bound is exclusive and exact to the nanosecond, for the report and the
/// refresh candidates alike: an expiry at `t` is before `t + 0.5 s` (a bound truncated to
/// whole seconds would drop it: the `expiring` bug at a fractional `now`) but not before
/// `t` itself.
pub async fn expiry_bounds_keep_fractions_of_a_second(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let k = key("prof_edge");
    repo.create_profile(a, Some(k.clone()), None, t(0))
        .await
        .unwrap();
    let c = Connection::new(Platform::LinkedIn, "A", "a", t(0));
    let creds = Credentials {
        refresh_token: secret("refresh"),
        ..Credentials::default()
    };
    repo.connect(a, &k, c.clone(), creds).await.unwrap();
    let exp = t(60 * DAY);
    assert_eq!(c.expires_at(), Some(exp));
    let half = chrono::Duration::milliseconds(500);
    let nano = chrono::Duration::nanoseconds(1);
    for (before, listed) in [(exp + half, true), (exp + nano, true), (exp, false)] {
        let report = repo
            .connections_needing_attention(None, before)
            .await
            .unwrap();
        let keys: Vec<_> = report.into_iter().map(|r| r.profile_key).collect();
        assert_eq!(
            keys,
            if listed { vec![k.clone()] } else { vec![] },
            "{before:?}"
        );
        let found = repo
            .refresh_candidates(Platform::LinkedIn, before, t(DAY), 10)
            .await
            .unwrap();
        let keys: Vec<_> = found.into_iter().map(|r| r.stored.profile_key).collect();
        assert_eq!(
            keys,
            if listed { vec![k.clone()] } else { vec![] },
            "{before:?}"
        );
    }
}

/// Connections that break the contract (control characters, an expiry on Bluesky, an
/// expiry before the connection, an expiry past 9999-12-31T23:59:59Z) are refused by
/// connect and import alike; nothing is written.
pub async fn invalid_connections_are_refused_and_nothing_is_written(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let k = key("prof_invalid");
    repo.create_profile(a, Some(k.clone()), None, t(0))
        .await
        .unwrap();
    let bad = [
        Connection::new(Platform::LinkedIn, "A", "evil\u{0}\u{1b}[31m", t(1)),
        Connection::new(Platform::Bluesky, "b.bsky.social", "b.bsky.social", t(1))
            .with_expires_at(Some(t(DAY))),
        Connection::new(Platform::LinkedIn, "A", "a", t(DAY)).with_expires_at(Some(t(1))),
        // connectedAt + 60 days = +10000-01-30T00:00:00Z, which RFC 3339 cannot write.
        Connection::new(
            Platform::LinkedIn,
            "A",
            "a",
            postcore_domain::parse_timestamp("9999-12-01T00:00:00Z").unwrap(),
        ),
    ];
    for c in bad {
        let r = repo.connect(a, &k, c.clone(), Credentials::default()).await;
        assert!(matches!(r, Err(StoreError::InvalidData(_))), "{c:?}: {r:?}");
        let record = crate::ProfileRecord {
            profile: postcore_domain::Profile::new(key("prof_imported"), None, t(0)),
            connections: vec![c.clone()],
        };
        let r = repo.import_profiles(a, vec![record], None).await;
        assert!(matches!(r, Err(StoreError::InvalidData(_))), "{c:?}: {r:?}");
    }
    assert_eq!(repo.get_profile(a, &k).await.unwrap().connections, vec![]);
    assert_eq!(
        repo.list_profiles_page(a, &Default::default(), t(0), None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}
