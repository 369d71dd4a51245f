//! The PostgreSQL backend beyond the conformance suite: URL selection and redaction, the
//! secret key rule, several stores (servers) on one database, the schema guards, and the
//! read-only tools. Tests that need a server take one from `POSTCORE_TEST_POSTGRES_URL`
//! (a fresh database each) and pass at once without it.
#![cfg(feature = "postgres")]

use futures::future::join_all;
use postcore_domain::{Connection, Platform};
use postcore_store::testing::{PgTestDatabase, TEST_SECRET_KEY, account, all_profiles, key, t};
use postcore_store::{
    BackendKind, Credentials, Repository, SecretKeySource, StoreConfig, StoreError,
    redact_database_url,
};
use secrecy::SecretString;
use std::error::Error as _;
use std::sync::Arc;

const PASSWORD: &str = "hunter2-S3CRET";

/// An error with every cause under it, as a log line would show it.
fn full_text(e: &StoreError) -> String {
    let mut text = format!("{e} | {e:?}");
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(&format!(" | {c} | {c:?}"));
        cause = c.source();
    }
    text
}

fn config(url: &str, secret_key: SecretKeySource) -> StoreConfig {
    StoreConfig {
        database_url: url.to_owned(),
        secret_key,
    }
}

fn test_key() -> SecretKeySource {
    SecretKeySource::Base64(TEST_SECRET_KEY.to_owned().into())
}

#[test]
fn the_backend_is_chosen_by_the_scheme() {
    for url in [
        "postgres://u@h/db",
        "postgresql://u@h/db",
        "POSTGRES://u@h/db",
    ] {
        assert_eq!(
            BackendKind::of(url).unwrap(),
            BackendKind::Postgres,
            "{url}"
        );
    }
    for url in [
        "sqlite://a.db",
        "sqlite:a.db",
        "a.db",
        "/var/lib/postcore.db",
    ] {
        assert_eq!(BackendKind::of(url).unwrap(), BackendKind::Sqlite, "{url}");
    }
    assert!(matches!(
        BackendKind::of("mysql://u@h/db"),
        Err(StoreError::InvalidData(_))
    ));
    let Err(StoreError::InvalidData(message)) =
        postcore_store::database_file(&format!("postgres://u:{PASSWORD}@h/db"))
    else {
        panic!("a PostgreSQL URL names no file");
    };
    assert_eq!(
        message,
        "postgres://u:***@h/db is a PostgreSQL database, not an SQLite file"
    );
}

#[test]
fn passwords_in_urls_are_redacted() {
    let cases = [
        ("postgres://u:pw@h:5432/db", "postgres://u:***@h:5432/db"),
        ("postgresql://u:p@ss:w@rd@h/db", "postgresql://u:***@h/db"),
        ("postgres://u@h/db", "postgres://u@h/db"),
        (
            "postgres://h/db?password=pw&sslmode=disable",
            "postgres://h/db?password=***&sslmode=disable",
        ),
        (
            "postgres://u:pw@h/db?user=x&PASSWORD=pw",
            "postgres://u:***@h/db?user=x&PASSWORD=***",
        ),
        ("sqlite:///tmp/a:b@c.db", "sqlite:///tmp/a:b@c.db"),
        ("./postcore.db", "./postcore.db"),
    ];
    for (url, redacted) in cases {
        assert_eq!(redact_database_url(url), redacted, "{url}");
    }
    let url = format!("postgres://postgres:{PASSWORD}@127.0.0.1:5432/postgres");
    let debug = format!("{:?}", config(&url, test_key()));
    assert!(!debug.contains(PASSWORD), "{debug}");
    assert!(
        debug.contains("postgres://postgres:***@127.0.0.1:5432/postgres"),
        "{debug}"
    );
}

/// No file lives beside a server database, and the key is never kept in it: without
/// `POSTCORE_SECRET_KEY` or `--secret-key-file` the open is refused before connecting.
#[tokio::test]
async fn a_postgres_database_needs_the_secret_key_from_the_env_or_a_file() {
    let url = format!("postgres://postgres:{PASSWORD}@127.0.0.1:1/postcore");
    let Err(e) = postcore_store::open(config(&url, SecretKeySource::BesideDatabase)).await else {
        panic!("the open must be refused");
    };
    assert_eq!(
        e.to_string(),
        "secret key: a PostgreSQL database needs its secret key from POSTCORE_SECRET_KEY or \
         --secret-key-file (POSTCORE_SECRET_KEY_FILE): there is no key file beside a server \
         database, and the key is never stored in the database itself (make one with \
         `head -c 32 /dev/urandom | base64`)"
    );
}

