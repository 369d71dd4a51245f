//! Conformance cases for [`Transfer`](crate::Transfer): whole accounts exported from one
//! store and imported into another keep every key, secret, timestamp and URL, and their
//! webhooks (`transfer_webhooks.rs`).

use super::{
    WebhookFixture, account, account_name, all_profiles, assert_webhooks_moved, key, key_label,
    populate_webhooks, t,
};
use crate::{
    AccountExport, ApiKeyInfo, Conflict, Credentials, DatabaseCounts, Entity, Progress, Repository,
    StoreError,
};
use postcore_domain::{ApiKey, Connection, Platform};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex};

fn secret(text: &str) -> Option<SecretString> {
    Some(text.to_owned().into())
}

/// The secrets of `c` as plain strings, for comparing.
fn plain(c: &Credentials) -> [Option<String>; 4] {
    let s = |v: &Option<SecretString>| v.as_ref().map(|s| s.expose_secret().to_owned());
    [
        s(&c.access_token),
        s(&c.refresh_token),
        s(&c.app_password),
        c.refresh_token_expires_at.map(|t| t.to_rfc3339()),
    ]
}

/// What is kept of each key, without the store's own account ids.
fn keys_without_ids(keys: Vec<ApiKeyInfo>) -> Vec<(String, String, Option<String>, String)> {
    keys.into_iter()
        .map(|k| {
            (
                k.account_name.as_str().to_owned(),
                k.prefix,
                k.label.map(|l| l.as_str().to_owned()),
                format!("{:?} {:?} {:?}", k.created_at, k.last_used_at, k.revoked_at),
            )
        })
        .collect()
}

/// Fills `repo` with account `a` (three keys: one used, one labelled and revoked, one
/// plain; two return URLs; a LinkedIn connection with refresh token, a marked Bluesky one,
/// a profile without connections, and [`populate_webhooks`]' webhooks from `t(1000)`) and
/// account `b` (one key, one profile). Returns the two keys that must still authenticate,
/// the revoked one, and the webhooks made.
async fn populate(repo: &Arc<dyn Repository>) -> (ApiKey, ApiKey, ApiKey, WebhookFixture) {
    let a = account(repo, "a").await;
    let b = account(repo, "b").await;
    let (used, _) = repo.create_api_key(a, None, t(10)).await.unwrap();
    let (revoked, info) = repo
        .create_api_key(a, Some(&key_label("old backend")), t(11))
        .await
        .unwrap();
    repo.revoke_api_key(&info.prefix, t(12)).await.unwrap();
    let (of_b, _) = repo.create_api_key(b, None, t(13)).await.unwrap();
    repo.create_api_key(a, Some(&key_label("spare")), t(14))
        .await
        .unwrap();
    assert_eq!(repo.authenticate(&used, t(100)).await.unwrap(), Some(a));
    repo.flush_last_use().await.unwrap();
    repo.allow_return_url(a, "https://app.example.com/done", t(20))
        .await
        .unwrap();
    repo.allow_return_url(a, "http://localhost:3000/x", t(21))
        .await
        .unwrap();

    let linked = key("prof_xferlinkedin");
    repo.create_profile(a, Some(linked.clone()), Some(name("John")), t(30))
        .await
        .unwrap();
    let creds = Credentials {
        access_token: secret("access-token-1"),
        refresh_token: secret("refresh-token-1"),
        app_password: None,
        refresh_token_expires_at: Some(t(86_400 * 300)),
    };
    let li = Connection::new(Platform::LinkedIn, "John Doe", "john@example.com", t(40));
    repo.connect(a, &linked, li, creds).await.unwrap();
    let sky = Connection::new(Platform::Bluesky, "j.bsky.social", "j.bsky.social", t(41))
        .with_did(Some("did:plc:xfer".to_owned()));
    let creds = Credentials {
        app_password: secret("abcd-efgh-ijkl-mnop"),
        ..Default::default()
    };
    repo.connect(a, &linked, sky, creds).await.unwrap();
    repo.mark_revoked(a, &linked, Platform::Bluesky, t(42))
        .await
        .unwrap();
    repo.create_profile(a, Some(key("prof_xferempty")), None, t(31))
        .await
        .unwrap();
    repo.create_profile(b, Some(key("prof_xferb")), Some(name("B")), t(32))
        .await
        .unwrap();
    let hooks = populate_webhooks(repo, a, t(1000)).await;
    (used, of_b, revoked, hooks)
}

fn name(text: &str) -> postcore_domain::ProfileName {
    postcore_domain::ProfileName::parse(text).expect("fixture profile name")
}

const POPULATED: DatabaseCounts = DatabaseCounts {
    accounts: 2,
    api_keys: 4,
    profiles: 4,
    connections: 3,
    return_urls: 2,
    webhook_endpoints: 3,
    webhook_events: 4,
    webhook_deliveries: 6,
    webhook_notices: 1,
};

