//! Harness for black-box HTTP tests: `spawn_app()` on a random port with its own database.
//!
//! Each [`TestApp`] runs the real [`postcore_http::Application`] on `127.0.0.1:0`, over a
//! fresh SQLite file in its own temporary directory, with a [`FixedClock`] at
//! [`SEED_NOW`] (the instant of the seed document's examples). The account `default` and
//! one API key are made through the store before the first request.

use postcore_domain::{Clock as _, FixedClock, Timestamp};
use postcore_http::metrics::Metrics;
use postcore_http::{Application, Settings};
use postcore_store::{AccountId, Repository, StoreConfig};
use std::sync::Arc;
use tempfile::TempDir;

/// The fixed "now" of every test app: the seed document's `2025-01-06T12:30:00Z`.
pub const SEED_NOW: &str = "2025-01-06T12:30:00Z";

/// A running server with its own database, clock, account and key.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The bound port.
    pub port: u16,
    /// The `default` account's API key.
    pub api_key: String,
    /// The `default` account.
    pub account: AccountId,
    /// The store the server uses (the real one, or the wrapper given to [`spawn_app_with`]).
    pub store: Arc<dyn Repository>,
    /// The server's clock; move it to test expiry at other instants.
    pub clock: Arc<FixedClock>,
    /// An HTTP client that never uses a proxy.
    pub client: reqwest::Client,
    /// The server's metrics (`GET /metrics`).
    pub metrics: Arc<Metrics>,
    /// `http://127.0.0.1:PORT` of the separate metrics listener, when one was asked for
    /// ([`spawn_app_with_metrics_listener`]).
    pub metrics_address: Option<String>,
    dir: TempDir,
}

/// Parses an RFC 3339 instant; panics on bad test data.
pub fn at(text: &str) -> Timestamp {
    postcore_domain::parse_timestamp(text).expect("a valid test timestamp")
}

/// Starts the app over a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|store| store).await
}

/// Starts the app over a fresh database with `/metrics` on a second listener of its own
/// (`Settings::metrics_bind` on a free port of 127.0.0.1), not on the API's.
pub async fn spawn_app_with_metrics_listener() -> TestApp {
    spawn(
        |store| store,
        |settings| settings.metrics_bind = Some("127.0.0.1:0".to_owned()),
    )
    .await
}

/// Starts the app over a fresh database, serving through `wrap(store)` (for fault
/// injection); the account and key are made in the real store beneath.
pub async fn spawn_app_with(
    wrap: impl FnOnce(Arc<dyn Repository>) -> Arc<dyn Repository>,
) -> TestApp {
    spawn(wrap, |_| {}).await
}

/// Starts the app over a fresh database with the settings `configure` adjusts (the rate
/// limits, say); they start as `Settings::new` makes them, on a free port with one worker.
pub async fn spawn_app_with_settings(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(|store| store, configure).await
}

/// Starts the app over a fresh database with `service` as its Bluesky service (a stand-in
/// on 127.0.0.1), and a one-second limit on every call to it.
pub async fn spawn_app_with_bluesky(service: &str) -> TestApp {
    let service = service.to_owned();
    spawn(
        |store| store,
        move |settings| {
            settings.bluesky_service = service;
            settings.platform_limits.total_timeout = std::time::Duration::from_secs(1);
        },
    )
    .await
}

/// Starts the app over a fresh database with LinkedIn configured against `standin`: its
/// client id and secret, its four endpoints, and a redirect URI on the app's own port (a
/// free port is picked first, since the redirect URI must name it), with a one-second
/// limit on every call.
pub async fn spawn_app_with_linkedin(standin: &crate::linkedin::LinkedInStandIn) -> TestApp {
    use crate::linkedin::LinkedInStandIn;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let config = postcore_platforms::linkedin::LinkedInConfig {
        client_id: LinkedInStandIn::CLIENT_ID.to_owned(),
        client_secret: LinkedInStandIn::CLIENT_SECRET.to_owned().into(),
        redirect_uri: format!("http://127.0.0.1:{port}/oauth/linkedin/callback"),
        scopes: postcore_platforms::linkedin::DEFAULT_SCOPES.to_owned(),
        authorize_url: standin.authorize_url(),
        token_url: standin.token_url(),
        userinfo_url: standin.userinfo_url(),
        revoke_url: Some(standin.revoke_url()),
    };
    spawn(
        |store| store,
        move |settings| {
            settings.bind = format!("127.0.0.1:{port}");
            settings.linkedin = Some(config);
            settings.platform_limits.total_timeout = std::time::Duration::from_secs(1);
        },
    )
    .await
}

