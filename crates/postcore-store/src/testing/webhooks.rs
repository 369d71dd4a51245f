//! Conformance cases for webhooks (issue 13): endpoints and their secrets, the outbox
//! written with the change that causes it, timed notices exactly once, delivery leases and
//! failure bookkeeping.

use super::{account, key, t};
use crate::webhooks::{
    AttemptOutcome, AttemptRecorded, ClaimLimits, DeliveryReport, DeliveryStatus, DisableDecision,
    EndpointDisabled, EventSnapshot, NewWebhookEndpoint, NoticeIds, NoticeKey, OutboxEvent,
    SecretRotation, SigningSecretSet, WebhookEndpoint, WebhookEventKind,
};
use crate::{AccountId, Conflict, Credentials, Entity, Repository, StoreError};
use postcore_domain::{Connection, Platform, ProfileKey, Timestamp};
use secrecy::ExposeSecret;
use std::sync::Arc;

const DAY: i64 = 86_400;
/// The default thresholds: 7 days and 1 day, in seconds.
pub const THRESHOLDS: [u64; 2] = [7 * 86_400, 86_400];

/// A test id scheme for timed notices: `evt_` + 32 hex digits from the profile key's
/// FNV-1a hash, the expiry and the threshold (deterministic, as the real one is).
pub fn test_notice_ids() -> NoticeIds {
    Arc::new(|k: NoticeKey<'_>| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in k
            .profile
            .as_str()
            .bytes()
            .chain(k.platform.as_str().bytes())
        {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let tail = (k.expires_at.timestamp() as u64)
            .wrapping_mul(31)
            .wrapping_add(k.threshold_secs.unwrap_or(0));
        format!("evt_{h:016x}{tail:016x}")
    })
}

/// A rotation to `secret` at `now`, as the server makes it: the replaced secret signs for
/// 24 h, and at most 3 retired secrets sign at once.
pub fn rotation(secret: &str, now: Timestamp) -> SecretRotation {
    SecretRotation {
        secret: secret.to_owned().into(),
        now,
        retired_until: now + chrono::Duration::seconds(DAY),
        max_retired: 3,
    }
}

/// The retired secrets of `set` in plain text with their instants, in its order.
pub fn retired(set: &SigningSecretSet) -> Vec<(&str, Timestamp)> {
    set.retired
        .iter()
        .map(|(secret, until)| (secret.expose_secret(), *until))
        .collect()
}

fn new_endpoint(url: &str, events: &[WebhookEventKind]) -> NewWebhookEndpoint {
    NewWebhookEndpoint {
        url: url.to_owned(),
        events: events.to_vec(),
        description: Some("hooks".to_owned()),
        secret: "whsec_c2VjcmV0LWN1cnJlbnQtMDEyMzQ1Njc4OWFi"
            .to_owned()
            .into(),
    }
}

pub(super) async fn endpoint(
    repo: &Arc<dyn Repository>,
    a: AccountId,
    events: &[WebhookEventKind],
) -> WebhookEndpoint {
    repo.create_webhook_endpoint(a, new_endpoint("https://hooks.example.com/a", events), t(0))
        .await
        .unwrap()
}

/// Every event pending for delivery at `now`, claimed (and so leased) in one call.
async fn drain(repo: &Arc<dyn Repository>, now: i64) -> Vec<(String, OutboxEvent)> {
    repo.claim_webhook_deliveries(t(now), t(now + 60), ClaimLimits::uncapped(100))
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.endpoint_id, d.event))
        .collect()
}

/// Kind, instant and snapshot of each drained event.
fn told(got: &[(String, OutboxEvent)]) -> Vec<(WebhookEventKind, Timestamp, EventSnapshot)> {
    told_events(got.iter().map(|(_, e)| e))
}

/// Kind, instant and snapshot of each event.
fn told_events<'a>(
    events: impl IntoIterator<Item = &'a OutboxEvent>,
) -> Vec<(WebhookEventKind, Timestamp, EventSnapshot)> {
    events
        .into_iter()
        .map(|e| (e.kind, e.created_at, e.snapshot.clone()))
        .collect()
}

fn connected(profile: &ProfileKey, c: &Connection) -> EventSnapshot {
    EventSnapshot::Connection {
        profile: profile.clone(),
        connection: c.clone(),
    }
}

