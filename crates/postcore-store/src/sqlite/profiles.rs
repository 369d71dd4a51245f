//! Profiles on SQLite: create, read (with connections, no N+1), keyset pages (filtered in
//! SQL), rename, delete.

use super::rows::{
    CONNECTION_COLUMNS, connection_at, exclusive_bound_secs, from_secs, key_from_db,
    map_write_error, name_from_db, to_secs,
};
use crate::{AccountId, Conflict, Entity, ProfileCursor, ProfileRecord, StoreError};
use postcore_domain::{Profile, ProfileFilter, ProfileKey, ProfileName, Timestamp, expiry};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

/// The internal row id of a profile of `account`; `NotFound(Entity::Profile)` for another
/// account's key, exactly as for an unknown one.
pub(crate) fn profile_id(
    conn: &Connection,
    account: AccountId,
    key: &ProfileKey,
) -> Result<i64, StoreError> {
    conn.prepare_cached("SELECT id FROM profiles WHERE account_id = ?1 AND profile_key = ?2")
        .and_then(|mut s| {
            s.query_row(params![account.0, key.as_str()], |r| r.get(0))
                .optional()
        })
        .map_err(StoreError::backend)?
        .ok_or(StoreError::NotFound(Entity::Profile))
}

pub(crate) fn create_profile(
    conn: &Connection,
    account: AccountId,
    key: Option<ProfileKey>,
    name: Option<ProfileName>,
    now: Timestamp,
) -> Result<Profile, StoreError> {
    let key = key.unwrap_or_else(ProfileKey::generate);
    // Stored in whole seconds: the profile returned is exactly the one a read gives.
    let profile = Profile::new(key, name, from_secs(to_secs(now))?);
    insert_profile(conn, account, &profile)?;
    Ok(profile)
}

/// Inserts one profile row; returns its row id.
pub(crate) fn insert_profile(
    conn: &Connection,
    account: AccountId,
    p: &Profile,
) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO profiles (account_id, profile_key, name, created_at) VALUES (?1, ?2, ?3, ?4)",
    )
    .and_then(|mut s| {
        s.execute(params![
            account.0,
            p.key().as_str(),
            p.name().map(ProfileName::as_str),
            to_secs(p.created_at())
        ])
    })
    .map_err(|e| map_write_error(e, Conflict::ProfileKeyExists, Entity::Account))?;
    Ok(conn.last_insert_rowid())
}

