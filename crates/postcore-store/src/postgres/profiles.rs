//! Profiles on PostgreSQL: create, read with connections, keyset pages (filtered in SQL,
//! with the bounds and order of `sqlite/profiles.rs`), rename, delete.

use super::accounts::{STORED_KEY_COLUMNS, StoredKey, stored_key_at};
use super::{Db, db, map_write_error, stmt};
use crate::sqlite::accounts::digest;
use crate::sqlite::profiles::{FilterParam, filter_conditions};
use crate::sqlite::rows::{CONNECTION_COLUMNS, from_secs, key_from_db, name_from_db, to_secs};
use crate::{AccountId, Conflict, Entity, ProfileCursor, ProfileRecord, StoreError};
use postcore_domain::{
    ApiKey, Connection, Platform, Profile, ProfileFilter, ProfileKey, ProfileName, Timestamp,
};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

/// A connection from the columns of [`CONNECTION_COLUMNS`] starting at `base`; `None`
/// when the platform column is NULL (no connection in a LEFT JOIN).
pub(crate) fn connection_at(row: &Row, base: usize) -> Result<Option<Connection>, StoreError> {
    let Some(platform) = row.get::<_, Option<String>>(base) else {
        return Ok(None);
    };
    let platform = Platform::parse(&platform)
        .map_err(|e| StoreError::InvalidData(format!("stored platform: {e}")))?;
    let expires_at = row
        .get::<_, Option<i64>>(base + 5)
        .map(from_secs)
        .transpose()?;
    Ok(Some(
        Connection::new(
            platform,
            row.get::<_, String>(base + 1),
            row.get::<_, String>(base + 2),
            from_secs(row.get(base + 4))?,
        )
        .with_expires_at(expires_at)
        .with_did(row.get(base + 3))
        .with_revoked(row.get(base + 6)),
    ))
}

/// The internal row id of a profile of `account`; `NotFound(Profile)` for another
/// account's key exactly as for an unknown one.
pub(crate) async fn profile_id<C: Db>(
    c: &C,
    account: AccountId,
    key: &ProfileKey,
) -> Result<i64, StoreError> {
    c.query_opt(
        &stmt(
            c,
            "SELECT id FROM profiles WHERE account_id = $1 AND profile_key = $2",
        )
        .await?,
        &[&account.0, &key.as_str()],
    )
    .await
    .map_err(db)?
    .map(|r| r.get(0))
    .ok_or(StoreError::NotFound(Entity::Profile))
}

pub(crate) async fn create_profile<C: Db>(
    c: &C,
    account: AccountId,
    key: Option<ProfileKey>,
    name: Option<ProfileName>,
    now: Timestamp,
) -> Result<Profile, StoreError> {
    let key = key.unwrap_or_else(ProfileKey::generate);
    let profile = Profile::new(key, name, from_secs(to_secs(now))?);
    insert_profile(c, account, &profile).await?;
    Ok(profile)
}

/// Inserts one profile row; returns its row id. `Conflict(ProfileKeyExists)` when the key
/// exists (in any account), `NotFound(Account)` for an unknown account.
pub(crate) async fn insert_profile<C: Db>(
    c: &C,
    account: AccountId,
    p: &Profile,
) -> Result<i64, StoreError> {
    insert_profile_if_new(c, account, p)
        .await?
        .ok_or(StoreError::Conflict(Conflict::ProfileKeyExists))
}

/// Inserts one profile row unless its key exists (in any account); its row id, or `None`
/// when the key was taken, by this import's account or another (the caller tells which).
/// A concurrent import of the same key waits for the other's commit, then finds it taken.
pub(crate) async fn insert_profile_if_new<C: Db>(
    c: &C,
    account: AccountId,
    p: &Profile,
) -> Result<Option<i64>, StoreError> {
    let row = c
        .query_opt(
            &stmt(
                c,
                "INSERT INTO profiles (account_id, profile_key, name, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (profile_key) DO NOTHING RETURNING id",
            )
            .await?,
            &[
                &account.0,
                &p.key().as_str(),
                &p.name().map(ProfileName::as_str),
                &to_secs(p.created_at()),
            ],
        )
        .await
        .map_err(|e| map_write_error(e, Conflict::ProfileKeyExists, Entity::Account))?;
    Ok(row.map(|r| r.get(0)))
}

