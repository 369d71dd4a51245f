//! Webhook storage in domain terms (issue 13): endpoints, outbox events, deliveries and the
//! bookkeeping of timed notices. The store renders no JSON and holds no delivery policy:
//! `postcore-webhooks` builds the wire body from an [`OutboxEvent`] and decides retries and
//! disabling; the store keeps what it is told, in the same transaction as the change.

use crate::AccountId;
use postcore_domain::{Connection, Platform, Profile, ProfileKey, Timestamp};
use secrecy::SecretString;
use std::fmt;
use std::sync::Arc;

/// The type of an event, with the wire names of issue 13 (`postcore-webhooks`' `EventType`
/// has the same names; the store keeps the text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WebhookEventKind {
    /// `connection.expiring`: a threshold before `expiresAt` was reached (never for a
    /// connection marked revoked).
    ConnectionExpiring,
    /// `connection.expired`: `expiresAt` was reached (never for a connection marked
    /// revoked: its `connection.needs_reconnect` was the last word on that token).
    ConnectionExpired,
    /// `connection.needs_reconnect`: marked revoked, or a refresh was refused.
    ConnectionNeedsReconnect,
    /// `connection.connected`: connected anew or renewed by a connect.
    ConnectionConnected,
    /// `connection.disconnected`: the connection was removed.
    ConnectionDisconnected,
    /// `profile.deleted`: the profile and its connections were deleted.
    ProfileDeleted,
    /// `ping`: a test event for one endpoint.
    Ping,
}

impl WebhookEventKind {
    /// Every kind, in the order above.
    pub const ALL: [WebhookEventKind; 7] = [
        Self::ConnectionExpiring,
        Self::ConnectionExpired,
        Self::ConnectionNeedsReconnect,
        Self::ConnectionConnected,
        Self::ConnectionDisconnected,
        Self::ProfileDeleted,
        Self::Ping,
    ];

    /// The wire name, e.g. `connection.expiring`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConnectionExpiring => "connection.expiring",
            Self::ConnectionExpired => "connection.expired",
            Self::ConnectionNeedsReconnect => "connection.needs_reconnect",
            Self::ConnectionConnected => "connection.connected",
            Self::ConnectionDisconnected => "connection.disconnected",
            Self::ProfileDeleted => "profile.deleted",
            Self::Ping => "ping",
        }
    }

    /// The kind of a wire name; `None` for any other text.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for WebhookEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Most webhook endpoints one account has, enabled or disabled: creating one more is
/// `Conflict(TooManyWebhookEndpoints)`, checked in the creating transaction.
pub const MAX_WEBHOOK_ENDPOINTS: u32 = 20;

/// An endpoint to create. The URL is already checked by the caller (`postcore-webhooks`'
/// `check_url`); the store keeps it as given.
pub struct NewWebhookEndpoint {
    /// The receiver's URL.
    pub url: String,
    /// The event kinds it receives; empty means every kind. `ping` is always sent to the
    /// endpoint it is made for, whatever this list says.
    pub events: Vec<WebhookEventKind>,
    /// A free-text note for the operator.
    pub description: Option<String>,
    /// The signing secret (`whsec_…` text), stored AEAD-encrypted with the store's key.
    pub secret: SecretString,
}

/// Why and since when an endpoint is disabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointDisabled {
    /// When it was disabled (UTC, whole seconds).
    pub at: Timestamp,
    /// The reason, as given to [`crate::Repository::set_webhook_endpoint_disabled`] or
    /// written by [`crate::Repository::record_webhook_attempt`].
    pub reason: String,
}

/// An endpoint as listed: never its secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// `we_` + 16 lowercase letters or digits.
    pub id: String,
    /// The owning account.
    pub account: AccountId,
    /// The receiver's URL.
    pub url: String,
    /// The kinds it receives, in [`WebhookEventKind::ALL`] order; empty means every kind.
    pub events: Vec<WebhookEventKind>,
    /// The operator's note.
    pub description: Option<String>,
    /// When it was created (UTC, whole seconds).
    pub created_at: Timestamp,
    /// `Some` while disabled: no event is written for it and nothing is sent.
    pub disabled: Option<EndpointDisabled>,
    /// Deliveries given up in a row (reset to 0 by a delivered one).
    pub consecutive_failures: u32,
}