/// A server that cannot be reached, or a malformed URL: the errors, with every cause,
/// never hold the password.
#[tokio::test]
async fn no_error_holds_the_password_of_the_url() {
    for url in [
        // Nothing listens on port 1.
        format!("postgres://postgres:{PASSWORD}@127.0.0.1:1/postcore"),
        format!("postgres://postgres:{PASSWORD}@127.0.0.1:notaport/postcore"),
        format!("postgresql://127.0.0.1:1/postcore?password={PASSWORD}"),
    ] {
        let Err(e) = postcore_store::open(config(&url, test_key())).await else {
            panic!("{url} must not open");
        };
        let text = full_text(&e);
        assert!(!text.contains(PASSWORD), "{text}");
        for e in [
            postcore_store::schema_status(&url).await.unwrap_err(),
            postcore_store::integrity_check(&url).await.unwrap_err(),
        ] {
            let text = full_text(&e);
            assert!(!text.contains(PASSWORD), "{text}");
        }
    }
}

/// Two stores (two servers) open a fresh database at the same time: the migration runs
/// once under the advisory lock and both work; a third with another key is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_starting_together_migrate_once_and_share_the_key_check() {
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    let stores = join_all((0..4).map(|_| db.open_store())).await;
    for store in &stores {
        let status = store.migration_status().await.unwrap();
        assert_eq!(status.current, status.latest);
        assert_eq!(store.integrity_check().await.unwrap(), Vec::<String>::new());
    }
    let status = postcore_store::schema_status(db.url())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (status.current, status.latest),
        (4, postcore_store::postgres::LATEST_VERSION)
    );
    // A database that does not exist has no schema status, as a missing SQLite file.
    let missing = format!("{}_missing", db.url());
    assert_eq!(postcore_store::schema_status(&missing).await.unwrap(), None);
    assert_eq!(
        postcore_store::integrity_check(db.url()).await.unwrap(),
        Vec::<String>::new()
    );
    let other_key = SecretKeySource::Base64(SecretString::from(
        "CAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg=".to_owned(),
    ));
    assert!(matches!(
        postcore_store::open(config(db.url(), other_key)).await,
        Err(StoreError::WrongSecretKey)
    ));
}

/// Creates through two stores on one database at once: none is lost, each is read back
/// through the other store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_through_two_stores_lose_nothing() {
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    let (one, two) = (db.open_store().await, db.open_store().await);
    let a = account(&one, "a").await;
    const EACH: usize = 40;
    let create = |store: &Arc<dyn Repository>, i: usize| {
        let store = Arc::clone(store);
        async move {
            store
                .create_profile(
                    a,
                    Some(key(&format!("prof_concurrent{i:04}"))),
                    None,
                    t(i as i64),
                )
                .await
        }
    };
    let made = join_all(
        (0..EACH)
            .map(|i| create(&one, i))
            .chain((EACH..2 * EACH).map(|i| create(&two, i))),
    )
    .await;
    assert!(made.iter().all(Result::is_ok), "{made:?}");
    for store in [&one, &two] {
        let keys: Vec<String> = all_profiles(store, a, 7)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.profile.key().to_string())
            .collect();
        let expected: Vec<String> = (0..2 * EACH)
            .map(|i| format!("prof_concurrent{i:04}"))
            .collect();
        assert_eq!(keys, expected);
    }
    // The same account name created through both at once: exactly one wins.
    let name = postcore_store::testing::account_name("twice");
    let (x, y) = tokio::join!(
        one.create_account(&name, t(0)),
        two.create_account(&name, t(0))
    );
    let conflicts = [&x, &y]
        .iter()
        .filter(|r| {
            matches!(
                r,
                Err(StoreError::Conflict(
                    postcore_store::Conflict::AccountExists
                ))
            )
        })
        .count();
    assert_eq!((x.is_ok() as usize + y.is_ok() as usize, conflicts), (1, 1));
}

