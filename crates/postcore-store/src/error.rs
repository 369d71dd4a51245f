//! `StoreError`: every way a repository call can fail, free of driver types.

/// What a conflicting write collided with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// An account with this name exists.
    AccountExists,
    /// A profile with this key exists (in any account).
    ProfileKeyExists,
    /// The platform is connected on this profile with a different platform account
    /// (api.md §5.5: `PROFILE_ALREADY_EXISTS`); the existing connection is untouched.
    PlatformAlreadyConnected,
    /// More than one API key starts with the given prefix.
    AmbiguousKeyPrefix,
    /// The target file of a backup exists.
    FileExists,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Conflict::AccountExists => "an account with this name already exists",
            Conflict::ProfileKeyExists => "a profile with this key already exists",
            Conflict::PlatformAlreadyConnected => {
                "this platform is already connected to another account on this profile"
            }
            Conflict::AmbiguousKeyPrefix => "more than one API key has this prefix",
            Conflict::FileExists => "the file already exists",
        })
    }
}

/// An error from the store. Driver errors are carried as opaque text and never as driver
/// types; they are logged by the caller and never shown to API clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The named thing does not exist, or belongs to another account (which is answered
    /// exactly alike, so that keys cannot be probed).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The write collides with existing data; nothing was changed.
    #[error("conflict: {0}")]
    Conflict(Conflict),
    /// A value read from or given to the store breaks a domain rule.
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// The configured secret key does not decrypt this database's credentials.
    #[error(
        "the secret key does not match this database: its credentials were encrypted with another key \
         (check POSTCORE_SECRET_KEY or the secret key file)"
    )]
    WrongSecretKey,
    /// The secret key is missing, unreadable or malformed.
    #[error("secret key: {0}")]
    SecretKey(String),
    /// The database was written by a newer build; nothing was changed.
    #[error(
        "the database schema is at version {found}, newer than the {supported} this build knows: \
         upgrade PostCore or open another database"
    )]
    DatabaseTooNew {
        /// Schema version found in the database.
        found: usize,
        /// Latest schema version of this build.
        supported: usize,
    },
    /// The database or its driver failed (IO, corruption, pool exhaustion, …).
    #[error("database error: {0}")]
    Backend(String),
}

impl StoreError {
    pub(crate) fn backend(e: impl std::fmt::Display) -> Self {
        StoreError::Backend(e.to_string())
    }
}