/// The secrets an attempt is signed with: the current one, and each retired one whose own
/// instant (24 h after the rotation that retired it) is still after `now`. `Debug` shows
/// no secret.
#[derive(Debug)]
pub struct SigningSecretSet {
    /// The current secret, `whsec_…`.
    pub current: SecretString,
    /// The retired secrets still signing, each with the instant (UTC) it stops: the most
    /// recently retired first.
    pub retired: Vec<(SecretString, Timestamp)>,
}

/// A rotation of an endpoint's signing secret, as the caller decided it (the store holds
/// no policy: `postcore-webhooks`' `ROTATION_OVERLAP` and `MAX_RETIRED_SECRETS` are passed
/// in). `Debug` shows no secret.
#[derive(Debug)]
pub struct SecretRotation {
    /// The new current secret, `whsec_…`, stored AEAD-encrypted with the store's key.
    pub secret: SecretString,
    /// The rotation's instant (UTC): retired secrets whose instant is not after it are
    /// dropped, the others count against `max_retired`.
    pub now: Timestamp,
    /// Until when the secret it replaces keeps signing (the caller passes `now + 24 h`).
    pub retired_until: Timestamp,
    /// Most retired secrets that may be signing after the rotation, the one it retires
    /// included (at least 1); a rotation beyond it is refused with
    /// [`Conflict::TooManyRetiredSecrets`](crate::Conflict::TooManyRetiredSecrets) and
    /// changes nothing.
    pub max_retired: usize,
}

/// What an event is about, as it was in the transaction that wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSnapshot {
    /// A connection event: the profile's key and the connection's public fields (for
    /// `connection.disconnected`, its last state).
    Connection {
        /// The profile.
        profile: ProfileKey,
        /// The connection's public fields.
        connection: Connection,
    },
    /// `profile.deleted`: the profile as it was.
    Profile(Profile),
    /// `ping`: nothing.
    Ping,
}

/// One outbox event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// `evt_` + 32 lowercase hexadecimal digits: random for changes, deterministic for
    /// timed notices ([`NoticeIds`]).
    pub id: String,
    /// Its kind.
    pub kind: WebhookEventKind,
    /// The account whose endpoints receive it.
    pub account: AccountId,
    /// When it happened (UTC, whole seconds): the `now` of the write that caused it (for a
    /// timed notice, of the scheduler pass that found it due).
    pub created_at: Timestamp,
    /// What it is about.
    pub snapshot: EventSnapshot,
}

/// A timed notice of one token, as its id is computed: `threshold` in whole seconds, or
/// `None` for `connection.expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticeKey<'a> {
    /// The profile.
    pub profile: &'a ProfileKey,
    /// The platform.
    pub platform: Platform,
    /// The token's `expiresAt` (UTC, whole seconds).
    pub expires_at: Timestamp,
    /// The threshold before `expiresAt` in seconds; `None` for `connection.expired`.
    pub threshold_secs: Option<u64>,
}

/// Computes the event id of a timed notice. The server passes
/// `postcore_webhooks::EventId::for_notice` (the store does not depend on that crate), so
/// every process computes the same id for the same notice.
pub type NoticeIds = Arc<dyn Fn(NoticeKey<'_>) -> String + Send + Sync>;

/// The state of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or being attempted under a lease).
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Given up after its last attempt.
    Failed,
}

impl DeliveryStatus {
    /// `pending`, `delivered` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub(crate) fn parse(text: &str) -> Result<Self, crate::StoreError> {
        match text {
            "pending" => Ok(Self::Pending),
            "delivered" => Ok(Self::Delivered),
            "failed" => Ok(Self::Failed),
            other => Err(crate::StoreError::InvalidData(format!(
                "stored delivery status {other:?}"
            ))),
        }
    }
}

/// A delivery handed to one deliverer under a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// The delivery's row id.
    pub id: i64,
    /// The endpoint it goes to.
    pub endpoint_id: String,
    /// The endpoint's URL.
    pub url: String,
    /// Attempts made before this one.
    pub attempts: u32,
    /// The lease: no other claimer gets this delivery before this instant (UTC).
    pub lease_until: Timestamp,
    /// The event to send.
    pub event: OutboxEvent,
}

