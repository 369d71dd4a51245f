//! `spawn_refresher`: the server's background task that runs a pass at a fixed period.

use crate::{RefreshSettings, refresh_due};
use postcore_domain::Clock;
use postcore_platforms::linkedin::LinkedInClient;
use postcore_store::Repository;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// Runs [`refresh_due`] over every account every `every` (the first pass at once), with
/// `now` read from `clock` at each pass. A pass that took any connection logs one info
/// line with its counts; each failure is a warning (from the pass), and a store error
/// ends only that pass. Never panics; runs until the returned handle is aborted (or the
/// runtime stops). A pass that outlasts `every` delays the next instead of bunching them.
///
/// # Panics
/// When called outside a Tokio runtime (as `tokio::spawn`).
pub fn spawn_refresher(
    store: Arc<dyn Repository>,
    linkedin: LinkedInClient,
    clock: Arc<dyn Clock>,
    settings: RefreshSettings,
    every: std::time::Duration,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let now = clock.now();
            match refresh_due(&*store, &linkedin, now, &settings, None, false).await {
                Ok(report) if report.is_empty() => {}
                Ok(report) => tracing::info!(
                    platform = "linkedin",
                    due = report.rows.len(),
                    refreshed = report.refreshed(),
                    needs_reconnect = report.needs_reconnect(),
                    retry_later = report.retry_later(),
                    lost_race = report.lost_race(),
                    "token refresh pass"
                ),
                Err(error) => tracing::warn!(%error, "token refresh pass failed"),
            }
        }
    })
}
