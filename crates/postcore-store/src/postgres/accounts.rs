//! Accounts and API keys on PostgreSQL (the same rules as `sqlite/accounts.rs`).

use super::{db, map_write_error};
use crate::sqlite::accounts::{KEY_DRAWS, MIN_REVOKE_PREFIX, digest, label_from_db, name_from_db};
use crate::sqlite::last_use::GRANULARITY_SECS;
use crate::sqlite::rows::{from_secs, to_secs};
use crate::{Account, AccountId, ApiKeyInfo, Conflict, Entity, StoreError};
use postcore_domain::{AccountName, ApiKey, KeyLabel, Timestamp};
use tokio_postgres::{GenericClient, Row};

fn account_from_row(row: &Row) -> Result<Account, StoreError> {
    Ok(Account {
        id: AccountId(row.get(0)),
        name: name_from_db(row.get(1))?,
        created_at: from_secs(row.get(2))?,
    })
}

pub(crate) async fn create_account<C: GenericClient + Sync>(
    c: &C,
    name: &AccountName,
    now: Timestamp,
) -> Result<Account, StoreError> {
    let row = c
        .query_one(
            "INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id",
            &[&name.as_str(), &to_secs(now)],
        )
        .await
        .map_err(|e| map_write_error(e, Conflict::AccountExists, Entity::Account))?;
    Ok(Account {
        id: AccountId(row.get(0)),
        name: name.clone(),
        created_at: from_secs(to_secs(now))?,
    })
}

pub(crate) async fn list_accounts<C: GenericClient + Sync>(
    c: &C,
) -> Result<Vec<Account>, StoreError> {
    c.query(
        "SELECT id, name, created_at FROM accounts ORDER BY name",
        &[],
    )
    .await
    .map_err(db)?
    .iter()
    .map(account_from_row)
    .collect()
}

pub(crate) async fn find_account<C: GenericClient + Sync>(
    c: &C,
    name: &AccountName,
) -> Result<Account, StoreError> {
    c.query_opt(
        "SELECT id, name, created_at FROM accounts WHERE name = $1",
        &[&name.as_str()],
    )
    .await
    .map_err(db)?
    .map_or(Err(StoreError::NotFound(Entity::Account)), |r| {
        account_from_row(&r)
    })
}

const KEY_COLUMNS: &str =
    "k.account_id, a.name, k.prefix, k.label, k.created_at, k.last_used_at, k.revoked_at";

fn key_from_row(row: &Row) -> Result<ApiKeyInfo, StoreError> {
    let opt = |i: usize| row.get::<_, Option<i64>>(i).map(from_secs).transpose();
    Ok(ApiKeyInfo {
        account: AccountId(row.get(0)),
        account_name: name_from_db(row.get(1))?,
        prefix: row.get(2),
        label: label_from_db(row.get(3))?,
        created_at: from_secs(row.get(4))?,
        last_used_at: opt(5)?,
        revoked_at: opt(6)?,
    })
}

pub(crate) async fn list_api_keys<C: GenericClient + Sync>(
    c: &C,
    account: Option<AccountId>,
) -> Result<Vec<ApiKeyInfo>, StoreError> {
    let sql = format!(
        "SELECT {KEY_COLUMNS} FROM api_keys k JOIN accounts a ON a.id = k.account_id \
         WHERE ($1::BIGINT IS NULL OR k.account_id = $1) ORDER BY k.created_at, k.id"
    );
    c.query(&sql, &[&account.map(|a| a.0)])
        .await
        .map_err(db)?
        .iter()
        .map(key_from_row)
        .collect()
}

/// Makes a key for `account`; a display prefix already taken is drawn again.
pub(crate) async fn create_api_key<C: GenericClient + Sync>(
    c: &C,
    account: AccountId,
    label: Option<&KeyLabel>,
    now: Timestamp,
) -> Result<(ApiKey, ApiKeyInfo), StoreError> {
    let mut tries = 0;
    loop {
        let key = ApiKey::generate();
        match insert_api_key(c, account, &key, label, now).await {
            Err(StoreError::Conflict(Conflict::KeyPrefixTaken)) if tries < KEY_DRAWS => {
                tries += 1;
            }
            result => return result.map(|info| (key, info)),
        }
    }
}

