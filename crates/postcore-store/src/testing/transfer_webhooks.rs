//! The webhooks of a transferred account (`postcore-admin migrate-to`): a fixture that
//! gives an account endpoints (one rotated, one disabled by failures), events with pending,
//! in-flight, retried, delivered and failed deliveries, and a timed notice; and the checks
//! that a destination holds exactly the same, signs with the same secrets, tells no notice
//! twice and hands out the delivery that was in flight. Used by the transfer conformance
//! case and by the admin CLI's `migrate-to` tests (SQLite to PostgreSQL).

use super::THRESHOLDS;
use super::test_notice_ids;
use crate::webhooks::{
    AttemptOutcome, ClaimLimits, ClaimedDelivery, DeliveryReport, DeliveryStatus, DisableDecision,
    EndpointDisabled, NewWebhookEndpoint, OutboxEvent, WebhookEndpoint, WebhookEventKind,
};
use crate::{AccountId, Credentials, Repository};
use chrono::Duration;
use postcore_domain::{Connection, Platform, ProfileKey, ProfileName, Timestamp};
use secrecy::ExposeSecret;
use std::sync::Arc;

const DAY: i64 = 86_400;
/// The secrets of the fixture's endpoints: all, expiry, off, and the all one's two
/// rotations' new secrets.
const SECRETS: [&str; 5] = [
    "whsec_c2VjcmV0LWFsbC0wMTIzNDU2Nzg5YWJjZGVmZ2g=",
    "whsec_c2VjcmV0LWV4cGlyeS0wMTIzNDU2Nzg5YWJjZGVm",
    "whsec_c2VjcmV0LW9mZi0wMTIzNDU2Nzg5YWJjZGVmZ2g=",
    "whsec_c2VjcmV0LXJvdGF0ZWQtMDEyMzQ1Njc4OWFiY2Rl",
    "whsec_c2VjcmV0LXJvdGF0ZWQtdHdpY2UtMDEyMzQ1Njc4",
];
/// The profile the fixture connects, with a LinkedIn token expiring 10 days after `base`.
pub const WEBHOOK_PROFILE: &str = "prof_xferhooks";

/// What [`populate_webhooks`] made: the instant everything is relative to, and the ids.
#[derive(Debug, Clone)]
pub struct WebhookFixture {
    /// The instant the fixture starts at (UTC, whole seconds).
    pub base: Timestamp,
    /// Endpoints: every kind (secret rotated at `base + 60 s` and again at `base + 62 s`:
    /// two retired secrets signing), expiry notices only, and
    /// `connection.connected` only (disabled after one failed delivery).
    pub endpoints: [String; 3],
    /// Events: `connection.connected` (`base + 4 s`), `ping` to the expiry endpoint
    /// (`base + 20 s`), `ping` to the all endpoint (`base + 40 s`, in flight), and
    /// `connection.expiring` at 7 days (`base + 3 d`).
    pub events: [String; 4],
}

impl WebhookFixture {
    /// `base` + `secs` seconds.
    pub fn at(&self, secs: i64) -> Timestamp {
        self.base + Duration::seconds(secs)
    }
}

fn endpoint(
    url: &str,
    events: &[WebhookEventKind],
    note: Option<&str>,
    i: usize,
) -> NewWebhookEndpoint {
    NewWebhookEndpoint {
        url: url.to_owned(),
        events: events.to_vec(),
        description: note.map(str::to_owned),
        secret: SECRETS[i].to_owned().into(),
    }
}

