//! `FaultyStore`: a repository that delegates to a real one and fails where it is told to.

use postcore_domain::{
    AccountName, ApiKey, Connection, KeyLabel, Platform, Profile, ProfileFilter, ProfileKey,
    ProfileName, Timestamp,
};
use postcore_store::webhooks::{
    AttemptOutcome, AttemptRecorded, ClaimLimits, ClaimedDelivery, DeliveryReport, DisableDecision,
    NewWebhookEndpoint, NoticeIds, OutboxEvent, PruneCounts, SecretRotation, SigningSecretSet,
    WebhookEndpoint,
};
use postcore_store::{
    Account, AccountExport, AccountId, ApiKeyInfo, BackendError, ConnectOutcome, ConnectionReport,
    Credentials, DatabaseCounts, FleetCounts, ImportSummary, MigrationStatus, OAuthState,
    ProfileCursor, ProfileRecord, Progress, Provisioned, RefreshCandidate, RefreshRelease,
    RefreshTarget, Repository, StoreError, StoredConnection, Transfer,
};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Where to fail. The injected error's text names a secret-looking marker, so tests can
/// check that a cause never reaches a response body.
#[derive(Debug, Clone, Copy, Default)]
pub struct Faults {
    /// `health` fails.
    pub health: bool,
    /// `authenticate` fails.
    pub authenticate: bool,
    /// `list_profiles_page` answers this many pages, then fails.
    pub pages_before_failure: Option<usize>,
    /// `fleet_counts` (the `/metrics` gauges' refresh) fails.
    pub fleet_counts: bool,
}

/// The text of every injected error.
pub const INJECTED: &str = "injected failure: disk on fire at /var/secret/postcore.db";

/// A repository that delegates to `inner` except where `faults` says to fail.
#[derive(Debug)]
pub struct FaultyStore {
    inner: Arc<dyn Repository>,
    faults: Faults,
    /// Pages answered so far.
    pages: AtomicUsize,
}

impl FaultyStore {
    /// Wraps `inner`.
    pub fn wrap(faults: Faults) -> impl FnOnce(Arc<dyn Repository>) -> Arc<dyn Repository> {
        move |inner| {
            Arc::new(FaultyStore {
                inner,
                faults,
                pages: AtomicUsize::new(0),
            })
        }
    }
}

fn injected() -> StoreError {
    StoreError::Backend(BackendError::message(INJECTED))
}

#[async_trait::async_trait]
impl Transfer for FaultyStore {
    async fn export_account(&self, name: &AccountName) -> Result<AccountExport, StoreError> {
        self.inner.export_account(name).await
    }
    async fn import_account(
        &self,
        export: AccountExport,
        progress: Option<Progress>,
    ) -> Result<(), StoreError> {
        self.inner.import_account(export, progress).await
    }
    async fn database_counts(&self) -> Result<DatabaseCounts, StoreError> {
        self.inner.database_counts().await
    }
}

