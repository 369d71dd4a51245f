//! PostCore HTTP transport: the Profiles API (`../shared/spec/api.md`) on actix-web.
//!
//! The crate is the only place that knows HTTP status codes and the wire JSON. A request
//! passes the request-log middleware ([`telemetry`]), is routed ([`routes`]), authenticated
//! by its `x-api-key` ([`auth`]) within the rate limits ([`ratelimit`]), has its path and
//! body extracted ([`extract`]), and is answered with the wire types of `postcore-api`
//! (shared with `postcore-admin`) or the error envelope of api.md §4 ([`ApiError`]).
//!
//! - [`Application::build`] binds the listener (port 0 allowed) so tests run the real app.
//! - [`cli`] is the `postcore` command line; `src/main.rs` only calls [`cli::run`].
//! - [`metrics`] counts requests by route and keeps the connection gauges of `/metrics`.
//!
//! `HEAD` and `OPTIONS` are not part of the API: on every known path they are answered like
//! any other method the path does not serve, `405 METHOD_NOT_ALLOWED` with an `Allow`
//! header (a `HEAD` answer carries no body, as HTTP requires).

pub mod auth;
pub mod body;
mod bootstrap;
pub mod cli;
mod error;
pub mod extract;
pub mod list_query;
pub mod metrics;
pub mod oauth;
pub mod openapi;
pub mod ratelimit;
pub mod routes;
mod settings;
mod startup;
mod stream;
pub mod telemetry;
#[cfg(feature = "test-clock")]
pub mod test_clock;
pub mod webhook_worker;

pub use error::ApiError;
pub use settings::{
    DEFAULT_BIND, DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT_SECS, DEFAULT_HEADER_TIMEOUT_SECS,
    DEFAULT_KEEP_ALIVE_SECS, DEFAULT_LOG_FILTER, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_METRICS_REFRESH_SECS, DEFAULT_SHUTDOWN_TIMEOUT_SECS, Settings,
};
pub use startup::{AppState, Application};
