//! Embedded migrations (`migrations/sqlite/`), applied on open; the SQLite version check.

use crate::StoreError;
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

/// The migrations, in order; version N is the first N applied (SQLite `user_version`).
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!(
        "../../../../migrations/sqlite/0001_initial.sql"
    )),
    M::up(include_str!(
        "../../../../migrations/sqlite/0002_listing_order.sql"
    )),
    M::up(include_str!("../../../../migrations/sqlite/0003_oauth.sql")),
    M::up(include_str!(
        "../../../../migrations/sqlite/0004_webhooks.sql"
    )),
    M::up(include_str!(
        "../../../../migrations/sqlite/0005_retired_secrets.sql"
    )),
    M::up(include_str!(
        "../../../../migrations/sqlite/0006_webhook_fairness.sql"
    )),
];

/// The schema version this build writes.
pub const LATEST_VERSION: usize = MIGRATIONS.len();

/// Oldest SQLite accepted: 3.51.3 fixes the WAL-reset corruption bug.
pub const MINIMUM_SQLITE_VERSION: (u32, u32, u32) = (3, 51, 3);

/// Refuses a linked SQLite older than [`MINIMUM_SQLITE_VERSION`].
pub(crate) fn check_sqlite_version(conn: &Connection) -> Result<(), StoreError> {
    let text: String = conn
        .query_row("SELECT sqlite_version()", [], |r| r.get(0))
        .map_err(StoreError::backend)?;
    check_version_text(&text)
}

/// `Ok` when `text` (`major.minor.patch`) is at least [`MINIMUM_SQLITE_VERSION`].
fn check_version_text(text: &str) -> Result<(), StoreError> {
    let mut parts = text.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let found = (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    );
    if found < MINIMUM_SQLITE_VERSION {
        return Err(StoreError::Backend(crate::BackendError::message(format!(
            "SQLite {text} is too old: 3.51.3 or newer is required (WAL-reset corruption bug)"
        ))));
    }
    Ok(())
}

/// The schema version recorded in the database.
pub(crate) fn current_version(conn: &Connection) -> Result<usize, StoreError> {
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(StoreError::backend)?;
    usize::try_from(v).map_err(|_| StoreError::InvalidData(format!("negative user_version {v}")))
}

/// The database's schema version; `DatabaseTooNew` when a newer build wrote it.
pub(crate) fn refuse_newer(conn: &Connection) -> Result<usize, StoreError> {
    let found = current_version(conn)?;
    if found > LATEST_VERSION {
        return Err(StoreError::DatabaseTooNew {
            found,
            supported: LATEST_VERSION,
        });
    }
    Ok(found)
}

/// Applies every missing migration, each in its own transaction. A database newer than
/// this build is refused before anything is written.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_to(conn, LATEST_VERSION)
}