/// Endpoints: created with exact fields, listed without secrets, rotated (the previous
/// secret signs until its instant), disabled and enabled, deleted; another account's id is
/// not found everywhere.
pub async fn webhook_endpoints_are_created_rotated_disabled_and_deleted(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let e = repo
        .create_webhook_endpoint(
            a,
            new_endpoint(
                "https://hooks.example.com/a",
                &[
                    WebhookEventKind::ProfileDeleted,
                    WebhookEventKind::ConnectionExpiring,
                ],
            ),
            t(5),
        )
        .await
        .unwrap();
    assert!(e.id.starts_with("we_") && e.id.len() == 19, "{}", e.id);
    let expected = WebhookEndpoint {
        id: e.id.clone(),
        account: a,
        url: "https://hooks.example.com/a".to_owned(),
        events: vec![
            WebhookEventKind::ConnectionExpiring,
            WebhookEventKind::ProfileDeleted,
        ],
        description: Some("hooks".to_owned()),
        created_at: t(5),
        disabled: None,
        consecutive_failures: 0,
    };
    assert_eq!(e, expected);
    assert_eq!(
        repo.list_webhook_endpoints(Some(a)).await.unwrap(),
        vec![expected.clone()]
    );
    assert_eq!(repo.list_webhook_endpoints(Some(b)).await.unwrap(), vec![]);
    assert_eq!(
        repo.list_webhook_endpoints(None).await.unwrap(),
        vec![expected.clone()]
    );

    let secrets = repo.webhook_signing_secrets(&e.id, t(5)).await.unwrap();
    assert_eq!(
        secrets.current.expose_secret(),
        "whsec_c2VjcmV0LWN1cnJlbnQtMDEyMzQ1Njc4OWFi"
    );
    assert_eq!(retired(&secrets), []);

    let not_found = "NotFound(WebhookEndpoint)";
    let new_secret = "whsec_bmV3LXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVm";
    assert_eq!(
        format!(
            "{:?}",
            repo.rotate_webhook_secret(b, &e.id, rotation(new_secret, t(0)))
                .await
                .unwrap_err()
        ),
        not_found
    );
    assert_eq!(
        repo.rotate_webhook_secret(a, &e.id, rotation(new_secret, t(10)))
            .await
            .unwrap(),
        expected
    );
    let secrets = repo
        .webhook_signing_secrets(&e.id, t(10 + DAY - 1))
        .await
        .unwrap();
    assert_eq!(
        secrets.current.expose_secret(),
        "whsec_bmV3LXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVm"
    );
    assert_eq!(
        retired(&secrets),
        [("whsec_c2VjcmV0LWN1cnJlbnQtMDEyMzQ1Njc4OWFi", t(10 + DAY))]
    );
    let later = repo
        .webhook_signing_secrets(&e.id, t(10 + DAY))
        .await
        .unwrap();
    assert_eq!(retired(&later), []);

    assert_eq!(
        format!(
            "{:?}",
            repo.set_webhook_endpoint_disabled(b, &e.id, Some("no".into()), t(20))
                .await
                .unwrap_err()
        ),
        not_found
    );
    let disabled = repo
        .set_webhook_endpoint_disabled(a, &e.id, Some("operator".into()), t(20))
        .await
        .unwrap();
    let reason = Some(EndpointDisabled {
        at: t(20),
        reason: "operator".to_owned(),
    });
    assert_eq!(disabled.disabled, reason);
    let again = repo
        .set_webhook_endpoint_disabled(a, &e.id, Some("other".into()), t(30))
        .await
        .unwrap();
    assert_eq!(again.disabled, reason, "the first disabling is kept");
    let enabled = repo
        .set_webhook_endpoint_disabled(a, &e.id, None, t(40))
        .await
        .unwrap();
    assert_eq!(enabled, expected);
    assert_eq!(
        format!(
            "{:?}",
            repo.set_webhook_endpoint_disabled(b, &e.id, None, t(40))
                .await
                .unwrap_err()
        ),
        not_found
    );

    assert_eq!(
        format!(
            "{:?}",
            repo.enqueue_ping(b, &e.id, t(50)).await.unwrap_err()
        ),
        not_found
    );
    assert_eq!(
        format!(
            "{:?}",
            repo.delete_webhook_endpoint(b, &e.id).await.unwrap_err()
        ),
        not_found
    );
    repo.delete_webhook_endpoint(a, &e.id).await.unwrap();
    assert_eq!(
        format!(
            "{:?}",
            repo.delete_webhook_endpoint(a, &e.id).await.unwrap_err()
        ),
        not_found
    );
    assert_eq!(repo.list_webhook_endpoints(None).await.unwrap(), vec![]);
    assert_eq!(
        repo.webhook_signing_secrets(&e.id, t(50))
            .await
            .err()
            .map(|e| format!("{e:?}")),
        Some(not_found.to_owned())
    );
    assert_eq!(
        repo.create_webhook_endpoint(
            AccountId(999_999),
            new_endpoint("https://x.example", &[]),
            t(0)
        )
        .await
        .unwrap_err()
        .to_string(),
        StoreError::NotFound(Entity::Account).to_string()
    );
}

/// `connection.connected` is written by a first connect, a renewal and a connect that
/// makes its profile, with the stored connection as its snapshot and the connect's
/// instant as `createdAt`; one delivery per subscribed, enabled endpoint; nothing for an
/// account without endpoints, an endpoint of other kinds, or a disabled one.
pub async fn connects_write_connected_events_for_subscribed_endpoints(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let k = key("prof_hooked");
    repo.create_profile(a, Some(k.clone()), None, t(0))
        .await
        .unwrap();
    let first = Connection::new(Platform::LinkedIn, "John Doe", "johndoe", t(DAY));
    repo.connect(a, &k, first.clone(), Credentials::default())
        .await
        .unwrap();
    assert_eq!(
        drain(&repo, 10 * DAY).await,
        vec![],
        "no endpoint: no event"
    );

    let other = endpoint(&repo, a, &[WebhookEventKind::ProfileDeleted]).await;
    let off = endpoint(&repo, a, &[]).await;
    repo.set_webhook_endpoint_disabled(a, &off.id, Some("off".into()), t(0))
        .await
        .unwrap();
    repo.connect(a, &k, first.clone(), Credentials::default())
        .await
        .unwrap();
    assert_eq!(
        drain(&repo, 10 * DAY).await,
        vec![],
        "not subscribed or disabled"
    );
    let _ = other;

    let all = endpoint(&repo, a, &[]).await;
    let only = endpoint(&repo, a, &[WebhookEventKind::ConnectionConnected]).await;
    let renewed = Connection::new(Platform::LinkedIn, "John Q. Doe", "johndoe", t(2 * DAY));
    repo.connect(a, &k, renewed.clone(), Credentials::default())
        .await
        .unwrap();
    let fresh = Connection::new(
        Platform::Bluesky,
        "jane.bsky.social",
        "jane.bsky.social",
        t(3 * DAY),
    )
    .with_did(Some("did:plc:jane".to_owned()));
    let p = repo
        .connect_new_profile(a, fresh.clone(), Credentials::default(), t(3 * DAY))
        .await
        .unwrap();

    let got = drain(&repo, 10 * DAY).await;
    let mut ends: Vec<&str> = got.iter().map(|(e, _)| e.as_str()).collect();
    ends.sort_unstable();
    let mut want = vec![
        all.id.as_str(),
        all.id.as_str(),
        only.id.as_str(),
        only.id.as_str(),
    ];
    want.sort_unstable();
    assert_eq!(ends, want, "one delivery per subscribed endpoint");
    let mut events: Vec<OutboxEvent> = got.into_iter().map(|(_, e)| e).collect();
    events.sort_by_key(|e| e.created_at);
    events.dedup();
    assert_eq!(
        events.len(),
        2,
        "one event per change, shared by its deliveries"
    );
    for e in &events {
        assert!(e.id.starts_with("evt_") && e.id.len() == 36, "{}", e.id);
    }
    assert_eq!(
        (
            events[0].kind,
            events[0].account,
            events[0].created_at,
            &events[0].snapshot
        ),
        (
            WebhookEventKind::ConnectionConnected,
            a,
            t(2 * DAY),
            &connected(&k, &renewed)
        )
    );
    assert_eq!(
        (
            events[1].kind,
            events[1].account,
            events[1].created_at,
            &events[1].snapshot
        ),
        (
            WebhookEventKind::ConnectionConnected,
            a,
            t(3 * DAY),
            &connected(p.key(), &fresh)
        )
    );
}

