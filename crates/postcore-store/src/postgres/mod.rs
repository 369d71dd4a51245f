//! The PostgreSQL implementation of [`Repository`](crate::Repository) (feature `postgres`):
//! a `deadpool-postgres` pool of `tokio-postgres` connections, refinery migrations applied
//! at open under an advisory lock, and the same rows, rounding and ordering as SQLite.
//!
//! Several servers may share one database: migrations run once (the advisory lock), the
//! key check is written once (`ON CONFLICT DO NOTHING`, then verified by every opener),
//! and a token refresh is leased by compare-and-set (`UPDATE … WHERE the lease is free`,
//! which PostgreSQL re-checks on the row's newest version after waiting for a concurrent
//! writer), so two servers never refresh the same connection. Every write is one
//! transaction, committed before the call returns; with PostgreSQL's default
//! `synchronous_commit = on` the commit is flushed to the server's WAL on disk, so a 2xx
//! is durable (api.md §6).

mod accounts;
mod backup;
mod connections;
mod export;
mod profiles;
mod repository;
mod webhook_export;
mod webhooks;

use crate::sqlite::crypto::Cipher;
use crate::sqlite::last_use::LastUse;
use crate::{BackendError, MigrationStatus, SecretKeySource, StoreError};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::sync::{Arc, Mutex};
use tokio_postgres::{Client, Config, NoTls};

/// `migrations/postgres/V<n>__name.sql`, embedded at compile time (refinery's runner).
mod embedded {
    refinery::embed_migrations!("../../migrations/postgres");
}

/// The schema version this build writes: the number of `migrations/postgres/V<n>__*.sql`.
pub const LATEST_VERSION: usize = 4;

/// Connections in the pool of one store (one server process). A server's requests share
/// them; several servers on one database each hold their own.
pub const POOL_SIZE: usize = 16;

/// How long a call waits for a pooled connection (or for a new one to be made).
const POOL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Key of the session-level advisory lock held while migrating (and while writing the key
/// check), so that servers starting together on one database migrate it once:
/// `'postcore'` as bytes.
const MIGRATION_LOCK: i64 = 0x706f_7374_636f_7265;

/// refinery's history table: one row per applied migration.
const HISTORY_TABLE: &str = "refinery_schema_history";

/// The repository on a PostgreSQL database. Cheap to clone (shared pool).
#[derive(Clone)]
pub struct PgStore {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) pool: Pool,
    /// Where the database is (for `pg_dump`); its `Debug` redacts the password.
    pub(crate) config: Config,
    pub(crate) cipher: Cipher,
    /// Which API keys' last use is due to be written (off the request path).
    pub(crate) last_use: LastUse,
    /// The last-use writes still running, awaited by `flush_last_use`.
    pub(crate) pending: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

/// A pooled connection or a transaction on one: what the statements run on. Its
/// `prepare_cached` keeps each statement parsed once per pooled connection, so a call is
/// one round trip (bind and execute), not two (parse, then bind and execute).
pub(crate) use deadpool_postgres::GenericClient as Db;

/// `sql` prepared on `c`, from the connection's statement cache.
pub(crate) async fn stmt<C: Db>(c: &C, sql: &str) -> Result<tokio_postgres::Statement, StoreError> {
    c.prepare_cached(sql).await.map_err(db)
}

/// A driver error as a backend error, with a context that names no secret.
pub(crate) fn db(e: tokio_postgres::Error) -> StoreError {
    StoreError::backend(e)
}

/// A pool error (no connection could be had) as a backend error.
pub(crate) fn pool_error(e: deadpool_postgres::PoolError) -> StoreError {
    StoreError::backend_with("no database connection from the pool", e)
}

/// Maps a uniqueness violation to `Conflict(conflict)` and a foreign-key violation to
/// `NotFound(missing)`; anything else is a backend error.
pub(crate) fn map_write_error(
    e: tokio_postgres::Error,
    conflict: crate::Conflict,
    missing: crate::Entity,
) -> StoreError {
    use tokio_postgres::error::SqlState;
    match e.code() {
        Some(c) if *c == SqlState::UNIQUE_VIOLATION => StoreError::Conflict(conflict),
        Some(c) if *c == SqlState::FOREIGN_KEY_VIOLATION => StoreError::NotFound(missing),
        _ => db(e),
    }
}

/// Parses a `postgres://` or `postgresql://` URL; a URL without a password takes
/// `PGPASSWORD` from the environment when it is set (libpq's rule), so that the password
/// need not be part of a URL given on a command line. The error never holds the URL (it
/// may hold a password): it shows the redacted form.
pub(crate) fn parse_config(url: &str) -> Result<Config, StoreError> {
    let mut config = url.parse::<Config>().map_err(|e| {
        StoreError::InvalidData(format!(
            "not a valid PostgreSQL URL: {} ({e})",
            crate::redact_database_url(url)
        ))
    })?;
    if config.get_password().is_none()
        && let Some(password) = std::env::var_os(crate::settings::PG_PASSWORD_ENV)
        && !password.is_empty()
    {
        config.password(password.as_encoded_bytes());
    }
    Ok(config)
}

/// One connection outside any pool (for read-only tools and the open's set-up); its
/// driver task runs on the current runtime until the client is dropped.
pub(crate) async fn connect(config: &Config) -> Result<Client, StoreError> {
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| StoreError::backend_with("cannot connect to the PostgreSQL database", e))?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "a PostgreSQL connection ended");
        }
    });
    Ok(client)
}

