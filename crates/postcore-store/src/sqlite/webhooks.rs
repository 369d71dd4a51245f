//! Webhook endpoints, the outbox, timed notices and deliveries on SQLite (issue 13). Every
//! write runs inside the caller's write transaction (`run_write`), so an event is written
//! with the change that causes it or not at all.

use super::crypto::Cipher;
use super::rows::{connection_at, from_secs, key_from_db, to_secs};
use crate::webhooks::{
    AttemptOutcome, AttemptRecorded, ClaimedDelivery, DeliveryReport, DeliveryStatus,
    DisableDecision, EndpointDisabled, EventSnapshot, NewWebhookEndpoint, NoticeIds, OutboxEvent,
    SecretRotation, SigningSecretSet, WebhookEndpoint, WebhookEventKind, events_from_db,
    events_to_db, keeps_failing_reason, kind_from_db, new_endpoint_id, new_event_id, secret_aad,
};
use crate::webhooks::{ClaimLimits, MAX_WEBHOOK_ENDPOINTS, claim_sql};
use crate::webhooks::{
    EventRow, PruneCounts, notice_kind_and_id, outcome_columns, prune_statements, snapshot_columns,
};
use crate::{AccountId, Conflict, Entity, StoreError};
use postcore_domain::{Platform, ProfileKey, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};
use secrecy::SecretString;

type Res<T> = Result<T, StoreError>;

fn be(e: rusqlite::Error) -> StoreError {
    StoreError::backend(e)
}

/// The columns of [`endpoint_at`].
pub(crate) const ENDPOINT_COLUMNS: &str = "w.id, w.account_id, w.url, w.events, w.description, \
     w.created_at, w.disabled_at, w.disabled_reason, w.consecutive_failures";

pub(crate) fn endpoint_at(row: &Row<'_>) -> Res<WebhookEndpoint> {
    let disabled_at: Option<i64> = row.get(6).map_err(be)?;
    let disabled = match disabled_at {
        Some(at) => Some(EndpointDisabled {
            at: from_secs(at)?,
            reason: row
                .get::<_, Option<String>>(7)
                .map_err(be)?
                .unwrap_or_default(),
        }),
        None => None,
    };
    Ok(WebhookEndpoint {
        id: row.get(0).map_err(be)?,
        account: AccountId(row.get(1).map_err(be)?),
        url: row.get(2).map_err(be)?,
        events: events_from_db(&row.get::<_, String>(3).map_err(be)?)?,
        description: row.get(4).map_err(be)?,
        created_at: from_secs(row.get(5).map_err(be)?)?,
        disabled,
        consecutive_failures: row.get::<_, u32>(8).map_err(be)?,
    })
}

/// The columns of [`event_at`].
pub(crate) const EVENT_COLUMNS: &str = "e.id, e.account_id, e.event_type, e.created_at, \
     e.profile_key, e.profile_name, e.profile_created_at, e.platform, e.display_name, \
     e.username, e.did, e.connected_at, e.expires_at, e.revoked";

pub(crate) fn event_at(row: &Row<'_>, base: usize) -> Res<OutboxEvent> {
    EventRow {
        id: row.get(base).map_err(be)?,
        account: row.get(base + 1).map_err(be)?,
        kind: row.get(base + 2).map_err(be)?,
        created_at: row.get(base + 3).map_err(be)?,
        profile_key: row.get(base + 4).map_err(be)?,
        profile_name: row.get(base + 5).map_err(be)?,
        profile_created_at: row.get(base + 6).map_err(be)?,
        connection: connection_at(row, base + 7)?,
    }
    .into_event()
}

