//! The SQLite implementation of [`Repository`](crate::Repository): pool, pragmas, open.

pub(crate) mod accounts;
pub(crate) mod connections;
pub(crate) mod crypto;
pub(crate) mod last_use;
mod oauth;
pub(crate) mod profiles;
pub(crate) mod refresh;
mod repository;
pub(crate) mod rows;
mod schema;
pub(crate) mod transfer;
pub(crate) mod webhook_transfer;
pub(crate) mod webhooks;
mod writer;

pub use crypto::default_key_file;
pub use schema::{LATEST_VERSION, MINIMUM_SQLITE_VERSION};

use crate::{Entity, SecretKeySource, StoreError};
use crypto::Cipher;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Milliseconds a connection waits on a locked database before giving up.
const BUSY_TIMEOUT_MS: u64 = 5_000;
/// Connections in the pool: readers run in parallel in WAL mode; writers queue.
const POOL_SIZE: u32 = 8;
/// Read-only connections for point reads: one per server worker thread, and spares.
const POINT_READERS: u32 = 4;
/// Bytes of the database file a point reader reads through a memory map rather than with
/// `read` calls: 256 MiB. A point read touches a few random pages of the file; through the
/// map, a page already in the OS page cache costs no system call and no copy. The mapped
/// pages are the kernel's page cache (shared, reclaimable), not the process's heap. Scans
/// and writes keep SQLite's own bounded page cache.
const POINT_READER_MMAP_BYTES: u64 = 256 * 1024 * 1024;

/// Opens the SQLite file at `path` read-only (no migration, no key); `None` when absent.
fn open_read_only(path: &Path) -> Result<Option<Connection>, StoreError> {
    if !path.exists() {
        return Ok(None);
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::backend_with(format!("cannot open {}", path.display()), e))?;
    conn.busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS))
        .map_err(StoreError::backend)?;
    Ok(Some(conn))
}

/// The sealed key check value, when the database has one (no `meta` table yet: `None`).
fn read_key_check(conn: &Connection) -> Result<Option<Vec<u8>>, StoreError> {
    let has_meta: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta')",
            [],
            |r| r.get(0),
        )
        .map_err(StoreError::backend)?;
    if !has_meta {
        return Ok(None);
    }
    conn.query_row("SELECT value FROM meta WHERE key = 'key_check'", [], |r| {
        r.get(0)
    })
    .optional()
    .map_err(StoreError::backend)
}

/// The schema version of the SQLite file at `path`, opened read-only; `None` when absent.
pub(crate) fn read_schema_status(
    path: &Path,
) -> Result<Option<crate::MigrationStatus>, StoreError> {
    let Some(conn) = open_read_only(path)? else {
        return Ok(None);
    };
    Ok(Some(crate::MigrationStatus {
        current: schema::current_version(&conn)?,
        latest: LATEST_VERSION,
    }))
}

/// `PRAGMA integrity_check` of the SQLite file at `path`, opened read-only; an empty list
/// when sound.
pub(crate) fn integrity_check_file(path: &Path) -> Result<Vec<String>, StoreError> {
    let conn = open_read_only(path)?.ok_or(StoreError::NotFound(Entity::Database))?;
    integrity_check(&conn)
}

/// `PRAGMA integrity_check` on `conn`: an empty list when it answers `ok`.
pub(crate) fn integrity_check(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let lines: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(StoreError::backend)?;
    Ok(if lines == ["ok"] { Vec::new() } else { lines })
}

/// Runs one parameterless statement (`BEGIN`, `COMMIT`, `SAVEPOINT job`, …) from the
/// connection's statement cache, so that it is parsed once per connection, not per call.
pub(crate) fn exec_cached(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .map(drop)
        .map_err(StoreError::backend)
}

/// Runs `f` in one read transaction on `conn`, with cached `BEGIN`/`COMMIT` statements
/// (rusqlite's `transaction()` parses both anew on every call: 8% of a point read).
/// The transaction is ended whether `f` succeeds or fails (or the commit does), so a
/// pooled connection never keeps an old snapshot; `f` must not panic (none of the store's
/// readers do: errors are values).
pub(crate) fn read_transaction<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let run = |sql: &str| exec_cached(conn, sql);
    run("BEGIN")?;
    let outcome = f(conn).and_then(|value| run("COMMIT").map(|()| value));
    if outcome.is_err() && !conn.is_autocommit() {
        let _ = run("ROLLBACK");
    }
    outcome
}

