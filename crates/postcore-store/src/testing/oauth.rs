//! Conformance cases for OAuth: single-use states, return-URL allow-lists, and the token
//! refresher's lease with its three endings.

use super::{account, key, t};
use crate::{Conflict, Credentials, Entity, OAuthState, RefreshRelease, Repository, StoreError};
use postcore_domain::{Connection, Platform};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

fn state(digest: u8, account: crate::AccountId, expires_at: i64) -> OAuthState {
    OAuthState {
        digest: [digest; 32],
        account,
        platform: Platform::LinkedIn,
        profile_key: Some(key("prof_oauth")),
        return_url: Some("https://app.example.com/done".into()),
        created_at: t(expires_at - 600),
        expires_at: t(expires_at),
    }
}

/// A state is taken once, and not at all once expired (nor after its account is gone).
pub async fn oauth_states_are_single_use_and_expire(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    repo.save_oauth_state(state(1, a, 1_000)).await.unwrap();
    repo.save_oauth_state(state(2, a, 1_000)).await.unwrap();
    let again = repo.save_oauth_state(state(1, a, 2_000)).await;
    assert!(
        matches!(again, Err(StoreError::Conflict(Conflict::OAuthStateExists))),
        "{again:?}"
    );
    assert_eq!(
        repo.take_oauth_state([1; 32], t(999)).await.unwrap(),
        Some(state(1, a, 1_000))
    );
    assert_eq!(repo.take_oauth_state([1; 32], t(999)).await.unwrap(), None);
    assert_eq!(
        repo.take_oauth_state([2; 32], t(1_000)).await.unwrap(),
        None
    );
    assert_eq!(repo.take_oauth_state([3; 32], t(0)).await.unwrap(), None);
    let mut no_profile = state(4, a, 5_000);
    no_profile.profile_key = None;
    no_profile.return_url = None;
    repo.save_oauth_state(no_profile.clone()).await.unwrap();
    assert_eq!(
        repo.take_oauth_state([4; 32], t(4_000)).await.unwrap(),
        Some(no_profile)
    );
}

/// Return URLs are allowed per account, exactly, listed sorted, and removed.
pub async fn return_urls_are_allowed_per_account(repo: Arc<dyn Repository>) {
    let a = account(&repo, "a").await;
    let b = account(&repo, "b").await;
    let url = "https://app.example.com/done";
    assert!(repo.allow_return_url(a, url, t(0)).await.unwrap());
    assert!(!repo.allow_return_url(a, url, t(1)).await.unwrap());
    assert!(
        repo.allow_return_url(a, "https://a.example/x", t(1))
            .await
            .unwrap()
    );
    assert_eq!(
        repo.return_urls(a).await.unwrap(),
        vec!["https://a.example/x".to_owned(), url.to_owned()]
    );
    assert!(repo.is_return_url_allowed(a, url).await.unwrap());
    for other in [
        "https://app.example.com/done/",
        "https://APP.example.com/done",
        "https://app.example.com/done?x=1",
    ] {
        assert!(
            !repo.is_return_url_allowed(a, other).await.unwrap(),
            "{other}"
        );
    }
    assert!(!repo.is_return_url_allowed(b, url).await.unwrap());
    assert!(repo.return_urls(b).await.unwrap().is_empty());
    repo.remove_return_url(a, url).await.unwrap();
    assert!(!repo.is_return_url_allowed(a, url).await.unwrap());
    let gone = repo.remove_return_url(a, url).await;
    assert!(
        matches!(gone, Err(StoreError::NotFound(Entity::ReturnUrl))),
        "{gone:?}"
    );
}

fn tokens(access: &str, refresh: Option<&str>, refresh_expires: Option<i64>) -> Credentials {
    Credentials {
        access_token: Some(SecretString::from(access.to_owned())),
        refresh_token: refresh.map(|r| SecretString::from(r.to_owned())),
        app_password: None,
        refresh_token_expires_at: refresh_expires.map(t),
    }
}