/// Starts the app: `wrap` wraps the store the server uses, `configure` adjusts the
/// settings (which listen on a free port of 127.0.0.1 with one worker).
async fn spawn(
    wrap: impl FnOnce(Arc<dyn Repository>) -> Arc<dyn Repository>,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("postcore.db");
    let store = postcore_store::open(StoreConfig::new(path.to_string_lossy()))
        .await
        .expect("opening a fresh database");
    let clock = Arc::new(FixedClock::new(at(SEED_NOW)));
    let account = store
        .create_account(
            &postcore_domain::AccountName::parse("default").expect("fixture account name"),
            at(SEED_NOW),
        )
        .await
        .expect("creating the default account")
        .id;
    let (key, _) = store
        .create_api_key(account, None, at(SEED_NOW))
        .await
        .expect("creating an API key");
    let store = wrap(store);
    let mut settings = Settings {
        workers: Some(1),
        ..Settings::new("127.0.0.1:0")
    };
    configure(&mut settings);
    let app = Application::build(settings, Arc::clone(&store), clock.clone())
        .await
        .expect("building the application");
    let port = app.port();
    let metrics = app.metrics();
    let metrics_address = app
        .metrics_addr()
        .map(|address| format!("http://{address}"));
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        api_key: key.expose_secret().to_owned(),
        account,
        store,
        clock,
        client: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("an HTTP client"),
        metrics,
        metrics_address,
        dir,
    }
}

