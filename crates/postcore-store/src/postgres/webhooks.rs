//! Webhook endpoints, the outbox, timed notices and deliveries on PostgreSQL: the rules of
//! `sqlite/webhooks.rs`, with claims serialized by a transaction-scoped advisory lock, so
//! that several servers on one database never hand the same delivery to two deliverers and
//! the per-endpoint and per-account caps count every server's leases.

use super::profiles::connection_at;
use super::{Db, db, stmt};
use crate::sqlite::crypto::Cipher;
use crate::sqlite::rows::{CONNECTION_COLUMNS, from_secs, key_from_db, to_secs};
use crate::sqlite::webhooks::{
    ENABLE_SQL, ENDPOINT_COLUMNS, EVENT_COLUMNS, REPORT_COLUMNS, RETIRED_SIGNING_SQL, RETIRED_SLOT,
    check_retired_room, decide_disable, due_notice, open_retired,
};
use crate::webhooks::{
    AttemptOutcome, AttemptRecorded, ClaimedDelivery, DeliveryReport, DeliveryStatus,
    DisableDecision, EndpointDisabled, EventSnapshot, NewWebhookEndpoint, NoticeIds, OutboxEvent,
    SecretRotation, SigningSecretSet, WebhookEndpoint, WebhookEventKind, events_from_db,
    events_to_db, kind_from_db, new_endpoint_id, new_event_id, secret_aad,
};
use crate::webhooks::{ClaimLimits, MAX_WEBHOOK_ENDPOINTS, claim_sql};
use crate::webhooks::{
    EventRow, PruneCounts, notice_kind_and_id, outcome_columns, prune_statements, snapshot_columns,
};
use crate::{AccountId, Conflict, Entity, StoreError};
use postcore_domain::{Platform, ProfileKey, Timestamp};
use tokio_postgres::Row;

type Res<T> = Result<T, StoreError>;

/// Key of the transaction-scoped advisory lock each claim takes: `'pc-claim'` as bytes.
const CLAIM_LOCK: i64 = 0x7063_2d63_6c61_696d;

fn count(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

pub(crate) fn endpoint_at(row: &Row) -> Res<WebhookEndpoint> {
    let disabled = match row.get::<_, Option<i64>>(6) {
        Some(at) => Some(EndpointDisabled {
            at: from_secs(at)?,
            reason: row.get::<_, Option<String>>(7).unwrap_or_default(),
        }),
        None => None,
    };
    Ok(WebhookEndpoint {
        id: row.get(0),
        account: AccountId(row.get(1)),
        url: row.get(2),
        events: events_from_db(row.get(3))?,
        description: row.get(4),
        created_at: from_secs(row.get(5))?,
        disabled,
        consecutive_failures: count(row.get(8)),
    })
}

pub(crate) fn event_at(row: &Row, base: usize) -> Res<OutboxEvent> {
    EventRow {
        id: row.get(base),
        account: row.get(base + 1),
        kind: row.get(base + 2),
        created_at: row.get(base + 3),
        profile_key: row.get(base + 4),
        profile_name: row.get(base + 5),
        profile_created_at: row.get(base + 6),
        connection: connection_at(row, base + 7)?,
    }
    .into_event()
}

pub(crate) async fn create_endpoint<C: Db>(
    c: &C,
    cipher: &Cipher,
    account: AccountId,
    new: &NewWebhookEndpoint,
    now: Timestamp,
) -> Res<WebhookEndpoint> {
    // The account's row, locked until the transaction ends, serializes the creates of one
    // account: the count below cannot change before the insert.
    let locked = c
        .query_opt(
            &stmt(c, "SELECT id FROM accounts WHERE id = $1 FOR NO KEY UPDATE").await?,
            &[&account.0],
        )
        .await
        .map_err(db)?;
    if locked.is_none() {
        return Err(StoreError::NotFound(Entity::Account));
    }
    let existing: i64 = c
        .query_one(
            &stmt(
                c,
                "SELECT COUNT(*) FROM webhook_endpoints WHERE account_id = $1",
            )
            .await?,
            &[&account.0],
        )
        .await
        .map_err(db)?
        .get(0);
    if existing >= i64::from(MAX_WEBHOOK_ENDPOINTS) {
        return Err(StoreError::Conflict(Conflict::TooManyWebhookEndpoints));
    }
    let id = new_endpoint_id();
    let sealed = cipher.seal_secret(&new.secret, &secret_aad(&id, "current"))?;
    c.execute(
        &stmt(
            c,
            "INSERT INTO webhook_endpoints (id, account_id, url, events, description, secret, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .await?,
        &[
            &id,
            &account.0,
            &new.url,
            &events_to_db(&new.events),
            &new.description,
            &sealed,
            &to_secs(now),
        ],
    )
    .await
    // A foreign-key violation: no such account. (The id is 82 random bits: no collision.)
    .map_err(|e| {
        match super::map_write_error(e, crate::Conflict::AccountExists, Entity::Account) {
            StoreError::Conflict(_) => {
                StoreError::InvalidData("webhook endpoint id collision".into())
            }
            other => other,
        }
    })?;
    endpoint(c, Some(account), &id).await
}

pub(crate) async fn endpoint<C: Db>(
    c: &C,
    account: Option<AccountId>,
    id: &str,
) -> Res<WebhookEndpoint> {
    let sql = format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints w \
         WHERE w.id = $1 AND ($2::BIGINT IS NULL OR w.account_id = $2)"
    );
    let row = c
        .query_opt(&stmt(c, &sql).await?, &[&id, &account.map(|a| a.0)])
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound(Entity::WebhookEndpoint))?;
    endpoint_at(&row)
}

