//! `impl Repository for SqliteStore`: point reads on the calling thread (`point_read`),
//! scans on the blocking pool (`run`), writes through the group-committing write queue
//! (`run_write`, `writer.rs`).

use super::crypto::Cipher;
use super::{SqliteStore, accounts, connections, oauth, profiles, refresh, rows, schema, webhooks};
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
use postcore_domain::{
    AccountName, ApiKey, Connection, KeyLabel, Platform, Profile, ProfileFilter, ProfileKey,
    ProfileName, Timestamp,
};
use std::path::{Path, PathBuf};
/// Profiles between two progress reports of an import.
const PROGRESS_EVERY: u64 = 100;

/// Imports `records` into `account` inside the caller's transaction (see
/// [`Repository::import_profiles`]).
fn import(
    tx: &rusqlite::Connection,
    cipher: &Cipher,
    account: AccountId,
    records: &[ProfileRecord],
    progress: Option<&Progress>,
) -> Result<ImportSummary, StoreError> {
    let mut summary = ImportSummary::default();
    for (done, record) in records.iter().enumerate() {
        let key = record.profile.key();
        match profiles::owner_of(tx, key)? {
            Some(owner) if owner == account => summary.unchanged += 1,
            Some(_) => {
                return Err(StoreError::Conflict(Conflict::ImportedProfileKeyExists {
                    record: done,
                    key: key.clone(),
                }));
            }
            None => {
                let id = profiles::insert_profile(tx, account, &record.profile)?;
                for conn in &record.connections {
                    connections::insert_or_renew(
                        tx,
                        cipher,
                        id,
                        key,
                        conn,
                        &Credentials::default(),
                    )?;
                }
                summary.created += 1;
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

impl SqliteStore {
    /// Queues the write of key `id`'s use at `now` on the write queue, without waiting; a
    /// failure is logged (last use is bookkeeping, never an acknowledged write).
    fn record_last_use(&self, id: i64, now: Timestamp) {
        let secs = rows::to_secs(now);
        let queued = self.inner.writer.submit(move |c, _| {
            accounts::touch_key(c, id, secs).inspect_err(|e| {
                tracing::warn!(error = %crate::error::chain(e), "recording an API key's last use failed");
            })
        });
        if let Err(e) = queued {
            tracing::warn!(error = %e, "recording an API key's last use failed");
        }
    }

    /// The account of a key found by digest, unless it is revoked; records its last use.
    fn accept(&self, found: Option<accounts::StoredKey>, now: Timestamp) -> Option<AccountId> {
        self.inner
            .last_use
            .accept(found, now, |id| self.record_last_use(id, now))
    }
}

#[async_trait::async_trait]
impl Repository for SqliteStore {
    async fn create_account(
        &self,
        name: &AccountName,
        now: Timestamp,
    ) -> Result<Account, StoreError> {
        let name = name.clone();
        self.run_write(move |tx, _| accounts::create_account(tx, &name, now))
            .await
    }

    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.run(|c, _| accounts::list_accounts(c)).await
    }

    async fn find_account(&self, name: &AccountName) -> Result<Account, StoreError> {
        let name = name.clone();
        self.point_read(move |c, _| accounts::find_account(c, &name))
            .await
    }

    async fn create_api_key(
        &self,
        account: AccountId,
        label: Option<&KeyLabel>,
        now: Timestamp,
    ) -> Result<(ApiKey, ApiKeyInfo), StoreError> {
        let label = label.cloned();
        self.run_write(move |tx, _| accounts::create_api_key(tx, account, label.as_ref(), now))
            .await
    }

    async fn import_api_key(
        &self,
        account: AccountId,
        key: &ApiKey,
        label: Option<&KeyLabel>,
        now: Timestamp,
    ) -> Result<ApiKeyInfo, StoreError> {
        let (key, label) = (key.clone(), label.cloned());
        self.run_write(move |tx, _| {
            accounts::insert_api_key(tx, account, &key, label.as_ref(), now)
        })
        .await
    }

    async fn authenticate(
        &self,
        key: &ApiKey,
        now: Timestamp,
    ) -> Result<Option<AccountId>, StoreError> {
        let key = key.clone();
        let found = self
            .point_read(move |c, _| accounts::find_key(c, &key, now))
            .await?;
        Ok(self.accept(found, now))
    }

    async fn get_profile_as(
        &self,
        api_key: &ApiKey,
        now: Timestamp,
        key: &ProfileKey,
    ) -> Result<ProfileRecord, StoreError> {
        let (api_key, key) = (api_key.clone(), key.clone());
        let (found, record) = self
            .point_read(move |c, _| {
                // One read transaction: one snapshot, one set of locks, for both reads.
                super::read_transaction(c, |c| {
                    let found = accounts::find_key(c, &api_key, now)?;
                    let record = match &found {
                        Some(k) if !k.revoked => Some(profiles::profile_record(c, k.account, &key)),
                        _ => None,
                    };
                    Ok((found, record))
                })
            })
            .await?;
        match (self.accept(found, now), record) {
            (Some(_), Some(record)) => record,
            _ => Err(StoreError::Unauthenticated),
        }
    }

    async fn flush_last_use(&self) -> Result<(), StoreError> {
        // The queue is first in, first out: an empty write is answered after every write
        // queued before it is committed.
        self.run_write(|_, _| Ok(())).await
    }

    async fn list_api_keys(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<ApiKeyInfo>, StoreError> {
        self.run(move |c, _| accounts::list_api_keys(c, account))
            .await
    }

    async fn revoke_api_key(&self, prefix: &str, now: Timestamp) -> Result<ApiKeyInfo, StoreError> {
        let prefix = prefix.to_owned();
        self.run_write(move |tx, _| accounts::revoke_api_key(tx, &prefix, now))
            .await
    }

    async fn create_profile(
        &self,
        account: AccountId,
        key: Option<ProfileKey>,
        name: Option<ProfileName>,
        now: Timestamp,
    ) -> Result<Profile, StoreError> {
        self.run_write(move |tx, _| profiles::create_profile(tx, account, key, name, now))
            .await
    }

    async fn get_profile(
        &self,
        account: AccountId,
        key: &ProfileKey,
    ) -> Result<ProfileRecord, StoreError> {
        let key = key.clone();
        self.point_read(move |c, _| profiles::profile_record(c, account, &key))
            .await
    }

    async fn list_profiles_page(
        &self,
        account: AccountId,
        filter: &ProfileFilter,
        now: Timestamp,
        after: Option<ProfileCursor>,
        limit: u32,
    ) -> Result<Vec<ProfileRecord>, StoreError> {
        if !filter.is_everything() {
            let filter = *filter;
            return self
                .run(move |c, _| {
                    profiles::list_filtered_page(c, account, &filter, now, after.as_ref(), limit)
                })
                .await;
        }
        // Two reads (profiles, then their connections): one snapshot for both.
        self.run(move |c, _| {
            super::read_transaction(c, |c| {
                profiles::list_page(c, account, after.as_ref(), limit)
            })
        })
        .await
    }

    async fn rename_profile(
        &self,
        account: AccountId,
        key: &ProfileKey,
        name: Option<ProfileName>,
    ) -> Result<Profile, StoreError> {
        let key = key.clone();
        self.run_write(move |tx, _| profiles::rename_profile(tx, account, &key, name))
            .await
    }

    async fn delete_profile(
        &self,
        account: AccountId,
        key: &ProfileKey,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let key = key.clone();
        self.run_write(move |tx, _| profiles::delete_profile(tx, account, &key, now))
            .await
    }

    async fn connect(
        &self,
        account: AccountId,
        key: &ProfileKey,
        connection: Connection,
        credentials: Credentials,
    ) -> Result<ConnectOutcome, StoreError> {
        let key = key.clone();
        self.run_write(move |tx, cipher| {
            connections::connect(tx, cipher, account, &key, &connection, &credentials)
        })
        .await
    }

    async fn connect_new_profile(
        &self,
        account: AccountId,
        connection: Connection,
        credentials: Credentials,
        now: Timestamp,
    ) -> Result<Profile, StoreError> {
        self.run_write(move |tx, cipher| {
            connections::connect_new_profile(tx, cipher, account, &connection, &credentials, now)
        })
        .await
    }

    async fn mark_revoked_if_unchanged(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
        connected_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let key = key.clone();
        self.run_write(move |tx, _| {
            connections::mark_revoked_if_unchanged(tx, account, &key, platform, connected_at, now)
        })
        .await
    }

    async fn platform_connections(
        &self,
        account: Option<AccountId>,
        platform: Platform,
    ) -> Result<Vec<StoredConnection>, StoreError> {
        self.run(move |c, inner| {
            connections::platform_connections(c, &inner.cipher, account, platform)
        })
        .await
    }

    async fn disconnect(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let key = key.clone();
        self.run_write(move |tx, _| connections::disconnect(tx, account, &key, platform, now))
            .await
    }

    async fn mark_revoked(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let key = key.clone();
        self.run_write(move |tx, _| connections::mark_revoked(tx, account, &key, platform, now))
            .await
    }

    async fn credentials(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
    ) -> Result<Credentials, StoreError> {
        let key = key.clone();
        self.point_read(move |c, inner| {
            connections::credentials(c, &inner.cipher, account, &key, platform)
        })
        .await
    }

    async fn connections_needing_attention(
        &self,
        account: Option<AccountId>,
        before: Timestamp,
    ) -> Result<Vec<ConnectionReport>, StoreError> {
        self.run(move |c, _| connections::needing_attention(c, account, before))
            .await
    }

    async fn fleet_counts(
        &self,
        now: Timestamp,
        expiring_within_days: u32,
    ) -> Result<FleetCounts, StoreError> {
        self.run(move |c, _| connections::fleet_counts(c, now, expiring_within_days))
            .await
    }

    async fn save_oauth_state(&self, state: OAuthState) -> Result<(), StoreError> {
        self.run_write(move |tx, _| oauth::save_state(tx, &state))
            .await
    }

    async fn take_oauth_state(
        &self,
        digest: [u8; 32],
        now: Timestamp,
    ) -> Result<Option<OAuthState>, StoreError> {
        self.run_write(move |tx, _| oauth::take_state(tx, &digest, now))
            .await
    }

    async fn allow_return_url(
        &self,
        account: AccountId,
        url: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let url = url.to_owned();
        self.run_write(move |tx, _| oauth::allow_return_url(tx, account, &url, now))
            .await
    }

    async fn remove_return_url(&self, account: AccountId, url: &str) -> Result<(), StoreError> {
        let url = url.to_owned();
        self.run_write(move |tx, _| oauth::remove_return_url(tx, account, &url))
            .await
    }

    async fn return_urls(&self, account: AccountId) -> Result<Vec<String>, StoreError> {
        self.point_read(move |c, _| oauth::return_urls(c, account))
            .await
    }

    async fn is_return_url_allowed(
        &self,
        account: AccountId,
        url: &str,
    ) -> Result<bool, StoreError> {
        let url = url.to_owned();
        self.point_read(move |c, _| oauth::is_return_url_allowed(c, account, &url))
            .await
    }

    async fn refresh_candidates(
        &self,
        platform: Platform,
        expiring_before: Timestamp,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<RefreshCandidate>, StoreError> {
        self.run(move |c, inner| {
            refresh::candidates(c, &inner.cipher, platform, expiring_before, now, limit)
        })
        .await
    }

    async fn claim_refresh(
        &self,
        target: &RefreshTarget,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let target = target.clone();
        self.run_write(move |tx, _| refresh::claim(tx, &target, now, until))
            .await
    }

    async fn complete_refresh(
        &self,
        target: &RefreshTarget,
        connection: Connection,
        credentials: Credentials,
    ) -> Result<bool, StoreError> {
        let target = target.clone();
        self.run_write(move |tx, cipher| {
            refresh::complete(tx, cipher, &target, &connection, &credentials)
        })
        .await
    }

    async fn release_refresh(
        &self,
        target: &RefreshTarget,
        release: RefreshRelease,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let target = target.clone();
        self.run_write(move |tx, _| refresh::release(tx, &target, release, now))
            .await
    }

    async fn create_webhook_endpoint(
        &self,
        account: AccountId,
        endpoint: NewWebhookEndpoint,
        now: Timestamp,
    ) -> Result<WebhookEndpoint, StoreError> {
        self.run_write(move |tx, cipher| {
            webhooks::create_endpoint(tx, cipher, account, &endpoint, now)
        })
        .await
    }

    async fn list_webhook_endpoints(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<WebhookEndpoint>, StoreError> {
        self.run(move |conn, _| webhooks::list_endpoints(conn, account))
            .await
    }

    async fn delete_webhook_endpoint(
        &self,
        account: AccountId,
        id: &str,
    ) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.run_write(move |tx, _| webhooks::delete_endpoint(tx, account, &id))
            .await
    }

    async fn rotate_webhook_secret(
        &self,
        account: AccountId,
        id: &str,
        rotation: SecretRotation,
    ) -> Result<WebhookEndpoint, StoreError> {
        let id = id.to_owned();
        self.run_write(move |tx, cipher| {
            webhooks::rotate_secret(tx, cipher, account, &id, &rotation)
        })
        .await
    }

    async fn set_webhook_endpoint_disabled(
        &self,
        account: AccountId,
        id: &str,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<WebhookEndpoint, StoreError> {
        let id = id.to_owned();
        self.run_write(move |tx, _| {
            webhooks::set_disabled(tx, account, &id, reason.as_deref(), now)
        })
        .await
    }

    async fn webhook_signing_secrets(
        &self,
        id: &str,
        now: Timestamp,
    ) -> Result<SigningSecretSet, StoreError> {
        let id = id.to_owned();
        self.run(move |conn, inner| webhooks::signing_secrets(conn, &inner.cipher, &id, now))
            .await
    }

    async fn enqueue_ping(
        &self,
        account: AccountId,
        id: &str,
        now: Timestamp,
    ) -> Result<OutboxEvent, StoreError> {
        let id = id.to_owned();
        self.run_write(move |tx, _| webhooks::enqueue_ping(tx, account, &id, now))
            .await
    }

    async fn enqueue_due_notices(
        &self,
        now: Timestamp,
        thresholds_secs: &[u64],
        limit: u32,
        ids: NoticeIds,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let thresholds = thresholds_secs.to_vec();
        self.run_write(move |tx, _| {
            webhooks::enqueue_due_notices(tx, now, &thresholds, limit, &ids)
        })
        .await
    }

    async fn claim_webhook_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limits: ClaimLimits,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        self.run_write(move |tx, _| webhooks::claim(tx, now, lease_until, limits))
            .await
    }

    async fn record_webhook_attempt(
        &self,
        claimed: &ClaimedDelivery,
        now: Timestamp,
        outcome: AttemptOutcome,
        disable: DisableDecision,
    ) -> Result<AttemptRecorded, StoreError> {
        let claimed = claimed.clone();
        self.run_write(move |tx, _| webhooks::record_attempt(tx, &claimed, &outcome, &disable, now))
            .await
    }

    async fn list_webhook_deliveries(
        &self,
        account: Option<AccountId>,
        endpoint: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeliveryReport>, StoreError> {
        let endpoint = endpoint.map(str::to_owned);
        self.run(move |conn, _| {
            webhooks::list_deliveries(conn, account, endpoint.as_deref(), limit)
        })
        .await
    }

    async fn prune_webhook_history(
        &self,
        cutoff: Timestamp,
        limit: u32,
    ) -> Result<PruneCounts, StoreError> {
        self.run_write(move |tx, _| webhooks::prune(tx, cutoff, limit))
            .await
    }

    async fn import_profiles(
        &self,
        account: AccountId,
        records: Vec<ProfileRecord>,
        progress: Option<Progress>,
    ) -> Result<ImportSummary, StoreError> {
        self.run_write(move |tx, cipher| import(tx, cipher, account, &records, progress.as_ref()))
            .await
    }

    async fn provision_account(
        &self,
        name: &AccountName,
        records: Vec<ProfileRecord>,
        key_label: Option<&KeyLabel>,
        now: Timestamp,
    ) -> Result<Provisioned, StoreError> {
        let (name, key_label) = (name.clone(), key_label.cloned());
        self.run_write(move |tx, cipher| {
            let (account, created_account) = match accounts::find_account(tx, &name) {
                Ok(account) => (account, false),
                Err(StoreError::NotFound(_)) => (accounts::create_account(tx, &name, now)?, true),
                Err(e) => return Err(e),
            };
            let summary = import(tx, cipher, account.id, &records, None)?;
            let (api_key, key_info) =
                accounts::create_api_key(tx, account.id, key_label.as_ref(), now)?;
            Ok(Provisioned {
                account,
                created_account,
                summary,
                api_key,
                key_info,
            })
        })
        .await
    }

    async fn health(&self) -> Result<(), StoreError> {
        self.point_read(|c, _| {
            c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .map(|_| ())
                .map_err(StoreError::backend)
        })
        .await
    }

    async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        self.run(|c, _| super::integrity_check(c)).await
    }

    async fn migration_status(&self) -> Result<MigrationStatus, StoreError> {
        self.run(|c, _| {
            Ok(MigrationStatus {
                current: schema::current_version(c)?,
                latest: schema::LATEST_VERSION,
            })
        })
        .await
    }

    async fn backup(&self, dest: &Path) -> Result<(), StoreError> {
        let dest: PathBuf = dest.to_owned();
        self.run(move |c, _| {
            let text = dest
                .to_str()
                .ok_or_else(|| StoreError::InvalidData("the backup path is not UTF-8".into()))?;
            // The copy holds what the database holds: made empty and 0600 first (VACUUM
            // INTO fills an empty file), it is never readable by other local users.
            super::create_private(&dest, true).map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => StoreError::Conflict(Conflict::FileExists),
                _ => StoreError::backend_with(format!("backup to {}", dest.display()), e),
            })?;
            // VACUUM INTO reads one consistent snapshot and writes a compact copy.
            c.execute("VACUUM INTO ?1", [text])
                .map(|_| ())
                .map_err(|e| {
                    // No half-written copy is left to be mistaken for a backup.
                    let _ = std::fs::remove_file(&dest);
                    StoreError::backend_with(format!("backup to {}", dest.display()), e)
                })
        })
        .await
    }
}
