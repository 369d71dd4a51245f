//! `last_used_at`: recorded off the request path, at the server clock's now, at most once a
//! minute per key; `flush_last_use` waits for the deferred write.

use postcore_domain::Timestamp;
use postcore_store::AccountId;
use postcore_tests::app::{TestApp, at, status_and_json};
use serde_json::json;

/// The `last_used_at` of `account`'s keys, oldest key first, once queued uses are written.
async fn last_uses(app: &TestApp, account: AccountId) -> Vec<Option<Timestamp>> {
    app.store.flush_last_use().await.unwrap();
    let keys = app.store.list_api_keys(Some(account)).await.unwrap();
    keys.into_iter().map(|k| k.last_used_at).collect()
}

/// `GET /profiles` with the default key at `now` on the server's clock.
async fn request_at(app: &TestApp, now: &str) {
    app.clock.set(at(now));
    assert_eq!(
        app.get_ok("/profiles").await,
        json!({"profiles": []}),
        "at {now}"
    );
}

#[tokio::test]
async fn a_request_records_its_keys_last_use_at_the_clocks_now_at_most_once_a_minute() {
    let app = postcore_tests::app::spawn_app().await;
    let (other, _) = app.add_account("other").await;
    assert_eq!(last_uses(&app, app.account).await, [None]);

    request_at(&app, "2025-01-06T12:45:00Z").await;
    let first = Some(at("2025-01-06T12:45:00Z"));
    assert_eq!(last_uses(&app, app.account).await, [first]);
    assert_eq!(
        last_uses(&app, other).await,
        [None],
        "another key is untouched"
    );

    request_at(&app, "2025-01-06T12:45:59Z").await;
    assert_eq!(
        last_uses(&app, app.account).await,
        [first],
        "within the minute"
    );

    request_at(&app, "2025-01-06T12:46:00Z").await;
    assert_eq!(
        last_uses(&app, app.account).await,
        [Some(at("2025-01-06T12:46:00Z"))]
    );
}

#[tokio::test]
async fn a_refused_key_records_no_use() {
    let app = postcore_tests::app::spawn_app().await;
    app.clock.set(at("2025-01-06T12:45:00Z"));
    let (_, revoked) = app.add_account("revoked").await;
    let info = app
        .store
        .revoke_api_key(&revoked[..14], at("2025-01-06T12:40:00Z"))
        .await
        .unwrap();
    let response = app.get_with_key("/profiles", &revoked).await;
    let invalid = json!({"error": "INVALID_API_KEY", "message": "Invalid API key"});
    assert_eq!(status_and_json(response).await, (401, invalid));
    assert_eq!(last_uses(&app, info.account).await, [None]);
}