/// The profile of rows `(profile_key, name, created_at)` at columns 0..3.
fn profile_at(row: &Row) -> Result<Profile, StoreError> {
    Ok(Profile::new(
        key_from_db(row.get(0))?,
        name_from_db(row.get(1))?,
        from_secs(row.get(2))?,
    ))
}

/// Profiles joined with their connections, one row per (profile, connection); `page_cte`
/// picks and orders the profiles (columns `id, profile_key, name, created_at`).
async fn query_records<C: Db>(
    c: &C,
    page_cte: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<ProfileRecord>, StoreError> {
    // The connections of each profile of the page through the `(profile_id, platform)`
    // index, whatever the statistics say: a plain join let a generic plan (or one made on
    // statistics of freshly loaded tables) hash every connection of the database for one
    // page (22 ms instead of 0.4 ms for 100 profiles among 100,000). The LIMIT (one row
    // per platform at most, by the unique key) keeps the planner from flattening the
    // LATERAL subquery into that join.
    let per_profile = Platform::ALL.len();
    let sql = format!(
        "WITH page AS ({page_cte}) \
         SELECT page.profile_key, page.name, page.created_at, {CONNECTION_COLUMNS} \
         FROM page LEFT JOIN LATERAL (\
             SELECT * FROM connections x WHERE x.profile_id = page.id \
             ORDER BY x.platform LIMIT {per_profile}) c ON TRUE \
         ORDER BY page.created_at, page.profile_key, c.platform"
    );
    let rows = c.query(&stmt(c, &sql).await?, params).await.map_err(db)?;
    let mut out: Vec<ProfileRecord> = Vec::new();
    for row in &rows {
        let key: &str = row.get(0);
        if out.last().is_none_or(|r| r.profile.key().as_str() != key) {
            out.push(ProfileRecord {
                profile: profile_at(row)?,
                connections: Vec::new(),
            });
        }
        if let Some(conn) = connection_at(row, 3)? {
            out.last_mut().expect("pushed above").connections.push(conn);
        }
    }
    Ok(out)
}

/// [`profile_record`] of the account of `api_key`, with the key as authentication needs
/// it, in one statement (one round trip: the server's hot path). `(None, _)` for an
/// unknown key; `(Some(key), None)` for a revoked one; else the record or
/// `NotFound(Profile)`.
pub(crate) async fn profile_record_as<C: Db>(
    c: &C,
    api_key: &ApiKey,
    now: Timestamp,
    key: &ProfileKey,
) -> Result<(Option<StoredKey>, Option<Result<ProfileRecord, StoreError>>), StoreError> {
    let sql = format!(
        "SELECT {STORED_KEY_COLUMNS}, p.profile_key, p.name, p.created_at, {CONNECTION_COLUMNS} \
         FROM api_keys k \
         LEFT JOIN profiles p ON k.revoked_at IS NULL AND p.account_id = k.account_id \
             AND p.profile_key = $2 \
         LEFT JOIN connections c ON c.profile_id = p.id \
         WHERE k.digest = $1 ORDER BY c.platform"
    );
    let rows = c
        .query(&stmt(c, &sql).await?, &[&digest(api_key), &key.as_str()])
        .await
        .map_err(db)?;
    let Some(first) = rows.first() else {
        return Ok((None, None));
    };
    let found = stored_key_at(first, now);
    if found.revoked {
        return Ok((Some(found), None));
    }
    let Some(profile_key) = first.get::<_, Option<&str>>(4) else {
        return Ok((
            Some(found),
            Some(Err(StoreError::NotFound(Entity::Profile))),
        ));
    };
    let record = (|| {
        let profile = Profile::new(
            key_from_db(profile_key)?,
            name_from_db(first.get(5))?,
            from_secs(first.get(6))?,
        );
        let mut connections = Vec::new();
        for row in &rows {
            connections.extend(connection_at(row, 7)?);
        }
        Ok(ProfileRecord {
            profile,
            connections,
        })
    })();
    Ok((Some(found), Some(record)))
}

pub(crate) async fn profile_record<C: Db>(
    c: &C,
    account: AccountId,
    key: &ProfileKey,
) -> Result<ProfileRecord, StoreError> {
    query_records(
        c,
        "SELECT id, profile_key, name, created_at FROM profiles \
         WHERE account_id = $1 AND profile_key = $2",
        &[&account.0, &key.as_str()],
    )
    .await?
    .pop()
    .ok_or(StoreError::NotFound(Entity::Profile))
}

/// A keyset page of every profile after `after`, in one statement.
pub(crate) async fn list_page<C: Db>(
    c: &C,
    account: AccountId,
    after: Option<&ProfileCursor>,
    limit: u32,
) -> Result<Vec<ProfileRecord>, StoreError> {
    list_filtered_page(c, account, &ProfileFilter::default(), None, after, limit).await
}

/// A keyset page of the profiles that `filter` selects at `now` (the rule of
/// [`ProfileFilter::matches`]), in one statement. The instants are bound as on SQLite, so
/// whole-second columns give the rule's answer to the nanosecond: `now ≥ expiresAt` is
/// `expires_at <= floor(now)`, and `daysUntilExpiry ≤ n` is
/// `expires_at < ceil(expiring_before(now, n))`. `now` is `None` only for
/// [`ProfileFilter::is_everything`].
pub(crate) async fn list_filtered_page<C: Db>(
    c: &C,
    account: AccountId,
    filter: &ProfileFilter,
    now: Option<Timestamp>,
    after: Option<&ProfileCursor>,
    limit: u32,
) -> Result<Vec<ProfileRecord>, StoreError> {
    let (from_at, from_key) = after.map_or((i64::MIN, String::new()), |c| {
        (to_secs(c.created_at), c.key.as_str().to_owned())
    });
    let mut values: Vec<Box<dyn ToSql + Sync + Send>> = vec![
        Box::new(account.0),
        Box::new(from_at),
        Box::new(from_key),
        Box::new(i64::from(limit)),
    ];
    let conditions = match now {
        Some(now) => filter_conditions(filter, now, "c.revoked", &mut |param| {
            let cast = match param {
                FilterParam::Text(text) => {
                    values.push(Box::new(text));
                    "TEXT"
                }
                FilterParam::Integer(n) => {
                    values.push(Box::new(n));
                    "BIGINT"
                }
            };
            format!("${}::{cast}", values.len())
        }),
        None => String::new(),
    };
    let page = format!(
        "SELECT p.id, p.profile_key, p.name, p.created_at FROM profiles p \
         WHERE p.account_id = $1 AND (p.created_at, p.profile_key) > ($2, $3::TEXT){conditions} \
         ORDER BY p.created_at, p.profile_key LIMIT $4"
    );
    let params: Vec<&(dyn ToSql + Sync)> =
        values.iter().map(|v| &**v as &(dyn ToSql + Sync)).collect();
    query_records(c, &page, &params).await
}

pub(crate) async fn rename_profile<C: Db>(
    c: &C,
    account: AccountId,
    key: &ProfileKey,
    name: Option<ProfileName>,
) -> Result<Profile, StoreError> {
    let created_at: i64 = c
        .query_opt(
            &stmt(
                c,
                "UPDATE profiles SET name = $1 WHERE account_id = $2 AND profile_key = $3 \
             RETURNING created_at",
            )
            .await?,
            &[
                &name.as_ref().map(ProfileName::as_str),
                &account.0,
                &key.as_str(),
            ],
        )
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound(Entity::Profile))?
        .get(0);
    Ok(Profile::new(key.clone(), name, from_secs(created_at)?))
}

