//! Conformance cases: listing order, keyset pages under concurrent changes, the stream.

use super::{account, key, t};
use crate::{Credentials, ProfileCursor, ProfileRecord, Repository};
use postcore_domain::{Connection, Platform, Profile, ProfileKey};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Profiles come by `createdAt`, then key; connections by platform name.
pub async fn profiles_are_listed_in_contract_order_with_connections(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    for (k, at) in [("prof_b", 5), ("prof_c", 1), ("prof_a", 5)] {
        repo.create_profile(a, Some(key(k)), None, t(at))
            .await
            .unwrap();
    }
    let li = Connection::new(Platform::LinkedIn, "A", "a", t(7));
    let bs = Connection::new(Platform::Bluesky, "a.bsky.social", "a.bsky.social", t(8));
    repo.connect(a, &key("prof_a"), li.clone(), Credentials::default())
        .await
        .unwrap();
    repo.connect(a, &key("prof_a"), bs.clone(), Credentials::default())
        .await
        .unwrap();
    let page = repo
        .list_profiles_page(a, &Default::default(), t(0), None, 10)
        .await
        .unwrap();
    let expected = vec![
        ProfileRecord {
            profile: Profile::new(key("prof_c"), None, t(1)),
            connections: vec![],
        },
        ProfileRecord {
            profile: Profile::new(key("prof_a"), None, t(5)),
            connections: vec![bs, li],
        },
        ProfileRecord {
            profile: Profile::new(key("prof_b"), None, t(5)),
            connections: vec![],
        },
    ];
    assert_eq!(page, expected);
    // Read by its key, a profile has every one of its connections.
    assert_eq!(
        repo.get_profile(a, &key("prof_a")).await.unwrap(),
        expected[1]
    );
    let streamed = super::all_profiles(&repo, a, 2).await.unwrap();
    assert_eq!(streamed, expected);
}

/// Walking keyset pages while profiles are created and deleted between pages returns every
/// profile that lived throughout exactly once, and never a deleted one after its deletion.
pub async fn keyset_pages_return_every_profile_once_under_concurrent_changes(
    repo: Arc<dyn Repository>,
) {
    let a = account(&repo, "a").await;
    let mut initial = Vec::new();
    for i in 0..60 {
        // Several profiles per second, so ties on createdAt are ordered by key.
        let p = repo.create_profile(a, None, None, t(i / 4)).await.unwrap();
        initial.push(p.key().clone());
    }
    let mut seen: Vec<ProfileKey> = Vec::new();
    let mut deleted = BTreeSet::new();
    let mut after = None;
    let mut round = 0;
    loop {
        let page = repo
            .list_profiles_page(a, &Default::default(), t(0), after.clone(), 7)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(ProfileCursor::after(&last.profile));
        seen.extend(page.iter().map(|r| r.profile.key().clone()));
        // Between pages: create one profile later than everything, and delete one profile
        // not yet seen.
        repo.create_profile(a, None, None, t(1000 + round))
            .await
            .unwrap();
        if let Some(victim) = initial
            .iter()
            .rev()
            .find(|k| !seen.contains(k) && !deleted.contains(*k))
        {
            repo.delete_profile(a, victim, t(0)).await.unwrap();
            deleted.insert(victim.clone());
        }
        round += 1;
        if page.len() < 7 {
            break;
        }
        assert!(round < 100, "pagination did not end");
    }
    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a profile was returned twice");
    for k in &initial {
        assert_eq!(seen.contains(k), !deleted.contains(k), "{k}");
    }
    assert!(!deleted.is_empty());
}

/// The stream walks all pages (more than one internal page) in order.
pub async fn the_stream_returns_every_profile_in_order_across_pages(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let records: Vec<_> = (0..1234)
        .map(|i| ProfileRecord {
            profile: Profile::new(key(&format!("prof_s{i:05}")), None, t(i / 3)),
            connections: vec![Connection::new(Platform::LinkedIn, "A", "a", t(i))],
        })
        .collect();
    repo.import_profiles(a, records.clone(), None)
        .await
        .unwrap();
    repo.create_profile(b, None, None, t(0)).await.unwrap();
    let streamed = super::all_profiles(&repo, a, crate::STREAM_PAGE_SIZE)
        .await
        .unwrap();
    assert_eq!(streamed.len(), 1234);
    assert!(
        streamed == records,
        "stream differs from the imported records"
    );
}
