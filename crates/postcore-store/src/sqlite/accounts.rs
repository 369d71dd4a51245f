//! Accounts and API keys on SQLite.

use super::last_use::GRANULARITY_SECS;
use super::rows::{from_secs, map_write_error, to_secs};
use crate::{Account, AccountId, ApiKeyInfo, Conflict, Entity, StoreError};
use postcore_domain::{AccountName, ApiKey, KeyLabel, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// Shortest prefix accepted by `revoke_api_key`: `pc_live_` + 2.
const MIN_REVOKE_PREFIX: usize = 10;

fn account_from_row(row: &rusqlite::Row<'_>) -> Result<Account, StoreError> {
    Ok(Account {
        id: AccountId(row.get(0).map_err(StoreError::backend)?),
        name: name_from_db(row.get(1).map_err(StoreError::backend)?)?,
        created_at: from_secs(row.get(2).map_err(StoreError::backend)?)?,
    })
}

pub(crate) fn name_from_db(text: String) -> Result<AccountName, StoreError> {
    AccountName::parse(&text)
        .map_err(|e| StoreError::InvalidData(format!("stored account name: {e}")))
}

pub(crate) fn label_from_db(text: Option<String>) -> Result<Option<KeyLabel>, StoreError> {
    text.map(|t| KeyLabel::parse(&t))
        .transpose()
        .map_err(|e| StoreError::InvalidData(format!("stored key label: {e}")))
}

pub(crate) fn create_account(
    conn: &Connection,
    name: &AccountName,
    now: Timestamp,
) -> Result<Account, StoreError> {
    conn.execute(
        "INSERT INTO accounts (name, created_at) VALUES (?1, ?2)",
        params![name.as_str(), to_secs(now)],
    )
    .map_err(|e| map_write_error(e, Conflict::AccountExists, Entity::Account))?;
    Ok(Account {
        id: AccountId(conn.last_insert_rowid()),
        name: name.clone(),
        created_at: from_secs(to_secs(now))?,
    })
}

pub(crate) fn list_accounts(conn: &Connection) -> Result<Vec<Account>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT id, name, created_at FROM accounts ORDER BY name")
        .map_err(StoreError::backend)?;
    let mut rows = stmt.query([]).map_err(StoreError::backend)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(StoreError::backend)? {
        out.push(account_from_row(row)?);
    }
    Ok(out)
}

pub(crate) fn find_account(conn: &Connection, name: &AccountName) -> Result<Account, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT id, name, created_at FROM accounts WHERE name = ?1")
        .map_err(StoreError::backend)?;
    let mut rows = stmt.query([name.as_str()]).map_err(StoreError::backend)?;
    match rows.next().map_err(StoreError::backend)? {
        Some(row) => account_from_row(row),
        None => Err(StoreError::NotFound(Entity::Account)),
    }
}

pub(crate) fn digest(key: &ApiKey) -> Vec<u8> {
    Sha256::digest(key.expose_secret().as_bytes()).to_vec()
}

const KEY_COLUMNS: &str =
    "k.account_id, a.name, k.prefix, k.label, k.created_at, k.last_used_at, k.revoked_at";

fn key_from_row(row: &rusqlite::Row<'_>) -> Result<ApiKeyInfo, StoreError> {
    let opt = |i: usize| -> Result<Option<Timestamp>, StoreError> {
        row.get::<_, Option<i64>>(i)
            .map_err(StoreError::backend)?
            .map(from_secs)
            .transpose()
    };
    Ok(ApiKeyInfo {
        account: AccountId(row.get(0).map_err(StoreError::backend)?),
        account_name: name_from_db(row.get(1).map_err(StoreError::backend)?)?,
        prefix: row.get(2).map_err(StoreError::backend)?,
        label: label_from_db(row.get(3).map_err(StoreError::backend)?)?,
        created_at: from_secs(row.get(4).map_err(StoreError::backend)?)?,
        last_used_at: opt(5)?,
        revoked_at: opt(6)?,
    })
}

