//! The error contract of api.md §4: exact statuses and bodies for auth, unknown profiles,
//! unknown routes and methods, on every route.

use crate::raw;
use postcore_tests::app::{at, spawn_app, status_and_json};
use serde_json::json;

/// Every route of the API with its method, with a well-formed but unknown profile key.
const ROUTES: [(&str, &str); 4] = [
    ("GET", "/profiles"),
    ("GET", "/profiles/prof_abc123def456"),
    ("POST", "/profiles/create"),
    ("DELETE", "/profiles/prof_abc123def456"),
];

fn missing_key() -> serde_json::Value {
    json!({"error": "MISSING_API_KEY", "message": "API key is required in x-api-key header"})
}

fn invalid_key() -> serde_json::Value {
    json!({"error": "INVALID_API_KEY", "message": "Invalid API key"})
}

#[tokio::test]
async fn every_route_without_a_key_answers_missing_api_key() {
    let app = spawn_app().await;
    for (method, path) in ROUTES {
        let response = app.request(method, path, None).await;
        assert_eq!(
            status_and_json(response).await,
            (401, missing_key()),
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn every_route_with_an_empty_malformed_unknown_or_revoked_key_answers_invalid_api_key() {
    let app = spawn_app().await;
    let (_, revoked) = app.add_account("revoked-keys").await;
    app.store
        .revoke_api_key(&revoked[..14], at("2025-01-06T12:00:00Z"))
        .await
        .unwrap();
    let unknown = format!("pc_live_{}", "A".repeat(32));
    let keys = [
        "",
        "not-a-key",
        "pc_live_short",
        &unknown,
        &revoked,
        &app.api_key.to_lowercase(),
    ];
    for (method, path) in ROUTES {
        for key in keys {
            let response = app.request(method, path, Some(key)).await;
            assert_eq!(
                status_and_json(response).await,
                (401, invalid_key()),
                "{method} {path} {key:?}"
            );
        }
    }
}

#[tokio::test]
async fn an_unknown_profile_answers_profile_not_found_on_read_and_delete() {
    let app = spawn_app().await;
    let expected = (
        404,
        json!({"error": "PROFILE_NOT_FOUND", "message": "Profile not found"}),
    );
    let get = app.get("/profiles/prof_abc123def456").await;
    assert_eq!(status_and_json(get).await, expected);
    let delete = app
        .delete_with_key("/profiles/prof_abc123def456", &app.api_key)
        .await;
    assert_eq!(status_and_json(delete).await, expected);
}

#[tokio::test]
async fn unknown_routes_answer_not_found_without_needing_a_key() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/nope",
        "/Profiles",
        "/profiles/",
        "/profiles/prof_abc/extra",
        "/health/",
    ] {
        let response = app.request("GET", path, None).await;
        let expected = (
            404,
            json!({"error": "NOT_FOUND", "message": "Route not found"}),
        );
        assert_eq!(status_and_json(response).await, expected, "{path}");
    }
}

#[tokio::test]
async fn a_wrong_method_on_a_known_path_answers_method_not_allowed_naming_the_allowed_ones() {
    let app = spawn_app().await;
    let cases = [
        ("POST", "/profiles", "GET, HEAD"),
        ("DELETE", "/profiles", "GET, HEAD"),
        ("GET", "/profiles/create", "POST"),
        ("PUT", "/profiles/prof_abc123", "GET, HEAD, DELETE"),
        ("PATCH", "/profiles/prof_abc123", "GET, HEAD, DELETE"),
        ("POST", "/health", "GET, HEAD"),
        ("PUT", "/profiles/connect", "GET, HEAD, POST"),
        ("POST", "/oauth/linkedin/callback", "GET, HEAD"),
    ];
    for (method, path, allowed) in cases {
        let response = app.request(method, path, Some(&app.api_key)).await;
        assert_eq!(response.headers()["allow"], allowed, "{method} {path}");
        let message = format!("Method not allowed. Allowed methods: {allowed}");
        let expected = (
            405,
            json!({"error": "METHOD_NOT_ALLOWED", "message": message}),
        );
        assert_eq!(status_and_json(response).await, expected, "{method} {path}");
    }
}

/// OPTIONS is never served; HEAD only where GET is not (HEAD on GET routes: `head.rs`).
#[tokio::test]
async fn options_and_head_without_get_are_answered_method_not_allowed_with_an_allow_header() {
    let app = spawn_app().await;
    for (method, path, allowed) in [
        ("OPTIONS", "/profiles", "GET, HEAD"),
        ("OPTIONS", "/profiles/create", "POST"),
        ("OPTIONS", "/profiles/prof_abc123", "GET, HEAD, DELETE"),
        ("OPTIONS", "/health", "GET, HEAD"),
        ("HEAD", "/profiles/create", "POST"),
        ("HEAD", "/profiles/connect/linkedin", "POST"),
        (
            "HEAD",
            "/profiles/prof_abc123/connections/linkedin",
            "DELETE",
        ),
    ] {
        let head = format!("{method} {path} HTTP/1.1");
        let response = raw::send(app.port, &raw::request(head.as_bytes(), &[], b"")).await;
        assert_eq!(response.status, 405, "{method} {path}");
        assert_eq!(response.header("allow"), Some(allowed), "{method} {path}");
        assert_eq!(response.header("content-type"), Some("application/json"));
        let message = format!("Method not allowed. Allowed methods: {allowed}");
        let body = serde_json::to_vec(&json!({"error": "METHOD_NOT_ALLOWED", "message": message}))
            .unwrap();
        if method == "OPTIONS" {
            assert_eq!(response.body, body, "{method} {path}");
        } else {
            // The head of the 405 answer, with its length, and no body.
            assert!(response.body.is_empty(), "HEAD answers carry no body");
            let length = body.len().to_string();
            assert_eq!(response.header("content-length"), Some(length.as_str()));
        }
    }
}

#[tokio::test]
async fn health_answers_ok_without_a_key() {
    let app = spawn_app().await;
    let response = app.request("GET", "/health", None).await;
    assert_eq!(
        status_and_json(response).await,
        (200, json!({"status": "ok"}))
    );
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = spawn_app().await;
    let first = app.get("/profiles").await;
    let second = app.get("/nope").await;
    let id = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id(&first).len(), 36);
    assert_ne!(id(&first), id(&second));
}

