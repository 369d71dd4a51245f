//! Embedded migrations (`migrations/sqlite/`), applied on open; the SQLite version check.

use crate::StoreError;
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

/// The migrations, in order; version N is the first N applied (SQLite `user_version`).
const MIGRATIONS: &[M<'static>] = &[M::up(include_str!(
    "../../../../migrations/sqlite/0001_initial.sql"
))];

/// The schema version this build writes.
pub const LATEST_VERSION: usize = MIGRATIONS.len();

/// Oldest SQLite accepted: 3.51.3 fixes the WAL-reset corruption bug.
pub const MINIMUM_SQLITE_VERSION: (u32, u32, u32) = (3, 51, 3);

/// Refuses a linked SQLite older than [`MINIMUM_SQLITE_VERSION`].
pub(crate) fn check_sqlite_version(conn: &Connection) -> Result<(), StoreError> {
    let text: String = conn
        .query_row("SELECT sqlite_version()", [], |r| r.get(0))
        .map_err(StoreError::backend)?;
    let parts: Vec<u32> = text.split('.').filter_map(|p| p.parse().ok()).collect();
    let found = (
        parts.first().copied().unwrap_or(0),
        parts.get(1).copied().unwrap_or(0),
        parts.get(2).copied().unwrap_or(0),
    );
    if found < MINIMUM_SQLITE_VERSION {
        return Err(StoreError::Backend(format!(
            "SQLite {text} is too old: 3.51.3 or newer is required (WAL-reset corruption bug)"
        )));
    }
    Ok(())
}

/// The schema version recorded in the database.
pub(crate) fn current_version(conn: &Connection) -> Result<usize, StoreError> {
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(StoreError::backend)?;
    usize::try_from(v).map_err(|_| StoreError::InvalidData(format!("negative user_version {v}")))
}

/// Applies every missing migration, each in its own transaction. A database newer than
/// this build is refused before anything is written.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_to(conn, LATEST_VERSION)
}

/// Applies migrations up to `version` (tests build databases at earlier versions with it).
pub(crate) fn migrate_to(conn: &mut Connection, version: usize) -> Result<(), StoreError> {
    let found = current_version(conn)?;
    if found > LATEST_VERSION {
        return Err(StoreError::DatabaseTooNew {
            found,
            supported: LATEST_VERSION,
        });
    }
    if found < version {
        tracing::info!(from = found, to = version, "applying database migrations");
        Migrations::from_slice(MIGRATIONS)
            .to_version(conn, version)
            .map_err(|e| StoreError::Backend(format!("migration failed: {e}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(
            super::Migrations::from_slice(super::MIGRATIONS)
                .validate()
                .is_ok()
        );
    }
}
