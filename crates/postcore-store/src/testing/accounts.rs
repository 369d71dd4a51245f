//! Conformance cases: accounts and API keys.

use super::{account, account_name, key_label, t};
use crate::{Conflict, Entity, Repository, StoreError};
use postcore_domain::{ApiKey, KeyLabel};
use std::sync::Arc;

/// Accounts are created, listed by name and found by exact name.
pub async fn accounts_are_created_listed_and_found(repo: Arc<dyn Repository>) {
    assert_eq!(repo.list_accounts().await.unwrap(), vec![]);
    let b = repo
        .create_account(&account_name("beta"), t(10))
        .await
        .unwrap();
    let a = repo
        .create_account(&account_name("alpha"), t(20))
        .await
        .unwrap();
    assert_eq!((b.name.as_str(), b.created_at), ("beta", t(10)));
    assert_ne!(a.id, b.id);
    assert_eq!(
        repo.list_accounts().await.unwrap(),
        vec![a.clone(), b.clone()]
    );
    assert_eq!(repo.find_account(&account_name("alpha")).await.unwrap(), a);
    assert!(matches!(
        repo.find_account(&account_name("Alpha")).await,
        Err(StoreError::NotFound(Entity::Account))
    ));
}

/// A second account of the same name is a conflict and changes nothing; names differing
/// only in case are different accounts. (Malformed names cannot reach the store: they are
/// refused by `AccountName::parse` where they enter.)
pub async fn account_names_are_unique_and_validated(repo: Arc<dyn Repository>) {
    let acme = repo
        .create_account(&account_name("acme"), t(0))
        .await
        .unwrap();
    assert!(matches!(
        repo.create_account(&account_name("acme"), t(1)).await,
        Err(StoreError::Conflict(Conflict::AccountExists))
    ));
    let upper = repo
        .create_account(&account_name("ACME"), t(2))
        .await
        .unwrap();
    assert_eq!(repo.list_accounts().await.unwrap(), vec![upper, acme]);
}

/// A new key authenticates to its account (recording last use) until it is revoked.
pub async fn api_keys_authenticate_to_their_account_until_revoked(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let (key_a, info) = repo
        .create_api_key(a, Some(&key_label("ci")), t(5))
        .await
        .unwrap();
    let (key_b, _) = repo.create_api_key(b, None, t(5)).await.unwrap();
    assert_eq!(info.prefix, key_a.display_prefix());
    assert_eq!(
        (
            info.label.as_ref().map(postcore_domain::KeyLabel::as_str),
            info.created_at
        ),
        (Some("ci"), t(5))
    );
    assert_eq!((info.last_used_at, info.revoked_at), (None, None));

    assert_eq!(repo.authenticate(&key_a, t(100)).await.unwrap(), Some(a));
    assert_eq!(repo.authenticate(&key_b, t(100)).await.unwrap(), Some(b));
    assert_eq!(
        repo.authenticate(&ApiKey::generate(), t(100))
            .await
            .unwrap(),
        None
    );
    // Last use is recorded off the request path, at most once a minute.
    repo.authenticate(&key_a, t(130)).await.unwrap();
    repo.flush_last_use().await.unwrap();
    let listed = repo.list_api_keys(Some(a)).await.unwrap();
    assert_eq!(listed[0].last_used_at, Some(t(100)));
    repo.authenticate(&key_a, t(160)).await.unwrap();
    repo.flush_last_use().await.unwrap();
    assert_eq!(
        repo.list_api_keys(Some(a)).await.unwrap()[0].last_used_at,
        Some(t(160))
    );

    let revoked = repo
        .revoke_api_key(key_a.display_prefix(), t(200))
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(t(200)));
    assert_eq!(repo.authenticate(&key_a, t(201)).await.unwrap(), None);
    assert_eq!(repo.authenticate(&key_b, t(201)).await.unwrap(), Some(b));
    // Revoking again keeps the first revocation time.
    let again = repo
        .revoke_api_key(key_a.display_prefix(), t(300))
        .await
        .unwrap();
    assert_eq!(again.revoked_at, Some(t(200)));
    assert!(matches!(
        repo.revoke_api_key("pc_live_zzzzzz", t(300)).await,
        Err(StoreError::NotFound(Entity::ApiKey))
    ));
}

/// Listings show prefix, label, times and owner — never the key or its digest.
pub async fn api_key_listing_never_holds_the_key(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let (ka, _) = repo.create_api_key(a, None, t(1)).await.unwrap();
    let (kb, _) = repo
        .create_api_key(b, Some(&key_label("x")), t(2))
        .await
        .unwrap();
    let all = repo.list_api_keys(None).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|k| (
                k.account_name.as_str(),
                k.prefix.as_str(),
                k.label.as_ref().map(KeyLabel::as_str),
                k.created_at
            ))
            .collect::<Vec<_>>(),
        vec![
            ("a", ka.display_prefix(), None, t(1)),
            ("b", kb.display_prefix(), Some("x"), t(2))
        ]
    );
    assert_eq!(repo.list_api_keys(Some(b)).await.unwrap().len(), 1);
    let shown = format!("{all:?}");
    assert!(!shown.contains(ka.expose_secret()) && !shown.contains(kb.expose_secret()));
}

/// A prefix shared by two keys revokes neither; prefixes shorter than 10 are refused.
pub async fn api_key_prefixes_must_be_unambiguous_to_revoke(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let mut seen = std::collections::HashMap::new();
    let shared = loop {
        let (k, _) = repo.create_api_key(a, None, t(1)).await.unwrap();
        let short = k.display_prefix()[..10].to_owned();
        if seen.insert(short.clone(), k).is_some() {
            break short;
        }
        assert!(seen.len() < 5000, "no two keys shared 2 characters");
    };
    assert!(matches!(
        repo.revoke_api_key(&shared, t(2)).await,
        Err(StoreError::Conflict(Conflict::AmbiguousKeyPrefix))
    ));
    assert!(
        repo.list_api_keys(None)
            .await
            .unwrap()
            .iter()
            .all(|k| k.revoked_at.is_none())
    );
    assert!(matches!(
        repo.revoke_api_key("pc_live_", t(2)).await,
        Err(StoreError::InvalidData(_))
    ));
}

