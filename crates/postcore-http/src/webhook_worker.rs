//! The webhook worker (issue 13): the server's background task that finds the timed
//! notices due (`connection.expiring`, `connection.expired`; none for a connection marked
//! as needing a reconnect) and delivers the outbox.
//!
//! Every `scheduler_interval` of real time it runs a scheduler pass
//! ([`Repository::enqueue_due_notices`] at the injected clock's `now`, with the configured
//! thresholds); every [`DELIVERY_POLL`] it claims the due deliveries
//! ([`Repository::claim_webhook_deliveries`], leased in the database so that several
//! servers on one database never send one delivery at once) up to the number of free
//! places among `concurrency` attempts in flight, and sends each in its own task; while a
//! claim comes back full it claims again as places free up, so a backlog goes out at the
//! receivers' pace. The claim itself keeps each endpoint to `endpoint_concurrency` and
//! each account to `account_concurrency` attempts in flight, counting every server's
//! leases: a receiver that never answers holds at most `endpoint_concurrency` places for
//! the per-attempt timeout, an account at most `account_concurrency`, and the other
//! accounts' deliveries go out in the places left. The scheduler and the deliveries run
//! side by side, neither waiting for the other. Each attempt is signed with the endpoint's
//! current secret and each retired one still within 24 h of its own rotation (at most 3),
//! and recorded with [`Repository::record_webhook_attempt`],
//! carrying `postcore-webhooks`' retry and disable decisions; an endpoint disabled by an
//! attempt is logged at WARN. Decisions read only the injected [`Clock`]; the timers only
//! say when to look.

use postcore_domain::{Clock, Timestamp};
use postcore_store::webhooks::{
    AttemptOutcome, ClaimLimits, ClaimedDelivery, DisableDecision, EventSnapshot, NoticeIds,
    NoticeKey, OutboxEvent, WebhookEventKind, prune_all_webhook_history,
};
use postcore_store::{ExposeSecret as _, Repository, StoreError};
use postcore_webhooks::{
    ConnectionEvent, Deliverer, DeliveryOutcome, DeliverySettings, DisableReason, DisableRule,
    EventId, NextAttempt, Retention, RetiredSecret, RetryPolicy, TimedNotice, WebhookEvent,
    WebhookSecret, random_u64, signing_secrets,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

/// How often (real time) the worker looks for deliveries that are due.
pub const DELIVERY_POLL: Duration = Duration::from_secs(1);

/// Most notices one scheduler call writes, most deliveries one claim takes, and most rows
/// of each kind one prune call removes; a pass repeats the scheduler and prune calls while
/// they come back full.
const BATCH: u32 = 100;

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct WebhookWorkerSettings {
    /// Thresholds before `expiresAt` at which `connection.expiring` is sent (whole
    /// seconds; default 7 days and 1 day).
    pub thresholds: Vec<Duration>,
    /// Real time between two scheduler passes (the first runs at start).
    pub scheduler_interval: Duration,
    /// The per-attempt limits and the SSRF guard's setting.
    pub delivery: DeliverySettings,
    /// When to try again, and when to give up (default: ~24 h).
    pub retry: RetryPolicy,
    /// When an endpoint is disabled.
    pub disable: DisableRule,
    /// Most attempts in flight at once in this server, all accounts together (default
    /// 64; `--webhook-concurrency`).
    pub concurrency: usize,
    /// How long finished history is kept (default 30 days; 0 days: for ever).
    pub retention: Retention,
    /// Most attempts in flight at once per account, across every server on the database
    /// (default 8; `--webhook-account-concurrency`); at most `concurrency`.
    pub account_concurrency: u32,
    /// Most attempts in flight at once per endpoint, across every server on the database
    /// (default 2; `--webhook-endpoint-concurrency`); at most `account_concurrency`.
    pub endpoint_concurrency: u32,
}

impl Default for WebhookWorkerSettings {
    fn default() -> Self {
        Self {
            thresholds: vec![Duration::from_secs(7 * 86_400), Duration::from_secs(86_400)],
            scheduler_interval: Duration::from_secs(60),
            delivery: DeliverySettings::default(),
            retry: RetryPolicy::default(),
            disable: DisableRule::default(),
            concurrency: 64,
            account_concurrency: 8,
            endpoint_concurrency: 2,
            retention: Retention::default(),
        }
    }
}

impl WebhookWorkerSettings {
    /// How long a claim keeps other workers off a delivery: twice the attempt's timeout
    /// plus a minute, so that a lease outlives its attempt.
    fn lease(&self) -> chrono::Duration {
        let timeout = self.delivery.timeout.max(self.delivery.connect_timeout);
        chrono::Duration::from_std(timeout * 2 + Duration::from_secs(60))
            .unwrap_or(chrono::Duration::hours(1))
    }
}

/// Parses `--webhook-thresholds`: durations separated by commas, each a whole number
/// followed by `d`, `h`, `m` or `s` (`7d,1d`; `36h`). An empty list sends no
/// `connection.expiring` (only `connection.expired`).
///
/// # Errors
/// A message naming the part that is not such a duration (or is zero).
pub fn parse_thresholds(text: &str) -> Result<Vec<Duration>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|part| {
            let part = part.trim();
            let bad = || format!("{part:?} is not a duration such as 7d, 36h, 90m or 30s");
            let unit = match part.chars().last() {
                Some('d') => 86_400,
                Some('h') => 3_600,
                Some('m') => 60,
                Some('s') => 1,
                _ => return Err(bad()),
            };
            let number: u64 = part[..part.len() - 1].parse().map_err(|_| bad())?;
            match number.checked_mul(unit) {
                Some(0) | None => Err(bad()),
                Some(secs) => Ok(Duration::from_secs(secs)),
            }
        })
        .collect()
}

