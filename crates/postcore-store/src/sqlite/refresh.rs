//! Token refresh on SQLite: candidates, a lease taken by compare-and-set (one refresher per
//! connection across every process on the database), and its three endings.

use super::connections::{
    STORED_COLUMN_COUNT, insert_or_renew, select_stored, stored_connection_at,
};
use super::crypto::Cipher;
use super::rows::{exclusive_bound_secs, to_secs};
use crate::{Credentials, RefreshCandidate, RefreshRelease, RefreshTarget, StoreError};
use postcore_domain::{Connection, Platform, Timestamp};
use rusqlite::{OptionalExtension, params};

/// Connections of `platform` with a refresh token, not marked, expiring before
/// `expiring_before`, neither leased nor backing off at `now`: soonest expiry first.
pub(crate) fn candidates(
    conn: &rusqlite::Connection,
    cipher: &Cipher,
    platform: Platform,
    expiring_before: Timestamp,
    now: Timestamp,
    limit: u32,
) -> Result<Vec<RefreshCandidate>, StoreError> {
    let sql = format!(
        "{} WHERE c.platform = ?1 AND c.refresh_token IS NOT NULL AND c.revoked = 0 \
         AND c.expires_at < ?2 \
         AND (c.refresh_not_before IS NULL OR c.refresh_not_before <= ?3) \
         AND (c.refresh_claimed_until IS NULL OR c.refresh_claimed_until <= ?3) \
         ORDER BY c.expires_at, p.profile_key LIMIT ?4",
        select_stored(", c.refresh_failures")
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(StoreError::backend)?;
    let mut rows = stmt
        .query(params![
            platform.as_str(),
            exclusive_bound_secs(expiring_before),
            to_secs(now),
            limit
        ])
        .map_err(StoreError::backend)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(StoreError::backend)? {
        out.push(RefreshCandidate {
            failures: row.get(STORED_COLUMN_COUNT).map_err(StoreError::backend)?,
            stored: stored_connection_at(row, cipher, platform)?,
        });
    }
    Ok(out)
}

/// The `WHERE` that finds the target's row as it was seen (same `connected_at`).
const TARGET: &str = "platform = ?1 AND connected_at = ?2 AND profile_id = \
     (SELECT id FROM profiles WHERE account_id = ?3 AND profile_key = ?4)";

/// Takes the lease until `until` when nobody holds it at `now` and the connection is as
/// seen; whether it was taken.
pub(crate) fn claim(
    conn: &rusqlite::Connection,
    t: &RefreshTarget,
    now: Timestamp,
    until: Timestamp,
) -> Result<bool, StoreError> {
    let sql = format!(
        "UPDATE connections SET refresh_claimed_until = ?5 WHERE {TARGET} \
         AND (refresh_claimed_until IS NULL OR refresh_claimed_until <= ?6)"
    );
    let n = conn
        .execute(
            &sql,
            params![
                t.platform.as_str(),
                to_secs(t.connected_at),
                t.account.0,
                t.profile_key.as_str(),
                to_secs(until),
                to_secs(now)
            ],
        )
        .map_err(StoreError::backend)?;
    Ok(n == 1)
}

/// Renews the leased connection with refreshed tokens (clearing the lease), when it is
/// still as seen and still leased; whether it did.
pub(crate) fn complete(
    conn: &rusqlite::Connection,
    cipher: &Cipher,
    t: &RefreshTarget,
    connection: &Connection,
    credentials: &Credentials,
) -> Result<bool, StoreError> {
    let sql = format!(
        "SELECT profile_id FROM connections WHERE {TARGET} AND refresh_claimed_until IS NOT NULL"
    );
    let profile: Option<i64> = conn
        .query_row(
            &sql,
            params![
                t.platform.as_str(),
                to_secs(t.connected_at),
                t.account.0,
                t.profile_key.as_str()
            ],
            |r| r.get(0),
        )
        .optional()
        .map_err(StoreError::backend)?;
    let Some(profile) = profile else {
        return Ok(false);
    };
    insert_or_renew(
        conn,
        cipher,
        profile,
        &t.profile_key,
        connection,
        credentials,
    )?;
    Ok(true)
}

/// Ends a lease without new tokens: a retry later, or a definite rejection.
pub(crate) fn release(
    conn: &rusqlite::Connection,
    t: &RefreshTarget,
    release: RefreshRelease,
) -> Result<bool, StoreError> {
    let (set, not_before) = release_assignments(release, "?5", "1");
    let sql = format!("UPDATE connections SET refresh_claimed_until = NULL, {set} WHERE {TARGET}");
    let n = conn
        .execute(
            &sql,
            params![
                t.platform.as_str(),
                to_secs(t.connected_at),
                t.account.0,
                t.profile_key.as_str(),
                not_before
            ],
        )
        .map_err(StoreError::backend)?;
    Ok(n == 1)
}

/// The `SET` assignments that end a lease without new tokens, and the value of their one
/// parameter (`placeholder`; `marked` is the backend's literal for a set revoked mark): a
/// retry backs off until an instant and counts a failure, a rejection marks the
/// connection (and clears the back-off).
pub(crate) fn release_assignments(
    release: RefreshRelease,
    placeholder: &str,
    marked: &str,
) -> (String, Option<i64>) {
    match release {
        RefreshRelease::RetryAfter(at) => (
            format!("refresh_not_before = {placeholder}, refresh_failures = refresh_failures + 1"),
            Some(to_secs(at)),
        ),
        RefreshRelease::Rejected => (
            format!("revoked = {marked}, refresh_not_before = {placeholder}"),
            None,
        ),
    }
}