/// Fills `account` of `repo` with the fixture's webhooks from `base` (whole seconds) to
/// `base + 8 d`, profile [`WEBHOOK_PROFILE`] and its LinkedIn connection included.
///
/// # Panics
/// When a store call fails or hands out other deliveries than the fixture expects.
pub async fn populate_webhooks(
    repo: &Arc<dyn Repository>,
    account: AccountId,
    base: Timestamp,
) -> WebhookFixture {
    let at = |secs: i64| base + Duration::seconds(secs);
    use WebhookEventKind::{ConnectionConnected, ConnectionExpired, ConnectionExpiring};
    let news = [
        endpoint("https://hooks.example.com/all", &[], Some("all events"), 0),
        endpoint(
            "https://hooks.example.com/expiry",
            &[ConnectionExpiring, ConnectionExpired],
            None,
            1,
        ),
        endpoint(
            "https://hooks.example.com/off",
            &[ConnectionConnected],
            Some("retired"),
            2,
        ),
    ];
    let mut ids = Vec::new();
    for (i, new) in news.into_iter().enumerate() {
        let e = repo
            .create_webhook_endpoint(account, new, at(i as i64))
            .await;
        ids.push(e.unwrap().id);
    }
    let endpoints: [String; 3] = ids.try_into().unwrap();
    let profile = ProfileKey::parse(WEBHOOK_PROFILE).unwrap();
    let name = ProfileName::parse("Hooks").unwrap();
    repo.create_profile(account, Some(profile.clone()), Some(name), at(3))
        .await
        .unwrap();
    let linkedin = Connection::new(Platform::LinkedIn, "Hook Doe", "hook@example.com", at(4))
        .with_expires_at(Some(at(10 * DAY)));
    let creds = Credentials {
        access_token: Some("hooks-access-token".to_owned().into()),
        ..Credentials::default()
    };
    repo.connect(account, &profile, linkedin, creds)
        .await
        .unwrap();
    let keep = DisableDecision {
        after_consecutive_failures: 1,
        now: None,
    };
    // connection.connected to the all endpoint (delivered) and the off one (failed: off).
    // Deliveries of one event are written in endpoint id order.
    let first = repo
        .claim_webhook_deliveries(at(10), at(70), ClaimLimits::uncapped(10))
        .await
        .unwrap();
    let mut to: Vec<&str> = first.iter().map(|d| d.endpoint_id.as_str()).collect();
    to.sort_unstable();
    let mut expected = [endpoints[0].as_str(), endpoints[2].as_str()];
    expected.sort_unstable();
    assert_eq!(to, expected);
    for d in &first {
        let outcome = if d.endpoint_id == endpoints[0] {
            AttemptOutcome::Delivered { status: 204 }
        } else {
            AttemptOutcome::GiveUp {
                status: Some(500),
                error: "500 Internal Server Error".to_owned(),
            }
        };
        repo.record_webhook_attempt(d, at(11), outcome, keep.clone())
            .await
            .unwrap();
    }
    // A ping to the expiry endpoint, retried later; a ping to the all endpoint, in flight.
    let (ping, claimed) =
        ping_and_claim(repo, account, &endpoints[1], at(20), at(30), at(90)).await;
    let retry = AttemptOutcome::Retry {
        next_attempt_at: at(300),
        status: None,
        error: "timed out".to_owned(),
    };
    repo.record_webhook_attempt(&claimed, at(31), retry, keep)
        .await
        .unwrap();
    let (in_flight, _) =
        ping_and_claim(repo, account, &endpoints[0], at(40), at(50), at(50 + DAY)).await;
    for (secret, now) in [(SECRETS[3], at(60)), (SECRETS[4], at(62))] {
        repo.rotate_webhook_secret(account, &endpoints[0], super::rotation(secret, now))
            .await
            .unwrap();
    }
    let notices = repo
        .enqueue_due_notices(at(8 * DAY), &THRESHOLDS, 100, test_notice_ids())
        .await
        .unwrap();
    assert_eq!(notices.len(), 1, "{notices:?}");
    WebhookFixture {
        base,
        endpoints,
        events: [
            first[0].event.id.clone(),
            ping.id,
            in_flight.id,
            notices[0].id.clone(),
        ],
    }
}