/// Stores the digest and display prefix of `key` for `account` (see the SQLite twin):
/// `Conflict(ApiKeyExists)` for a stored digest, `Conflict(KeyPrefixTaken)` for a stored
/// prefix, `NotFound(Account)`. Checked before the insert, so that a refusal leaves the
/// caller's transaction usable (a failed statement would abort it).
pub(crate) async fn insert_api_key<C: GenericClient + Sync>(
    c: &C,
    account: AccountId,
    key: &ApiKey,
    label: Option<&KeyLabel>,
    now: Timestamp,
) -> Result<ApiKeyInfo, StoreError> {
    let account_name: String = c
        .query_opt("SELECT name FROM accounts WHERE id = $1", &[&account.0])
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound(Entity::Account))?
        .get(0);
    let taken = c
        .query_opt(
            "SELECT digest = $2 FROM api_keys WHERE prefix = $1",
            &[&key.display_prefix(), &digest(key)],
        )
        .await
        .map_err(db)?;
    if let Some(row) = taken {
        return Err(StoreError::Conflict(if row.get(0) {
            Conflict::ApiKeyExists
        } else {
            Conflict::KeyPrefixTaken
        }));
    }
    c.execute(
        "INSERT INTO api_keys (account_id, digest, prefix, label, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &account.0,
            &digest(key),
            &key.display_prefix(),
            &label.map(KeyLabel::as_str),
            &to_secs(now),
        ],
    )
    .await
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

pub(crate) use crate::sqlite::accounts::StoredKey;

/// Looks a presented key up by its SHA-256 digest (a read).
pub(crate) async fn find_key<C: GenericClient + Sync>(
    c: &C,
    key: &ApiKey,
    now: Timestamp,
) -> Result<Option<StoredKey>, StoreError> {
    let row = c
        .query_opt(
            "SELECT id, account_id, last_used_at, revoked_at FROM api_keys WHERE digest = $1",
            &[&digest(key)],
        )
        .await
        .map_err(db)?;
    Ok(row.map(|r| {
        let last_used: Option<i64> = r.get(2);
        let revoked: Option<i64> = r.get(3);
        StoredKey {
            id: r.get(0),
            account: AccountId(r.get(1)),
            revoked: revoked.is_some(),
            stale_last_use: last_used.is_none_or(|t| to_secs(now) - t >= GRANULARITY_SECS),
        }
    }))
}

/// Records that key `id` authenticated a request at `secs` (never moving the time back).
pub(crate) async fn touch_key<C: GenericClient + Sync>(
    c: &C,
    id: i64,
    secs: i64,
) -> Result<(), StoreError> {
    c.execute(
        "UPDATE api_keys SET last_used_at = GREATEST(COALESCE(last_used_at, 0), $1) WHERE id = $2",
        &[&secs, &id],
    )
    .await
    .map(drop)
    .map_err(db)
}

pub(crate) async fn revoke_api_key<C: GenericClient + Sync>(
    c: &C,
    prefix: &str,
    now: Timestamp,
) -> Result<ApiKeyInfo, StoreError> {
    if prefix.len() < MIN_REVOKE_PREFIX {
        return Err(StoreError::InvalidData(format!(
            "give at least {MIN_REVOKE_PREFIX} characters of the key prefix (as `keys list` shows it)"
        )));
    }
    let ids: Vec<i64> = c
        .query(
            "SELECT id FROM api_keys WHERE left(prefix, length($1::TEXT)) = $1::TEXT",
            &[&prefix],
        )
        .await
        .map_err(db)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let id = match ids.as_slice() {
        [] => return Err(StoreError::NotFound(Entity::ApiKey)),
        [id] => *id,
        _ => return Err(StoreError::Conflict(Conflict::AmbiguousKeyPrefix)),
    };
    let row = c
        .query_opt(
            "UPDATE api_keys k SET revoked_at = COALESCE(k.revoked_at, $1) FROM accounts a \
             WHERE k.id = $2 AND a.id = k.account_id RETURNING k.account_id, a.name, k.prefix, \
             k.label, k.created_at, k.last_used_at, k.revoked_at",
            &[&to_secs(now), &id],
        )
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound(Entity::ApiKey))?;
    key_from_row(&row)
}
