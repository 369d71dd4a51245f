//! PostCore storage: the repository trait, its errors, and its SQLite and PostgreSQL
//! implementations.
#![doc = include_str!("../README.md")]

mod error;
mod model;
#[cfg(feature = "postgres")]
pub mod postgres;
mod repository;
pub mod settings;
pub mod sqlite;
mod stream;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transfer;
pub mod webhooks;

pub use error::{BackendError, Conflict, Entity, StoreError};
pub use model::{
    Account, AccountId, ApiKeyInfo, ConnectOutcome, ConnectionReport, Credentials, FleetCounts,
    ImportSummary, MigrationStatus, OAuthState, PlatformCounts, ProfileCursor, ProfileRecord,
    Provisioned, RefreshCandidate, RefreshRelease, RefreshTarget, StoredConnection,
};
pub use repository::{Progress, Repository};
pub use secrecy::{ExposeSecret, SecretString};
#[cfg(feature = "clap")]
pub use settings::DatabaseArgs;
use settings::is_postgres_url;
pub use settings::{SecretKeySource, SettingsError, redact_database_url};
pub use stream::{STREAM_PAGE_SIZE, stream_matching_pages, stream_profile_pages};
pub use transfer::{
    AccountExport, DatabaseCounts, ExportedApiKey, ExportedConnection, ExportedDelivery,
    ExportedNotice, ExportedProfile, ExportedReturnUrl, ExportedWebhookEndpoint, Transfer,
    WebhookExport,
};

use std::path::PathBuf;
use std::sync::Arc;

/// How to open the store. `Debug` shows the URL with its password redacted.
#[derive(Clone)]
pub struct StoreConfig {
    /// `sqlite://path`, `sqlite:path` or a plain file path (SQLite); `postgres://…` or
    /// `postgresql://…` (PostgreSQL, feature `postgres`).
    pub database_url: String,
    /// The secret key for platform credentials.
    pub secret_key: SecretKeySource,
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreConfig")
            .field("database_url", &redact_database_url(&self.database_url))
            .field("secret_key", &self.secret_key)
            .finish()
    }
}

impl StoreConfig {
    /// A config for `database_url` with the secret key beside the database (SQLite only:
    /// a PostgreSQL database needs [`SecretKeySource::Base64`] or [`SecretKeySource::File`]).
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            secret_key: SecretKeySource::BesideDatabase,
        }
    }
}

/// Which backend a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// `sqlite://path`, `sqlite:path` or a plain file path.
    Sqlite,
    /// `postgres://…` or `postgresql://…`.
    Postgres,
}

impl BackendKind {
    /// The backend of `url`, by its scheme (ASCII case-insensitive for PostgreSQL's).
    ///
    /// # Errors
    /// `InvalidData` for another `scheme://` (the message shows the URL redacted).
    pub fn of(url: &str) -> Result<Self, StoreError> {
        if is_postgres_url(url) {
            Ok(Self::Postgres)
        } else {
            database_file(url).map(|_| Self::Sqlite)
        }
    }
}

/// Opens the store named by `config.database_url`, creating and migrating it as needed.
///
/// The backend is chosen by the URL's scheme: `postgres://…` or `postgresql://…` is
/// PostgreSQL (feature `postgres`, on by default; the database must exist, its tables are
/// created by the migrations, and the secret key must come from `POSTCORE_SECRET_KEY` or
/// `--secret-key-file`); `sqlite://path`, `sqlite:path` or a plain path is SQLite.
///
/// # Errors
/// `InvalidData` for an unknown scheme (or a PostgreSQL URL in a build without the
/// `postgres` feature); otherwise what the backend's open returns (`DatabaseTooNew`,
/// `WrongSecretKey`, `SecretKey`, `Backend`). No message holds the URL's password.
pub async fn open(config: StoreConfig) -> Result<Arc<dyn Repository>, StoreError> {
    match BackendKind::of(&config.database_url)? {
        BackendKind::Postgres => open_postgres(&config).await,
        BackendKind::Sqlite => {
            let path = database_file(&config.database_url)?;
            let store = sqlite::SqliteStore::open(path, config.secret_key).await?;
            Ok(Arc::new(store))
        }
    }
}

