//! The connection and profile gauges: set from one aggregate store read
//! ([`Repository::fleet_counts`]) when the server starts and then every interval, so that a
//! scrape never reads the database.

use super::Metrics;
use postcore_domain::{Clock, Timestamp};
use postcore_store::{FleetCounts, Repository, StoreError};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// The `expiring_7d` window: `daysUntilExpiry ≤ 7` (api.md §3), as `postcore-admin
/// connections expiring` reports by default.
pub const EXPIRING_WITHIN_DAYS: u32 = 7;

/// The `state` label values of `postcore_connections`, each with its count in a
/// [`postcore_store::PlatformCounts`]: `needs_reconnect` (marked revoked, or
/// `now ≥ expiresAt`), `expiring_7d` (not that, and `daysUntilExpiry ≤ 7`), `ok` (the
/// rest, Bluesky's connections without an expiry included).
pub const STATES: [&str; 3] = ["ok", "expiring_7d", "needs_reconnect"];

impl Metrics {
    /// Reads the counts at `now` (UTC) and sets the gauges: `postcore_profiles`,
    /// `postcore_connections` for every platform and state (zeros included), and
    /// `postcore_metrics_last_refresh_timestamp_seconds` to `now`. On a store error the
    /// gauges keep their last values, `postcore_metrics_refresh_failures_total` grows by
    /// one and a warning is logged.
    ///
    /// # Errors
    /// The store's error.
    pub async fn refresh(&self, store: &dyn Repository, now: Timestamp) -> Result<(), StoreError> {
        match store.fleet_counts(now, EXPIRING_WITHIN_DAYS).await {
            Ok(counts) => {
                self.set(&counts, now);
                Ok(())
            }
            Err(error) => {
                self.refresh_failures.inc();
                tracing::warn!(%error, "refreshing the metrics' connection counts failed");
                Err(error)
            }
        }
    }

    fn set(&self, counts: &FleetCounts, now: Timestamp) {
        let gauge = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.profiles.set(gauge(counts.profiles));
        for platform in &counts.platforms {
            let values = [platform.ok, platform.expiring, platform.needs_reconnect];
            for (state, n) in STATES.into_iter().zip(values) {
                self.connections
                    .with_label_values(&[platform.platform.as_str(), state])
                    .set(gauge(n));
            }
        }
        let seconds = now.timestamp() as f64 + f64::from(now.timestamp_subsec_nanos()) / 1e9;
        self.last_refresh.set(seconds);
        self.refreshed.send_replace(Some(now));
    }
}

/// Refreshes `metrics` from `store` every `every` (the first time `every` from now: the
/// server refreshes once before it starts serving), with `now` read from `clock` at each
/// pass. A failed pass is counted and logged and the next one tries again; a pass that
/// outlasts `every` delays the next. An `every` under a second is taken as one second.
/// Runs until the handle is aborted.
///
/// # Panics
/// When called outside a Tokio runtime (as `tokio::spawn`).
pub fn spawn_refresher(
    metrics: Arc<Metrics>,
    store: Arc<dyn Repository>,
    clock: Arc<dyn Clock>,
    every: Duration,
) -> JoinHandle<()> {
    let every = every.max(Duration::from_secs(1));
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // A failure is counted and logged by `refresh`; the next tick tries again.
            let _ = metrics.refresh(&*store, clock.now()).await;
        }
    })
}

#[cfg(test)]
mod tests;
