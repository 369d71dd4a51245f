//! Rate limits (api.md §1, §4; README "Rate limits"): the `X-RateLimit-*` headers of
//! authenticated answers, the 429 over a key's limit and its recovery on the app's clock,
//! keys counted apart, both limits off, and the failed-authentication limit per address.

use postcore_tests::app::{TestApp, at, spawn_app, spawn_app_with_settings, status_and_json};
use serde_json::json;

/// `SEED_NOW`, `2025-01-06T12:30:00Z`, in Unix seconds.
const T0: u64 = 1_736_166_600;
const UNKNOWN_PROFILE: &str = "/profiles/prof_abc123def456";

/// The rate-limit headers of `response` (`x-ratelimit-*` and `retry-after`), sorted by name.
fn limit_headers(response: &reqwest::Response) -> Vec<(String, String)> {
    let mut found: Vec<_> = response
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("x-ratelimit-") || *name == "retry-after")
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
        .collect();
    found.sort();
    found
}

/// The three `X-RateLimit-*` headers, as [`limit_headers`] lists them.
fn allowance(limit: u32, remaining: u32, reset: u64) -> Vec<(String, String)> {
    vec![
        ("x-ratelimit-limit".into(), limit.to_string()),
        ("x-ratelimit-remaining".into(), remaining.to_string()),
        ("x-ratelimit-reset".into(), reset.to_string()),
    ]
}

/// A refusal's headers: `Retry-After` and, over a key's limit, its allowance.
fn refusal(retry_after: u64, allowance: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut headers = vec![("retry-after".to_owned(), retry_after.to_string())];
    headers.extend(allowance);
    headers
}

/// The 429 body of api.md §4.
fn too_many(retry_after: u64) -> serde_json::Value {
    json!({
        "error": "RATE_LIMIT_EXCEEDED",
        "message": format!("Rate limit exceeded. Try again in {retry_after} seconds"),
        "retry_after": retry_after,
    })
}

/// `method path` with `key`: its status and rate-limit headers (the body read and dropped).
async fn headers_of(
    app: &TestApp,
    method: &str,
    path: &str,
    key: Option<&str>,
) -> (u16, Vec<(String, String)>) {
    let response = app.request(method, path, key).await;
    let found = (response.status().as_u16(), limit_headers(&response));
    response.bytes().await.unwrap();
    found
}

/// `method path` with `key`: status, rate-limit headers and JSON body.
async fn answer(
    app: &TestApp,
    method: &str,
    path: &str,
    key: &str,
) -> (u16, Vec<(String, String)>, serde_json::Value) {
    let response = app.request(method, path, Some(key)).await;
    let headers = limit_headers(&response);
    let (status, body) = status_and_json(response).await;
    (status, headers, body)
}

#[tokio::test]
async fn every_authenticated_answer_carries_the_keys_allowance_and_no_other_answer_does() {
    let app = spawn_app().await;
    let key = Some(app.api_key.as_str());
    // The default: 6,000 a minute, one back every 10 ms, so full again within the second.
    let counted = [
        ("GET", "/profiles", 200),
        ("POST", "/profiles/create", 201),
        ("GET", "/profiles", 200), // streamed, now with one profile
        ("GET", UNKNOWN_PROFILE, 404),
        ("GET", "/profiles/not-a-key", 404),
        ("DELETE", UNKNOWN_PROFILE, 404),
        ("GET", "/profiles?bogus=1", 400),
        (
            "DELETE",
            "/profiles/prof_abc123def456/connections/twitter",
            400,
        ),
    ];
    for (n, (method, path, status)) in (1..).zip(counted) {
        assert_eq!(
            headers_of(&app, method, path, key).await,
            (status, allowance(6000, 6000 - n, T0 + 1)),
            "{method} {path}"
        );
    }
    let uncounted = [
        ("GET", "/profiles", None, 401),
        ("GET", "/profiles", Some("pc_live_short"), 401),
        ("GET", "/health", None, 200),
        ("GET", "/nope", key, 404),
        ("PUT", "/profiles", key, 405),
    ];
    for (method, path, key, status) in uncounted {
        assert_eq!(
            headers_of(&app, method, path, key).await,
            (status, vec![]),
            "{method} {path}"
        );
    }
    assert_eq!(
        headers_of(&app, "GET", "/profiles", key).await,
        (200, allowance(6000, 5991, T0 + 1))
    );
}

