//! One connection, one answer of the token endpoint each: renewed, marked, or backed off.

use crate::harness::{DAY, World, t};
use crate::row;
use postcore_refresh::RefreshResult::{self, *};
use postcore_tests::linkedin::{Counts, TokenFailure};
use serde_json::json;

const K: &str = "prof_li";

/// A connection made at day 0 (access token until day 60, refresh token until day 365),
/// at day 55: due within the 7-day lead.
async fn due() -> (World, crate::harness::Tokens) {
    let w = World::new().await;
    let tokens = w.connect(K, t(0), t(365 * DAY)).await;
    (w, tokens)
}

fn refreshes(n: usize) -> Counts {
    Counts {
        authorize: 1,
        token_exchange: 1,
        token_refresh: n,
        ..Counts::default()
    }
}

#[tokio::test]
async fn a_refresh_renews_in_place_and_replaces_the_refresh_token_it_was_sent() {
    let (w, old) = due().await;
    let now = t(55 * DAY);
    let report = w.pass(now, false).await;
    assert_eq!(report.rows, vec![row(K, t(115 * DAY), Refreshed)]);
    assert_eq!(w.li.counts(), refreshes(1));
    let new = w.tokens(K).await;
    assert!(
        new.access.starts_with("AQV") && new.access != old.access,
        "{new:?}"
    );
    assert!(w.li.is_live(&new.access));
    let refresh = new.refresh.clone().unwrap();
    assert!(refresh.starts_with("AQW") && Some(&refresh) != old.refresh.as_ref());
    assert_eq!(new.refresh_expires_at, Some(t(55 * DAY + 31_536_000)));
    let c = w.connection(K).await;
    assert_eq!(
        (c.connected_at(), c.expires_at(), c.needs_reconnect(now)),
        (now, Some(t(115 * DAY)), false)
    );
    assert_eq!(
        (c.display_name(), c.username(), c.platform_account_id()),
        ("John Doe", "john@members.example", Some("782bbtaQ"))
    );
    // Renewed: not due again at the same instant.
    assert!(w.pass(now, false).await.is_empty());
    assert_eq!(w.li.counts(), refreshes(1));
}

#[tokio::test]
async fn the_refresh_token_is_kept_when_none_is_sent_and_expires_in_sets_the_expiry() {
    let (w, old) = due().await;
    w.li.set_refresh_tokens(false);
    w.li.set_expires_in(Some(json!(3_600)));
    let now = t(55 * DAY);
    let report = w.pass(now, false).await;
    assert_eq!(report.rows, vec![row(K, t(55 * DAY + 3_600), Refreshed)]);
    let new = w.tokens(K).await;
    assert_ne!(new.access, old.access);
    assert_eq!(
        (new.refresh, new.refresh_expires_at),
        (old.refresh, old.refresh_expires_at)
    );
    assert!(!w.connection(K).await.needs_reconnect(now));
}

#[tokio::test]
async fn invalid_grant_marks_the_connection_as_needing_a_reconnect() {
    let (w, old) = due().await;
    w.li.token_failure(Some(TokenFailure::InvalidGrant));
    let now = t(55 * DAY);
    assert_eq!(
        w.pass(now, false).await.rows,
        vec![row(K, t(60 * DAY), Rejected)]
    );
    let c = w.connection(K).await;
    assert!(c.is_revoked() && c.needs_reconnect(now));
    assert_eq!(w.tokens(K).await, old);
    // Marked: never a candidate again, however late.
    assert!(w.pass(t(59 * DAY), false).await.is_empty());
    assert_eq!(w.li.counts(), refreshes(1));
}

