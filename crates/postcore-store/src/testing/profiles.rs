//! Conformance cases: profiles, tenancy, cascade, imports, operations.

use super::{account, account_name, key, key_label, t};
use crate::{Conflict, Credentials, Entity, ImportSummary, ProfileRecord, Repository, StoreError};
use postcore_domain::{Connection, Platform, Profile, ProfileName};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

fn name(text: &str) -> Option<ProfileName> {
    Some(ProfileName::parse(text).unwrap())
}

fn linkedin(at: i64) -> Connection {
    Connection::new(Platform::LinkedIn, "John Doe", "johndoe", t(at))
}

/// Generated keys have the contract's shape; given keys (imports) are kept.
pub async fn profiles_get_generated_or_given_keys(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let p = repo
        .create_profile(a, None, name("User: john@example.com"), t(9))
        .await
        .unwrap();
    let rest = p.key().as_str().strip_prefix("prof_").unwrap();
    assert_eq!(rest.len(), 16);
    assert!(
        rest.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(
        (p.name().map(ProfileName::as_str), p.created_at()),
        (Some("User: john@example.com"), t(9))
    );
    let given = repo
        .create_profile(a, Some(key("prof_abc123def456")), None, t(10))
        .await
        .unwrap();
    assert_eq!(given, Profile::new(key("prof_abc123def456"), None, t(10)));
    let got = repo
        .get_profile(a, &key("prof_abc123def456"))
        .await
        .unwrap();
    assert_eq!(
        got,
        ProfileRecord {
            profile: given,
            connections: vec![]
        }
    );
}

/// A key that exists — in this or any other account — is a conflict.
pub async fn profile_keys_are_unique_across_accounts(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    repo.create_profile(a, Some(key("prof_same")), None, t(1))
        .await
        .unwrap();
    for acc in [a, b] {
        assert!(matches!(
            repo.create_profile(acc, Some(key("prof_same")), None, t(2))
                .await,
            Err(StoreError::Conflict(Conflict::ProfileKeyExists))
        ));
    }
    assert!(matches!(
        repo.create_profile(crate::AccountId(b.0 + 100), None, None, t(2))
            .await,
        Err(StoreError::NotFound(Entity::Account))
    ));
}

/// Rename replaces or clears the name; delete removes; a second delete is not found.
pub async fn profiles_are_renamed_and_deleted(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let p = repo
        .create_profile(a, None, name("old"), t(1))
        .await
        .unwrap();
    let renamed = repo.rename_profile(a, p.key(), name("new")).await.unwrap();
    assert_eq!(renamed, Profile::new(p.key().clone(), name("new"), t(1)));
    let cleared = repo.rename_profile(a, p.key(), None).await.unwrap();
    assert_eq!(cleared.name(), None);
    repo.delete_profile(a, p.key(), t(0)).await.unwrap();
    assert!(matches!(
        repo.get_profile(a, p.key()).await,
        Err(StoreError::NotFound(Entity::Profile))
    ));
    assert!(matches!(
        repo.delete_profile(a, p.key(), t(0)).await,
        Err(StoreError::NotFound(Entity::Profile))
    ));
}

async fn assert_every_keyed_call_is_not_found(
    repo: &Arc<dyn Repository>,
    acc: crate::AccountId,
    k: &str,
) {
    let k = key(k);
    let nf = |r: Result<(), StoreError>, what: &str| {
        assert!(
            matches!(r, Err(StoreError::NotFound(Entity::Profile))),
            "{what}: {r:?}"
        );
    };
    nf(repo.get_profile(acc, &k).await.map(drop), "get");
    nf(repo.rename_profile(acc, &k, None).await.map(drop), "rename");
    nf(repo.delete_profile(acc, &k, t(0)).await, "delete");
    nf(
        repo.connect(acc, &k, linkedin(1), Credentials::default())
            .await
            .map(drop),
        "connect",
    );
    nf(
        repo.disconnect(acc, &k, Platform::LinkedIn, t(0)).await,
        "disconnect",
    );
    nf(
        repo.mark_revoked(acc, &k, Platform::LinkedIn, t(0)).await,
        "mark_revoked",
    );
    nf(
        repo.credentials(acc, &k, Platform::LinkedIn)
            .await
            .map(drop),
        "credentials",
    );
}

/// Every method that takes a key answers "profile not found" for an unknown key.
pub async fn unknown_profiles_are_not_found_everywhere(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    assert_every_keyed_call_is_not_found(&repo, a, "prof_nobodyhere").await;
}

/// Another account's profile is answered exactly as an unknown one, and is left untouched.
pub async fn other_accounts_profiles_are_not_found_everywhere(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let p = repo
        .create_profile(a, Some(key("prof_ofa")), name("A's"), t(1))
        .await
        .unwrap();
    repo.connect(a, p.key(), linkedin(2), Credentials::default())
        .await
        .unwrap();
    let before = repo.get_profile(a, p.key()).await.unwrap();
    assert_every_keyed_call_is_not_found(&repo, b, "prof_ofa").await;
    assert_eq!(repo.get_profile(a, p.key()).await.unwrap(), before);
    assert!(
        repo.list_profiles_page(b, &Default::default(), t(0), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        repo.connections_needing_attention(Some(b), t(1_000_000_000))
            .await
            .unwrap()
            .is_empty()
    );
}

/// Deleting a profile takes its connections and secrets; a new profile of the same key
/// starts empty.
pub async fn deleting_a_profile_removes_its_connections_and_secrets(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let k = key("prof_cascade");
    repo.create_profile(a, Some(k.clone()), None, t(1))
        .await
        .unwrap();
    let creds = Credentials {
        access_token: Some("tok".to_owned().into()),
        ..Default::default()
    };
    repo.connect(a, &k, linkedin(2), creds).await.unwrap();
    repo.delete_profile(a, &k, t(0)).await.unwrap();
    assert!(
        repo.connections_needing_attention(None, t(1_000_000_000))
            .await
            .unwrap()
            .is_empty()
    );
    repo.create_profile(a, Some(k.clone()), None, t(3))
        .await
        .unwrap();
    assert_eq!(repo.get_profile(a, &k).await.unwrap().connections, vec![]);
    assert!(matches!(
        repo.credentials(a, &k, Platform::LinkedIn).await,
        Err(StoreError::NotFound(Entity::Connection))
    ));
}

fn record(k: &str, at: i64, connections: Vec<Connection>) -> ProfileRecord {
    ProfileRecord {
        profile: Profile::new(key(k), name(k), t(at)),
        connections,
    }
}

/// Imports keep keys and public fields, report progress, and change nothing the second time.
pub async fn imports_preserve_keys_and_are_idempotent(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let bluesky = Connection::new(Platform::Bluesky, "j.bsky.social", "j.bsky.social", t(5));
    let records: Vec<_> = (0..250)
        .map(|i| {
            record(
                &format!("prof_imp{i:04}"),
                i,
                vec![bluesky.clone(), linkedin(i).with_revoked(true)],
            )
        })
        .collect();
    let calls = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&calls);
    let progress: crate::Progress = Arc::new(move |done| seen.store(done, Ordering::SeqCst));
    let first = repo
        .import_profiles(a, records.clone(), Some(progress))
        .await
        .unwrap();
    assert_eq!(
        first,
        ImportSummary {
            created: 250,
            unchanged: 0
        }
    );
    assert_eq!(calls.load(Ordering::SeqCst), 250);
    let second = repo
        .import_profiles(a, records.clone(), None)
        .await
        .unwrap();
    assert_eq!(
        second,
        ImportSummary {
            created: 0,
            unchanged: 250
        }
    );
    let listed = repo
        .list_profiles_page(a, &Default::default(), t(0), None, 1000)
        .await
        .unwrap();
    assert_eq!(listed, records);
}

/// An import that meets a key of another account fails whole.
pub async fn imports_that_collide_with_another_account_write_nothing(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    repo.create_profile(b, Some(key("prof_taken")), None, t(1))
        .await
        .unwrap();
    let records = vec![
        record("prof_fresh1", 1, vec![]),
        record("prof_taken", 2, vec![]),
        record("prof_fresh2", 3, vec![]),
    ];
    match repo.import_profiles(a, records, None).await {
        Err(StoreError::Conflict(conflict)) => assert_eq!(
            conflict,
            Conflict::ImportedProfileKeyExists {
                record: 1,
                key: key("prof_taken")
            }
        ),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(
        repo.list_profiles_page(a, &Default::default(), t(0), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Health answers, the schema is current, the database is sound, and a backup is a
/// readable copy that is never written over an existing file.
pub async fn health_migrations_integrity_and_backup_work(repo: Arc<dyn Repository>) {
    repo.health().await.unwrap();
    let status = repo.migration_status().await.unwrap();
    assert_eq!(status.current, status.latest);
    assert!(status.latest >= 1);
    assert_eq!(repo.integrity_check().await.unwrap(), Vec::<String>::new());
    let a = account(&repo, "a").await;
    repo.create_profile(a, Some(key("prof_backedup")), None, t(1))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("copy.db");
    repo.backup(&dest).await.unwrap();
    assert!(std::fs::metadata(&dest).unwrap().len() > 0);
    assert!(matches!(
        repo.backup(&dest).await,
        Err(StoreError::Conflict(Conflict::FileExists))
    ));
}

/// Provisioning creates a missing account, imports and makes a key in one transaction;
/// when any part fails, nothing at all is left behind.
pub async fn provisioning_is_one_transaction(repo: Arc<dyn Repository>) {
    let records = vec![record("prof_prov1", 1, vec![linkedin(1)])];
    let made = repo
        .provision_account(
            &account_name("fresh"),
            records.clone(),
            Some(&key_label("demo")),
            t(5),
        )
        .await
        .unwrap();
    assert!(made.created_account);
    assert_eq!(
        (made.account.name.as_str(), made.summary),
        (
            "fresh",
            ImportSummary {
                created: 1,
                unchanged: 0
            }
        )
    );
    assert_eq!(
        made.key_info
            .label
            .as_ref()
            .map(postcore_domain::KeyLabel::as_str),
        Some("demo")
    );
    assert_eq!(
        repo.authenticate(&made.api_key, t(6)).await.unwrap(),
        Some(made.account.id)
    );
    assert_eq!(
        repo.list_profiles_page(made.account.id, &Default::default(), t(0), None, 10)
            .await
            .unwrap(),
        records
    );
    let again = repo
        .provision_account(&account_name("fresh"), records, None, t(7))
        .await
        .unwrap();
    assert!(!again.created_account);
    assert_eq!(
        again.summary,
        ImportSummary {
            created: 0,
            unchanged: 1
        }
    );

    // prof_prov1 belongs to `fresh`: provisioning `other` with it fails whole.
    let clash = vec![
        record("prof_prov2", 1, vec![]),
        record("prof_prov1", 2, vec![]),
    ];
    match repo
        .provision_account(&account_name("other"), clash, Some(&key_label("x")), t(8))
        .await
    {
        Err(StoreError::Conflict(conflict)) => assert_eq!(
            conflict,
            Conflict::ImportedProfileKeyExists {
                record: 1,
                key: key("prof_prov1")
            }
        ),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(matches!(
        repo.find_account(&account_name("other")).await,
        Err(StoreError::NotFound(Entity::Account))
    ));
    assert_eq!(repo.list_api_keys(None).await.unwrap().len(), 2);
}