pub(crate) async fn list_endpoints<C: Db>(
    c: &C,
    account: Option<AccountId>,
) -> Res<Vec<WebhookEndpoint>> {
    let sql = format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints w \
         WHERE $1::BIGINT IS NULL OR w.account_id = $1 ORDER BY w.created_at, w.id"
    );
    c.query(&stmt(c, &sql).await?, &[&account.map(|a| a.0)])
        .await
        .map_err(db)?
        .iter()
        .map(endpoint_at)
        .collect()
}

pub(crate) async fn delete_endpoint<C: Db>(c: &C, account: AccountId, id: &str) -> Res<()> {
    let n = c
        .execute(
            &stmt(
                c,
                "DELETE FROM webhook_endpoints WHERE id = $1 AND account_id = $2",
            )
            .await?,
            &[&id, &account.0],
        )
        .await
        .map_err(db)?;
    if n == 0 {
        return Err(StoreError::NotFound(Entity::WebhookEndpoint));
    }
    Ok(())
}

pub(crate) async fn rotate_secret<C: Db>(
    c: &C,
    cipher: &Cipher,
    account: AccountId,
    id: &str,
    rotation: &SecretRotation,
) -> Res<WebhookEndpoint> {
    // The endpoint's row lock serialises rotations of one endpoint (the count below).
    let old: Vec<u8> = c
        .query_opt(
            &stmt(
                c,
                "SELECT secret FROM webhook_endpoints WHERE id = $1 AND account_id = $2 \
                 FOR UPDATE",
            )
            .await?,
            &[&id, &account.0],
        )
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound(Entity::WebhookEndpoint))?
        .get(0);
    let now = to_secs(rotation.now);
    let signing: Vec<i64> = c
        .query(
            &stmt(
                c,
                "SELECT signs_until FROM webhook_retired_secrets \
                 WHERE endpoint_id = $1 AND signs_until > $2 ORDER BY signs_until",
            )
            .await?,
            &[&id, &now],
        )
        .await
        .map_err(db)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    check_retired_room(&signing, rotation.max_retired)?;
    let old = cipher.open_secret(&old, &secret_aad(id, "current"))?;
    let retired = cipher.seal_secret(&old, &secret_aad(id, RETIRED_SLOT))?;
    let current = cipher.seal_secret(&rotation.secret, &secret_aad(id, "current"))?;
    c.execute(
        &stmt(
            c,
            "DELETE FROM webhook_retired_secrets WHERE endpoint_id = $1 AND signs_until <= $2",
        )
        .await?,
        &[&id, &now],
    )
    .await
    .map_err(db)?;
    c.execute(
        &stmt(
            c,
            "INSERT INTO webhook_retired_secrets (endpoint_id, secret, signs_until) \
             VALUES ($1, $2, $3)",
        )
        .await?,
        &[&id, &retired, &to_secs(rotation.retired_until)],
    )
    .await
    .map_err(db)?;
    c.execute(
        &stmt(c, "UPDATE webhook_endpoints SET secret = $1 WHERE id = $2").await?,
        &[&current, &id],
    )
    .await
    .map_err(db)?;
    endpoint(c, Some(account), id).await
}