/// A write that fails writes no event: a connect refused with `PlatformAlreadyConnected`
/// leaves neither the change nor an outbox row.
pub async fn a_refused_connect_writes_no_event(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let k = key("prof_refused");
    repo.create_profile(a, Some(k.clone()), None, t(0))
        .await
        .unwrap();
    let first = Connection::new(Platform::Bluesky, "a.bsky.social", "a.bsky.social", t(1))
        .with_did(Some("did:plc:a".to_owned()));
    repo.connect(a, &k, first, Credentials::default())
        .await
        .unwrap();
    endpoint(&repo, a, &[]).await;
    let other = Connection::new(Platform::Bluesky, "b.bsky.social", "b.bsky.social", t(2))
        .with_did(Some("did:plc:b".to_owned()));
    assert_eq!(
        repo.connect(a, &k, other, Credentials::default())
            .await
            .unwrap_err()
            .to_string(),
        StoreError::Conflict(Conflict::PlatformAlreadyConnected).to_string()
    );
    assert_eq!(drain(&repo, DAY).await, vec![]);
    assert_eq!(
        repo.list_webhook_deliveries(Some(a), None, 100)
            .await
            .unwrap(),
        vec![]
    );
}

/// One scheduler pass at `now` with [`THRESHOLDS`] and `ids`: the events it wrote.
pub(super) async fn notice_pass(
    repo: &Arc<dyn Repository>,
    ids: &NoticeIds,
    now: i64,
) -> Vec<OutboxEvent> {
    repo.enqueue_due_notices(t(now), &THRESHOLDS, 100, Arc::clone(ids))
        .await
        .unwrap()
}

/// Timed notices: `connection.expiring` exactly at `expiresAt − 7 d` and `− 1 d` and
/// `connection.expired` at `expiresAt`, to the second, each once across passes, with the
/// due instant as `createdAt` and the caller's deterministic id; only the latest due
/// notice after a gap; a renewed token starts afresh.
pub async fn timed_notices_are_written_once_at_each_threshold(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let k = key("prof_notice");
    repo.create_profile(a, Some(k.clone()), None, t(0))
        .await
        .unwrap();
    let c = Connection::new(Platform::LinkedIn, "John Doe", "johndoe", t(0));
    let expires = 60 * DAY;
    assert_eq!(c.expires_at(), Some(t(expires)));
    repo.connect(a, &k, c.clone(), Credentials::default())
        .await
        .unwrap();
    let ids = test_notice_ids();
    let pass = async |now: i64| {
        notice_pass(&repo, &ids, now)
            .await
            .into_iter()
            .map(|e| (e.kind, e.created_at, e.id))
            .collect::<Vec<_>>()
    };
    assert_eq!(pass(expires - 7 * DAY - 1).await, vec![], "no endpoint yet");
    endpoint(
        &repo,
        a,
        &[
            WebhookEventKind::ConnectionExpiring,
            WebhookEventKind::ConnectionExpired,
        ],
    )
    .await;
    let id = |threshold: Option<u64>| {
        ids(NoticeKey {
            profile: &k,
            platform: Platform::LinkedIn,
            expires_at: t(expires),
            threshold_secs: threshold,
        })
    };
    assert_eq!(pass(expires - 7 * DAY - 1).await, vec![]);
    let week = vec![(
        WebhookEventKind::ConnectionExpiring,
        t(expires - 7 * DAY),
        id(Some(7 * 86_400)),
    )];
    assert_eq!(pass(expires - 7 * DAY).await, week);
    assert_eq!(
        pass(expires - 7 * DAY).await,
        vec![],
        "a second pass writes nothing"
    );
    assert_eq!(pass(expires - DAY - 1).await, vec![]);
    let day = vec![(
        WebhookEventKind::ConnectionExpiring,
        t(expires - DAY),
        id(Some(86_400)),
    )];
    assert_eq!(pass(expires - DAY).await, day);
    assert_eq!(pass(expires - 1).await, vec![]);
    let expired = vec![(WebhookEventKind::ConnectionExpired, t(expires), id(None))];
    assert_eq!(pass(expires).await, expired);
    assert_eq!(pass(expires + DAY).await, vec![]);

    let events = drain(&repo, expires + DAY).await;
    assert_eq!(events.len(), 3);
    for (_, e) in &events {
        assert_eq!(e.snapshot, connected(&k, &c));
    }

    // Renewed: a new expiresAt starts afresh; after a gap only the latest notice is sent.
    let renewed = Connection::new(Platform::LinkedIn, "John Doe", "johndoe", t(expires + DAY));
    repo.connect(a, &k, renewed.clone(), Credentials::default())
        .await
        .unwrap();
    let new_expiry = expires + DAY + 60 * DAY;
    let got = pass(new_expiry - DAY + 5).await;
    // Created when the late pass found it, not backdated to when it became due.
    assert_eq!(
        got,
        vec![(
            WebhookEventKind::ConnectionExpiring,
            t(new_expiry - DAY + 5),
            ids(NoticeKey {
                profile: &k,
                platform: Platform::LinkedIn,
                expires_at: t(new_expiry),
                threshold_secs: Some(86_400),
            })
        )]
    );
    assert_eq!(pass(new_expiry - DAY + 6).await, vec![]);
}

