//! `StoreError`: every way a repository call can fail, free of driver types.

use std::fmt;

/// What a lookup did not find (api.md §4: each maps to one error of the API or the CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    /// An account, by name or id.
    Account,
    /// An API key, by its display prefix.
    ApiKey,
    /// A profile of the caller's account (another account's profile is not found alike).
    Profile,
    /// A platform connection on a profile.
    Connection,
    /// The database file itself (read-only tools on a path where none exists).
    Database,
    /// A URL on an account's return-URL allow-list.
    ReturnUrl,
    /// A webhook endpoint of the caller's account.
    WebhookEndpoint,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entity::Account => "account",
            Entity::ApiKey => "API key",
            Entity::Profile => "profile",
            Entity::Connection => "connection",
            Entity::Database => "database",
            Entity::WebhookEndpoint => "webhook endpoint",
            Entity::ReturnUrl => "return URL",
        })
    }
}

/// What a conflicting write collided with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// An account with this name exists.
    AccountExists,
    /// A profile with this key exists (in any account).
    ProfileKeyExists,
    /// Record `record` (0-based) of an import has a key another account's profile has;
    /// nothing was imported.
    ImportedProfileKeyExists {
        /// The record's index in the imported list.
        record: usize,
        /// Its profile key.
        key: postcore_domain::ProfileKey,
    },
    /// The platform is connected on this profile with a different platform account
    /// (api.md §5.5: `PROFILE_ALREADY_EXISTS`); the existing connection is untouched.
    PlatformAlreadyConnected,
    /// More than one API key starts with the given prefix.
    AmbiguousKeyPrefix,
    /// An imported API key is already stored (same SHA-256 digest, revoked or not).
    ApiKeyExists,
    /// Another stored API key has the same display prefix (`pc_live_` + 6 characters), by
    /// which keys are listed and revoked: the two could never be told apart.
    KeyPrefixTaken,
    /// The target file of a backup exists.
    FileExists,
    /// An OAuth state with this digest is pending (a caller's bug: states are random).
    OAuthStateExists,
    /// A webhook secret rotation would leave more than `max` retired secrets signing; the
    /// earliest of them stops at `next_at` (UTC), when a rotation is possible again.
    TooManyRetiredSecrets {
        /// The most retired secrets that may sign at once.
        max: usize,
        /// When the earliest retired secret stops signing.
        next_at: postcore_domain::Timestamp,
    },
    /// The account has [`MAX_WEBHOOK_ENDPOINTS`](crate::webhooks::MAX_WEBHOOK_ENDPOINTS)
    /// webhook endpoints (enabled or not) already; no endpoint was created.
    TooManyWebhookEndpoints,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Conflict::ImportedProfileKeyExists { record, key } => {
                return write!(
                    f,
                    "profiles[{record}].profileKey: {key} is a profile of another account"
                );
            }
            Conflict::TooManyRetiredSecrets { max, next_at } => {
                return write!(
                    f,
                    "{max} retired secrets of this webhook endpoint still sign; the earliest \
                     stops at {}",
                    postcore_domain::format_timestamp(*next_at)
                );
            }
            Conflict::AccountExists => "an account with this name already exists",
            Conflict::ProfileKeyExists => "a profile with this key already exists",
            Conflict::PlatformAlreadyConnected => {
                "this platform is already connected to another account on this profile"
            }
            Conflict::AmbiguousKeyPrefix => "more than one API key has this prefix",
            Conflict::ApiKeyExists => "this API key is already stored",
            Conflict::KeyPrefixTaken => {
                "another API key has the same display prefix, so the two could not be told apart \
                 (in `keys list`, `keys revoke`)"
            }
            Conflict::FileExists => "the file already exists",
            Conflict::OAuthStateExists => "an OAuth state with this digest is pending",
            Conflict::TooManyWebhookEndpoints => {
                return write!(
                    f,
                    "an account has at most {} webhook endpoints; delete one first",
                    crate::webhooks::MAX_WEBHOOK_ENDPOINTS
                );
            }
        };
        f.write_str(text)
    }
}

/// The cause of a [`StoreError::Backend`]: what the store was doing, and the driver's
/// error as an opaque source (its type is never part of the store's API).
#[derive(Debug, thiserror::Error)]
#[error("database error: {context}")]
pub struct BackendError {
    context: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl BackendError {
    /// A failure described by `context`, caused by `source`.
    pub fn new(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Self {
            context: context.into(),
            source: Some(source.into()),
        }
    }

    /// A failure with no underlying error (an unexpected state the store detected itself).
    pub fn message(context: impl Into<String>) -> Self {
        Self {
            context: context.into(),
            source: None,
        }
    }
}

/// An error from the store. Driver errors are kept as opaque sources, never as driver
/// types; they are logged by the caller and never shown to API clients.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing does not exist, or belongs to another account (which is answered exactly
    /// alike, so that keys cannot be probed).
    #[error("{0} not found")]
    NotFound(Entity),
    /// The presented API key is unknown or revoked (from the calls that authenticate in
    /// the same read as their operation, such as
    /// [`Repository::get_profile_as`](crate::Repository::get_profile_as)).
    #[error("the API key is unknown or revoked")]
    Unauthenticated,
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
    /// The database or its driver failed (IO, corruption, pool exhaustion, …). Its
    /// message says what the store was doing; its `source()` is the driver's error.
    #[error(transparent)]
    Backend(BackendError),
}

impl StoreError {
    /// A backend failure caused by `e`, described by the generic context "database call".
    pub(crate) fn backend(
        e: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        StoreError::Backend(BackendError::new("database call failed", e))
    }

    /// A backend failure described by `context`, caused by `e`.
    pub(crate) fn backend_with(
        context: impl Into<String>,
        e: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        StoreError::Backend(BackendError::new(context, e))
    }
}

/// `e` and every cause under it, joined by `: ` — for a message that must survive being
/// shared by several callers (a group commit's failure), where a `source()` cannot be.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn backend_errors_keep_their_source_chain() {
        let io = std::io::Error::other("disk on fire");
        let e = StoreError::backend_with("writing a profile", io);
        assert_eq!(e.to_string(), "database error: writing a profile");
        let cause = e.source().expect("the driver's error");
        assert_eq!(cause.to_string(), "disk on fire");
        assert!(cause.source().is_none());
    }

    #[test]
    fn not_found_names_the_entity() {
        let texts: Vec<String> = [
            Entity::Account,
            Entity::ApiKey,
            Entity::Profile,
            Entity::Connection,
            Entity::Database,
        ]
        .into_iter()
        .map(|e| StoreError::NotFound(e).to_string())
        .collect();
        assert_eq!(
            texts,
            [
                "account not found",
                "API key not found",
                "profile not found",
                "connection not found",
                "database not found"
            ]
        );
    }
}
