//! Conformance cases for fair webhook delivery: a claim keeps the per-endpoint and
//! per-account caps on attempts in flight (counting every claimer's unexpired leases,
//! oldest due first), and an account has at most 20 endpoints.

use super::{account, t};
use crate::webhooks::{
    AttemptOutcome, ClaimLimits, ClaimedDelivery, DisableDecision, MAX_WEBHOOK_ENDPOINTS,
    NewWebhookEndpoint, WebhookEndpoint,
};
use crate::{AccountId, Conflict, Repository, StoreError};
use postcore_domain::Timestamp;
use std::sync::Arc;

fn new_endpoint(n: u32) -> NewWebhookEndpoint {
    NewWebhookEndpoint {
        url: format!("https://hooks.example.com/{n}"),
        events: vec![],
        description: None,
        secret: "whsec_c2VjcmV0LWN1cnJlbnQtMDEyMzQ1Njc4OWFi"
            .to_owned()
            .into(),
    }
}

async fn endpoint(repo: &Arc<dyn Repository>, a: AccountId, n: u32) -> WebhookEndpoint {
    repo.create_webhook_endpoint(a, new_endpoint(n), t(0))
        .await
        .unwrap()
}

/// Pings to `e` due at each of `at` (seconds).
async fn pings(repo: &Arc<dyn Repository>, a: AccountId, e: &WebhookEndpoint, at: &[i64]) {
    for &s in at {
        repo.enqueue_ping(a, &e.id, t(s)).await.unwrap();
    }
}

/// A claim at `now` leased until `until`, as (endpoint id, due instant) in the order given.
async fn claim(
    repo: &Arc<dyn Repository>,
    now: i64,
    until: i64,
    limits: ClaimLimits,
) -> (Vec<(String, Timestamp)>, Vec<ClaimedDelivery>) {
    let claimed = repo
        .claim_webhook_deliveries(t(now), t(until), limits)
        .await
        .unwrap();
    let shown = claimed
        .iter()
        .map(|d| (d.endpoint_id.clone(), d.event.created_at))
        .collect();
    (shown, claimed)
}

fn caps(total: u32, per_account: u32, per_endpoint: u32) -> ClaimLimits {
    ClaimLimits {
        total,
        per_account,
        per_endpoint,
    }
}