/// A connection that needs a reconnect gets no timed notice for its token: marked before
/// its 7-day notice, none at 7 d, 1 d or expiry; refused at refresh after its 7-day
/// notice, none after it. A renewal clears the mark and its new token's notices come as
/// usual. (The mark's own `connection.needs_reconnect` is all the app hears.)
pub async fn revoked_connections_get_no_timed_notices(repo: Arc<dyn Repository>) {
    use crate::{RefreshRelease, RefreshTarget};
    let a = account(&repo, "a").await;
    let marked = key("prof_marked");
    let refused = key("prof_refused");
    for k in [&marked, &refused] {
        repo.create_profile(a, Some(k.clone()), None, t(0))
            .await
            .unwrap();
    }
    let li = Connection::new(Platform::LinkedIn, "John Doe", "johndoe", t(0));
    let expires = 60 * DAY;
    let creds = || Credentials {
        refresh_token: Some("refresh".to_owned().into()),
        ..Credentials::default()
    };
    repo.connect(a, &marked, li.clone(), creds()).await.unwrap();
    repo.connect(a, &refused, li.clone(), creds())
        .await
        .unwrap();
    endpoint(
        &repo,
        a,
        &[
            WebhookEventKind::ConnectionExpiring,
            WebhookEventKind::ConnectionExpired,
            WebhookEventKind::ConnectionNeedsReconnect,
        ],
    )
    .await;
    let ids = test_notice_ids();
    let pass = async |now: i64| told_events(&notice_pass(&repo, &ids, now).await);

    repo.mark_revoked(a, &marked, Platform::LinkedIn, t(DAY))
        .await
        .unwrap();
    let week = expires - 7 * DAY;
    assert_eq!(
        pass(week).await,
        vec![(
            WebhookEventKind::ConnectionExpiring,
            t(week),
            connected(&refused, &li)
        )],
        "the marked one is not told"
    );
    let target = RefreshTarget {
        account: a,
        profile_key: refused.clone(),
        platform: Platform::LinkedIn,
        connected_at: t(0),
    };
    assert!(
        repo.claim_refresh(&target, t(week + 1), t(week + 61))
            .await
            .unwrap()
    );
    assert!(
        repo.release_refresh(&target, RefreshRelease::Rejected, t(week + 2))
            .await
            .unwrap()
    );
    for now in [expires - DAY, expires - 1, expires, expires + 30 * DAY] {
        assert_eq!(pass(now).await, vec![], "at {now}");
    }
    let revoked = li.clone().with_revoked(true);
    assert_eq!(
        told(&drain(&repo, expires + 30 * DAY).await),
        vec![
            (
                WebhookEventKind::ConnectionNeedsReconnect,
                t(DAY),
                connected(&marked, &revoked)
            ),
            (
                WebhookEventKind::ConnectionExpiring,
                t(week),
                connected(&refused, &li)
            ),
            (
                WebhookEventKind::ConnectionNeedsReconnect,
                t(week + 2),
                connected(&refused, &revoked)
            ),
        ]
    );

    // A renewal clears the mark: the new token is told at its thresholds again.
    let renewed = Connection::new(Platform::LinkedIn, "John Doe", "johndoe", t(expires + DAY));
    repo.connect(a, &marked, renewed.clone(), Credentials::default())
        .await
        .unwrap();
    let new_expiry = expires + DAY + 60 * DAY;
    assert_eq!(pass(new_expiry - 7 * DAY - 1).await, vec![]);
    assert_eq!(
        pass(new_expiry - 7 * DAY).await,
        vec![(
            WebhookEventKind::ConnectionExpiring,
            t(new_expiry - 7 * DAY),
            connected(&marked, &renewed)
        )]
    );
    assert_eq!(
        pass(new_expiry).await,
        vec![(
            WebhookEventKind::ConnectionExpired,
            t(new_expiry),
            connected(&marked, &renewed)
        )],
        "after a gap, only the latest notice"
    );
}

