//! OAuth on SQLite: single-use authorization states (by digest) and each account's
//! allow-list of return URLs.

use super::rows::{from_secs, key_from_db, map_write_error, to_secs};
use crate::{AccountId, Conflict, Entity, OAuthState, StoreError};
use postcore_domain::{Platform, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

/// Stores a new state. Errors: `NotFound(Account)`, `Conflict(OAuthStateExists)` for a
/// digest already pending (256 random bits never collide: this is a caller's bug).
pub(crate) fn save_state(conn: &Connection, s: &OAuthState) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO oauth_states (digest, account_id, platform, profile_key, return_url, \
         created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut st| {
        st.execute(params![
            &s.digest[..],
            s.account.0,
            s.platform.as_str(),
            s.profile_key.as_ref().map(|k| k.as_str()),
            s.return_url,
            to_secs(s.created_at),
            to_secs(s.expires_at)
        ])
    })
    .map_err(|e| map_write_error(e, Conflict::OAuthStateExists, Entity::Account))?;
    Ok(())
}

/// Deletes the state with `digest` and returns it unless it expired at `now`; expired
/// states are swept on the way. Single use: a second take finds nothing.
pub(crate) fn take_state(
    conn: &Connection,
    digest: &[u8; 32],
    now: Timestamp,
) -> Result<Option<OAuthState>, StoreError> {
    type Row = (i64, String, Option<String>, Option<String>, i64, i64);
    let row: Option<Row> = conn
        .prepare_cached(
            "DELETE FROM oauth_states WHERE digest = ?1 RETURNING account_id, platform, \
             profile_key, return_url, created_at, expires_at",
        )
        .and_then(|mut st| {
            st.query_row(params![&digest[..]], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .optional()
        })
        .map_err(StoreError::backend)?;
    conn.prepare_cached("DELETE FROM oauth_states WHERE expires_at <= ?1")
        .and_then(|mut st| st.execute(params![to_secs(now)]))
        .map_err(StoreError::backend)?;
    let Some((account, platform, key, return_url, created, expires)) = row else {
        return Ok(None);
    };
    if expires <= to_secs(now) {
        return Ok(None);
    }
    Ok(Some(OAuthState {
        digest: *digest,
        account: AccountId(account),
        platform: Platform::parse(&platform)
            .map_err(|e| StoreError::InvalidData(format!("stored platform: {e}")))?,
        profile_key: key.as_deref().map(key_from_db).transpose()?,
        return_url,
        created_at: from_secs(created)?,
        expires_at: from_secs(expires)?,
    }))
}

/// Adds `url` to the account's allow-list; `false` when it was there already.
pub(crate) fn allow_return_url(
    conn: &Connection,
    account: AccountId,
    url: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached(
            "INSERT INTO return_urls (account_id, url, created_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (account_id, url) DO NOTHING",
        )
        .and_then(|mut st| st.execute(params![account.0, url, to_secs(now)]))
        .map_err(|e| map_write_error(e, Conflict::OAuthStateExists, Entity::Account))?;
    Ok(n == 1)
}

/// Removes `url` from the account's allow-list. Errors: `NotFound(ReturnUrl)`.
pub(crate) fn remove_return_url(
    conn: &Connection,
    account: AccountId,
    url: &str,
) -> Result<(), StoreError> {
    let n = conn
        .prepare_cached("DELETE FROM return_urls WHERE account_id = ?1 AND url = ?2")
        .and_then(|mut st| st.execute(params![account.0, url]))
        .map_err(StoreError::backend)?;
    match n {
        0 => Err(StoreError::NotFound(Entity::ReturnUrl)),
        _ => Ok(()),
    }
}

/// The account's allowed return URLs, sorted.
pub(crate) fn return_urls(
    conn: &Connection,
    account: AccountId,
) -> Result<Vec<String>, StoreError> {
    let mut st = conn
        .prepare_cached("SELECT url FROM return_urls WHERE account_id = ?1 ORDER BY url")
        .map_err(StoreError::backend)?;
    let urls = st
        .query_map(params![account.0], |r| r.get(0))
        .and_then(|rows| rows.collect::<Result<Vec<String>, _>>())
        .map_err(StoreError::backend)?;
    Ok(urls)
}

/// Whether `url` is exactly on the account's allow-list.
pub(crate) fn is_return_url_allowed(
    conn: &Connection,
    account: AccountId,
    url: &str,
) -> Result<bool, StoreError> {
    conn.prepare_cached("SELECT 1 FROM return_urls WHERE account_id = ?1 AND url = ?2")
        .and_then(|mut st| st.exists(params![account.0, url]))
        .map_err(StoreError::backend)
}