/// How many deliveries one claim may hand out
/// ([`Repository::claim_webhook_deliveries`](crate::Repository::claim_webhook_deliveries)):
/// counts of attempts, each at least 1 for anything to be handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimLimits {
    /// Most deliveries this claim hands out (the caller's free places).
    pub total: u32,
    /// Most attempts in flight per account, counting every unexpired lease of any claimer.
    pub per_account: u32,
    /// Most attempts in flight per endpoint, counting every unexpired lease of any claimer.
    pub per_endpoint: u32,
}

impl ClaimLimits {
    /// `total` deliveries with no per-account or per-endpoint cap (for tools and tests
    /// that drain an outbox).
    #[must_use]
    pub const fn uncapped(total: u32) -> Self {
        Self {
            total,
            per_account: u32::MAX,
            per_endpoint: u32::MAX,
        }
    }
}

/// The claim's selection, shared by both backends (`?N` parameters; PostgreSQL writes
/// them `$N`): `?1` now, `?2` the total, `?3` the per-endpoint cap, `?4` the per-account
/// cap (Unix seconds and counts). Attempts in flight are the pending deliveries whose
/// lease ends after now (any claimer's, through the index on `lease_until` of pending
/// rows). Each enabled endpoint's first `?3` free due deliveries (a disabled endpoint's:
/// its `ping`s only) (oldest due first,
/// through the index on `(endpoint_id, next_attempt_at, id)` of pending rows) are ranked
/// within their endpoint and kept up to its free places, the kept ones ranked within their
/// account and kept up to its free places, and `?2` of those returned with `columns` (over
/// `d` the delivery, `w` its endpoint, `e` its event): least-loaded account first (the
/// fewest attempts in flight, counting the ones this claim hands out before), then oldest
/// due — so when places are scarce an account with nothing in flight is served before
/// accounts whose receivers hold places, whatever their backlog. The cost is the enabled
/// endpoints times `?3`, not the backlog. `lateral`: PostgreSQL reads each
/// endpoint's first rows with `CROSS JOIN LATERAL` (it cannot turn a correlated `IN` with
/// `LIMIT` into a join, and would test every delivery against every endpoint); SQLite,
/// which has no `LATERAL`, with a correlated `IN` it plans as a list of row ids.
pub(crate) fn claim_sql(columns: &str, lateral: bool) -> String {
    // A disabled endpoint gets only its test pings (`enqueue_ping`).
    let first_free = "FROM webhook_deliveries x \
         WHERE x.endpoint_id = w.id AND x.status = 'pending' AND x.next_attempt_at <= ?1 \
         AND (x.lease_until IS NULL OR x.lease_until <= ?1) \
         AND (w.disabled_at IS NULL OR EXISTS (SELECT 1 FROM webhook_events pe \
                 WHERE pe.id = x.event_id AND pe.event_type = 'ping')) \
         ORDER BY x.next_attempt_at, x.id LIMIT ?3";
    let rows = if lateral {
        format!("CROSS JOIN LATERAL (SELECT x.id, x.endpoint_id, x.next_attempt_at {first_free}) d")
    } else {
        format!("JOIN webhook_deliveries d ON d.id IN (SELECT x.id {first_free})")
    };
    format!(
        "WITH busy AS ( \
             SELECT d.endpoint_id, w.account_id FROM webhook_deliveries d \
             JOIN webhook_endpoints w ON w.id = d.endpoint_id \
             WHERE d.status = 'pending' AND d.lease_until > ?1), \
         endpoint_busy AS (SELECT endpoint_id, COUNT(*) AS n FROM busy GROUP BY endpoint_id), \
         account_busy AS (SELECT account_id, COUNT(*) AS n FROM busy GROUP BY account_id), \
         free AS ( \
             SELECT d.id, d.next_attempt_at, w.account_id, COALESCE(eb.n, 0) AS taken, \
             ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) \
                 AS nth \
             FROM webhook_endpoints w {rows} \
             LEFT JOIN endpoint_busy eb ON eb.endpoint_id = w.id), \
         allowed AS ( \
             SELECT f.id, COALESCE(ab.n, 0) AS taken, \
             ROW_NUMBER() OVER (PARTITION BY f.account_id ORDER BY f.next_attempt_at, f.id) \
                 AS nth \
             FROM free f LEFT JOIN account_busy ab ON ab.account_id = f.account_id \
             WHERE f.nth + f.taken <= ?3) \
         SELECT {columns} FROM allowed a \
         JOIN webhook_deliveries d ON d.id = a.id \
         JOIN webhook_endpoints w ON w.id = d.endpoint_id \
         JOIN webhook_events e ON e.id = d.event_id \
         WHERE a.nth + a.taken <= ?4 \
         ORDER BY a.nth + a.taken, d.next_attempt_at, d.id LIMIT ?2"
    )
}