/// Claims lease: a leased delivery is handed to no second claimer until its lease ends;
/// attempts are booked (retry, give up, delivered), the endpoint's consecutive failures
/// counted and the endpoint disabled at the given threshold; a lost lease writes nothing;
/// `list_webhook_deliveries` shows each delivery's state.
pub async fn deliveries_are_leased_once_and_failures_are_booked(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let e = endpoint(&repo, a, &[]).await;
    let ping = repo.enqueue_ping(a, &e.id, t(100)).await.unwrap();
    assert_eq!(
        (ping.kind, ping.created_at, &ping.snapshot),
        (WebhookEventKind::Ping, t(100), &EventSnapshot::Ping)
    );

    assert_eq!(
        repo.claim_webhook_deliveries(t(99), t(200), ClaimLimits::uncapped(10))
            .await
            .unwrap(),
        vec![],
        "not due"
    );
    let claimed = repo
        .claim_webhook_deliveries(t(100), t(130), ClaimLimits::uncapped(10))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let d = claimed[0].clone();
    assert_eq!(
        (
            d.endpoint_id.as_str(),
            d.url.as_str(),
            d.attempts,
            d.lease_until,
            &d.event
        ),
        (
            e.id.as_str(),
            "https://hooks.example.com/a",
            0,
            t(130),
            &ping
        )
    );
    assert_eq!(
        repo.claim_webhook_deliveries(t(129), t(200), ClaimLimits::uncapped(10))
            .await
            .unwrap(),
        vec![],
        "leased"
    );
    let never = DisableDecision {
        after_consecutive_failures: 2,
        now: None,
    };
    let retry = AttemptOutcome::Retry {
        next_attempt_at: t(160),
        status: Some(500),
        error: "500 Internal Server Error".to_owned(),
    };
    assert_eq!(
        repo.record_webhook_attempt(&d, t(101), retry.clone(), never.clone())
            .await
            .unwrap(),
        AttemptRecorded {
            applied: true,
            consecutive_failures: 0,
            disabled: None
        }
    );
    assert_eq!(
        repo.record_webhook_attempt(&d, t(102), retry, never.clone())
            .await
            .unwrap(),
        AttemptRecorded {
            applied: false,
            consecutive_failures: 0,
            disabled: None
        },
        "the lease ended with the first record"
    );
    let report =
        |attempts, status, next, last_status: Option<u16>, error: Option<&str>| DeliveryReport {
            event_id: ping.id.clone(),
            kind: WebhookEventKind::Ping,
            endpoint_id: e.id.clone(),
            created_at: t(100),
            attempts,
            status,
            next_attempt_at: next,
            last_status,
            last_error: error.map(str::to_owned),
        };
    assert_eq!(
        repo.list_webhook_deliveries(Some(a), None, 10)
            .await
            .unwrap(),
        vec![report(
            1,
            DeliveryStatus::Pending,
            Some(t(160)),
            Some(500),
            Some("500 Internal Server Error")
        )]
    );
    assert_eq!(
        repo.list_webhook_deliveries(Some(b), None, 10)
            .await
            .unwrap(),
        vec![]
    );
    assert_eq!(
        repo.claim_webhook_deliveries(t(159), t(200), ClaimLimits::uncapped(10))
            .await
            .unwrap(),
        vec![]
    );

    // A lease that ran out is claimable again; the first holder's record is then refused.
    let second = repo
        .claim_webhook_deliveries(t(160), t(170), ClaimLimits::uncapped(10))
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].attempts, 1);
    let third = repo
        .claim_webhook_deliveries(t(170), t(190), ClaimLimits::uncapped(10))
        .await
        .unwrap();
    assert_eq!(third.len(), 1, "the lease ended at 170");
    let give_up = AttemptOutcome::GiveUp {
        status: None,
        error: "connection refused".to_owned(),
    };
    assert!(
        !repo
            .record_webhook_attempt(&second[0], t(171), give_up.clone(), never.clone())
            .await
            .unwrap()
            .applied
    );
    assert_eq!(
        repo.record_webhook_attempt(&third[0], t(172), give_up.clone(), never.clone())
            .await
            .unwrap(),
        AttemptRecorded {
            applied: true,
            consecutive_failures: 1,
            disabled: None
        }
    );
    assert_eq!(
        repo.list_webhook_deliveries(None, Some(&e.id), 10)
            .await
            .unwrap(),
        vec![report(
            2,
            DeliveryStatus::Failed,
            None,
            None,
            Some("connection refused")
        )]
    );

    // The second give-up in a row disables the endpoint; a delivery in between resets.
    let ping2 = repo.enqueue_ping(a, &e.id, t(200)).await.unwrap();
    let d2 = repo
        .claim_webhook_deliveries(t(200), t(230), ClaimLimits::uncapped(10))
        .await
        .unwrap();
    assert_eq!(d2.len(), 1);
    assert_eq!(d2[0].event, ping2);
    assert_eq!(
        repo.record_webhook_attempt(
            &d2[0],
            t(201),
            AttemptOutcome::Delivered { status: 204 },
            never.clone()
        )
        .await
        .unwrap(),
        AttemptRecorded {
            applied: true,
            consecutive_failures: 0,
            disabled: None
        }
    );
    for n in 0..2u32 {
        repo.enqueue_ping(a, &e.id, t(300)).await.unwrap();
        let d = repo
            .claim_webhook_deliveries(t(300), t(330), ClaimLimits::uncapped(10))
            .await
            .unwrap();
        assert_eq!(d.len(), 1);
        let recorded = repo
            .record_webhook_attempt(&d[0], t(301), give_up.clone(), never.clone())
            .await
            .unwrap();
        let disabled = (n == 1).then(|| "2 consecutive deliveries failed".to_owned());
        assert_eq!(
            recorded,
            AttemptRecorded {
                applied: true,
                consecutive_failures: n + 1,
                disabled: disabled.clone()
            }
        );
    }
    let listed = repo.list_webhook_endpoints(Some(a)).await.unwrap();
    assert_eq!(
        listed[0].disabled,
        Some(EndpointDisabled {
            at: t(301),
            reason: "2 consecutive deliveries failed".to_owned()
        })
    );
    assert_eq!(listed[0].consecutive_failures, 2);
    // A disabled endpoint's ping is still handed out (see
    // `pings_reach_disabled_endpoints_and_enabling_resets_them` for other events); once
    // enabled, a 410 disables at once, whatever the count.
    repo.enqueue_ping(a, &e.id, t(400)).await.unwrap();
    let d = repo
        .claim_webhook_deliveries(t(400), t(430), ClaimLimits::uncapped(10))
        .await
        .unwrap();
    assert_eq!(d.len(), 1);
    repo.set_webhook_endpoint_disabled(a, &e.id, None, t(401))
        .await
        .unwrap();
    let gone = DisableDecision {
        after_consecutive_failures: 100,
        now: Some("the receiver answered 410 Gone".to_owned()),
    };
    let retry = AttemptOutcome::Retry {
        next_attempt_at: t(500),
        status: Some(410),
        error: "410 Gone".to_owned(),
    };
    assert_eq!(
        repo.record_webhook_attempt(&d[0], t(402), retry, gone)
            .await
            .unwrap(),
        AttemptRecorded {
            applied: true,
            consecutive_failures: 0,
            disabled: Some("the receiver answered 410 Gone".to_owned())
        }
    );
    assert_eq!(
        repo.list_webhook_deliveries(Some(a), None, 2)
            .await
            .unwrap()
            .len(),
        2,
        "bounded"
    );
}

