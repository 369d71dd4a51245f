//! `GET /profiles` filters and pages, and `HEAD`, against the real `postcore` binary
//! (api.md §1, §5.1, §5.6): what a client sees from a running server.

use postcore_tests::server::Server;
use serde_json::{Value, json};

#[tokio::test]
async fn the_running_server_pages_filters_and_answers_head() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("postcore.db"));
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = format!("http://{}", server.address);
    let call = |method: reqwest::Method, path: &str| {
        client
            .request(method, format!("{base}{path}"))
            .header("x-api-key", &server.key)
    };
    let mut created = Vec::new();
    for name in ["one", "two", "three"] {
        let response = call(reqwest::Method::POST, "/profiles/create")
            .json(&json!({ "profileName": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let body: Value = response.json().await.unwrap();
        created.push(body["profileKey"].as_str().unwrap().to_owned());
    }
    created.sort();

    // Walk pages of two; the keys come back once each (creation seconds may tie).
    let mut walked = Vec::new();
    let mut path = "/profiles?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let response = call(reqwest::Method::GET, &path).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        pages += 1;
        for p in body["profiles"].as_array().unwrap() {
            assert_eq!(p["connectedPlatforms"], json!([]));
            walked.push(p["profileKey"].as_str().unwrap().to_owned());
        }
        match body["nextCursor"].as_str() {
            Some(next) => path = format!("/profiles?limit=2&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    let mut sorted = walked.clone();
    sorted.sort();
    assert_eq!(sorted, created);

    // Filters: nothing is connected.
    let response = call(reqwest::Method::GET, "/profiles?platform=linkedin")
        .send()
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), r#"{"profiles":[]}"#);
    let response = call(
        reqwest::Method::GET,
        "/profiles?needsReconnect=false&limit=1",
    )
    .send()
    .await
    .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["profiles"].as_array().unwrap().len(), 1);
    assert!(body["nextCursor"].is_string(), "{body}");
    let response = call(reqwest::Method::GET, "/profiles?limit=0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"error":"VALIDATION_ERROR","message":"limit must be a whole number from 1 to 1000"}"#
    );

    // HEAD: GET's status and headers, no body.
    for (path, status, transfer) in [
        ("/profiles", 200, Some("chunked")),
        ("/profiles?limit=0", 400, None),
        ("/health", 200, None),
    ] {
        let response = call(reqwest::Method::HEAD, path).send().await.unwrap();
        assert_eq!(response.status(), status, "HEAD {path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(header("content-type").as_deref(), Some("application/json"));
        assert_eq!(header("transfer-encoding").as_deref(), transfer, "{path}");
        assert_eq!(
            header("content-length").is_some(),
            transfer.is_none(),
            "{path}"
        );
        assert!(response.bytes().await.unwrap().is_empty(), "HEAD {path}");
    }

    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
}
