//! The webhook part of [`Transfer`](crate::Transfer) on PostgreSQL: the statements and row
//! conversions of `sqlite/webhook_transfer.rs` (parameters numbered `$n`), run inside the
//! export's snapshot and the import's transaction. Delivery ids are written as they were
//! (`OVERRIDING SYSTEM VALUE`), then the identity sequence is moved past the largest.

use super::webhooks::{endpoint_at, event_at, insert_event};
use super::{Db, db, stmt};
use crate::sqlite::crypto::Cipher;
use crate::sqlite::rows::to_secs;
use crate::sqlite::webhook_transfer::{
    DELIVERIES_SQL, DeliveryRow, INSERT_ENDPOINT_SQL, INSERT_NOTICE_SQL, INSERT_RETIRED_SQL,
    NOTICES_SQL, RETIRED_SQL, endpoint_values, endpoints_sql, events_sql, insert_delivery_sql,
    notice_from_row, open_endpoint,
};
use crate::transfer::WebhookExport;
use crate::webhooks::OutboxEvent;
use crate::{AccountId, StoreError};

type Res<T> = Result<T, StoreError>;

/// SQLite's `?n` parameters as PostgreSQL's `$n` (the shared statements hold no other `?`).
fn numbered(sql: &str) -> String {
    sql.replace('?', "$")
}

/// The account's webhooks; the caller holds the export's snapshot.
pub(crate) async fn export<C: Db>(
    c: &C,
    cipher: &Cipher,
    account: AccountId,
) -> Res<WebhookExport> {
    let id = &account.0;
    let mut out = WebhookExport::default();
    let retired: Vec<(String, Vec<u8>, i64)> = c
        .query(&numbered(RETIRED_SQL), &[id])
        .await
        .map_err(db)?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    for r in c
        .query(&numbered(&endpoints_sql()), &[id])
        .await
        .map_err(db)?
    {
        let current: Vec<u8> = r.get(9);
        out.endpoints
            .push(open_endpoint(cipher, endpoint_at(&r)?, &current, &retired)?);
    }
    for r in c.query(&numbered(&events_sql()), &[id]).await.map_err(db)? {
        out.events.push(event_at(&r, 0)?);
    }
    for r in c
        .query(&numbered(DELIVERIES_SQL), &[id])
        .await
        .map_err(db)?
    {
        out.deliveries.push(
            DeliveryRow {
                id: r.get(0),
                event_id: r.get(1),
                endpoint_id: r.get(2),
                status: r.get(3),
                attempts: r.get(4),
                next_attempt_at: r.get(5),
                last_status: r.get(6),
                last_error: r.get(7),
            }
            .into_export()?,
        );
    }
    for r in c.query(&numbered(NOTICES_SQL), &[id]).await.map_err(db)? {
        out.notices.push(notice_from_row(
            r.get(0),
            r.get(1),
            r.get(2),
            r.get(3),
            r.get(4),
        )?);
    }
    Ok(out)
}

/// Writes `webhooks` for `account` (the new account's id); the caller holds the import's
/// transaction, and has written the profiles.
pub(crate) async fn import<C: Db>(
    tx: &C,
    cipher: &Cipher,
    account: AccountId,
    webhooks: &WebhookExport,
) -> Res<()> {
    let insert = stmt(tx, &numbered(INSERT_ENDPOINT_SQL)).await?;
    let insert_retired = stmt(tx, &numbered(INSERT_RETIRED_SQL)).await?;
    for e in &webhooks.endpoints {
        let v = endpoint_values(cipher, e)?;
        tx.execute(
            &insert,
            &[
                &e.endpoint.id,
                &account.0,
                &e.endpoint.url,
                &v.events,
                &e.endpoint.description,
                &v.secret,
                &v.created_at,
                &v.disabled_at,
                &v.disabled_reason,
                &v.consecutive_failures,
            ],
        )
        .await
        .map_err(db)?;
        for (sealed, until) in &v.retired {
            tx.execute(&insert_retired, &[&e.endpoint.id, sealed, until])
                .await
                .map_err(db)?;
        }
    }
    for event in &webhooks.events {
        let event = OutboxEvent {
            account,
            ..event.clone()
        };
        insert_event(tx, &event).await?;
    }
    let insert = stmt(
        tx,
        &numbered(&insert_delivery_sql("OVERRIDING SYSTEM VALUE")),
    )
    .await?;
    for d in &webhooks.deliveries {
        tx.execute(
            &insert,
            &[
                &d.id,
                &d.event_id,
                &d.endpoint_id,
                &d.status.as_str(),
                &i64::from(d.attempts),
                &to_secs(d.next_attempt_at),
                &d.last_status.map(i64::from),
                &d.last_error,
            ],
        )
        .await
        .map_err(db)?;
    }
    if !webhooks.deliveries.is_empty() {
        // The next delivery made here gets an id above every one written (the destination
        // of a transfer is empty: nothing above them was handed out).
        tx.execute(
            "SELECT setval(pg_get_serial_sequence('webhook_deliveries', 'id'), max(id)) \
             FROM webhook_deliveries",
            &[],
        )
        .await
        .map_err(db)?;
    }
    let insert = stmt(tx, &numbered(INSERT_NOTICE_SQL)).await?;
    for n in &webhooks.notices {
        tx.execute(
            &insert,
            &[
                &n.profile.as_str(),
                &n.platform.as_str(),
                &to_secs(n.expires_at),
                &i64::try_from(n.threshold_secs).unwrap_or(i64::MAX),
                &to_secs(n.recorded_at),
            ],
        )
        .await
        .map_err(db)?;
    }
    Ok(())
}
