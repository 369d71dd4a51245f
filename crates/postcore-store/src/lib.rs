//! PostCore storage: the repository trait, its errors, and the SQLite implementation.
#![doc = include_str!("../README.md")]

mod error;
mod model;
mod repository;
pub mod settings;
pub mod sqlite;
mod stream;
#[cfg(feature = "testing")]
pub mod testing;
pub mod transfer;

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
pub use settings::{SecretKeySource, SettingsError};
pub use stream::{STREAM_PAGE_SIZE, stream_matching_pages, stream_profile_pages};
pub use transfer::{
    AccountExport, DatabaseCounts, ExportedApiKey, ExportedConnection, ExportedProfile,
    ExportedReturnUrl, Transfer,
};

use std::path::PathBuf;
use std::sync::Arc;

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `sqlite://path`, `sqlite:path` or a plain file path (SQLite).
    pub database_url: String,
    /// The secret key for platform credentials.
    pub secret_key: SecretKeySource,
}

impl StoreConfig {
    /// A config for `database_url` with the secret key beside the database.
    pub fn new(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            secret_key: SecretKeySource::BesideDatabase,
        }
    }
}

/// Opens the store named by `config.database_url`, creating and migrating it as needed.
///
/// The backend is chosen by the URL's scheme: `sqlite://path`, `sqlite:path` or a plain path.
///
/// # Errors
/// `InvalidData` for an unknown scheme; otherwise what the backend's open returns
/// (`DatabaseTooNew`, `WrongSecretKey`, `SecretKey`, `Backend`).
pub async fn open(config: StoreConfig) -> Result<Arc<dyn Repository>, StoreError> {
    let path = database_file(&config.database_url)?;
    let store = sqlite::SqliteStore::open(path, config.secret_key).await?;
    Ok(Arc::new(store))
}

/// The schema version of the database at `database_url` against this build's latest,
/// read without migrating or changing anything; `Ok(None)` when no database exists there.
///
/// # Errors
/// `InvalidData` for an unknown scheme; `Backend` when the file is not a readable database.
pub async fn schema_status(database_url: &str) -> Result<Option<MigrationStatus>, StoreError> {
    let path = database_file(database_url)?;
    tokio::task::spawn_blocking(move || sqlite::read_schema_status(&path))
        .await
        .map_err(StoreError::backend)?
}

/// SQLite's `PRAGMA integrity_check` of the database at `database_url`, opened read-only:
/// no secret key is needed, no migration runs and nothing is written, so it suits backups
/// and databases of other versions. An empty list means the database is sound.
///
/// # Errors
/// `NotFound(Entity::Database)` when no file exists there; `InvalidData` for an unknown scheme;
/// `Backend` when the file cannot be read as a database.
pub async fn integrity_check(database_url: &str) -> Result<Vec<String>, StoreError> {
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
/// `InvalidData` for another scheme or an empty path.
pub fn database_file(url: &str) -> Result<PathBuf, StoreError> {
    let path = if let Some(rest) = url.strip_prefix("sqlite://") {
        rest
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        rest
    } else if url.contains("://") {
        // Shown redacted: an unknown URL may still hold a password.
        return Err(StoreError::InvalidData(format!(
            "unsupported database URL scheme in {:?}: use sqlite://PATH or a file path",
            settings::redact_database_url(url)
        )));
    } else {
        url
    };
    if path.is_empty() {
        return Err(StoreError::InvalidData("the database path is empty".into()));
    }
    Ok(PathBuf::from(path))
}