/// A failure that backs off `first` seconds: not marked, not called again before then,
/// called again after; the next back-off doubles (at least), and success clears it.
async fn backs_off(failure: TokenFailure, first: i64) {
    let (w, old) = due().await;
    w.li.token_failure(Some(failure.clone()));
    let now = t(55 * DAY);
    let retry = t(55 * DAY + first);
    let report = w.pass(now, false).await;
    assert_eq!(
        report.rows,
        vec![row(K, t(60 * DAY), RetryLater(retry))],
        "{failure:?}"
    );
    assert!(!w.connection(K).await.needs_reconnect(now));
    assert_eq!(w.tokens(K).await, old);
    assert!(w.pass(now, false).await.is_empty());
    assert!(w.pass(t(55 * DAY + first - 1), false).await.is_empty());
    assert_eq!(w.li.counts(), refreshes(1));
    let second = w.pass(retry, false).await.rows[0].result;
    let RetryLater(at) = second else {
        panic!("{second:?}")
    };
    assert!((at - retry).num_seconds() >= first.max(120), "{second:?}");
    assert_eq!(w.li.counts(), refreshes(2));
    w.li.token_failure(None);
    let result: Vec<RefreshResult> = w
        .pass(at, false)
        .await
        .rows
        .iter()
        .map(|r| r.result)
        .collect();
    assert_eq!(result, vec![Refreshed]);
    assert!(!w.connection(K).await.needs_reconnect(at));
}

#[tokio::test]
async fn a_server_error_backs_off_without_marking() {
    backs_off(TokenFailure::Status(500), 60).await;
}

#[tokio::test]
async fn a_rate_limit_backs_off_as_long_as_the_platform_says() {
    backs_off(
        TokenFailure::RateLimited {
            retry_after_secs: 600,
        },
        600,
    )
    .await;
}

#[tokio::test]
async fn a_timeout_backs_off_without_marking() {
    backs_off(TokenFailure::Hang, 60).await;
}

#[tokio::test]
async fn an_answer_not_understood_backs_off_without_marking() {
    let (w, _) = due().await;
    w.li.set_expires_in(Some(json!("soon")));
    let now = t(55 * DAY);
    let report = w.pass(now, false).await;
    assert_eq!(
        report.rows,
        vec![row(K, t(60 * DAY), RetryLater(t(55 * DAY + 60)))]
    );
    assert!(!w.connection(K).await.is_revoked());
    assert!(w.pass(now, false).await.is_empty());
    assert_eq!(w.li.counts(), refreshes(1));
}

#[tokio::test]
async fn a_refresh_token_past_its_own_expiry_is_marked_without_a_call() {
    let w = World::new().await;
    w.connect(K, t(0), t(55 * DAY)).await;
    let now = t(55 * DAY);
    assert_eq!(
        w.pass(now, false).await.rows,
        vec![row(K, t(60 * DAY), RefreshTokenExpired)]
    );
    assert!(w.connection(K).await.is_revoked());
    assert_eq!(w.li.counts(), refreshes(0));
}

#[tokio::test]
async fn no_refresh_token_or_no_expiry_in_the_lead_means_no_call() {
    let w = World::new().await;
    w.connect("prof_late", t(10 * DAY), t(365 * DAY)).await;
    w.li.set_refresh_tokens(false);
    let none = w.connect("prof_none", t(0), t(365 * DAY)).await;
    assert_eq!(none.refresh, None);
    // Day 52: prof_late expires at day 70, past the 7-day lead; at day 64 within it.
    // prof_none holds no refresh token: never a candidate.
    assert!(w.pass(t(52 * DAY), false).await.is_empty());
    assert_eq!(
        w.pass(t(64 * DAY), false).await.rows,
        vec![row("prof_late", t(124 * DAY), Refreshed)]
    );
    assert_eq!(w.li.counts().token_refresh, 1);
    // prof_none simply runs out: expired at day 60, never marked, never called for.
    let expired = w.connection("prof_none").await;
    assert!(!expired.is_revoked() && expired.needs_reconnect(t(64 * DAY)));
}

#[tokio::test]
async fn a_dry_run_claims_calls_and_writes_nothing() {
    let (w, old) = due().await;
    let now = t(55 * DAY);
    let before = w.connection(K).await;
    assert_eq!(
        w.pass(now, true).await.rows,
        vec![row(K, t(60 * DAY), WouldRefresh)]
    );
    assert_eq!(
        w.pass(now, true).await.rows,
        vec![row(K, t(60 * DAY), WouldRefresh)]
    );
    assert_eq!((w.connection(K).await, w.tokens(K).await), (before, old));
    assert_eq!(w.li.counts(), refreshes(0));
    // Nothing was leased: a real pass at the same instant refreshes.
    assert_eq!(
        w.pass(now, false).await.rows,
        vec![row(K, t(115 * DAY), Refreshed)]
    );
}