/// The outcome of one attempt, as `postcore-webhooks`' `RetryPolicy` decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// A 2xx answer: the delivery is done; the endpoint's failure count is reset.
    Delivered {
        /// The status code received.
        status: u16,
    },
    /// A failure with a later attempt at `next_attempt_at` (UTC).
    Retry {
        /// When to try again.
        next_attempt_at: Timestamp,
        /// The status code, when an answer came.
        status: Option<u16>,
        /// What went wrong, for `deliveries` (no secret).
        error: String,
    },
    /// A failure after the last attempt: the delivery is `failed` and the endpoint's
    /// consecutive failures grow by one.
    GiveUp {
        /// The status code, when an answer came.
        status: Option<u16>,
        /// What went wrong.
        error: String,
    },
}

/// When recording an attempt disables its endpoint (`postcore-webhooks`' `DisableRule`,
/// passed in so the store holds no policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisableDecision {
    /// Disable when the endpoint's consecutive failures reach this many (after this
    /// attempt's bookkeeping); the reason is `"{n} consecutive deliveries failed"`.
    pub after_consecutive_failures: u32,
    /// Disable now with this reason whatever the count (e.g. the receiver answered
    /// `410 Gone`); `None` otherwise.
    pub now: Option<String>,
}

/// What recording an attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecorded {
    /// `false` when the lease had been lost (another claimer holds the delivery or it was
    /// removed with its endpoint): nothing was written.
    pub applied: bool,
    /// The endpoint's consecutive failures after this attempt.
    pub consecutive_failures: u32,
    /// The reason, when this attempt disabled the endpoint.
    pub disabled: Option<String>,
}

/// One delivery as `postcore-admin webhooks deliveries` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The event's id.
    pub event_id: String,
    /// The event's kind.
    pub kind: WebhookEventKind,
    /// The endpoint.
    pub endpoint_id: String,
    /// When the event happened (UTC).
    pub created_at: Timestamp,
    /// Attempts made so far.
    pub attempts: u32,
    /// Its state.
    pub status: DeliveryStatus,
    /// The next attempt (UTC) while pending; `None` once done or failed.
    pub next_attempt_at: Option<Timestamp>,
    /// The last status code received.
    pub last_status: Option<u16>,
    /// The last error.
    pub last_error: Option<String>,
}

/// What one call of [`crate::Repository::prune_webhook_history`] removed; each count is at
/// most the call's `limit`, so a count equal to it means there may be more
/// ([`Self::is_full`]): call again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneCounts {
    /// Delivered and failed deliveries removed.
    pub deliveries: u32,
    /// Outbox events removed (none of them had a delivery left).
    pub events: u32,
    /// Timed-notice records removed (of tokens that no longer exist).
    pub notices: u32,
}

impl PruneCounts {
    /// Whether any count reached `limit`: there may be more to remove.
    pub fn is_full(&self, limit: u32) -> bool {
        self.deliveries >= limit || self.events >= limit || self.notices >= limit
    }

    /// Every row removed.
    pub fn total(&self) -> u64 {
        u64::from(self.deliveries) + u64::from(self.events) + u64::from(self.notices)
    }

    fn add(&mut self, other: PruneCounts) {
        self.deliveries = self.deliveries.saturating_add(other.deliveries);
        self.events = self.events.saturating_add(other.events);
        self.notices = self.notices.saturating_add(other.notices);
    }
}

/// Calls [`crate::Repository::prune_webhook_history`] with `cutoff` and `batch` until a
/// call comes back short of `batch` in every count, so that everything due goes in
/// transactions of bounded size; returns the sums.
///
/// # Errors
/// The first failing call's error (what earlier calls removed stays removed).
pub async fn prune_all_webhook_history(
    repo: &dyn crate::Repository,
    cutoff: Timestamp,
    batch: u32,
) -> Result<PruneCounts, crate::StoreError> {
    let batch = batch.max(1);
    let mut sum = PruneCounts::default();
    loop {
        let one = repo.prune_webhook_history(cutoff, batch).await?;
        sum.add(one);
        if !one.is_full(batch) {
            return Ok(sum);
        }
    }
}

