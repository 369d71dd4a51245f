//! `impl Repository for PgStore`: reads on a pooled connection, each write in one
//! transaction committed before the call returns.

use super::Db;
use super::{PgStore, accounts, connections as conns, db, profiles, webhooks};
use crate::sqlite::crypto::Cipher;
use crate::webhooks::{
    AttemptOutcome, AttemptRecorded, ClaimLimits, ClaimedDelivery, DeliveryReport, DisableDecision,
    NewWebhookEndpoint, NoticeIds, OutboxEvent, PruneCounts, SecretRotation, SigningSecretSet,
    WebhookEndpoint,
};
use crate::{
    Account, AccountId, ApiKeyInfo, Conflict, ConnectOutcome, ConnectionReport, Credentials,
    FleetCounts, ImportSummary, MigrationStatus, OAuthState, ProfileCursor, ProfileRecord,
    Progress, Provisioned, RefreshCandidate, RefreshRelease, RefreshTarget, Repository, StoreError,
    StoredConnection,
};
use deadpool_postgres::{Client, Transaction};
use postcore_domain::{
    AccountName, ApiKey, Connection, KeyLabel, Platform, Profile, ProfileFilter, ProfileKey,
    ProfileName, Timestamp,
};
use std::path::Path;
use tokio_postgres::IsolationLevel;

/// Profiles between two progress reports of an import.
const PROGRESS_EVERY: u64 = 100;

/// Runs `$body` (an expression using `$tx`, a `&deadpool_postgres::Transaction`) in one
/// transaction on a pooled connection and commits it; an error (or a panic) rolls back.
macro_rules! write {
    ($self:ident, |$tx:ident| $body:expr) => {{
        let mut client = $self.client().await?;
        let transaction = client.transaction().await.map_err(db)?;
        let $tx: &Transaction<'_> = &transaction;
        let value = $body;
        transaction
            .commit()
            .await
            .map_err(|e| StoreError::backend_with("committing the write", e))?;
        Ok(value)
    }};
}

/// Runs `$body` (an expression using `$c`, a pooled `&deadpool_postgres::Client`) on a pooled
/// connection.
macro_rules! read {
    ($self:ident, |$c:ident| $body:expr) => {{
        let client = $self.client().await?;
        let $c: &Client = &client;
        $body
    }};
}

/// Runs `$body` in one read-only REPEATABLE READ transaction: several statements, one
/// snapshot.
macro_rules! snapshot {
    ($self:ident, |$tx:ident| $body:expr) => {{
        let mut client = $self.client().await?;
        let transaction = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(db)?;
        let $tx: &Transaction<'_> = &transaction;
        let value = $body;
        transaction.commit().await.map_err(db)?;
        Ok(value)
    }};
}

/// Imports `records` into `account` inside the caller's transaction.
async fn import<C: Db>(
    tx: &C,
    cipher: &Cipher,
    account: AccountId,
    records: &[ProfileRecord],
    progress: Option<&Progress>,
) -> Result<ImportSummary, StoreError> {
    let mut summary = ImportSummary::default();
    for (done, record) in records.iter().enumerate() {
        let key = record.profile.key();
        match profiles::insert_profile_if_new(tx, account, &record.profile).await? {
            Some(id) => {
                for conn in &record.connections {
                    conns::insert_or_renew(tx, cipher, id, key, conn, &Credentials::default())
                        .await?;
                }
                summary.created += 1;
            }
            None if profiles::owner_of(tx, key).await? == Some(account) => {
                summary.unchanged += 1;
            }
            None => {
                return Err(StoreError::Conflict(Conflict::ImportedProfileKeyExists {
                    record: done,
                    key: key.clone(),
                }));
            }
        }
        let done = done as u64 + 1;
        if let Some(p) = progress
            && (done.is_multiple_of(PROGRESS_EVERY) || done == records.len() as u64)
        {
            p(done);
        }
    }
    Ok(summary)
}

impl PgStore {
    /// Writes key `id`'s use at `now` on a task of its own, without waiting; a failure is
    /// logged (last use is bookkeeping, never an acknowledged write).
    fn record_last_use(&self, id: i64, now: Timestamp) {
        let secs = crate::sqlite::rows::to_secs(now);
        let store = self.clone();
        let task = tokio::spawn(async move {
            let written = match store.client().await {
                Ok(client) => accounts::touch_key(&client, id, secs).await,
                Err(e) => Err(e),
            };
            if let Err(e) = written {
                tracing::warn!(error = %crate::error::chain(&e), "recording an API key's last use failed");
            }
        });
        let mut pending = self.inner.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.retain(|t| !t.is_finished());
        pending.push(task);
    }

