//! `/metrics` of the real `postcore` binary with `--metrics-bind`: the gauges are read at
//! start from a database that `postcore-admin import` filled, the figures are served on
//! the metrics listener alone, and SIGTERM stops both listeners.

use postcore_tests::metrics::{connection_gauges, samples};
use postcore_tests::server::{Server, admin};
use std::path::PathBuf;

/// Two profiles: one with a LinkedIn and a Bluesky connection, one with none.
const IMPORT: &str = r#"{"profiles":[
{"profileKey":"prof_metricsbinary01","profileName":null,"createdAt":"2025-01-01T12:00:00Z",
 "connectedPlatforms":[
  {"platform":"linkedin","displayName":"A","username":"a","connectedAt":"2025-01-01T12:30:00Z",
   "expiresAt":"2025-03-02T12:30:00Z","daysUntilExpiry":0,"needsReconnect":true},
  {"platform":"bluesky","displayName":"b.bsky.social","username":"b.bsky.social",
   "connectedAt":"2025-01-02T10:00:00Z","expiresAt":null,"daysUntilExpiry":null,
   "needsReconnect":false}]},
{"profileKey":"prof_metricsbinary02","profileName":null,"createdAt":"2025-01-01T12:00:00Z",
 "connectedPlatforms":[]}
]}"#;

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[tokio::test]
async fn the_binary_serves_metrics_on_its_own_listener_from_a_refresh_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let database: PathBuf = dir.path().join("postcore.db");
    admin(&database, &["accounts", "create", "ops"]);
    let import = dir.path().join("profiles.json");
    std::fs::write(&import, IMPORT).unwrap();
    admin(
        &database,
        &["import", &import.display().to_string(), "--account", "ops"],
    );

    let before = unix_now().floor();
    let server = Server::start_with(&database, &["--metrics-bind", "127.0.0.1:0"]);
    let line = server
        .seen
        .iter()
        .find(|l| l.contains("serving /metrics on its own listener"))
        .unwrap_or_else(|| panic!("no metrics listener line: {:#?}", server.seen));
    let log: serde_json::Value = serde_json::from_str(line).unwrap();
    let metrics = log["fields"]["address"].as_str().unwrap().to_owned();
    assert_ne!(metrics, server.address);

    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let on_api = client
        .get(format!("http://{}/metrics", server.address))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (on_api.status().as_u16(), on_api.text().await.unwrap()),
        (
            404,
            r#"{"error":"NOT_FOUND","message":"Route not found"}"#.to_owned()
        )
    );
    let response = client
        .get(format!("http://{metrics}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.unwrap();
    let after = unix_now().ceil();

    // Imported connections carry no credentials, so both need a reconnect.
    assert_eq!(
        samples(&text, "postcore_connections"),
        connection_gauges([0, 1, 0], [0, 1, 0])
    );
    assert_eq!(samples(&text, "postcore_profiles"), ["postcore_profiles 2"]);
    assert_eq!(
        samples(&text, "postcore_http_requests_total"),
        [r#"postcore_http_requests_total{method="GET",route="unmatched",status="404"} 1"#]
    );
    let refreshed = samples(&text, "postcore_metrics_last_refresh_timestamp_seconds");
    let at: f64 = refreshed[0].rsplit(' ').next().unwrap().parse().unwrap();
    assert!(
        (before..=after).contains(&at),
        "{at} not within {before}..={after}"
    );

    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(
        std::net::TcpStream::connect(&metrics).is_err(),
        "the metrics listener outlived the server"
    );
}
