//! The order of checks: authentication, then the body, then the path — whatever else is
//! wrong with the request, and without reading a body that authentication refuses.
//!
//! The probe takes its extractors through `InOrder`, as every route does; that a slow
//! earlier check still wins over a fast later one is tested on `InOrder` itself (in
//! `src/extract.rs`), with extractors that wait.

use crate::harness::{Chunks, Fixture, LIMIT, error};
use actix_web::test::TestRequest;

/// A body stream that fails the test if anything reads it.
fn unread() -> Chunks {
    Box::pin(futures::stream::poll_fn(|_| {
        panic!("the body was read before authentication refused the request")
    }))
}

/// `POST /probe/{key}` with `api_key` (none when `None`), declared JSON.
fn probe(path_key: &str, api_key: Option<&str>) -> TestRequest {
    let mut request = TestRequest::post()
        .uri(&format!("/probe/{path_key}"))
        .insert_header(("content-type", "application/json"));
    if let Some(key) = api_key {
        request = request.insert_header(("x-api-key", key));
    }
    request
}

#[tokio::test]
async fn a_refused_key_comes_first_and_its_body_is_never_read() {
    let fixture = Fixture::new().await;
    let unknown = format!("pc_live_{}", "Z".repeat(32));
    let cases = [
        (
            None,
            error("MISSING_API_KEY", "API key is required in x-api-key header"),
        ),
        (
            Some("pc_live_short"),
            error("INVALID_API_KEY", "Invalid API key"),
        ),
        (
            Some(unknown.as_str()),
            error("INVALID_API_KEY", "Invalid API key"),
        ),
    ];
    for (key, body) in cases {
        // A body over the limit, of the wrong type, to a malformed path key: still 401.
        let request =
            probe("PROF_BAD", key).insert_header(("content-length", (10 * LIMIT).to_string()));
        assert_eq!(
            fixture.send_streamed(request, Some(unread())).await,
            (401, body.clone()),
            "{key:?}"
        );
        let malformed = probe("PROF_BAD", key).set_payload("{not json");
        assert_eq!(fixture.send(malformed).await, (401, body), "{key:?}");
    }
}

#[tokio::test]
async fn with_a_valid_key_the_body_is_checked_before_the_path() {
    let fixture = Fixture::new().await;
    let key = Some(fixture.key.as_str());
    let over = probe("PROF_BAD", key).set_payload(" ".repeat(LIMIT + 1));
    let message = format!("Request body is too large: the limit is {LIMIT} bytes");
    assert_eq!(
        fixture.send(over).await,
        (413, error("PAYLOAD_TOO_LARGE", &message))
    );
    let text = probe("PROF_BAD", key)
        .insert_header(("content-type", "text/plain"))
        .set_payload("hello");
    assert_eq!(
        fixture.send(text).await,
        (
            415,
            error(
                "UNSUPPORTED_MEDIA_TYPE",
                "Unsupported media type: send the body as application/json"
            )
        )
    );
    let malformed = probe("PROF_BAD", key).set_payload("{not json");
    assert_eq!(
        fixture.send(malformed).await,
        (
            400,
            error(
                "VALIDATION_ERROR",
                "Request body is not valid JSON: key must be a string at line 1 column 2"
            )
        )
    );
    let good = probe("PROF_BAD", key).set_payload(r#"{"name":"a","count":1}"#);
    assert_eq!(
        fixture.send(good).await,
        (404, error("PROFILE_NOT_FOUND", "Profile not found"))
    );
}