/// Profiles joined with their connections, one row per (profile, connection); the caller's
/// `page` CTE picks and orders the profiles.
fn query_records(
    conn: &Connection,
    page_cte: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<ProfileRecord>, StoreError> {
    let sql = format!(
        "WITH page AS ({page_cte}) \
         SELECT page.profile_key, page.name, page.created_at, {CONNECTION_COLUMNS} \
         FROM page LEFT JOIN connections c ON c.profile_id = page.id \
         ORDER BY page.created_at, page.profile_key, c.platform"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(StoreError::backend)?;
    let mut rows = stmt.query(params).map_err(StoreError::backend)?;
    let mut out: Vec<ProfileRecord> = Vec::new();
    while let Some(row) = rows.next().map_err(StoreError::backend)? {
        let key: String = row.get(0).map_err(StoreError::backend)?;
        if out.last().is_none_or(|r| r.profile.key().as_str() != key) {
            let profile = Profile::new(
                key_from_db(&key)?,
                name_from_db(row.get(1).map_err(StoreError::backend)?)?,
                from_secs(row.get(2).map_err(StoreError::backend)?)?,
            );
            out.push(ProfileRecord {
                profile,
                connections: Vec::new(),
            });
        }
        if let Some(c) = connection_at(row, 3)? {
            out.last_mut().expect("pushed above").connections.push(c);
        }
    }
    Ok(out)
}

pub(crate) fn profile_record(
    conn: &Connection,
    account: AccountId,
    key: &ProfileKey,
) -> Result<ProfileRecord, StoreError> {
    query_records(
        conn,
        "SELECT id, profile_key, name, created_at FROM profiles WHERE account_id = ?1 AND profile_key = ?2",
        &[&account.0, &key.as_str()],
    )?
    .pop()
    .ok_or(StoreError::NotFound(Entity::Profile))
}

/// A keyset page in two sequential index reads: the profiles after `after` (from the
/// profile-order index, which carries the name), then their connections (one range of the
/// connections' listing-order index, migration 0002), merged in order. No table row and no
/// random lookup is read, however the profiles' keys are spread.
pub(crate) fn list_page(
    conn: &Connection,
    account: AccountId,
    after: Option<&ProfileCursor>,
    limit: u32,
) -> Result<Vec<ProfileRecord>, StoreError> {
    // Before every real (created_at, key): the start of the account.
    let (from_at, from_key) =
        after.map_or((i64::MIN, ""), |c| (to_secs(c.created_at), c.key.as_str()));
    let mut page: Vec<ProfileRecord> = Vec::with_capacity(limit as usize);
    {
        let mut stmt = conn
            .prepare_cached(
                "SELECT profile_key, name, created_at FROM profiles \
                 WHERE account_id = ?1 AND (created_at, profile_key) > (?2, ?3) \
                 ORDER BY created_at, profile_key LIMIT ?4",
            )
            .map_err(StoreError::backend)?;
        let mut rows = stmt
            .query(params![account.0, from_at, from_key, limit])
            .map_err(StoreError::backend)?;
        while let Some(row) = rows.next().map_err(StoreError::backend)? {
            let key: String = row.get(0).map_err(StoreError::backend)?;
            page.push(ProfileRecord {
                profile: Profile::new(
                    key_from_db(&key)?,
                    name_from_db(row.get(1).map_err(StoreError::backend)?)?,
                    from_secs(row.get(2).map_err(StoreError::backend)?)?,
                ),
                connections: Vec::new(),
            });
        }
    }
    let Some(last) = page.last() else {
        return Ok(page);
    };
    let (to_at, to_key) = (
        to_secs(last.profile.created_at()),
        last.profile.key().to_string(),
    );
    let sql = format!(
        "SELECT c.profile_key, {CONNECTION_COLUMNS} FROM connections c \
         WHERE c.account_id = ?1 AND (c.profile_created_at, c.profile_key) > (?2, ?3) \
         AND (c.profile_created_at, c.profile_key) <= (?4, ?5) \
         ORDER BY c.profile_created_at, c.profile_key, c.platform"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(StoreError::backend)?;
    let mut rows = stmt
        .query(params![account.0, from_at, from_key, to_at, to_key])
        .map_err(StoreError::backend)?;
    let mut at = 0;
    while let Some(row) = rows.next().map_err(StoreError::backend)? {
        let key = row.get_ref(0).map_err(StoreError::backend)?;
        let key = key.as_str().map_err(StoreError::backend)?;
        // Both reads are in the same order: the owner is at or after the last one.
        while page[at].profile.key().as_str() != key {
            at += 1;
            if at == page.len() {
                return Err(StoreError::InvalidData(format!(
                    "a connection of {key} lies outside its profile's listing order"
                )));
            }
        }
        if let Some(c) = connection_at(row, 1)? {
            page[at].connections.push(c);
        }
    }
    Ok(page)
}

/// A keyset page of the profiles that `filter` selects at `now` (the rule of
/// [`ProfileFilter::matches`]), in one statement: the profile-order index is walked from
/// `after`, each profile's conditions are one seek into the connections' listing-order
/// index (which carries platform, expiry and mark: no table row), and the page's
/// connections are joined on. The instants are bound so that SQL's whole seconds give the
/// rule's answer to the nanosecond: `now ≥ expiresAt` is `expires_at <= floor(now)`, and
/// `daysUntilExpiry ≤ n` is `expires_at < ceil(expiring_before(now, n))`.
pub(crate) fn list_filtered_page(
    conn: &Connection,
    account: AccountId,
    filter: &ProfileFilter,
    now: Timestamp,
    after: Option<&ProfileCursor>,
    limit: u32,
) -> Result<Vec<ProfileRecord>, StoreError> {
    let (from_at, from_key) = after.map_or((i64::MIN, String::new()), |c| {
        (to_secs(c.created_at), c.key.as_str().to_owned())
    });
    let mut values: Vec<Value> = vec![
        Value::Integer(account.0),
        Value::Integer(from_at),
        Value::Text(from_key),
        Value::Integer(i64::from(limit)),
    ];
    let conditions = filter_conditions(filter, now, "c.revoked = 1", &mut |param| {
        values.push(match param {
            FilterParam::Text(text) => Value::Text(text),
            FilterParam::Integer(n) => Value::Integer(n),
        });
        format!("?{}", values.len())
    });
    let page = format!(
        "SELECT p.id, p.profile_key, p.name, p.created_at FROM profiles p \
         WHERE p.account_id = ?1 AND (p.created_at, p.profile_key) > (?2, ?3){conditions} \
         ORDER BY p.created_at, p.profile_key LIMIT ?4"
    );
    let params: Vec<&dyn rusqlite::ToSql> =
        values.iter().map(|v| v as &dyn rusqlite::ToSql).collect();
    query_records(conn, &page, &params)
}

/// A parameter of a filter condition, bound by each backend in its own way.
pub(crate) enum FilterParam {
    /// A text value (a platform name).
    Text(String),
    /// An integer value (an instant in Unix seconds).
    Integer(i64),
}

/// The `AND …` conditions on a profile row `p` for `filter` at `now`, for both backends:
/// `push` keeps a parameter and answers its placeholder (`?5` on SQLite, `$5::BIGINT` on
/// PostgreSQL), and `marked` is the SQL of "the connection `c` is marked revoked".
pub(crate) fn filter_conditions(
    filter: &ProfileFilter,
    now: Timestamp,
    marked: &str,
    push: &mut dyn FnMut(FilterParam) -> String,
) -> String {
    // The profile's judged connections: its own (the listing-order columns, one index
    // seek), of the platform asked for when one is.
    let mut judged = String::from(
        "FROM connections c WHERE c.account_id = p.account_id \
         AND c.profile_created_at = p.created_at AND c.profile_key = p.profile_key",
    );
    if let Some(platform) = filter.platform {
        judged.push_str(&format!(
            " AND c.platform = {}",
            push(FilterParam::Text(platform.as_str().to_owned()))
        ));
    }
    let mut sql = String::new();
    if filter.platform.is_some() {
        sql.push_str(&format!(" AND EXISTS (SELECT 1 {judged})"));
    }
    if let Some(wanted) = filter.needs_reconnect {
        // api.md §3: marked, or `now ≥ expiresAt`; whole-second `expires_at` is at or
        // before `now` exactly when it is at or before `floor(now)`.
        let now = push(FilterParam::Integer(to_secs(now)));
        let not = if wanted { "" } else { "NOT " };
        sql.push_str(&format!(
            " AND {not}EXISTS (SELECT 1 {judged} AND ({marked} OR c.expires_at <= {now}))"
        ));
    }
    if let Some(days) = filter.expiring_within_days {
        // `daysUntilExpiry ≤ days` exactly when `expires_at < expiring_before` (domain
        // docs), and every connection needing a reconnect by expiry is before it too.
        let before = expiry::expiring_before(now, days);
        let before = push(FilterParam::Integer(exclusive_bound_secs(before)));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 {judged} AND ({marked} OR c.expires_at < {before}))"
        ));
    }
    sql
}

