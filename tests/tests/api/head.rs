//! `HEAD` on every `GET` route (RFC 9110 §9.3.2, api.md §1): the status and headers `GET`
//! gets, byte for byte but for `Date` and the request id, and no body — errors included.

use crate::faulty_store::{Faults, FaultyStore};
use crate::raw::{self, RawResponse};
use postcore_tests::app::{spawn_app, spawn_app_with};

/// `method target` over HTTP/1.1 (or `version`), with `headers`, read to the end.
async fn send(port: u16, method: &str, target: &str, headers: &[&str]) -> RawResponse {
    send_as(port, method, target, "HTTP/1.1", headers).await
}

async fn send_as(
    port: u16,
    method: &str,
    target: &str,
    version: &str,
    headers: &[&str],
) -> RawResponse {
    let line = format!("{method} {target} {version}");
    let headers: Vec<&[u8]> = headers.iter().map(|h| h.as_bytes()).collect();
    raw::send(port, &raw::request(line.as_bytes(), &headers, b"")).await
}

/// Every header but `date`, `x-request-id` and the `X-RateLimit-*` ones (which differ from
/// one answer to the next; [`rate_limit_headers`] compares those), sorted by name (actix
/// writes headers in its map's order, which changes from one process to the next), after
/// checking that the answer has one request id.
fn headers_but_date(response: &RawResponse) -> Vec<(String, String)> {
    let ids = response
        .headers
        .iter()
        .filter(|(name, _)| name == "x-request-id");
    assert_eq!(ids.count(), 1, "{:?}", response.headers);
    let mut kept: Vec<(String, String)> = response
        .headers
        .iter()
        .filter(|(name, _)| {
            name != "date" && name != "x-request-id" && !name.starts_with("x-ratelimit-")
        })
        .cloned()
        .collect();
    kept.sort();
    kept
}

/// The `X-RateLimit-*` headers of `response`, but `Remaining` and `Reset`, which a second
/// request changes by design, sorted by name: what a HEAD must carry just as its GET does.
fn rate_limit_headers(response: &RawResponse) -> Vec<(String, Option<String>)> {
    let mut headers = response
        .headers
        .iter()
        .filter(|(name, _)| name.starts_with("x-ratelimit-"))
        .map(|(name, value)| {
            let kept = (name == "x-ratelimit-limit").then(|| value.clone());
            (name.clone(), kept)
        })
        .collect::<Vec<_>>();
    headers.sort();
    headers
}

/// Asserts that `HEAD target` answers `status` with exactly `GET target`'s headers and no
/// body, and that those headers are `expected` (every header but `date`).
async fn assert_head_is_get_without_body(
    port: u16,
    target: &str,
    headers: &[&str],
    status: u16,
    expected: &[(&str, &str)],
) {
    let get = send(port, "GET", target, headers).await;
    let head = send(port, "HEAD", target, headers).await;
    let mut expected: Vec<(String, String)> = expected
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect();
    expected.sort();
    assert_eq!((get.status, head.status), (status, status), "{target}");
    assert_eq!(headers_but_date(&get), expected, "GET {target}");
    assert_eq!(headers_but_date(&head), expected, "HEAD {target}");
    assert_eq!(
        rate_limit_headers(&head),
        rate_limit_headers(&get),
        "HEAD {target}: the rate-limit headers of its GET"
    );
    assert!(
        head.body.is_empty(),
        "HEAD {target}: {:?}",
        String::from_utf8_lossy(&head.body)
    );
}

/// A header's name and value.
type Header = (&'static str, &'static str);

const JSON: (&str, &str) = ("content-type", "application/json");
const HTML: (&str, &str) = ("content-type", "text/html");
const NO_CACHE: (&str, &str) = ("cache-control", "no-cache");
const CHUNKED: (&str, &str) = ("transfer-encoding", "chunked");
const CLOSE: (&str, &str) = ("connection", "close");

fn length(n: usize) -> (&'static str, &'static str) {
    ("content-length", n.to_string().leak())
}

