//! `LinkedInStandIn`: a stateful stand-in for LinkedIn's OAuth 2.0 endpoints on 127.0.0.1:
//! authorize, token (code exchange and refresh), OpenID Connect userinfo and revoke.
//!
//! It plays what PostCore depends on (RFC 6749 §4.1 and §6, RFC 7009, OpenID Connect Core
//! §5.3, LinkedIn's "Authorization Code Flow" and "Programmatic Refresh Tokens" pages):
//! authorize redirects straight back with a single-use code that remembers its redirect URI
//! (or, with `interactive`, first shows a page with Allow and Deny links); the token
//! endpoint accepts only [`CLIENT_ID`](LinkedInStandIn::CLIENT_ID) and its secret, and
//! refuses with `invalid_grant` a used, expired or unknown code, a redirect URI that is not
//! byte-identical to the authorize one, and a dead refresh token; userinfo needs a live
//! access token. Tokens are random, with LinkedIn-like prefixes (`AQT` codes, `AQV` access
//! tokens, `AQW` refresh tokens) so that tests can look for them anywhere.

mod answers;
mod authorize;

use answers::{Responder, Route};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

/// The authorization endpoint's path (as LinkedIn's).
pub const AUTHORIZE_PATH: &str = "/oauth/v2/authorization";
/// The token endpoint's path.
pub const TOKEN_PATH: &str = "/oauth/v2/accessToken";
/// The userinfo endpoint's path.
pub const USERINFO_PATH: &str = "/v2/userinfo";
/// The revocation endpoint's path.
pub const REVOKE_PATH: &str = "/oauth/v2/revoke";

/// A failure the token endpoint answers instead of its usual answer, to every token call
/// (exchange and refresh) until [`LinkedInStandIn::token_failure`] is called with `None`:
/// persistent, so that a caller's retries see it too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFailure {
    /// 400 `{"error":"invalid_grant"}`.
    InvalidGrant,
    /// This status (500, 503, …) with a JSON error body.
    Status(u16),
    /// 429 with `Retry-After: retry_after_secs`.
    RateLimited {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// Accepts the request and answers only after an hour: never, for any test.
    Hang,
}

/// Calls received so far, by endpoint (token calls by `grant_type`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// GET authorize.
    pub authorize: usize,
    /// Token calls with `grant_type=authorization_code`.
    pub token_exchange: usize,
    /// Token calls with `grant_type=refresh_token`.
    pub token_refresh: usize,
    /// Token calls with another or no `grant_type`.
    pub token_other: usize,
    /// GET userinfo.
    pub userinfo: usize,
    /// POST revoke.
    pub revoke: usize,
}

/// A LinkedIn member: `sub` and full name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Member {
    sub: String,
    name: String,
}

/// An authorization code.
#[derive(Debug)]
struct Code {
    redirect_uri: String,
    member: Member,
    scope: String,
    used: bool,
    expired: bool,
}

/// An access or refresh token.
#[derive(Debug)]
struct Grant {
    member: Member,
    live: bool,
}

#[derive(Debug)]
struct State {
    interactive: bool,
    member: Member,
    deny_next: bool,
    expires_in: Option<Value>,
    issue_refresh_tokens: bool,
    token_failure: Option<TokenFailure>,
    userinfo_401_next: bool,
    codes: HashMap<String, Code>,
    access_tokens: HashMap<String, Grant>,
    refresh_tokens: HashMap<String, Grant>,
    counts: Counts,
    revoked: usize,
}

/// A running LinkedIn stand-in. Dropping it stops the server.
pub struct LinkedInStandIn {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl LinkedInStandIn {
    /// The only client id the stand-in knows.
    pub const CLIENT_ID: &str = "postcore-standin-client";
    /// The secret of [`CLIENT_ID`](Self::CLIENT_ID); any other answers `invalid_client`.
    pub const CLIENT_SECRET: &str = "WPL_AP1.standin-s3cret-Zq8vT2";
    /// The member who logs in until [`set_member`](Self::set_member) says otherwise.
    pub const DEFAULT_SUB: &str = "782bbtaQ";
    /// The default member's name.
    pub const DEFAULT_NAME: &str = "John Doe";