/// Every other write path writes its event in its own transaction, with the snapshot of
/// that moment and its `now`: disconnect (the last state), mark (the marked connection;
/// a second mark writes nothing), a mark only if unchanged (nothing when it lost to a
/// renewal), a refused refresh, and a profile deletion (the profile). Another account's
/// write is not found and writes nothing.
pub async fn every_write_path_writes_its_event(repo: Arc<dyn Repository>) {
    use crate::{RefreshRelease, RefreshTarget};
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let k = key("prof_paths");
    let named = postcore_domain::ProfileName::parse("Jane").unwrap();
    let profile = repo
        .create_profile(a, Some(k.clone()), Some(named), t(1))
        .await
        .unwrap();
    let li = Connection::new(Platform::LinkedIn, "Jane Doe", "janedoe", t(DAY));
    let bs = Connection::new(
        Platform::Bluesky,
        "jane.bsky.social",
        "jane.bsky.social",
        t(DAY),
    )
    .with_did(Some("did:plc:jane".to_owned()));
    let creds = Credentials {
        refresh_token: Some("refresh".to_owned().into()),
        ..Credentials::default()
    };
    repo.connect(a, &k, li.clone(), creds).await.unwrap();
    repo.connect(a, &k, bs.clone(), Credentials::default())
        .await
        .unwrap();
    let e = endpoint(&repo, a, &[]).await;

    // Another account's writes: not found, no event.
    assert!(matches!(
        repo.disconnect(b, &k, Platform::Bluesky, t(2 * DAY)).await,
        Err(StoreError::NotFound(Entity::Profile))
    ));
    assert!(matches!(
        repo.delete_profile(b, &k, t(2 * DAY)).await,
        Err(StoreError::NotFound(Entity::Profile))
    ));
    assert_eq!(drain(&repo, 10 * DAY).await, vec![]);

    repo.mark_revoked(a, &k, Platform::Bluesky, t(2 * DAY))
        .await
        .unwrap();
    repo.mark_revoked(a, &k, Platform::Bluesky, t(2 * DAY + 1))
        .await
        .unwrap();
    let marked = bs.clone().with_revoked(true);
    let got = drain(&repo, 10 * DAY).await;
    assert_eq!(got.len(), 1, "a second mark writes no second event");
    assert_eq!(
        (
            &got[0].0,
            got[0].1.kind,
            got[0].1.created_at,
            &got[0].1.snapshot
        ),
        (
            &e.id,
            WebhookEventKind::ConnectionNeedsReconnect,
            t(2 * DAY),
            &connected(&k, &marked)
        )
    );

    repo.disconnect(a, &k, Platform::Bluesky, t(3 * DAY))
        .await
        .unwrap();
    let got = drain(&repo, 10 * DAY).await;
    assert_eq!(
        told(&got),
        vec![(
            WebhookEventKind::ConnectionDisconnected,
            t(3 * DAY),
            connected(&k, &marked)
        )]
    );

    // A mark that lost to a renewal writes nothing; one that holds writes its event.
    assert!(
        !repo
            .mark_revoked_if_unchanged(a, &k, Platform::LinkedIn, t(DAY - 1), t(4 * DAY))
            .await
            .unwrap()
    );
    assert!(
        repo.mark_revoked_if_unchanged(a, &k, Platform::LinkedIn, t(DAY), t(4 * DAY))
            .await
            .unwrap()
    );
    let got = drain(&repo, 10 * DAY).await;
    assert_eq!(
        told(&got),
        vec![(
            WebhookEventKind::ConnectionNeedsReconnect,
            t(4 * DAY),
            connected(&k, &li.clone().with_revoked(true))
        )]
    );

    // A refused refresh marks and tells; a renewal first clears the mark.
    let renewed = Connection::new(Platform::LinkedIn, "Jane Doe", "janedoe", t(5 * DAY));
    repo.connect(a, &k, renewed.clone(), Credentials::default())
        .await
        .unwrap();
    assert_eq!(
        drain(&repo, 10 * DAY).await[0].1.kind,
        WebhookEventKind::ConnectionConnected
    );
    let target = RefreshTarget {
        account: a,
        profile_key: k.clone(),
        platform: Platform::LinkedIn,
        connected_at: t(5 * DAY),
    };
    assert!(
        repo.claim_refresh(&target, t(6 * DAY), t(6 * DAY + 60))
            .await
            .unwrap()
    );
    assert!(
        repo.release_refresh(&target, RefreshRelease::Rejected, t(6 * DAY + 1))
            .await
            .unwrap()
    );
    let got = drain(&repo, 10 * DAY).await;
    assert_eq!(
        told(&got),
        vec![(
            WebhookEventKind::ConnectionNeedsReconnect,
            t(6 * DAY + 1),
            connected(&k, &renewed.clone().with_revoked(true))
        )]
    );

    repo.delete_profile(a, &k, t(7 * DAY)).await.unwrap();
    let got = drain(&repo, 10 * DAY).await;
    assert_eq!(
        got.iter()
            .map(|(_, ev)| (ev.kind, ev.account, ev.created_at, ev.snapshot.clone()))
            .collect::<Vec<_>>(),
        vec![(
            WebhookEventKind::ProfileDeleted,
            a,
            t(7 * DAY),
            EventSnapshot::Profile(profile)
        )]
    );
    assert_eq!(
        repo.list_webhook_deliveries(Some(a), Some(&e.id), 100)
            .await
            .unwrap()
            .len(),
        6
    );
}