/// A ping to `endpoint` written at `at`, and its delivery, the only one due, claimed at
/// `claim` until `until`.
async fn ping_and_claim(
    repo: &Arc<dyn Repository>,
    account: AccountId,
    endpoint: &str,
    at: Timestamp,
    claim: Timestamp,
    until: Timestamp,
) -> (OutboxEvent, ClaimedDelivery) {
    let ping = repo.enqueue_ping(account, endpoint, at).await.unwrap();
    let mut claimed = repo
        .claim_webhook_deliveries(claim, until, ClaimLimits::uncapped(10))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1, "{claimed:?}");
    (ping, claimed.remove(0))
}

/// The endpoints of the fixture as `account` of a store lists them, exactly.
fn expected_endpoints(f: &WebhookFixture, account: AccountId) -> Vec<WebhookEndpoint> {
    use WebhookEventKind::{ConnectionConnected, ConnectionExpired, ConnectionExpiring};
    let endpoint =
        |i: usize, url: &str, events: Vec<WebhookEventKind>, note: Option<&str>| WebhookEndpoint {
            id: f.endpoints[i].clone(),
            account,
            url: url.to_owned(),
            events,
            description: note.map(str::to_owned),
            created_at: f.at(i as i64),
            disabled: None,
            consecutive_failures: 0,
        };
    let mut off = endpoint(
        2,
        "https://hooks.example.com/off",
        vec![ConnectionConnected],
        Some("retired"),
    );
    off.disabled = Some(EndpointDisabled {
        at: f.at(11),
        reason: "1 consecutive deliveries failed".to_owned(),
    });
    off.consecutive_failures = 1;
    vec![
        endpoint(
            0,
            "https://hooks.example.com/all",
            vec![],
            Some("all events"),
        ),
        endpoint(
            1,
            "https://hooks.example.com/expiry",
            vec![ConnectionExpiring, ConnectionExpired],
            None,
        ),
        off,
    ]
}

/// The deliveries of the fixture as listed (newest event first), exactly.
fn expected_deliveries(f: &WebhookFixture) -> Vec<DeliveryReport> {
    use DeliveryStatus::{Delivered, Failed, Pending};
    use WebhookEventKind::{ConnectionConnected, ConnectionExpiring, Ping};
    let row = |event: usize, kind, endpoint: usize, created: i64, status, next: Option<i64>| {
        DeliveryReport {
            event_id: f.events[event].clone(),
            kind,
            endpoint_id: f.endpoints[endpoint].clone(),
            created_at: f.at(created),
            attempts: 0,
            status,
            next_attempt_at: next.map(|s| f.at(s)),
            last_status: None,
            last_error: None,
        }
    };
    // The 7-day notice, created by the pass at 8 days that found it.
    let notice = 8 * DAY;
    let mut retried = row(1, Ping, 1, 20, Pending, Some(300));
    retried.attempts = 1;
    retried.last_error = Some("timed out".to_owned());
    let mut delivered = row(0, ConnectionConnected, 0, 4, Delivered, None);
    delivered.attempts = 1;
    delivered.last_status = Some(204);
    let mut failed = row(0, ConnectionConnected, 2, 4, Failed, None);
    failed.attempts = 1;
    failed.last_status = Some(500);
    failed.last_error = Some("500 Internal Server Error".to_owned());
    let mut rows = vec![
        row(3, ConnectionExpiring, 0, notice, Pending, Some(notice)),
        row(3, ConnectionExpiring, 1, notice, Pending, Some(notice)),
        row(2, Ping, 0, 40, Pending, Some(40)),
        retried,
        delivered,
        failed,
    ];
    // Newest event first; one event's deliveries were written in endpoint id order and
    // are listed last written first.
    rows.sort_by(|a, b| (b.created_at, &b.endpoint_id).cmp(&(a.created_at, &a.endpoint_id)));
    rows
}

/// The current and retired secrets of endpoint `id` at `now`, in plain text.
async fn secrets(
    repo: &Arc<dyn Repository>,
    id: &str,
    now: Timestamp,
) -> (String, Vec<(String, Timestamp)>) {
    let s = repo.webhook_signing_secrets(id, now).await.unwrap();
    let retired = super::retired(&s)
        .into_iter()
        .map(|(secret, until)| (secret.to_owned(), until))
        .collect();
    (s.current.expose_secret().to_owned(), retired)
}

