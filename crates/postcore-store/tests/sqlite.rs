//! SQLite-specific guarantees: concurrency, secrets at rest, secret-key handling, backups.

use postcore_domain::{Connection, Platform, ProfileKey};
use postcore_store::testing::{TEST_SECRET_KEY, account_name, all_profiles, fresh_sqlite, t};
use postcore_store::{Credentials, Entity, Repository, SecretKeySource, StoreConfig, StoreError};
use std::path::Path;
use std::sync::Arc;

fn config(path: &Path, secret_key: SecretKeySource) -> StoreConfig {
    StoreConfig {
        database_url: path.display().to_string(),
        secret_key,
    }
}

/// 8 writers and 8 readers (which also authenticate) at once, through two stores on the
/// same file — as the server and `postcore-admin` are two processes: no SQLITE_BUSY reaches
/// a caller, no write is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_and_readers_see_no_busy_errors_and_lose_nothing() {
    const WRITES_PER_TASK: usize = 60;
    let (store, second) = two_stores_on_one_file().await;
    let account = store
        .create_account(&account_name("a"), t(0))
        .await
        .unwrap()
        .id;
    let (api_key, _) = store.create_api_key(account, None, t(0)).await.unwrap();
    let mut writers = Vec::new();
    for w in 0..8 {
        let repo = Arc::clone(if w % 2 == 0 { &store.repo } else { &second });
        writers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..WRITES_PER_TASK {
                let p = repo
                    .create_profile(account, None, None, t((w * 1000 + i) as i64))
                    .await?;
                let c = Connection::new(Platform::LinkedIn, "A", "a", t(i as i64));
                repo.connect(account, p.key(), c, Credentials::default())
                    .await?;
                acknowledged.push(p.key().clone());
            }
            Ok::<_, StoreError>(acknowledged)
        }));
    }
    let mut readers = Vec::new();
    for r in 0..8 {
        let repo = Arc::clone(if r % 2 == 0 { &store.repo } else { &second });
        let api_key = api_key.clone();
        readers.push(tokio::spawn(async move {
            let mut reads = 0usize;
            for i in 0..40 {
                // A minute apart each time: every call also records the key's last use.
                let authenticated = repo.authenticate(&api_key, t(60 * (i + 1))).await?;
                assert_eq!(authenticated, Some(account));
                let all = all_profiles(&repo, account, 100).await?;
                if let Some(first) = all.first() {
                    repo.get_profile(account, first.profile.key()).await?;
                }
                reads += all.len();
            }
            Ok::<_, StoreError>(reads)
        }));
    }
    let mut acknowledged: Vec<ProfileKey> = Vec::new();
    for w in writers {
        acknowledged.extend(w.await.unwrap().expect("a writer saw an error"));
    }
    for r in readers {
        r.await.unwrap().expect("a reader saw an error");
    }
    assert_eq!(acknowledged.len(), 8 * WRITES_PER_TASK);
    let stored = all_profiles(&store.repo, account, 100).await.unwrap();
    assert_eq!(stored.len(), acknowledged.len());
    for k in &acknowledged {
        let r = store.get_profile(account, k).await.unwrap();
        assert_eq!(r.connections.len(), 1, "{k}");
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The raw database file and its WAL hold neither a stored token nor an API key.
#[tokio::test]
async fn secrets_are_not_stored_in_plain_text() {
    let store = fresh_sqlite().await;
    let a = store
        .create_account(&account_name("a"), t(0))
        .await
        .unwrap()
        .id;
    let (api_key, _) = store.create_api_key(a, None, t(0)).await.unwrap();
    let k = store
        .create_profile(a, None, None, t(0))
        .await
        .unwrap()
        .key()
        .clone();
    let token = "AQXtoken-known-plaintext-0123456789";
    let app_password = "abcd-efgh-ijkl-mnop";
    let creds = Credentials {
        access_token: Some(token.to_owned().into()),
        ..Default::default()
    };
    store
        .connect(
            a,
            &k,
            Connection::new(Platform::LinkedIn, "A", "a", t(0)),
            creds,
        )
        .await
        .unwrap();
    let creds = Credentials {
        app_password: Some(app_password.to_owned().into()),
        ..Default::default()
    };
    let bs = Connection::new(Platform::Bluesky, "a.bsky.social", "a.bsky.social", t(0));
    store.connect(a, &k, bs, creds).await.unwrap();
    let signing = "whsec_cGxhaW4tc2lnbmluZy1zZWNyZXQtMDEyMzQ1";
    let endpoint = postcore_store::webhooks::NewWebhookEndpoint {
        url: "https://hooks.example.com/a".to_owned(),
        events: vec![],
        description: None,
        secret: signing.to_owned().into(),
    };
    let e = store
        .create_webhook_endpoint(a, endpoint, t(0))
        .await
        .unwrap();
    let rotated = "whsec_cm90YXRlZC1zaWduaW5nLXNlY3JldC0wMTIz";
    store
        .rotate_webhook_secret(a, &e.id, postcore_store::testing::rotation(rotated, t(0)))
        .await
        .unwrap();
    let db = store.dir.path().join("postcore.db");
    let mut bytes = std::fs::read(&db).unwrap();
    bytes.extend(std::fs::read(db.with_extension("db-wal")).unwrap_or_default());
    assert!(bytes.len() > 4096);
    assert!(
        contains(&bytes, k.as_str()),
        "the check reads the right files"
    );
    for secret in [
        token,
        app_password,
        api_key.expose_secret(),
        signing,
        rotated,
    ] {
        assert!(
            !contains(&bytes, secret),
            "plain secret found in the database files"
        );
    }
}

/// Opening with another key fails at open, clearly; so does a missing key file once the
/// database holds encrypted data. A first open generates a 0600 key file.
#[tokio::test]
async fn the_secret_key_must_match_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keyed.db");
    let repo = postcore_store::open(config(&path, SecretKeySource::BesideDatabase))
        .await
        .unwrap();
    drop(repo);
    let key_file = postcore_store::sqlite::default_key_file(&path);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&key_file).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    // The same file opens again; another key is refused.
    postcore_store::open(config(&path, SecretKeySource::File(key_file.clone())))
        .await
        .unwrap();
    let wrong = SecretKeySource::Base64(TEST_SECRET_KEY.to_owned().into());
    let err = postcore_store::open(config(&path, wrong))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::WrongSecretKey), "{err}");
    std::fs::remove_file(&key_file).unwrap();
    let err = postcore_store::open(config(&path, SecretKeySource::BesideDatabase))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::SecretKey(_)), "{err}");
    assert!(
        !key_file.exists(),
        "no new key is made for a database that has encrypted data"
    );
    let bad = SecretKeySource::Base64("c2hvcnQ=".to_owned().into());
    let err = postcore_store::open(config(&path, bad)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "secret key: POSTCORE_SECRET_KEY must be base64 of exactly 32 bytes"
    );
}

