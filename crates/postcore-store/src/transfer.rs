//! Whole-database transfer between backends (`postcore-admin migrate-to`): the
//! [`Transfer`] trait, every [`Repository`](crate::Repository) backend's export and import of
//! whole accounts, and the records it moves.
//!
//! An account is read as one [`AccountExport`] (one read transaction, credentials decrypted
//! with the source's secret key) and written as one (one write transaction, credentials
//! encrypted with the destination's key), so an account is either wholly moved or not at
//! all. What is not moved, on purpose: pending OAuth states (valid 10 minutes; a user in the
//! middle of a LinkedIn sign-in starts again) and the token refresher's lease and back-off
//! (the next pass of the refresher starts afresh).

use crate::{Credentials, Progress, StoreError};
use postcore_domain::{AccountName, Connection, KeyLabel, Profile, Timestamp};

/// One stored API key as kept: its SHA-256 digest (never the key itself) and what is shown
/// of it. Moved as is, so a key that authenticated before a transfer does after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedApiKey {
    /// SHA-256 of the full key (api.md §6: digests only).
    pub digest: [u8; 32],
    /// `pc_live_` + the first 6 characters, for listing and revoking.
    pub prefix: String,
    /// Optional operator label.
    pub label: Option<KeyLabel>,
    /// When the key was made (UTC).
    pub created_at: Timestamp,
    /// When the key last authenticated a request (UTC).
    pub last_used_at: Option<Timestamp>,
    /// When the key was revoked (UTC); a revoked key stays revoked.
    pub revoked_at: Option<Timestamp>,
}

/// One page of the account's OAuth return-URL allow-list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedReturnUrl {
    /// The URL, matched byte for byte.
    pub url: String,
    /// When it was allowed (UTC).
    pub created_at: Timestamp,
}

/// A connection with its decrypted secrets.
#[derive(Debug)]
pub struct ExportedConnection {
    /// The connection as the API reports it (revoked mark included).
    pub connection: Connection,
    /// Its secrets in plain text, to be encrypted again by the destination.
    pub credentials: Credentials,
}

/// A profile with its connections, `bluesky` before `linkedin`.
#[derive(Debug)]
pub struct ExportedProfile {
    /// The profile: key, name and creation time kept.
    pub profile: Profile,
    /// Its connections with their secrets.
    pub connections: Vec<ExportedConnection>,
}

/// Everything one account holds, as moved between databases. Holds secrets in plain text
/// (`Debug` of the credentials shows none).
#[derive(Debug)]
pub struct AccountExport {
    /// The account's name (unique in a database).
    pub name: AccountName,
    /// When the account was created (UTC).
    pub created_at: Timestamp,
    /// Its API keys, oldest first.
    pub api_keys: Vec<ExportedApiKey>,
    /// Its OAuth return-URL allow-list, sorted.
    pub return_urls: Vec<ExportedReturnUrl>,
    /// Its profiles in listing order (`createdAt`, then `profileKey`).
    pub profiles: Vec<ExportedProfile>,
}

impl AccountExport {
    /// The rows this export holds, as [`DatabaseCounts`] of a database holding it alone.
    pub fn counts(&self) -> DatabaseCounts {
        DatabaseCounts {
            accounts: 1,
            api_keys: self.api_keys.len() as u64,
            profiles: self.profiles.len() as u64,
            connections: self
                .profiles
                .iter()
                .map(|p| p.connections.len() as u64)
                .sum(),
            return_urls: self.return_urls.len() as u64,
        }
    }
}

/// How many rows of each kind a database holds, over every account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DatabaseCounts {
    /// Accounts.
    pub accounts: u64,
    /// API keys, revoked ones included.
    pub api_keys: u64,
    /// Profiles.
    pub profiles: u64,
    /// Connections, of every platform.
    pub connections: u64,
    /// Allowed OAuth return URLs.
    pub return_urls: u64,
}

impl std::ops::AddAssign for DatabaseCounts {
    fn add_assign(&mut self, other: Self) {
        self.accounts += other.accounts;
        self.api_keys += other.api_keys;
        self.profiles += other.profiles;
        self.connections += other.connections;
        self.return_urls += other.return_urls;
    }
}

/// Export and import of whole accounts, for moving a database to another backend. A
/// supertrait of [`Repository`](crate::Repository): every backend implements it, and it is
/// called through `Arc<dyn Repository>`.
#[async_trait::async_trait]
pub trait Transfer: Send + Sync {
    /// Every row of the account `name` — keys (digests), return URLs, profiles, connections
    /// with their decrypted secrets — read in one read transaction, so the export is one
    /// consistent snapshot of the account.
    /// Errors: `NotFound(Entity::Account)`; `WrongSecretKey` when a secret does not open.
    async fn export_account(&self, name: &AccountName) -> Result<AccountExport, StoreError>;

    /// Writes `export` as a new account in one transaction, every key, timestamp, label and
    /// revocation kept, secrets encrypted with this store's key; `progress` is called with
    /// the number of profiles written so far. Nothing is written when anything fails.
    /// Errors: `Conflict(AccountExists)`, `Conflict(ApiKeyExists)` (a digest already
    /// stored), `Conflict(KeyPrefixTaken)`, `Conflict(ProfileKeyExists)`, `InvalidData` for
    /// a connection that breaks [`Connection::validate`].
    async fn import_account(
        &self,
        export: AccountExport,
        progress: Option<Progress>,
    ) -> Result<(), StoreError>;

    /// How many rows of each kind the database holds (one read).
    async fn database_counts(&self) -> Result<DatabaseCounts, StoreError>;
}
