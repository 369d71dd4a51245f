//! Records the repository reads and writes, beside the domain types.

use postcore_domain::{
    AccountName, ApiKey, Connection, KeyLabel, Platform, Profile, ProfileKey, Timestamp,
};
use secrecy::SecretString;

/// An account's internal identifier. Opaque to callers; stable for the database's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(pub(crate) i64);

impl AccountId {
    /// The raw number, for logs.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// A tenant: API keys and profiles belong to exactly one account (api.md §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Internal identifier.
    pub id: AccountId,
    /// Unique name chosen by the operator.
    pub name: AccountName,
    /// When the account was created (UTC).
    pub created_at: Timestamp,
}

/// What is kept of an API key: never the key, only its display prefix (api.md §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyInfo {
    /// Owning account.
    pub account: AccountId,
    /// Owning account's name.
    pub account_name: AccountName,
    /// `pc_live_` + the first 6 random characters.
    pub prefix: String,
    /// Optional operator label.
    pub label: Option<KeyLabel>,
    /// When the key was made (UTC).
    pub created_at: Timestamp,
    /// When the key last authenticated a request (UTC), recorded at most once a minute.
    pub last_used_at: Option<Timestamp>,
    /// When the key was revoked (UTC); a revoked key never authenticates again.
    pub revoked_at: Option<Timestamp>,
}

/// A profile with its connections, ordered by platform name (api.md §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRecord {
    /// The profile.
    pub profile: Profile,
    /// Its connections, `bluesky` before `linkedin`.
    pub connections: Vec<Connection>,
}

/// Where a keyset page of profiles ends: the `(createdAt, profileKey)` of its last profile.
/// The next page starts strictly after it (api.md §5.1, ordering of §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileCursor {
    /// `createdAt` of the last profile seen (UTC, whole seconds).
    pub created_at: Timestamp,
    /// Key of the last profile seen.
    pub key: ProfileKey,
}

impl ProfileCursor {
    /// The cursor just after `profile`.
    pub fn after(profile: &Profile) -> Self {
        Self {
            created_at: profile.created_at(),
            key: profile.key().clone(),
        }
    }
}

/// A platform's secrets, stored encrypted and never returned by listing calls.
/// `None` fields mean "not given": on a renewal the stored value is kept.
#[derive(Debug, Default)]
pub struct Credentials {
    /// OAuth access token (LinkedIn).
    pub access_token: Option<SecretString>,
    /// OAuth refresh token (LinkedIn), when the platform issued one.
    pub refresh_token: Option<SecretString>,
    /// Bluesky app password.
    pub app_password: Option<SecretString>,
    /// When the refresh token itself stops working (UTC), when the platform said
    /// (`refresh_token_expires_in`). Not a secret; kept with the refresh token it belongs
    /// to, and replaced only together with it.
    pub refresh_token_expires_at: Option<Timestamp>,
}

/// What a connect call did (api.md §5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectOutcome {
    /// The platform was not connected; the connection was created.
    Created,
    /// The same platform account was connected; it was renewed in place.
    Renewed,
}

/// One row of an expiry report: a connection with its owners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionReport {
    /// Owning account's name.
    pub account_name: AccountName,
    /// Owning profile's key.
    pub profile_key: ProfileKey,
    /// The connection.
    pub connection: Connection,
}

/// How many profiles exist and how many connections of each platform are in each state
/// at one instant, over every account: the figures of the server's `/metrics`
/// ([`Repository::fleet_counts`](crate::Repository::fleet_counts)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetCounts {
    /// Profiles, of every account.
    pub profiles: u64,
    /// One entry per platform of `Platform::ALL`, in that order, zeros included.
    pub platforms: Vec<PlatformCounts>,
}

/// The connections of one platform by state at an instant (api.md §3 rules). The three
/// states are disjoint and cover every connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformCounts {
    /// The platform.
    pub platform: Platform,
    /// Neither `needs_reconnect` nor `expiring`: includes connections without an expiry
    /// (Bluesky).
    pub ok: u64,
    /// Not needing a reconnect, with `daysUntilExpiry ≤ within_days`
    /// (`postcore_domain::expiry::status` answers `ExpiringSoon`).
    pub expiring: u64,
    /// `needsReconnect` is true: marked revoked, or `now ≥ expiresAt`.
    pub needs_reconnect: u64,
}