/// Applies migrations up to `version` (tests build databases at earlier versions with it).
pub(crate) fn migrate_to(conn: &mut Connection, version: usize) -> Result<(), StoreError> {
    let found = refuse_newer(conn)?;
    if found < version {
        tracing::info!(from = found, to = version, "applying database migrations");
        Migrations::from_slice(MIGRATIONS)
            .to_version(conn, version)
            .map_err(|e| StoreError::backend_with("migration failed", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Repository, SecretKeySource};
    use postcore_domain::{
        Connection, Platform, Profile, ProfileKey, ProfileName, parse_timestamp,
    };

    /// Data written at each schema version, by version (index 0 = version 1).
    const FIXTURES: &[&str] = &[
        include_str!("../../tests/fixtures/v0001.sql"),
        include_str!("../../tests/fixtures/v0002.sql"),
        include_str!("../../tests/fixtures/v0003.sql"),
        include_str!("../../tests/fixtures/v0004.sql"),
        include_str!("../../tests/fixtures/v0005.sql"),
        include_str!("../../tests/fixtures/v0006.sql"),
    ];

    #[test]
    fn sqlite_older_than_3_51_3_is_refused() {
        for ok in ["3.51.3", "3.53.2", "3.100.0", "4.0.0"] {
            check_version_text(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for old in ["3.51.2", "3.46.0", "3.9.9", "2.99.99", "garbage"] {
            let err = check_version_text(old).unwrap_err().to_string();
            assert!(
                err.contains("is too old: 3.51.3 or newer is required"),
                "{old}: {err}"
            );
        }
        let linked = rusqlite::Connection::open_in_memory().unwrap();
        check_sqlite_version(&linked).unwrap();
    }

    #[test]
    fn migrations_are_valid_and_every_version_has_a_fixture() {
        Migrations::from_slice(MIGRATIONS).validate().unwrap();
        assert_eq!(
            FIXTURES.len(),
            LATEST_VERSION,
            "add tests/fixtures/vNNNN.sql for the new version"
        );
    }

    fn key() -> SecretKeySource {
        SecretKeySource::Base64(crate::testing::TEST_SECRET_KEY.to_owned().into())
    }

    #[tokio::test]
    async fn an_empty_database_migrates_to_the_latest_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::super::SqliteStore::open(dir.path().join("e.db"), key())
            .await
            .unwrap();
        let status = store.migration_status().await.unwrap();
        assert_eq!(
            (status.current, status.latest),
            (LATEST_VERSION, LATEST_VERSION)
        );
    }

    /// A database left at every earlier version, holding that version's data, upgrades on
    /// open with the data intact.
    #[tokio::test]
    async fn databases_at_every_earlier_version_upgrade_with_their_data() {
        for version in 1..=LATEST_VERSION {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("old.db");
            {
                // Each version's data is written by that version's schema, as a build of
                // that version would have written it, then the next migration runs.
                let mut conn = rusqlite::Connection::open(&path).unwrap();
                for (at, fixture) in FIXTURES[..version].iter().enumerate() {
                    migrate_to(&mut conn, at + 1).unwrap();
                    conn.execute_batch(fixture).unwrap();
                }
            }
            let store = super::super::SqliteStore::open(path, key()).await.unwrap();
            assert_eq!(
                store.migration_status().await.unwrap().current,
                LATEST_VERSION
            );
            let account = store
                .find_account(&crate::testing::account_name("fixture"))
                .await
                .unwrap();
            let k = ProfileKey::parse("prof_fixture0001").unwrap();
            let record = store.get_profile(account.id, &k).await.unwrap();
            let at = |s| parse_timestamp(s).unwrap();
            assert_eq!(
                record.profile,
                Profile::new(
                    k,
                    Some(ProfileName::parse("Fixture One").unwrap()),
                    at("2025-01-01T12:00:00Z")
                )
            );
            assert_eq!(
                record.connections,
                vec![Connection::new(
                    Platform::LinkedIn,
                    "John Doe",
                    "johndoe",
                    at("2025-01-01T12:30:00Z")
                )]
            );
            let keys: Vec<_> = store
                .list_api_keys(Some(account.id))
                .await
                .unwrap()
                .into_iter()
                .map(|k| {
                    (
                        k.prefix,
                        k.label.map(|l| l.as_str().to_owned()),
                        k.created_at,
                    )
                })
                .collect();
            assert_eq!(
                keys,
                [(
                    "pc_live_fixtur".to_owned(),
                    Some("v1".to_owned()),
                    at("2025-01-01T00:00:00Z")
                )]
            );
            // The listing reads the connections' copied order columns (0002): backfilled.
            let everything = postcore_domain::ProfileFilter::default();
            let now = at("2025-01-06T12:30:00Z");
            let listed = store
                .list_profiles_page(account.id, &everything, now, None, 10)
                .await
                .unwrap();
            // Filters read those columns too: the LinkedIn profile of v0001 is found.
            let linkedin = postcore_domain::ProfileFilter {
                platform: Some(Platform::LinkedIn),
                ..everything
            };
            let filtered = store
                .list_profiles_page(account.id, &linkedin, now, None, 10)
                .await
                .unwrap();
            assert_eq!(filtered.first(), Some(&record));
            // v0001 and v0002 add one profile each; v0003 adds none.
            assert_eq!(listed.len(), version.min(2));
            assert_eq!(listed[0].connections, record.connections);
            if version >= 2 {
                assert_eq!(listed[1].connections.len(), 1);
            }
            if version >= 2 {
                let k2 = ProfileKey::parse("prof_fixture0002").unwrap();
                let second = store.get_profile(account.id, &k2).await.unwrap();
                assert_eq!(
                    second.connections,
                    vec![
                        Connection::new(
                            Platform::Bluesky,
                            "jane.bsky.social",
                            "jane.bsky.social",
                            at("2025-01-01T12:30:01Z")
                        )
                        .with_did(Some("did:plc:fixture2".to_owned()))
                        .with_revoked(true)
                    ]
                );
            }
        }
    }

    /// The return-URL allow-list written at version 3 survives every later upgrade.
    #[tokio::test]
    async fn a_version_3_allow_list_survives_the_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v3.db");
        {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            for (at, fixture) in FIXTURES[..3].iter().enumerate() {
                migrate_to(&mut conn, at + 1).unwrap();
                conn.execute_batch(fixture).unwrap();
            }
        }
        let store = super::super::SqliteStore::open(path, key()).await.unwrap();
        let account = store
            .find_account(&crate::testing::account_name("fixture"))
            .await
            .unwrap();
        assert_eq!(
            store.return_urls(account.id).await.unwrap(),
            vec!["https://app.example.com/connected".to_owned()]
        );
    }

    /// A secret rotated under version 4 (an endpoint's one previous secret, in its own
    /// columns) still signs after the upgrade moved it to its own row, until the same
    /// instant, beside the current one.
    #[tokio::test]
    async fn a_version_4_previous_secret_still_signs_after_the_upgrade() {
        use secrecy::{ExposeSecret as _, SecretString};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v4.db");
        let id = "we_fixture00000002";
        let (current, previous) = ("whsec_Y3VycmVudC12NC0w", "whsec_cHJldmlvdXMtdjQtMA==");
        let until: i64 = 1_735_819_202;
        {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            for (at, fixture) in FIXTURES[..4].iter().enumerate() {
                migrate_to(&mut conn, at + 1).unwrap();
                conn.execute_batch(fixture).unwrap();
            }
            let cipher = crate::sqlite::crypto::Cipher::from_key_bytes(&[7u8; 32]).unwrap();
            let seal = |text: &str, slot: &str| {
                let aad = crate::webhooks::secret_aad(id, slot);
                cipher
                    .seal_secret(&SecretString::from(text.to_owned()), &aad)
                    .unwrap()
            };
            conn.execute(
                "INSERT INTO webhook_endpoints (id, account_id, url, events, secret, \
                 previous_secret, previous_secret_until, created_at) \
                 VALUES (?1, 1, 'https://hooks.example.com/v4', '', ?2, ?3, ?4, 1735732802)",
                rusqlite::params![
                    id,
                    seal(current, "current"),
                    seal(previous, "previous"),
                    until
                ],
            )
            .unwrap();
        }
        let store = super::super::SqliteStore::open(path, key()).await.unwrap();
        let at = |secs: i64| chrono::DateTime::from_timestamp(secs, 0).unwrap();
        let set = store
            .webhook_signing_secrets(id, at(until - 1))
            .await
            .unwrap();
        assert_eq!(set.current.expose_secret(), current);
        assert_eq!(crate::testing::retired(&set), [(previous, at(until))]);
        let later = store.webhook_signing_secrets(id, at(until)).await.unwrap();
        assert_eq!(crate::testing::retired(&later), []);
    }

    /// A database from a newer build is refused and left exactly as it was.
    #[tokio::test]
    async fn a_database_from_a_newer_build_is_refused_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let newer = LATEST_VERSION + 1;
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(&format!(
                "CREATE TABLE future (x); PRAGMA user_version = {newer};"
            ))
            .unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = super::super::SqliteStore::open(path.clone(), key())
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::DatabaseTooNew { found, supported } if found == newer && supported == LATEST_VERSION)
        );
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert!(!crate::sqlite::default_key_file(&path).exists());
    }
}