/// Starts the worker; it runs until the handle is aborted (or the runtime stops), and
/// never panics on a store or receiver error (each is a WARN line, and the next pass
/// tries again).
///
/// # Errors
/// When the HTTP client cannot be built.
///
/// # Panics
/// When called outside a Tokio runtime (as `tokio::spawn`).
pub fn spawn_webhook_worker(
    store: Arc<dyn Repository>,
    clock: Arc<dyn Clock>,
    settings: WebhookWorkerSettings,
) -> Result<JoinHandle<()>, postcore_webhooks::BuildError> {
    let deliverer = Deliverer::new(settings.delivery.clone())?;
    let worker = Arc::new(Worker {
        store,
        clock,
        deliverer,
        places: Arc::new(Semaphore::new(settings.concurrency.max(1))),
        finished: tokio::sync::Notify::new(),
        settings,
    });
    Ok(tokio::spawn(async move { worker.run().await }))
}

struct Worker {
    store: Arc<dyn Repository>,
    clock: Arc<dyn Clock>,
    deliverer: Deliverer,
    places: Arc<Semaphore>,
    /// Told each time an attempt ends: its place and its endpoint's and account's caps are
    /// free again, so the delivery loop looks for more at once.
    finished: tokio::sync::Notify,
    settings: WebhookWorkerSettings,
}

impl Worker {
    /// The scheduler and the deliveries, side by side in one task (aborting it stops
    /// both): a slow scheduler pass never holds deliveries back, nor the reverse.
    async fn run(self: Arc<Self>) {
        tokio::join!(
            Arc::clone(&self).schedule_loop(),
            Arc::clone(&self).delivery_loop()
        );
    }