    /// Starts on a random port of 127.0.0.1; authorize redirects straight back.
    pub async fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        Self::start_on(listener, false).await
    }

    /// Starts on `listener`; with `interactive`, authorize first shows a page with Allow
    /// and Deny links (for a person with a browser).
    pub async fn start_on(listener: std::net::TcpListener, interactive: bool) -> Self {
        let state = Arc::new(Mutex::new(State {
            interactive,
            member: Member {
                sub: Self::DEFAULT_SUB.to_owned(),
                name: Self::DEFAULT_NAME.to_owned(),
            },
            deny_next: false,
            expires_in: Some(Value::from(5_184_000)),
            issue_refresh_tokens: true,
            token_failure: None,
            userinfo_401_next: false,
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            counts: Counts::default(),
            revoked: 0,
        }));
        let server = MockServer::builder()
            .listener(listener)
            .disable_request_recording()
            .start()
            .await;
        let routes = [
            ("GET", AUTHORIZE_PATH, Route::Authorize),
            ("POST", TOKEN_PATH, Route::Token),
            ("GET", USERINFO_PATH, Route::Userinfo),
            ("POST", REVOKE_PATH, Route::Revoke),
        ];
        for (verb, route_path, route) in routes {
            Mock::given(method(verb))
                .and(path(route_path))
                .respond_with(Responder {
                    state: state.clone(),
                    route,
                })
                .mount(&server)
                .await;
        }
        Self { server, state }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// The authorization endpoint's URL.
    pub fn authorize_url(&self) -> String {
        format!("{}{AUTHORIZE_PATH}", self.url())
    }

    /// The token endpoint's URL.
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.url())
    }

    /// The userinfo endpoint's URL.
    pub fn userinfo_url(&self) -> String {
        format!("{}{USERINFO_PATH}", self.url())
    }

    /// The revocation endpoint's URL.
    pub fn revoke_url(&self) -> String {
        format!("{}{REVOKE_PATH}", self.url())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("stand-in state")
    }

    /// Who logs in at the next authorizations (default [`DEFAULT_SUB`](Self::DEFAULT_SUB),
    /// [`DEFAULT_NAME`](Self::DEFAULT_NAME)). userinfo answers `given_name` and
    /// `family_name` split at the name's first space, and `email` `{sub}@members.example`.
    pub fn set_member(&self, sub: &str, name: &str) {
        self.state().member = Member {
            sub: sub.to_owned(),
            name: name.to_owned(),
        };
    }

    /// The next authorization is denied: a redirect with `error=access_denied`,
    /// `error_description` and the `state`.
    pub fn deny_next(&self) {
        self.state().deny_next = true;
    }

    /// What token answers send as `expires_in` (default `5184000`); `None` leaves it out.
    pub fn set_expires_in(&self, value: Option<Value>) {
        self.state().expires_in = value;
    }

    /// Whether token answers include a new `refresh_token` (with `refresh_token_expires_in`
    /// `31536000`); default `true`. A refresh that issues a new refresh token retires the
    /// one it used (rotation); one that issues none leaves it live.
    pub fn set_refresh_tokens(&self, issue: bool) {
        self.state().issue_refresh_tokens = issue;
    }

    /// Answers every token call with `failure` until called with `None` (see
    /// [`TokenFailure`]). Calls are counted all the same.
    pub fn token_failure(&self, failure: Option<TokenFailure>) {
        self.state().token_failure = failure;
    }

    /// The next userinfo call answers 401 and kills the access token it was given, as when
    /// the member revokes the grant right after the token was issued.
    pub fn revoke_userinfo_after_token(&self) {
        self.state().userinfo_401_next = true;
    }

    /// Every refresh token issued so far is dead: refreshing with one answers
    /// `invalid_grant`.
    pub fn revoke_refresh_tokens(&self) {
        for grant in self.state().refresh_tokens.values_mut() {
            grant.live = false;
        }
    }

    /// Every code issued so far has expired: exchanging one answers `invalid_grant`.
    pub fn expire_codes(&self) {
        for code in self.state().codes.values_mut() {
            code.expired = true;
        }
    }

    /// Calls received so far.
    pub fn counts(&self) -> Counts {
        self.state().counts
    }

    /// Tokens (access or refresh) the stand-in issued and that were revoked through the
    /// revoke endpoint.
    pub fn revoked_tokens(&self) -> usize {
        self.state().revoked
    }

    /// Whether `access_token` is one the stand-in issued and that still works for userinfo.
    pub fn is_live(&self, access_token: &str) -> bool {
        self.state()
            .access_tokens
            .get(access_token)
            .is_some_and(|grant| grant.live)
    }

    /// Whether `refresh_token` is one the stand-in issued and has not revoked.
    pub fn is_live_refresh_token(&self, refresh_token: &str) -> bool {
        self.state()
            .refresh_tokens
            .get(refresh_token)
            .is_some_and(|grant| grant.live)
    }
}

