//! [`DatabaseArgs`]: the `--database` and `--secret-key-file` flags of both binaries.

use super::{DATABASE_ENV, DEFAULT_DATABASE, SECRET_KEY_FILE_ENV, SecretKeySource, SettingsError};
use crate::{StoreConfig, StoreError};
use std::path::PathBuf;

/// Where the data lives and which key opens it: flattened into `postcore serve` and into
/// every `postcore-admin` command (`#[command(flatten)]`), so both binaries share one
/// definition, one default and one help text.
///
/// The flags are `global`, so `postcore-admin` takes them before or after its subcommand.
/// The secret key itself has no flag: it is read from [`super::SECRET_KEY_ENV`] only.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct DatabaseArgs {
    /// The database: an SQLite file (or `sqlite://PATH`), or
    /// `postgres://USER@HOST:PORT/DATABASE` (a password goes in `PGPASSWORD`, never on a
    /// command line)
    #[arg(
        long,
        global = true,
        env = DATABASE_ENV,
        hide_env_values = true,
        default_value = DEFAULT_DATABASE,
        value_name = "PATH|URL"
    )]
    pub database: String,

    /// File holding the base64 secret key (else, for SQLite, `<database>.key` beside the
    /// database; PostgreSQL needs this or `POSTCORE_SECRET_KEY`); `POSTCORE_SECRET_KEY`,
    /// env only and never a flag, wins over it
    #[arg(long, global = true, env = SECRET_KEY_FILE_ENV, value_name = "PATH")]
    pub secret_key_file: Option<PathBuf>,
}

impl Default for DatabaseArgs {
    /// [`DEFAULT_DATABASE`] with no key file.
    fn default() -> Self {
        Self {
            database: DEFAULT_DATABASE.to_owned(),
            secret_key_file: None,
        }
    }
}

impl DatabaseArgs {
    /// The database file named by `--database`, without a `sqlite:` scheme
    /// (see [`crate::database_file`]).
    ///
    /// # Errors
    /// `InvalidData` for another scheme or an empty path.
    pub fn database_file(&self) -> Result<PathBuf, StoreError> {
        crate::database_file(&self.database)
    }

    /// Whether `--database` names a PostgreSQL database (see [`super::is_postgres_url`]).
    pub fn is_postgres(&self) -> bool {
        super::is_postgres_url(&self.database)
    }

    /// `--database` as it may be shown in logs and messages: a URL's password replaced
    /// (see [`super::redact_database_url`]).
    pub fn shown(&self) -> String {
        super::redact_database_url(&self.database)
    }

    /// How to open the store: this database, with the secret key chosen by
    /// [`SecretKeySource::from_env`] (`POSTCORE_SECRET_KEY`, then `--secret-key-file`,
    /// then `<database>.key` beside an SQLite database).
    ///
    /// # Errors
    /// [`SettingsError`] when `POSTCORE_SECRET_KEY` is set but blank or not UTF-8, or when a
    /// PostgreSQL database is given neither it nor a key file.
    pub fn store_config(&self) -> Result<StoreConfig, SettingsError> {
        let secret_key = SecretKeySource::from_env(self.secret_key_file.clone())?;
        if self.is_postgres() && matches!(secret_key, SecretKeySource::BesideDatabase) {
            return Err(SettingsError::NoSecretKeyForPostgres);
        }
        Ok(StoreConfig {
            database_url: self.database.clone(),
            secret_key,
        })
    }
}