impl TestApp {
    /// `method path`, with `key` as `x-api-key` when given, and no body.
    pub async fn request(&self, method: &str, path: &str, key: Option<&str>) -> reqwest::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        request.send().await.expect("sending a request")
    }

    /// Refreshes the `/metrics` gauges now, at the app's clock, as the server's interval
    /// does (a test never waits for the interval).
    pub async fn refresh_metrics(&self) {
        self.metrics
            .refresh(self.store.as_ref(), self.clock.now())
            .await
            .expect("refreshing the metrics gauges");
    }

    /// The database's files (the database, its WAL and shared-memory index, when present),
    /// for tests that look for secrets in the raw bytes.
    pub fn database_files(&self) -> Vec<std::path::PathBuf> {
        ["postcore.db", "postcore.db-wal", "postcore.db-shm"]
            .iter()
            .map(|name| self.dir.path().join(name))
            .filter(|path| path.is_file())
            .collect()
    }

    /// `GET path` with the default key.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.request("GET", path, Some(&self.api_key)).await
    }

    /// `GET path` with `key` as `x-api-key`.
    pub async fn get_with_key(&self, path: &str, key: &str) -> reqwest::Response {
        self.request("GET", path, Some(key)).await
    }

    /// `DELETE path` with `key` as `x-api-key`.
    pub async fn delete_with_key(&self, path: &str, key: &str) -> reqwest::Response {
        self.request("DELETE", path, Some(key)).await
    }

    /// `POST {path}` with the default key and `body` as JSON.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("x-api-key", &self.api_key)
            .json(body)
            .send()
            .await
            .expect("sending a request")
    }

    /// `POST /profiles/create` with the default key and `body` as JSON (none when `None`).
    pub async fn create_profile(&self, body: Option<serde_json::Value>) -> reqwest::Response {
        let request = self
            .client
            .post(format!("{}/profiles/create", self.address))
            .header("x-api-key", &self.api_key);
        match body {
            Some(body) => request.json(&body),
            None => request,
        }
        .send()
        .await
        .expect("sending a request")
    }

    /// Creates a profile named `name` (unnamed when `None`) through the API with `key`, as
    /// a fixture: asserts the exact 201 answer of api.md §5.3 and returns the new key.
    pub async fn new_profile_as(&self, key: &str, name: Option<&str>) -> String {
        let mut request = self
            .client
            .post(format!("{}/profiles/create", self.address))
            .header("x-api-key", key);
        if let Some(name) = name {
            request = request.json(&serde_json::json!({ "profileName": name }));
        }
        let response = request.send().await.expect("sending a request");
        let (status, body) = status_and_json(response).await;
        let profile_key = body["profileKey"].as_str().unwrap_or_default().to_owned();
        let expected = serde_json::json!({"profileKey": profile_key, "profileName": name});
        assert_eq!((status, body), (201, expected));
        assert_generated_key(&profile_key);
        profile_key
    }

    /// [`TestApp::new_profile_as`] with the default key.
    pub async fn new_profile(&self, name: Option<&str>) -> String {
        self.new_profile_as(&self.api_key, name).await
    }

    /// `GET path` with the default key, as a fixture: asserts 200 and returns the body.
    pub async fn get_ok(&self, path: &str) -> serde_json::Value {
        let (status, body) = status_and_json(self.get(path).await).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// `DELETE /profiles/{key}` with the default key, as a fixture: asserts the exact 200
    /// answer of api.md §5.4.
    pub async fn delete_profile(&self, key: &str) {
        let path = format!("/profiles/{key}");
        let response = self.delete_with_key(&path, &self.api_key).await;
        let deleted = serde_json::json!({"message": "Profile deleted successfully"});
        assert_eq!(status_and_json(response).await, (200, deleted), "{path}");
    }

    /// `DELETE /profiles/{key}/connections/{platform}` with the default key, as a fixture:
    /// asserts the exact 200 answer of api.md §5.5.
    pub async fn disconnect(&self, key: &str, platform: &str) {
        let path = format!("/profiles/{key}/connections/{platform}");
        let response = self.delete_with_key(&path, &self.api_key).await;
        let disconnected = serde_json::json!({"message": "Platform disconnected successfully"});
        assert_eq!(
            status_and_json(response).await,
            (200, disconnected),
            "{path}"
        );
    }

    /// Makes another account named `name` with one key, through the store.
    pub async fn add_account(&self, name: &str) -> (AccountId, String) {
        let account = self
            .store
            .create_account(
                &postcore_domain::AccountName::parse(name).expect("fixture account name"),
                at(SEED_NOW),
            )
            .await
            .expect("creating an account")
            .id;
        let (key, _) = self
            .store
            .create_api_key(account, None, at(SEED_NOW))
            .await
            .expect("creating an API key");
        (account, key.expose_secret().to_owned())
    }
}

/// A response's status, content type and exact body bytes.
pub async fn exactly(response: reqwest::Response) -> (u16, String, Vec<u8>) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    let bytes = response.bytes().await.expect("reading the body");
    (status, content_type, bytes.to_vec())
}

/// The 404 `PROFILE_NOT_FOUND` answer byte for byte, as [`exactly`] reads it: unknown,
/// deleted, malformed and other accounts' profiles all get it (api.md §1, §4).
pub fn profile_not_found_exactly() -> (u16, String, Vec<u8>) {
    let body = br#"{"error":"PROFILE_NOT_FOUND","message":"Profile not found"}"#;
    (404, "application/json".to_owned(), body.to_vec())
}

/// Checks that `key` is a generated profile key (api.md §1): `prof_` and 16 lowercase
/// letters or digits.
pub fn assert_generated_key(key: &str) {
    let rest = key.strip_prefix("prof_").unwrap_or_default();
    assert!(
        rest.len() == 16
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "not a generated profile key: {key:?}"
    );
}

/// The `profileKey` of every profile in a `GET /profiles` body, in order.
///
/// # Panics
/// When the body has no `profiles` array of objects with a string `profileKey`.
pub fn profile_keys(body: &serde_json::Value) -> Vec<String> {
    body["profiles"]
        .as_array()
        .expect("a profiles array")
        .iter()
        .map(|p| p["profileKey"].as_str().expect("a profileKey").to_owned())
        .collect()
}

/// A response's status and its body parsed as JSON, after checking that it is declared
/// `application/json`.
pub async fn status_and_json(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/json"));
    let bytes = response.bytes().await.expect("reading the body");
    let json = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "body is not JSON ({e}): {:?}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, json)
}