/// Whether `e` is the server's "database … does not exist" (SQLSTATE 3D000).
fn is_missing_database(e: &StoreError) -> bool {
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(pg) = c.downcast_ref::<tokio_postgres::Error>() {
            return pg.code() == Some(&tokio_postgres::error::SqlState::INVALID_CATALOG_NAME);
        }
        cause = c.source();
    }
    false
}

/// Whether refinery's history table exists (no migration ever ran: it does not).
async fn has_history(client: &Client) -> Result<bool, StoreError> {
    let row = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&HISTORY_TABLE])
        .await
        .map_err(db)?;
    Ok(row.get(0))
}

/// The schema version recorded by refinery (0 before the first migration).
pub(crate) async fn current_version(client: &Client) -> Result<usize, StoreError> {
    if !has_history(client).await? {
        return Ok(0);
    }
    let sql = format!("SELECT COALESCE(MAX(version), 0)::BIGINT FROM {HISTORY_TABLE}");
    let v: i64 = client.query_one(&sql, &[]).await.map_err(db)?.get(0);
    usize::try_from(v).map_err(|_| StoreError::InvalidData(format!("negative schema version {v}")))
}

/// The schema status of the database at `url`, without migrating or changing anything;
/// `None` when the server says the database does not exist.
pub(crate) async fn read_schema_status(url: &str) -> Result<Option<MigrationStatus>, StoreError> {
    let client = match connect(&parse_config(url)?).await {
        Ok(client) => client,
        Err(e) if is_missing_database(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(MigrationStatus {
        current: current_version(&client).await?,
        latest: LATEST_VERSION,
    }))
}

/// The consistency checks of a PostgreSQL database (its `integrity_check`): each query
/// names rows that break an invariant the store keeps; PostgreSQL itself guards the pages
/// (checksums, `amcheck` for indexes: the operator's tools, not the store's).
const CONSISTENCY_CHECKS: &[(&str, &str)] = &[
    (
        "connections whose copied listing-order columns differ from their profile's",
        "SELECT count(*) FROM connections c JOIN profiles p ON p.id = c.profile_id \
         WHERE c.account_id <> p.account_id OR c.profile_created_at <> p.created_at \
         OR c.profile_key <> p.profile_key",
    ),
    (
        "API keys whose digest is not 32 bytes",
        "SELECT count(*) FROM api_keys WHERE length(digest) <> 32",
    ),
    (
        "connections holding secrets while the database has no key check",
        "SELECT count(*) FROM connections WHERE (access_token IS NOT NULL \
         OR refresh_token IS NOT NULL OR app_password IS NOT NULL) \
         AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'key_check')",
    ),
];

/// Runs [`CONSISTENCY_CHECKS`] on a migrated database: an empty list when all hold.
pub(crate) async fn consistency_check(client: &Client) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    for (what, sql) in CONSISTENCY_CHECKS {
        let n: i64 = client.query_one(*sql, &[]).await.map_err(db)?.get(0);
        if n > 0 {
            problems.push(format!("{n} {what}"));
        }
    }
    Ok(problems)
}

/// The integrity check of the database at `url` without the secret key: the schema must
/// be this build's (else a clear error), then [`CONSISTENCY_CHECKS`].
pub(crate) async fn integrity_check_url(url: &str) -> Result<Vec<String>, StoreError> {
    let client = connect(&parse_config(url)?).await?;
    let found = current_version(&client).await?;
    if found != LATEST_VERSION {
        return Ok(vec![format!(
            "the schema is at version {found}, this build checks version {LATEST_VERSION}"
        )]);
    }
    consistency_check(&client).await
}

/// The secret key for a PostgreSQL database: from `POSTCORE_SECRET_KEY` or
/// `--secret-key-file` only. There is no file "beside" a server database, and the key is
/// never stored in the database it protects.
fn load_cipher(source: &SecretKeySource) -> Result<Cipher, StoreError> {
    match source {
        SecretKeySource::BesideDatabase => Err(StoreError::SecretKey(format!(
            "a PostgreSQL database needs its secret key from {} or --secret-key-file \
             ({}): there is no key file beside a server database, and the key is never \
             stored in the database itself (make one with `head -c 32 /dev/urandom | base64`)",
            crate::settings::SECRET_KEY_ENV,
            crate::settings::SECRET_KEY_FILE_ENV,
        ))),
        other => crate::sqlite::crypto::load_cipher(other, std::path::Path::new(""), true),
    }
}