pub(crate) async fn set_disabled<C: Db>(
    c: &C,
    account: AccountId,
    id: &str,
    reason: Option<&str>,
    now: Timestamp,
) -> Res<WebhookEndpoint> {
    let n = match reason {
        Some(reason) => {
            c.execute(
                &stmt(
                    c,
                    "UPDATE webhook_endpoints SET disabled_at = COALESCE(disabled_at, $1), \
                     disabled_reason = COALESCE(disabled_reason, $2) \
                     WHERE id = $3 AND account_id = $4",
                )
                .await?,
                &[&to_secs(now), &reason, &id, &account.0],
            )
            .await
        }
        None => {
            c.execute(
                &stmt(c, &ENABLE_SQL.replace('?', "$")).await?,
                &[&id, &account.0],
            )
            .await
        }
    }
    .map_err(db)?;
    if n == 0 {
        return Err(StoreError::NotFound(Entity::WebhookEndpoint));
    }
    endpoint(c, Some(account), id).await
}

pub(crate) async fn signing_secrets<C: Db>(
    c: &C,
    cipher: &Cipher,
    id: &str,
    now: Timestamp,
) -> Res<SigningSecretSet> {
    let current: Vec<u8> = c
        .query_opt(
            &stmt(c, "SELECT secret FROM webhook_endpoints WHERE id = $1").await?,
            &[&id],
        )
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound(Entity::WebhookEndpoint))?
        .get(0);
    let rows = c
        .query(
            &stmt(c, &RETIRED_SIGNING_SQL.replace('?', "$")).await?,
            &[&id, &to_secs(now)],
        )
        .await
        .map_err(db)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    Ok(SigningSecretSet {
        current: cipher.open_secret(&current, &secret_aad(id, "current"))?,
        retired: open_retired(cipher, id, rows)?,
    })
}

/// As `sqlite::webhooks::enqueue`: the event and its deliveries, or nothing when no
/// endpoint subscribes.
pub(crate) async fn enqueue<C: Db>(
    c: &C,
    account: AccountId,
    kind: WebhookEventKind,
    now: Timestamp,
    only: Option<&str>,
    id: Option<String>,
    snapshot: EventSnapshot,
) -> Res<Option<OutboxEvent>> {
    let endpoints: Vec<String> = match only {
        Some(one) => vec![one.to_owned()],
        None => c
            .query(
                &stmt(
                    c,
                    "SELECT id FROM webhook_endpoints WHERE account_id = $1 \
                     AND disabled_at IS NULL AND (events = '' OR strpos(events, $2) > 0) \
                     ORDER BY id",
                )
                .await?,
                &[&account.0, &format!(",{kind},")],
            )
            .await
            .map_err(db)?
            .iter()
            .map(|r| r.get(0))
            .collect(),
    };
    if endpoints.is_empty() {
        return Ok(None);
    }
    let event = OutboxEvent {
        id: id.unwrap_or_else(new_event_id),
        kind,
        account,
        created_at: from_secs(to_secs(now))?,
        snapshot,
    };
    insert_event(c, &event).await?;
    let insert = stmt(
        c,
        "INSERT INTO webhook_deliveries (event_id, endpoint_id, next_attempt_at) \
         VALUES ($1, $2, $3)",
    )
    .await?;
    for endpoint in endpoints {
        c.execute(&insert, &[&event.id, &endpoint, &to_secs(now)])
            .await
            .map_err(db)?;
    }
    Ok(Some(event))
}