/// The server's own page at the end of a flow without a return URL, byte for byte:
/// `title` as its title and heading, `text` as its one paragraph.
pub fn server_page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         </head>\n<body><h1>{title}</h1><p>{text}</p></body></html>\n"
    )
}

/// The server's page for a callback whose `state` is forged, missing, used or expired.
pub fn invalid_state_page() -> String {
    server_page(
        "LinkedIn not connected",
        "This link has expired or was already used. Start connecting again from the app.",
    )
}

/// GETs `url` without following redirects: the status, and the `Location` or the body (as
/// a browser's first hop through the OAuth flow sees it).
///
/// # Panics
/// When the request fails or the answer is not text.
pub async fn browse(url: &str) -> (u16, String) {
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");
    let response = http.get(url).send().await.expect("GET answered");
    let status = response.status().as_u16();
    match response.headers().get("location") {
        Some(location) => (
            status,
            location.to_str().expect("an ASCII Location").to_owned(),
        ),
        None => (status, response.text().await.expect("a text body")),
    }
}

/// A browser for OAuth tests: follows redirects (through the stand-in and the callback)
/// but stops at the app's return URL on `app.example.com`, which does not exist here.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.url().host_str() == Some("app.example.com") {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }))
        .build()
        .expect("an HTTP client")
}

/// `serve` flags for LinkedIn against `standin` on a free port (its `host:port` first),
/// with the client secret in a file in `dir`.
pub fn linkedin_args(standin: &LinkedInStandIn, dir: &Path) -> (String, Vec<String>) {
    let secret_file = dir.join("linkedin-secret");
    std::fs::write(&secret_file, LinkedInStandIn::CLIENT_SECRET).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let args = [
        ("--bind", bind.clone()),
        ("--public-url", format!("http://{bind}/")),
        (
            "--linkedin-client-id",
            LinkedInStandIn::CLIENT_ID.to_owned(),
        ),
        (
            "--linkedin-client-secret-file",
            secret_file.to_string_lossy().into_owned(),
        ),
        ("--linkedin-authorize-url", standin.authorize_url()),
        ("--linkedin-token-url", standin.token_url()),
        ("--linkedin-userinfo-url", standin.userinfo_url()),
        ("--linkedin-revoke-url", standin.revoke_url()),
    ]
    .into_iter()
    .flat_map(|(flag, value)| [flag.to_owned(), value])
    .collect();
    (bind, args)
}

/// `args` as `&str`s, for [`crate::server::Server::start_with`].
pub fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// `POST /profiles/connect/linkedin` with `body` as `key`: the authorization URL.
///
/// # Panics
/// When the answer is not 200 with an `authorizationUrl`.
pub async fn authorization_url(bind: &str, key: &str, body: Value) -> String {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("http://{bind}/profiles/connect/linkedin"))
        .header("x-api-key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let (status, started) = (
        response.status().as_u16(),
        response.json::<Value>().await.unwrap(),
    );
    assert_eq!(status, 200, "{started}");
    started["authorizationUrl"].as_str().unwrap().to_owned()
}