/// A backup taken while the store is in use opens with the same key and holds the data.
#[tokio::test]
async fn a_backup_opens_and_holds_the_data() {
    let store = fresh_sqlite().await;
    let a = store
        .create_account(&account_name("a"), t(0))
        .await
        .unwrap()
        .id;
    let p = store.create_profile(a, None, None, t(0)).await.unwrap();
    let creds = Credentials {
        access_token: Some("tok".to_owned().into()),
        ..Default::default()
    };
    store
        .connect(
            a,
            p.key(),
            Connection::new(Platform::LinkedIn, "A", "a", t(0)),
            creds,
        )
        .await
        .unwrap();
    let dest = store.dir.path().join("backup.db");
    store.backup(&dest).await.unwrap();
    let copy = postcore_store::open(config(
        &dest,
        SecretKeySource::Base64(TEST_SECRET_KEY.to_owned().into()),
    ))
    .await
    .unwrap();
    assert_eq!(copy.integrity_check().await.unwrap(), Vec::<String>::new());
    let a2 = copy.find_account(&account_name("a")).await.unwrap().id;
    assert_eq!(
        copy.get_profile(a2, p.key()).await.unwrap(),
        store.get_profile(a, p.key()).await.unwrap()
    );
    let secret = copy
        .credentials(a2, p.key(), Platform::LinkedIn)
        .await
        .unwrap()
        .access_token
        .unwrap();
    assert_eq!(secrecy::ExposeSecret::expose_secret(&secret), "tok");
}