pub(crate) async fn insert_event<C: Db>(c: &C, e: &OutboxEvent) -> Res<()> {
    let (key, name, created, conn) = snapshot_columns(&e.snapshot);
    c.execute(
        &stmt(
            c,
            "INSERT INTO webhook_events (id, account_id, event_type, created_at, profile_key, \
             profile_name, profile_created_at, platform, display_name, username, did, \
             connected_at, expires_at, revoked) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .await?,
        &[
            &e.id,
            &e.account.0,
            &e.kind.as_str(),
            &to_secs(e.created_at),
            &key,
            &name,
            &created,
            &conn.map(|c| c.platform().as_str()),
            &conn.map(|c| c.display_name()),
            &conn.map(|c| c.username()),
            &conn.and_then(|c| c.did()),
            &conn.map(|c| to_secs(c.connected_at())),
            &conn.and_then(|c| c.expires_at()).map(to_secs),
            &conn.map(|c| c.is_revoked()),
        ],
    )
    .await
    .map_err(db)?;
    Ok(())
}

/// The connection `platform` of the profile row `profile` as stored now, as a snapshot.
pub(crate) async fn connection_snapshot<C: Db>(
    c: &C,
    profile: i64,
    key: &ProfileKey,
    platform: Platform,
) -> Res<EventSnapshot> {
    let sql = format!(
        "SELECT {CONNECTION_COLUMNS} FROM connections c WHERE c.profile_id = $1 AND c.platform = $2"
    );
    let row = c
        .query_opt(&stmt(c, &sql).await?, &[&profile, &platform.as_str()])
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound(Entity::Connection))?;
    Ok(EventSnapshot::Connection {
        profile: key.clone(),
        connection: connection_at(&row, 0)?.ok_or(StoreError::NotFound(Entity::Connection))?,
    })
}

/// Writes `connection.connected` for the connection just stored, when subscribed.
pub(crate) async fn connected_event<C: Db>(
    c: &C,
    account: AccountId,
    profile: i64,
    key: &ProfileKey,
    platform: Platform,
    now: Timestamp,
) -> Res<()> {
    if !subscribed(c, account, WebhookEventKind::ConnectionConnected).await? {
        return Ok(());
    }
    let snapshot = connection_snapshot(c, profile, key, platform).await?;
    enqueue(
        c,
        account,
        WebhookEventKind::ConnectionConnected,
        now,
        None,
        None,
        snapshot,
    )
    .await
    .map(drop)
}

/// Whether an enabled endpoint of `account` subscribes to `kind`.
async fn subscribed<C: Db>(c: &C, account: AccountId, kind: WebhookEventKind) -> Res<bool> {
    Ok(c.query_one(
        &stmt(
            c,
            "SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE account_id = $1 \
                 AND disabled_at IS NULL AND (events = '' OR strpos(events, $2) > 0))",
        )
        .await?,
        &[&account.0, &format!(",{kind},")],
    )
    .await
    .map_err(db)?
    .get(0))
}

pub(crate) async fn enqueue_ping<C: Db>(
    c: &C,
    account: AccountId,
    id: &str,
    now: Timestamp,
) -> Res<OutboxEvent> {
    endpoint(c, Some(account), id).await?;
    enqueue(
        c,
        account,
        WebhookEventKind::Ping,
        now,
        Some(id),
        None,
        EventSnapshot::Ping,
    )
    .await?
    .ok_or(StoreError::NotFound(Entity::WebhookEndpoint))
}

