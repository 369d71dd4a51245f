//! Platform connections, OAuth states and return URLs, and token-refresh leases on
//! PostgreSQL (the same rules as `sqlite/connections.rs`, `oauth.rs` and `refresh.rs`).

use super::profiles::{connection_at, insert_profile, profile_id};
use super::{Db, db, map_write_error, stmt};
use crate::sqlite::connections::{Sealed, account_name_from_db, open_sealed, sealed, tally};
use crate::sqlite::crypto::Cipher;
use crate::sqlite::refresh::release_assignments;
use crate::sqlite::rows::{
    CONNECTION_COLUMNS, exclusive_bound_secs, from_secs, key_from_db, to_secs,
};
use crate::{
    AccountId, Conflict, ConnectOutcome, ConnectionReport, Credentials, Entity, FleetCounts,
    OAuthState, PlatformCounts, RefreshCandidate, RefreshRelease, RefreshTarget, StoreError,
    StoredConnection,
};
use postcore_domain::{Connection, Platform, Profile, ProfileKey, Timestamp, expiry};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

/// The sealed secret columns, then `refresh_token_expires_at` ([`Sealed`]).
const SEALED_COLUMNS: &str =
    "c.access_token, c.refresh_token, c.app_password, c.refresh_token_expires_at";

fn sealed_at(row: &Row, base: usize) -> Sealed {
    (
        row.get(base),
        row.get(base + 1),
        row.get(base + 2),
        row.get(base + 3),
    )
}

/// Inserts or renews one connection of `profile` (row id); the caller holds a transaction.
/// The existing row is read `FOR UPDATE`, so a concurrent connect of the same platform
/// waits and then sees this one's outcome.
pub(crate) async fn insert_or_renew<C: Db>(
    c: &C,
    cipher: &Cipher,
    profile: i64,
    key: &ProfileKey,
    conn: &Connection,
    creds: &Credentials,
) -> Result<ConnectOutcome, StoreError> {
    conn.validate()
        .map_err(|e| StoreError::InvalidData(e.to_string()))?;
    let [access, refresh, app] = sealed(cipher, key, conn.platform(), creds)?;
    let expires = conn.expires_at().map(to_secs);
    let refresh_expires = creds.refresh_token_expires_at.map(to_secs);
    let sql = format!(
        "SELECT {CONNECTION_COLUMNS} FROM connections c \
         WHERE c.profile_id = $1 AND c.platform = $2 FOR UPDATE"
    );
    // Twice at most: an insert that lost a race to a concurrent connect of the same
    // platform (ON CONFLICT DO NOTHING) reads the winner's row and renews it or conflicts,
    // exactly as if it had come second.
    for _ in 0..2 {
        let existing = c
            .query_opt(
                &stmt(c, &sql).await?,
                &[&profile, &conn.platform().as_str()],
            )
            .await
            .map_err(db)?;
        let existing = match existing {
            Some(row) => connection_at(&row, 0)?,
            None => None,
        };
        match existing {
            None => {
                let n = c
                    .execute(
                        &stmt(
                            c,
                            "INSERT INTO connections (profile_id, account_id, profile_created_at, \
                     profile_key, platform, display_name, username, did, connected_at, \
                     expires_at, revoked, access_token, refresh_token, app_password, \
                     refresh_token_expires_at) \
                     SELECT p.id, p.account_id, p.created_at, p.profile_key, $2, $3, $4, $5, \
                     $6, $7, $8, $9, $10, $11, $12 FROM profiles p WHERE p.id = $1 \
                     ON CONFLICT (profile_id, platform) DO NOTHING",
                        )
                        .await?,
                        &[
                            &profile,
                            &conn.platform().as_str(),
                            &conn.display_name(),
                            &conn.username(),
                            &conn.did(),
                            &to_secs(conn.connected_at()),
                            &expires,
                            &conn.is_revoked(),
                            &access,
                            &refresh,
                            &app,
                            &refresh_expires,
                        ],
                    )
                    .await
                    .map_err(|e| {
                        map_write_error(e, Conflict::PlatformAlreadyConnected, Entity::Profile)
                    })?;
                if n == 1 {
                    return Ok(ConnectOutcome::Created);
                }
            }
            Some(old) if old.is_same_platform_account(conn) => {
                c.execute(
                &stmt(c, "UPDATE connections SET display_name = $1, username = $2, did = COALESCE($3, did), \
                 connected_at = $4, expires_at = $5, revoked = FALSE, \
                 access_token = COALESCE($6, access_token), \
                 refresh_token_expires_at = \
                     CASE WHEN $7::BYTEA IS NULL THEN refresh_token_expires_at ELSE $11 END, \
                 refresh_token = COALESCE($7, refresh_token), \
                 app_password = COALESCE($8, app_password), \
                 refresh_claimed_until = NULL, refresh_not_before = NULL, refresh_failures = 0 \
                 WHERE profile_id = $9 AND platform = $10").await?,
                &[
                    &conn.display_name(),
                    &conn.username(),
                    &conn.did(),
                    &to_secs(conn.connected_at()),
                    &expires,
                    &access,
                    &refresh,
                    &app,
                    &profile,
                    &conn.platform().as_str(),
                    &refresh_expires,
                ],
            )
            .await
            .map_err(db)?;
                return Ok(ConnectOutcome::Renewed);
            }
            Some(_) => return Err(StoreError::Conflict(Conflict::PlatformAlreadyConnected)),
        }
    }
    // Nothing inserted and no row to renew: the profile is gone.
    Err(StoreError::NotFound(Entity::Profile))
}