impl PlatformCounts {
    /// No connection of `platform`.
    pub fn zero(platform: Platform) -> Self {
        Self {
            platform,
            ok: 0,
            expiring: 0,
            needs_reconnect: 0,
        }
    }
}

/// A stored connection with its owners and its decrypted secrets
/// ([`Repository::platform_connections`](crate::Repository::platform_connections)).
/// `Debug` shows no secret (`secrecy` redacts them).
#[derive(Debug)]
pub struct StoredConnection {
    /// Owning account.
    pub account: AccountId,
    /// Owning account's name.
    pub account_name: AccountName,
    /// Owning profile's key.
    pub profile_key: ProfileKey,
    /// The connection's public state.
    pub connection: Connection,
    /// Its decrypted secrets.
    pub credentials: Credentials,
}

/// A pending OAuth authorization (api.md §5.5): kept by the SHA-256 digest of the `state`
/// sent to the browser (never the state), taken once by the callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthState {
    /// SHA-256 of the state parameter.
    pub digest: [u8; 32],
    /// The account that started the flow.
    pub account: AccountId,
    /// The platform being connected.
    pub platform: Platform,
    /// The profile to connect; `None`: the callback creates one.
    pub profile_key: Option<ProfileKey>,
    /// Where the browser goes back to (on the account's allow-list when saved).
    pub return_url: Option<String>,
    /// When the flow started (UTC).
    pub created_at: Timestamp,
    /// When the state stops being accepted (UTC; 10 minutes after `created_at`).
    pub expires_at: Timestamp,
}

/// A connection whose access token a refresher may renew
/// ([`Repository::refresh_candidates`](crate::Repository::refresh_candidates)).
#[derive(Debug)]
pub struct RefreshCandidate {
    /// The connection with its owners and decrypted secrets (a refresh token among them).
    pub stored: StoredConnection,
    /// Transient failures since the last successful renewal (for back-off).
    pub failures: u32,
}

impl RefreshCandidate {
    /// The connection as seen, for claiming and ending a refresh.
    pub fn target(&self) -> RefreshTarget {
        RefreshTarget {
            account: self.stored.account,
            profile_key: self.stored.profile_key.clone(),
            platform: self.stored.connection.platform(),
            connected_at: self.stored.connection.connected_at(),
        }
    }
}

/// One connection as a refresher saw it: a claim or an ending applies only while the
/// connection still has this `connected_at` (a reconnect meanwhile wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTarget {
    /// Owning account.
    pub account: AccountId,
    /// Owning profile.
    pub profile_key: ProfileKey,
    /// The platform.
    pub platform: Platform,
    /// `connected_at` when seen (UTC).
    pub connected_at: Timestamp,
}

/// How a refresh that produced no new tokens ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshRelease {
    /// A transient failure: try again at this instant (UTC); the mark is not touched.
    RetryAfter(Timestamp),
    /// The platform definitely refused the refresh token (`invalid_grant`), or it is past
    /// its own expiry: the connection needs a reconnect.
    Rejected,
}

/// What a bulk import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Profiles created.
    pub created: u64,
    /// Profiles that already existed in the account and were left as they were.
    pub unchanged: u64,
}

/// Schema version of a database against this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Version recorded in the database (0 = empty).
    pub current: usize,
    /// Latest version this build knows.
    pub latest: usize,
}

/// What [`Repository::provision_account`](crate::Repository::provision_account) made.
#[derive(Debug)]
pub struct Provisioned {
    /// The account, found or created.
    pub account: Account,
    /// Whether the account was created by this call.
    pub created_account: bool,
    /// What the import did.
    pub summary: ImportSummary,
    /// The new API key: the only time the full key is available.
    pub api_key: ApiKey,
    /// What is kept of the key.
    pub key_info: ApiKeyInfo,
}