/// The three statements of [`crate::Repository::prune_webhook_history`], in order, as both
/// backends run them: `cutoff` and `limit` are the backend's placeholders for the cutoff
/// (Unix seconds) and the most rows per statement. Each deletes by key through a bounded
/// subquery (SQLite has no `DELETE … LIMIT` by default), oldest first. A notice's token is
/// looked up through `profiles` (unique key) and `connections (profile_id, platform)`. A
/// kept event of the notice's kind (`connection.expired` for threshold 0, else
/// `connection.expiring`) about the same token keeps the record too (for a token told
/// at several thresholds, until all such events are gone), so that a record never goes
/// while an event with its deterministic id remains.
pub(crate) fn prune_statements(cutoff: &str, limit: &str) -> [String; 3] {
    [
        format!(
            "DELETE FROM webhook_deliveries WHERE id IN (\
             SELECT d.id FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id \
             WHERE d.status IN ('delivered', 'failed') AND e.created_at < {cutoff} \
             ORDER BY e.created_at, d.id LIMIT {limit})"
        ),
        format!(
            "DELETE FROM webhook_events WHERE id IN (\
             SELECT e.id FROM webhook_events e WHERE e.created_at < {cutoff} \
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id) \
             ORDER BY e.created_at, e.id LIMIT {limit})"
        ),
        format!(
            "DELETE FROM webhook_notices \
             WHERE (profile_key, platform, expires_at, threshold) IN (\
             SELECT n.profile_key, n.platform, n.expires_at, n.threshold \
             FROM webhook_notices n WHERE n.recorded_at < {cutoff} \
             AND NOT EXISTS (SELECT 1 FROM profiles p JOIN connections c ON c.profile_id = p.id \
                 WHERE p.profile_key = n.profile_key AND c.platform = n.platform \
                 AND c.expires_at = n.expires_at) \
             AND NOT EXISTS (SELECT 1 FROM webhook_events e \
                 WHERE e.event_type = CASE WHEN n.threshold = 0 THEN 'connection.expired' \
                     ELSE 'connection.expiring' END \
                 AND e.profile_key = n.profile_key AND e.platform = n.platform \
                 AND e.expires_at = n.expires_at) \
             ORDER BY n.recorded_at, n.profile_key, n.platform, n.expires_at, n.threshold \
             LIMIT {limit})"
        ),
    ]
}

/// The events column: `""` for every kind, else `,a,b,` (a search for `,kind,` finds one).
pub(crate) fn events_to_db(events: &[WebhookEventKind]) -> String {
    let mut kinds: Vec<WebhookEventKind> = events.to_vec();
    kinds.sort_unstable();
    kinds.dedup();
    if kinds.is_empty() {
        return String::new();
    }
    let mut text = String::from(",");
    for k in kinds {
        text.push_str(k.as_str());
        text.push(',');
    }
    text
}

pub(crate) fn events_from_db(text: &str) -> Result<Vec<WebhookEventKind>, crate::StoreError> {
    text.split(',')
        .filter(|t| !t.is_empty())
        .map(|t| {
            WebhookEventKind::parse(t)
                .ok_or_else(|| crate::StoreError::InvalidData(format!("stored event kind {t:?}")))
        })
        .collect()
}

pub(crate) fn kind_from_db(text: &str) -> Result<WebhookEventKind, crate::StoreError> {
    WebhookEventKind::parse(text)
        .ok_or_else(|| crate::StoreError::InvalidData(format!("stored event kind {text:?}")))
}

/// A new endpoint id: `we_` + 16 lowercase letters or digits from the OS CSPRNG.
pub(crate) fn new_endpoint_id() -> String {
    format!(
        "we_{}",
        postcore_domain::random_string(b"abcdefghijklmnopqrstuvwxyz0123456789", 16)
    )
}

/// A new change-event id: `evt_` + 32 lowercase hexadecimal digits (128 random bits), the
/// shape of `postcore-webhooks`' `EventId::random`.
pub(crate) fn new_event_id() -> String {
    format!(
        "evt_{}",
        postcore_domain::random_string(b"0123456789abcdef", 32)
    )
}

/// The associated data binding a sealed signing secret to its endpoint and slot.
pub(crate) fn secret_aad(endpoint: &str, slot: &str) -> String {
    format!("webhook-secret\n{endpoint}\n{slot}")
}