/// Database URLs: `sqlite://`, `sqlite:` and plain paths open SQLite; other schemes are refused.
#[tokio::test]
async fn the_backend_is_chosen_by_the_url_scheme() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        format!("sqlite://{}", dir.path().join("a.db").display()),
        format!("sqlite:{}", dir.path().join("b.db").display()),
        dir.path().join("c.db").display().to_string(),
    ] {
        let cfg = StoreConfig {
            database_url: url.clone(),
            secret_key: SecretKeySource::BesideDatabase,
        };
        postcore_store::open(cfg)
            .await
            .unwrap()
            .health()
            .await
            .unwrap();
    }
    // PostgreSQL URLs go to the other backend (`tests/postgres.rs`); an unknown scheme
    // is refused, its password redacted.
    let cfg = StoreConfig {
        database_url: "mysql://root:hunter2@localhost/x".into(),
        secret_key: SecretKeySource::BesideDatabase,
    };
    let Err(StoreError::InvalidData(message)) = postcore_store::open(cfg).await else {
        panic!("an unknown scheme must be refused");
    };
    assert_eq!(
        message,
        "unsupported database URL scheme in \"mysql://root:***@localhost/x\": use \
         sqlite://PATH, a file path, or postgres://USER@HOST/DATABASE"
    );
}

/// The schema version is read without creating, migrating or changing the database.
#[tokio::test]
async fn schema_status_reads_without_changing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let url = path.display().to_string();
    assert_eq!(postcore_store::schema_status(&url).await.unwrap(), None);
    assert!(!path.exists());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t (x);")
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let status = postcore_store::schema_status(&url).await.unwrap().unwrap();
    assert_eq!(
        (status.current, status.latest),
        (0, postcore_store::sqlite::LATEST_VERSION)
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    postcore_store::open(config(&path, SecretKeySource::BesideDatabase))
        .await
        .unwrap();
    let status = postcore_store::schema_status(&url).await.unwrap().unwrap();
    assert_eq!(status.current, postcore_store::sqlite::LATEST_VERSION);
}

/// The integrity check of a file needs no secret key and changes nothing.
#[tokio::test]
async fn a_database_file_is_checked_read_only_without_the_secret_key() {
    let store = fresh_sqlite().await;
    let dest = store.dir.path().join("copy.db");
    store.backup(&dest).await.unwrap();
    let url = dest.display().to_string();
    let before = std::fs::read(&dest).unwrap();
    assert_eq!(
        postcore_store::integrity_check(&url).await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(std::fs::read(&dest).unwrap(), before);
    assert!(!postcore_store::sqlite::default_key_file(&dest).exists());
    let missing = store.dir.path().join("missing.db").display().to_string();
    assert!(matches!(
        postcore_store::integrity_check(&missing).await,
        Err(StoreError::NotFound(Entity::Database))
    ));
}

/// A ciphertext copied to another row, or to another field of its row, does not decrypt:
/// each secret is bound to its profile, platform and field by associated data.
#[tokio::test]
async fn a_secret_copied_to_another_row_or_field_does_not_decrypt() {
    let store = fresh_sqlite().await;
    let a = store
        .create_account(&account_name("a"), t(0))
        .await
        .unwrap()
        .id;
    for k in ["prof_one", "prof_two"] {
        let k = ProfileKey::parse(k).unwrap();
        store
            .create_profile(a, Some(k.clone()), None, t(0))
            .await
            .unwrap();
        let creds = Credentials {
            access_token: Some(format!("token-of-{k}").into()),
            refresh_token: Some(format!("refresh-of-{k}").into()),
            ..Default::default()
        };
        let c = Connection::new(Platform::LinkedIn, "A", "a", t(0));
        store.connect(a, &k, c, creds).await.unwrap();
    }
    let raw = rusqlite::Connection::open(store.dir.path().join("postcore.db")).unwrap();
    let copy = |sql: &str| raw.execute_batch(sql).unwrap();
    // prof_one's access token into prof_two's row.
    copy(
        "UPDATE connections SET access_token = (SELECT c.access_token FROM connections c \
         JOIN profiles p ON p.id = c.profile_id WHERE p.profile_key = 'prof_one') \
         WHERE profile_id = (SELECT id FROM profiles WHERE profile_key = 'prof_two');",
    );
    let two = ProfileKey::parse("prof_two").unwrap();
    let err = store
        .credentials(a, &two, Platform::LinkedIn)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::WrongSecretKey), "{err}");
    // prof_one's refresh token into its own access-token field.
    copy(
        "UPDATE connections SET access_token = refresh_token \
         WHERE profile_id = (SELECT id FROM profiles WHERE profile_key = 'prof_one');",
    );
    let one = ProfileKey::parse("prof_one").unwrap();
    let err = store
        .credentials(a, &one, Platform::LinkedIn)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::WrongSecretKey), "{err}");
}

