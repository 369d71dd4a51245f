//! The webhook part of [`Transfer`](crate::Transfer) on SQLite: an account's endpoints
//! (signing secrets opened with the source's key, sealed again with the destination's),
//! outbox events, deliveries (ids and states kept, leases dropped) and timed-notice
//! records, read inside the export's read transaction and written inside the import's
//! write transaction. The SQL and the row conversions are shared with PostgreSQL
//! (`postgres/export.rs`), which numbers its parameters `$n` where SQLite has `?n`.

use super::crypto::Cipher;
use super::rows::{from_secs, to_secs};
use super::webhooks::{
    ENDPOINT_COLUMNS, EVENT_COLUMNS, RETIRED_SLOT, endpoint_at, event_at, insert_event,
    open_retired,
};
use crate::transfer::{ExportedDelivery, ExportedNotice, ExportedWebhookEndpoint, WebhookExport};
use crate::webhooks::{DeliveryStatus, OutboxEvent, WebhookEndpoint, events_to_db, secret_aad};
use crate::{AccountId, StoreError};
use postcore_domain::Platform;
use rusqlite::{Connection, params};

type Res<T> = Result<T, StoreError>;

fn be(e: rusqlite::Error) -> StoreError {
    StoreError::backend(e)
}

/// An account's endpoints with their sealed current secret (column 9), oldest first.
pub(crate) fn endpoints_sql() -> String {
    format!(
        "SELECT {ENDPOINT_COLUMNS}, w.secret \
         FROM webhook_endpoints w WHERE w.account_id = ?1 ORDER BY w.created_at, w.id"
    )
}

/// The retired secrets of an account's endpoints, every one stored (still signing or
/// not): endpoint id, sealed secret, instant (seconds); oldest rotation first.
pub(crate) const RETIRED_SQL: &str = "SELECT r.endpoint_id, r.secret, r.signs_until \
     FROM webhook_retired_secrets r JOIN webhook_endpoints w ON w.id = r.endpoint_id \
     WHERE w.account_id = ?1 ORDER BY r.endpoint_id, r.id";

/// An account's outbox events, oldest first.
pub(crate) fn events_sql() -> String {
    format!(
        "SELECT {EVENT_COLUMNS} FROM webhook_events e WHERE e.account_id = ?1 \
         ORDER BY e.created_at, e.id"
    )
}

/// The deliveries to an account's endpoints, by id ([`DeliveryRow`]'s columns).
pub(crate) const DELIVERIES_SQL: &str = "SELECT d.id, d.event_id, d.endpoint_id, d.status, \
     d.attempts, d.next_attempt_at, d.last_status, d.last_error FROM webhook_deliveries d \
     JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE w.account_id = ?1 ORDER BY d.id";

/// The notices recorded for an account's profiles ([`notice_from_row`]'s columns).
pub(crate) const NOTICES_SQL: &str = "SELECT n.profile_key, n.platform, n.expires_at, \
     n.threshold, n.recorded_at FROM webhook_notices n \
     JOIN profiles p ON p.profile_key = n.profile_key WHERE p.account_id = ?1 \
     ORDER BY n.profile_key, n.platform, n.expires_at, n.threshold";

/// An endpoint written whole ([`EndpointValues`] after id, account, URL and description).
pub(crate) const INSERT_ENDPOINT_SQL: &str = "INSERT INTO webhook_endpoints (id, account_id, \
     url, events, description, secret, created_at, disabled_at, disabled_reason, \
     consecutive_failures) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/// A retired secret written as it was: endpoint id, sealed secret, instant (seconds).
pub(crate) const INSERT_RETIRED_SQL: &str = "INSERT INTO webhook_retired_secrets \
     (endpoint_id, secret, signs_until) VALUES (?1, ?2, ?3)";

