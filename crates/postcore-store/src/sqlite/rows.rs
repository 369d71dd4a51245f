//! Conversions between SQLite rows and domain types, and driver-error mapping.

use crate::{Conflict, Entity, StoreError};
use chrono::TimeZone;
use postcore_domain::{Connection, Platform, ProfileKey, ProfileName, Timestamp};
use rusqlite::{ErrorCode, Row};

/// Instants are stored as INTEGER Unix seconds (UTC): `t` truncated to its whole second.
/// Also the right bound for `column <= t` and `column > t` (for a whole-second column,
/// `column <= t` exactly when `column <= floor(t)`); a `column < t` bound takes
/// [`exclusive_bound_secs`].
pub(crate) fn to_secs(t: Timestamp) -> i64 {
    t.timestamp()
}

/// The bound `b` for `column < b` that keeps `column < t` exact when `t` has a fraction:
/// `t` rounded up to the next whole second. Truncating it would drop a row expiring at
/// 12:30:00 from a search for expiries before 12:30:00.5.
pub(crate) fn exclusive_bound_secs(t: Timestamp) -> i64 {
    t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)
}

pub(crate) fn from_secs(secs: i64) -> Result<Timestamp, StoreError> {
    chrono::Utc
        .timestamp_opt(secs, 0)
        .single()
        .ok_or_else(|| StoreError::InvalidData(format!("timestamp out of range: {secs}")))
}

pub(crate) fn key_from_db(text: &str) -> Result<ProfileKey, StoreError> {
    ProfileKey::parse(text).map_err(|e| StoreError::InvalidData(format!("stored profile key: {e}")))
}

pub(crate) fn name_from_db(text: Option<String>) -> Result<Option<ProfileName>, StoreError> {
    text.map(|t| ProfileName::parse(&t))
        .transpose()
        .map_err(|e| StoreError::InvalidData(format!("stored profile name: {e}")))
}

/// Columns of a connection row, in this order, starting at `base`:
/// platform, display_name, username, did, connected_at, expires_at, revoked.
pub(crate) const CONNECTION_COLUMNS: &str =
    "c.platform, c.display_name, c.username, c.did, c.connected_at, c.expires_at, c.revoked";

/// Reads a connection from the columns of [`CONNECTION_COLUMNS`] starting at `base`;
/// `Ok(None)` when the platform column is NULL (no connection in a LEFT JOIN).
pub(crate) fn connection_at(row: &Row<'_>, base: usize) -> Result<Option<Connection>, StoreError> {
    let platform: Option<String> = row.get(base).map_err(StoreError::backend)?;
    let Some(platform) = platform else {
        return Ok(None);
    };
    let platform = Platform::parse(&platform)
        .map_err(|e| StoreError::InvalidData(format!("stored platform: {e}")))?;
    let get_i64 = |i: usize| row.get::<_, i64>(base + i).map_err(StoreError::backend);
    let get_opt = |i: usize| {
        row.get::<_, Option<i64>>(base + i)
            .map_err(StoreError::backend)
    };
    let display: String = row.get(base + 1).map_err(StoreError::backend)?;
    let username: String = row.get(base + 2).map_err(StoreError::backend)?;
    let did: Option<String> = row.get(base + 3).map_err(StoreError::backend)?;
    let connected_at = from_secs(get_i64(4)?)?;
    let expires_at = get_opt(5)?.map(from_secs).transpose()?;
    let revoked = get_i64(6)? != 0;
    Ok(Some(
        Connection::new(platform, display, username, connected_at)
            .with_expires_at(expires_at)
            .with_did(did)
            .with_revoked(revoked),
    ))
}

/// Maps a uniqueness violation to `Conflict(conflict)` and a foreign-key violation to
/// `NotFound(missing)`; anything else is a backend error. The one place driver errors
/// become client errors.
pub(crate) fn map_write_error(
    e: rusqlite::Error,
    conflict: Conflict,
    missing: Entity,
) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && f.code == ErrorCode::ConstraintViolation
    {
        return match f.extended_code {
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => StoreError::Conflict(conflict),
            rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => StoreError::NotFound(missing),
            _ => StoreError::backend(e),
        };
    }
    StoreError::backend(e)
}
