//! Conformance case for the retention of webhook history
//! ([`Repository::prune_webhook_history`]): finished deliveries and their events go after
//! the cutoff, pending ones never; notice records of tokens that no longer exist go, those
//! of live tokens never; each call is bounded and repeating until short drains all.

use super::webhooks::{endpoint, notice_pass, test_notice_ids};
use super::{account, key, t};
use crate::webhooks::{
    AttemptOutcome, ClaimLimits, DeliveryStatus, DisableDecision, EventSnapshot, PruneCounts,
    WebhookEventKind, prune_all_webhook_history,
};
use crate::{Credentials, Repository};
use postcore_domain::{Connection, Platform, Timestamp};
use std::collections::HashMap;
use std::sync::Arc;

const DAY: i64 = 86_400;
/// The cutoff of the case: day 100.
const CUTOFF: i64 = 100 * DAY;

fn counts(deliveries: u32, events: u32, notices: u32) -> PruneCounts {
    PruneCounts {
        deliveries,
        events,
        notices,
    }
}

async fn prune(repo: &Arc<dyn Repository>, cutoff: Timestamp, limit: u32) -> PruneCounts {
    repo.prune_webhook_history(cutoff, limit).await.unwrap()
}

/// Account `a`: pings delivered (days 10, 20, 30), failed (40), pending untried (50),
/// pending after a failed try (60), delivered at the cutoff and after it; one
/// `connection.connected` (day 5) delivered to one endpoint and pending to another.
/// Account `b` (no event kind of its endpoint is written): 7-day notices recorded on day
/// 53 for four tokens, then one renewed, one disconnected, one deleted with its profile;
/// on day 103 an expired notice of the live token and a 7-day notice of a fifth token,
/// then disconnected. Account `c`: a 7-day notice whose event waits, pending, for a
/// disabled endpoint; its token disconnected. Pruned at day 100 with batches of 2: exactly
/// the finished old deliveries, their events, and the three notices of gone tokens
/// recorded before day 100 whose event is gone.
pub async fn webhook_history_is_pruned_in_batches_keeping_pending_and_live(
    repo: Arc<dyn Repository>,
) {
    let a = account(&repo, "a").await;
    let pings = endpoint(&repo, a, &[WebhookEventKind::Ping]).await;
    endpoint(&repo, a, &[WebhookEventKind::ConnectionConnected]).await;
    let h = endpoint(&repo, a, &[WebhookEventKind::ConnectionConnected]).await;
    let shared = key("prof_shared");
    repo.create_profile(a, Some(shared.clone()), None, t(0))
        .await
        .unwrap();
    let li = |at: i64| Connection::new(Platform::LinkedIn, "John Doe", "johndoe", t(at));
    repo.connect(a, &shared, li(5), Credentials::default())
        .await
        .unwrap();
    let mut ping_at = HashMap::new();
    for day in [10, 20, 30, 40, 50, 60] {
        let e = repo.enqueue_ping(a, &pings.id, t(day * DAY)).await.unwrap();
        ping_at.insert(e.id, day);
    }
    for at in [CUTOFF, CUTOFF + 10] {
        let e = repo.enqueue_ping(a, &pings.id, t(at)).await.unwrap();
        ping_at.insert(e.id, at);
    }
    let keep_trying = DisableDecision {
        after_consecutive_failures: 100,
        now: None,
    };
    let now = t(CUTOFF + 20);
    for d in repo
        .claim_webhook_deliveries(
            now,
            now + chrono::Duration::minutes(1),
            ClaimLimits::uncapped(100),
        )
        .await
        .unwrap()
    {
        let outcome = match ping_at.get(&d.event.id) {
            Some(40) => AttemptOutcome::GiveUp {
                status: Some(500),
                error: "HTTP 500".to_owned(),
            },
            Some(50) => continue,
            Some(60) => AttemptOutcome::Retry {
                next_attempt_at: t(CUTOFF + 30 * DAY),
                status: Some(500),
                error: "HTTP 500".to_owned(),
            },
            None if d.endpoint_id == h.id => continue,
            _ => AttemptOutcome::Delivered { status: 200 },
        };
        let recorded = repo
            .record_webhook_attempt(&d, now, outcome, keep_trying.clone())
            .await
            .unwrap();
        assert!(recorded.applied);
    }

    let b = account(&repo, "b").await;
    endpoint(&repo, b, &[WebhookEventKind::ConnectionNeedsReconnect]).await;
    let [live, renewed, disconnected, deleted, late] = [
        "prof_live",
        "prof_renewed",
        "prof_gone",
        "prof_deleted",
        "prof_late",
    ]
    .map(key);
    for k in [&live, &renewed, &disconnected, &deleted, &late] {
        repo.create_profile(b, Some(k.clone()), None, t(0))
            .await
            .unwrap();
    }
    for k in [&live, &renewed, &disconnected, &deleted] {
        repo.connect(b, k, li(0), Credentials::default())
            .await
            .unwrap();
    }
    // Account `c`: a 7-day notice told to an endpoint that is then disabled, so its
    // delivery stays pending; its token is disconnected.
    let c = account(&repo, "c").await;
    let x = endpoint(&repo, c, &[WebhookEventKind::ConnectionExpiring]).await;
    let told = key("prof_told");
    repo.create_profile(c, Some(told.clone()), None, t(0))
        .await
        .unwrap();
    repo.connect(c, &told, li(0), Credentials::default())
        .await
        .unwrap();
    let ids = test_notice_ids();
    // Five 7-day notices recorded; one event, `c`'s (no endpoint of `b` takes the kind).
    let written: Vec<_> = notice_pass(&repo, &ids, 53 * DAY)
        .await
        .into_iter()
        .map(|e| (e.kind, e.account, e.created_at))
        .collect();
    assert_eq!(
        written,
        vec![(WebhookEventKind::ConnectionExpiring, c, t(53 * DAY))]
    );
    repo.set_webhook_endpoint_disabled(c, &x.id, Some("paused".to_owned()), t(54 * DAY))
        .await
        .unwrap();
    repo.disconnect(c, &told, Platform::LinkedIn, t(54 * DAY))
        .await
        .unwrap();
    repo.connect(b, &renewed, li(54 * DAY), Credentials::default())
        .await
        .unwrap();
    repo.disconnect(b, &disconnected, Platform::LinkedIn, t(54 * DAY))
        .await
        .unwrap();
    repo.delete_profile(b, &deleted, t(54 * DAY)).await.unwrap();
    repo.connect(b, &late, li(50 * DAY), Credentials::default())
        .await
        .unwrap();
    // The live token's expired notice and the late token's 7-day notice, after the cutoff.
    assert_eq!(notice_pass(&repo, &ids, 103 * DAY).await, vec![]);
    repo.disconnect(b, &late, Platform::LinkedIn, t(104 * DAY))
        .await
        .unwrap();

    // Oldest event first: the shared event's delivered copy and day 10's ping (its event
    // goes with it; the shared event keeps its pending copy), and two gone tokens' notices.
    let cutoff = t(CUTOFF);
    assert_eq!(prune(&repo, cutoff, 2).await, counts(2, 1, 2));
    assert_eq!(prune(&repo, cutoff, 2).await, counts(2, 2, 1));
    assert_eq!(prune(&repo, cutoff, 2).await, counts(1, 1, 0));
    assert_eq!(prune(&repo, cutoff, 2).await, counts(0, 0, 0));

    let mut left: Vec<(String, String, &str)> = repo
        .list_webhook_deliveries(None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|d| {
            let when = ping_at
                .get(&d.event_id)
                .map_or(d.kind.as_str().to_owned(), |at| at.to_string());
            (when, d.endpoint_id, d.status.as_str())
        })
        .collect();
    left.sort();
    let mut want = vec![
        (format!("{CUTOFF}"), pings.id.clone(), "delivered"),
        (format!("{}", CUTOFF + 10), pings.id.clone(), "delivered"),
        ("50".to_owned(), pings.id.clone(), "pending"),
        ("60".to_owned(), pings.id.clone(), "pending"),
        ("connection.connected".to_owned(), h.id.clone(), "pending"),
        ("connection.expiring".to_owned(), x.id.clone(), "pending"),
    ];
    want.sort();
    assert_eq!(left, want);

    // Far in the future: the finished deliveries at and after the cutoff with their
    // events, and the late token's notice; never a pending delivery, its event, the
    // live token's two notices, or the notice whose event is kept (were it removed, the
    // token coming back with the same expiry, say by an import, would have its notice
    // written again under the same event id). Drained in one helper call.
    let later = t(CUTOFF + 1_000 * DAY);
    assert_eq!(
        prune_all_webhook_history(&*repo, later, 1).await.unwrap(),
        counts(2, 2, 1)
    );
    assert_eq!(prune(&repo, later, 100).await, counts(0, 0, 0));
    let statuses: Vec<DeliveryStatus> = repo
        .list_webhook_deliveries(None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.status)
        .collect();
    assert_eq!(statuses, vec![DeliveryStatus::Pending; 4]);
    // Once the endpoint (and so the pending delivery) is removed, the event goes, and
    // with it its gone token's notice record.
    repo.delete_webhook_endpoint(c, &x.id).await.unwrap();
    assert_eq!(prune(&repo, later, 100).await, counts(0, 1, 1));

    // The live token's notices still count as told: with an endpoint of `b` that takes
    // them, a pass on day 200 writes the renewed token's expiry (never told) and nothing
    // for the live token, whose expiry was recorded on day 103.
    endpoint(
        &repo,
        b,
        &[
            WebhookEventKind::ConnectionExpiring,
            WebhookEventKind::ConnectionExpired,
        ],
    )
    .await;
    let told: Vec<_> = notice_pass(&repo, &ids, 200 * DAY)
        .await
        .into_iter()
        .map(|e| (e.kind, e.created_at, e.snapshot))
        .collect();
    assert_eq!(
        told,
        vec![(
            WebhookEventKind::ConnectionExpired,
            t(200 * DAY),
            EventSnapshot::Connection {
                profile: renewed,
                connection: li(54 * DAY),
            }
        )]
    );
}
