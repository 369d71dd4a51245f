//! `BlueskyStandIn`: a stateful stand-in for a Bluesky service's createSession on 127.0.0.1.
//!
//! It plays the PDS/entryway behaviour PostCore depends on (lexicon
//! `com.atproto.server.createSession`, `packages/pds` of bluesky-social/atproto): an app
//! password signs in with scope `com.atproto.appPass`, the main password with
//! `com.atproto.access` (or 401 `AuthFactorTokenRequired` when a second factor is on), a
//! wrong or revoked password is 401 `AuthenticationRequired`, a taken-down account 401
//! `AccountTakedown`, a suspended or deactivated one 200 with `active: false` and `status`.
//! Failures can be injected once or for good. Tokens are JWTs with a fake signature.

mod answers;

use answers::{Responder, find};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

/// The createSession route.
pub const CREATE_SESSION: &str = "/xrpc/com.atproto.server.createSession";

/// A failure the stand-in answers instead of signing in (see `answers.rs` for the bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// 429 `RateLimitExceeded` with `Retry-After: retry_after_secs`.
    RateLimited {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// This status (500, 502, …) with an XRPC error body.
    Status(u16),
    /// Accepts the request and answers only after an hour: never, for any test.
    Hang,
    /// 200 with an HTML body.
    Garbage,
    /// 200 with a body of this many bytes (`a` repeated).
    Huge(usize),
}

/// One account of the stand-in.
#[derive(Debug, Clone, Default)]
struct Account {
    handle: String,
    app_passwords: Vec<String>,
    main_password: Option<String>,
    second_factor: bool,
    status: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    /// By DID.
    accounts: BTreeMap<String, Account>,
    calls: usize,
    record_bodies: bool,
    bodies: Vec<Value>,
    next_failure: Option<Failure>,
    failure: Option<Failure>,
}

/// A running stand-in. Dropping it stops the server.
pub struct BlueskyStandIn {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl BlueskyStandIn {
    /// Starts on a random port of 127.0.0.1, recording request bodies.
    pub async fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        Self::start_on(listener, true).await
    }

    /// Starts on `listener`; `record_bodies` keeps every request body (for
    /// [`received_bodies`](Self::received_bodies); off for long runs such as the bench).
    pub async fn start_on(listener: std::net::TcpListener, record_bodies: bool) -> Self {
        let state = Arc::new(Mutex::new(State {
            record_bodies,
            ..State::default()
        }));
        let server = MockServer::builder()
            .listener(listener)
            .disable_request_recording()
            .start()
            .await;
        Mock::given(method("POST"))
            .and(path(CREATE_SESSION))
            .respond_with(Responder(state.clone()))
            .mount(&server)
            .await;
        Self { server, state }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.uri()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("stand-in state")
    }

    fn update(&self, handle_or_did: &str, change: impl FnOnce(&mut Account)) {
        let mut state = self.state();
        let did = find(&state, handle_or_did)
            .unwrap_or_else(|| panic!("no stand-in account {handle_or_did:?}"));
        change(state.accounts.get_mut(&did).expect("found above"));
    }

    /// Adds an account (or another app password to it) that signs in with `app_password`
    /// (scope `com.atproto.appPass`); the identifier may be the handle or the DID.
    pub fn add_account(&self, handle: &str, did: &str, app_password: &str) {
        let mut state = self.state();
        let account = state.accounts.entry(did.to_owned()).or_default();
        account.handle = handle.to_ascii_lowercase();
        account.app_passwords.push(app_password.to_owned());
    }

    /// Adds an account (or sets its main password) that signs in with `password` with
    /// scope `com.atproto.access`.
    pub fn add_main_password(&self, handle: &str, did: &str, password: &str) {
        let mut state = self.state();
        let account = state.accounts.entry(did.to_owned()).or_default();
        account.handle = handle.to_ascii_lowercase();
        account.main_password = Some(password.to_owned());
    }

    /// The main password of `handle` now answers 401 `AuthFactorTokenRequired`.
    pub fn require_second_factor(&self, handle: &str) {
        self.update(handle, |a| a.second_factor = true);
    }

    /// Sets the account's status: `takendown` (401 `AccountTakedown`), `suspended`,
    /// `deactivated` or any other (200 with `active: false`), or `None` (active).
    pub fn set_status(&self, handle: &str, status: Option<&str>) {
        self.update(handle, |a| a.status = status.map(str::to_owned));
    }

    /// Changes the handle of the account `did`.
    pub fn rename(&self, did: &str, new_handle: &str) {
        self.update(did, |a| a.handle = new_handle.to_ascii_lowercase());
    }

    /// Revokes every app password of the account.
    pub fn revoke_app_password(&self, handle_or_did: &str) {
        self.update(handle_or_did, |a| a.app_passwords.clear());
    }

    /// Answers the next createSession with `failure`, once.
    pub fn fail_next(&self, failure: Failure) {
        self.state().next_failure = Some(failure);
    }

    /// Answers every createSession with `failure` until called with `None`.
    pub fn fail_always(&self, failure: Option<Failure>) {
        self.state().failure = failure;
    }

    /// createSession requests received so far.
    pub fn calls(&self) -> usize {
        self.state().calls
    }

    /// The JSON bodies of the createSession requests received (`{"identifier",
    /// "password"}`; `null` for a body that was not JSON), when recording.
    pub fn received_bodies(&self) -> Vec<Value> {
        self.state().bodies.clone()
    }
}
