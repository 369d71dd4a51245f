//! The backend conformance suite: every [`Repository`] implementation must pass it.
//!
//! Each case is an `async fn(Arc<dyn Repository>)` that starts from an empty store; the
//! transfer cases take two empty stores of the same backend (source, destination).
//! [`conformance_suite!`](crate::conformance_suite) expands to one `#[tokio::test]` per case
//! for a backend, given an async expression that makes a fresh store:
//!
//! ```text
//! postcore_store::conformance_suite!(postcore_store::testing::fresh_sqlite().await);
//! ```
//!
//! A backend that may be absent (PostgreSQL, without `POSTCORE_TEST_POSTGRES_URL`) gives
//! an `Option` and the `optional:` form: each test then passes without running.
//!
//! ```text
//! postcore_store::conformance_suite!(optional: postcore_store::testing::fresh_postgres().await);
//! ```

mod accounts;
mod connect_flows;
mod connections;
mod filters;
mod fleet;
mod oauth;
mod pages;
#[cfg(feature = "postgres")]
mod postgres;
mod profiles;
mod transfer;
mod transfer_webhooks;
mod webhook_fairness;
mod webhook_retention;
mod webhooks;

pub use accounts::*;
pub use connect_flows::*;
pub use connections::*;
pub use filters::*;
pub use fleet::*;
pub use oauth::*;
pub use pages::*;
#[cfg(feature = "postgres")]
pub use postgres::{PgTestDatabase, PgTestStore, TEST_POSTGRES_URL_ENV, fresh_postgres};
pub use profiles::*;
pub use transfer::*;
pub use transfer_webhooks::*;
pub use webhook_fairness::*;
pub use webhook_retention::*;
pub use webhooks::*;

use crate::{AccountId, ProfileRecord, Repository, SecretKeySource, StoreConfig, StoreError};
use chrono::TimeZone;
use futures::TryStreamExt as _;
use postcore_domain::{AccountName, KeyLabel, ProfileKey, Timestamp};
use std::sync::Arc;

/// A repository on a fresh temporary SQLite file; the directory lives as long as this value.
pub struct TestStore {
    /// The repository under test.
    pub repo: Arc<dyn Repository>,
    /// The temporary directory holding the database and nothing else.
    pub dir: tempfile::TempDir,
}

impl std::ops::Deref for TestStore {
    type Target = Arc<dyn Repository>;
    fn deref(&self) -> &Self::Target {
        &self.repo
    }
}

/// Base64 of 32 bytes of 7s: the secret key of test stores (a fixture, not a real secret).
pub const TEST_SECRET_KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

/// Opens a fresh SQLite store in a new temporary directory (`<dir>/postcore.db`).
///
/// # Panics
/// When the store cannot be opened (a test failure).
pub async fn fresh_sqlite() -> TestStore {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = StoreConfig {
        database_url: format!("sqlite://{}", dir.path().join("postcore.db").display()),
        secret_key: SecretKeySource::Base64(TEST_SECRET_KEY.to_owned().into()),
    };
    let repo = crate::open(config).await.expect("open a fresh store");
    TestStore { repo, dir }
}

/// `2025-01-01T00:00:00Z` + `seconds`: deterministic instants for the suite.
pub fn t(seconds: i64) -> Timestamp {
    chrono::Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::seconds(seconds)
}

/// Creates an account named `name` at `t(0)`.
///
/// # Panics
/// When the store refuses (a test failure).
pub async fn account(repo: &Arc<dyn Repository>, name: &str) -> AccountId {
    repo.create_account(&account_name(name), t(0))
        .await
        .expect("create account")
        .id
}

/// Parses an account name, panicking on a malformed fixture.
pub fn account_name(text: &str) -> AccountName {
    AccountName::parse(text).expect("fixture account name")
}

/// Parses an API key label, panicking on a malformed fixture.
pub fn key_label(text: &str) -> KeyLabel {
    KeyLabel::parse(text).expect("fixture key label")
}

/// Every profile of `account`, read through [`crate::stream_profile_pages`] with pages of
/// `page_size`.
///
/// # Errors
/// The first error of the stream.
pub async fn all_profiles(
    repo: &Arc<dyn Repository>,
    account: AccountId,
    page_size: u32,
) -> Result<Vec<ProfileRecord>, StoreError> {
    let pages: Vec<Vec<ProfileRecord>> =
        crate::stream_profile_pages(Arc::clone(repo), account, page_size)
            .try_collect()
            .await?;
    Ok(pages.into_iter().flatten().collect())
}

