//! [`Transfer`] on SQLite: whole accounts read in one read transaction and written in one
//! write transaction (`postcore-admin migrate-to`).

use super::accounts::{self, label_from_db};
use super::connections::{SEALED_COLUMNS, Sealed, insert_or_renew, open_sealed, sealed_at};
use super::crypto::Cipher;
use super::profiles::{insert_profile, list_page};
use super::rows::{from_secs, map_write_error, to_secs};
use super::{SqliteStore, read_transaction};
use crate::transfer::{
    AccountExport, DatabaseCounts, ExportedApiKey, ExportedConnection, ExportedProfile,
    ExportedReturnUrl, Transfer,
};
use crate::{Conflict, Entity, ProfileCursor, ProfileRecord, Progress, StoreError};
use postcore_domain::{AccountName, KeyLabel};
use rusqlite::{Connection, params};
use std::collections::HashMap;

/// Profiles read per page of an export, and written between two progress reports.
const BATCH: u32 = 1_000;

/// The sealed secrets of an account's connections, by (profile key, platform).
pub(crate) type SealedByConnection = HashMap<(String, String), Sealed>;

/// A page of profiles with each connection's secrets taken from `sealed` and decrypted:
/// the step of an export that both backends share.
///
/// # Errors
/// `NotFound(Entity::Connection)` for a connection without its row in `sealed`;
/// `WrongSecretKey` when a secret does not open.
pub(crate) fn with_secrets(
    page: Vec<ProfileRecord>,
    sealed: &mut SealedByConnection,
    cipher: &Cipher,
) -> Result<Vec<ExportedProfile>, StoreError> {
    page.into_iter()
        .map(|record| {
            let connections = record
                .connections
                .into_iter()
                .map(|connection| {
                    let platform = connection.platform();
                    let key = (
                        record.profile.key().to_string(),
                        platform.as_str().to_owned(),
                    );
                    let row = sealed
                        .remove(&key)
                        .ok_or(StoreError::NotFound(Entity::Connection))?;
                    Ok(ExportedConnection {
                        credentials: open_sealed(cipher, record.profile.key(), platform, row)?,
                        connection,
                    })
                })
                .collect::<Result<_, StoreError>>()?;
            Ok(ExportedProfile {
                profile: record.profile,
                connections,
            })
        })
        .collect()
}

/// Reads the account `name` whole; the caller holds a read transaction.
fn export(
    conn: &Connection,
    cipher: &Cipher,
    name: &AccountName,
) -> Result<AccountExport, StoreError> {
    let account = accounts::find_account(conn, name)?;
    let id = account.id.0;
    let opt = |v: Option<i64>| v.map(from_secs).transpose();
    let mut api_keys = Vec::new();
    {
        let mut st = conn
            .prepare(
                "SELECT digest, prefix, label, created_at, last_used_at, revoked_at \
                 FROM api_keys WHERE account_id = ?1 ORDER BY created_at, id",
            )
            .map_err(StoreError::backend)?;
        let mut rows = st.query([id]).map_err(StoreError::backend)?;
        while let Some(r) = rows.next().map_err(StoreError::backend)? {
            let digest: Vec<u8> = r.get(0).map_err(StoreError::backend)?;
            api_keys.push(ExportedApiKey {
                digest: digest.try_into().map_err(|_| {
                    StoreError::InvalidData("a stored API key digest is not 32 bytes".into())
                })?,
                prefix: r.get(1).map_err(StoreError::backend)?,
                label: label_from_db(r.get(2).map_err(StoreError::backend)?)?,
                created_at: from_secs(r.get(3).map_err(StoreError::backend)?)?,
                last_used_at: opt(r.get(4).map_err(StoreError::backend)?)?,
                revoked_at: opt(r.get(5).map_err(StoreError::backend)?)?,
            });
        }
    }
    let mut return_urls = Vec::new();
    {
        let mut st = conn
            .prepare("SELECT url, created_at FROM return_urls WHERE account_id = ?1 ORDER BY url")
            .map_err(StoreError::backend)?;
        let mut rows = st.query([id]).map_err(StoreError::backend)?;
        while let Some(r) = rows.next().map_err(StoreError::backend)? {
            return_urls.push(ExportedReturnUrl {
                url: r.get(0).map_err(StoreError::backend)?,
                created_at: from_secs(r.get(1).map_err(StoreError::backend)?)?,
            });
        }
    }
    // Every connection's sealed secrets, by (profile key, platform).
    let mut sealed = SealedByConnection::new();
    {
        let sql = format!(
            "SELECT p.profile_key, c.platform, {SEALED_COLUMNS} FROM connections c \
             JOIN profiles p ON p.id = c.profile_id WHERE p.account_id = ?1"
        );
        let mut st = conn.prepare(&sql).map_err(StoreError::backend)?;
        let mut rows = st.query([id]).map_err(StoreError::backend)?;
        while let Some(r) = rows.next().map_err(StoreError::backend)? {
            let key: String = r.get(0).map_err(StoreError::backend)?;
            let platform: String = r.get(1).map_err(StoreError::backend)?;
            sealed.insert((key, platform), sealed_at(r, 2)?);
        }
    }
    let mut profiles = Vec::new();
    let mut after: Option<ProfileCursor> = None;
    loop {
        let page = list_page(conn, account.id, after.as_ref(), BATCH)?;
        let Some(last) = page.last() else { break };
        after = Some(ProfileCursor::after(&last.profile));
        profiles.extend(with_secrets(page, &mut sealed, cipher)?);
    }
    Ok(AccountExport {
        webhooks: super::webhook_transfer::export(conn, cipher, account.id)?,
        name: account.name,
        created_at: account.created_at,
        api_keys,
        return_urls,
        profiles,
    })
}