pub(crate) async fn connect<C: Db>(
    c: &C,
    cipher: &Cipher,
    account: AccountId,
    key: &ProfileKey,
    conn: &Connection,
    creds: &Credentials,
) -> Result<ConnectOutcome, StoreError> {
    let profile = profile_id(c, account, key).await?;
    insert_or_renew(c, cipher, profile, key, conn, creds).await
}

/// Creates a profile with a generated key and connects `conn` to it, in the caller's
/// transaction.
pub(crate) async fn connect_new_profile<C: Db>(
    c: &C,
    cipher: &Cipher,
    account: AccountId,
    conn: &Connection,
    creds: &Credentials,
    now: Timestamp,
) -> Result<Profile, StoreError> {
    conn.validate()
        .map_err(|e| StoreError::InvalidData(e.to_string()))?;
    let profile = Profile::new(ProfileKey::generate(), None, from_secs(to_secs(now))?);
    let id = insert_profile(c, account, &profile).await?;
    insert_or_renew(c, cipher, id, profile.key(), conn, creds).await?;
    Ok(profile)
}

/// Runs `statement` (a DELETE or UPDATE of `connections`) on the one connection of the
/// account's profile `key` for `platform`; `NotFound(Connection)` when it changes no row.
pub(crate) async fn on_connection<C: Db>(
    c: &C,
    account: AccountId,
    key: &ProfileKey,
    platform: Platform,
    statement: &str,
) -> Result<(), StoreError> {
    let profile = profile_id(c, account, key).await?;
    let sql = format!("{statement} WHERE profile_id = $1 AND platform = $2");
    let n = c
        .execute(&stmt(c, &sql).await?, &[&profile, &platform.as_str()])
        .await
        .map_err(db)?;
    if n == 0 {
        return Err(StoreError::NotFound(Entity::Connection));
    }
    Ok(())
}

pub(crate) async fn mark_revoked_if_unchanged<C: Db>(
    c: &C,
    account: AccountId,
    key: &ProfileKey,
    platform: Platform,
    connected_at: Timestamp,
) -> Result<bool, StoreError> {
    let n = c
        .execute(
            &stmt(
                c,
                "UPDATE connections SET revoked = TRUE WHERE platform = $3 AND connected_at = $4 \
             AND profile_id = (SELECT id FROM profiles WHERE account_id = $1 AND profile_key = $2)",
            )
            .await?,
            &[
                &account.0,
                &key.as_str(),
                &platform.as_str(),
                &to_secs(connected_at),
            ],
        )
        .await
        .map_err(db)?;
    Ok(n == 1)
}

pub(crate) async fn credentials<C: Db>(
    c: &C,
    cipher: &Cipher,
    account: AccountId,
    key: &ProfileKey,
    platform: Platform,
) -> Result<Credentials, StoreError> {
    let profile = profile_id(c, account, key).await?;
    let sql = format!(
        "SELECT {SEALED_COLUMNS} FROM connections c WHERE c.profile_id = $1 AND c.platform = $2"
    );
    let row = c
        .query_opt(&stmt(c, &sql).await?, &[&profile, &platform.as_str()])
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound(Entity::Connection))?;
    open_sealed(cipher, key, platform, sealed_at(&row, 0))
}