/// Parses a profile key, panicking on a malformed fixture.
pub fn key(text: &str) -> ProfileKey {
    ProfileKey::parse(text).expect("fixture key")
}

/// Expands to one `#[tokio::test]` per conformance case. `$make` is an async expression
/// (evaluated once per test) that yields a value dereferencing to `Arc<dyn Repository>`
/// and keeping the store alive, such as [`fresh_sqlite`]`().await`.
///
/// `optional: $make` takes an expression yielding an `Option` of such a value; with
/// `None` (the backend is not available here) each test returns at once and passes.
#[macro_export]
macro_rules! conformance_suite {
    (optional: $make:expr) => {
        $crate::conformance_suite!(@cases
            (match $make {
                ::std::option::Option::Some(store) => store,
                ::std::option::Option::None => return,
            });
            @all
        );
    };
    ($make:expr) => {
        $crate::conformance_suite!(@cases $make; @all);
    };
    (@cases $make:expr; @all) => {
        $crate::conformance_suite!(@cases $make;
            accounts_are_created_listed_and_found,
            account_names_are_unique_and_validated,
            api_keys_authenticate_to_their_account_until_revoked,
            api_key_listing_never_holds_the_key,
            api_key_prefixes_must_be_unambiguous_to_revoke,
            api_keys_need_an_existing_account,
            imported_api_keys_authenticate_like_created_ones,
            profiles_are_read_as_an_api_key_in_one_call,
            profiles_get_generated_or_given_keys,
            profile_keys_are_unique_across_accounts,
            profiles_are_renamed_and_deleted,
            unknown_profiles_are_not_found_everywhere,
            other_accounts_profiles_are_not_found_everywhere,
            deleting_a_profile_removes_its_connections_and_secrets,
            connecting_twice_with_the_same_account_renews_in_place,
            webhook_endpoints_are_created_rotated_disabled_and_deleted,
            retired_secrets_sign_until_their_own_windows_end,
            pings_reach_disabled_endpoints_and_enabling_resets_them,
            connects_write_connected_events_for_subscribed_endpoints,
            a_refused_connect_writes_no_event,
            timed_notices_are_written_once_at_each_threshold,
            revoked_connections_get_no_timed_notices,
            deliveries_are_leased_once_and_failures_are_booked,
            claims_keep_the_per_endpoint_and_per_account_caps,
            an_account_has_at_most_20_webhook_endpoints,
            every_write_path_writes_its_event,
            webhook_history_is_pruned_in_batches_keeping_pending_and_live,
            connecting_another_account_is_a_conflict_that_changes_nothing,
            connections_are_disconnected_and_marked_revoked,
            connecting_to_a_new_profile_creates_both_in_one_transaction,
            revoke_marks_lose_to_renewals_made_since,
            platform_connections_carry_owners_and_secrets,
            oauth_states_are_single_use_and_expire,
            return_urls_are_allowed_per_account,
            refreshes_are_leased_once_and_end_in_one_of_three_ways,
            credentials_round_trip_and_stay_apart_per_connection,
            expiry_report_lists_expiring_and_revoked_soonest_first,
            expiry_bounds_keep_fractions_of_a_second,
            fleet_counts_of_an_empty_store_are_zero_for_every_platform,
            fleet_counts_sort_connections_by_state_as_the_expiry_rules_do,
            fleet_counts_keep_fractions_of_a_second,
            invalid_connections_are_refused_and_nothing_is_written,
            profiles_are_listed_in_contract_order_with_connections,
            keyset_pages_return_every_profile_once_under_concurrent_changes,
            filters_select_the_profiles_the_expiry_rules_name,
            filters_agree_with_the_domain_rule_at_every_edge,
            the_stream_returns_every_profile_in_order_across_pages,
            imports_preserve_keys_and_are_idempotent,
            imports_that_collide_with_another_account_write_nothing,
            provisioning_is_one_transaction,
            health_migrations_integrity_and_backup_work,
            account_imports_that_collide_write_nothing,
        );
        $crate::conformance_suite!(@pairs $make;
            whole_accounts_move_between_stores_with_keys_secrets_and_urls,
        );
    };
    (@cases $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let store = $make;
                $crate::testing::$case(::std::sync::Arc::clone(&*store)).await;
            }
        )*
    };
    (@pairs $make:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let source = $make;
                let dest = $make;
                $crate::testing::$case(
                    ::std::sync::Arc::clone(&*source),
                    ::std::sync::Arc::clone(&*dest),
                )
                .await;
            }
        )*
    };
}
