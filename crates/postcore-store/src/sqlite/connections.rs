//! Platform connections on SQLite: connect/renew, disconnect, revoke marks, secrets, reports.

use super::crypto::Cipher;
use super::crypto::secret_aad;
use super::profiles::{insert_profile, profile_id};
use super::rows::{
    CONNECTION_COLUMNS, connection_at, exclusive_bound_secs, from_secs, key_from_db, to_secs,
};
use crate::{
    AccountId, Conflict, ConnectOutcome, ConnectionReport, Credentials, Entity, FleetCounts,
    PlatformCounts, StoreError, StoredConnection,
};
use postcore_domain::{AccountName, Connection, Platform, Profile, ProfileKey, Timestamp, expiry};
use rusqlite::params;
use secrecy::SecretString;

const FIELDS: [&str; 3] = ["access_token", "refresh_token", "app_password"];

pub(crate) fn sealed(
    cipher: &Cipher,
    key: &ProfileKey,
    platform: Platform,
    creds: &Credentials,
) -> Result<[Option<Vec<u8>>; 3], StoreError> {
    let values: [&Option<SecretString>; 3] = [
        &creds.access_token,
        &creds.refresh_token,
        &creds.app_password,
    ];
    let mut out: [Option<Vec<u8>>; 3] = [None, None, None];
    for (i, v) in values.into_iter().enumerate() {
        if let Some(secret) = v {
            out[i] = Some(cipher.seal_secret(
                secret,
                &secret_aad(key.as_str(), platform.as_str(), FIELDS[i]),
            )?);
        }
    }
    Ok(out)
}

fn existing(
    conn: &rusqlite::Connection,
    profile: i64,
    platform: Platform,
) -> Result<Option<Connection>, StoreError> {
    let sql = format!(
        "SELECT {CONNECTION_COLUMNS} FROM connections c WHERE c.profile_id = ?1 AND c.platform = ?2"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(StoreError::backend)?;
    let mut rows = stmt
        .query(params![profile, platform.as_str()])
        .map_err(StoreError::backend)?;
    match rows.next().map_err(StoreError::backend)? {
        Some(row) => connection_at(row, 0),
        None => Ok(None),
    }
}

/// Inserts or renews one connection; the caller holds a write transaction.
pub(crate) fn connect(
    conn: &rusqlite::Connection,
    cipher: &Cipher,
    account: AccountId,
    key: &ProfileKey,
    c: &Connection,
    creds: &Credentials,
) -> Result<ConnectOutcome, StoreError> {
    let profile = profile_id(conn, account, key)?;
    insert_or_renew(conn, cipher, profile, key, c, creds)
}

pub(crate) fn insert_or_renew(
    conn: &rusqlite::Connection,
    cipher: &Cipher,
    profile: i64,
    key: &ProfileKey,
    c: &Connection,
    creds: &Credentials,
) -> Result<ConnectOutcome, StoreError> {
    c.validate()
        .map_err(|e| StoreError::InvalidData(e.to_string()))?;
    let [access, refresh, app] = sealed(cipher, key, c.platform(), creds)?;
    let expires = c.expires_at().map(to_secs);
    let refresh_expires = creds.refresh_token_expires_at.map(to_secs);
    match existing(conn, profile, c.platform())? {
        None => {
            // The listing-order columns are copied from the profile row (api.md §1 order).
            conn.prepare_cached(
                "INSERT INTO connections (profile_id, account_id, profile_created_at, profile_key, \
                 platform, display_name, username, did, connected_at, expires_at, revoked, \
                 access_token, refresh_token, app_password, refresh_token_expires_at) \
                 SELECT ?1, p.account_id, p.created_at, p.profile_key, \
                 ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 FROM profiles p WHERE p.id = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    profile,
                    c.platform().as_str(),
                    c.display_name(),
                    c.username(),
                    c.did(),
                    to_secs(c.connected_at()),
                    expires,
                    c.is_revoked(),
                    access,
                    refresh,
                    app,
                    refresh_expires
                ])
            })
            .map_err(StoreError::backend)
            .and_then(|inserted| match inserted {
                1 => Ok(ConnectOutcome::Created),
                _ => Err(StoreError::NotFound(Entity::Profile)),
            })
        }
        Some(old) if old.is_same_platform_account(c) => {
            conn.execute(
                "UPDATE connections SET display_name = ?1, username = ?2, did = COALESCE(?3, did), \
                 connected_at = ?4, expires_at = ?5, revoked = 0, \
                 access_token = COALESCE(?6, access_token), \
                 refresh_token_expires_at = \
                     CASE WHEN ?7 IS NULL THEN refresh_token_expires_at ELSE ?11 END, \
                 refresh_token = COALESCE(?7, refresh_token), \
                 app_password = COALESCE(?8, app_password), \
                 refresh_claimed_until = NULL, refresh_not_before = NULL, refresh_failures = 0 \
                 WHERE profile_id = ?9 AND platform = ?10",
                params![
                    c.display_name(),
                    c.username(),
                    c.did(),
                    to_secs(c.connected_at()),
                    expires,
                    access,
                    refresh,
                    app,
                    profile,
                    c.platform().as_str(),
                    refresh_expires
                ],
            )
            .map_err(StoreError::backend)?;
            Ok(ConnectOutcome::Renewed)
        }
        Some(_) => Err(StoreError::Conflict(Conflict::PlatformAlreadyConnected)),
    }
}

