//! Conformance cases for the connect flows: a connection with a new profile, revoke marks
//! that lose to a renewal, and every connection of a platform with its secrets.

use super::{account, all_profiles, key, t};
use crate::{Credentials, ProfileRecord, Repository, StoreError};
use postcore_domain::{Connection, Platform};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

fn app_password(text: &str) -> Credentials {
    Credentials {
        app_password: Some(SecretString::from(text.to_owned())),
        ..Default::default()
    }
}

fn bluesky(handle: &str, did: &str, at: i64) -> Connection {
    Connection::new(Platform::Bluesky, handle, handle, t(at)).with_did(Some(did.to_owned()))
}

/// Connecting without a profile creates one (no name, created at `now`) holding exactly
/// the connection; an invalid connection writes neither.
pub async fn connecting_to_a_new_profile_creates_both_in_one_transaction(
    repo: Arc<dyn Repository>,
) {
    let a = account(&repo, "a").await;
    let c = bluesky("alice.bsky.social", "did:plc:alice", 50);
    let profile = repo
        .connect_new_profile(a, c.clone(), app_password("app-1"), t(50))
        .await
        .unwrap();
    assert_eq!(profile.name(), None);
    assert_eq!(profile.created_at(), t(50));
    let expected = ProfileRecord {
        profile: profile.clone(),
        connections: vec![c],
    };
    assert_eq!(repo.get_profile(a, profile.key()).await.unwrap(), expected);
    let stored = repo
        .credentials(a, profile.key(), Platform::Bluesky)
        .await
        .unwrap();
    assert_eq!(
        stored
            .app_password
            .as_ref()
            .map(ExposeSecret::expose_secret),
        Some("app-1")
    );

    let invalid = bluesky("", "did:plc:bad", 60);
    let refused = repo
        .connect_new_profile(a, invalid, app_password("app-2"), t(60))
        .await;
    assert!(
        matches!(refused, Err(StoreError::InvalidData(_))),
        "{refused:?}"
    );
    assert_eq!(all_profiles(&repo, a, 10).await.unwrap(), vec![expected]);
}

/// A revoke mark is set only on the connection that was seen: not after a renewal, not on
/// a disconnected platform, not through another account.
pub async fn revoke_marks_lose_to_renewals_made_since(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let k = key("prof_marked");
    repo.create_profile(a, Some(k.clone()), None, t(0))
        .await
        .unwrap();
    let first = bluesky("alice.bsky.social", "did:plc:alice", 10);
    repo.connect(a, &k, first, app_password("app-1"))
        .await
        .unwrap();
    let renewed = bluesky("alice.bsky.social", "did:plc:alice", 20);
    repo.connect(a, &k, renewed.clone(), app_password("app-2"))
        .await
        .unwrap();
    for (account, seen) in [(a, 10), (b, 20)] {
        let marked = repo
            .mark_revoked_if_unchanged(account, &k, Platform::Bluesky, t(seen), t(0))
            .await;
        assert!(!marked.unwrap(), "account {account:?}, seen at {seen}");
    }
    assert_eq!(
        repo.get_profile(a, &k).await.unwrap().connections,
        vec![renewed.clone()]
    );
    let marked = repo
        .mark_revoked_if_unchanged(a, &k, Platform::Bluesky, t(20), t(0))
        .await;
    assert!(marked.unwrap());
    assert_eq!(
        repo.get_profile(a, &k).await.unwrap().connections,
        vec![renewed.with_revoked(true)]
    );
    let absent = repo
        .mark_revoked_if_unchanged(a, &k, Platform::LinkedIn, t(20), t(0))
        .await;
    assert!(!absent.unwrap());
}

/// Every connection of one platform comes with its owners and secrets, by account name
/// then profile key; other platforms and (when asked) other accounts are left out.
pub async fn platform_connections_carry_owners_and_secrets(repo: Arc<dyn Repository>) {
    let b = account(&repo, "b").await;
    let a = account(&repo, "a").await;
    for (acc, k, handle) in [
        (b, "prof_bbb", "bob.bsky.social"),
        (a, "prof_zzz", "zed.bsky.social"),
        (a, "prof_aaa", "ann.bsky.social"),
    ] {
        let k = key(k);
        repo.create_profile(acc, Some(k.clone()), None, t(0))
            .await
            .unwrap();
        let did = format!("did:plc:{}", &handle[..3]);
        repo.connect(acc, &k, bluesky(handle, &did, 5), app_password(handle))
            .await
            .unwrap();
        let li = Connection::new(Platform::LinkedIn, "L", "l", t(5));
        repo.connect(acc, &k, li, Credentials::default())
            .await
            .unwrap();
    }
    let summary = |rows: Vec<crate::StoredConnection>| -> Vec<(String, String, String, String)> {
        rows.into_iter()
            .map(|r| {
                assert_eq!(r.connection.platform(), Platform::Bluesky);
                (
                    r.account_name.to_string(),
                    r.profile_key.to_string(),
                    r.connection.username().to_owned(),
                    r.credentials
                        .app_password
                        .as_ref()
                        .map(|s| s.expose_secret().to_owned())
                        .unwrap_or_default(),
                )
            })
            .collect()
    };
    let row = |acc: &str, k: &str, h: &str| (acc.into(), k.into(), h.into(), h.into());
    let all = repo
        .platform_connections(None, Platform::Bluesky)
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|r| r.account).collect::<Vec<_>>(),
        vec![a, a, b]
    );
    assert_eq!(
        summary(all),
        vec![
            row("a", "prof_aaa", "ann.bsky.social"),
            row("a", "prof_zzz", "zed.bsky.social"),
            row("b", "prof_bbb", "bob.bsky.social"),
        ]
    );
    let only_b = repo
        .platform_connections(Some(b), Platform::Bluesky)
        .await
        .unwrap();
    assert_eq!(
        summary(only_b),
        vec![row("b", "prof_bbb", "bob.bsky.social")]
    );
    repo.disconnect(b, &key("prof_bbb"), Platform::Bluesky, t(0))
        .await
        .unwrap();
    let none = repo
        .platform_connections(Some(b), Platform::Bluesky)
        .await
        .unwrap();
    assert!(none.is_empty());
}