/// Checks that `dest`'s `dest_account` holds exactly the webhooks of `f`, as `source`'s
/// `source_account` does: the same endpoints (exact values) signing with the same secrets
/// (each retired one until its own instant), the same deliveries in the same states; a
/// scheduler pass at the fixture's instant tells nothing again on either; the delivery that
/// was in flight on the source (still leased there) is handed out by `dest`; `dest` then
/// writes new deliveries and the next notice. Leaves a lease, a ping and a notice on `dest`.
///
/// # Panics
/// When anything differs.
pub async fn assert_webhooks_moved(
    f: &WebhookFixture,
    (source, source_account): (&Arc<dyn Repository>, AccountId),
    (dest, dest_account): (&Arc<dyn Repository>, AccountId),
) {
    let endpoints = dest
        .list_webhook_endpoints(Some(dest_account))
        .await
        .unwrap();
    assert_eq!(endpoints, expected_endpoints(f, dest_account));
    let on_source = source
        .list_webhook_endpoints(Some(source_account))
        .await
        .unwrap();
    assert_eq!(on_source, expected_endpoints(f, source_account));
    let deliveries = dest.list_webhook_deliveries(None, None, 100).await.unwrap();
    assert_eq!(deliveries, expected_deliveries(f));
    let on_source = source
        .list_webhook_deliveries(None, None, 100)
        .await
        .unwrap();
    assert_eq!(on_source, deliveries);
    for now in [f.at(62), f.at(60 + DAY), f.at(62 + DAY)] {
        for id in &f.endpoints {
            assert_eq!(secrets(dest, id, now).await, secrets(source, id, now).await);
        }
    }
    // Every retired secret moved, each signing until its own instant.
    let retired = vec![
        (SECRETS[3].to_owned(), f.at(62 + DAY)),
        (SECRETS[0].to_owned(), f.at(60 + DAY)),
    ];
    assert_eq!(
        secrets(dest, &f.endpoints[0], f.at(62)).await,
        (SECRETS[4].to_owned(), retired.clone())
    );
    assert_eq!(
        secrets(dest, &f.endpoints[0], f.at(60 + DAY)).await,
        (SECRETS[4].to_owned(), retired[..1].to_vec())
    );
    for repo in [dest, source] {
        let again = repo
            .enqueue_due_notices(f.at(8 * DAY), &THRESHOLDS, 100, test_notice_ids())
            .await
            .unwrap();
        assert_eq!(
            again,
            vec![],
            "a notice told before the move is not told again"
        );
    }
    let held = source
        .claim_webhook_deliveries(f.at(60), f.at(120), ClaimLimits::uncapped(10))
        .await;
    assert_eq!(held.unwrap(), vec![], "the source's lease still holds");
    let claimed = dest
        .claim_webhook_deliveries(f.at(60), f.at(120), ClaimLimits::uncapped(10))
        .await
        .unwrap();
    let handed: Vec<_> = claimed
        .iter()
        .map(|d| (d.endpoint_id.as_str(), d.event.id.as_str(), d.attempts))
        .collect();
    assert_eq!(handed, [(f.endpoints[0].as_str(), f.events[2].as_str(), 0)]);
    // The destination goes on: new deliveries get ids of their own (PostgreSQL's identity
    // sequence was moved past the copied ids), and the next threshold is told once.
    dest.enqueue_ping(dest_account, &f.endpoints[1], f.at(70))
        .await
        .unwrap();
    let next = dest
        .enqueue_due_notices(f.at(9 * DAY), &THRESHOLDS, 100, test_notice_ids())
        .await
        .unwrap();
    let told: Vec<_> = next.iter().map(|e| (e.kind, e.created_at)).collect();
    assert_eq!(
        told,
        [(WebhookEventKind::ConnectionExpiring, f.at(9 * DAY))]
    );
    let all = dest.list_webhook_deliveries(None, None, 100).await.unwrap();
    assert_eq!(all.len(), 9, "{all:?}");
}
