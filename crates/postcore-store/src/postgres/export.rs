//! [`Transfer`] on PostgreSQL: a whole account read in one read-only REPEATABLE READ
//! transaction (one snapshot) and written in one transaction (`postcore-admin migrate-to`);
//! the same rules as `sqlite/transfer.rs`.

use super::{Db, PgStore, accounts, connections, db, map_write_error, profiles};
use crate::sqlite::accounts::label_from_db;
use crate::sqlite::crypto::Cipher;
use crate::sqlite::rows::{from_secs, to_secs};
use crate::sqlite::transfer::{COUNTS_SQL, SealedByConnection, counts_from, with_secrets};
use crate::transfer::{AccountExport, DatabaseCounts, ExportedApiKey, ExportedReturnUrl, Transfer};
use crate::{Conflict, Entity, ProfileCursor, Progress, StoreError};
use postcore_domain::{AccountName, KeyLabel};
use tokio_postgres::IsolationLevel;

/// Profiles read per page of an export, and written between two progress reports.
const BATCH: u32 = 1_000;

/// Reads the account `name` whole; the caller holds a snapshot.
async fn export<C: Db>(
    c: &C,
    cipher: &Cipher,
    name: &AccountName,
) -> Result<AccountExport, StoreError> {
    let account = accounts::find_account(c, name).await?;
    let id = account.id.0;
    let opt = |v: Option<i64>| v.map(from_secs).transpose();
    let mut api_keys = Vec::new();
    for r in c
        .query(
            "SELECT digest, prefix, label, created_at, last_used_at, revoked_at \
             FROM api_keys WHERE account_id = $1 ORDER BY created_at, id",
            &[&id],
        )
        .await
        .map_err(db)?
    {
        let digest: Vec<u8> = r.get(0);
        api_keys.push(ExportedApiKey {
            digest: digest.try_into().map_err(|_| {
                StoreError::InvalidData("a stored API key digest is not 32 bytes".into())
            })?,
            prefix: r.get(1),
            label: label_from_db(r.get(2))?,
            created_at: from_secs(r.get(3))?,
            last_used_at: opt(r.get(4))?,
            revoked_at: opt(r.get(5))?,
        });
    }
    let mut return_urls = Vec::new();
    for r in c
        .query(
            "SELECT url, created_at FROM return_urls WHERE account_id = $1 ORDER BY url",
            &[&id],
        )
        .await
        .map_err(db)?
    {
        return_urls.push(ExportedReturnUrl {
            url: r.get(0),
            created_at: from_secs(r.get(1))?,
        });
    }
    // Every connection's sealed secrets, by (profile key, platform).
    let mut sealed = SealedByConnection::new();
    for r in c
        .query(
            "SELECT c.profile_key, c.platform, c.access_token, c.refresh_token, \
             c.app_password, c.refresh_token_expires_at FROM connections c \
             WHERE c.account_id = $1",
            &[&id],
        )
        .await
        .map_err(db)?
    {
        let key: String = r.get(0);
        let platform: String = r.get(1);
        sealed.insert((key, platform), (r.get(2), r.get(3), r.get(4), r.get(5)));
    }
    let mut profiles = Vec::new();
    let mut after: Option<ProfileCursor> = None;
    loop {
        let page = profiles::list_page(c, account.id, after.as_ref(), BATCH).await?;
        let Some(last) = page.last() else { break };
        after = Some(ProfileCursor::after(&last.profile));
        profiles.extend(with_secrets(page, &mut sealed, cipher)?);
    }
    Ok(AccountExport {
        webhooks: super::webhook_export::export(c, cipher, account.id).await?,
        name: account.name,
        created_at: account.created_at,
        api_keys,
        return_urls,
        profiles,
    })
}

/// Writes `export` as a new account; the caller holds the transaction. Collisions are
/// checked before the statement that would hit them where the error must be told apart
/// (a key's digest from its display prefix).
async fn import<C: Db>(
    tx: &C,
    cipher: &Cipher,
    export: &AccountExport,
    progress: Option<&Progress>,
) -> Result<(), StoreError> {
    let account = accounts::create_account(tx, &export.name, export.created_at).await?;
    for key in &export.api_keys {
        let digest = key.digest.as_slice();
        let taken = tx
            .query_opt(
                "SELECT digest = $2 FROM api_keys WHERE prefix = $1 OR digest = $2 LIMIT 1",
                &[&key.prefix, &digest],
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
        tx.execute(
            "INSERT INTO api_keys (account_id, digest, prefix, label, created_at, last_used_at, \
             revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &account.id.0,
                &digest,
                &key.prefix,
                &key.label.as_ref().map(KeyLabel::as_str),
                &to_secs(key.created_at),
                &key.last_used_at.map(to_secs),
                &key.revoked_at.map(to_secs),
            ],
        )
        .await
        .map_err(|e| map_write_error(e, Conflict::ApiKeyExists, Entity::Account))?;
    }
    for url in &export.return_urls {
        tx.execute(
            "INSERT INTO return_urls (account_id, url, created_at) VALUES ($1, $2, $3)",
            &[&account.id.0, &url.url, &to_secs(url.created_at)],
        )
        .await
        .map_err(db)?;
    }
    let total = export.profiles.len() as u64;
    for (done, p) in export.profiles.iter().enumerate() {
        let id = profiles::insert_profile(tx, account.id, &p.profile).await?;
        for c in &p.connections {
            connections::insert_or_renew(
                tx,
                cipher,
                id,
                p.profile.key(),
                &c.connection,
                &c.credentials,
            )
            .await?;
        }
        let done = done as u64 + 1;
        if let Some(report) = progress
            && (done.is_multiple_of(u64::from(BATCH)) || done == total)
        {
            report(done);
        }
    }
    super::webhook_export::import(tx, cipher, account.id, &export.webhooks).await
}

#[async_trait::async_trait]
impl Transfer for PgStore {
    async fn export_account(&self, name: &AccountName) -> Result<AccountExport, StoreError> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(db)?;
        let export = export(&tx, &self.inner.cipher, name).await?;
        tx.commit().await.map_err(db)?;
        Ok(export)
    }

    async fn import_account(
        &self,
        export: AccountExport,
        progress: Option<Progress>,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db)?;
        import(&tx, &self.inner.cipher, &export, progress.as_ref()).await?;
        tx.commit()
            .await
            .map_err(|e| StoreError::backend_with("committing the imported account", e))
    }

    async fn database_counts(&self) -> Result<DatabaseCounts, StoreError> {
        let client = self.client().await?;
        let row = client.query_one(COUNTS_SQL, &[]).await.map_err(db)?;
        Ok(counts_from(std::array::from_fn(|i| row.get::<_, i64>(i))))
    }
}