pub(crate) fn create_endpoint(
    tx: &Connection,
    cipher: &Cipher,
    account: AccountId,
    new: &NewWebhookEndpoint,
    now: Timestamp,
) -> Res<WebhookEndpoint> {
    // The write transaction is the only writer: no other create runs between the count
    // and the insert.
    let count: u32 = tx
        .query_row(
            "SELECT COUNT(*) FROM webhook_endpoints WHERE account_id = ?1",
            [account.0],
            |r| r.get(0),
        )
        .map_err(be)?;
    if count >= MAX_WEBHOOK_ENDPOINTS {
        return Err(StoreError::Conflict(Conflict::TooManyWebhookEndpoints));
    }
    let id = new_endpoint_id();
    let sealed = cipher.seal_secret(&new.secret, &secret_aad(&id, "current"))?;
    tx.execute(
        "INSERT INTO webhook_endpoints (id, account_id, url, events, description, secret, \
         created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id,
            account.0,
            new.url,
            events_to_db(&new.events),
            new.description,
            sealed,
            to_secs(now)
        ],
    )
    // A foreign-key violation: no such account. (The id is 82 random bits: no collision.)
    .map_err(|e| {
        match super::rows::map_write_error(e, crate::Conflict::AccountExists, Entity::Account) {
            StoreError::NotFound(entity) => StoreError::NotFound(entity),
            StoreError::Conflict(_) => {
                StoreError::InvalidData("webhook endpoint id collision".into())
            }
            other => other,
        }
    })?;
    endpoint(tx, Some(account), &id)
}

/// One endpoint, of `account` when given; `NotFound(WebhookEndpoint)` otherwise.
pub(crate) fn endpoint(
    tx: &Connection,
    account: Option<AccountId>,
    id: &str,
) -> Res<WebhookEndpoint> {
    let sql = format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints w \
         WHERE w.id = ?1 AND (?2 IS NULL OR w.account_id = ?2)"
    );
    tx.query_row(&sql, params![id, account.map(|a| a.0)], |r| {
        Ok(endpoint_at(r))
    })
    .optional()
    .map_err(be)?
    .ok_or(StoreError::NotFound(Entity::WebhookEndpoint))?
}

pub(crate) fn list_endpoints(
    conn: &Connection,
    account: Option<AccountId>,
) -> Res<Vec<WebhookEndpoint>> {
    let sql = format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints w \
         WHERE ?1 IS NULL OR w.account_id = ?1 ORDER BY w.created_at, w.id"
    );
    let mut stmt = conn.prepare(&sql).map_err(be)?;
    let mut rows = stmt.query(params![account.map(|a| a.0)]).map_err(be)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(be)? {
        out.push(endpoint_at(row)?);
    }
    Ok(out)
}

pub(crate) fn delete_endpoint(tx: &Connection, account: AccountId, id: &str) -> Res<()> {
    let n = tx
        .execute(
            "DELETE FROM webhook_endpoints WHERE id = ?1 AND account_id = ?2",
            params![id, account.0],
        )
        .map_err(be)?;
    if n == 0 {
        return Err(StoreError::NotFound(Entity::WebhookEndpoint));
    }
    Ok(())
}

