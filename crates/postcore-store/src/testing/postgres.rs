//! Fresh PostgreSQL databases for tests: created on a server named by
//! [`TEST_POSTGRES_URL_ENV`], dropped when the value is dropped; when the variable is unset,
//! `None` and one "skipped" line per process.

use super::TEST_SECRET_KEY;
use crate::{Repository, SecretKeySource, StoreConfig};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};

/// The env var naming a PostgreSQL server for tests: a `postgres://` URL of a database
/// to connect to (for example `postgres://postgres@127.0.0.1:5432/postgres`) as a user
/// that may create and drop databases. Each test gets a database of its own on it.
pub const TEST_POSTGRES_URL_ENV: &str = "POSTCORE_TEST_POSTGRES_URL";

/// Printed once per process (to stderr) when [`TEST_POSTGRES_URL_ENV`] is unset.
const SKIPPED: &str = "skipped: set POSTCORE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres to run the Postgres conformance tests";

static SAY_SKIPPED: Once = Once::new();
static NEXT: AtomicU64 = AtomicU64::new(0);

/// A database of its own on the test server, dropped (`DROP DATABASE … WITH (FORCE)`,
/// ending any connection still open to it) when this value is dropped.
pub struct PgTestDatabase {
    /// The server URL it was made from (the database to connect to for the drop).
    server_url: String,
    /// The new database's name: `postcore_test_<pid>_<n>_<random>`.
    name: String,
    /// The URL of the new database.
    url: String,
}

impl std::fmt::Debug for PgTestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgTestDatabase")
            .field("url", &crate::redact_database_url(&self.url))
            .finish()
    }
}

/// The server URL for tests, or `None` (after printing the skip line once per process).
fn server_url() -> Option<String> {
    match std::env::var(TEST_POSTGRES_URL_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            // Straight to the process's stderr, not `eprintln!`: the test harness captures
            // the macros' output of a passing test, and this line must be seen.
            SAY_SKIPPED.call_once(|| {
                use std::io::Write as _;
                let _ = writeln!(std::io::stderr(), "{SKIPPED}");
            });
            None
        }
    }
}

/// `url` with its database (the URL's path) replaced by `name`; the query is kept.
///
/// # Panics
/// When `url` is not a `scheme://…` URL (a test set-up mistake).
fn with_database(url: &str, name: &str) -> String {
    let authority_at = url
        .find("://")
        .map(|i| i + 3)
        .unwrap_or_else(|| panic!("{TEST_POSTGRES_URL_ENV} must be a postgres:// URL"));
    let rest = &url[authority_at..];
    let path_at = rest
        .find(['/', '?'])
        .map_or(url.len(), |i| authority_at + i);
    let query = url[path_at..].find('?').map_or("", |i| &url[path_at + i..]);
    format!("{}/{name}{query}", &url[..path_at])
}

impl PgTestDatabase {
    /// Creates a fresh, empty database on the server of [`TEST_POSTGRES_URL_ENV`];
    /// `None` when the variable is unset (the skip line is printed once per process).
    ///
    /// # Panics
    /// When the server cannot be reached or refuses (a test failure).
    pub async fn create() -> Option<Self> {
        let server_url = server_url()?;
        let mut random = [0u8; 4];
        getrandom::fill(&mut random).expect("random source");
        let name = format!(
            "postcore_test_{}_{}_{:08x}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            u32::from_le_bytes(random)
        );
        let client = admin_client(&server_url).await;
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let url = with_database(&server_url, &name);
        Some(Self {
            server_url,
            name,
            url,
        })
    }

    /// The URL of this database (for `open`, or a server's `--database`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Opens a store on this database with [`TEST_SECRET_KEY`]; call it again for a second
    /// store (a second server) on the same database.
    ///
    /// # Panics
    /// When the store cannot be opened (a test failure).
    pub async fn open_store(&self) -> Arc<dyn Repository> {
        let config = StoreConfig {
            database_url: self.url.clone(),
            secret_key: SecretKeySource::Base64(TEST_SECRET_KEY.to_owned().into()),
        };
        crate::open(config)
            .await
            .unwrap_or_else(|e| panic!("open {:?}: {e}", self))
    }
}

/// A connection to the server's own database, its driver on the current runtime.
async fn admin_client(server_url: &str) -> tokio_postgres::Client {
    let config = crate::postgres::parse_config(server_url).expect("a valid test server URL");
    crate::postgres::connect(&config)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the PostgreSQL test server: {e}"))
}

impl Drop for PgTestDatabase {
    /// Drops the database from a thread of its own with its own runtime: `Drop` is
    /// synchronous and may run inside a test's runtime, where blocking on it is forbidden.
    fn drop(&mut self) {
        let (server_url, name) = (self.server_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for dropping the test database");
            runtime.block_on(async {
                admin_client(&server_url)
                    .await
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop the test database {}: {e}", self.name),
            Err(_) => eprintln!("dropping the test database {} panicked", self.name),
        }
    }
}

/// A repository on a fresh PostgreSQL database, dropped with this value.
pub struct PgTestStore {
    /// The repository under test (dropped before the database).
    pub repo: Arc<dyn Repository>,
    /// The database holding it.
    pub database: PgTestDatabase,
}

impl std::ops::Deref for PgTestStore {
    type Target = Arc<dyn Repository>;
    fn deref(&self) -> &Self::Target {
        &self.repo
    }
}

/// Opens a store on a fresh PostgreSQL database of the server named by
/// [`TEST_POSTGRES_URL_ENV`]; `None` when it is unset, after printing once per process:
/// `skipped: set POSTCORE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres to
/// run the Postgres conformance tests`.
///
/// # Panics
/// When the variable is set but the server cannot be used (a test failure, never a skip).
pub async fn fresh_postgres() -> Option<PgTestStore> {
    let database = PgTestDatabase::create().await?;
    let repo = database.open_store().await;
    Some(PgTestStore { repo, database })
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_of_a_url_is_replaced_and_its_query_kept() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgresql://u:p@h?sslmode=disable", "t2"),
            "postgresql://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t3"), "postgres://h/t3");
    }
}