/// `SELECT` of a [`StoredConnection`]'s columns ([`STORED_COLUMN_COUNT`]), then `extra`,
/// from connections joined with their profiles and accounts; the caller adds `WHERE`.
fn select_stored(extra: &str) -> String {
    format!(
        "SELECT a.id, a.name, p.profile_key, {SEALED_COLUMNS}, {CONNECTION_COLUMNS}{extra} \
         FROM connections c \
         JOIN profiles p ON p.id = c.profile_id JOIN accounts a ON a.id = p.account_id"
    )
}

/// How many columns [`select_stored`] reads before the `extra` ones: 3 + 4 + 7.
const STORED_COLUMN_COUNT: usize = 14;

fn stored_connection_at(
    row: &Row,
    cipher: &Cipher,
    platform: Platform,
) -> Result<StoredConnection, StoreError> {
    let profile_key = key_from_db(row.get(2))?;
    Ok(StoredConnection {
        account: AccountId(row.get(0)),
        account_name: account_name_from_db(row.get(1))?,
        credentials: open_sealed(cipher, &profile_key, platform, sealed_at(row, 3))?,
        connection: connection_at(row, 7)?
            .ok_or_else(|| StoreError::InvalidData("connection without platform".into()))?,
        profile_key,
    })
}

pub(crate) async fn platform_connections<C: Db>(
    c: &C,
    cipher: &Cipher,
    account: Option<AccountId>,
    platform: Platform,
) -> Result<Vec<StoredConnection>, StoreError> {
    let sql = format!(
        "{} WHERE c.platform = $1 AND ($2::BIGINT IS NULL OR p.account_id = $2) \
         ORDER BY a.name, p.profile_key",
        select_stored("")
    );
    c.query(
        &stmt(c, &sql).await?,
        &[&platform.as_str(), &account.map(|a| a.0)],
    )
    .await
    .map_err(db)?
    .iter()
    .map(|row| stored_connection_at(row, cipher, platform))
    .collect()
}

pub(crate) async fn needing_attention<C: Db>(
    c: &C,
    account: Option<AccountId>,
    before: Timestamp,
) -> Result<Vec<ConnectionReport>, StoreError> {
    let sql = format!(
        "SELECT a.name, p.profile_key, {CONNECTION_COLUMNS} FROM connections c \
         JOIN profiles p ON p.id = c.profile_id JOIN accounts a ON a.id = p.account_id \
         WHERE (c.expires_at < $1 OR c.revoked) AND ($2::BIGINT IS NULL OR p.account_id = $2) \
         ORDER BY c.expires_at IS NULL, c.expires_at, a.name, p.profile_key, c.platform"
    );
    c.query(
        &stmt(c, &sql).await?,
        &[&exclusive_bound_secs(before), &account.map(|a| a.0)],
    )
    .await
    .map_err(db)?
    .iter()
    .map(|row| {
        Ok(ConnectionReport {
            account_name: account_name_from_db(row.get(0))?,
            profile_key: key_from_db(row.get(1))?,
            connection: connection_at(row, 2)?
                .ok_or_else(|| StoreError::InvalidData("connection without platform".into()))?,
        })
    })
    .collect()
}

/// Profiles and connections by platform and state at `now` (the bounds of the SQLite
/// twin); the caller runs it in one snapshot.
pub(crate) async fn fleet_counts<C: Db>(
    c: &C,
    now: Timestamp,
    within_days: u32,
) -> Result<FleetCounts, StoreError> {
    let expired_from = to_secs(now);
    let expiring_before = exclusive_bound_secs(expiry::expiring_before(now, within_days));
    let profiles: i64 = c
        .query_one(&stmt(c, "SELECT COUNT(*) FROM profiles").await?, &[])
        .await
        .map_err(db)?
        .get(0);
    let rows = c
        .query(
            &stmt(
                c,
                "SELECT platform, \
               CASE WHEN revoked OR expires_at <= $1 THEN 2 \
                    WHEN expires_at < $2 THEN 1 ELSE 0 END AS state, \
               COUNT(*) FROM connections GROUP BY platform, state",
            )
            .await?,
            &[&expired_from, &expiring_before],
        )
        .await
        .map_err(db)?;
    let mut platforms = Platform::ALL.map(PlatformCounts::zero);
    for row in &rows {
        let state: i32 = row.get(1);
        tally(&mut platforms, row.get(0), i64::from(state), row.get(2))?;
    }
    Ok(FleetCounts {
        profiles: profiles.unsigned_abs(),
        platforms: platforms.to_vec(),
    })
}

// ----- OAuth ----------------------------------------------------------------------------

