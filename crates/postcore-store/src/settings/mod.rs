//! Operator settings shared by the server and the admin CLI: defaults, env var names, and
//! the one rule that picks the secret key.
//!
//! Both binaries open a database through these items (and, with the `clap` feature,
//! through `DatabaseArgs`), so a setting means the same in both and is written once.

#[cfg(feature = "clap")]
mod args;
mod url;

#[cfg(feature = "clap")]
pub use args::DatabaseArgs;

pub use url::{REDACTED, is_postgres_url, redact_database_url};

use secrecy::SecretString;
use std::ffi::OsString;
use std::path::PathBuf;

/// The database when none is given: `postcore.db` in the working directory.
pub const DEFAULT_DATABASE: &str = "./postcore.db";
/// Env var naming the database: a file (or `sqlite://PATH`) or a `postgres://` URL; the
/// flag is `--database`. A URL with a password belongs here (or its password in
/// [`PG_PASSWORD_ENV`]), never in the flag: a command line is visible to every user.
pub const DATABASE_ENV: &str = "POSTCORE_DATABASE";
/// Env var holding the password of a PostgreSQL database whose URL has none (libpq's
/// own name, so `pg_dump` and `psql` read it too).
pub const PG_PASSWORD_ENV: &str = "PGPASSWORD";
/// Env var holding the secret key itself, base64 of 32 bytes. Env only, never a flag: a
/// command line is visible to every user of the machine (`ps`).
pub const SECRET_KEY_ENV: &str = "POSTCORE_SECRET_KEY";
/// Env var naming a file that holds the secret key; the flag is `--secret-key-file`.
pub const SECRET_KEY_FILE_ENV: &str = "POSTCORE_SECRET_KEY_FILE";

/// What [`SECRET_KEY_ENV`] is, for the settings tables (the README's and the tests').
pub const SECRET_KEY_ENV_HELP: &str = "The base64 32-byte secret key itself: env only, never a \
     flag, so it never shows in a process list; set but blank is an error";

/// How the secret key is found, for the end of `--help` in both binaries.
pub const SECRET_KEY_HELP: &str = "\
The secret key (32 random bytes, base64) encrypts stored platform credentials. It comes
from POSTCORE_SECRET_KEY if set (env only, never a flag, so the key never appears in a
process list; set but blank is an error), else from --secret-key-file, else from
<database>.key beside an SQLite database (created on the first open). A PostgreSQL
database has no file beside it: give it POSTCORE_SECRET_KEY or --secret-key-file.";

/// A setting that cannot be used as given. The message names the env var or flag and
/// never contains the value (it may be a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// [`SECRET_KEY_ENV`] is set but empty or only whitespace: most likely a templating or
    /// secret-manager mistake, which must not silently fall back to another key.
    #[error(
        "{} is set but blank: set it to the base64 secret key, or unset it to use \
         --secret-key-file or <database>.key",
        SECRET_KEY_ENV
    )]
    BlankSecretKey,
    /// [`SECRET_KEY_ENV`] is not valid UTF-8 (base64 is ASCII).
    #[error(
        "{} is not valid UTF-8: set it to the base64 secret key",
        SECRET_KEY_ENV
    )]
    SecretKeyNotUnicode,
    /// A PostgreSQL database was given with neither [`SECRET_KEY_ENV`] nor a key file:
    /// there is no file beside a server database to keep the key in, and a key kept in
    /// the database itself would not protect what it encrypts.
    #[error(
        "a PostgreSQL database needs its secret key from {} or --secret-key-file \
         ({}): there is no <database>.key beside it",
        SECRET_KEY_ENV,
        SECRET_KEY_FILE_ENV
    )]
    NoSecretKeyForPostgres,
}

/// Where the 32-byte secret key that encrypts platform credentials comes from.
#[derive(Debug, Clone, Default)]
pub enum SecretKeySource {
    /// The key itself, base64 (standard alphabet) of 32 bytes, e.g. from `POSTCORE_SECRET_KEY`.
    Base64(SecretString),
    /// A file holding the key as base64; it must exist.
    File(PathBuf),
    /// `<database path>.key` beside the database, generated (mode 0600) on first open when
    /// the database holds no encrypted data yet.
    #[default]
    BesideDatabase,
}

impl SecretKeySource {
    /// The source for this process: [`SecretKeySource::resolve`] of the environment's
    /// [`SECRET_KEY_ENV`] and the key file setting (`--secret-key-file` /
    /// `POSTCORE_SECRET_KEY_FILE`). What the server and the admin CLI both call.
    ///
    /// # Errors
    /// As [`SecretKeySource::resolve`].
    pub fn from_env(key_file: Option<PathBuf>) -> Result<Self, SettingsError> {
        Self::resolve(std::env::var_os(SECRET_KEY_ENV), key_file)
    }

    /// The one rule, in order of precedence: the key itself (`env_key`, the value of
    /// [`SECRET_KEY_ENV`] when set), then `key_file`, else the file beside the database.
    ///
    /// # Errors
    /// [`SettingsError::BlankSecretKey`] when `env_key` is empty or only whitespace, and
    /// [`SettingsError::SecretKeyNotUnicode`] when it is not UTF-8, even if a key file is
    /// given: a variable that is set was meant to be used.
    pub fn resolve(
        env_key: Option<OsString>,
        key_file: Option<PathBuf>,
    ) -> Result<Self, SettingsError> {
        match (env_key, key_file) {
            (Some(value), _) => {
                let text = value
                    .into_string()
                    .map_err(|_| SettingsError::SecretKeyNotUnicode)?;
                if text.trim().is_empty() {
                    return Err(SettingsError::BlankSecretKey);
                }
                Ok(SecretKeySource::Base64(SecretString::from(text)))
            }
            (None, Some(path)) => Ok(SecretKeySource::File(path)),
            (None, None) => Ok(SecretKeySource::BesideDatabase),
        }
    }
}

#[cfg(test)]
mod tests;