/// A delivery written with its id, unleased; `overriding` is PostgreSQL's
/// `OVERRIDING SYSTEM VALUE` (its id is an identity column), empty on SQLite.
pub(crate) fn insert_delivery_sql(overriding: &str) -> String {
    format!(
        "INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, attempts, \
         next_attempt_at, last_status, last_error) {overriding} \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    )
}

/// A notice record written as it was.
pub(crate) const INSERT_NOTICE_SQL: &str = "INSERT INTO webhook_notices (profile_key, \
     platform, expires_at, threshold, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)";

/// `endpoint` with its current secret (sealed as stored) and its retired ones (from
/// [`RETIRED_SQL`]'s rows of every endpoint: endpoint id, sealed secret, instant) opened
/// with the source's key.
///
/// # Errors
/// `WrongSecretKey` when a secret does not open.
pub(crate) fn open_endpoint(
    cipher: &Cipher,
    endpoint: WebhookEndpoint,
    current: &[u8],
    retired: &[(String, Vec<u8>, i64)],
) -> Res<ExportedWebhookEndpoint> {
    let rows = retired
        .iter()
        .filter(|(id, _, _)| *id == endpoint.id)
        .map(|(_, sealed, until)| (sealed.clone(), *until))
        .collect();
    Ok(ExportedWebhookEndpoint {
        secret: cipher.open_secret(current, &secret_aad(&endpoint.id, "current"))?,
        retired_secrets: open_retired(cipher, &endpoint.id, rows)?,
        endpoint,
    })
}

/// The columns of an imported endpoint after its id, account, URL and description, its
/// secrets sealed with the destination's key, in [`INSERT_ENDPOINT_SQL`]'s order.
pub(crate) struct EndpointValues<'a> {
    pub(crate) events: String,
    pub(crate) secret: Vec<u8>,
    pub(crate) created_at: i64,
    pub(crate) disabled_at: Option<i64>,
    pub(crate) disabled_reason: Option<&'a str>,
    pub(crate) consecutive_failures: i64,
    /// The retired secrets, sealed, with their instants (seconds), for
    /// [`INSERT_RETIRED_SQL`], in the order they were retired.
    pub(crate) retired: Vec<(Vec<u8>, i64)>,
}

/// What [`INSERT_ENDPOINT_SQL`] writes of `e`, sealed with `cipher`.
pub(crate) fn endpoint_values<'a>(
    cipher: &Cipher,
    e: &'a ExportedWebhookEndpoint,
) -> Res<EndpointValues<'a>> {
    let id = &e.endpoint.id;
    let retired = e
        .retired_secrets
        .iter()
        .map(|(secret, until)| {
            Ok((
                cipher.seal_secret(secret, &secret_aad(id, RETIRED_SLOT))?,
                to_secs(*until),
            ))
        })
        .collect::<Res<_>>()?;
    let disabled = e.endpoint.disabled.as_ref();
    Ok(EndpointValues {
        events: events_to_db(&e.endpoint.events),
        secret: cipher.seal_secret(&e.secret, &secret_aad(id, "current"))?,
        retired,
        created_at: to_secs(e.endpoint.created_at),
        disabled_at: disabled.map(|d| to_secs(d.at)),
        disabled_reason: disabled.map(|d| d.reason.as_str()),
        consecutive_failures: i64::from(e.endpoint.consecutive_failures),
    })
}

/// A delivery row as both backends read it ([`DELIVERIES_SQL`]).
pub(crate) struct DeliveryRow {
    pub(crate) id: i64,
    pub(crate) event_id: String,
    pub(crate) endpoint_id: String,
    pub(crate) status: String,
    pub(crate) attempts: i64,
    pub(crate) next_attempt_at: i64,
    pub(crate) last_status: Option<i64>,
    pub(crate) last_error: Option<String>,
}

impl DeliveryRow {
    /// The delivery, its status and counts checked.
    pub(crate) fn into_export(self) -> Res<ExportedDelivery> {
        let invalid = |what: &str| StoreError::InvalidData(format!("a stored delivery's {what}"));
        Ok(ExportedDelivery {
            id: self.id,
            event_id: self.event_id,
            endpoint_id: self.endpoint_id,
            status: DeliveryStatus::parse(&self.status)?,
            attempts: u32::try_from(self.attempts).map_err(|_| invalid("attempts"))?,
            next_attempt_at: from_secs(self.next_attempt_at)?,
            last_status: self
                .last_status
                .map(u16::try_from)
                .transpose()
                .map_err(|_| invalid("status code"))?,
            last_error: self.last_error,
        })
    }
}

/// A notice from its columns ([`NOTICES_SQL`]): key, platform, expiry, threshold, record.
pub(crate) fn notice_from_row(
    key: &str,
    platform: &str,
    expires_at: i64,
    threshold: i64,
    recorded_at: i64,
) -> Res<ExportedNotice> {
    let invalid = |what: &str| StoreError::InvalidData(format!("a stored notice's {what}"));
    Ok(ExportedNotice {
        profile: super::rows::key_from_db(key)?,
        platform: Platform::parse(platform).map_err(|_| invalid("platform"))?,
        expires_at: from_secs(expires_at)?,
        threshold_secs: u64::try_from(threshold).map_err(|_| invalid("threshold"))?,
        recorded_at: from_secs(recorded_at)?,
    })
}

