//! Accounts and API keys on PostgreSQL (the same rules as `sqlite/accounts.rs`).

use super::{Db, db, map_write_error, stmt};
use crate::sqlite::accounts::{
    KEY_DRAWS, check_revoke_prefix, digest, label_from_db, name_from_db, the_one_key,
};
use crate::sqlite::last_use::GRANULARITY_SECS;
use crate::sqlite::rows::{from_secs, to_secs};
use crate::{Account, AccountId, ApiKeyInfo, Conflict, Entity, StoreError};
use postcore_domain::{AccountName, ApiKey, KeyLabel, Timestamp};
use tokio_postgres::Row;

fn account_from_row(row: &Row) -> Result<Account, StoreError> {
    Ok(Account {
        id: AccountId(row.get(0)),
        name: name_from_db(row.get(1))?,
        created_at: from_secs(row.get(2))?,
    })
}

pub(crate) async fn create_account<C: Db>(
    c: &C,
    name: &AccountName,
    now: Timestamp,
) -> Result<Account, StoreError> {
    let row = c
        .query_one(
            &stmt(
                c,
                "INSERT INTO accounts (name, created_at) VALUES ($1, $2) RETURNING id",
            )
            .await?,
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

/// The account `name`, created at `now` when it does not exist; whether it was created.
/// Two concurrent callers (two servers' first start) both succeed: the second waits on
/// the first's insert (`ON CONFLICT DO NOTHING`), then finds its account.
pub(crate) async fn find_or_create_account<C: Db>(
    c: &C,
    name: &AccountName,
    now: Timestamp,
) -> Result<(Account, bool), StoreError> {
    let inserted = c
        .query_opt(
            &stmt(
                c,
                "INSERT INTO accounts (name, created_at) VALUES ($1, $2) \
                 ON CONFLICT (name) DO NOTHING RETURNING id",
            )
            .await?,
            &[&name.as_str(), &to_secs(now)],
        )
        .await
        .map_err(db)?;
    match inserted {
        Some(row) => Ok((
            Account {
                id: AccountId(row.get(0)),
                name: name.clone(),
                created_at: from_secs(to_secs(now))?,
            },
            true,
        )),
        None => Ok((find_account(c, name).await?, false)),
    }
}

pub(crate) async fn list_accounts<C: Db>(c: &C) -> Result<Vec<Account>, StoreError> {
    c.query(
        &stmt(c, "SELECT id, name, created_at FROM accounts ORDER BY name").await?,
        &[],
    )
    .await
    .map_err(db)?
    .iter()
    .map(account_from_row)
    .collect()
}

pub(crate) async fn find_account<C: Db>(c: &C, name: &AccountName) -> Result<Account, StoreError> {
    c.query_opt(
        &stmt(
            c,
            "SELECT id, name, created_at FROM accounts WHERE name = $1",
        )
        .await?,
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

pub(crate) async fn list_api_keys<C: Db>(
    c: &C,
    account: Option<AccountId>,
) -> Result<Vec<ApiKeyInfo>, StoreError> {
    let sql = format!(
        "SELECT {KEY_COLUMNS} FROM api_keys k JOIN accounts a ON a.id = k.account_id \
         WHERE ($1::BIGINT IS NULL OR k.account_id = $1) ORDER BY k.created_at, k.id"
    );
    c.query(&stmt(c, &sql).await?, &[&account.map(|a| a.0)])
        .await
        .map_err(db)?
        .iter()
        .map(key_from_row)
        .collect()
}

/// Makes a key for `account`; a display prefix already taken is drawn again.
pub(crate) async fn create_api_key<C: Db>(
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
pub(crate) async fn insert_api_key<C: Db>(
    c: &C,
    account: AccountId,
    key: &ApiKey,
    label: Option<&KeyLabel>,
    now: Timestamp,
) -> Result<ApiKeyInfo, StoreError> {
    let account_name: String = c
        .query_opt(
            &stmt(c, "SELECT name FROM accounts WHERE id = $1").await?,
            &[&account.0],
        )
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound(Entity::Account))?
        .get(0);
    let taken = c
        .query_opt(
            &stmt(c, "SELECT digest = $2 FROM api_keys WHERE prefix = $1").await?,
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
        &stmt(
            c,
            "INSERT INTO api_keys (account_id, digest, prefix, label, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
        )
        .await?,
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
pub(crate) async fn find_key<C: Db>(
    c: &C,
    key: &ApiKey,
    now: Timestamp,
) -> Result<Option<StoredKey>, StoreError> {
    let row = c
        .query_opt(
            &stmt(
                c,
                &format!("SELECT {STORED_KEY_COLUMNS} FROM api_keys k WHERE k.digest = $1"),
            )
            .await?,
            &[&digest(key)],
        )
        .await
        .map_err(db)?;
    Ok(row.map(|r| stored_key_at(&r, now)))
}

/// The columns of [`stored_key_at`], in order, of a key row `k`.
pub(crate) const STORED_KEY_COLUMNS: &str = "k.id, k.account_id, k.last_used_at, k.revoked_at";

/// A key as authentication needs it, from the columns of [`STORED_KEY_COLUMNS`] at 0..4.
pub(crate) fn stored_key_at(r: &Row, now: Timestamp) -> StoredKey {
    let last_used: Option<i64> = r.get(2);
    let revoked: Option<i64> = r.get(3);
    StoredKey {
        id: r.get(0),
        account: AccountId(r.get(1)),
        revoked: revoked.is_some(),
        stale_last_use: last_used.is_none_or(|t| to_secs(now) - t >= GRANULARITY_SECS),
    }
}

/// Records that key `id` authenticated a request at `secs` (never moving the time back).
pub(crate) async fn touch_key<C: Db>(c: &C, id: i64, secs: i64) -> Result<(), StoreError> {
    c.execute(
        &stmt(c, "UPDATE api_keys SET last_used_at = GREATEST(COALESCE(last_used_at, 0), $1) WHERE id = $2").await?,
        &[&secs, &id],
    )
    .await
    .map(drop)
    .map_err(db)
}

pub(crate) async fn revoke_api_key<C: Db>(
    c: &C,
    prefix: &str,
    now: Timestamp,
) -> Result<ApiKeyInfo, StoreError> {
    check_revoke_prefix(prefix)?;
    let ids: Vec<i64> = c
        .query(
            &stmt(
                c,
                "SELECT id FROM api_keys WHERE left(prefix, length($1::TEXT)) = $1::TEXT",
            )
            .await?,
            &[&prefix],
        )
        .await
        .map_err(db)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let id = the_one_key(&ids)?;
    let row = c
        .query_opt(
            &stmt(
                c,
                "UPDATE api_keys k SET revoked_at = COALESCE(k.revoked_at, $1) FROM accounts a \
             WHERE k.id = $2 AND a.id = k.account_id RETURNING k.account_id, a.name, k.prefix, \
             k.label, k.created_at, k.last_used_at, k.revoked_at",
            )
            .await?,
            &[&to_secs(now), &id],
        )
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound(Entity::ApiKey))?;
    key_from_row(&row)
}