/// Claims through `one` and `two` at once, `batch` each, at `now` with leases until
/// `until`, until neither gets anything: every delivery id handed out, in order.
///
/// # Panics
/// When a claim fails (a test failure).
pub async fn claim_through_both(
    one: &Arc<dyn Repository>,
    two: &Arc<dyn Repository>,
    now: Timestamp,
    until: Timestamp,
    batch: u32,
) -> Vec<i64> {
    let mut seen = Vec::new();
    loop {
        let (x, y) = futures::future::join(
            one.claim_webhook_deliveries(now, until, ClaimLimits::uncapped(batch)),
            two.claim_webhook_deliveries(now, until, ClaimLimits::uncapped(batch)),
        )
        .await;
        let got: Vec<i64> = x
            .unwrap()
            .into_iter()
            .chain(y.unwrap())
            .map(|d| d.id)
            .collect();
        if got.is_empty() {
            return seen;
        }
        seen.extend(got);
    }
}

/// Secret `i` of the rotation cases: `whsec_` + base64 of 30 bytes naming it.
fn numbered_secret(i: usize) -> String {
    use base64::Engine as _;
    let key = format!("rotation-case-secret-number-{i:02}");
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}

/// Every retired secret signs until 24 h after its own rotation, however many rotations
/// follow (the defect: a second rotation cut the first secret off at once): the signing
/// set one second before and at each edge after two and after three rotations; a fourth
/// rotation while three still sign is refused and changes nothing, and is accepted once
/// the oldest window has ended (which drops that secret); another account's id is not
/// found.
pub async fn retired_secrets_sign_until_their_own_windows_end(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let s: Vec<String> = (0..5).map(numbered_secret).collect();
    let mut new = new_endpoint("https://hooks.example.com/a", &[]);
    new.secret = s[0].clone().into();
    let e = repo.create_webhook_endpoint(a, new, t(0)).await.unwrap();
    let hour = 3_600;
    // S0 → S1 at 1 h, S1 → S2 at 7 h.
    for (i, at) in [(1, hour), (2, 7 * hour)] {
        repo.rotate_webhook_secret(a, &e.id, rotation(&s[i], t(at)))
            .await
            .unwrap();
    }
    let signing = async |now: i64| {
        let set = repo.webhook_signing_secrets(&e.id, t(now)).await.unwrap();
        let current = set.current.expose_secret().to_owned();
        let retired: Vec<(String, Timestamp)> = retired(&set)
            .into_iter()
            .map(|(secret, until)| (secret.to_owned(), until))
            .collect();
        (current, retired)
    };
    let until0 = t(hour + DAY);
    let until1 = t(7 * hour + DAY);
    let two = [
        (7 * hour, vec![(1, until1), (0, until0)]),
        (hour + DAY - 1, vec![(1, until1), (0, until0)]),
        (hour + DAY, vec![(1, until1)]),
        (7 * hour + DAY - 1, vec![(1, until1)]),
        (7 * hour + DAY, vec![]),
    ];
    // At each instant: the current secret's index, and the retired ones' with their ends.
    let check = async |current: usize, cases: &[(i64, Vec<(usize, Timestamp)>)]| {
        for (now, expected) in cases {
            let expected: Vec<_> = expected
                .iter()
                .map(|&(i, until)| (s[i].clone(), until))
                .collect();
            assert_eq!(
                signing(*now).await,
                (s[current].clone(), expected),
                "at {now}"
            );
        }
    };
    check(2, &two).await;

    // S2 → S3 at 12 h: three retired secrets sign, each to its own edge.
    repo.rotate_webhook_secret(a, &e.id, rotation(&s[3], t(12 * hour)))
        .await
        .unwrap();
    let until2 = t(12 * hour + DAY);
    let three = [
        (12 * hour, vec![(2, until2), (1, until1), (0, until0)]),
        (hour + DAY - 1, vec![(2, until2), (1, until1), (0, until0)]),
        (hour + DAY, vec![(2, until2), (1, until1)]),
        (7 * hour + DAY - 1, vec![(2, until2), (1, until1)]),
        (7 * hour + DAY, vec![(2, until2)]),
        (12 * hour + DAY - 1, vec![(2, until2)]),
        (12 * hour + DAY, vec![]),
    ];
    check(3, &three).await;

    // A fourth rotation while three still sign: refused, naming when the oldest ends.
    for now in [12 * hour, hour + DAY - 1] {
        let refused = repo
            .rotate_webhook_secret(a, &e.id, rotation(&s[4], t(now)))
            .await
            .unwrap_err();
        assert_eq!(
            format!("{refused:?}"),
            format!(
                "{:?}",
                StoreError::Conflict(Conflict::TooManyRetiredSecrets {
                    max: 3,
                    next_at: until0
                })
            )
        );
        assert_eq!(
            refused.to_string(),
            "conflict: 3 retired secrets of this webhook endpoint still sign; the earliest \
             stops at 2025-01-02T01:00:00Z"
        );
    }
    assert_eq!(signing(12 * hour).await.0, s[3]);
    assert_eq!(signing(12 * hour).await.1.len(), 3);
    assert_eq!(
        format!(
            "{:?}",
            repo.rotate_webhook_secret(b, &e.id, rotation(&s[4], t(hour + DAY)))
                .await
                .unwrap_err()
        ),
        "NotFound(WebhookEndpoint)"
    );
    // From the instant S0 stops, a rotation is accepted; S0 is gone for good.
    repo.rotate_webhook_secret(a, &e.id, rotation(&s[4], t(hour + DAY)))
        .await
        .unwrap();
    let until3 = t(hour + 2 * DAY);
    assert_eq!(
        signing(hour + DAY).await,
        (
            s[4].clone(),
            vec![
                (s[3].clone(), until3),
                (s[2].clone(), until2),
                (s[1].clone(), until1)
            ]
        )
    );
    assert_eq!(
        signing(0).await.1.len(),
        3,
        "the expired S0 was dropped, not kept beside them"
    );
    // Two rotations in the same second keep both secrets, most recent first.
    let mut other = new_endpoint("https://hooks.example.com/b", &[]);
    other.secret = s[0].clone().into();
    let f = repo.create_webhook_endpoint(a, other, t(0)).await.unwrap();
    for i in [1, 2] {
        repo.rotate_webhook_secret(a, &f.id, rotation(&s[i], t(5)))
            .await
            .unwrap();
    }
    let set = repo.webhook_signing_secrets(&f.id, t(5)).await.unwrap();
    assert_eq!(
        retired(&set),
        [(s[1].as_str(), t(5 + DAY)), (s[0].as_str(), t(5 + DAY))]
    );
}