impl PgStore {
    /// Opens the PostgreSQL database at `url` (`postgres://…` or `postgresql://…`): checks
    /// the schema is not newer than this build, applies missing migrations under an
    /// advisory lock, checks (or on the first open writes) the secret key's check value,
    /// and builds the pool.
    ///
    /// # Errors
    /// `InvalidData` for a malformed URL; `SecretKey` when no key is given
    /// (`POSTCORE_SECRET_KEY` or `--secret-key-file`) or it is malformed; `WrongSecretKey`;
    /// `DatabaseTooNew` (nothing changed); `Backend` when the server cannot be reached.
    /// No message holds the URL's password.
    pub async fn open(url: &str, secret_key: &SecretKeySource) -> Result<Self, StoreError> {
        let config = parse_config(url)?;
        let cipher = load_cipher(secret_key)?;
        let mut client = connect(&config).await?;
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(db)?;
        let prepared = prepare_database(&mut client, &cipher).await;
        // Unlocked whatever happened (the lock is also dropped with the session).
        let unlocked = client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(db);
        prepared?;
        unlocked?;
        drop(client);

        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                // A recycled connection is checked with an empty query round trip only
                // when it may have gone stale: `Fast` trusts the driver's closed flag.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            // As SQLite's pool: a request waits at most this long for a free connection,
            // and a new connection must be made within it, else a `Backend` error.
            .wait_timeout(Some(POOL_TIMEOUT))
            .create_timeout(Some(POOL_TIMEOUT))
            .build()
            .map_err(|e| StoreError::backend_with("building the PostgreSQL pool", e))?;
        tracing::debug!(database = %crate::redact_database_url(url), "opened PostgreSQL store");
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                config,
                cipher,
                last_use: LastUse::default(),
                pending: Mutex::new(Vec::new()),
            }),
        })
    }

    /// A pooled connection.
    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.inner.pool.get().await.map_err(pool_error)
    }
}

/// Under the migration lock: refuse a newer schema, verify the key against an existing
/// check value (before migrating: a wrong key changes nothing), migrate, write the check
/// value on the first open.
async fn prepare_database(client: &mut Client, cipher: &Cipher) -> Result<(), StoreError> {
    let found = current_version(client).await?;
    if found > LATEST_VERSION {
        return Err(StoreError::DatabaseTooNew {
            found,
            supported: LATEST_VERSION,
        });
    }
    if found > 0
        && let Some(sealed) = read_key_check(client).await?
    {
        cipher.verify_key_check(&sealed)?;
    }
    if found < LATEST_VERSION {
        tracing::info!(
            from = found,
            to = LATEST_VERSION,
            "applying PostgreSQL migrations"
        );
        embedded::migrations::runner()
            .run_async(client)
            .await
            .map_err(|e| StoreError::backend_with("applying the PostgreSQL migrations", e))?;
    }
    client
        .execute(
            "INSERT INTO meta (key, value) VALUES ('key_check', $1) ON CONFLICT (key) DO NOTHING",
            &[&cipher.key_check()?],
        )
        .await
        .map_err(db)?;
    let sealed = read_key_check(client).await?.ok_or_else(|| {
        StoreError::Backend(BackendError::message("the key check value was not stored"))
    })?;
    cipher.verify_key_check(&sealed)
}

/// The sealed key check value, when the database has one.
async fn read_key_check(client: &Client) -> Result<Option<Vec<u8>>, StoreError> {
    let row = client
        .query_opt("SELECT value FROM meta WHERE key = 'key_check'", &[])
        .await
        .map_err(db)?;
    Ok(row.map(|r| r.get(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_version_counts_the_embedded_migrations() {
        let runner = embedded::migrations::runner();
        let versions: Vec<i64> = runner
            .get_migrations()
            .iter()
            .map(|m| i64::from(m.version()))
            .collect();
        let expected: Vec<i64> = (1..=i64::try_from(LATEST_VERSION).unwrap()).collect();
        assert_eq!(versions, expected);
    }

    #[test]
    fn a_postgres_database_needs_a_key_from_the_env_or_a_file() {
        let Err(StoreError::SecretKey(message)) = load_cipher(&SecretKeySource::BesideDatabase)
        else {
            panic!("a missing key must be refused");
        };
        assert!(
            message.contains("POSTCORE_SECRET_KEY or --secret-key-file"),
            "{message}"
        );
    }
}