/// Removes a connection with its secrets (they are columns of its row).
pub(crate) fn disconnect(
    conn: &rusqlite::Connection,
    account: AccountId,
    key: &ProfileKey,
    platform: Platform,
) -> Result<(), StoreError> {
    on_connection(conn, account, key, platform, "DELETE FROM connections")
}

/// Sets the revoked mark, so that the connection needs a reconnect until renewed.
pub(crate) fn mark_revoked(
    conn: &rusqlite::Connection,
    account: AccountId,
    key: &ProfileKey,
    platform: Platform,
) -> Result<(), StoreError> {
    on_connection(
        conn,
        account,
        key,
        platform,
        "UPDATE connections SET revoked = 1",
    )
}

/// Runs `statement` (a DELETE or UPDATE of `connections`) on the one connection of the
/// account's profile `key` for `platform`; "connection not found" when it changes no row.
fn on_connection(
    conn: &rusqlite::Connection,
    account: AccountId,
    key: &ProfileKey,
    platform: Platform,
    statement: &str,
) -> Result<(), StoreError> {
    let profile = profile_id(conn, account, key)?;
    let sql = format!("{statement} WHERE profile_id = ?1 AND platform = ?2");
    let n = conn
        .execute(&sql, params![profile, platform.as_str()])
        .map_err(StoreError::backend)?;
    if n == 0 {
        return Err(StoreError::NotFound(Entity::Connection));
    }
    Ok(())
}

pub(crate) fn credentials(
    conn: &rusqlite::Connection,
    cipher: &Cipher,
    account: AccountId,
    key: &ProfileKey,
    platform: Platform,
) -> Result<Credentials, StoreError> {
    let profile = profile_id(conn, account, key)?;
    let sql = format!(
        "SELECT {SEALED_COLUMNS} FROM connections c WHERE c.profile_id = ?1 AND c.platform = ?2"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(StoreError::backend)?;
    let mut rows = stmt
        .query(params![profile, platform.as_str()])
        .map_err(StoreError::backend)?;
    let row = rows
        .next()
        .map_err(StoreError::backend)?
        .ok_or(StoreError::NotFound(Entity::Connection))?;
    open_sealed(cipher, key, platform, sealed_at(row, 0)?)
}

/// The three sealed secret columns of a connection row, in [`FIELDS`] order, then
/// `refresh_token_expires_at` ([`SEALED_COLUMNS`]).
pub(crate) type Sealed = (
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<i64>,
);

/// The columns of [`Sealed`], in order.
pub(crate) const SEALED_COLUMNS: &str =
    "c.access_token, c.refresh_token, c.app_password, c.refresh_token_expires_at";

/// Reads a [`Sealed`] from `row`, starting at column `base`.
pub(crate) fn sealed_at(row: &rusqlite::Row<'_>, base: usize) -> Result<Sealed, StoreError> {
    let get = |i| {
        row.get::<_, Option<Vec<u8>>>(base + i)
            .map_err(StoreError::backend)
    };
    Ok((
        get(0)?,
        get(1)?,
        get(2)?,
        row.get(base + 3).map_err(StoreError::backend)?,
    ))
}

/// Decrypts a connection's secret columns; each is bound to its profile, platform and field.
pub(crate) fn open_sealed(
    cipher: &Cipher,
    key: &ProfileKey,
    platform: Platform,
    row: Sealed,
) -> Result<Credentials, StoreError> {
    let open = |v: Option<Vec<u8>>, field: &str| {
        v.map(|s| cipher.open_secret(&s, &secret_aad(key.as_str(), platform.as_str(), field)))
            .transpose()
    };
    Ok(Credentials {
        access_token: open(row.0, FIELDS[0])?,
        refresh_token: open(row.1, FIELDS[1])?,
        app_password: open(row.2, FIELDS[2])?,
        refresh_token_expires_at: row.3.map(from_secs).transpose()?,
    })
}

/// Creates a profile with a generated key and connects `c` to it; the caller holds a
/// write transaction, so both rows commit together or not at all.
pub(crate) fn connect_new_profile(
    conn: &rusqlite::Connection,
    cipher: &Cipher,
    account: AccountId,
    c: &Connection,
    creds: &Credentials,
    now: Timestamp,
) -> Result<Profile, StoreError> {
    // Validated before the profile row is written, so a refusal writes nothing.
    c.validate()
        .map_err(|e| StoreError::InvalidData(e.to_string()))?;
    let profile = Profile::new(ProfileKey::generate(), None, from_secs(to_secs(now))?);
    let id = insert_profile(conn, account, &profile)?;
    insert_or_renew(conn, cipher, id, profile.key(), c, creds)?;
    Ok(profile)
}

/// Sets the revoked mark when the connection still has `connected_at`; whether it did.
pub(crate) fn mark_revoked_if_unchanged(
    conn: &rusqlite::Connection,
    account: AccountId,
    key: &ProfileKey,
    platform: Platform,
    connected_at: Timestamp,
) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached(
            "UPDATE connections SET revoked = 1 WHERE platform = ?3 AND connected_at = ?4 \
             AND profile_id = (SELECT id FROM profiles WHERE account_id = ?1 AND profile_key = ?2)",
        )
        .and_then(|mut s| {
            s.execute(params![
                account.0,
                key.as_str(),
                platform.as_str(),
                to_secs(connected_at)
            ])
        })
        .map_err(StoreError::backend)?;
    Ok(n == 1)
}