pub(crate) fn rename_profile(
    conn: &Connection,
    account: AccountId,
    key: &ProfileKey,
    name: Option<ProfileName>,
) -> Result<Profile, StoreError> {
    let created_at: i64 = conn
        .prepare_cached(
            "UPDATE profiles SET name = ?1 WHERE account_id = ?2 AND profile_key = ?3 \
             RETURNING created_at",
        )
        .and_then(|mut s| {
            s.query_row(
                params![
                    name.as_ref().map(ProfileName::as_str),
                    account.0,
                    key.as_str()
                ],
                |r| r.get(0),
            )
            .optional()
        })
        .map_err(StoreError::backend)?
        .ok_or(StoreError::NotFound(Entity::Profile))?;
    Ok(Profile::new(key.clone(), name, from_secs(created_at)?))
}

pub(crate) fn delete_profile(
    conn: &Connection,
    account: AccountId,
    key: &ProfileKey,
) -> Result<(), StoreError> {
    // Connections (and their sealed secrets) go with the row: ON DELETE CASCADE.
    let changed = conn
        .execute(
            "DELETE FROM profiles WHERE account_id = ?1 AND profile_key = ?2",
            params![account.0, key.as_str()],
        )
        .map_err(StoreError::backend)?;
    if changed == 0 {
        return Err(StoreError::NotFound(Entity::Profile));
    }
    Ok(())
}