pub(crate) async fn enqueue_due_notices<C: Db>(
    c: &C,
    now: Timestamp,
    thresholds: &[u64],
    limit: u32,
    ids: &NoticeIds,
) -> Res<Vec<OutboxEvent>> {
    let longest = thresholds.iter().copied().max().unwrap_or(0);
    let horizon = to_secs(now).saturating_add(i64::try_from(longest).unwrap_or(i64::MAX));
    // The candidates of `sqlite::webhooks::enqueue_due_notices`: revoked tokens get none.
    let sql = format!(
        "SELECT c.account_id, c.profile_key, {CONNECTION_COLUMNS} FROM connections c \
         WHERE c.expires_at IS NOT NULL AND c.expires_at <= $1 AND NOT c.revoked \
         AND EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.account_id = c.account_id \
                     AND w.disabled_at IS NULL) \
         AND NOT EXISTS (SELECT 1 FROM webhook_notices n WHERE n.profile_key = c.profile_key \
                     AND n.platform = c.platform AND n.expires_at = c.expires_at \
                     AND n.threshold = 0) \
         ORDER BY c.expires_at, c.profile_key, c.platform"
    );
    let rows = c
        .query(&stmt(c, &sql).await?, &[&horizon])
        .await
        .map_err(db)?;
    let record = stmt(
        c,
        "INSERT INTO webhook_notices (profile_key, platform, expires_at, threshold, \
         recorded_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .await?;
    let mut written = Vec::new();
    for row in rows {
        if written.len() >= limit as usize {
            break;
        }
        let account = AccountId(row.get(0));
        let key = key_from_db(row.get(1))?;
        let Some(connection) = connection_at(&row, 2)? else {
            continue;
        };
        let Some(expires) = connection.expires_at().map(to_secs) else {
            continue;
        };
        let Some(threshold) = due_notice(expires, to_secs(now), thresholds) else {
            continue;
        };
        let recorded = c
            .execute(
                &record,
                &[
                    &key.as_str(),
                    &connection.platform().as_str(),
                    &expires,
                    &i64::try_from(threshold).unwrap_or(i64::MAX),
                    &to_secs(now),
                ],
            )
            .await
            .map_err(db)?;
        if recorded == 0 {
            continue;
        }
        let (kind, id) = notice_kind_and_id(ids, &key, connection.platform(), expires, threshold)?;
        let snapshot = EventSnapshot::Connection {
            profile: key.clone(),
            connection,
        };
        let event = enqueue(c, account, kind, now, None, Some(id), snapshot).await?;
        written.extend(event);
    }
    Ok(written)
}

pub(crate) async fn claim<C: Db>(
    c: &C,
    now: Timestamp,
    lease_until: Timestamp,
    limits: ClaimLimits,
) -> Res<Vec<ClaimedDelivery>> {
    // One claim at a time across every server on this database, until this transaction
    // ends: the next claim's count of attempts in flight sees this one's leases.
    c.execute(
        &stmt(c, "SELECT pg_advisory_xact_lock($1)").await?,
        &[&CLAIM_LOCK],
    )
    .await
    .map_err(db)?;
    let columns = format!("d.id, d.endpoint_id, w.url, d.attempts, {EVENT_COLUMNS}");
    let sql = claim_sql(&columns, true).replace('?', "$");
    let rows = c
        .query(
            &stmt(c, &sql).await?,
            &[
                &to_secs(now),
                &i64::from(limits.total),
                &i64::from(limits.per_endpoint),
                &i64::from(limits.per_account),
            ],
        )
        .await
        .map_err(db)?;
    let lease = from_secs(to_secs(lease_until))?;
    // Only while still pending and free: an attempt recorded since the selection (by a
    // holder whose lease had just ended) is seen here, as `FOR UPDATE` would have.
    let update = stmt(
        c,
        "UPDATE webhook_deliveries SET lease_until = $1 WHERE id = $2 \
         AND status = 'pending' AND (lease_until IS NULL OR lease_until <= $3)",
    )
    .await?;
    let mut out = Vec::new();
    for row in rows {
        let claimed = ClaimedDelivery {
            id: row.get(0),
            endpoint_id: row.get(1),
            url: row.get(2),
            attempts: count(row.get(3)),
            lease_until: lease,
            event: event_at(&row, 4)?,
        };
        let leased = c
            .execute(&update, &[&to_secs(lease), &claimed.id, &to_secs(now)])
            .await
            .map_err(db)?;
        if leased == 1 {
            out.push(claimed);
        }
    }
    Ok(out)
}

pub(crate) async fn record_attempt<C: Db>(
    c: &C,
    claimed: &ClaimedDelivery,
    outcome: &AttemptOutcome,
    disable: &DisableDecision,
    now: Timestamp,
) -> Res<AttemptRecorded> {
    let (status, next, last_status, error, change) = outcome_columns(outcome);
    let n = c
        .execute(
            &stmt(
                c,
                "UPDATE webhook_deliveries SET status = $1, \
                 next_attempt_at = COALESCE($2, next_attempt_at), lease_until = NULL, \
                 attempts = attempts + 1, last_status = $3, last_error = $4 \
                 WHERE id = $5 AND status = 'pending' AND lease_until = $6",
            )
            .await?,
            &[
                &status,
                &next,
                &last_status.map(i64::from),
                &error,
                &claimed.id,
                &to_secs(claimed.lease_until),
            ],
        )
        .await
        .map_err(db)?;
    if n == 0 {
        let failures = c
            .query_opt(
                &stmt(
                    c,
                    "SELECT consecutive_failures FROM webhook_endpoints WHERE id = $1",
                )
                .await?,
                &[&claimed.endpoint_id],
            )
            .await
            .map_err(db)?
            .map_or(0, |r| count(r.get(0)));
        return Ok(AttemptRecorded {
            applied: false,
            consecutive_failures: failures,
            disabled: None,
        });
    }
    let sql = format!(
        "UPDATE webhook_endpoints SET consecutive_failures = {change} WHERE id = $1 \
         RETURNING consecutive_failures"
    );
    let failures = c
        .query_opt(&stmt(c, &sql).await?, &[&claimed.endpoint_id])
        .await
        .map_err(db)?
        .map_or(0, |r| count(r.get(0)));
    let mut reason = decide_disable(outcome, disable, failures);
    if let Some(why) = &reason {
        // A ping to an endpoint already disabled keeps its first instant and reason.
        let n = c
            .execute(
                &stmt(
                    c,
                    "UPDATE webhook_endpoints SET disabled_at = $1, disabled_reason = $2 \
                     WHERE id = $3 AND disabled_at IS NULL",
                )
                .await?,
                &[&to_secs(now), why, &claimed.endpoint_id],
            )
            .await
            .map_err(db)?;
        reason = reason.filter(|_| n > 0);
    }
    Ok(AttemptRecorded {
        applied: true,
        consecutive_failures: failures,
        disabled: reason,
    })
}

fn report_at(row: &Row) -> Res<DeliveryReport> {
    let status = DeliveryStatus::parse(row.get(5))?;
    Ok(DeliveryReport {
        event_id: row.get(0),
        kind: kind_from_db(row.get(1))?,
        endpoint_id: row.get(2),
        created_at: from_secs(row.get(3))?,
        attempts: count(row.get(4)),
        status,
        next_attempt_at: match status {
            DeliveryStatus::Pending => Some(from_secs(row.get(6))?),
            _ => None,
        },
        last_status: row
            .get::<_, Option<i64>>(7)
            .map(|s| u16::try_from(s).unwrap_or(u16::MAX)),
        last_error: row.get(8),
    })
}

pub(crate) async fn list_deliveries<C: Db>(
    c: &C,
    account: Option<AccountId>,
    endpoint: Option<&str>,
    limit: u32,
) -> Res<Vec<DeliveryReport>> {
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM webhook_deliveries d \
         JOIN webhook_events e ON e.id = d.event_id \
         JOIN webhook_endpoints w ON w.id = d.endpoint_id \
         WHERE ($1::BIGINT IS NULL OR w.account_id = $1) \
         AND ($2::TEXT IS NULL OR d.endpoint_id = $2) \
         ORDER BY e.created_at DESC, d.id DESC LIMIT $3"
    );
    c.query(
        &stmt(c, &sql).await?,
        &[&account.map(|a| a.0), &endpoint, &i64::from(limit)],
    )
    .await
    .map_err(db)?
    .iter()
    .map(report_at)
    .collect()
}

/// `prune_webhook_history` in the caller's transaction: the three statements of
/// [`prune_statements`], in order.
pub(crate) async fn prune<C: Db>(c: &C, cutoff: Timestamp, limit: u32) -> Res<PruneCounts> {
    let mut counts = [0u32; 3];
    for (sql, count) in prune_statements("$1", "$2").iter().zip(&mut counts) {
        let n = c
            .execute(&stmt(c, sql).await?, &[&to_secs(cutoff), &i64::from(limit)])
            .await
            .map_err(db)?;
        *count = u32::try_from(n).unwrap_or(u32::MAX);
    }
    let [deliveries, events, notices] = counts;
    Ok(PruneCounts {
        deliveries,
        events,
        notices,
    })
}