/// Candidates hold a refresh token, expire soon and are free; one claim wins; a
/// completion renews in place (a refresh token kept when none is sent); a retry backs off;
/// a rejection marks; a reconnect meanwhile makes every later step a no-op.
pub async fn refreshes_are_leased_once_and_end_in_one_of_three_ways(repo: Arc<dyn Repository>) {
    const DAY: i64 = 86_400;
    let a = account(&repo, "a").await;
    for (k, refresh) in [
        ("prof_soon", Some("r-soon")),
        ("prof_none", None),
        ("prof_late", Some("r-late")),
    ] {
        repo.create_profile(a, Some(key(k)), None, t(0))
            .await
            .unwrap();
        let connected = if k == "prof_late" { 30 * DAY } else { 0 };
        let c = Connection::new(Platform::LinkedIn, "M", k, t(connected));
        repo.connect(a, &key(k), c, tokens("a", refresh, Some(400 * DAY)))
            .await
            .unwrap();
    }
    // Expiring before day 60 + 7 at day 55: only prof_soon (prof_none has no refresh token).
    let now = t(55 * DAY);
    let found = repo
        .refresh_candidates(Platform::LinkedIn, t(67 * DAY), now, 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].stored.profile_key, key("prof_soon"));
    assert_eq!(found[0].failures, 0);
    assert_eq!(
        found[0]
            .stored
            .credentials
            .refresh_token
            .as_ref()
            .map(|s| s.expose_secret()),
        Some("r-soon")
    );
    assert_eq!(
        found[0].stored.credentials.refresh_token_expires_at,
        Some(t(400 * DAY))
    );
    let target = found[0].target();

    // One claim wins; while leased it is no candidate; the lease runs out.
    let until = t(55 * DAY + 60);
    assert!(repo.claim_refresh(&target, now, until).await.unwrap());
    assert!(!repo.claim_refresh(&target, now, until).await.unwrap());
    assert!(
        repo.refresh_candidates(Platform::LinkedIn, t(67 * DAY), now, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A transient failure: back off, nothing marked, the failure counted.
    let retry_at = t(55 * DAY + 3_600);
    assert!(
        repo.release_refresh(&target, RefreshRelease::RetryAfter(retry_at), t(0))
            .await
            .unwrap()
    );
    assert!(
        repo.refresh_candidates(Platform::LinkedIn, t(67 * DAY), now, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let later = repo
        .refresh_candidates(Platform::LinkedIn, t(67 * DAY), retry_at, 10)
        .await
        .unwrap();
    assert_eq!((later.len(), later[0].failures), (1, 1));
    assert!(
        !repo
            .get_profile(a, &key("prof_soon"))
            .await
            .unwrap()
            .connections[0]
            .is_revoked()
    );

    // A completion renews in place: new tokens, the refresh token kept, lease cleared.
    assert!(
        repo.claim_refresh(&target, retry_at, t(56 * DAY))
            .await
            .unwrap()
    );
    let renewed = Connection::new(Platform::LinkedIn, "M", "prof_soon", retry_at);
    assert!(
        repo.complete_refresh(&target, renewed.clone(), tokens("a-2", None, None))
            .await
            .unwrap()
    );
    assert_eq!(
        repo.get_profile(a, &key("prof_soon"))
            .await
            .unwrap()
            .connections,
        vec![renewed.clone()]
    );
    let creds = repo
        .credentials(a, &key("prof_soon"), Platform::LinkedIn)
        .await
        .unwrap();
    assert_eq!(
        creds.access_token.as_ref().map(|s| s.expose_secret()),
        Some("a-2")
    );
    assert_eq!(
        creds.refresh_token.as_ref().map(|s| s.expose_secret()),
        Some("r-soon")
    );
    assert_eq!(creds.refresh_token_expires_at, Some(t(400 * DAY)));
    // The old target is stale now: every step is a no-op.
    assert!(
        !repo
            .claim_refresh(&target, retry_at, t(57 * DAY))
            .await
            .unwrap()
    );
    assert!(
        !repo
            .complete_refresh(&target, renewed.clone(), tokens("x", None, None))
            .await
            .unwrap()
    );
    assert!(
        !repo
            .release_refresh(&target, RefreshRelease::Rejected, t(0))
            .await
            .unwrap()
    );

    // A rejection marks the connection, which is then no candidate.
    let near_expiry = t(retry_at.timestamp() + 59 * DAY);
    let again = repo
        .refresh_candidates(
            Platform::LinkedIn,
            t(near_expiry.timestamp() + 7 * DAY),
            near_expiry,
            10,
        )
        .await
        .unwrap();
    let soon = again
        .iter()
        .find(|c| c.stored.profile_key == key("prof_soon"))
        .unwrap();
    assert_eq!(soon.failures, 0);
    let target = soon.target();
    assert!(
        repo.claim_refresh(&target, near_expiry, t(near_expiry.timestamp() + 60))
            .await
            .unwrap()
    );
    assert!(
        repo.release_refresh(&target, RefreshRelease::Rejected, t(0))
            .await
            .unwrap()
    );
    assert!(
        repo.get_profile(a, &key("prof_soon"))
            .await
            .unwrap()
            .connections[0]
            .is_revoked()
    );
    let left = repo
        .refresh_candidates(
            Platform::LinkedIn,
            t(near_expiry.timestamp() + 7 * DAY),
            near_expiry,
            10,
        )
        .await
        .unwrap();
    assert!(
        left.iter()
            .all(|c| c.stored.profile_key != key("prof_soon"))
    );
}