/// Every connection of `platform` (of `account`, or all) with its decrypted secrets.
pub(crate) fn platform_connections(
    conn: &rusqlite::Connection,
    cipher: &Cipher,
    account: Option<AccountId>,
    platform: Platform,
) -> Result<Vec<StoredConnection>, StoreError> {
    let sql = format!(
        "{} WHERE c.platform = ?1 AND (?2 IS NULL OR p.account_id = ?2) \
         ORDER BY a.name, p.profile_key",
        select_stored("")
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(StoreError::backend)?;
    let mut rows = stmt
        .query(params![platform.as_str(), account.map(|a| a.0)])
        .map_err(StoreError::backend)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(StoreError::backend)? {
        out.push(stored_connection_at(row, cipher, platform)?);
    }
    Ok(out)
}

/// `SELECT` of a [`StoredConnection`]'s columns (owners, sealed secrets, the connection:
/// [`STORED_COLUMN_COUNT`] of them, read by [`stored_connection_at`]), then `extra` columns,
/// from connections joined with their profiles and accounts; the caller adds `WHERE`.
pub(crate) fn select_stored(extra: &str) -> String {
    format!(
        "SELECT a.id, a.name, p.profile_key, {SEALED_COLUMNS}, {CONNECTION_COLUMNS}{extra} \
         FROM connections c \
         JOIN profiles p ON p.id = c.profile_id JOIN accounts a ON a.id = p.account_id"
    )
}

/// How many columns [`select_stored`] reads before the `extra` ones: 3 + 4 + 7.
pub(crate) const STORED_COLUMN_COUNT: usize = 14;

/// A connection of `platform` with its owners and decrypted secrets, from a row of
/// [`select_stored`].
pub(crate) fn stored_connection_at(
    row: &rusqlite::Row<'_>,
    cipher: &Cipher,
    platform: Platform,
) -> Result<StoredConnection, StoreError> {
    let profile_key = key_from_db(&row.get::<_, String>(2).map_err(StoreError::backend)?)?;
    let sealed = sealed_at(row, 3)?;
    Ok(StoredConnection {
        account: AccountId(row.get(0).map_err(StoreError::backend)?),
        account_name: account_name_from_db(row.get(1).map_err(StoreError::backend)?)?,
        credentials: open_sealed(cipher, &profile_key, platform, sealed)?,
        connection: connection_at(row, 7)?
            .ok_or_else(|| StoreError::InvalidData("connection without platform".into()))?,
        profile_key,
    })
}

pub(crate) fn account_name_from_db(text: String) -> Result<AccountName, StoreError> {
    AccountName::parse(&text)
        .map_err(|e| StoreError::InvalidData(format!("stored account name: {e}")))
}

pub(crate) fn needing_attention(
    conn: &rusqlite::Connection,
    account: Option<AccountId>,
    before: Timestamp,
) -> Result<Vec<ConnectionReport>, StoreError> {
    let sql = format!(
        "SELECT a.name, p.profile_key, {CONNECTION_COLUMNS} FROM connections c \
         JOIN profiles p ON p.id = c.profile_id JOIN accounts a ON a.id = p.account_id \
         WHERE (c.expires_at < ?1 OR c.revoked = 1) AND (?2 IS NULL OR p.account_id = ?2) \
         ORDER BY c.expires_at IS NULL, c.expires_at, a.name, p.profile_key, c.platform"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(StoreError::backend)?;
    let mut rows = stmt
        .query(params![exclusive_bound_secs(before), account.map(|a| a.0)])
        .map_err(StoreError::backend)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(StoreError::backend)? {
        let key: String = row.get(1).map_err(StoreError::backend)?;
        out.push(ConnectionReport {
            account_name: account_name_from_db(row.get(0).map_err(StoreError::backend)?)?,
            profile_key: key_from_db(&key)?,
            connection: connection_at(row, 2)?
                .ok_or_else(|| StoreError::InvalidData("connection without platform".into()))?,
        });
    }
    Ok(out)
}

/// Profiles and connections by platform and state at `now`, in one read transaction: a
/// `GROUP BY` over the connections table, with the bounds of the domain's rules. A stored
/// expiry is whole seconds, so `now ≥ expires_at` is `expires_at <= to_secs(now)`, and
/// `daysUntilExpiry ≤ within_days` is `expires_at < exclusive_bound_secs(expiring_before)`
/// (`postcore_domain::expiry::expiring_before`); a NULL expiry compares as neither.
pub(crate) fn fleet_counts(
    conn: &rusqlite::Connection,
    now: Timestamp,
    within_days: u32,
) -> Result<FleetCounts, StoreError> {
    let expired_from = to_secs(now);
    let expiring_before = exclusive_bound_secs(expiry::expiring_before(now, within_days));
    super::read_transaction(conn, |conn| {
        let profiles: i64 = conn
            .prepare_cached("SELECT COUNT(*) FROM profiles")
            .and_then(|mut s| s.query_row([], |row| row.get(0)))
            .map_err(StoreError::backend)?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT platform, \
                   CASE WHEN revoked = 1 OR expires_at <= ?1 THEN 2 \
                        WHEN expires_at < ?2 THEN 1 ELSE 0 END AS state, \
                   COUNT(*) FROM connections GROUP BY platform, state",
            )
            .map_err(StoreError::backend)?;
        let mut rows = stmt
            .query(params![expired_from, expiring_before])
            .map_err(StoreError::backend)?;
        let mut platforms = Platform::ALL.map(PlatformCounts::zero);
        while let Some(row) = rows.next().map_err(StoreError::backend)? {
            let platform: String = row.get(0).map_err(StoreError::backend)?;
            let state: i64 = row.get(1).map_err(StoreError::backend)?;
            let count: i64 = row.get(2).map_err(StoreError::backend)?;
            tally(&mut platforms, &platform, state, count)?;
        }
        Ok(FleetCounts {
            profiles: profiles.unsigned_abs(),
            platforms: platforms.to_vec(),
        })
    })
}

/// Sets one `GROUP BY platform, state` row of the fleet counts: `state` 2 is
/// `needs_reconnect`, 1 `expiring`, anything else `ok` (both backends' `CASE`).
pub(crate) fn tally(
    platforms: &mut [PlatformCounts],
    platform: &str,
    state: i64,
    count: i64,
) -> Result<(), StoreError> {
    let platform = Platform::parse(platform)
        .map_err(|e| StoreError::InvalidData(format!("stored platform: {e}")))?;
    let counts = platforms
        .iter_mut()
        .find(|c| c.platform == platform)
        .ok_or_else(|| StoreError::InvalidData(format!("unlisted platform {platform}")))?;
    let slot = match state {
        2 => &mut counts.needs_reconnect,
        1 => &mut counts.expiring,
        _ => &mut counts.ok,
    };
    *slot = count.unsigned_abs();
    Ok(())
}
