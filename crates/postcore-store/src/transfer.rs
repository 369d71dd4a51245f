//! Whole-database transfer between backends (`postcore-admin migrate-to`): the
//! [`Transfer`] trait, every [`Repository`](crate::Repository) backend's export and import of
//! whole accounts, and the records it moves.
//!
//! An account is read as one [`AccountExport`] (one read transaction, credentials decrypted
//! with the source's secret key) and written as one (one write transaction, credentials
//! encrypted with the destination's key), so an account is either wholly moved or not at
//! all. Its webhooks move with it ([`WebhookExport`]): endpoints with their signing
//! secrets (decrypted and encrypted again, as credentials are), the outbox and its
//! deliveries with their ids and states, and the timed notices already told. What is not
//! moved, on purpose: pending OAuth states (valid 10 minutes; a user in the middle of a
//! LinkedIn sign-in starts again), the token refresher's lease and back-off (the next pass
//! of the refresher starts afresh), a delivery's lease (a delivery in flight is pending
//! again, due as before: delivery is at-least-once) and the notice records of profiles
//! that no longer exist (nothing can fall due for them).

use crate::webhooks::{DeliveryStatus, OutboxEvent, WebhookEndpoint};
use crate::{Credentials, Progress, StoreError};
use postcore_domain::{
    AccountName, Connection, KeyLabel, Platform, Profile, ProfileKey, Timestamp,
};
use secrecy::SecretString;

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
    /// Its webhook endpoints, outbox, deliveries and timed-notice records.
    pub webhooks: WebhookExport,
}

/// A webhook endpoint with its decrypted signing secrets (`Debug` shows none).
#[derive(Debug)]
pub struct ExportedWebhookEndpoint {
    /// The endpoint as listed: id, URL, events, description, creation, disabling and
    /// consecutive failures, all kept (its `account` is the source's id, not written).
    pub endpoint: WebhookEndpoint,
    /// The current secret, `whsec_…`, to be encrypted again by the destination.
    pub secret: SecretString,
    /// Its retired secrets, every one stored, oldest rotation first, each with the
    /// instant (UTC) until which it signs too (24 h after its rotation; kept when already
    /// past, as stored), so that every one still in its window signs on the destination.
    pub retired_secrets: Vec<(SecretString, Timestamp)>,
}

/// One delivery of an outbox event to an endpoint, as stored but for its lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedDelivery {
    /// The delivery's row id, kept (listings order by it after the event's instant).
    pub id: i64,
    /// The event's id (`evt_…`).
    pub event_id: String,
    /// The endpoint's id (`we_…`).
    pub endpoint_id: String,
    /// Its state; a leased (in-flight) delivery is `Pending` and moves unleased.
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: u32,
    /// The next attempt while pending (UTC, whole seconds); kept as stored otherwise.
    pub next_attempt_at: Timestamp,
    /// The last status code received.
    pub last_status: Option<u16>,
    /// The last error (no secret).
    pub last_error: Option<String>,
}

/// A timed notice already told, so that no scheduler pass on the destination tells it
/// again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedNotice {
    /// The profile (of the exported account).
    pub profile: ProfileKey,
    /// The connection's platform.
    pub platform: Platform,
    /// The token's `expiresAt` the notice was for (UTC, whole seconds).
    pub expires_at: Timestamp,
    /// The threshold before `expiresAt` in seconds; 0 for `connection.expired`.
    pub threshold_secs: u64,
    /// When the notice was recorded (UTC).
    pub recorded_at: Timestamp,
}

/// An account's webhooks, as moved between databases. Ids are kept (endpoint ids, and
/// event ids, on which receivers dedupe).
#[derive(Debug, Default)]
pub struct WebhookExport {
    /// Endpoints, oldest first, then by id.
    pub endpoints: Vec<ExportedWebhookEndpoint>,
    /// Outbox events of the account, delivered or not, oldest first, then by id (their
    /// `account` is the source's id, not written).
    pub events: Vec<OutboxEvent>,
    /// Deliveries to the account's endpoints, by id.
    pub deliveries: Vec<ExportedDelivery>,
    /// Timed notices recorded for the account's profiles.
    pub notices: Vec<ExportedNotice>,
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
            webhook_endpoints: self.webhooks.endpoints.len() as u64,
            webhook_events: self.webhooks.events.len() as u64,
            webhook_deliveries: self.webhooks.deliveries.len() as u64,
            webhook_notices: self.webhooks.notices.len() as u64,
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
    /// Webhook endpoints, disabled ones included.
    pub webhook_endpoints: u64,
    /// Outbox events, delivered or not.
    pub webhook_events: u64,
    /// Deliveries, of every state.
    pub webhook_deliveries: u64,
    /// Timed-notice records of profiles that exist (those of deleted profiles are not
    /// moved, nor counted).
    pub webhook_notices: u64,
}

impl std::ops::AddAssign for DatabaseCounts {
    fn add_assign(&mut self, other: Self) {
        self.accounts += other.accounts;
        self.api_keys += other.api_keys;
        self.profiles += other.profiles;
        self.connections += other.connections;
        self.return_urls += other.return_urls;
        self.webhook_endpoints += other.webhook_endpoints;
        self.webhook_events += other.webhook_events;
        self.webhook_deliveries += other.webhook_deliveries;
        self.webhook_notices += other.webhook_notices;
    }
}

/// Export and import of whole accounts, for moving a database to another backend. A
/// supertrait of [`Repository`](crate::Repository): every backend implements it, and it is
/// called through `Arc<dyn Repository>`.
#[async_trait::async_trait]
pub trait Transfer: Send + Sync {
    /// Every row of the account `name` — keys (digests), return URLs, profiles, connections
    /// with their decrypted secrets, webhook endpoints with their decrypted secrets, outbox
    /// events, deliveries and the notices of its profiles — read in one read transaction,
    /// so the export is one consistent snapshot of the account.
    /// Errors: `NotFound(Entity::Account)`; `WrongSecretKey` when a secret does not open.
    async fn export_account(&self, name: &AccountName) -> Result<AccountExport, StoreError>;

    /// Writes `export` as a new account in one transaction, every key, timestamp, label and
    /// revocation kept, secrets encrypted with this store's key; the webhooks after the
    /// profiles, every id, state, count and instant kept but leases (a leased delivery is
    /// pending again); `progress` is called with the number of profiles written so far.
    /// Nothing is written when anything fails.
    /// Errors: `Conflict(AccountExists)`, `Conflict(ApiKeyExists)` (a digest already
    /// stored), `Conflict(KeyPrefixTaken)`, `Conflict(ProfileKeyExists)`, `InvalidData` for
    /// a connection that breaks [`Connection::validate`], `Backend` for a webhook id or
    /// notice already stored.
    async fn import_account(
        &self,
        export: AccountExport,
        progress: Option<Progress>,
    ) -> Result<(), StoreError>;

    /// How many rows of each kind the database holds (one read): what `migrate-to`
    /// compares between the source and the destination.
    async fn database_counts(&self) -> Result<DatabaseCounts, StoreError>;
}
