//! The probe app: the real routes and state over a temporary database, one account with one
//! key, a small body limit, and a probe handler that takes every extractor.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, Service, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, web};
use bytes::Bytes;
use futures::Stream;
use postcore_domain::{AccountName, FixedClock, parse_timestamp};
use postcore_http::auth::Authenticated;
use postcore_http::extract::{InOrder, JsonBody, ProfileKeyPath};
use postcore_http::{AppState, routes};
use postcore_platforms::HttpLimits;
use postcore_platforms::bluesky::{BlueskyClient, DEFAULT_SERVICE};
use postcore_store::{AccountId, Repository, StoreConfig};
use serde::{Deserialize, Serialize};
use std::pin::Pin;
use std::sync::Arc;

/// A body as a stream of chunks.
pub type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

/// The body limit of the probe app, in bytes: small, so that tests can cross it.
pub const LIMIT: usize = 64;

/// The probe's body: strict, as every body of the API is.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    /// Any text.
    pub name: String,
    /// A small number.
    pub count: u8,
}

/// Echoes what the extractors gave: the account, the body (`null` when none) and the key.
async fn probe(
    InOrder(caller, InOrder(JsonBody(body), ProfileKeyPath(key))): InOrder<
        Authenticated,
        InOrder<JsonBody<Probe>, ProfileKeyPath>,
    >,
) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "account": caller.account.get(),
        "body": body,
        "profileKey": key.as_str(),
    }))
}

/// The state the app serves, with the account's key; the directory lives as long as it.
pub struct Fixture {
    /// What every handler shares.
    pub state: web::Data<AppState>,
    /// The store under the state.
    pub store: Arc<dyn Repository>,
    /// The one account's API key.
    pub key: String,
    /// The one account.
    pub account: AccountId,
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// A fresh database with the account `probe` and one key.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("postcore.db");
        let store = postcore_store::open(StoreConfig::new(path.to_string_lossy()))
            .await
            .unwrap();
        let now = parse_timestamp("2025-01-06T12:30:00Z").unwrap();
        let name = AccountName::parse("probe").unwrap();
        let account = store.create_account(&name, now).await.unwrap().id;
        let (key, _) = store.create_api_key(account, None, now).await.unwrap();
        let clock: Arc<FixedClock> = Arc::new(FixedClock::new(now));
        let state = web::Data::new(AppState {
            store: Arc::clone(&store),
            clock: clock.clone(),
            body_limit: LIMIT,
            body_timeout: std::time::Duration::from_secs(postcore_http::DEFAULT_BODY_TIMEOUT_SECS),
            // Never called: these tests stop at the extractors.
            bluesky: BlueskyClient::new(DEFAULT_SERVICE, HttpLimits::default()).unwrap(),
            linkedin: None,
            // Off: these tests are about the order of the extractors' checks.
            limits: postcore_http::ratelimit::RateLimits::new(0, 0, clock),
            webhook_allow_private: false,
        });
        Self {
            state,
            store,
            key: key.expose_secret().to_owned(),
            account,
            _dir: dir,
        }
    }

    /// Sends `request` through the app; returns the status and the body as text.
    pub async fn send(&self, request: TestRequest) -> (u16, String) {
        self.send_streamed(request, None).await
    }

    /// Sends `request` through the app with `body` as its payload when given (as a chunked
    /// body arrives: no `Content-Length` unless `request` sets one).
    pub async fn send_streamed(&self, request: TestRequest, body: Option<Chunks>) -> (u16, String) {
        let mut request = request.to_request();
        if let Some(payload) = body {
            request = request.replace_payload(Payload::Stream { payload }).0;
        }
        let app = test::init_service(
            App::new()
                .app_data(self.state.clone())
                .route("/probe/{profileKey}", web::post().to(probe))
                .configure(routes::configure),
        )
        .await;
        let response = app.call(request).await.unwrap();
        read(response).await
    }

    /// `POST /probe/prof_abc123` with this fixture's key.
    pub fn post(&self) -> TestRequest {
        TestRequest::post()
            .uri("/probe/prof_abc123")
            .insert_header(("x-api-key", self.key.as_str()))
    }
}

/// The status and body of `response`, after checking that the body is declared JSON.
pub async fn read<B: MessageBody>(response: ServiceResponse<B>) -> (u16, String) {
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").cloned();
    let body = test::read_body(response).await;
    let body = String::from_utf8(body.to_vec()).unwrap();
    assert_eq!(
        content_type.as_ref().and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "{status} {body}"
    );
    (status, body)
}

/// The exact body of an error: `{"error": code, "message": message}`.
pub fn error(code: &str, message: &str) -> String {
    serde_json::json!({"error": code, "message": message}).to_string()
}

/// The probe's answer for `body` (`null` for none).
pub fn echoed(fixture: &Fixture, body: serde_json::Value) -> (u16, String) {
    let echo = serde_json::json!({
        "account": fixture.account.get(),
        "body": body,
        "profileKey": "prof_abc123",
    });
    (200, echo.to_string())
}

/// A valid probe body padded with spaces to exactly `len` bytes.
pub fn padded(len: usize) -> String {
    format!("{:<len$}", r#"{"name":"a","count":1}"#)
}

/// A 400 `VALIDATION_ERROR` answer with `message`.
pub fn bad(message: &str) -> (u16, String) {
    (400, error("VALIDATION_ERROR", message))
}
