//! What the client sends: one JSON POST with the normalised identifier, to the service's
//! createSession whatever the form of the service URL; and which service URLs it accepts.

use crate::harness::*;
use postcore_domain::BlueskyHandle;
use postcore_platforms::HttpLimits;
use postcore_platforms::bluesky::{BlueskyClient, DEFAULT_SERVICE, Identifier};
use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer};

async fn expect_body(server: &MockServer, route: &str, body: serde_json::Value) {
    Mock::given(method("POST"))
        .and(path(route))
        .and(header("content-type", "application/json"))
        .and(body_json(body))
        .respond_with(ok(answer(DID, HANDLE, "com.atproto.appPass")))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_typed_handle_is_sent_normalised() {
    let server = MockServer::start().await;
    let sent = json!({"identifier": "alice.bsky.social", "password": APP_PASSWORD});
    expect_body(&server, CREATE_SESSION, sent).await;
    let client = BlueskyClient::new(&server.uri(), limits()).unwrap();
    let handle = BlueskyHandle::parse(" @Alice.Bsky.Social ").unwrap();
    let password = SecretString::from(APP_PASSWORD);
    let session = client
        .create_session(Identifier::Handle(&handle), &password)
        .await;
    assert_eq!(session, super::harness::session(DID, HANDLE));
    server.verify().await;
}

#[tokio::test]
async fn a_did_is_sent_as_the_identifier() {
    let server = MockServer::start().await;
    expect_body(
        &server,
        CREATE_SESSION,
        json!({"identifier": DID, "password": APP_PASSWORD}),
    )
    .await;
    let client = BlueskyClient::new(&server.uri(), limits()).unwrap();
    let password = SecretString::from(APP_PASSWORD);
    let session = client.create_session(Identifier::Did(DID), &password).await;
    assert_eq!(session, super::harness::session(DID, HANDLE));
    server.verify().await;
}

#[tokio::test]
async fn a_trailing_slash_is_dropped_and_a_path_prefix_kept() {
    let server = MockServer::start().await;
    let body = json!({"identifier": DID, "password": APP_PASSWORD});
    expect_body(&server, "/pds/xrpc/com.atproto.server.createSession", body).await;
    let service = format!("{}/pds/", server.uri());
    let client = BlueskyClient::new(&service, limits()).unwrap();
    assert_eq!(client.service(), format!("{}/pds", server.uri()));
    let password = SecretString::from(APP_PASSWORD);
    let session = client.create_session(Identifier::Did(DID), &password).await;
    assert_eq!(session, super::harness::session(DID, HANDLE));
    server.verify().await;
}

#[test]
fn service_urls_must_be_plain_http_or_https() {
    let client = BlueskyClient::new(" https://bsky.social/ ", HttpLimits::default()).unwrap();
    assert_eq!(client.service(), DEFAULT_SERVICE);
    let message = "--bluesky-service: must be an http or https URL without user, password, query or fragment, such as https://bsky.social";
    for bad in [
        "",
        "bsky.social",
        "ftp://bsky.social",
        "file:///etc/passwd",
        "https://user:hunter2@bsky.social",
        "https://bsky.social/?token=x",
        "https://bsky.social/#x",
        "http://",
    ] {
        let error = BlueskyClient::new(bad, HttpLimits::default()).unwrap_err();
        assert_eq!(error.to_string(), message, "{bad:?}");
    }
}
