//! `Application`: the HTTP server bound to its listener, ready to run.

use crate::ratelimit::{self, RateLimits};
use crate::{Settings, routes, telemetry};
use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context as _;
use postcore_domain::Clock;
use postcore_platforms::bluesky::BlueskyClient;
use postcore_platforms::linkedin::LinkedInClient;
use postcore_store::Repository;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

/// What every handler shares: the store, the clock and the body limit.
pub struct AppState {
    /// The repository (SQLite in production, a temporary database in tests).
    pub store: Arc<dyn Repository>,
    /// The source of `now` for expiry fields and write timestamps.
    pub clock: Arc<dyn Clock>,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// The client of the configured Bluesky service.
    pub bluesky: BlueskyClient,
    /// The LinkedIn OAuth client; `None` when LinkedIn is not configured (its routes
    /// answer 501 `NOT_CONFIGURED`).
    pub linkedin: Option<LinkedInClient>,
    /// The rate limits per API key and per client address (README, "Rate limits").
    pub limits: RateLimits,
}

/// The server, bound and started but not yet awaited.
pub struct Application {
    address: SocketAddr,
    server: Server,
}

impl Application {
    /// Binds `settings.bind` (port 0 picks a free port) and starts the server on it.
    ///
    /// The server stops on SIGINT/SIGTERM: it stops accepting, lets in-flight requests
    /// finish for up to `settings.shutdown_timeout`, and then [`Self::run_until_stopped`]
    /// returns.
    ///
    /// # Errors
    /// When `settings.bluesky_service` is not an `http(s)` URL, or the address cannot be
    /// bound. Must be called inside a Tokio runtime.
    pub async fn build(
        settings: Settings,
        store: Arc<dyn Repository>,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let bluesky = BlueskyClient::new(&settings.bluesky_service, settings.platform_limits)
            .context("setting up the Bluesky client")?;
        let linkedin = settings
            .linkedin
            .clone()
            .map(|config| LinkedInClient::new(config, settings.platform_limits))
            .transpose()
            .context("setting up the LinkedIn client")?;
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("binding the listen address {}", settings.bind))?;
        let address = listener.local_addr().context("reading the bound address")?;
        let limits = RateLimits::new(
            settings.rate_limit_per_minute,
            settings.auth_failure_limit_per_minute,
            Arc::clone(&clock),
        );
        let limited = limits.enabled();
        let state = web::Data::new(AppState {
            store,
            clock,
            body_limit: settings.body_limit,
            bluesky,
            linkedin,
            limits,
        });
        let mut server = HttpServer::new(move || {
            App::new()
                // Inside the request log, so that a 429 is logged with its status; not
                // installed at all when both limits are off.
                .wrap(middleware::Condition::new(
                    limited,
                    middleware::from_fn(ratelimit::headers::apply),
                ))
                .wrap(middleware::from_fn(telemetry::log_request))
                .app_data(state.clone())
                .configure(routes::configure)
        })
        // A streamed list goes out in several writes; with Nagle's algorithm on, the last
        // small one waited for the client's delayed ACK (40 ms on Linux) on every request.
        .on_connect(|connection, _| {
            if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        // actix treats SIGINT as a forced stop that drops in-flight requests; both SIGINT
        // and SIGTERM are handled in `run_until_stopped` as a graceful stop instead.
        .disable_signals()
        .listen(listener)
        .context("listening on the bound socket")?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        Ok(Self {
            address,
            server: server.run(),
        })
    }

    /// The bound port (the real one when `bind` asked for port 0).
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// Serves until SIGINT or SIGTERM (or the server handle is stopped). Either signal
    /// stops gracefully: no new connections, in-flight requests finish within the shutdown
    /// timeout, then this returns `Ok`.
    ///
    /// # Errors
    /// When the server fails to run, or the signal handlers cannot be installed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let handle = self.server.handle();
        let watcher = tokio::spawn(async move {
            let name = tokio::select! {
                _ = interrupt.recv() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
            };
            tracing::info!(
                signal = name,
                "stopping: no new connections, finishing in-flight requests"
            );
            handle.stop(true).await;
        });
        let result = self.server.await;
        watcher.abort();
        result
    }
}