/// Account a has endpoints a1, a2, a3 with 3 pings each, account b endpoint b1 with 2; a
/// claim hands out each endpoint's oldest up to its cap, each account's oldest up to its
/// cap, least-loaded account first (then oldest first); the leases of an earlier claim (another server's) count until they
/// end, a recorded attempt frees its place, and an expired lease counts for nothing.
pub async fn claims_keep_the_per_endpoint_and_per_account_caps(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let (a1, a2, a3) = (
        endpoint(&repo, a, 1).await,
        endpoint(&repo, a, 2).await,
        endpoint(&repo, a, 3).await,
    );
    let b1 = endpoint(&repo, b, 4).await;
    pings(&repo, a, &a1, &[10, 11, 12]).await;
    pings(&repo, a, &a2, &[13, 14, 15]).await;
    pings(&repo, a, &a3, &[16, 17, 18]).await;
    pings(&repo, b, &b1, &[19, 20]).await;
    let at = |e: &WebhookEndpoint, s: i64| (e.id.clone(), t(s));

    let (first, leased) = claim(&repo, 100, 200, caps(100, 4, 2)).await;
    assert_eq!(
        first,
        [
            at(&a1, 10),
            at(&b1, 19),
            at(&a1, 11),
            at(&b1, 20),
            at(&a2, 13),
            at(&a2, 14)
        ],
        "two per endpoint, four for account a; each account's first before any's second, \
         then oldest first"
    );
    assert_eq!(
        claim(&repo, 101, 200, caps(100, 4, 2)).await.0,
        [],
        "the first claim's leases fill every cap"
    );
    assert_eq!(
        claim(&repo, 101, 200, caps(100, 5, 2)).await.0,
        [at(&a3, 16)],
        "one more place for a: a1 and a2 are at their cap"
    );
    let delivered = repo
        .record_webhook_attempt(
            &leased[0],
            t(102),
            AttemptOutcome::Delivered { status: 200 },
            DisableDecision {
                after_consecutive_failures: 5,
                now: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(delivered.disabled, None);
    assert_eq!(
        claim(&repo, 102, 300, caps(100, 5, 2)).await.0,
        [at(&a1, 12)],
        "the recorded attempt freed one place of a1 and of a"
    );
    // At 200 every lease of the first two claims has ended; a1@12's holds until 300.
    assert_eq!(
        claim(&repo, 200, 400, caps(4, 4, 2)).await.0,
        [at(&b1, 19), at(&a1, 11), at(&b1, 20), at(&a2, 13)],
        "expired leases count for nothing; b, with nothing in flight, first, then a (a1@12 \
         in flight) and b in turn"
    );
    assert_eq!(
        claim(&repo, 201, 400, caps(100, 8, 8)).await.0,
        [
            at(&a2, 14),
            at(&a2, 15),
            at(&a3, 16),
            at(&a3, 17),
            at(&a3, 18)
        ],
        "a1's two (12 and 11), a2@13 and b1's two are in flight, 10 was delivered"
    );
}

/// The 21st endpoint of an account is refused (disabled ones count), another account is
/// not concerned, deleting one makes room, and two creates at once for the last place
/// make one endpoint.
pub async fn an_account_has_at_most_20_webhook_endpoints(repo: Arc<dyn Repository>) {
    assert_eq!(MAX_WEBHOOK_ENDPOINTS, 20);
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let mut made = Vec::new();
    for n in 0..20 {
        made.push(endpoint(&repo, a, n).await);
    }
    repo.set_webhook_endpoint_disabled(a, &made[0].id, Some("off".into()), t(1))
        .await
        .unwrap();
    let refused = repo
        .create_webhook_endpoint(a, new_endpoint(20), t(1))
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            StoreError::Conflict(Conflict::TooManyWebhookEndpoints)
        ),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        "conflict: an account has at most 20 webhook endpoints; delete one first"
    );
    assert_eq!(
        repo.list_webhook_endpoints(Some(a)).await.unwrap().len(),
        20
    );
    endpoint(&repo, b, 0).await;

    repo.delete_webhook_endpoint(a, &made[1].id).await.unwrap();
    let (x, y) = futures::future::join(
        repo.create_webhook_endpoint(a, new_endpoint(21), t(2)),
        repo.create_webhook_endpoint(a, new_endpoint(22), t(2)),
    )
    .await;
    let refusals = [&x, &y]
        .iter()
        .filter(|r| {
            matches!(
                r,
                Err(StoreError::Conflict(Conflict::TooManyWebhookEndpoints))
            )
        })
        .count();
    assert_eq!(
        (u8::from(x.is_ok()) + u8::from(y.is_ok()), refusals),
        (1, 1)
    );
    assert_eq!(
        repo.list_webhook_endpoints(Some(a)).await.unwrap().len(),
        20
    );
}

/// Two servers on one database (`one` and `two`): account a's 4 endpoints with 6 pings
/// each are claimed through both at once, 2 per call, until neither gets anything, with
/// caps of 5 per account and 2 per endpoint: 5 are handed out in all, at most 2 per
/// endpoint, each once — the caps count both servers' leases.
///
/// # Panics
/// When the caps are broken (a test failure).
pub async fn two_claimers_share_the_caps(one: Arc<dyn Repository>, two: Arc<dyn Repository>) {
    let a = account(&one, "a").await;
    let mut endpoints = Vec::new();
    for n in 0..4 {
        let e = endpoint(&one, a, n).await;
        let at: Vec<i64> = (0..6).map(|i| i64::from(n) * 10 + i).collect();
        pings(&one, a, &e, &at).await;
        endpoints.push(e.id);
    }
    let mut seen: Vec<ClaimedDelivery> = Vec::new();
    loop {
        let (x, y) = futures::future::join(
            one.claim_webhook_deliveries(t(100), t(200), caps(2, 5, 2)),
            two.claim_webhook_deliveries(t(100), t(200), caps(2, 5, 2)),
        )
        .await;
        let got: Vec<ClaimedDelivery> = x.unwrap().into_iter().chain(y.unwrap()).collect();
        if got.is_empty() {
            break;
        }
        seen.extend(got);
    }
    let mut ids: Vec<i64> = seen.iter().map(|d| d.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let per_endpoint: Vec<usize> = endpoints
        .iter()
        .map(|e| seen.iter().filter(|d| &d.endpoint_id == e).count())
        .collect();
    assert_eq!((seen.len(), ids.len()), (5, 5), "{per_endpoint:?}");
    assert!(per_endpoint.iter().all(|&n| n <= 2), "{per_endpoint:?}");
}
