//! `GET /metrics` (README, Metrics): request counts and latencies by route pattern, method
//! and status; connection gauges by platform and state that match what the API reports at
//! the same instant; and the separate metrics listener.

use crate::faulty_store::{Faults, FaultyStore};
use postcore_domain::{Connection, Platform, Profile, ProfileKey};
use postcore_store::ProfileRecord;
use postcore_tests::app::{
    SEED_NOW, TestApp, at, spawn_app, spawn_app_with, spawn_app_with_metrics_listener,
    status_and_json,
};
use postcore_tests::metrics::{connection_gauges, samples};
use serde_json::json;
use std::collections::BTreeMap;

const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET {base}/metrics`: asserts 200 and the text format's content type; returns the text.
async fn scrape_at(app: &TestApp, base: &str) -> String {
    let response = app
        .client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("sending a request");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response.headers().get("content-type").cloned();
    assert_eq!(
        content_type.as_ref().map(|v| v.to_str().unwrap()),
        Some(CONTENT_TYPE)
    );
    response.text().await.unwrap()
}

/// `GET /metrics` on the API's listener.
async fn scrape(app: &TestApp) -> String {
    scrape_at(app, &app.address).await
}

fn requests(method: &str, route: &str, status: u16, n: u64) -> String {
    format!(
        r#"postcore_http_requests_total{{method="{method}",route="{route}",status="{status}"}} {n}"#
    )
}

#[tokio::test]
async fn requests_are_counted_by_route_pattern_method_and_status_never_by_path() {
    let app = spawn_app().await;
    let key = app.new_profile(None).await;
    for _ in 0..2 {
        app.get_ok(&format!("/profiles/{key}")).await;
    }
    let missing = app.get("/profiles/prof_missing0000000").await;
    assert_eq!(missing.status().as_u16(), 404);
    let unknown = app.get("/nowhere/prof_secretish").await;
    assert_eq!(unknown.status().as_u16(), 404);
    let wrong_method = app.request("PUT", "/health", None).await;
    assert_eq!(wrong_method.status().as_u16(), 405);
    let invented = app.request("BREW", "/health", None).await;
    assert_eq!(invented.status().as_u16(), 405);
    assert_eq!(app.request("GET", "/health", None).await.status(), 200);

    let text = scrape(&app).await;
    assert_eq!(
        samples(&text, "postcore_http_requests_total"),
        vec![
            requests("GET", "/health", 200, 1),
            requests("GET", "/profiles/{profileKey}", 200, 2),
            requests("GET", "/profiles/{profileKey}", 404, 1),
            requests("GET", "unmatched", 404, 1),
            requests("POST", "/profiles/create", 201, 1),
            requests("PUT", "/health", 405, 1),
            requests("other", "/health", 405, 1),
        ]
    );
    let series = r#"method="GET",route="/profiles/{profileKey}",status="200""#;
    let histogram = samples(&text, "postcore_http_request_duration_seconds_bucket");
    let les: Vec<&str> = histogram
        .iter()
        .filter(|l| l.contains(series))
        .map(|l| l.split("le=\"").nth(1).unwrap().split('"').next().unwrap())
        .collect();
    assert_eq!(
        les,
        [
            "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5",
            "5", "10", "+Inf"
        ]
    );
    assert!(histogram.contains(&format!(
        r#"postcore_http_request_duration_seconds_bucket{{{series},le="+Inf"}} 2"#
    )));
    assert!(
        samples(&text, "postcore_http_request_duration_seconds_count").contains(&format!(
            "postcore_http_request_duration_seconds_count{{{series}}} 2"
        ))
    );
    assert_eq!(
        samples(&text, "postcore_http_request_duration_seconds_sum")
            .iter()
            .filter(|l| l.contains(series))
            .count(),
        1
    );
    // Neither the profile keys nor the API key reach the figures.
    for secret in [key.as_str(), "prof_missing", "prof_secretish", &app.api_key] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

/// One profile per connection (and one without), imported at the seed's instant.
fn connections_at_the_seed_instant() -> Vec<ProfileRecord> {
    let linkedin = |connected: &str, expires: &str| {
        Connection::new(Platform::LinkedIn, "A", "a", at(connected))
            .with_expires_at(Some(at(expires)))
    };
    let bluesky = |revoked: bool| {
        Connection::new(
            Platform::Bluesky,
            "b.bsky.social",
            "b.bsky.social",
            at(SEED_NOW),
        )
        .with_revoked(revoked)
    };
    let connections = [
        // 60 days: ok.
        vec![
            linkedin("2025-01-06T12:00:00Z", "2025-03-07T12:00:00Z"),
            bluesky(false),
        ],
        // Exactly 7 days: expiring.
        vec![linkedin("2024-11-14T12:30:00Z", "2025-01-13T12:30:00Z")],
        // Exactly 8 days: ok.
        vec![linkedin("2024-11-15T12:30:00Z", "2025-01-14T12:30:00Z")],
        // Expires exactly now: needs a reconnect.
        vec![linkedin("2024-11-07T12:30:00Z", SEED_NOW)],
        // A revoked Bluesky connection: needs a reconnect.
        vec![bluesky(true)],
        vec![],
    ];
    connections
        .into_iter()
        .enumerate()
        .map(|(i, connections)| ProfileRecord {
            profile: Profile::new(
                ProfileKey::parse(&format!("prof_metrics{i:04}")).unwrap(),
                None,
                at("2025-01-01T00:00:00Z"),
            ),
            connections,
        })
        .collect()
}

/// The `postcore_connections` lines the API's own answer implies: `needsReconnect`, else
/// `daysUntilExpiry ≤ 7`, else ok — zeros included, in the exposition's order.
async fn gauges_from_the_api(app: &TestApp) -> Vec<String> {
    let states = ["expiring_7d", "needs_reconnect", "ok"];
    let mut counts: BTreeMap<&str, [u64; 3]> =
        BTreeMap::from([("bluesky", [0; 3]), ("linkedin", [0; 3])]);
    let list = app.get_ok("/profiles").await;
    for profile in list["profiles"].as_array().unwrap() {
        for c in profile["connectedPlatforms"].as_array().unwrap() {
            let state = if c["needsReconnect"] == json!(true) {
                "needs_reconnect"
            } else if c["daysUntilExpiry"].as_i64().is_some_and(|d| d <= 7) {
                "expiring_7d"
            } else {
                "ok"
            };
            let platform = counts.get_mut(c["platform"].as_str().unwrap()).unwrap();
            platform[states.iter().position(|s| *s == state).unwrap()] += 1;
        }
    }
    connection_gauges(counts["bluesky"], counts["linkedin"])
}

#[tokio::test]
async fn connection_gauges_count_by_platform_and_state_exactly_as_the_api_reports() {
    let app = spawn_app().await;
    // Refreshed once at start: nothing yet, at the app's clock.
    let text = scrape(&app).await;
    assert_eq!(samples(&text, "postcore_profiles"), ["postcore_profiles 0"]);
    assert_eq!(
        samples(&text, "postcore_metrics_last_refresh_timestamp_seconds"),
        ["postcore_metrics_last_refresh_timestamp_seconds 1736166600"]
    );
    app.store
        .import_profiles(app.account, connections_at_the_seed_instant(), None)
        .await
        .unwrap();
    // Nothing changes until the next refresh: a scrape never reads the database.
    assert_eq!(
        samples(&scrape(&app).await, "postcore_profiles"),
        ["postcore_profiles 0"]
    );

    // At the seed's instant, then a day and half a second later (a clock with a fraction):
    // the 8-day one is then expiring. Each as `[expiring_7d, needs_reconnect, ok]`.
    let cases = [
        (SEED_NOW, [0, 1, 1], [1, 1, 2], "1736166600"),
        (
            "2025-01-07T12:30:00.5Z",
            [0, 1, 1],
            [2, 1, 1],
            "1736253000.5",
        ),
    ];
    let mut text = String::new();
    for (now, bluesky, linkedin, unix) in cases {
        app.clock.set(at(now));
        app.refresh_metrics().await;
        text = scrape(&app).await;
        let expected = connection_gauges(bluesky, linkedin);
        assert_eq!(samples(&text, "postcore_connections"), expected, "at {now}");
        assert_eq!(gauges_from_the_api(&app).await, expected, "at {now}");
        assert_eq!(samples(&text, "postcore_profiles"), ["postcore_profiles 6"]);
        assert_eq!(
            samples(&text, "postcore_metrics_last_refresh_timestamp_seconds"),
            [format!(
                "postcore_metrics_last_refresh_timestamp_seconds {unix}"
            )]
        );
    }
    assert_eq!(
        samples(&text, "postcore_metrics_refresh_failures_total"),
        ["postcore_metrics_refresh_failures_total 0"]
    );
}

#[tokio::test]
async fn a_failed_refresh_is_counted_and_the_scrape_still_answers() {
    let faults = Faults {
        fleet_counts: true,
        ..Faults::default()
    };
    let app = spawn_app_with(FaultyStore::wrap(faults)).await;
    let text = scrape(&app).await;
    assert_eq!(
        samples(&text, "postcore_metrics_refresh_failures_total"),
        ["postcore_metrics_refresh_failures_total 1"]
    );
    assert_eq!(
        samples(&text, "postcore_metrics_last_refresh_timestamp_seconds"),
        ["postcore_metrics_last_refresh_timestamp_seconds 0"]
    );
    assert_eq!(samples(&text, "postcore_connections"), Vec::<String>::new());
    assert!(!text.contains(crate::faulty_store::INJECTED));
}

#[tokio::test]
async fn with_a_metrics_listener_metrics_are_served_there_and_not_on_the_api_listener() {
    let app = spawn_app_with_metrics_listener().await;
    let metrics = app.metrics_address.clone().expect("a metrics listener");
    let not_found = json!({"error": "NOT_FOUND", "message": "Route not found"});
    let on_api = app.request("GET", "/metrics", None).await;
    assert_eq!(status_and_json(on_api).await, (404, not_found.clone()));

    let text = scrape_at(&app, &metrics).await;
    assert_eq!(
        samples(&text, "postcore_http_requests_total"),
        [requests("GET", "unmatched", 404, 1)]
    );
    assert_eq!(samples(&text, "postcore_profiles"), ["postcore_profiles 0"]);
    // The metrics listener serves nothing else, with the API's JSON errors.
    let other = app
        .client
        .get(format!("{metrics}/profiles"))
        .header("x-api-key", &app.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(status_and_json(other).await, (404, not_found));
    let post = app
        .client
        .post(format!("{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (post.status().as_u16(), post.headers().get("allow").cloned()),
        (405, Some("GET, HEAD".parse().unwrap()))
    );
    // Scrapes of the metrics listener are not counted as API requests.
    let again = scrape_at(&app, &metrics).await;
    assert_eq!(
        samples(&again, "postcore_http_requests_total"),
        [requests("GET", "unmatched", 404, 1)]
    );
}
