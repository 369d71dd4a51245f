//! `Application`: the HTTP server bound to its listener, ready to run.

use crate::metrics::{self, Metrics};
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
use tokio::task::JoinHandle;

/// What every handler shares: the store, the clock and the body limit.
pub struct AppState {
    /// The repository (SQLite in production, a temporary database in tests).
    pub store: Arc<dyn Repository>,
    /// The source of `now` for expiry fields and write timestamps.
    pub clock: Arc<dyn Clock>,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// How long a request's body may take to arrive once its head is in.
    pub body_timeout: std::time::Duration,
    /// The client of the configured Bluesky service.
    pub bluesky: BlueskyClient,
    /// The LinkedIn OAuth client; `None` when LinkedIn is not configured (its routes
    /// answer 501 `NOT_CONFIGURED`).
    pub linkedin: Option<LinkedInClient>,
    /// The rate limits per API key and per client address (README, "Rate limits").
    pub limits: RateLimits,
    /// Whether webhook endpoints may be on loopback and private addresses
    /// ([`Settings::webhook_allow_private`]).
    pub webhook_allow_private: bool,
}

/// The server, bound and started but not yet awaited.
pub struct Application {
    address: SocketAddr,
    server: Server,
    metrics: Arc<Metrics>,
    /// The separate `/metrics` listener (`Settings::metrics_bind`), when set.
    metrics_server: Option<(SocketAddr, Server)>,
    refresher: AbortOnDrop,
}

/// A background task that ends with its owner.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Application {
    /// Binds `settings.bind` (port 0 picks a free port) and starts the server on it;
    /// with `settings.metrics_bind`, binds that too and serves `/metrics` there alone.
    /// The `/metrics` gauges are refreshed once before this returns, then every
    /// `settings.metrics_refresh` until the server stops.
    ///
    /// The server stops on SIGINT/SIGTERM: it stops accepting, lets in-flight requests
    /// finish for up to `settings.shutdown_timeout`, and then [`Self::run_until_stopped`]
    /// returns.
    ///
    /// # Errors
    /// When `settings.bluesky_service` is not an `http(s)` URL, or an address cannot be
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
        // actix-http's own 400/408/431 answers carry the API's JSON body (a hook of the
        // patched actix-http, vendor/actix-http/POSTCORE-PATCH.md); the first server of
        // the process sets it, every later one finds it set.
        actix_http::h1::set_protocol_error_body(crate::error::protocol_error_body);
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("binding the listen address {}", settings.bind))?;
        let address = listener.local_addr().context("reading the bound address")?;
        let limits = RateLimits::new(
            settings.rate_limit_per_minute,
            settings.auth_failure_limit_per_minute,
            Arc::clone(&clock),
        );
        let limited = limits.enabled();
        let metrics_listener = settings
            .metrics_bind
            .as_deref()
            .map(|bind| {
                TcpListener::bind(bind)
                    .with_context(|| format!("binding the metrics address {bind}"))
            })
            .transpose()?;
        let metrics = Arc::new(Metrics::new());
        // A failure is counted and logged; the server starts all the same.
        let _ = metrics.refresh(store.as_ref(), clock.now()).await;
        let refresher = AbortOnDrop(metrics::refresh::spawn_refresher(
            Arc::clone(&metrics),
            Arc::clone(&store),
            Arc::clone(&clock),
            settings.metrics_refresh,
        ));
        let metrics_data = web::Data::from(Arc::clone(&metrics));
        let public_metrics = metrics_listener.is_none();
        let state = web::Data::new(AppState {
            store,
            clock,
            body_limit: settings.body_limit,
            body_timeout: settings.body_timeout,
            bluesky,
            linkedin,
            limits,
            webhook_allow_private: settings.webhook_allow_private,
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
                .wrap(middleware::from_fn(metrics::record_request))
                .app_data(state.clone())
                .app_data(metrics_data.clone())
                .configure(routes::configure)
                .configure(|cfg| {
                    if public_metrics {
                        routes::metrics::configure(cfg);
                    }
                })
        })
        // A streamed list goes out in several writes; with Nagle's algorithm on, the last
        // small one waited for the client's delayed ACK (40 ms on Linux) on every request.
        .on_connect(|connection, _| {
            if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        // Slow and idle clients are cut off, and open connections bounded (README,
        // "Slow clients and connections"); a slow body is cut in `body::read_limited`.
        .client_request_timeout(settings.header_timeout)
        .keep_alive(settings.keep_alive)
        .max_connections(per_worker(settings.max_connections, settings.workers))
        // actix treats SIGINT as a forced stop that drops in-flight requests; both SIGINT
        // and SIGTERM are handled in `run_until_stopped` as a graceful stop instead.
        .disable_signals()
        .listen(listener)
        .context("listening on the bound socket")?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers);
        }
        let metrics_server = metrics_listener
            .map(|listener| separate_metrics_server(listener, &metrics, &settings))
            .transpose()?;
        Ok(Self {
            address,
            server: server.run(),
            metrics,
            metrics_server,
            refresher,
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

    /// The address of the separate `/metrics` listener, when `Settings::metrics_bind` is
    /// set (the real port when it asked for port 0).
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_server.as_ref().map(|(address, _)| *address)
    }

    /// The server's metrics (for tests that refresh the gauges at a chosen instant).
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.metrics)
    }

    /// Serves until SIGINT or SIGTERM (or the server handle is stopped). Either signal
    /// stops gracefully: no new connections, in-flight requests finish within the shutdown
    /// timeout, then this returns `Ok`. The separate metrics listener and the gauges'
    /// refresh stop with the server.
    ///
    /// # Errors
    /// When the server fails to run, or the signal handlers cannot be installed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let handle = self.server.handle();
        // The separate metrics listener runs beside the API's and stops after it.
        let metrics = self
            .metrics_server
            .map(|(_, server)| (server.handle(), tokio::spawn(server)));
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
        if let Some((handle, task)) = metrics {
            handle.stop(true).await;
            task.await.map_err(std::io::Error::other)??;
        }
        drop(self.refresher);
        result
    }
}

/// Each worker's share of `total` connections, rounded up: actix bounds them per worker,
/// and runs one worker per CPU core unless told otherwise.
fn per_worker(total: usize, workers: Option<usize>) -> usize {
    let workers = workers.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    total.div_ceil(workers.max(1)).max(1)
}

/// The second server of `Settings::metrics_bind`: one worker serving `GET /metrics` (and
/// JSON 404s), stopped with the API's server by `Application::run_until_stopped`.
fn separate_metrics_server(
    listener: TcpListener,
    metrics: &Arc<Metrics>,
    settings: &Settings,
) -> anyhow::Result<(SocketAddr, Server)> {
    let address = listener
        .local_addr()
        .context("reading the bound metrics address")?;
    let data = web::Data::from(Arc::clone(metrics));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .configure(routes::metrics::separate)
    })
    .workers(1)
    .shutdown_timeout(settings.shutdown_timeout.as_secs())
    .disable_signals()
    .listen(listener)
    .context("listening on the bound metrics socket")?
    .run();
    Ok((address, server))
}
