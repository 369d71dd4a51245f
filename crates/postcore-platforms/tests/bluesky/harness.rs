//! Fixtures: tokens and answers shaped like the PDS's, expected errors, and one call
//! against a stand-in that must receive exactly one request.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use postcore_domain::{BlueskyHandle, Platform};
use postcore_platforms::bluesky::{BlueskyClient, BlueskySession, Identifier};
use postcore_platforms::{
    HttpLimits, PlatformError, ProtocolError, RejectReason, Rejection, RetryAfter, Transient,
    TransientReason,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The app password every test signs in with; it must never show anywhere.
pub const APP_PASSWORD: &str = "s3cr-etap-ppas-swrd";
pub const DID: &str = "did:plc:z72i7hdynmk6r22z27h6tvur";
pub const HANDLE: &str = "alice.bsky.social";
pub const CREATE_SESSION: &str = "/xrpc/com.atproto.server.createSession";

/// A JWT as the PDS makes one (HS256 header, `scope`, `sub`, `exp`), with a fake signature:
/// the client does not check signatures.
pub fn jwt(scope: &str, did: &str) -> String {
    let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        part(json!({"typ": "at+jwt", "alg": "HS256"})),
        part(
            json!({"scope": scope, "sub": did, "aud": "did:web:bsky.social", "exp": 1_900_000_000})
        ),
        URL_SAFE_NO_PAD.encode("sig")
    )
}

/// A createSession answer for `did`/`handle` whose access token has `scope`.
pub fn answer(did: &str, handle: &str, scope: &str) -> Value {
    json!({
        "accessJwt": jwt(scope, did),
        "refreshJwt": jwt("com.atproto.refresh", did),
        "did": did,
        "handle": handle,
        "email": "alice@example.com",
        "emailConfirmed": true,
        "active": true,
    })
}

pub fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// An XRPC error answer.
pub fn xrpc_error(status: u16, name: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": name, "message": message}))
}

pub fn session(did: &str, handle: &str) -> Result<BlueskySession, PlatformError> {
    Ok(BlueskySession {
        did: did.to_owned(),
        handle: BlueskyHandle::parse(handle).unwrap(),
        display_name: handle.to_owned(),
    })
}

pub fn rejected(reason: RejectReason) -> Result<BlueskySession, PlatformError> {
    Err(PlatformError::Rejected(Rejection {
        platform: Platform::Bluesky,
        reason,
    }))
}

pub fn transient(
    reason: TransientReason,
    retry_after: Option<RetryAfter>,
) -> Result<BlueskySession, PlatformError> {
    Err(PlatformError::Transient(Transient {
        platform: Platform::Bluesky,
        reason,
        retry_after,
    }))
}

pub fn protocol(detail: &str) -> Result<BlueskySession, PlatformError> {
    Err(PlatformError::Protocol(ProtocolError {
        platform: Platform::Bluesky,
        detail: detail.to_owned(),
    }))
}

/// Default limits, but 300 ms in all: enough for any answer on 127.0.0.1, short for a test
/// of a stand-in that never finishes.
pub fn limits() -> HttpLimits {
    HttpLimits {
        total_timeout: Duration::from_millis(300),
        ..HttpLimits::default()
    }
}

/// Signs in as [`HANDLE`] with [`APP_PASSWORD`] against `service`.
pub async fn sign_in(service: &str) -> Result<BlueskySession, PlatformError> {
    let client = BlueskyClient::new(service, limits()).unwrap();
    let handle = BlueskyHandle::parse(HANDLE).unwrap();
    let password = SecretString::from(APP_PASSWORD);
    client
        .create_session(Identifier::Handle(&handle), &password)
        .await
}

/// A wiremock stand-in answering createSession (a JSON POST) with `answer`, that fails the
/// test unless it received exactly one request.
pub async fn stand_in(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(CREATE_SESSION))
        .and(header("content-type", "application/json"))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    server
}