    /// A scheduler pass at start, then every `scheduler_interval`.
    async fn schedule_loop(self: Arc<Self>) {
        let mut scheduler = tokio::time::interval(self.settings.scheduler_interval);
        scheduler.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            scheduler.tick().await;
            if let Err(error) = self.schedule().await {
                tracing::warn!(%error, "webhook scheduler pass failed");
            }
        }
    }

    /// Every [`DELIVERY_POLL`], every due delivery: claims go on as places free up while
    /// they come back full, so a backlog is sent at the pace of the receivers (at most
    /// `concurrency` attempts at once), not one claim per poll.
    async fn delivery_loop(self: Arc<Self>) {
        let mut poll = tokio::time::interval(DELIVERY_POLL);
        poll.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            if let Err(error) = Arc::clone(&self).deliver_due().await {
                tracing::warn!(%error, "claiming webhook deliveries failed");
            }
            // More may be due behind the caps: look again as soon as an attempt ends (an
            // endpoint's backlog goes out at its receiver's pace, not two a poll), or at
            // the next poll for what came due meanwhile.
            tokio::select! {
                () = self.finished.notified() => {}
                _ = poll.tick() => {}
            }
        }
    }

    /// One scheduler pass: every due notice at `now`, in batches.
    async fn schedule(&self) -> Result<(), StoreError> {
        let thresholds: Vec<u64> = self
            .settings
            .thresholds
            .iter()
            .map(Duration::as_secs)
            .collect();
        let now = self.clock.now();
        let mut events = 0;
        loop {
            let written = self
                .store
                .enqueue_due_notices(now, &thresholds, BATCH, notice_ids())
                .await?;
            events += written.len();
            if written.len() < BATCH as usize {
                break;
            }
        }
        // A failed prune is its own WARN line; the pass still counts (its notices are
        // written), and the next pass prunes again.
        if let Err(error) = self.prune(now).await {
            tracing::warn!(%error, "pruning webhook history failed");
        }
        // One line per pass (DEBUG when it found nothing): tests wait for the pass at an
        // instant of their clock before they look at what it wrote (and pruned).
        let now = postcore_domain::format_timestamp(now);
        if events > 0 {
            tracing::info!(%now, events, "webhook scheduler pass");
        } else {
            tracing::debug!(%now, events, "webhook scheduler pass");
        }
        Ok(())
    }

    /// Removes the finished history older than the retention at `now`, in batches; one
    /// INFO line with the counts when anything was removed.
    async fn prune(&self, now: Timestamp) -> Result<(), StoreError> {
        let Some(cutoff) = self.settings.retention.cutoff(now) else {
            return Ok(());
        };
        let removed = prune_all_webhook_history(&*self.store, cutoff, BATCH).await?;
        if removed.total() > 0 {
            tracing::info!(
                cutoff = %postcore_domain::format_timestamp(cutoff),
                deliveries = removed.deliveries,
                events = removed.events,
                notices = removed.notices,
                "webhook history pruned"
            );
        }
        Ok(())
    }

    /// Claims as many due deliveries as there are free places and starts each, and again
    /// (waiting for a place to free up) while a claim comes back full.
    async fn deliver_due(self: Arc<Self>) -> Result<(), StoreError> {
        loop {
            let Ok(first) = Arc::clone(&self.places).acquire_owned().await else {
                return Ok(()); // The semaphore is never closed.
            };
            let mut places = vec![first];
            while let Ok(place) = Arc::clone(&self.places).try_acquire_owned() {
                places.push(place);
                if places.len() >= BATCH as usize {
                    break;
                }
            }
            let limit = places.len();
            let now = self.clock.now();
            let limits = ClaimLimits {
                total: u32::try_from(limit).unwrap_or(BATCH),
                per_account: self.settings.account_concurrency,
                per_endpoint: self.settings.endpoint_concurrency,
            };
            let claimed = self
                .store
                .claim_webhook_deliveries(now, now + self.settings.lease(), limits)
                .await?;
            let full = claimed.len() >= limit;
            for (delivery, place) in claimed.into_iter().zip(places) {
                let worker = Arc::clone(&self);
                tokio::spawn(async move {
                    worker.attempt(delivery).await;
                    drop(place);
                    worker.finished.notify_one();
                });
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// One attempt of one claimed delivery, recorded.
    async fn attempt(&self, claimed: ClaimedDelivery) {
        let now = self.clock.now();
        let outcome = match self.send(&claimed, now).await {
            Ok(outcome) => outcome,
            Err(error) => {
                tracing::warn!(%error, delivery = claimed.id, "webhook attempt could not be made");
                return;
            }
        };
        let (outcome, disable) = self.decide(&claimed, self.clock.now(), outcome);
        log_attempt(&claimed, &outcome);
        match self
            .store
            .record_webhook_attempt(&claimed, self.clock.now(), outcome, disable)
            .await
        {
            Ok(recorded) => {
                if let Some(reason) = recorded.disabled {
                    tracing::warn!(
                        endpoint = %claimed.endpoint_id,
                        %reason,
                        "webhook endpoint disabled"
                    );
                }
            }
            Err(error) => {
                tracing::warn!(%error, delivery = claimed.id, "recording a webhook attempt failed");
            }
        }
    }

    /// Signs and sends the event.
    async fn send(
        &self,
        claimed: &ClaimedDelivery,
        now: Timestamp,
    ) -> Result<DeliveryOutcome, anyhow::Error> {
        let secrets = self
            .store
            .webhook_signing_secrets(&claimed.endpoint_id, now)
            .await?;
        let current = WebhookSecret::parse(secrets.current.expose_secret())?;
        let retired = secrets
            .retired
            .iter()
            .map(|(secret, until)| {
                WebhookSecret::parse(secret.expose_secret()).map(|secret| RetiredSecret {
                    secret,
                    signs_until: *until,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let keys = signing_secrets(&current, &retired, now);
        let payload = render(&claimed.event)?.payload();
        Ok(self
            .deliverer
            .deliver(&claimed.url, &keys, &payload, now)
            .await)
    }

    /// The store's outcome and disable decision for what an attempt gave.
    fn decide(
        &self,
        claimed: &ClaimedDelivery,
        now: Timestamp,
        outcome: DeliveryOutcome,
    ) -> (AttemptOutcome, DisableDecision) {
        let mut disable = DisableDecision {
            after_consecutive_failures: self.settings.disable.after_failed_deliveries,
            now: None,
        };
        let failure = match outcome {
            DeliveryOutcome::Delivered { status } => {
                return (AttemptOutcome::Delivered { status }, disable);
            }
            DeliveryOutcome::Failed(failure) => failure,
        };
        let status = failure.status();
        let error = failure.reason(self.deliverer.settings());
        if status == Some(410) {
            disable.now = Some(DisableReason::Gone.to_string());
            return (AttemptOutcome::GiveUp { status, error }, disable);
        }
        let next = self.settings.retry.next_attempt(
            claimed.event.created_at,
            claimed.attempts + 1,
            now,
            failure.retry_after(),
            random_u64(),
        );
        let outcome = match next {
            NextAttempt::At(next_attempt_at) => AttemptOutcome::Retry {
                next_attempt_at,
                status,
                error,
            },
            NextAttempt::GiveUp => AttemptOutcome::GiveUp { status, error },
        };
        (outcome, disable)
    }
}

/// One line per attempt, for an operator: DEBUG when delivered, INFO when it will be
/// retried, WARN when the delivery failed for good. Fields: `endpoint`, `delivery`,
/// `event`, `attempt` (1 for the first), and for a failure `status` and `error` (the
/// reason `deliveries` shows; never the URL, which may hold a token, nor a secret).
fn log_attempt(claimed: &ClaimedDelivery, outcome: &AttemptOutcome) {
    let (endpoint, delivery, event) = (&claimed.endpoint_id, claimed.id, &claimed.event.id);
    let attempt = claimed.attempts + 1;
    match outcome {
        AttemptOutcome::Delivered { status } => {
            tracing::debug!(%endpoint, delivery, %event, attempt, status, "webhook delivered");
        }
        AttemptOutcome::Retry {
            next_attempt_at,
            status,
            error,
        } => {
            let next = postcore_domain::format_timestamp(*next_attempt_at);
            tracing::info!(
                %endpoint, delivery, %event, attempt, status, %error, %next,
                "webhook attempt failed; it will be retried"
            );
        }
        AttemptOutcome::GiveUp { status, error } => {
            tracing::warn!(
                %endpoint, delivery, %event, attempt, status, %error,
                "webhook delivery failed; no more attempts"
            );
        }
    }
}

/// The ids of timed notices: `postcore-webhooks`' deterministic `EventId::for_notice`.
fn notice_ids() -> NoticeIds {
    Arc::new(|key: NoticeKey<'_>| {
        let notice = match key.threshold_secs {
            Some(secs) => TimedNotice::Expiring {
                threshold: Duration::from_secs(secs),
            },
            None => TimedNotice::Expired,
        };
        EventId::for_notice(key.profile, key.platform, key.expires_at, notice)
            .as_str()
            .to_owned()
    })
}

/// The wire event of an outbox row.
fn render(event: &OutboxEvent) -> Result<WebhookEvent, anyhow::Error> {
    let id = EventId::parse(&event.id)?;
    let at = event.created_at;
    let connection_kind = match event.kind {
        WebhookEventKind::ConnectionExpiring => ConnectionEvent::Expiring,
        WebhookEventKind::ConnectionExpired => ConnectionEvent::Expired,
        WebhookEventKind::ConnectionNeedsReconnect => ConnectionEvent::NeedsReconnect,
        WebhookEventKind::ConnectionConnected => ConnectionEvent::Connected,
        WebhookEventKind::ConnectionDisconnected => ConnectionEvent::Disconnected,
        WebhookEventKind::ProfileDeleted | WebhookEventKind::Ping => {
            return match &event.snapshot {
                EventSnapshot::Profile(profile) => {
                    Ok(WebhookEvent::profile_deleted(id, profile, at))
                }
                EventSnapshot::Ping => Ok(WebhookEvent::ping(id, at)),
                EventSnapshot::Connection { .. } => {
                    anyhow::bail!("a {} event with a connection", event.kind)
                }
            };
        }
    };
    match &event.snapshot {
        EventSnapshot::Connection {
            profile,
            connection,
        } => Ok(WebhookEvent::connection(
            connection_kind,
            id,
            profile,
            connection,
            at,
        )),
        _ => anyhow::bail!("a {} event without its connection", event.kind),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_read_days_hours_minutes_and_seconds() {
        assert_eq!(
            parse_thresholds("7d,1d"),
            Ok(vec![
                Duration::from_secs(7 * 86_400),
                Duration::from_secs(86_400)
            ])
        );
        assert_eq!(
            parse_thresholds(" 36h , 90m,30s"),
            Ok(vec![
                Duration::from_secs(36 * 3_600),
                Duration::from_secs(5_400),
                Duration::from_secs(30)
            ])
        );
        assert_eq!(parse_thresholds(""), Ok(vec![]));
        for bad in ["7", "0d", "d", "7w", "1.5d", "-1d", "7d,,1d"] {
            assert!(parse_thresholds(bad).is_err(), "{bad:?}");
        }
    }
}