/// What two servers may do at the same moment, and must both get right: provision the
/// same account (two first starts), import the same profiles, connect the same platform
/// account to one profile. Each outcome is the one a sequential run would give.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_provisions_imports_and_connects_through_two_stores_agree() {
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    let (one, two) = (db.open_store().await, db.open_store().await);
    for round in 0..5 {
        let name = postcore_store::testing::account_name(&format!("default{round}"));
        let (x, y) = tokio::join!(
            one.provision_account(&name, Vec::new(), None, t(0)),
            two.provision_account(&name, Vec::new(), None, t(0)),
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x.account, y.account);
        assert_eq!(
            [x.created_account, y.created_account]
                .iter()
                .filter(|c| **c)
                .count(),
            1
        );
    }
    let a = account(&one, "importer").await;
    let records: Vec<_> = (0..20)
        .map(|i| postcore_store::ProfileRecord {
            profile: postcore_domain::Profile::new(
                key(&format!("prof_imported{i:04}")),
                None,
                t(i),
            ),
            connections: Vec::new(),
        })
        .collect();
    let (x, y) = tokio::join!(
        one.import_profiles(a, records.clone(), None),
        two.import_profiles(a, records.clone(), None),
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!((x.created + y.created, x.unchanged + y.unchanged), (20, 20));
    assert_eq!(all_profiles(&two, a, 100).await.unwrap(), records);

    let k = key("prof_imported0000");
    let linkedin = |at| Connection::new(Platform::LinkedIn, "M", "m", t(at));
    let (x, y) = tokio::join!(
        one.connect(a, &k, linkedin(100), Credentials::default()),
        two.connect(a, &k, linkedin(100), Credentials::default()),
    );
    let mut outcomes = [x.unwrap(), y.unwrap()];
    outcomes.sort_by_key(|o| *o == postcore_store::ConnectOutcome::Renewed);
    assert_eq!(
        outcomes,
        [
            postcore_store::ConnectOutcome::Created,
            postcore_store::ConnectOutcome::Renewed
        ]
    );
}

/// Refresh leases claimed through two stores at once, many times over: each connection is
/// claimed exactly once, and a revocation through one store is seen by the other at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refresh_claims_through_two_stores_each_win_once() {
    const DAY: i64 = 86_400;
    const CONNECTIONS: usize = 12;
    const TRIES: usize = 6;
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    let (one, two) = (db.open_store().await, db.open_store().await);
    let a = account(&one, "a").await;
    for i in 0..CONNECTIONS {
        let k = key(&format!("prof_refresh{i:04}"));
        one.create_profile(a, Some(k.clone()), None, t(0))
            .await
            .unwrap();
        let credentials = Credentials {
            access_token: Some(SecretString::from("a".to_owned())),
            refresh_token: Some(SecretString::from(format!("r-{i}"))),
            app_password: None,
            refresh_token_expires_at: Some(t(400 * DAY)),
        };
        let c = Connection::new(Platform::LinkedIn, "M", format!("m{i}"), t(0));
        one.connect(a, &k, c, credentials).await.unwrap();
    }
    let now = t(55 * DAY);
    let found = two
        .refresh_candidates(Platform::LinkedIn, t(67 * DAY), now, 100)
        .await
        .unwrap();
    assert_eq!(found.len(), CONNECTIONS);
    let claims = found.iter().flat_map(|candidate| {
        let target = candidate.target();
        [&one, &two]
            .into_iter()
            .cycle()
            .take(2 * TRIES)
            .map(move |store| {
                let (store, target) = (Arc::clone(store), target.clone());
                async move {
                    let won = store
                        .claim_refresh(&target, now, t(55 * DAY + 60))
                        .await
                        .unwrap();
                    (target.profile_key, won)
                }
            })
    });
    let outcomes = join_all(claims).await;
    for candidate in &found {
        let k = &candidate.stored.profile_key;
        let wins = outcomes
            .iter()
            .filter(|(key, won)| key == k && *won)
            .count();
        assert_eq!(wins, 1, "{k} was claimed {wins} times");
    }
    // Leased: no longer a candidate for either store.
    assert!(
        one.refresh_candidates(Platform::LinkedIn, t(67 * DAY), now, 100)
            .await
            .unwrap()
            .is_empty()
    );

    // A key revoked through one store is refused by the other on its next request.
    let (api_key, info) = one.create_api_key(a, None, t(1)).await.unwrap();
    assert_eq!(two.authenticate(&api_key, t(2)).await.unwrap(), Some(a));
    one.revoke_api_key(&info.prefix, t(3)).await.unwrap();
    assert_eq!(two.authenticate(&api_key, t(4)).await.unwrap(), None);
}