/// Writes `export` as a new account; the caller holds the write transaction.
fn import(
    tx: &Connection,
    cipher: &Cipher,
    export: &AccountExport,
    progress: Option<&Progress>,
) -> Result<(), StoreError> {
    let account = accounts::create_account(tx, &export.name, export.created_at)?;
    for key in &export.api_keys {
        let prefix_taken = tx
            .prepare_cached("SELECT 1 FROM api_keys WHERE prefix = ?1 AND digest <> ?2")
            .and_then(|mut s| s.exists(params![key.prefix, key.digest.as_slice()]))
            .map_err(StoreError::backend)?;
        if prefix_taken {
            return Err(StoreError::Conflict(Conflict::KeyPrefixTaken));
        }
        tx.prepare_cached(
            "INSERT INTO api_keys (account_id, digest, prefix, label, created_at, last_used_at, \
             revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .and_then(|mut s| {
            s.execute(params![
                account.id.0,
                key.digest.as_slice(),
                key.prefix,
                key.label.as_ref().map(KeyLabel::as_str),
                to_secs(key.created_at),
                key.last_used_at.map(to_secs),
                key.revoked_at.map(to_secs),
            ])
        })
        .map_err(|e| map_write_error(e, Conflict::ApiKeyExists, Entity::Account))?;
    }
    for url in &export.return_urls {
        tx.prepare_cached(
            "INSERT INTO return_urls (account_id, url, created_at) VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut s| s.execute(params![account.id.0, url.url, to_secs(url.created_at)]))
        .map_err(StoreError::backend)?;
    }
    let total = export.profiles.len() as u64;
    for (done, p) in export.profiles.iter().enumerate() {
        let id = insert_profile(tx, account.id, &p.profile)?;
        for c in &p.connections {
            insert_or_renew(
                tx,
                cipher,
                id,
                p.profile.key(),
                &c.connection,
                &c.credentials,
            )?;
        }
        let done = done as u64 + 1;
        if let Some(report) = progress
            && (done.is_multiple_of(u64::from(BATCH)) || done == total)
        {
            report(done);
        }
    }
    super::webhook_transfer::import(tx, cipher, account.id, &export.webhooks)
}

/// The rows of each kind, in one statement (both backends), in [`counts_from`]'s order.
/// Notices count only when their profile exists: those are the ones an export moves.
pub(crate) const COUNTS_SQL: &str = "SELECT (SELECT count(*) FROM accounts), \
     (SELECT count(*) FROM api_keys), (SELECT count(*) FROM profiles), \
     (SELECT count(*) FROM connections), (SELECT count(*) FROM return_urls), \
     (SELECT count(*) FROM webhook_endpoints), (SELECT count(*) FROM webhook_events), \
     (SELECT count(*) FROM webhook_deliveries), \
     (SELECT count(*) FROM webhook_notices n \
      WHERE EXISTS (SELECT 1 FROM profiles p WHERE p.profile_key = n.profile_key))";

/// The counts of [`COUNTS_SQL`]'s columns, in order.
pub(crate) fn counts_from(n: [i64; 9]) -> DatabaseCounts {
    let [
        accounts,
        api_keys,
        profiles,
        connections,
        return_urls,
        endpoints,
        events,
        deliveries,
        notices,
    ] = n.map(i64::unsigned_abs);
    DatabaseCounts {
        accounts,
        api_keys,
        profiles,
        connections,
        return_urls,
        webhook_endpoints: endpoints,
        webhook_events: events,
        webhook_deliveries: deliveries,
        webhook_notices: notices,
    }
}

fn counts(conn: &Connection) -> Result<DatabaseCounts, StoreError> {
    conn.query_row(COUNTS_SQL, [], |r| {
        let mut n = [0; 9];
        for (i, v) in n.iter_mut().enumerate() {
            *v = r.get(i)?;
        }
        Ok(counts_from(n))
    })
    .map_err(StoreError::backend)
}

#[async_trait::async_trait]
impl Transfer for SqliteStore {
    async fn export_account(&self, name: &AccountName) -> Result<AccountExport, StoreError> {
        let name = name.clone();
        self.run(move |c, inner| read_transaction(c, |c| export(c, &inner.cipher, &name)))
            .await
    }

    async fn import_account(
        &self,
        export: AccountExport,
        progress: Option<Progress>,
    ) -> Result<(), StoreError> {
        self.run_write(move |tx, cipher| import(tx, cipher, &export, progress.as_ref()))
            .await
    }

    async fn database_counts(&self) -> Result<DatabaseCounts, StoreError> {
        self.run(|c, _| read_transaction(c, counts)).await
    }
}