/// A ping to a disabled endpoint is handed out (an operator's check that the receiver is
/// back) while its other deliveries wait and no new event is written for it; its failure
/// keeps the first disabling. Enabling clears the disabling and the failures, is
/// idempotent, leaves an enabled endpoint's failures as they are, and hands out again the
/// deliveries queued before it was disabled, but nothing for the events of the disabled
/// time.
pub async fn pings_reach_disabled_endpoints_and_enabling_resets_them(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let k = key("prof_pinged");
    repo.create_profile(a, Some(k.clone()), None, t(0))
        .await
        .unwrap();
    let e = endpoint(&repo, a, &[]).await;
    let before = Connection::new(Platform::LinkedIn, "John Doe", "johndoe", t(5));
    repo.connect(a, &k, before.clone(), Credentials::default())
        .await
        .unwrap();
    let reason = EndpointDisabled {
        at: t(10),
        reason: "5 consecutive deliveries failed".to_owned(),
    };
    repo.set_webhook_endpoint_disabled(a, &e.id, Some(reason.reason.clone()), t(10))
        .await
        .unwrap();
    // While disabled: a change writes nothing for it; a ping is written and handed out.
    let during = Connection::new(Platform::Bluesky, "j.bsky.social", "j.bsky.social", t(15));
    repo.connect(a, &k, during, Credentials::default())
        .await
        .unwrap();
    let ping = repo.enqueue_ping(a, &e.id, t(20)).await.unwrap();
    let claimed = repo
        .claim_webhook_deliveries(t(30), t(90), ClaimLimits::uncapped(10))
        .await
        .unwrap();
    let handed: Vec<_> = claimed.iter().map(|d| (&d.endpoint_id, &d.event)).collect();
    assert_eq!(handed, [(&e.id, &ping)]);
    let gone = DisableDecision {
        after_consecutive_failures: 1,
        now: Some("the receiver answered 410 Gone".to_owned()),
    };
    let give_up = AttemptOutcome::GiveUp {
        status: Some(410),
        error: "HTTP 410".to_owned(),
    };
    assert_eq!(
        repo.record_webhook_attempt(&claimed[0], t(31), give_up.clone(), gone.clone())
            .await
            .unwrap(),
        AttemptRecorded {
            applied: true,
            consecutive_failures: 1,
            disabled: None
        },
        "already disabled: the first disabling stands"
    );
    let mut listed = repo.list_webhook_endpoints(Some(a)).await.unwrap();
    assert_eq!(
        (listed[0].disabled.clone(), listed[0].consecutive_failures),
        (Some(reason), 1)
    );
    assert_eq!(
        repo.claim_webhook_deliveries(t(40), t(90), ClaimLimits::uncapped(10))
            .await
            .unwrap(),
        vec![],
        "the connection.connected queued before the disabling waits"
    );

    // Enabling: as listed, disabling and failures cleared; twice is the same.
    listed[0].disabled = None;
    listed[0].consecutive_failures = 0;
    for now in [50, 60] {
        assert_eq!(
            repo.set_webhook_endpoint_disabled(a, &e.id, None, t(now))
                .await
                .unwrap(),
            listed[0]
        );
    }
    assert_eq!(
        repo.list_webhook_endpoints(Some(a)).await.unwrap(),
        listed.clone()
    );
    assert_eq!(
        format!(
            "{:?}",
            repo.set_webhook_endpoint_disabled(b, &e.id, None, t(60))
                .await
                .unwrap_err()
        ),
        "NotFound(WebhookEndpoint)"
    );
    // What was queued before the disabling goes out now; nothing of the disabled time.
    let claimed = repo
        .claim_webhook_deliveries(t(70), t(130), ClaimLimits::uncapped(10))
        .await
        .unwrap();
    assert_eq!(
        told(
            &claimed
                .iter()
                .map(|d| (d.endpoint_id.clone(), d.event.clone()))
                .collect::<Vec<_>>()
        ),
        [(
            WebhookEventKind::ConnectionConnected,
            t(5),
            connected(&k, &before)
        )]
    );
    // An enabled endpoint with a failure: enabling leaves its count as it is.
    let keep = DisableDecision {
        after_consecutive_failures: 5,
        now: None,
    };
    let give_up = AttemptOutcome::GiveUp {
        status: Some(500),
        error: "HTTP 500".to_owned(),
    };
    repo.record_webhook_attempt(&claimed[0], t(71), give_up, keep)
        .await
        .unwrap();
    let enabled = repo
        .set_webhook_endpoint_disabled(a, &e.id, None, t(80))
        .await
        .unwrap();
    assert_eq!((enabled.disabled, enabled.consecutive_failures), (None, 1));
}