/// The once-a-minute rule for `last_used_at` holds across processes: a store opened
/// afresh (no memory of recent uses) reads the recorded use and leaves it alone within the
/// minute, and records a use a minute later.
#[tokio::test]
async fn a_fresh_store_records_a_keys_last_use_at_most_once_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("u.db");
    let open = || postcore_store::open(config(&path, SecretKeySource::BesideDatabase));
    let repo = open().await.unwrap();
    let a = repo.create_account(&account_name("a"), t(0)).await.unwrap();
    let (key, _) = repo.create_api_key(a.id, None, t(0)).await.unwrap();
    assert_eq!(repo.authenticate(&key, t(100)).await.unwrap(), Some(a.id));
    repo.flush_last_use().await.unwrap();
    drop(repo);
    for (now, recorded) in [(159, 100), (160, 160)] {
        let repo = open().await.unwrap();
        assert_eq!(repo.authenticate(&key, t(now)).await.unwrap(), Some(a.id));
        repo.flush_last_use().await.unwrap();
        let listed = repo.list_api_keys(Some(a.id)).await.unwrap();
        assert_eq!(listed[0].last_used_at, Some(t(recorded)), "at {now}");
    }
}

/// A wrong secret key is refused before anything in the database changes.
#[tokio::test]
async fn a_wrong_secret_key_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    let repo = postcore_store::open(config(&path, SecretKeySource::BesideDatabase))
        .await
        .unwrap();
    repo.create_account(&account_name("a"), t(0)).await.unwrap();
    drop(repo);
    // The content, not the file's bytes: the dropped store's last pooled connection may
    // close (and checkpoint the WAL into the file) a moment after `drop` returns.
    let before = content(&path);
    let wrong = SecretKeySource::Base64(TEST_SECRET_KEY.to_owned().into());
    let err = postcore_store::open(config(&path, wrong))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::WrongSecretKey), "{err}");
    assert_eq!(content(&path), before);
}

/// The schema version, the schema, the key check and every account (name, creation).
type Content = (i64, Vec<String>, Vec<Vec<u8>>, Vec<(String, i64)>);

/// What a refused open must leave as it was ([`Content`]), read through a read-only
/// connection.
fn content(path: &std::path::Path) -> Content {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let strings = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let version = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let schema = strings("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name");
    let mut stmt = conn
        .prepare("SELECT value FROM meta WHERE key = 'key_check'")
        .unwrap();
    let key_check = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut stmt = conn
        .prepare("SELECT name, created_at FROM accounts ORDER BY name")
        .unwrap();
    let accounts = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    (version, schema, key_check, accounts)
}