/// The reason written when consecutive failures disable an endpoint.
pub(crate) fn keeps_failing_reason(n: u32) -> String {
    format!("{n} consecutive deliveries failed")
}

/// An outbox row as both backends read it, before it becomes an [`OutboxEvent`].
pub(crate) struct EventRow {
    pub(crate) id: String,
    pub(crate) account: i64,
    pub(crate) kind: String,
    pub(crate) created_at: i64,
    pub(crate) profile_key: Option<String>,
    pub(crate) profile_name: Option<String>,
    pub(crate) profile_created_at: Option<i64>,
    pub(crate) connection: Option<Connection>,
}

impl EventRow {
    /// The event, its snapshot rebuilt from the columns its kind uses.
    pub(crate) fn into_event(self) -> Result<OutboxEvent, crate::StoreError> {
        use crate::sqlite::rows::{from_secs, key_from_db, name_from_db};
        let invalid = |what: &str| crate::StoreError::InvalidData(what.to_owned());
        let kind = kind_from_db(&self.kind)?;
        let snapshot = match (kind, self.profile_key) {
            (WebhookEventKind::Ping, _) => EventSnapshot::Ping,
            (WebhookEventKind::ProfileDeleted, Some(key)) => EventSnapshot::Profile(Profile::new(
                key_from_db(&key)?,
                name_from_db(self.profile_name)?,
                from_secs(
                    self.profile_created_at
                        .ok_or_else(|| invalid("a profile event without its creation"))?,
                )?,
            )),
            (_, Some(key)) => EventSnapshot::Connection {
                profile: key_from_db(&key)?,
                connection: self
                    .connection
                    .ok_or_else(|| invalid("a connection event without its connection"))?,
            },
            (_, None) => return Err(invalid("an event without its profile")),
        };
        Ok(OutboxEvent {
            id: self.id,
            kind,
            account: AccountId(self.account),
            created_at: from_secs(self.created_at)?,
            snapshot,
        })
    }
}

/// The snapshot columns of an event: profile key, profile name, profile creation
/// (seconds), and the connection whose public fields fill the connection columns.
pub(crate) fn snapshot_columns(
    snapshot: &EventSnapshot,
) -> (Option<&str>, Option<&str>, Option<i64>, Option<&Connection>) {
    match snapshot {
        EventSnapshot::Connection {
            profile,
            connection,
        } => (Some(profile.as_str()), None, None, Some(connection)),
        EventSnapshot::Profile(p) => (
            Some(p.key().as_str()),
            p.name().map(|n| n.as_str()),
            Some(p.created_at().timestamp()),
            None,
        ),
        EventSnapshot::Ping => (None, None, None, None),
    }
}

/// The delivery columns an attempt's outcome sets: status, next attempt (seconds, kept
/// when `None`), last status code, last error; and the endpoint's new failure count as an
/// SQL expression.
pub(crate) fn outcome_columns(
    outcome: &AttemptOutcome,
) -> (
    &'static str,
    Option<i64>,
    Option<u16>,
    Option<&str>,
    &'static str,
) {
    match outcome {
        AttemptOutcome::Delivered { status } => ("delivered", None, Some(*status), None, "0"),
        AttemptOutcome::Retry {
            next_attempt_at,
            status,
            error,
        } => (
            "pending",
            Some(next_attempt_at.timestamp()),
            *status,
            Some(error),
            "consecutive_failures",
        ),
        AttemptOutcome::GiveUp { status, error } => (
            "failed",
            None,
            *status,
            Some(error),
            "consecutive_failures + 1",
        ),
    }
}

/// The kind and id of the timed notice of `profile`'s `platform` token expiring at
/// `expires` (seconds) at `threshold` seconds before it (0: `connection.expired`).
pub(crate) fn notice_kind_and_id(
    ids: &NoticeIds,
    profile: &ProfileKey,
    platform: Platform,
    expires: i64,
    threshold: u64,
) -> Result<(WebhookEventKind, String), crate::StoreError> {
    let kind = if threshold == 0 {
        WebhookEventKind::ConnectionExpired
    } else {
        WebhookEventKind::ConnectionExpiring
    };
    let id = ids(NoticeKey {
        profile,
        platform,
        expires_at: crate::sqlite::rows::from_secs(expires)?,
        threshold_secs: (threshold != 0).then_some(threshold),
    });
    Ok((kind, id))
}
