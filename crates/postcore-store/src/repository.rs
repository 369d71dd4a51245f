//! The `Repository` trait: every use case of PostCore's storage, backend-neutral.

use crate::webhooks::{
    AttemptOutcome, AttemptRecorded, ClaimLimits, ClaimedDelivery, DeliveryReport, DisableDecision,
    NewWebhookEndpoint, NoticeIds, OutboxEvent, PruneCounts, SecretRotation, SigningSecretSet,
    WebhookEndpoint,
};
use crate::{
    Account, AccountId, ApiKeyInfo, ConnectOutcome, ConnectionReport, Credentials, FleetCounts,
    ImportSummary, MigrationStatus, OAuthState, ProfileCursor, ProfileRecord, Provisioned,
    RefreshCandidate, RefreshRelease, RefreshTarget, StoreError, StoredConnection,
};
use postcore_domain::{
    AccountName, ApiKey, Connection, KeyLabel, Platform, Profile, ProfileFilter, ProfileKey,
    ProfileName, Timestamp,
};
use std::path::Path;
use std::sync::Arc;

/// Called with the number of items done so far, for progress bars on long work.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// PostCore's storage, used as `Arc<dyn Repository>` by the server and the admin CLI.
///
/// Every method that takes an [`AccountId`] and a profile key is scoped to that account: a
/// profile of another account is [`StoreError::NotFound`], exactly as an unknown one. Every
/// write is one transaction and durable when the call returns `Ok` (api.md §6).
/// Instants are UTC; callers pass `now` (the store never reads the clock).
///
/// Whole-account export and import, for moving between backends, is the supertrait
/// [`Transfer`](crate::Transfer).
#[async_trait::async_trait]
pub trait Repository: crate::Transfer + Send + Sync + std::fmt::Debug + 'static {
    // ----- accounts -------------------------------------------------------------------

    /// Creates an account. Errors: `Conflict(AccountExists)`.
    async fn create_account(
        &self,
        name: &AccountName,
        now: Timestamp,
    ) -> Result<Account, StoreError>;

    /// Every account, by name.
    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError>;

    /// The account with this exact name. Errors: `NotFound(Entity::Account)`.
    async fn find_account(&self, name: &AccountName) -> Result<Account, StoreError>;

    // ----- API keys -------------------------------------------------------------------

    /// Makes a new API key for `account`, stores only its SHA-256 digest and display
    /// prefix, and returns the full key — the only time it is ever available.
    /// Errors: `NotFound(Entity::Account)`.
    async fn create_api_key(
        &self,
        account: AccountId,
        label: Option<&KeyLabel>,
        now: Timestamp,
    ) -> Result<(ApiKey, ApiKeyInfo), StoreError>;

    /// Stores an existing key for `account` — one made by the hosted service, brought
    /// over so that its clients change only their base URL — exactly as
    /// [`Self::create_api_key`] stores a new one: its SHA-256 digest and display prefix,
    /// never the key. Returns what is kept.
    /// Errors: `NotFound(Entity::Account)`; `Conflict(ApiKeyExists)` when a key with the
    /// same digest is stored (revoked or not), and then nothing is written.
    async fn import_api_key(
        &self,
        account: AccountId,
        key: &ApiKey,
        label: Option<&KeyLabel>,
        now: Timestamp,
    ) -> Result<ApiKeyInfo, StoreError>;

    /// The account of a presented key, looked up by digest; `None` for an unknown or
    /// revoked key. Revocation is seen at once: nothing about keys is cached.
    ///
    /// This is a point read meant for every request: it makes no write. The key's
    /// `last_used_at` is recorded off the request path, at most once a minute per key;
    /// [`Self::flush_last_use`] waits for it.
    async fn authenticate(
        &self,
        key: &ApiKey,
        now: Timestamp,
    ) -> Result<Option<AccountId>, StoreError>;

    /// API keys, of one account or all, oldest first.
    async fn list_api_keys(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<ApiKeyInfo>, StoreError>;

    /// Revokes the key with this display prefix (or a unique shorter prefix of it).
    /// Errors: `NotFound(Entity::ApiKey)`, `Conflict(AmbiguousKeyPrefix)`. Revoking a revoked
    /// key keeps its first revocation time.
    async fn revoke_api_key(&self, prefix: &str, now: Timestamp) -> Result<ApiKeyInfo, StoreError>;

    // ----- profiles -------------------------------------------------------------------

    /// Creates a profile with a generated key, or with `key` (imports).
    /// Errors: `NotFound(Entity::Account)`, `Conflict(ProfileKeyExists)`.
    async fn create_profile(
        &self,
        account: AccountId,
        key: Option<ProfileKey>,
        name: Option<ProfileName>,
        now: Timestamp,
    ) -> Result<Profile, StoreError>;

    /// One profile with its connections. Errors: `NotFound(Entity::Profile)`.
    async fn get_profile(
        &self,
        account: AccountId,
        key: &ProfileKey,
    ) -> Result<ProfileRecord, StoreError>;

    /// [`Self::authenticate`] and [`Self::get_profile`] in one read transaction on one
    /// connection: the server's hot path (`GET /profiles/{key}`) makes one trip to the
    /// database. Records the key's last use as `authenticate` does.
    /// Errors: `Unauthenticated` for an unknown or revoked key; `NotFound(Entity::Profile)`.
    async fn get_profile_as(
        &self,
        api_key: &ApiKey,
        now: Timestamp,
        key: &ProfileKey,
    ) -> Result<ProfileRecord, StoreError>;

    /// A keyset page: up to `limit` profiles of `account` that `filter` selects at `now`
    /// (UTC; [`ProfileFilter::matches`] is the rule, api.md §5.1), ordered by
    /// `(createdAt, profileKey)` strictly after `after`, each with all its connections, in a
    /// fixed number of queries. The filter is evaluated in the database: a backend never
    /// reads profiles it does not return (beyond its own index scans), and its answer
    /// equals `matches` for every profile, fractions of `now` included. `now` is unused when
    /// [`ProfileFilter::is_everything`].
    async fn list_profiles_page(
        &self,
        account: AccountId,
        filter: &ProfileFilter,
        now: Timestamp,
        after: Option<ProfileCursor>,
        limit: u32,
    ) -> Result<Vec<ProfileRecord>, StoreError>;

    /// Renames a profile (`None` clears the name). Errors: `NotFound(Entity::Profile)`.
    async fn rename_profile(
        &self,
        account: AccountId,
        key: &ProfileKey,
        name: Option<ProfileName>,
    ) -> Result<Profile, StoreError>;

    /// Deletes a profile with its connections and their secrets, in one transaction, and
    /// writes `profile.deleted` (the profile as it was, created at `now`, UTC) when
    /// subscribed; no per-connection event. Errors: `NotFound(Entity::Profile)`.
    async fn delete_profile(
        &self,
        account: AccountId,
        key: &ProfileKey,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    // ----- connections ----------------------------------------------------------------

    /// Connects a platform, or renews it in place when the same platform account is
    /// connected (api.md §5.5): new connected-at and expires-at, revoked mark cleared,
    /// each secret replaced when given and kept when not. A different platform account on
    /// an occupied platform is `Conflict(PlatformAlreadyConnected)` and changes nothing.
    /// Errors also: `NotFound(Entity::Profile)`; `InvalidData` when the connection breaks
    /// [`Connection::validate`].
    async fn connect(
        &self,
        account: AccountId,
        key: &ProfileKey,
        connection: Connection,
        credentials: Credentials,
    ) -> Result<ConnectOutcome, StoreError>;

    /// Creates a profile (generated key, no name, created at `now`) and connects
    /// `connection` to it, in one transaction: `POST /profiles/connect` without a
    /// `profileKey` (api.md §5.5). Returns the new profile; when anything fails, neither the
    /// profile nor the connection exists.
    /// Errors: `NotFound(Entity::Account)`; `InvalidData` when the connection breaks
    /// [`Connection::validate`].
    async fn connect_new_profile(
        &self,
        account: AccountId,
        connection: Connection,
        credentials: Credentials,
        now: Timestamp,
    ) -> Result<Profile, StoreError>;

    /// Removes a platform connection and its secrets, and writes `connection.disconnected`
    /// (its last state, created at `now`, UTC) when subscribed, in one transaction.
    /// Errors: `NotFound(Entity::Profile)`, `NotFound(Entity::Connection)`.
    async fn disconnect(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Marks a connection revoked, so that it needs a reconnect until renewed; when the mark
    /// is new, writes `connection.needs_reconnect` (the marked connection, created at
    /// `now`, UTC) when subscribed, in one transaction (marking a marked connection writes
    /// nothing). A marked connection gets no further timed notice
    /// ([`Self::enqueue_due_notices`]) until a connect renews it.
    /// Errors: `NotFound(Entity::Profile)`, `NotFound(Entity::Connection)`.
    async fn mark_revoked(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Marks a connection revoked only if it is still the one that was seen connected at
    /// `connected_at` (UTC): a check that read the credentials, asked the platform and got a
    /// rejection must not mark a connection the user renewed meanwhile. `Ok(true)` when the
    /// mark was set; `Ok(false)` when the profile, the connection or its `connected_at`
    /// changed since. A new mark writes `connection.needs_reconnect` at `now` as
    /// [`Self::mark_revoked`] does.
    async fn mark_revoked_if_unchanged(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
        connected_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Every connection of `platform` (of one account, or of all) with its decrypted
    /// secrets, ordered by account name, then profile key: for re-verifying stored
    /// credentials (`postcore-admin connections verify`). Errors: `WrongSecretKey`.
    async fn platform_connections(
        &self,
        account: Option<AccountId>,
        platform: Platform,
    ) -> Result<Vec<StoredConnection>, StoreError>;

    /// The decrypted secrets of a connection, for the platform clients.
    /// Errors: `NotFound(Entity::Profile)`, `NotFound(Entity::Connection)`, `WrongSecretKey`.
    async fn credentials(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
    ) -> Result<Credentials, StoreError>;

    /// Connections (of one account, or all) that expire before `before` or are marked
    /// revoked, soonest expiry first — the basis of expiry reports. `before` is exclusive
    /// and exact to the nanosecond (an expiry at 12:30:00 is before 12:30:00.5), so that
    /// `postcore_domain::expiry::expiring_before` selects exactly the §3 rule's rows.
    async fn connections_needing_attention(
        &self,
        account: Option<AccountId>,
        before: Timestamp,
    ) -> Result<Vec<ConnectionReport>, StoreError>;

    /// How many profiles exist, and how many connections of each platform are `ok`,
    /// `expiring` (`daysUntilExpiry ≤ expiring_within_days`) or `needs_reconnect` at `now`
    /// (UTC, exact to the nanosecond), over every account — one aggregate read, for the
    /// server's `/metrics` gauges. The states follow `postcore_domain::expiry::status`
    /// exactly (revoked or expired: `needs_reconnect`; `ExpiringSoon`: `expiring`; the
    /// rest, connections without an expiry included: `ok`), so the counts match what the
    /// API reports at the same `now`.
    async fn fleet_counts(
        &self,
        now: Timestamp,
        expiring_within_days: u32,
    ) -> Result<FleetCounts, StoreError>;

    // ----- OAuth (api.md §5.5) -------------------------------------------------------

    /// Stores a pending authorization, by the digest of its state.
    /// Errors: `NotFound(Entity::Account)`; `Conflict(OAuthStateExists)`.
    async fn save_oauth_state(&self, state: OAuthState) -> Result<(), StoreError>;

    /// Takes the pending authorization whose state has SHA-256 `digest`: deletes it and
    /// returns it, or `None` when it is unknown, already taken, or expired at `now` (UTC).
    /// Single use whatever the outcome; expired states are swept on the way.
    async fn take_oauth_state(
        &self,
        digest: [u8; 32],
        now: Timestamp,
    ) -> Result<Option<OAuthState>, StoreError>;

    /// Adds `url` to the account's return-URL allow-list; `false` when it was already on it.
    /// Errors: `NotFound(Entity::Account)`.
    async fn allow_return_url(
        &self,
        account: AccountId,
        url: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Removes `url` from the account's allow-list. Errors: `NotFound(Entity::ReturnUrl)`.
    async fn remove_return_url(&self, account: AccountId, url: &str) -> Result<(), StoreError>;

    /// The account's allowed return URLs, sorted.
    async fn return_urls(&self, account: AccountId) -> Result<Vec<String>, StoreError>;

    /// Whether `url` is, byte for byte, on the account's allow-list.
    async fn is_return_url_allowed(
        &self,
        account: AccountId,
        url: &str,
    ) -> Result<bool, StoreError>;

    // ----- token refresh -------------------------------------------------------------

    /// Up to `limit` connections of `platform` that hold a refresh token, are not marked,
    /// expire before `expiring_before` (exclusive, exact to the nanosecond), and at `now`
    /// are neither leased nor backing off; soonest expiry first (all instants UTC).
    async fn refresh_candidates(
        &self,
        platform: Platform,
        expiring_before: Timestamp,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<RefreshCandidate>, StoreError>;

    /// Takes the refresh lease of `target` until `until` by compare-and-set: `true` only
    /// for the one caller, in any process on the database, that found it free at `now`
    /// and the connection unchanged since it was seen.
    async fn claim_refresh(
        &self,
        target: &RefreshTarget,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Renews the leased `target` with refreshed tokens (as a reconnect of the same
    /// account does, clearing the lease and back-off); `false`, writing nothing, when the
    /// connection changed or the lease was lost meanwhile.
    /// Errors: `InvalidData` when `connection` breaks [`Connection::validate`].
    async fn complete_refresh(
        &self,
        target: &RefreshTarget,
        connection: Connection,
        credentials: Credentials,
    ) -> Result<bool, StoreError>;

    /// Ends the lease of `target` without new tokens: back off until an instant, or mark
    /// the connection as needing a reconnect. `false` when the connection changed meanwhile.
    /// A mark (`Rejected`) writes `connection.needs_reconnect` at `now` (UTC) when
    /// subscribed, in the same transaction. (`complete_refresh` writes no event: the
    /// renewal is silent, and the new `expiresAt` restarts the timed notices.)
    async fn release_refresh(
        &self,
        target: &RefreshTarget,
        release: RefreshRelease,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    // ----- webhooks (issue 13) --------------------------------------------------------
    //
    // Outbox: `connect` and `connect_new_profile` write `connection.connected` (new or
    // renewed) in their own transaction, `enqueue_due_notices` writes the timed notices
    // and `enqueue_ping` a `ping`. An event is written only when the account has an
    // enabled endpoint subscribed to its kind, with one pending delivery per such endpoint
    // (due at the event's `created_at`), in the same transaction.

    /// Creates an endpoint of `account` at `now` with a new id (`we_…`), its secret
    /// sealed with the store's key. Returns it as listed (no secret). The account's count
    /// of endpoints is checked in the same transaction (PostgreSQL locks the account's row
    /// first), so two concurrent creates never pass
    /// [`MAX_WEBHOOK_ENDPOINTS`](crate::webhooks::MAX_WEBHOOK_ENDPOINTS) together.
    /// Errors: `NotFound(Entity::Account)`, `Conflict(TooManyWebhookEndpoints)` when the
    /// account has that many endpoints already (disabled ones count).
    async fn create_webhook_endpoint(
        &self,
        account: AccountId,
        endpoint: NewWebhookEndpoint,
        now: Timestamp,
    ) -> Result<WebhookEndpoint, StoreError>;

    /// The endpoints of one account (or of all), oldest first, then by id; never secrets.
    async fn list_webhook_endpoints(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<WebhookEndpoint>, StoreError>;

    /// Deletes an endpoint of `account` with its pending and past deliveries.
    /// Errors: `NotFound(Entity::WebhookEndpoint)`, for another account's id alike.
    async fn delete_webhook_endpoint(&self, account: AccountId, id: &str)
    -> Result<(), StoreError>;

    /// Replaces the endpoint's secret with `rotation.secret`, in one transaction: the one
    /// it replaces is retired, signing until `rotation.retired_until` (the caller passes
    /// `now + 24 h`); every secret retired earlier keeps its own instant (a later rotation
    /// never shortens it), and those whose instant is not after `rotation.now` are dropped.
    /// Errors: `NotFound(Entity::WebhookEndpoint)`; `Conflict(TooManyRetiredSecrets)` when
    /// more than `rotation.max_retired` would then be signing (nothing is changed).
    async fn rotate_webhook_secret(
        &self,
        account: AccountId,
        id: &str,
        rotation: SecretRotation,
    ) -> Result<WebhookEndpoint, StoreError>;

    /// Disables the endpoint with `reason` at `now` (`Some`), or enables it (`None`):
    /// enabling a disabled endpoint clears its disabling and resets its consecutive
    /// failures to 0; enabling an enabled one changes nothing. Disabling a disabled
    /// endpoint keeps its first instant and reason. Events that happened while it was
    /// disabled were not written for it and are not written by enabling it; its deliveries
    /// queued before it was disabled are handed out again. Returns it as listed.
    /// Errors: `NotFound(Entity::WebhookEndpoint)`, for another account's id alike.
    async fn set_webhook_endpoint_disabled(
        &self,
        account: AccountId,
        id: &str,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<WebhookEndpoint, StoreError>;

    /// The decrypted secrets an attempt to endpoint `id` is signed with at `now` (each
    /// retired one only while its own instant is after `now`, the most recently retired
    /// first), for the deliverer alone.
    /// Errors: `NotFound(Entity::WebhookEndpoint)`, `WrongSecretKey`.
    async fn webhook_signing_secrets(
        &self,
        id: &str,
        now: Timestamp,
    ) -> Result<SigningSecretSet, StoreError>;

    /// Writes a `ping` event created at `now` and one delivery of it to endpoint `id` of
    /// `account` (enabled or not: a test of a disabled endpoint is still sent, which is
    /// how an operator checks its receiver is back before enabling it), in one
    /// transaction; `POST /webhooks/{id}/test`.
    /// Errors: `NotFound(Entity::WebhookEndpoint)`.
    async fn enqueue_ping(
        &self,
        account: AccountId,
        id: &str,
        now: Timestamp,
    ) -> Result<OutboxEvent, StoreError>;

    /// The scheduler's pass, in one transaction. For connections with an expiry and no
    /// revoked mark (one that needs a reconnect was told so with
    /// `connection.needs_reconnect`, and its token gets no later `expiring` or `expired`
    /// notice; a renewal clears the mark), of accounts with an enabled endpoint, soonest
    /// expiry first: the latest notice due at
    /// `now` (`postcore-webhooks`' `NoticeSchedule::due`: `connection.expired` once
    /// `now ≥ expiresAt`, else `connection.expiring` at the shortest threshold of
    /// `thresholds_secs` (whole seconds) with `expiresAt − threshold ≤ now`), when not yet
    /// recorded for `(profile, platform, expiresAt, threshold)`, is recorded (a unique key:
    /// a second pass or process writes nothing) and its event written with its deliveries:
    /// id from `ids`, `createdAt` `now` (the pass that found it: a notice found late is
    /// not backdated before the connection existed, and its `daysUntilExpiry` is counted
    /// from `now`, as `GET /profiles` would show it), the connection as it is now
    /// (no event when no enabled endpoint subscribes to its kind; the notice still counts
    /// as told). At most `limit` notices per call. A renewed token has a new `expiresAt`
    /// and starts afresh. Returns the events written.
    async fn enqueue_due_notices(
        &self,
        now: Timestamp,
        thresholds_secs: &[u64],
        limit: u32,
        ids: NoticeIds,
    ) -> Result<Vec<OutboxEvent>, StoreError>;

    /// Hands out pending deliveries due at `now` (`next_attempt_at ≤ now`) and not leased
    /// (or whose lease ended by `now`), oldest due first (`next_attempt_at`, then id), each
    /// leased until `lease_until` (UTC): while the lease holds no other call, in any
    /// process, gets the same delivery. At most `limits.total` are handed out, and a
    /// delivery only while its endpoint has fewer than `limits.per_endpoint` and its
    /// account fewer than `limits.per_account` attempts in flight — counting every pending
    /// delivery whose lease ends after `now`, whoever claimed it (an expired lease counts
    /// for nothing), and the ones this call hands out. So the caps hold across several
    /// servers on one database: PostgreSQL serializes claims with a transaction-scoped
    /// advisory lock, SQLite has one writer. Deliveries to disabled endpoints are not
    /// handed out, but for `ping`s (`enqueue_ping`) (their leases still count). The cost grows with the enabled endpoints
    /// times `limits.per_endpoint`, not with the backlog.
    async fn claim_webhook_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limits: ClaimLimits,
    ) -> Result<Vec<ClaimedDelivery>, StoreError>;

    /// Records the outcome of one attempt of `claimed` at `now`, in one transaction: the
    /// delivery's attempts, status, next attempt and last status/error; the endpoint's
    /// consecutive failures (reset by a delivery, one more on a give-up) and, per
    /// `disable`, its disabling. Nothing is written when the lease was lost.
    async fn record_webhook_attempt(
        &self,
        claimed: &ClaimedDelivery,
        now: Timestamp,
        outcome: AttemptOutcome,
        disable: DisableDecision,
    ) -> Result<AttemptRecorded, StoreError>;

    /// Deliveries of one account (or all), optionally of one endpoint, newest event first,
    /// at most `limit`: for `postcore-admin webhooks deliveries`.
    async fn list_webhook_deliveries(
        &self,
        account: Option<AccountId>,
        endpoint: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeliveryReport>, StoreError>;

    /// Retention of finished webhook history: removes, in one transaction and at most
    /// `limit` rows of each kind per call,
    /// 1. deliveries that are finished (`delivered` or `failed`, never `pending`) of
    ///    events created before `cutoff` (oldest event first);
    /// 2. then events created before `cutoff` that have no delivery left (a pending
    ///    delivery keeps its event, however old: it may still be sent);
    /// 3. and timed-notice records written before `cutoff` (`recorded_at`) whose token no
    ///    longer exists: no connection with that profile key, platform and `expiresAt`
    ///    (the token was renewed, disconnected, or its profile deleted) and whose event,
    ///    if one was written, is gone. The record of a token that still exists is kept at
    ///    any age, since without it [`Self::enqueue_due_notices`] would send that notice
    ///    again; and while its event is kept (a pending delivery), so that a token coming
    ///    back with the same `expiresAt` (an import) never meets an event of the same id.
    ///
    /// `cutoff` is an instant (UTC, whole seconds; strictly before it is removed): the
    /// caller passes `now − retention` (`postcore-webhooks`' `Retention`, in days).
    /// Returns what was removed; a count equal to `limit` means there may be more, so a
    /// caller repeats while [`PruneCounts::is_full`] (as
    /// [`crate::webhooks::prune_all_webhook_history`] does). Endpoints are never touched.
    async fn prune_webhook_history(
        &self,
        cutoff: Timestamp,
        limit: u32,
    ) -> Result<PruneCounts, StoreError>;

    // ----- bulk and operations --------------------------------------------------------

    /// Creates the given profiles (keys preserved) with their connections (no secrets), in
    /// one transaction. A key that already exists in `account` is left unchanged, so the
    /// same import twice changes nothing the second time; a key that exists in another
    /// account is `Conflict(ProfileKeyExists)`, and a connection that breaks
    /// [`Connection::validate`] is `InvalidData`; in both cases nothing is written.
    async fn import_profiles(
        &self,
        account: AccountId,
        profiles: Vec<ProfileRecord>,
        progress: Option<Progress>,
    ) -> Result<ImportSummary, StoreError>;

    /// Creates the account `name` when it does not exist, imports `profiles` into it
    /// exactly as [`Self::import_profiles`] does, and makes an API key labelled
    /// `key_label` — all in one transaction, so a failure leaves nothing behind (no account,
    /// no profile, no key). For demo data and provisioning scripts.
    /// Errors: as `create_account`, `import_profiles` and `create_api_key`.
    async fn provision_account(
        &self,
        name: &AccountName,
        profiles: Vec<ProfileRecord>,
        key_label: Option<&KeyLabel>,
        now: Timestamp,
    ) -> Result<Provisioned, StoreError>;

    /// Waits until every last use recorded by [`Self::authenticate`] before this call is
    /// written (for a graceful shutdown, and for tests that read `last_used_at`).
    async fn flush_last_use(&self) -> Result<(), StoreError>;

    /// Whether the database answers a trivial query.
    async fn health(&self) -> Result<(), StoreError>;

    /// SQLite's `PRAGMA integrity_check` (or the backend's equivalent): an empty list when
    /// the database is sound, else the problems found.
    async fn integrity_check(&self) -> Result<Vec<String>, StoreError>;

    /// The schema version against this build's latest.
    async fn migration_status(&self) -> Result<MigrationStatus, StoreError>;

    /// A consistent online copy of the whole database to `dest`, while other connections
    /// read and write. Errors: `Conflict(FileExists)` when `dest` exists.
    async fn backup(&self, dest: &Path) -> Result<(), StoreError>;
}