#[async_trait::async_trait]
impl Repository for FaultyStore {
    async fn create_account(
        &self,
        name: &AccountName,
        now: Timestamp,
    ) -> Result<Account, StoreError> {
        self.inner.create_account(name, now).await
    }
    async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.inner.list_accounts().await
    }
    async fn find_account(&self, name: &AccountName) -> Result<Account, StoreError> {
        self.inner.find_account(name).await
    }
    async fn create_api_key(
        &self,
        account: AccountId,
        label: Option<&KeyLabel>,
        now: Timestamp,
    ) -> Result<(ApiKey, ApiKeyInfo), StoreError> {
        self.inner.create_api_key(account, label, now).await
    }
    async fn import_api_key(
        &self,
        account: AccountId,
        key: &ApiKey,
        label: Option<&KeyLabel>,
        now: Timestamp,
    ) -> Result<ApiKeyInfo, StoreError> {
        self.inner.import_api_key(account, key, label, now).await
    }
    async fn authenticate(
        &self,
        key: &ApiKey,
        now: Timestamp,
    ) -> Result<Option<AccountId>, StoreError> {
        if self.faults.authenticate {
            return Err(injected());
        }
        self.inner.authenticate(key, now).await
    }
    async fn get_profile_as(
        &self,
        api_key: &ApiKey,
        now: Timestamp,
        key: &ProfileKey,
    ) -> Result<ProfileRecord, StoreError> {
        if self.faults.authenticate {
            return Err(injected());
        }
        self.inner.get_profile_as(api_key, now, key).await
    }
    async fn flush_last_use(&self) -> Result<(), StoreError> {
        self.inner.flush_last_use().await
    }
    async fn list_api_keys(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<ApiKeyInfo>, StoreError> {
        self.inner.list_api_keys(account).await
    }
    async fn revoke_api_key(&self, prefix: &str, now: Timestamp) -> Result<ApiKeyInfo, StoreError> {
        self.inner.revoke_api_key(prefix, now).await
    }
    async fn create_profile(
        &self,
        account: AccountId,
        key: Option<ProfileKey>,
        name: Option<ProfileName>,
        now: Timestamp,
    ) -> Result<Profile, StoreError> {
        self.inner.create_profile(account, key, name, now).await
    }
    async fn get_profile(
        &self,
        account: AccountId,
        key: &ProfileKey,
    ) -> Result<ProfileRecord, StoreError> {
        self.inner.get_profile(account, key).await
    }
    async fn list_profiles_page(
        &self,
        account: AccountId,
        filter: &ProfileFilter,
        now: Timestamp,
        after: Option<ProfileCursor>,
        limit: u32,
    ) -> Result<Vec<ProfileRecord>, StoreError> {
        let answered = self.pages.fetch_add(1, Ordering::SeqCst);
        if self
            .faults
            .pages_before_failure
            .is_some_and(|n| answered >= n)
        {
            return Err(injected());
        }
        self.inner
            .list_profiles_page(account, filter, now, after, limit)
            .await
    }
    async fn rename_profile(
        &self,
        account: AccountId,
        key: &ProfileKey,
        name: Option<ProfileName>,
    ) -> Result<Profile, StoreError> {
        self.inner.rename_profile(account, key, name).await
    }
    async fn delete_profile(
        &self,
        account: AccountId,
        key: &ProfileKey,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner.delete_profile(account, key, now).await
    }
    async fn connect(
        &self,
        account: AccountId,
        key: &ProfileKey,
        connection: Connection,
        credentials: Credentials,
    ) -> Result<ConnectOutcome, StoreError> {
        self.inner
            .connect(account, key, connection, credentials)
            .await
    }
    async fn connect_new_profile(
        &self,
        account: AccountId,
        connection: Connection,
        credentials: Credentials,
        now: Timestamp,
    ) -> Result<Profile, StoreError> {
        self.inner
            .connect_new_profile(account, connection, credentials, now)
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
        self.inner
            .mark_revoked_if_unchanged(account, key, platform, connected_at, now)
            .await
    }

    async fn platform_connections(
        &self,
        account: Option<AccountId>,
        platform: Platform,
    ) -> Result<Vec<StoredConnection>, StoreError> {
        self.inner.platform_connections(account, platform).await
    }

    async fn save_oauth_state(&self, state: OAuthState) -> Result<(), StoreError> {
        self.inner.save_oauth_state(state).await
    }

    async fn take_oauth_state(
        &self,
        digest: [u8; 32],
        now: Timestamp,
    ) -> Result<Option<OAuthState>, StoreError> {
        self.inner.take_oauth_state(digest, now).await
    }

    async fn allow_return_url(
        &self,
        account: AccountId,
        url: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.inner.allow_return_url(account, url, now).await
    }

    async fn remove_return_url(&self, account: AccountId, url: &str) -> Result<(), StoreError> {
        self.inner.remove_return_url(account, url).await
    }

    async fn return_urls(&self, account: AccountId) -> Result<Vec<String>, StoreError> {
        self.inner.return_urls(account).await
    }

    async fn is_return_url_allowed(
        &self,
        account: AccountId,
        url: &str,
    ) -> Result<bool, StoreError> {
        self.inner.is_return_url_allowed(account, url).await
    }

    async fn refresh_candidates(
        &self,
        platform: Platform,
        expiring_before: Timestamp,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<RefreshCandidate>, StoreError> {
        self.inner
            .refresh_candidates(platform, expiring_before, now, limit)
            .await
    }

    async fn claim_refresh(
        &self,
        target: &RefreshTarget,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        self.inner.claim_refresh(target, now, until).await
    }

    async fn complete_refresh(
        &self,
        target: &RefreshTarget,
        connection: Connection,
        credentials: Credentials,
    ) -> Result<bool, StoreError> {
        self.inner
            .complete_refresh(target, connection, credentials)
            .await
    }

    async fn release_refresh(
        &self,
        target: &RefreshTarget,
        release: RefreshRelease,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.inner.release_refresh(target, release, now).await
    }

    async fn disconnect(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner.disconnect(account, key, platform, now).await
    }
    async fn mark_revoked(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.inner.mark_revoked(account, key, platform, now).await
    }
    async fn credentials(
        &self,
        account: AccountId,
        key: &ProfileKey,
        platform: Platform,
    ) -> Result<Credentials, StoreError> {
        self.inner.credentials(account, key, platform).await
    }
    async fn connections_needing_attention(
        &self,
        account: Option<AccountId>,
        before: Timestamp,
    ) -> Result<Vec<ConnectionReport>, StoreError> {
        self.inner
            .connections_needing_attention(account, before)
            .await
    }
    async fn fleet_counts(
        &self,
        now: Timestamp,
        expiring_within_days: u32,
    ) -> Result<FleetCounts, StoreError> {
        if self.faults.fleet_counts {
            return Err(injected());
        }
        self.inner.fleet_counts(now, expiring_within_days).await
    }
    async fn import_profiles(
        &self,
        account: AccountId,
        profiles: Vec<ProfileRecord>,
        progress: Option<Progress>,
    ) -> Result<ImportSummary, StoreError> {
        self.inner
            .import_profiles(account, profiles, progress)
            .await
    }
    async fn provision_account(
        &self,
        name: &AccountName,
        profiles: Vec<ProfileRecord>,
        key_label: Option<&KeyLabel>,
        now: Timestamp,
    ) -> Result<Provisioned, StoreError> {
        self.inner
            .provision_account(name, profiles, key_label, now)
            .await
    }
    async fn create_webhook_endpoint(
        &self,
        account: AccountId,
        endpoint: NewWebhookEndpoint,
        now: Timestamp,
    ) -> Result<WebhookEndpoint, StoreError> {
        self.inner
            .create_webhook_endpoint(account, endpoint, now)
            .await
    }
    async fn list_webhook_endpoints(
        &self,
        account: Option<AccountId>,
    ) -> Result<Vec<WebhookEndpoint>, StoreError> {
        self.inner.list_webhook_endpoints(account).await
    }
    async fn delete_webhook_endpoint(
        &self,
        account: AccountId,
        id: &str,
    ) -> Result<(), StoreError> {
        self.inner.delete_webhook_endpoint(account, id).await
    }
    async fn rotate_webhook_secret(
        &self,
        account: AccountId,
        id: &str,
        rotation: SecretRotation,
    ) -> Result<WebhookEndpoint, StoreError> {
        self.inner
            .rotate_webhook_secret(account, id, rotation)
            .await
    }
    async fn set_webhook_endpoint_disabled(
        &self,
        account: AccountId,
        id: &str,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<WebhookEndpoint, StoreError> {
        self.inner
            .set_webhook_endpoint_disabled(account, id, reason, now)
            .await
    }
    async fn webhook_signing_secrets(
        &self,
        id: &str,
        now: Timestamp,
    ) -> Result<SigningSecretSet, StoreError> {
        self.inner.webhook_signing_secrets(id, now).await
    }
    async fn enqueue_ping(
        &self,
        account: AccountId,
        id: &str,
        now: Timestamp,
    ) -> Result<OutboxEvent, StoreError> {
        self.inner.enqueue_ping(account, id, now).await
    }
    async fn enqueue_due_notices(
        &self,
        now: Timestamp,
        thresholds_secs: &[u64],
        limit: u32,
        ids: NoticeIds,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        self.inner
            .enqueue_due_notices(now, thresholds_secs, limit, ids)
            .await
    }
    async fn claim_webhook_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limits: ClaimLimits,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        self.inner
            .claim_webhook_deliveries(now, lease_until, limits)
            .await
    }
    async fn record_webhook_attempt(
        &self,
        claimed: &ClaimedDelivery,
        now: Timestamp,
        outcome: AttemptOutcome,
        disable: DisableDecision,
    ) -> Result<AttemptRecorded, StoreError> {
        self.inner
            .record_webhook_attempt(claimed, now, outcome, disable)
            .await
    }
    async fn list_webhook_deliveries(
        &self,
        account: Option<AccountId>,
        endpoint: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeliveryReport>, StoreError> {
        self.inner
            .list_webhook_deliveries(account, endpoint, limit)
            .await
    }
    async fn prune_webhook_history(
        &self,
        cutoff: Timestamp,
        limit: u32,
    ) -> Result<PruneCounts, StoreError> {
        self.inner.prune_webhook_history(cutoff, limit).await
    }
    async fn health(&self) -> Result<(), StoreError> {
        if self.faults.health {
            return Err(injected());
        }
        self.inner.health().await
    }
    async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        self.inner.integrity_check().await
    }
    async fn migration_status(&self) -> Result<MigrationStatus, StoreError> {
        self.inner.migration_status().await
    }
    async fn backup(&self, dest: &Path) -> Result<(), StoreError> {
        self.inner.backup(dest).await
    }
}