/// Which account owns `key`, if any profile has it.
pub(crate) fn owner_of(
    conn: &Connection,
    key: &ProfileKey,
) -> Result<Option<AccountId>, StoreError> {
    conn.prepare_cached("SELECT account_id FROM profiles WHERE profile_key = ?1")
        .and_then(|mut s| s.query_row([key.as_str()], |r| r.get(0)).optional())
        .map(|o| o.map(AccountId))
        .map_err(StoreError::backend)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::schema;
    use postcore_domain::Platform;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static STATEMENTS: AtomicUsize = AtomicUsize::new(0);

    fn count(event: rusqlite::trace::TraceEvent<'_>) {
        if matches!(event, rusqlite::trace::TraceEvent::Stmt(..)) {
            STATEMENTS.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn statements_to_list(
        conn: &mut rusqlite::Connection,
        account: AccountId,
        limit: u32,
    ) -> (usize, usize) {
        conn.trace_v2(
            rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT,
            Some(count),
        );
        STATEMENTS.store(0, Ordering::SeqCst);
        let page = list_page(conn, account, None, limit).unwrap();
        let after = ProfileCursor::after(&page[0].profile);
        list_page(conn, account, Some(&after), limit).unwrap();
        conn.trace_v2(rusqlite::trace::TraceEventCodes::empty(), None);
        assert!(page.iter().all(|r| r.connections.len() == 2));
        (page.len(), STATEMENTS.load(Ordering::SeqCst))
    }

    /// Listing profiles with their connections runs the same number of statements for 5
    /// profiles as for 300: two per page.
    #[test]
    fn listing_takes_a_fixed_number_of_queries_whatever_the_page_size() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        let name = postcore_domain::AccountName::parse("a").unwrap();
        let account = super::super::accounts::create_account(&conn, &name, crate::testing::t(0))
            .unwrap()
            .id;
        for i in 0..400 {
            let p = Profile::new(ProfileKey::generate(), None, crate::testing::t(i));
            let id = insert_profile(&conn, account, &p).unwrap();
            for platform in Platform::ALL {
                conn.execute(
                    "INSERT INTO connections (profile_id, account_id, profile_created_at, profile_key, \
                     platform, display_name, username, connected_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, 'A', 'a', 0)",
                    params![id, account.0, to_secs(p.created_at()), p.key().as_str(), platform.as_str()],
                )
                .unwrap();
            }
        }
        let small = statements_to_list(&mut conn, account, 5);
        let large = statements_to_list(&mut conn, account, 300);
        assert_eq!((small.0, large.0), (5, 300));
        assert_eq!(small.1, large.1);
        assert_eq!(large.1, 4, "two statements per page");
    }
}
