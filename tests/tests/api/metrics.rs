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

/// The sample lines of `text` whose metric name is exactly `name` (labels aside), in order.
fn samples(text: &str, name: &str) -> Vec<String> {
    text.lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .map(str::to_owned)
        .collect()
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

fn gauge(platform: &str, state: &str, n: u64) -> String {
    format!(r#"postcore_connections{{platform="{platform}",state="{state}"}} {n}"#)
}

/// The `postcore_connections` lines the API's own answer implies: `needsReconnect`, else
/// `daysUntilExpiry ≤ 7`, else ok — zeros included, in the exposition's order.
async fn gauges_from_the_api(app: &TestApp) -> Vec<String> {
    let mut counts: BTreeMap<(String, &str), u64> = BTreeMap::new();
    for platform in ["bluesky", "linkedin"] {
        for state in ["expiring_7d", "needs_reconnect", "ok"] {
            counts.insert((platform.to_owned(), state), 0);
        }
    }
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
            *counts
                .get_mut(&(c["platform"].as_str().unwrap().to_owned(), state))
                .unwrap() += 1;
        }
    }
    counts
        .into_iter()
        .map(|((platform, state), n)| gauge(&platform, state, n))
        .collect()
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

    app.refresh_metrics().await;
    let text = scrape(&app).await;
    let expected = vec![
        gauge("bluesky", "expiring_7d", 0),
        gauge("bluesky", "needs_reconnect", 1),
        gauge("bluesky", "ok", 1),
        gauge("linkedin", "expiring_7d", 1),
        gauge("linkedin", "needs_reconnect", 1),
        gauge("linkedin", "ok", 2),
    ];
    assert_eq!(samples(&text, "postcore_connections"), expected);
    assert_eq!(gauges_from_the_api(&app).await, expected);
    assert_eq!(samples(&text, "postcore_profiles"), ["postcore_profiles 6"]);

    // A day and half a second later (a clock with a fraction): the 8-day one is expiring.
    app.clock.set(at("2025-01-07T12:30:00.5Z"));
    app.refresh_metrics().await;
    let text = scrape(&app).await;
    let expected = vec![
        gauge("bluesky", "expiring_7d", 0),
        gauge("bluesky", "needs_reconnect", 1),
        gauge("bluesky", "ok", 1),
        gauge("linkedin", "expiring_7d", 2),
        gauge("linkedin", "needs_reconnect", 1),
        gauge("linkedin", "ok", 1),
    ];
    assert_eq!(samples(&text, "postcore_connections"), expected);
    assert_eq!(gauges_from_the_api(&app).await, expected);
    assert_eq!(
        samples(&text, "postcore_metrics_last_refresh_timestamp_seconds"),
        ["postcore_metrics_last_refresh_timestamp_seconds 1736253000.5"]
    );
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
        (405, Some("GET".parse().unwrap()))
    );
    // Scrapes of the metrics listener are not counted as API requests.
    let again = scrape_at(&app, &metrics).await;
    assert_eq!(
        samples(&again, "postcore_http_requests_total"),
        [requests("GET", "unmatched", 404, 1)]
    );
}