#[tokio::test]
#[rustfmt::skip]
async fn head_answers_every_get_route_with_its_status_and_headers_and_no_body() {
    let app = spawn_app().await;
    let own = app.new_profile(Some("Jane")).await;
    let key = format!("x-api-key: {}", app.api_key);
    let auth = [key.as_str()];
    let bad_key = ["x-api-key: pc_live_00000000000000000000000000000000"];
    let own_path = format!("/profiles/{own}");
    let own_body = format!(
        r#"{{"profile":{{"profileKey":"{own}","profileName":"Jane","createdAt":"2025-01-06T12:30:00Z"}},"connectedPlatforms":[]}}"#
    );
    let not_found = r#"{"error":"PROFILE_NOT_FOUND","message":"Profile not found"}"#.len();
    let missing =
        r#"{"error":"MISSING_API_KEY","message":"API key is required in x-api-key header"}"#.len();
    let invalid = r#"{"error":"INVALID_API_KEY","message":"Invalid API key"}"#.len();
    let bad_limit =
        r#"{"error":"VALIDATION_ERROR","message":"limit must be a whole number from 1 to 1000"}"#
            .len();
    // LinkedIn is not configured in this app: the callback is 501 NOT_CONFIGURED.
    let callback = app.request("GET", "/oauth/linkedin/callback", None).await;
    let callback = callback.bytes().await.unwrap().len();
    let health = r#"{"status":"ok"}"#.len();
    let document = app.request("GET", "/openapi.json", None).await;
    let document = document.bytes().await.unwrap().len();
    let docs = app.request("GET", "/docs", None).await;
    let docs = docs.bytes().await.unwrap().len();
    let cases: Vec<(&str, &[&str], u16, Vec<Header>)> = vec![
        ("/health", &[], 200, vec![length(health), CLOSE, JSON]),
        ("/profiles", &auth, 200, vec![CHUNKED, CLOSE, JSON]),
        ("/profiles?limit=1", &auth, 200, vec![CHUNKED, CLOSE, JSON]),
        ("/profiles?platform=linkedin&needsReconnect=false", &auth, 200, vec![CHUNKED, CLOSE, JSON]),
        ("/profiles", &[], 401, vec![length(missing), CLOSE, JSON]),
        ("/profiles", &bad_key, 401, vec![length(invalid), CLOSE, JSON]),
        ("/profiles?limit=0", &auth, 400, vec![length(bad_limit), CLOSE, JSON]),
        (&own_path, &auth, 200, vec![length(own_body.len()), CLOSE, JSON]),
        (&own_path, &[], 401, vec![length(missing), CLOSE, JSON]),
        ("/profiles/prof_unknown0000000", &auth, 404, vec![length(not_found), CLOSE, JSON]),
        ("/profiles/not-a-key", &auth, 404, vec![length(not_found), CLOSE, JSON]),
        ("/profiles/connect", &[], 401, vec![length(missing), CLOSE, JSON]),
        ("/oauth/linkedin/callback", &[], 501, vec![length(callback), CLOSE, JSON]),
        ("/openapi.json", &[], 200, vec![length(document), CLOSE, JSON]),
        ("/docs", &[], 200, vec![length(docs), CLOSE, HTML, NO_CACHE]),
    ];
    for (target, headers, status, expected) in cases {
        assert_head_is_get_without_body(app.port, target, headers, status, &expected).await;
    }
    // An authenticated HEAD carries the key's allowance as its GET does (a HEAD counts
    // against the key like any request).
    let head = send(app.port, "HEAD", "/profiles", &auth).await;
    let names: Vec<(String, Option<String>)> = vec![
        ("x-ratelimit-limit".into(), Some("6000".into())),
        ("x-ratelimit-remaining".into(), None),
        ("x-ratelimit-reset".into(), None),
    ];
    assert_eq!(rate_limit_headers(&head), names);
    // The detail's length is its body's: the GET body is the one above.
    let get = app.get(&own_path).await.text().await.unwrap();
    assert_eq!(get, own_body);
}

#[tokio::test]
async fn head_on_the_list_over_http_1_0_has_the_get_headers_without_chunking() {
    let app = spawn_app().await;
    let key = format!("x-api-key: {}", app.api_key);
    for method in ["GET", "HEAD"] {
        let response = send_as(app.port, method, "/profiles", "HTTP/1.0", &[&key]).await;
        assert_eq!(response.status, 200, "{method}");
        let expected = vec![("content-type".to_owned(), "application/json".to_owned())];
        assert_eq!(headers_but_date(&response), expected, "{method}");
        let body: &[u8] = if method == "GET" {
            br#"{"profiles":[]}"#
        } else {
            b""
        };
        assert_eq!(response.body, body, "{method}");
    }
}

/// HEAD /profiles authenticates and validates, but never asks the store for a page:
/// with a store whose every listing fails, GET is 500 while HEAD is 200.
#[tokio::test]
async fn head_on_the_list_reads_no_profile() {
    let app = spawn_app_with(FaultyStore::wrap(Faults {
        pages_before_failure: Some(0),
        ..Faults::default()
    }))
    .await;
    let key = format!("x-api-key: {}", app.api_key);
    for target in ["/profiles", "/profiles?limit=10&needsReconnect=true"] {
        let get = send(app.port, "GET", target, &[&key]).await;
        assert_eq!(get.status, 500, "GET {target}");
        let head = send(app.port, "HEAD", target, &[&key]).await;
        assert_eq!(head.status, 200, "HEAD {target}");
        let mut expected = [CHUNKED, CLOSE, JSON].map(|(n, v)| (n.to_owned(), v.to_owned()));
        expected.sort();
        assert_eq!(headers_but_date(&head), expected, "HEAD {target}");
        assert!(head.body.is_empty());
    }
}

/// `/health` answers HEAD with its status whatever it is, for monitors (api.md §5.6).
#[tokio::test]
async fn head_on_health_reports_an_unavailable_database_as_503() {
    let app = spawn_app_with(FaultyStore::wrap(Faults {
        health: true,
        ..Faults::default()
    }))
    .await;
    let body = r#"{"status":"unavailable","error":"SERVICE_UNAVAILABLE","message":"Database unavailable"}"#;
    assert_head_is_get_without_body(
        app.port,
        "/health",
        &[],
        503,
        &[length(body.len()), CLOSE, JSON],
    )
    .await;
}