/// The repository on an SQLite file. Cheap to clone (shared pool).
#[derive(Clone)]
pub struct SqliteStore {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// Read-write connections: scans, writes, operations.
    pub(crate) pool: r2d2::Pool<SqliteConnectionManager>,
    /// Read-only, memory-mapped connections for point reads.
    pub(crate) readers: r2d2::Pool<SqliteConnectionManager>,
    pub(crate) cipher: Arc<Cipher>,
    /// The write queue: group commits on one thread (see `SqliteStore::run_write`).
    pub(crate) writer: writer::Writer,
    /// Which API keys' last use is due to be written (off the request path).
    pub(crate) last_use: last_use::LastUse,
}

/// Pragmas set on every pooled connection (the busy timeout first, before anything can lock).
fn configure(conn: &mut Connection) -> Result<(), rusqlite::Error> {
    conn.busy_timeout(Duration::from_millis(BUSY_TIMEOUT_MS))?;
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;")
}

/// Creates `path` empty with mode 0600 (owner read and write only) where the platform has
/// modes. An existing file is left as it is, unless `new` asks for a file that must not
/// exist yet (then `AlreadyExists`).
///
/// # Errors
/// The file system's error, for example a missing directory.
pub(crate) fn create_private(path: &Path, new: bool) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if new {
        options.create_new(true);
    } else {
        options.create(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

impl SqliteStore {
    /// Opens (creating if needed) the SQLite database at `path`: checks the SQLite version,
    /// switches to WAL, applies migrations, loads the secret key and builds the pool.
    ///
    /// # Errors
    /// `DatabaseTooNew` (nothing changed), `WrongSecretKey`, `SecretKey`, `Backend`.
    pub async fn open(path: PathBuf, secret_key: SecretKeySource) -> Result<Self, StoreError> {
        tokio::task::spawn_blocking(move || Self::open_blocking(&path, &secret_key))
            .await
            .map_err(StoreError::backend)?
    }

    fn open_blocking(path: &Path, secret_key: &SecretKeySource) -> Result<Self, StoreError> {
        // SQLite would create the file 0644 less the umask; made first, it is 0600, and
        // SQLite gives `-wal` and `-shm` the main file's mode whatever the umask.
        create_private(path, false).map_err(|e| {
            StoreError::backend_with(format!("cannot create {}", path.display()), e)
        })?;
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::backend_with(format!("cannot open {}", path.display()), e))?;
        configure(&mut conn).map_err(StoreError::backend)?;
        schema::check_sqlite_version(&conn)?;
        // Nothing may change before these checks: a newer schema, then the secret key
        // against the database's key check (a wrong key must not migrate the file first).
        schema::refuse_newer(&conn)?;
        let check = read_key_check(&conn)?;
        let cipher = crypto::load_cipher(secret_key, path, check.is_some())?;
        if let Some(sealed) = &check {
            cipher.verify_key_check(sealed)?;
        }
        schema::migrate(&mut conn)?;
        // WAL once, on one connection, before the pool exists.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(StoreError::backend)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(crate::BackendError::message(format!(
                "could not switch to WAL mode (got {mode})"
            ))));
        }
        if check.is_none() {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('key_check', ?1)",
                [cipher.key_check()?],
            )
            .map_err(StoreError::backend)?;
        }
        drop(conn);

        let manager = SqliteConnectionManager::file(path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(configure);
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            // A local file does not go stale; testing each checkout cost a parsed query
            // per request.
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(30))
            .build(manager)
            .map_err(StoreError::backend)?;
        // Opened on demand and then kept: no background replenishing (which would also let
        // a connection outlive the store that dropped its pool).
        let readers = r2d2::Pool::builder()
            .max_size(POINT_READERS)
            .min_idle(Some(0))
            .idle_timeout(None)
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(30))
            .build(
                SqliteConnectionManager::file(path)
                    .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                    .with_init(|conn| {
                        configure(conn)?;
                        conn.execute_batch(&format!(
                            "PRAGMA mmap_size = {POINT_READER_MMAP_BYTES};"
                        ))
                    }),
            )
            .map_err(StoreError::backend)?;
        tracing::debug!(path = %path.display(), "opened SQLite store");
        let cipher = Arc::new(cipher);
        let writer = writer::Writer::start(pool.clone(), Arc::clone(&cipher))?;
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                readers,
                cipher,
                writer,
                last_use: last_use::LastUse::default(),
            }),
        })
    }

    /// Runs a point read (a few indexed rows) right on the calling thread when a pooled
    /// connection is free, else on the blocking pool.
    ///
    /// A point read in WAL mode takes microseconds and never waits for writers, so it
    /// costs less on the async executor than the hop to another thread would (see
    /// ARCHITECTURE.md, "One trip per request", for the measurements). Scans and writes
    /// never run here.
    pub(crate) async fn point_read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, &Inner) -> Result<T, StoreError> + Send + 'static,
    {
        match self.inner.readers.try_get() {
            Some(mut conn) => f(&mut conn, &self.inner),
            None => {
                let inner = Arc::clone(&self.inner);
                tokio::task::spawn_blocking(move || {
                    let mut conn = inner.readers.get().map_err(StoreError::backend)?;
                    f(&mut conn, &inner)
                })
                .await
                .map_err(StoreError::backend)?
            }
        }
    }

    /// Runs blocking database work (scans, file operations) on tokio's blocking pool with
    /// a pooled connection: one hop off the async executor.
    pub(crate) async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection, &Inner) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.pool.get().map_err(StoreError::backend)?;
            f(&mut conn, &inner)
        })
        .await
        .map_err(StoreError::backend)?
    }
}