/// A database migrated by a newer build is refused, and left as it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_newer_build_is_refused_unchanged() {
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    drop(db.open_store().await);
    let newer = postcore_store::postgres::LATEST_VERSION + 1;
    let (client, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) \
             VALUES ($1, 'future', '2030-01-01T00:00:00Z', '0')",
            &[&i32::try_from(newer).unwrap()],
        )
        .await
        .unwrap();
    let Err(e) = postcore_store::open(config(db.url(), test_key())).await else {
        panic!("a newer schema must be refused");
    };
    assert!(
        matches!(e, StoreError::DatabaseTooNew { found, supported } if found == newer && supported == newer - 1),
        "{e:?}"
    );
    let status = postcore_store::schema_status(db.url())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((status.current, status.latest), (newer, newer - 1));
}

/// Two servers on one database claim at once under the per-account and per-endpoint
/// caps: the caps hold for both together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_share_the_webhook_claim_caps() {
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    let (one, two) = (db.open_store().await, db.open_store().await);
    postcore_store::testing::two_claimers_share_the_caps(one, two).await;
}

/// Two servers on one database run the notice scheduler and the deliverer at the same
/// moments: each notice is written once (7 d, 1 d, expiry, to the second), and no delivery
/// is handed to both claimers while leased.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_write_each_notice_once_and_never_claim_a_delivery_twice() {
    use postcore_store::testing::{THRESHOLDS, test_notice_ids};
    use postcore_store::webhooks::{NewWebhookEndpoint, WebhookEventKind};
    let Some(db) = PgTestDatabase::create().await else {
        return;
    };
    let (one, two) = (db.open_store().await, db.open_store().await);
    let a = account(&one, "a").await;
    const DAY: i64 = 86_400;
    const PROFILES: usize = 20;
    for i in 0..PROFILES {
        let k = key(&format!("prof_notice{i:03}"));
        one.create_profile(a, Some(k.clone()), None, t(0))
            .await
            .unwrap();
        let c = Connection::new(Platform::LinkedIn, "John Doe", "johndoe", t(i as i64));
        one.connect(a, &k, c, Credentials::default()).await.unwrap();
    }
    one.create_webhook_endpoint(
        a,
        NewWebhookEndpoint {
            url: "https://hooks.example.com/a".to_owned(),
            events: vec![
                WebhookEventKind::ConnectionExpiring,
                WebhookEventKind::ConnectionExpired,
            ],
            description: None,
            secret: "whsec_c2VjcmV0LWN1cnJlbnQtMDEyMzQ1Njc4OWFi"
                .to_owned()
                .into(),
        },
        t(0),
    )
    .await
    .unwrap();
    // Expiries are t(60 d + i): at each instant, both stores pass at once.
    let mut written = Vec::new();
    for at in [53 * DAY - 1, 53 * DAY + 19, 59 * DAY + 19, 60 * DAY + 19] {
        let (x, y) = tokio::join!(
            one.enqueue_due_notices(t(at), &THRESHOLDS, 1000, test_notice_ids()),
            two.enqueue_due_notices(t(at), &THRESHOLDS, 1000, test_notice_ids())
        );
        let mut both: Vec<_> = x.unwrap().into_iter().chain(y.unwrap()).collect();
        both.sort_by(|p, q| (p.created_at, &p.id).cmp(&(q.created_at, &q.id)));
        written.push(
            both.iter()
                .map(|e| (e.kind, e.created_at))
                .collect::<Vec<_>>(),
        );
    }
    // Each notice once, created at the pass that found it.
    let expect = |kind, pass: i64| vec![(kind, t(pass)); PROFILES];
    assert_eq!(
        written,
        vec![
            vec![],
            expect(WebhookEventKind::ConnectionExpiring, 53 * DAY + 19),
            expect(WebhookEventKind::ConnectionExpiring, 59 * DAY + 19),
            expect(WebhookEventKind::ConnectionExpired, 60 * DAY + 19),
        ]
    );
    // 60 deliveries, claimed by both stores at once in small batches: each exactly once.
    let now = t(61 * DAY);
    let seen = postcore_store::testing::claim_through_both(
        &one,
        &two,
        now,
        now + chrono::Duration::seconds(60),
        7,
    )
    .await;
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (3 * PROFILES, 3 * PROFILES));
}