pub(crate) fn rotate_secret(
    tx: &Connection,
    cipher: &Cipher,
    account: AccountId,
    id: &str,
    rotation: &SecretRotation,
) -> Res<WebhookEndpoint> {
    let old: Vec<u8> = tx
        .query_row(
            "SELECT secret FROM webhook_endpoints WHERE id = ?1 AND account_id = ?2",
            params![id, account.0],
            |r| r.get(0),
        )
        .optional()
        .map_err(be)?
        .ok_or(StoreError::NotFound(Entity::WebhookEndpoint))?;
    let now = to_secs(rotation.now);
    let mut stmt = tx
        .prepare_cached(
            "SELECT signs_until FROM webhook_retired_secrets \
             WHERE endpoint_id = ?1 AND signs_until > ?2 ORDER BY signs_until",
        )
        .map_err(be)?;
    let signing: Vec<i64> = stmt
        .query_map(params![id, now], |r| r.get(0))
        .map_err(be)?
        .collect::<Result<_, _>>()
        .map_err(be)?;
    check_retired_room(&signing, rotation.max_retired)?;
    let old = cipher.open_secret(&old, &secret_aad(id, "current"))?;
    let retired = cipher.seal_secret(&old, &secret_aad(id, RETIRED_SLOT))?;
    let current = cipher.seal_secret(&rotation.secret, &secret_aad(id, "current"))?;
    tx.execute(
        "DELETE FROM webhook_retired_secrets WHERE endpoint_id = ?1 AND signs_until <= ?2",
        params![id, now],
    )
    .map_err(be)?;
    tx.execute(
        "INSERT INTO webhook_retired_secrets (endpoint_id, secret, signs_until) \
         VALUES (?1, ?2, ?3)",
        params![id, retired, to_secs(rotation.retired_until)],
    )
    .map_err(be)?;
    tx.execute(
        "UPDATE webhook_endpoints SET secret = ?1 WHERE id = ?2",
        params![current, id],
    )
    .map_err(be)?;
    endpoint(tx, Some(account), id)
}

/// The slot of a retired secret in its associated data: 0004's one previous secret was
/// sealed as `previous`, and 0005 moved those rows unchanged, so every retired secret is.
pub(crate) const RETIRED_SLOT: &str = "previous";

/// `Ok` when one more retired secret fits beside those still signing, whose instants
/// (seconds, soonest first) are `signing`; else the conflict naming when the soonest ends.
pub(crate) fn check_retired_room(signing: &[i64], max: usize) -> Res<()> {
    match signing.first() {
        Some(&soonest) if signing.len() >= max => Err(StoreError::Conflict(
            crate::Conflict::TooManyRetiredSecrets {
                max,
                next_at: from_secs(soonest)?,
            },
        )),
        _ => Ok(()),
    }
}

/// Enables endpoint `?1` of account `?2`: a disabled one loses its disabling and its
/// consecutive failures; an enabled one is left as it is (the right-hand sides read the
/// row before the update).
pub(crate) const ENABLE_SQL: &str = "UPDATE webhook_endpoints SET disabled_at = NULL, \
     disabled_reason = NULL, consecutive_failures = CASE WHEN disabled_at IS NULL \
     THEN consecutive_failures ELSE 0 END WHERE id = ?1 AND account_id = ?2";

pub(crate) fn set_disabled(
    tx: &Connection,
    account: AccountId,
    id: &str,
    reason: Option<&str>,
    now: Timestamp,
) -> Res<WebhookEndpoint> {
    let n = match reason {
        Some(reason) => tx.execute(
            "UPDATE webhook_endpoints SET disabled_at = COALESCE(disabled_at, ?1), \
             disabled_reason = COALESCE(disabled_reason, ?2) WHERE id = ?3 AND account_id = ?4",
            params![to_secs(now), reason, id, account.0],
        ),
        None => tx.execute(ENABLE_SQL, params![id, account.0]),
    }
    .map_err(be)?;
    if n == 0 {
        return Err(StoreError::NotFound(Entity::WebhookEndpoint));
    }
    endpoint(tx, Some(account), id)
}