/// The account's webhooks; the caller holds the export's read transaction.
pub(crate) fn export(conn: &Connection, cipher: &Cipher, account: AccountId) -> Res<WebhookExport> {
    let mut out = WebhookExport::default();
    let mut st = conn.prepare(RETIRED_SQL).map_err(be)?;
    let retired: Vec<(String, Vec<u8>, i64)> = st
        .query_map([account.0], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(be)?
        .collect::<Result<_, _>>()
        .map_err(be)?;
    let mut st = conn.prepare(&endpoints_sql()).map_err(be)?;
    let mut rows = st.query([account.0]).map_err(be)?;
    while let Some(r) = rows.next().map_err(be)? {
        let current: Vec<u8> = r.get(9).map_err(be)?;
        out.endpoints
            .push(open_endpoint(cipher, endpoint_at(r)?, &current, &retired)?);
    }
    let mut st = conn.prepare(&events_sql()).map_err(be)?;
    let mut rows = st.query([account.0]).map_err(be)?;
    while let Some(r) = rows.next().map_err(be)? {
        out.events.push(event_at(r, 0)?);
    }
    let mut st = conn.prepare(DELIVERIES_SQL).map_err(be)?;
    let mut rows = st.query([account.0]).map_err(be)?;
    while let Some(r) = rows.next().map_err(be)? {
        let get = |i| r.get(i).map_err(be);
        out.deliveries.push(
            DeliveryRow {
                id: get(0)?,
                event_id: r.get(1).map_err(be)?,
                endpoint_id: r.get(2).map_err(be)?,
                status: r.get(3).map_err(be)?,
                attempts: get(4)?,
                next_attempt_at: get(5)?,
                last_status: r.get(6).map_err(be)?,
                last_error: r.get(7).map_err(be)?,
            }
            .into_export()?,
        );
    }
    let mut st = conn.prepare(NOTICES_SQL).map_err(be)?;
    let mut rows = st.query([account.0]).map_err(be)?;
    while let Some(r) = rows.next().map_err(be)? {
        let text = |i| r.get::<_, String>(i).map_err(be);
        let secs = |i| r.get::<_, i64>(i).map_err(be);
        out.notices.push(notice_from_row(
            &text(0)?,
            &text(1)?,
            secs(2)?,
            secs(3)?,
            secs(4)?,
        )?);
    }
    Ok(out)
}

/// Writes `webhooks` for `account` (the new account's id); the caller holds the import's
/// write transaction, and has written the profiles.
pub(crate) fn import(
    tx: &Connection,
    cipher: &Cipher,
    account: AccountId,
    webhooks: &WebhookExport,
) -> Res<()> {
    for e in &webhooks.endpoints {
        let v = endpoint_values(cipher, e)?;
        tx.prepare_cached(INSERT_ENDPOINT_SQL)
            .and_then(|mut s| {
                s.execute(params![
                    e.endpoint.id,
                    account.0,
                    e.endpoint.url,
                    v.events,
                    e.endpoint.description,
                    v.secret,
                    v.created_at,
                    v.disabled_at,
                    v.disabled_reason,
                    v.consecutive_failures,
                ])
            })
            .map_err(be)?;
        for (sealed, until) in &v.retired {
            tx.prepare_cached(INSERT_RETIRED_SQL)
                .and_then(|mut s| s.execute(params![e.endpoint.id, sealed, until]))
                .map_err(be)?;
        }
    }
    for event in &webhooks.events {
        insert_event(
            tx,
            &OutboxEvent {
                account,
                ..event.clone()
            },
        )?;
    }
    let insert = insert_delivery_sql("");
    for d in &webhooks.deliveries {
        tx.prepare_cached(&insert)
            .and_then(|mut s| {
                s.execute(params![
                    d.id,
                    d.event_id,
                    d.endpoint_id,
                    d.status.as_str(),
                    d.attempts,
                    to_secs(d.next_attempt_at),
                    d.last_status,
                    d.last_error,
                ])
            })
            .map_err(be)?;
    }
    for n in &webhooks.notices {
        tx.prepare_cached(INSERT_NOTICE_SQL)
            .and_then(|mut s| {
                s.execute(params![
                    n.profile.as_str(),
                    n.platform.as_str(),
                    to_secs(n.expires_at),
                    i64::try_from(n.threshold_secs).unwrap_or(i64::MAX),
                    to_secs(n.recorded_at),
                ])
            })
            .map_err(be)?;
    }
    Ok(())
}
