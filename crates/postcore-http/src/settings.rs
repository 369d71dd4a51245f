//! `Settings`: how the HTTP server listens and what it accepts (not where the data lives).

use postcore_platforms::HttpLimits;
use postcore_platforms::linkedin::LinkedInConfig;
use std::time::Duration;

/// Default listen address (api.md §1: `http://127.0.0.1:8080`).
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Default largest request body, in bytes: 64 KiB (api.md §4, `PAYLOAD_TOO_LARGE`).
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
/// Default log filter of `postcore serve` (`--log-level` / `POSTCORE_LOG`): a level or
/// `tracing` directives.
pub const DEFAULT_LOG_FILTER: &str = "info";
/// Default grace period for in-flight requests on SIGINT/SIGTERM, in seconds.
pub const DEFAULT_SHUTDOWN_TIMEOUT_SECS: u64 = 10;
/// Default time a client has to send a request's head (request line and headers), in
/// seconds; a slower one gets `408` and the connection is closed.
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 5;
/// Default time a client has to send a request's whole body once its head is in, in
/// seconds; a slower one gets `408 REQUEST_TIMEOUT` and the connection is closed.
pub const DEFAULT_BODY_TIMEOUT_SECS: u64 = 30;
/// Default time an idle keep-alive connection stays open, in seconds.
pub const DEFAULT_KEEP_ALIVE_SECS: u64 = 5;
/// Default largest number of client connections open at once (all worker threads
/// together); more wait in the listen backlog until one closes.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Default period of the `/metrics` connection and profile gauges' refresh, in seconds.
pub const DEFAULT_METRICS_REFRESH_SECS: u64 = 60;

/// The HTTP server's settings. The store and the clock are passed beside them to
/// [`crate::Application::build`], so tests can hand in their own.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `host:port` to listen on; port `0` picks a free port (see `Application::port`).
    pub bind: String,
    /// Largest request body in bytes; a larger one is `413 PAYLOAD_TOO_LARGE`.
    pub body_limit: usize,
    /// How long in-flight requests may run after SIGINT/SIGTERM before they are cut off.
    pub shutdown_timeout: Duration,
    /// How long a client may take to send a request's head (`408`, empty body, then the
    /// connection is closed: actix-http answers it before any handler runs).
    pub header_timeout: Duration,
    /// How long a client may take to send a request's body once its head is in
    /// (`408 REQUEST_TIMEOUT`, then the connection is closed).
    pub body_timeout: Duration,
    /// How long an idle keep-alive connection stays open.
    pub keep_alive: Duration,
    /// Most client connections open at once, all worker threads together (each worker
    /// takes its share, rounded up); more wait in the kernel's listen queue.
    pub max_connections: usize,
    /// Worker threads; `None` means one per CPU core.
    pub workers: Option<usize>,
    /// Base URL of the Bluesky service that verifies handles and app passwords
    /// (`POST /profiles/connect`, api.md §5.5).
    pub bluesky_service: String,
    /// Time and size limits of every call to a platform.
    pub platform_limits: HttpLimits,
    /// LinkedIn's OAuth client configuration; `None`: LinkedIn is not configured.
    pub linkedin: Option<LinkedInConfig>,
    /// Requests per minute per API key, `0` for no limit (README, "Rate limits";
    /// [`crate::ratelimit`]).
    pub rate_limit_per_minute: u32,
    /// Failed authentications (401) per minute per client address before its requests
    /// are refused, `0` for no limit.
    pub auth_failure_limit_per_minute: u32,
    /// `host:port` of a second listener that alone serves `GET /metrics` (port `0` picks a
    /// free one; see `Application::metrics_addr`); `None`: `/metrics` is served on `bind`.
    pub metrics_bind: Option<String>,
    /// How often the connection and profile gauges of `/metrics` are read from the store
    /// (at least once a second).
    pub metrics_refresh: Duration,
    /// Whether webhook endpoints may be on loopback, private and shared addresses (and
    /// use `http` there): `postcore_webhooks::check_url`'s `allow_private`. Off by default,
    /// so that no endpoint reaches into the operator's network (issue 13).
    pub webhook_allow_private: bool,
}

impl Settings {
    /// Settings listening on `bind`, with the default limits.
    pub fn new(bind: impl Into<String>) -> Self {
        Self {
            bind: bind.into(),
            body_limit: DEFAULT_BODY_LIMIT,
            shutdown_timeout: Duration::from_secs(DEFAULT_SHUTDOWN_TIMEOUT_SECS),
            header_timeout: Duration::from_secs(DEFAULT_HEADER_TIMEOUT_SECS),
            body_timeout: Duration::from_secs(DEFAULT_BODY_TIMEOUT_SECS),
            keep_alive: Duration::from_secs(DEFAULT_KEEP_ALIVE_SECS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            workers: None,
            bluesky_service: postcore_platforms::bluesky::DEFAULT_SERVICE.to_owned(),
            platform_limits: HttpLimits::default(),
            linkedin: None,
            rate_limit_per_minute: crate::ratelimit::DEFAULT_RATE_LIMIT_PER_MINUTE,
            auth_failure_limit_per_minute: crate::ratelimit::DEFAULT_AUTH_FAILURE_LIMIT_PER_MINUTE,
            metrics_bind: None,
            metrics_refresh: Duration::from_secs(DEFAULT_METRICS_REFRESH_SECS),
            webhook_allow_private: false,
        }
    }
}

impl Default for Settings {
    /// Listening on [`DEFAULT_BIND`] with the default limits.
    fn default() -> Self {
        Self::new(DEFAULT_BIND)
    }
}