/// Keys cannot be made for an account that does not exist.
pub async fn api_keys_need_an_existing_account(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let missing = crate::AccountId(a.0 + 1000);
    assert!(matches!(
        repo.create_api_key(missing, None, t(1)).await,
        Err(StoreError::NotFound(Entity::Account))
    ));
}

/// An imported key (the hosted service's, 16 to 128 characters) is stored as a created
/// one is — digest and display prefix, label, owner — and authenticates to its account
/// until revoked; importing the same key again, to any account, or for an unknown account
/// is refused and writes nothing.
pub async fn imported_api_keys_authenticate_like_created_ones(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let short = ApiKey::parse("pc_live_Hosted0123456789").unwrap();
    let long = ApiKey::parse(&format!("pc_live_HOSTED{}", "x".repeat(122))).unwrap();
    let info = repo
        .import_api_key(a, &short, Some(&key_label("hosted")), t(5))
        .await
        .unwrap();
    assert_eq!(
        (
            info.account,
            info.account_name.as_str(),
            info.prefix.as_str(),
            info.label.as_ref().map(KeyLabel::as_str),
            info.created_at,
            info.last_used_at,
            info.revoked_at
        ),
        (a, "a", "pc_live_Hosted", Some("hosted"), t(5), None, None)
    );
    let long_info = repo.import_api_key(b, &long, None, t(6)).await.unwrap();
    assert_eq!(
        (long_info.prefix.as_str(), long_info.label),
        ("pc_live_HOSTED", None)
    );
    assert_eq!(repo.authenticate(&short, t(10)).await.unwrap(), Some(a));
    assert_eq!(repo.authenticate(&long, t(10)).await.unwrap(), Some(b));
    // One character more or less is another key.
    let longer = ApiKey::parse(&format!("{}9", short.expose_secret())).unwrap();
    assert_eq!(repo.authenticate(&longer, t(10)).await.unwrap(), None);

    for (to, key) in [(a, &short), (b, &short), (a, &long)] {
        assert!(matches!(
            repo.import_api_key(to, key, None, t(20)).await,
            Err(StoreError::Conflict(Conflict::ApiKeyExists))
        ));
    }
    let missing = crate::AccountId(b.0 + 1000);
    assert!(matches!(
        repo.import_api_key(missing, &longer, None, t(20)).await,
        Err(StoreError::NotFound(Entity::Account))
    ));
    // Another key with a stored key's display prefix could never be listed or revoked
    // apart from it: refused, in any account, and nothing is written.
    for to in [a, b] {
        assert!(matches!(
            repo.import_api_key(to, &longer, None, t(21)).await,
            Err(StoreError::Conflict(Conflict::KeyPrefixTaken))
        ));
    }
    assert_eq!(repo.authenticate(&longer, t(22)).await.unwrap(), None);
    repo.flush_last_use().await.unwrap();
    let listed = repo.list_api_keys(None).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|k| (k.account, k.prefix.as_str(), k.created_at))
            .collect::<Vec<_>>(),
        vec![(a, "pc_live_Hosted", t(5)), (b, "pc_live_HOSTED", t(6))]
    );
    let shown = format!("{listed:?}");
    assert!(!shown.contains(short.expose_secret()) && !shown.contains(long.expose_secret()));

    // A revoked imported key stays taken: importing it again does not revive it.
    repo.revoke_api_key("pc_live_Hosted", t(30)).await.unwrap();
    assert_eq!(repo.authenticate(&short, t(31)).await.unwrap(), None);
    assert!(matches!(
        repo.import_api_key(a, &short, None, t(32)).await,
        Err(StoreError::Conflict(Conflict::ApiKeyExists))
    ));
    assert_eq!(repo.authenticate(&short, t(33)).await.unwrap(), None);
}

/// `get_profile_as` authenticates and reads in one call: the profile of the key's own
/// account; another account's or an unknown profile is not found; an unknown or revoked
/// key is `Unauthenticated` whatever the profile; the key's last use is recorded.
pub async fn profiles_are_read_as_an_api_key_in_one_call(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let (key_a, _) = repo.create_api_key(a, None, t(1)).await.unwrap();
    let mine = repo.create_profile(a, None, None, t(2)).await.unwrap();
    let theirs = repo.create_profile(b, None, None, t(3)).await.unwrap();
    let record = repo
        .get_profile_as(&key_a, t(100), mine.key())
        .await
        .unwrap();
    assert_eq!((record.profile, record.connections), (mine.clone(), vec![]));
    assert!(matches!(
        repo.get_profile_as(&key_a, t(100), theirs.key()).await,
        Err(StoreError::NotFound(Entity::Profile))
    ));
    assert!(matches!(
        repo.get_profile_as(&ApiKey::generate(), t(100), mine.key())
            .await,
        Err(StoreError::Unauthenticated)
    ));
    repo.flush_last_use().await.unwrap();
    assert_eq!(
        repo.list_api_keys(Some(a)).await.unwrap()[0].last_used_at,
        Some(t(100))
    );
    repo.revoke_api_key(key_a.display_prefix(), t(200))
        .await
        .unwrap();
    assert!(matches!(
        repo.get_profile_as(&key_a, t(201), mine.key()).await,
        Err(StoreError::Unauthenticated)
    ));
}