pub(crate) async fn save_state<C: Db>(c: &C, s: &OAuthState) -> Result<(), StoreError> {
    c.execute(
        &stmt(
            c,
            "INSERT INTO oauth_states (digest, account_id, platform, profile_key, return_url, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .await?,
        &[
            &&s.digest[..],
            &s.account.0,
            &s.platform.as_str(),
            &s.profile_key.as_ref().map(|k| k.as_str()),
            &s.return_url,
            &to_secs(s.created_at),
            &to_secs(s.expires_at),
        ],
    )
    .await
    .map_err(|e| map_write_error(e, Conflict::OAuthStateExists, Entity::Account))?;
    Ok(())
}

/// Deletes the state with `digest` and returns it unless it expired at `now`; expired
/// states are swept on the way. Single use: of two concurrent takes, one gets the row.
pub(crate) async fn take_state<C: Db>(
    c: &C,
    digest: &[u8; 32],
    now: Timestamp,
) -> Result<Option<OAuthState>, StoreError> {
    let row = c
        .query_opt(
            &stmt(
                c,
                "DELETE FROM oauth_states WHERE digest = $1 RETURNING account_id, platform, \
             profile_key, return_url, created_at, expires_at",
            )
            .await?,
            &[&&digest[..]],
        )
        .await
        .map_err(db)?;
    c.execute(
        &stmt(c, "DELETE FROM oauth_states WHERE expires_at <= $1").await?,
        &[&to_secs(now)],
    )
    .await
    .map_err(db)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let expires: i64 = row.get(5);
    if expires <= to_secs(now) {
        return Ok(None);
    }
    Ok(Some(OAuthState {
        digest: *digest,
        account: AccountId(row.get(0)),
        platform: Platform::parse(row.get(1))
            .map_err(|e| StoreError::InvalidData(format!("stored platform: {e}")))?,
        profile_key: row.get::<_, Option<&str>>(2).map(key_from_db).transpose()?,
        return_url: row.get(3),
        created_at: from_secs(row.get(4))?,
        expires_at: from_secs(expires)?,
    }))
}

pub(crate) async fn allow_return_url<C: Db>(
    c: &C,
    account: AccountId,
    url: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let n = c
        .execute(
            &stmt(
                c,
                "INSERT INTO return_urls (account_id, url, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, url) DO NOTHING",
            )
            .await?,
            &[&account.0, &url, &to_secs(now)],
        )
        .await
        .map_err(|e| map_write_error(e, Conflict::OAuthStateExists, Entity::Account))?;
    Ok(n == 1)
}

pub(crate) async fn remove_return_url<C: Db>(
    c: &C,
    account: AccountId,
    url: &str,
) -> Result<(), StoreError> {
    let n = c
        .execute(
            &stmt(
                c,
                "DELETE FROM return_urls WHERE account_id = $1 AND url = $2",
            )
            .await?,
            &[&account.0, &url],
        )
        .await
        .map_err(db)?;
    match n {
        0 => Err(StoreError::NotFound(Entity::ReturnUrl)),
        _ => Ok(()),
    }
}

pub(crate) async fn return_urls<C: Db>(
    c: &C,
    account: AccountId,
) -> Result<Vec<String>, StoreError> {
    Ok(c.query(
        &stmt(
            c,
            "SELECT url FROM return_urls WHERE account_id = $1 ORDER BY url",
        )
        .await?,
        &[&account.0],
    )
    .await
    .map_err(db)?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

pub(crate) async fn is_return_url_allowed<C: Db>(
    c: &C,
    account: AccountId,
    url: &str,
) -> Result<bool, StoreError> {
    Ok(c.query_opt(
        &stmt(
            c,
            "SELECT 1 FROM return_urls WHERE account_id = $1 AND url = $2",
        )
        .await?,
        &[&account.0, &url],
    )
    .await
    .map_err(db)?
    .is_some())
}

// ----- token refresh --------------------------------------------------------------------

pub(crate) async fn refresh_candidates<C: Db>(
    c: &C,
    cipher: &Cipher,
    platform: Platform,
    expiring_before: Timestamp,
    now: Timestamp,
    limit: u32,
) -> Result<Vec<RefreshCandidate>, StoreError> {
    let sql = format!(
        "{} WHERE c.platform = $1 AND c.refresh_token IS NOT NULL AND NOT c.revoked \
         AND c.expires_at < $2 \
         AND (c.refresh_not_before IS NULL OR c.refresh_not_before <= $3) \
         AND (c.refresh_claimed_until IS NULL OR c.refresh_claimed_until <= $3) \
         ORDER BY c.expires_at, p.profile_key LIMIT $4",
        select_stored(", c.refresh_failures")
    );
    c.query(
        &stmt(c, &sql).await?,
        &[
            &platform.as_str(),
            &exclusive_bound_secs(expiring_before),
            &to_secs(now),
            &i64::from(limit),
        ],
    )
    .await
    .map_err(db)?
    .iter()
    .map(|row| {
        let failures: i32 = row.get(STORED_COLUMN_COUNT);
        Ok(RefreshCandidate {
            failures: u32::try_from(failures).unwrap_or(0),
            stored: stored_connection_at(row, cipher, platform)?,
        })
    })
    .collect()
}

/// The `WHERE` that finds the target's row as it was seen (same `connected_at`).
const TARGET: &str = "platform = $1 AND connected_at = $2 AND profile_id = \
     (SELECT id FROM profiles WHERE account_id = $3 AND profile_key = $4)";

/// The parameters `$1..$4` of [`TARGET`], for one target.
struct Target<'a> {
    platform: &'static str,
    connected_at: i64,
    account: i64,
    profile_key: &'a str,
}

impl<'a> Target<'a> {
    fn of(t: &'a RefreshTarget) -> Self {
        Self {
            platform: t.platform.as_str(),
            connected_at: to_secs(t.connected_at),
            account: t.account.0,
            profile_key: t.profile_key.as_str(),
        }
    }

    /// `$1..$4`, then `extra` from `$5` on.
    fn params<'b>(&'b self, extra: &[&'b (dyn ToSql + Sync)]) -> Vec<&'b (dyn ToSql + Sync)> {
        let mut params: Vec<&'b (dyn ToSql + Sync)> = vec![
            &self.platform,
            &self.connected_at,
            &self.account,
            &self.profile_key,
        ];
        params.extend_from_slice(extra);
        params
    }
}

/// Takes the lease by compare-and-set. Of two concurrent claims (in any process), the
/// second waits on the first's row lock, then PostgreSQL re-evaluates its `WHERE` on the
/// row the first committed (READ COMMITTED's rule for UPDATE): the lease is no longer
/// free, so it changes nothing and answers `false`.
pub(crate) async fn claim<C: Db>(
    c: &C,
    t: &RefreshTarget,
    now: Timestamp,
    until: Timestamp,
) -> Result<bool, StoreError> {
    let sql = format!(
        "UPDATE connections SET refresh_claimed_until = $5 WHERE {TARGET} \
         AND (refresh_claimed_until IS NULL OR refresh_claimed_until <= $6)"
    );
    let n = c
        .execute(
            &stmt(c, &sql).await?,
            &Target::of(t).params(&[&to_secs(until), &to_secs(now)]),
        )
        .await
        .map_err(db)?;
    Ok(n == 1)
}

/// Renews the leased connection with refreshed tokens when it is still as seen and still
/// leased (the row locked meanwhile); whether it did.
pub(crate) async fn complete_refresh<C: Db>(
    c: &C,
    cipher: &Cipher,
    t: &RefreshTarget,
    connection: &Connection,
    credentials: &Credentials,
) -> Result<bool, StoreError> {
    let sql = format!(
        "SELECT profile_id FROM connections WHERE {TARGET} \
         AND refresh_claimed_until IS NOT NULL FOR UPDATE"
    );
    let profile = c
        .query_opt(&stmt(c, &sql).await?, &Target::of(t).params(&[]))
        .await
        .map_err(db)?;
    let Some(profile) = profile else {
        return Ok(false);
    };
    insert_or_renew(
        c,
        cipher,
        profile.get(0),
        &t.profile_key,
        connection,
        credentials,
    )
    .await?;
    Ok(true)
}

/// Ends a lease without new tokens: a retry later, or a definite rejection.
pub(crate) async fn release_refresh<C: Db>(
    c: &C,
    t: &RefreshTarget,
    release: RefreshRelease,
) -> Result<bool, StoreError> {
    let (set, not_before) = release_assignments(release, "$5", "TRUE");
    let sql = format!("UPDATE connections SET refresh_claimed_until = NULL, {set} WHERE {TARGET}");
    let n = c
        .execute(&stmt(c, &sql).await?, &Target::of(t).params(&[&not_before]))
        .await
        .map_err(db)?;
    Ok(n == 1)
}