/// Both accounts exported from `source` and imported into the empty `dest`: the same keys
/// authenticate (the revoked one does not), and profiles, connections, secrets, key
/// listings, return URLs, webhooks and counts are the same.
pub async fn whole_accounts_move_between_stores_with_keys_secrets_and_urls(
    source: Arc<dyn Repository>,
    dest: Arc<dyn Repository>,
) {
    let (used, of_b, revoked, hooks) = populate(&source).await;
    assert_eq!(source.database_counts().await.unwrap(), POPULATED);
    assert_eq!(
        dest.database_counts().await.unwrap(),
        DatabaseCounts::default()
    );

    let export = source.export_account(&account_name("a")).await.unwrap();
    assert_eq!(
        export.counts(),
        DatabaseCounts {
            accounts: 1,
            api_keys: 3,
            profiles: 3,
            connections: 3,
            ..POPULATED
        }
    );
    assert_eq!(export.created_at, t(0));
    let urls: Vec<_> = export
        .return_urls
        .iter()
        .map(|u| (u.url.as_str(), u.created_at))
        .collect();
    assert_eq!(
        urls,
        [
            ("http://localhost:3000/x", t(21)),
            ("https://app.example.com/done", t(20)),
        ]
    );
    let seen: Arc<Mutex<Vec<u64>>> = Arc::default();
    let log = Arc::clone(&seen);
    let progress: Progress = Arc::new(move |n| log.lock().unwrap().push(n));
    dest.import_account(export, Some(progress)).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), [3]);
    let export_b = source.export_account(&account_name("b")).await.unwrap();
    dest.import_account(export_b, None).await.unwrap();

    assert_eq!(dest.database_counts().await.unwrap(), POPULATED);
    let a = dest.find_account(&account_name("a")).await.unwrap();
    let b = dest.find_account(&account_name("b")).await.unwrap();
    assert_eq!(a.created_at, t(0));
    // The listings are the same: last_used_at as moved.
    let moved = keys_without_ids(dest.list_api_keys(None).await.unwrap());
    let original = keys_without_ids(source.list_api_keys(None).await.unwrap());
    assert_eq!(moved, original);
    assert_eq!(
        moved[0].3,
        format!("{:?} {:?} {:?}", t(10), Some(t(100)), None::<()>)
    );
    assert_eq!(moved[1].2.as_deref(), Some("old backend"));

    // The keys authenticate as before (after the listings: this records a last use).
    assert_eq!(dest.authenticate(&used, t(200)).await.unwrap(), Some(a.id));
    assert_eq!(dest.authenticate(&of_b, t(200)).await.unwrap(), Some(b.id));
    assert_eq!(dest.authenticate(&revoked, t(200)).await.unwrap(), None);
    let src_a = source.find_account(&account_name("a")).await.unwrap();
    assert_eq!(
        all_profiles(&dest, a.id, 10).await.unwrap(),
        all_profiles(&source, src_a.id, 10).await.unwrap()
    );
    let linked = key("prof_xferlinkedin");
    let record = dest.get_profile(a.id, &linked).await.unwrap();
    assert!(record.connections[0].is_revoked(), "{record:?}");
    assert_eq!(record.connections[0].did(), Some("did:plc:xfer"));
    for platform in [Platform::LinkedIn, Platform::Bluesky] {
        assert_eq!(
            plain(&dest.credentials(a.id, &linked, platform).await.unwrap()),
            plain(
                &source
                    .credentials(src_a.id, &linked, platform)
                    .await
                    .unwrap()
            ),
        );
    }
    assert_eq!(
        plain(
            &dest
                .credentials(a.id, &linked, Platform::LinkedIn)
                .await
                .unwrap()
        ),
        [
            Some("access-token-1".to_owned()),
            Some("refresh-token-1".to_owned()),
            None,
            Some(t(86_400 * 300).to_rfc3339()),
        ]
    );
    assert_eq!(
        dest.return_urls(a.id).await.unwrap(),
        ["http://localhost:3000/x", "https://app.example.com/done"]
    );
    assert_eq!(dest.return_urls(b.id).await.unwrap(), Vec::<String>::new());
    assert_webhooks_moved(&hooks, (&source, src_a.id), (&dest, a.id)).await;
    dest.flush_last_use().await.unwrap();
}

/// An import that collides with what the store holds — the account's name, a key's
/// digest or display prefix, a profile key, a webhook endpoint's id — is refused whole:
/// nothing is written.
pub async fn account_imports_that_collide_write_nothing(repo: Arc<dyn Repository>) {
    populate(&repo).await;
    let unknown = repo.export_account(&account_name("nobody")).await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound(Entity::Account))),
        "{unknown:?}"
    );
    let refused = |export: AccountExport| {
        let repo = Arc::clone(&repo);
        async move {
            let outcome = repo.import_account(export, None).await;
            assert_eq!(repo.database_counts().await.unwrap(), POPULATED);
            let c = repo.find_account(&account_name("c")).await;
            assert!(
                matches!(c, Err(StoreError::NotFound(Entity::Account))),
                "{c:?}"
            );
            outcome
        }
    };
    let export = || async { repo.export_account(&account_name("a")).await.unwrap() };

    let same = refused(export().await).await;
    assert!(
        matches!(same, Err(StoreError::Conflict(Conflict::AccountExists))),
        "{same:?}"
    );
    let mut renamed = export().await;
    renamed.name = account_name("c");
    let digest = refused(renamed).await;
    assert!(
        matches!(digest, Err(StoreError::Conflict(Conflict::ApiKeyExists))),
        "{digest:?}"
    );
    let mut prefix = export().await;
    prefix.name = account_name("c");
    prefix.api_keys.truncate(1);
    prefix.api_keys[0].digest = [9; 32];
    let taken = refused(prefix).await;
    assert!(
        matches!(taken, Err(StoreError::Conflict(Conflict::KeyPrefixTaken))),
        "{taken:?}"
    );
    let mut profiles = export().await;
    profiles.name = account_name("c");
    profiles.api_keys.clear();
    let collides = refused(profiles).await;
    assert!(
        matches!(
            collides,
            Err(StoreError::Conflict(Conflict::ProfileKeyExists))
        ),
        "{collides:?}"
    );
    let mut hooks = export().await;
    hooks.name = account_name("c");
    hooks.api_keys.clear();
    hooks.profiles.clear();
    let collides = refused(hooks).await;
    assert!(
        matches!(collides, Err(StoreError::Backend(_))),
        "{collides:?}"
    );
}