pub(crate) fn signing_secrets(
    conn: &Connection,
    cipher: &Cipher,
    id: &str,
    now: Timestamp,
) -> Res<SigningSecretSet> {
    let current: Vec<u8> = conn
        .query_row(
            "SELECT secret FROM webhook_endpoints WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )
        .optional()
        .map_err(be)?
        .ok_or(StoreError::NotFound(Entity::WebhookEndpoint))?;
    let mut stmt = conn.prepare_cached(RETIRED_SIGNING_SQL).map_err(be)?;
    let rows: Vec<(Vec<u8>, i64)> = stmt
        .query_map(params![id, to_secs(now)], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(be)?
        .collect::<Result<_, _>>()
        .map_err(be)?;
    Ok(SigningSecretSet {
        current: cipher.open_secret(&current, &secret_aad(id, "current"))?,
        retired: open_retired(cipher, id, rows)?,
    })
}

/// The retired secrets of endpoint `?1` still signing at `?2` (seconds), most recently
/// retired first.
pub(crate) const RETIRED_SIGNING_SQL: &str = "SELECT secret, signs_until \
     FROM webhook_retired_secrets WHERE endpoint_id = ?1 AND signs_until > ?2 \
     ORDER BY signs_until DESC, id DESC";

/// Sealed retired secrets of endpoint `id` with their instants (seconds), opened.
pub(crate) fn open_retired(
    cipher: &Cipher,
    id: &str,
    rows: Vec<(Vec<u8>, i64)>,
) -> Res<Vec<(SecretString, Timestamp)>> {
    rows.into_iter()
        .map(|(sealed, until)| {
            Ok((
                cipher.open_secret(&sealed, &secret_aad(id, RETIRED_SLOT))?,
                from_secs(until)?,
            ))
        })
        .collect()
}

/// Writes `kind` for `account` at `now` with the snapshot `snapshot` makes, and one
/// pending delivery per enabled endpoint subscribed to `kind` (or to endpoint `only`,
/// enabled or not); writes nothing and returns `None` when there is no such endpoint.
pub(crate) fn enqueue(
    tx: &Connection,
    account: AccountId,
    kind: WebhookEventKind,
    now: Timestamp,
    only: Option<&str>,
    id: Option<String>,
    snapshot: impl FnOnce() -> Res<EventSnapshot>,
) -> Res<Option<OutboxEvent>> {
    let endpoints: Vec<String> = match only {
        Some(one) => vec![one.to_owned()],
        None => {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT id FROM webhook_endpoints WHERE account_id = ?1 \
                     AND disabled_at IS NULL AND (events = '' OR instr(events, ?2) > 0) \
                     ORDER BY id",
                )
                .map_err(be)?;
            let rows = stmt
                .query_map(params![account.0, format!(",{kind},")], |r| r.get(0))
                .map_err(be)?;
            rows.collect::<Result<_, _>>().map_err(be)?
        }
    };
    if endpoints.is_empty() {
        return Ok(None);
    }
    let event = OutboxEvent {
        id: id.unwrap_or_else(new_event_id),
        kind,
        account,
        created_at: from_secs(to_secs(now))?,
        snapshot: snapshot()?,
    };
    insert_event(tx, &event)?;
    for endpoint in endpoints {
        tx.prepare_cached(
            "INSERT INTO webhook_deliveries (event_id, endpoint_id, next_attempt_at) \
             VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut s| s.execute(params![event.id, endpoint, to_secs(now)]))
        .map_err(be)?;
    }
    Ok(Some(event))
}

pub(crate) fn insert_event(tx: &Connection, e: &OutboxEvent) -> Res<()> {
    let (key, name, created, conn) = snapshot_columns(&e.snapshot);
    tx.prepare_cached(
        "INSERT INTO webhook_events (id, account_id, event_type, created_at, profile_key, \
         profile_name, profile_created_at, platform, display_name, username, did, \
         connected_at, expires_at, revoked) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )
    .and_then(|mut s| {
        s.execute(params![
            e.id,
            e.account.0,
            e.kind.as_str(),
            to_secs(e.created_at),
            key,
            name,
            created,
            conn.map(|c| c.platform().as_str()),
            conn.map(|c| c.display_name()),
            conn.map(|c| c.username()),
            conn.and_then(|c| c.did()),
            conn.map(|c| to_secs(c.connected_at())),
            conn.and_then(|c| c.expires_at()).map(to_secs),
            conn.map(|c| c.is_revoked()),
        ])
    })
    .map_err(be)?;
    Ok(())
}

/// The connection `platform` of the profile row `profile` as stored now, as a snapshot.
pub(crate) fn connection_snapshot(
    tx: &Connection,
    profile: i64,
    key: &ProfileKey,
    platform: Platform,
) -> Res<EventSnapshot> {
    let sql = format!(
        "SELECT {} FROM connections c WHERE c.profile_id = ?1 AND c.platform = ?2",
        super::rows::CONNECTION_COLUMNS
    );
    let connection = tx
        .query_row(&sql, params![profile, platform.as_str()], |r| {
            Ok(connection_at(r, 0))
        })
        .optional()
        .map_err(be)?
        .transpose()?
        .flatten()
        .ok_or(StoreError::NotFound(Entity::Connection))?;
    Ok(EventSnapshot::Connection {
        profile: key.clone(),
        connection,
    })
}

pub(crate) fn enqueue_ping(
    tx: &Connection,
    account: AccountId,
    id: &str,
    now: Timestamp,
) -> Res<OutboxEvent> {
    endpoint(tx, Some(account), id)?;
    enqueue(
        tx,
        account,
        WebhookEventKind::Ping,
        now,
        Some(id),
        None,
        || Ok(EventSnapshot::Ping),
    )?
    .ok_or(StoreError::NotFound(Entity::WebhookEndpoint))
}

/// The latest notice due at `now` for a token expiring at `expires` (whole seconds): its
/// threshold in seconds, 0 for expired. `NoticeSchedule::due`'s rule.
pub(crate) fn due_notice(expires: i64, now: i64, thresholds: &[u64]) -> Option<u64> {
    if now >= expires {
        return Some(0);
    }
    let mut sorted: Vec<u64> = thresholds.iter().copied().filter(|t| *t > 0).collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted.into_iter().find_map(|t| {
        let due = expires.checked_sub(i64::try_from(t).ok()?)?;
        (due <= now).then_some(t)
    })
}

pub(crate) fn enqueue_due_notices(
    tx: &Connection,
    now: Timestamp,
    thresholds: &[u64],
    limit: u32,
    ids: &NoticeIds,
) -> Res<Vec<OutboxEvent>> {
    let longest = thresholds.iter().copied().max().unwrap_or(0);
    let horizon = to_secs(now).saturating_add(i64::try_from(longest).unwrap_or(i64::MAX));
    // Candidates: expiring within the longest threshold, not marked revoked (the app was
    // told `connection.needs_reconnect`; a renewal clears the mark), of accounts with an
    // enabled endpoint, whose expired notice is not recorded yet (so expired tokens leave
    // the scan once told).
    let sql = format!(
        "SELECT c.id, c.profile_id, c.account_id, c.profile_key, {} FROM connections c \
         WHERE c.expires_at IS NOT NULL AND c.expires_at <= ?1 AND c.revoked = 0 \
         AND EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.account_id = c.account_id \
                     AND w.disabled_at IS NULL) \
         AND NOT EXISTS (SELECT 1 FROM webhook_notices n WHERE n.profile_key = c.profile_key \
                     AND n.platform = c.platform AND n.expires_at = c.expires_at \
                     AND n.threshold = 0) \
         ORDER BY c.expires_at, c.profile_key, c.platform",
        super::rows::CONNECTION_COLUMNS
    );
    let mut stmt = tx.prepare_cached(&sql).map_err(be)?;
    let mut rows = stmt.query(params![horizon]).map_err(be)?;
    let mut found = Vec::new();
    while let Some(row) = rows.next().map_err(be)? {
        let account = AccountId(row.get(2).map_err(be)?);
        let key = key_from_db(&row.get::<_, String>(3).map_err(be)?)?;
        if let Some(c) = connection_at(row, 4)? {
            found.push((account, key, c));
        }
    }
    drop(rows);
    let mut written = Vec::new();
    for (account, key, connection) in found {
        if written.len() >= limit as usize {
            break;
        }
        let Some(expires) = connection.expires_at().map(to_secs) else {
            continue;
        };
        let Some(threshold) = due_notice(expires, to_secs(now), thresholds) else {
            continue;
        };
        let recorded = tx
            .prepare_cached(
                "INSERT INTO webhook_notices (profile_key, platform, expires_at, threshold, \
                 recorded_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            )
            .and_then(|mut s| {
                s.execute(params![
                    key.as_str(),
                    connection.platform().as_str(),
                    expires,
                    i64::try_from(threshold).unwrap_or(i64::MAX),
                    to_secs(now)
                ])
            })
            .map_err(be)?;
        if recorded == 0 {
            continue;
        }
        let (kind, id) = notice_kind_and_id(ids, &key, connection.platform(), expires, threshold)?;
        let event = enqueue(tx, account, kind, now, None, Some(id), || {
            Ok(EventSnapshot::Connection {
                profile: key.clone(),
                connection,
            })
        })?;
        written.extend(event);
    }
    Ok(written)
}

/// The columns of [`claimed_at`]: the delivery, its endpoint, then [`EVENT_COLUMNS`].
fn claimed_columns() -> String {
    format!("d.id, d.endpoint_id, w.url, d.attempts, {EVENT_COLUMNS}")
}

fn claimed_at(row: &Row<'_>, lease_until: Timestamp) -> Res<ClaimedDelivery> {
    Ok(ClaimedDelivery {
        id: row.get(0).map_err(be)?,
        endpoint_id: row.get(1).map_err(be)?,
        url: row.get(2).map_err(be)?,
        attempts: row.get(3).map_err(be)?,
        lease_until,
        event: event_at(row, 4)?,
    })
}

pub(crate) fn claim(
    tx: &Connection,
    now: Timestamp,
    lease_until: Timestamp,
    limits: ClaimLimits,
) -> Res<Vec<ClaimedDelivery>> {
    let sql = claim_sql(&claimed_columns(), false);
    let mut stmt = tx.prepare_cached(&sql).map_err(be)?;
    let mut rows = stmt
        .query(params![
            to_secs(now),
            limits.total,
            limits.per_endpoint,
            limits.per_account
        ])
        .map_err(be)?;
    let lease = from_secs(to_secs(lease_until))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(be)? {
        out.push(claimed_at(row, lease)?);
    }
    drop(rows);
    for d in &out {
        tx.prepare_cached("UPDATE webhook_deliveries SET lease_until = ?1 WHERE id = ?2")
            .and_then(|mut s| s.execute(params![to_secs(lease), d.id]))
            .map_err(be)?;
    }
    Ok(out)
}

pub(crate) fn record_attempt(
    tx: &Connection,
    claimed: &ClaimedDelivery,
    outcome: &AttemptOutcome,
    disable: &DisableDecision,
    now: Timestamp,
) -> Res<AttemptRecorded> {
    let (status, next, last_status, error, change) = outcome_columns(outcome);
    let n = tx
        .execute(
            "UPDATE webhook_deliveries SET status = ?1, \
             next_attempt_at = COALESCE(?2, next_attempt_at), lease_until = NULL, \
             attempts = attempts + 1, last_status = ?3, last_error = ?4 \
             WHERE id = ?5 AND status = 'pending' AND lease_until = ?6",
            params![
                status,
                next,
                last_status,
                error,
                claimed.id,
                to_secs(claimed.lease_until)
            ],
        )
        .map_err(be)?;
    let failures = |tx: &Connection| -> Res<u32> {
        tx.query_row(
            "SELECT consecutive_failures FROM webhook_endpoints WHERE id = ?1",
            params![claimed.endpoint_id],
            |r| r.get(0),
        )
        .optional()
        .map_err(be)
        .map(Option::unwrap_or_default)
    };
    if n == 0 {
        return Ok(AttemptRecorded {
            applied: false,
            consecutive_failures: failures(tx)?,
            disabled: None,
        });
    }
    tx.execute(
        &format!("UPDATE webhook_endpoints SET consecutive_failures = {change} WHERE id = ?1"),
        params![claimed.endpoint_id],
    )
    .map_err(be)?;
    let count = failures(tx)?;
    let mut reason = decide_disable(outcome, disable, count);
    if let Some(why) = &reason {
        // A ping to an endpoint already disabled keeps its first instant and reason.
        let n = tx
            .execute(
                "UPDATE webhook_endpoints SET disabled_at = ?1, disabled_reason = ?2 \
                 WHERE id = ?3 AND disabled_at IS NULL",
                params![to_secs(now), why, claimed.endpoint_id],
            )
            .map_err(be)?;
        reason = reason.filter(|_| n > 0);
    }
    Ok(AttemptRecorded {
        applied: true,
        consecutive_failures: count,
        disabled: reason,
    })
}

/// Whether `outcome` disables its endpoint, now at `count` consecutive failures.
pub(crate) fn decide_disable(
    outcome: &AttemptOutcome,
    disable: &DisableDecision,
    count: u32,
) -> Option<String> {
    if matches!(outcome, AttemptOutcome::Delivered { .. }) {
        return None;
    }
    disable.now.clone().or_else(|| {
        (matches!(outcome, AttemptOutcome::GiveUp { .. })
            && count >= disable.after_consecutive_failures)
            .then(|| keeps_failing_reason(count))
    })
}

/// The columns of [`report_at`].
pub(crate) const REPORT_COLUMNS: &str = "e.id, e.event_type, d.endpoint_id, e.created_at, \
     d.attempts, d.status, d.next_attempt_at, d.last_status, d.last_error";

fn report_at(row: &Row<'_>) -> Res<DeliveryReport> {
    let status = DeliveryStatus::parse(&row.get::<_, String>(5).map_err(be)?)?;
    Ok(DeliveryReport {
        event_id: row.get(0).map_err(be)?,
        kind: kind_from_db(&row.get::<_, String>(1).map_err(be)?)?,
        endpoint_id: row.get(2).map_err(be)?,
        created_at: from_secs(row.get(3).map_err(be)?)?,
        attempts: row.get(4).map_err(be)?,
        status,
        next_attempt_at: match status {
            DeliveryStatus::Pending => Some(from_secs(row.get(6).map_err(be)?)?),
            _ => None,
        },
        last_status: row.get(7).map_err(be)?,
        last_error: row.get(8).map_err(be)?,
    })
}

pub(crate) fn list_deliveries(
    conn: &Connection,
    account: Option<AccountId>,
    endpoint: Option<&str>,
    limit: u32,
) -> Res<Vec<DeliveryReport>> {
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM webhook_deliveries d \
         JOIN webhook_events e ON e.id = d.event_id \
         JOIN webhook_endpoints w ON w.id = d.endpoint_id \
         WHERE (?1 IS NULL OR w.account_id = ?1) AND (?2 IS NULL OR d.endpoint_id = ?2) \
         ORDER BY e.created_at DESC, d.id DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare(&sql).map_err(be)?;
    let mut rows = stmt
        .query(params![account.map(|a| a.0), endpoint, limit])
        .map_err(be)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(be)? {
        out.push(report_at(row)?);
    }
    Ok(out)
}

/// `prune_webhook_history` in the caller's write transaction: the three statements of
/// [`prune_statements`], in order.
pub(crate) fn prune(tx: &Connection, cutoff: Timestamp, limit: u32) -> Res<PruneCounts> {
    let mut counts = [0u32; 3];
    for (sql, count) in prune_statements("?1", "?2").iter().zip(&mut counts) {
        let n = tx
            .prepare_cached(sql)
            .and_then(|mut s| s.execute(params![to_secs(cutoff), limit]))
            .map_err(be)?;
        *count = u32::try_from(n).unwrap_or(u32::MAX);
    }
    let [deliveries, events, notices] = counts;
    Ok(PruneCounts {
        deliveries,
        events,
        notices,
    })
}