/// `POST /profiles/create` checks the key before the body: a missing or refused key is
/// 401 whatever the body, and a body declared over the limit is not waited for.
#[tokio::test]
async fn a_refused_key_is_answered_before_the_body_is_looked_at() {
    let app = spawn_app().await;
    let unknown = format!("x-api-key: pc_live_{}", "Z".repeat(32));
    let keys: [(Option<&[u8]>, serde_json::Value); 3] = [
        (None, missing_key()),
        (Some(b"x-api-key: pc_live_short"), invalid_key()),
        (Some(unknown.as_bytes()), invalid_key()),
    ];
    let head = b"POST /profiles/create HTTP/1.1".as_slice();
    for (key, expected) in keys {
        let with = |extra: &[&'static [u8]]| -> Vec<&[u8]> {
            key.into_iter().chain(extra.iter().copied()).collect()
        };
        let json: &[u8] = b"Content-Type: application/json";
        let bodies = [
            (
                "malformed JSON",
                raw::request(head, &with(&[json]), b"{not json"),
            ),
            (
                "a wrong type",
                raw::request(head, &with(&[json]), br#"{"profileName":42}"#),
            ),
            (
                "text/plain",
                raw::request(head, &with(&[b"Content-Type: text/plain"]), b"hello"),
            ),
            // Headers only: the promised 1 MiB never comes, and is not waited for.
            (
                "a declared 1 MiB",
                raw::request(head, &with(&[json, b"Content-Length: 1048576"]), b""),
            ),
        ];
        for (what, request) in bodies {
            // A bound on a server that waits for the body, not a wait for timing.
            let response = tokio::time::timeout(
                std::time::Duration::from_secs(30),
                raw::answer(app.port, &request),
            )
            .await
            .unwrap_or_else(|_| panic!("{what}: no answer before the body came"));
            assert_eq!(
                (response.status, response.json()),
                (401, expected.clone()),
                "{what}, key {key:?}"
            );
        }
    }
}