fn query_keys(
    conn: &Connection,
    filter: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<ApiKeyInfo>, StoreError> {
    let sql = format!(
        "SELECT {KEY_COLUMNS} FROM api_keys k JOIN accounts a ON a.id = k.account_id {filter} ORDER BY k.created_at, k.id"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(StoreError::backend)?;
    let mut rows = stmt.query(params).map_err(StoreError::backend)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(StoreError::backend)? {
        out.push(key_from_row(row)?);
    }
    Ok(out)
}

/// Makes a key for `account` and returns it with what is kept of it, built from the
/// values just written (no read-back).
pub(crate) fn create_api_key(
    conn: &Connection,
    account: AccountId,
    label: Option<&KeyLabel>,
    now: Timestamp,
) -> Result<(ApiKey, ApiKeyInfo), StoreError> {
    // A new key whose display prefix is taken (about one in 57 billion per stored key) is
    // drawn again, so that every key stays revocable by its prefix.
    let mut tries = 0;
    loop {
        let key = ApiKey::generate();
        match insert_api_key(conn, account, &key, label, now) {
            Err(StoreError::Conflict(Conflict::KeyPrefixTaken)) if tries < KEY_DRAWS => {
                tries += 1;
            }
            result => return result.map(|info| (key, info)),
        }
    }
}

/// How many times a generated key whose display prefix is taken is drawn again.
pub(crate) const KEY_DRAWS: u32 = 8;

/// Stores the digest and display prefix of `key` for `account` and returns what is kept
/// of it (no read-back). A digest already stored (the same key, revoked or not) is
/// `Conflict(ApiKeyExists)`; a display prefix already stored `Conflict(KeyPrefixTaken)`
/// (keys are listed and revoked by it); an unknown account `NotFound(Account)`.
pub(crate) fn insert_api_key(
    conn: &Connection,
    account: AccountId,
    key: &ApiKey,
    label: Option<&KeyLabel>,
    now: Timestamp,
) -> Result<ApiKeyInfo, StoreError> {
    let account_name: String = conn
        .prepare_cached("SELECT name FROM accounts WHERE id = ?1")
        .and_then(|mut s| s.query_row([account.0], |r| r.get(0)).optional())
        .map_err(StoreError::backend)?
        .ok_or(StoreError::NotFound(Entity::Account))?;
    let prefix_taken = conn
        .prepare_cached("SELECT 1 FROM api_keys WHERE prefix = ?1")
        .and_then(|mut s| s.exists([key.display_prefix()]))
        .map_err(StoreError::backend)?;
    if prefix_taken {
        // The same key is ApiKeyExists; another key with its prefix, KeyPrefixTaken.
        let same_key = conn
            .prepare_cached("SELECT 1 FROM api_keys WHERE digest = ?1")
            .and_then(|mut s| s.exists([digest(key)]))
            .map_err(StoreError::backend)?;
        return Err(StoreError::Conflict(if same_key {
            Conflict::ApiKeyExists
        } else {
            Conflict::KeyPrefixTaken
        }));
    }
    conn.execute(
        "INSERT INTO api_keys (account_id, digest, prefix, label, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            account.0,
            digest(key),
            key.display_prefix(),
            label.map(KeyLabel::as_str),
            to_secs(now)
        ],
    )
    .map_err(|e| map_write_error(e, Conflict::ApiKeyExists, Entity::Account))?;
    Ok(ApiKeyInfo {
        account,
        account_name: name_from_db(account_name)?,
        prefix: key.display_prefix().to_owned(),
        label: label.cloned(),
        created_at: from_secs(to_secs(now))?,
        last_used_at: None,
        revoked_at: None,
    })
}

/// A stored API key as authentication needs it.
pub(crate) struct StoredKey {
    pub(crate) id: i64,
    pub(crate) account: AccountId,
    pub(crate) revoked: bool,
    /// Whether `last_used_at` is older than the granularity at `now` (or unset).
    pub(crate) stale_last_use: bool,
}

/// Looks a presented key up by its SHA-256 digest (a read).
pub(crate) fn find_key(
    conn: &Connection,
    key: &ApiKey,
    now: Timestamp,
) -> Result<Option<StoredKey>, StoreError> {
    let found: Option<(i64, i64, Option<i64>, Option<i64>)> = conn
        .prepare_cached(
            "SELECT id, account_id, last_used_at, revoked_at FROM api_keys WHERE digest = ?1",
        )
        .and_then(|mut s| {
            s.query_row([digest(key)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
        })
        .map_err(StoreError::backend)?;
    Ok(found.map(|(id, account, last_used, revoked)| StoredKey {
        id,
        account: AccountId(account),
        revoked: revoked.is_some(),
        stale_last_use: last_used.is_none_or(|t| to_secs(now) - t >= GRANULARITY_SECS),
    }))
}

/// Records that key `id` authenticated a request at `secs` (Unix seconds; a write, never
/// moving the time back).
pub(crate) fn touch_key(conn: &Connection, id: i64, secs: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?1) WHERE id = ?2",
    )
    .and_then(|mut s| s.execute(params![secs, id]))
    .map(drop)
    .map_err(StoreError::backend)
}

pub(crate) fn list_api_keys(
    conn: &Connection,
    account: Option<AccountId>,
) -> Result<Vec<ApiKeyInfo>, StoreError> {
    match account {
        Some(a) => query_keys(conn, "WHERE k.account_id = ?1", &[&a.0]),
        None => query_keys(conn, "", &[]),
    }
}

/// Refuses a revocation prefix shorter than [`MIN_REVOKE_PREFIX`] (`InvalidData`).
pub(crate) fn check_revoke_prefix(prefix: &str) -> Result<(), StoreError> {
    if prefix.len() < MIN_REVOKE_PREFIX {
        return Err(StoreError::InvalidData(format!(
            "give at least {MIN_REVOKE_PREFIX} characters of the key prefix (as `keys list` shows it)"
        )));
    }
    Ok(())
}

/// The one key id a revocation prefix matched: `NotFound(ApiKey)` for none,
/// `Conflict(AmbiguousKeyPrefix)` for several.
pub(crate) fn the_one_key(ids: &[i64]) -> Result<i64, StoreError> {
    match ids {
        [] => Err(StoreError::NotFound(Entity::ApiKey)),
        [id] => Ok(*id),
        _ => Err(StoreError::Conflict(Conflict::AmbiguousKeyPrefix)),
    }
}

pub(crate) fn revoke_api_key(
    conn: &Connection,
    prefix: &str,
    now: Timestamp,
) -> Result<ApiKeyInfo, StoreError> {
    check_revoke_prefix(prefix)?;
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT id FROM api_keys WHERE substr(prefix, 1, length(?1)) = ?1")
        .and_then(|mut s| s.query_map([prefix], |r| r.get(0))?.collect())
        .map_err(StoreError::backend)?;
    let id = the_one_key(&ids)?;
    // The updated row is the answer: RETURNING, not a second query.
    let mut stmt = conn
        .prepare_cached(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2 RETURNING \
             account_id, (SELECT name FROM accounts WHERE id = account_id), prefix, label, \
             created_at, last_used_at, revoked_at",
        )
        .map_err(StoreError::backend)?;
    let mut rows = stmt
        .query(params![to_secs(now), id])
        .map_err(StoreError::backend)?;
    match rows.next().map_err(StoreError::backend)? {
        Some(row) => key_from_row(row),
        None => Err(StoreError::NotFound(Entity::ApiKey)),
    }
}