    /// The account of a key found by digest, unless it is revoked; records its last use.
    fn accept(&self, found: Option<accounts::StoredKey>, now: Timestamp) -> Option<AccountId> {
        self.inner
            .last_use
            .accept(found, now, |id| self.record_last_use(id, now))
    }
}

#[async_trait::async_trait]
impl Repository for PgStore {
    async fn create_account(
        &self,
        name: &AccountName,
        now: Timestamp,
    ) -> Result<Account, StoreError> {
        write!(self, |tx| accounts::create_account(tx, name, now).await?)
    }

    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        read!(self, |c| accounts::list_accounts(c).await)
    }

    async fn find_account(&self, name: &AccountName) -> Result<Account, StoreError> {
        read!(self, |c| accounts::find_account(c, name).await)
    }

    async fn create_api_key(
        &self,
        account: AccountId,
        label: Option<&KeyLabel>,
        now: Timestamp,
    ) -> Result<(ApiKey, ApiKeyInfo), StoreError> {
        write!(self, |tx| accounts::create_api_key(tx, account, label, now)
            .await?)
    }

    async fn import_api_key(
        &self,
        account: AccountId,
        key: &ApiKey,
        label: Option<&KeyLabel>,
        now: Timestamp,
    ) -> Result<ApiKeyInfo, StoreError> {
        write!(self, |tx| accounts::insert_api_key(
            tx, account, key, label, now
        )
        .await?)
    }

    async fn authenticate(
        &self,
        key: &ApiKey,
        now: Timestamp,
    ) -> Result<Option<AccountId>, StoreError> {
        let found = read!(self, |c| accounts::find_key(c, key, now).await)?;
        Ok(self.accept(found, now))
    }

    async fn list_api_keys(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<ApiKeyInfo>, StoreError> {
        read!(self, |c| accounts::list_api_keys(c, account).await)
    }

    async fn revoke_api_key(&self, prefix: &str, now: Timestamp) -> Result<ApiKeyInfo, StoreError> {
        write!(self, |tx| accounts::revoke_api_key(tx, prefix, now).await?)
    }

    async fn create_profile(
        &self,
        account: AccountId,
        key: Option<ProfileKey>,
        name: Option<ProfileName>,
        now: Timestamp,
    ) -> Result<Profile, StoreError> {
        write!(self, |tx| profiles::create_profile(
            tx, account, key, name, now
        )
        .await?)
    }

    async fn get_profile(
        &self,
        account: AccountId,
        key: &ProfileKey,
    ) -> Result<ProfileRecord, StoreError> {
        read!(self, |c| profiles::profile_record(c, account, key).await)
    }

    async fn get_profile_as(
        &self,
        api_key: &ApiKey,
        now: Timestamp,
        key: &ProfileKey,
    ) -> Result<ProfileRecord, StoreError> {
        // One statement: the key and the profile of its account, in one round trip.
        let (found, record) = read!(self, |c| profiles::profile_record_as(c, api_key, now, key)
            .await)?;
        match (self.accept(found, now), record) {
            (Some(_), Some(record)) => record,
            _ => Err(StoreError::Unauthenticated),
        }
    }

    async fn list_profiles_page(
        &self,
        account: AccountId,
        filter: &ProfileFilter,
        now: Timestamp,
        after: Option<ProfileCursor>,
        limit: u32,
    ) -> Result<Vec<ProfileRecord>, StoreError> {
        read!(self, |c| {
            if filter.is_everything() {
                profiles::list_page(c, account, after.as_ref(), limit).await
            } else {
                profiles::list_filtered_page(c, account, filter, Some(now), after.as_ref(), limit)
                    .await
            }
        })
    }

    async fn rename_profile(
        &self,
        account: AccountId,
        key: &ProfileKey,
        name: Option<ProfileName>,
    ) -> Result<Profile, StoreError> {
        write!(self, |tx| profiles::rename_profile(tx, account, key, name)
            .await?)
    }

    async fn delete_profile(
        &self,
        account: AccountId,
        key: &ProfileKey,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        write!(self, |tx| profiles::delete_profile(tx, account, key, now)
            .await?)
    }

    async fn connect(
        &self,
        account: AccountId,
        key: &ProfileKey,
        connection: Connection,
        credentials: Credentials,
    ) -> Result<ConnectOutcome, StoreError> {
        let cipher = &self.inner.cipher;
        write!(self, |tx| conns::connect(
            tx,
            cipher,
            account,
            key,
            &connection,
            &credentials
        )
        .await?)
    }

    async fn connect_new_profile(
        &self,
        account: AccountId,
        connection: Connection,
        credentials: Credentials,
        now: Timestamp,
    ) -> Result<Profile, StoreError> {
        let cipher = &self.inner.cipher;
        write!(self, |tx| conns::connect_new_profile(
            tx,
            cipher,
            account,
            &connection,
            &credentials,
            now
        )
        .await?)
    }

    async fn disconnect(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        write!(self, |tx| conns::disconnect(
            tx, account, key, platform, now
        )
        .await?)
    }

    async fn mark_revoked(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        write!(self, |tx| conns::mark_revoked(
            tx, account, key, platform, now
        )
        .await?)
    }

    async fn mark_revoked_if_unchanged(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
        connected_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        write!(self, |tx| conns::mark_revoked_if_unchanged(
            tx,
            account,
            key,
            platform,
            connected_at,
            now
        )
        .await?)
    }

    async fn platform_connections(
        &self,
        account: Option<AccountId>,
        platform: Platform,
    ) -> Result<Vec<StoredConnection>, StoreError> {
        let cipher = &self.inner.cipher;
        read!(self, |c| conns::platform_connections(
            c, cipher, account, platform
        )
        .await)
    }

    async fn credentials(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
    ) -> Result<Credentials, StoreError> {
        let cipher = &self.inner.cipher;
        read!(self, |c| conns::credentials(
            c, cipher, account, key, platform
        )
        .await)
    }

    async fn connections_needing_attention(
        &self,
        account: Option<AccountId>,
        before: Timestamp,
    ) -> Result<Vec<ConnectionReport>, StoreError> {
        read!(self, |c| conns::needing_attention(c, account, before).await)
    }

    async fn fleet_counts(
        &self,
        now: Timestamp,
        expiring_within_days: u32,
    ) -> Result<FleetCounts, StoreError> {
        snapshot!(self, |tx| conns::fleet_counts(
            tx,
            now,
            expiring_within_days
        )
        .await?)
    }

    async fn save_oauth_state(&self, state: OAuthState) -> Result<(), StoreError> {
        write!(self, |tx| conns::save_state(tx, &state).await?)
    }

    async fn take_oauth_state(
        &self,
        digest: [u8; 32],
        now: Timestamp,
    ) -> Result<Option<OAuthState>, StoreError> {
        write!(self, |tx| conns::take_state(tx, &digest, now).await?)
    }

    async fn allow_return_url(
        &self,
        account: AccountId,
        url: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        write!(self, |tx| conns::allow_return_url(tx, account, url, now)
            .await?)
    }

    async fn remove_return_url(&self, account: AccountId, url: &str) -> Result<(), StoreError> {
        write!(self, |tx| conns::remove_return_url(tx, account, url)
            .await?)
    }

    async fn return_urls(&self, account: AccountId) -> Result<Vec<String>, StoreError> {
        read!(self, |c| conns::return_urls(c, account).await)
    }

    async fn is_return_url_allowed(
        &self,
        account: AccountId,
        url: &str,
    ) -> Result<bool, StoreError> {
        read!(self, |c| conns::is_return_url_allowed(c, account, url)
            .await)
    }

    async fn refresh_candidates(
        &self,
        platform: Platform,
        expiring_before: Timestamp,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<RefreshCandidate>, StoreError> {
        let cipher = &self.inner.cipher;
        read!(self, |c| conns::refresh_candidates(
            c,
            cipher,
            platform,
            expiring_before,
            now,
            limit
        )
        .await)
    }

    async fn claim_refresh(
        &self,
        target: &RefreshTarget,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        write!(self, |tx| conns::claim(tx, target, now, until).await?)
    }

    async fn complete_refresh(
        &self,
        target: &RefreshTarget,
        connection: Connection,
        credentials: Credentials,
    ) -> Result<bool, StoreError> {
        let cipher = &self.inner.cipher;
        write!(self, |tx| conns::complete_refresh(
            tx,
            cipher,
            target,
            &connection,
            &credentials
        )
        .await?)
    }

    async fn release_refresh(
        &self,
        target: &RefreshTarget,
        release: RefreshRelease,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        write!(self, |tx| conns::release_refresh(tx, target, release, now)
            .await?)
    }

    async fn create_webhook_endpoint(
        &self,
        account: AccountId,
        endpoint: NewWebhookEndpoint,
        now: Timestamp,
    ) -> Result<WebhookEndpoint, StoreError> {
        let cipher = &self.inner.cipher;
        write!(self, |tx| webhooks::create_endpoint(
            tx, cipher, account, &endpoint, now
        )
        .await?)
    }

    async fn list_webhook_endpoints(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<WebhookEndpoint>, StoreError> {
        read!(self, |c| webhooks::list_endpoints(c, account).await)
    }

    async fn delete_webhook_endpoint(
        &self,
        account: AccountId,
        id: &str,
    ) -> Result<(), StoreError> {
        write!(self, |tx| webhooks::delete_endpoint(tx, account, id)
            .await?)
    }

    async fn rotate_webhook_secret(
        &self,
        account: AccountId,
        id: &str,
        rotation: SecretRotation,
    ) -> Result<WebhookEndpoint, StoreError> {
        let cipher = &self.inner.cipher;
        write!(self, |tx| webhooks::rotate_secret(
            tx, cipher, account, id, &rotation
        )
        .await?)
    }

    async fn set_webhook_endpoint_disabled(
        &self,
        account: AccountId,
        id: &str,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<WebhookEndpoint, StoreError> {
        write!(self, |tx| webhooks::set_disabled(
            tx,
            account,
            id,
            reason.as_deref(),
            now
        )
        .await?)
    }

    async fn webhook_signing_secrets(
        &self,
        id: &str,
        now: Timestamp,
    ) -> Result<SigningSecretSet, StoreError> {
        let cipher = &self.inner.cipher;
        read!(self, |c| webhooks::signing_secrets(c, cipher, id, now)
            .await)
    }

    async fn enqueue_ping(
        &self,
        account: AccountId,
        id: &str,
        now: Timestamp,
    ) -> Result<OutboxEvent, StoreError> {
        write!(self, |tx| webhooks::enqueue_ping(tx, account, id, now)
            .await?)
    }

    async fn enqueue_due_notices(
        &self,
        now: Timestamp,
        thresholds_secs: &[u64],
        limit: u32,
        ids: NoticeIds,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        write!(self, |tx| webhooks::enqueue_due_notices(
            tx,
            now,
            thresholds_secs,
            limit,
            &ids
        )
        .await?)
    }

    async fn claim_webhook_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limits: ClaimLimits,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        write!(self, |tx| webhooks::claim(tx, now, lease_until, limits)
            .await?)
    }

    async fn record_webhook_attempt(
        &self,
        claimed: &ClaimedDelivery,
        now: Timestamp,
        outcome: AttemptOutcome,
        disable: DisableDecision,
    ) -> Result<AttemptRecorded, StoreError> {
        write!(self, |tx| webhooks::record_attempt(
            tx, claimed, &outcome, &disable, now
        )
        .await?)
    }

    async fn list_webhook_deliveries(
        &self,
        account: Option<AccountId>,
        endpoint: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeliveryReport>, StoreError> {
        read!(self, |c| webhooks::list_deliveries(
            c, account, endpoint, limit
        )
        .await)
    }

    async fn prune_webhook_history(
        &self,
        cutoff: Timestamp,
        limit: u32,
    ) -> Result<PruneCounts, StoreError> {
        write!(self, |tx| webhooks::prune(tx, cutoff, limit).await?)
    }

    async fn import_profiles(
        &self,
        account: AccountId,
        records: Vec<ProfileRecord>,
        progress: Option<Progress>,
    ) -> Result<ImportSummary, StoreError> {
        let cipher = &self.inner.cipher;
        write!(self, |tx| import(
            tx,
            cipher,
            account,
            &records,
            progress.as_ref()
        )
        .await?)
    }

    async fn provision_account(
        &self,
        name: &AccountName,
        records: Vec<ProfileRecord>,
        key_label: Option<&KeyLabel>,
        now: Timestamp,
    ) -> Result<Provisioned, StoreError> {
        let cipher = &self.inner.cipher;
        write!(self, |tx| {
            // Two provisioners of one new account (two servers' first start): the second
            // waits on the first's insert, then finds the account (`created_account`
            // false), as it would have coming second.
            let (account, created_account) =
                accounts::find_or_create_account(tx, name, now).await?;
            let summary = import(tx, cipher, account.id, &records, None).await?;
            let (api_key, key_info) =
                accounts::create_api_key(tx, account.id, key_label, now).await?;
            Provisioned {
                account,
                created_account,
                summary,
                api_key,
                key_info,
            }
        })
    }

    async fn flush_last_use(&self) -> Result<(), StoreError> {
        let pending: Vec<_> =
            std::mem::take(&mut *self.inner.pending.lock().unwrap_or_else(|p| p.into_inner()));
        for task in pending {
            task.await.map_err(StoreError::backend)?;
        }
        Ok(())
    }

    async fn health(&self) -> Result<(), StoreError> {
        read!(self, |c| c
            .query_one("SELECT 1", &[])
            .await
            .map(drop)
            .map_err(db))
    }

    async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        read!(self, |c| super::consistency_check(c).await)
    }

    async fn migration_status(&self) -> Result<MigrationStatus, StoreError> {
        read!(self, |c| Ok(MigrationStatus {
            current: super::current_version(c).await?,
            latest: super::LATEST_VERSION,
        }))
    }

    async fn backup(&self, dest: &Path) -> Result<(), StoreError> {
        super::backup::pg_dump(&self.inner.config, dest).await
    }
}