#[tokio::test]
async fn a_key_over_its_limit_is_refused_with_429_and_is_served_again_once_the_clock_moves_on() {
    let app = spawn_app_with_settings(|s| s.rate_limit_per_minute = 2).await;
    let key = app.api_key.clone();
    // Two at once, then one every 30 seconds.
    assert_eq!(
        answer(&app, "GET", "/profiles", &key).await,
        (200, allowance(2, 1, T0 + 30), json!({"profiles": []}))
    );
    let (status, headers, _) = answer(&app, "GET", UNKNOWN_PROFILE, &key).await;
    assert_eq!((status, headers), (404, allowance(2, 0, T0 + 60)));
    for (method, path) in [("POST", "/profiles/create"), ("GET", UNKNOWN_PROFILE)] {
        assert_eq!(
            answer(&app, method, path, &key).await,
            (429, refusal(30, allowance(2, 0, T0 + 60)), too_many(30)),
            "{method} {path}"
        );
    }
    app.clock.advance(chrono::Duration::seconds(29));
    assert_eq!(
        answer(&app, "GET", "/profiles", &key).await,
        (429, refusal(1, allowance(2, 0, T0 + 60)), too_many(1))
    );
    app.clock.advance(chrono::Duration::seconds(1));
    // The refused create wrote nothing.
    assert_eq!(
        answer(&app, "GET", "/profiles", &key).await,
        (200, allowance(2, 0, T0 + 90), json!({"profiles": []}))
    );
    app.clock.advance(chrono::Duration::seconds(90));
    let (status, headers, _) = answer(&app, "GET", "/profiles", &key).await;
    assert_eq!((status, headers), (200, allowance(2, 1, T0 + 150)));
}

#[tokio::test]
async fn the_limit_of_one_key_never_touches_another_of_the_same_or_another_account() {
    let app = spawn_app_with_settings(|s| s.rate_limit_per_minute = 1).await;
    let (sibling, _) = app
        .store
        .create_api_key(app.account, None, at("2025-01-06T12:00:00Z"))
        .await
        .unwrap();
    let sibling = sibling.expose_secret().to_owned();
    let (_, other) = app.add_account("other").await;
    for key in [&app.api_key, &sibling, &other] {
        assert_eq!(
            answer(&app, "GET", "/profiles", key).await,
            (200, allowance(1, 0, T0 + 60), json!({"profiles": []}))
        );
        assert_eq!(
            answer(&app, "GET", "/profiles", key).await,
            (429, refusal(60, allowance(1, 0, T0 + 60)), too_many(60))
        );
    }
}

#[tokio::test]
async fn with_both_limits_off_nothing_is_refused_and_no_header_is_sent() {
    let app = spawn_app_with_settings(|s| {
        s.rate_limit_per_minute = 0;
        s.auth_failure_limit_per_minute = 0;
    })
    .await;
    for _ in 0..200 {
        assert_eq!(
            headers_of(&app, "GET", "/profiles", Some(&app.api_key)).await,
            (200, vec![])
        );
        assert_eq!(
            headers_of(&app, "GET", "/profiles", Some("pc_live_short")).await,
            (401, vec![])
        );
    }
    assert_eq!(
        headers_of(&app, "GET", UNKNOWN_PROFILE, Some(&app.api_key)).await,
        (404, vec![])
    );
}

#[tokio::test]
async fn an_address_that_spent_its_failed_authentications_is_refused_even_with_a_good_key() {
    let app = spawn_app_with_settings(|s| s.auth_failure_limit_per_minute = 3).await;
    let good = app.api_key.clone();
    let unknown = format!("pc_live_{}", "A".repeat(32));
    for key in [None, Some(unknown.as_str()), Some("not-a-key")] {
        assert_eq!(headers_of(&app, "GET", "/profiles", key).await.0, 401);
    }
    // Three a minute: the next failure comes back in 20 seconds. Refused before the key
    // is looked at, so the answer has no key allowance.
    let browser = format!("/profiles/connect?apiKey={good}&platform=linkedin");
    for (path, key) in [
        ("/profiles", Some(good.as_str())),
        (UNKNOWN_PROFILE, Some(good.as_str())),
        ("/profiles", None),
        (browser.as_str(), None),
    ] {
        let response = app.request("GET", path, key).await;
        let headers = limit_headers(&response);
        assert_eq!(
            (status_and_json(response).await, headers),
            ((429, too_many(20)), refusal(20, vec![])),
            "{path}"
        );
    }
    // Routes without a key, and other addresses, are not refused.
    assert_eq!(
        headers_of(&app, "GET", "/health", None).await,
        (200, vec![])
    );
    let elsewhere = reqwest::Client::builder()
        .no_proxy()
        .local_address("127.0.0.2".parse().ok())
        .build()
        .unwrap();
    let response = elsewhere
        .get(format!("{}/profiles", app.address))
        .header("x-api-key", &good)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (response.status().as_u16(), limit_headers(&response)),
        (200, allowance(6000, 5999, T0 + 1))
    );
    app.clock.advance(chrono::Duration::seconds(19));
    let (status, headers, body) = answer(&app, "GET", "/profiles", &good).await;
    assert_eq!(
        (status, headers, body),
        (429, refusal(1, vec![]), too_many(1))
    );
    app.clock.advance(chrono::Duration::seconds(1));
    assert_eq!(
        headers_of(&app, "GET", "/profiles", Some(&good)).await,
        (200, allowance(6000, 5999, T0 + 21))
    );
    // One failure came back; spending it refuses the address for 20 seconds more.
    assert_eq!(
        headers_of(&app, "GET", "/profiles", Some(&unknown)).await.0,
        401
    );
    assert_eq!(
        answer(&app, "GET", "/profiles", &good).await,
        (429, refusal(20, vec![]), too_many(20))
    );
}