/// Writes queued together are committed together, each in its own savepoint: a write that
/// fails in the middle of a group (here a taken profile key) is refused alone, and every
/// other write of the group is acknowledged and stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_write_in_a_group_commit_is_refused_alone() {
    let store = fresh_sqlite().await;
    let account = store
        .create_account(&account_name("a"), t(0))
        .await
        .unwrap()
        .id;
    let taken = ProfileKey::parse("prof_taken").unwrap();
    store
        .create_profile(account, Some(taken.clone()), None, t(0))
        .await
        .unwrap();
    let writes: Vec<_> = (0..60)
        .map(|i| {
            let (repo, taken) = (Arc::clone(&store.repo), taken.clone());
            tokio::spawn(async move {
                let key = if i % 5 == 0 {
                    taken
                } else {
                    ProfileKey::parse(&format!("prof_w{i:03}")).unwrap()
                };
                (i, repo.create_profile(account, Some(key), None, t(i)).await)
            })
        })
        .collect();
    for w in writes {
        let (i, outcome) = w.await.unwrap();
        if i % 5 == 0 {
            assert!(
                matches!(
                    outcome,
                    Err(StoreError::Conflict(
                        postcore_store::Conflict::ProfileKeyExists
                    ))
                ),
                "{i}: {outcome:?}"
            );
        } else {
            assert_eq!(outcome.unwrap().created_at(), t(i), "{i}");
        }
    }
    let stored = all_profiles(&store.repo, account, 100).await.unwrap();
    assert_eq!(stored.len(), 1 + 48);
}

/// Every connection the store hands out — the 8 pooled read-write connections, the 4 point
/// readers and the write queue's — runs with the settings the README's "SQLite: durability"
/// documents: `synchronous = FULL` (2: the WAL is synced at every commit), WAL mode, foreign
/// keys on and a 5 s busy timeout. NORMAL (1) or OFF (0) anywhere fails here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_connection_syncs_each_commit_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let store = postcore_store::sqlite::SqliteStore::open(
        dir.path().join("p.db"),
        SecretKeySource::Base64(TEST_SECRET_KEY.to_owned().into()),
    )
    .await
    .unwrap();
    for (pragma, expected) in [
        ("synchronous", "2"),
        ("journal_mode", "wal"),
        ("foreign_keys", "1"),
        ("busy_timeout", "5000"),
    ] {
        assert_eq!(
            store.pragma_on_every_connection(pragma).await.unwrap(),
            postcore_store::sqlite::PragmaReadings {
                read_write: vec![expected.to_owned(); 8],
                point_readers: vec![expected.to_owned(); 4],
                write_queue: expected.to_owned(),
            },
            "PRAGMA {pragma}"
        );
    }
    let err = store
        .pragma_on_every_connection("synchronous = OFF")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid data: not a pragma name: \"synchronous = OFF\""
    );
}

/// A fresh database file, and a second store opened on it (another process's view).
async fn two_stores_on_one_file() -> (postcore_store::testing::TestStore, Arc<dyn Repository>) {
    let store = fresh_sqlite().await;
    let second = postcore_store::open(config(
        &store.dir.path().join("postcore.db"),
        SecretKeySource::Base64(TEST_SECRET_KEY.to_owned().into()),
    ))
    .await
    .unwrap();
    (store, second)
}

/// Two stores on one file claim at once under the per-account and per-endpoint caps: the
/// caps hold for both together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_file_share_the_webhook_claim_caps() {
    let (store, second) = two_stores_on_one_file().await;
    postcore_store::testing::two_claimers_share_the_caps(Arc::clone(&store.repo), second).await;
}

/// Two stores on one file (the server and `postcore-admin`, or two processes) claim the
/// same due deliveries at once: each is handed out once while leased.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_file_never_claim_a_delivery_twice() {
    let (store, second) = two_stores_on_one_file().await;
    let a = store
        .create_account(&account_name("a"), t(0))
        .await
        .unwrap()
        .id;
    let endpoint = postcore_store::webhooks::NewWebhookEndpoint {
        url: "https://hooks.example.com/a".to_owned(),
        events: vec![],
        description: None,
        secret: "whsec_c2VjcmV0LWN1cnJlbnQtMDEyMzQ1Njc4OWFi"
            .to_owned()
            .into(),
    };
    let e = store
        .create_webhook_endpoint(a, endpoint, t(0))
        .await
        .unwrap();
    const PINGS: usize = 50;
    for i in 0..PINGS {
        store.enqueue_ping(a, &e.id, t(i as i64)).await.unwrap();
    }
    let now = t(100);
    let until = t(160);
    let seen =
        postcore_store::testing::claim_through_both(&store.repo, &second, now, until, 4).await;
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (PINGS, PINGS));
}