impl SqliteStore {
    /// Runs `f` as one write of this process's write queue: inside a `BEGIN IMMEDIATE`
    /// transaction (shared with the other writes queued meanwhile, each in its own
    /// savepoint), answered only once that transaction is committed and synced; `f`'s own
    /// error rolls back `f`'s changes alone. One hop off the executor: the caller awaits the
    /// writer thread, no blocking-pool thread is held.
    pub(crate) async fn run_write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Cipher) -> Result<T, StoreError> + Send + 'static,
    {
        self.inner.writer.write(f).await
    }
}

/// What one `PRAGMA` reads on every connection of a store, as text (tests only: see
/// [`SqliteStore::pragma_on_every_connection`]).
#[cfg(feature = "testing")]
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PragmaReadings {
    /// On each read-write connection of the pool (scans, operations and the write queue's
    /// commits), all checked out at once: `POOL_SIZE` (8) of them.
    pub read_write: Vec<String>,
    /// On each read-only point reader, all checked out at once: `POINT_READERS` (4).
    pub point_readers: Vec<String>,
    /// On the write queue's connection, inside a group commit's transaction.
    pub write_queue: String,
}

#[cfg(feature = "testing")]
impl SqliteStore {
    /// Reads `PRAGMA name` on every connection the store can hand out — each pooled read-write
    /// connection, each point reader (opening them all) — and through the write queue, so a
    /// test can hold each of them to the documented settings (README, "SQLite: durability").
    ///
    /// # Errors
    /// `InvalidData` when `name` is not a lowercase pragma name; `Backend` when a connection
    /// cannot be had or the pragma cannot be read.
    #[doc(hidden)]
    pub async fn pragma_on_every_connection(
        &self,
        name: &str,
    ) -> Result<PragmaReadings, StoreError> {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(StoreError::InvalidData(format!(
                "not a pragma name: {name:?}"
            )));
        }
        let sql = format!("PRAGMA {name}");
        let query = sql.clone();
        let write_queue = self
            .run_write(move |conn, _| read_pragma(conn, &query))
            .await?;
        let inner = Arc::clone(&self.inner);
        let (read_write, point_readers) = tokio::task::spawn_blocking(move || {
            let on_all = |pool: &r2d2::Pool<SqliteConnectionManager>| {
                let held = (0..pool.max_size())
                    .map(|_| pool.get().map_err(StoreError::backend))
                    .collect::<Result<Vec<_>, _>>()?;
                held.iter()
                    .map(|conn| read_pragma(conn, &sql))
                    .collect::<Result<Vec<_>, _>>()
            };
            Ok::<_, StoreError>((on_all(&inner.pool)?, on_all(&inner.readers)?))
        })
        .await
        .map_err(StoreError::backend)??;
        Ok(PragmaReadings {
            read_write,
            point_readers,
            write_queue,
        })
    }
}

/// The single value `sql` (a `PRAGMA` query) answers on `conn`, as text.
#[cfg(feature = "testing")]
fn read_pragma(conn: &Connection, sql: &str) -> Result<String, StoreError> {
    use rusqlite::types::ValueRef;
    conn.query_row(sql, [], |row| {
        Ok(match row.get_ref(0)? {
            ValueRef::Integer(i) => i.to_string(),
            ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
            other => format!("{other:?}"),
        })
    })
    .map_err(StoreError::backend)
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}