pub(crate) async fn delete_profile<C: Db>(
    c: &C,
    account: AccountId,
    key: &ProfileKey,
    now: Timestamp,
) -> Result<(), StoreError> {
    // Connections (and their sealed secrets) go with the row: ON DELETE CASCADE.
    let row = c
        .query_opt(
            &stmt(
                c,
                "DELETE FROM profiles WHERE account_id = $1 AND profile_key = $2 \
                 RETURNING name, created_at",
            )
            .await?,
            &[&account.0, &key.as_str()],
        )
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound(Entity::Profile))?;
    let profile = Profile::new(
        key.clone(),
        name_from_db(row.get(0))?,
        from_secs(row.get(1))?,
    );
    super::webhooks::enqueue(
        c,
        account,
        crate::webhooks::WebhookEventKind::ProfileDeleted,
        now,
        None,
        None,
        crate::webhooks::EventSnapshot::Profile(profile),
    )
    .await
    .map(drop)
}

/// Which account owns `key`, if any profile has it.
pub(crate) async fn owner_of<C: Db>(
    c: &C,
    key: &ProfileKey,
) -> Result<Option<AccountId>, StoreError> {
    Ok(c.query_opt(
        &stmt(c, "SELECT account_id FROM profiles WHERE profile_key = $1").await?,
        &[&key.as_str()],
    )
    .await
    .map_err(db)?
    .map(|r| AccountId(r.get(0))))
}