#[cfg(feature = "postgres")]
async fn open_postgres(config: &StoreConfig) -> Result<Arc<dyn Repository>, StoreError> {
    let store = postgres::PgStore::open(&config.database_url, &config.secret_key).await?;
    Ok(Arc::new(store))
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(config: &StoreConfig) -> Result<Arc<dyn Repository>, StoreError> {
    Err(no_postgres(&config.database_url))
}

#[cfg(not(feature = "postgres"))]
fn no_postgres(url: &str) -> StoreError {
    StoreError::InvalidData(format!(
        "{} is a PostgreSQL URL, but this build has no PostgreSQL backend \
         (build postcore-store with its `postgres` feature)",
        redact_database_url(url)
    ))
}

/// The schema version of the database at `database_url` against this build's latest,
/// read without migrating or changing anything; `Ok(None)` when no SQLite file exists
/// there, or the server says the PostgreSQL database does not exist. For PostgreSQL, the
/// version is read from refinery's history table (`refinery_schema_history`; 0 when it
/// does not exist yet).
///
/// # Errors
/// `InvalidData` for an unknown scheme; `Backend` when the file is not a readable database
/// or the PostgreSQL server cannot be reached.
pub async fn schema_status(database_url: &str) -> Result<Option<MigrationStatus>, StoreError> {
    if BackendKind::of(database_url)? == BackendKind::Postgres {
        #[cfg(feature = "postgres")]
        return postgres::read_schema_status(database_url).await;
        #[cfg(not(feature = "postgres"))]
        return Err(no_postgres(database_url));
    }
    let path = database_file(database_url)?;
    tokio::task::spawn_blocking(move || sqlite::read_schema_status(&path))
        .await
        .map_err(StoreError::backend)?
}

/// SQLite's `PRAGMA integrity_check` of the database at `database_url`, opened read-only:
/// no secret key is needed, no migration runs and nothing is written, so it suits backups
/// and databases of other versions. An empty list means the database is sound.
///
/// For PostgreSQL (which guards its own pages: data checksums, `amcheck` for indexes) it
/// checks that the schema is this build's and runs the store's consistency queries (each
/// invariant the store keeps across rows: copied listing columns, digest lengths, secrets
/// only with a key check), again without the secret key and writing nothing.
///
/// # Errors
/// `NotFound(Entity::Database)` when no SQLite file exists there; `InvalidData` for an
/// unknown scheme; `Backend` when the file cannot be read as a database or the server
/// cannot be reached.
pub async fn integrity_check(database_url: &str) -> Result<Vec<String>, StoreError> {
    if BackendKind::of(database_url)? == BackendKind::Postgres {
        #[cfg(feature = "postgres")]
        return postgres::integrity_check_url(database_url).await;
        #[cfg(not(feature = "postgres"))]
        return Err(no_postgres(database_url));
    }
    let path = database_file(database_url)?;
    tokio::task::spawn_blocking(move || sqlite::integrity_check_file(&path))
        .await
        .map_err(StoreError::backend)?
}

/// The file path of an SQLite database URL: `sqlite://path`, `sqlite:path` or a plain path.
/// The one parser of database URLs, for callers that need the file itself (to say it is
/// missing, or to name it in a message).
///
/// # Errors
/// `InvalidData` for another scheme (a PostgreSQL URL included: it names no file) or an
/// empty path. The message shows the URL redacted.
pub fn database_file(url: &str) -> Result<PathBuf, StoreError> {
    let path = if let Some(rest) = url.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        rest
    } else if is_postgres_url(url) {
        return Err(StoreError::InvalidData(format!(
            "{} is a PostgreSQL database, not an SQLite file",
            redact_database_url(url)
        )));
    } else if url.contains("://") {
        // Shown redacted: an unknown URL may still hold a password.
        return Err(StoreError::InvalidData(format!(
            "unsupported database URL scheme in {:?}: use sqlite://PATH, a file path, \
             or postgres://USER@HOST/DATABASE",
            redact_database_url(url)
        )));
    } else {
        url
    };
    if path.is_empty() {
        return Err(StoreError::InvalidData("the database path is empty".into()));
    }
    Ok(PathBuf::from(path))
}
