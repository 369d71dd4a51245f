//! `/metrics`: request counts and latencies, and the connection gauges, in the Prometheus
//! text format (exposition format 0.0.4).
//!
//! Every [`Application`](crate::Application) has its own [`Metrics`] (its own
//! `prometheus::Registry`): nothing is global, so several servers in one process (the
//! tests) never see each other's figures.
//!
//! - [`record_request`], a middleware, counts each request and observes its latency,
//!   labelled by the route's pattern (`/profiles/{profileKey}`, never the path: profile keys
//!   stay out of the figures and the series stay few), the method (`other` for methods
//!   outside RFC 9110's eight), and the status. A path no route has is `unmatched`.
//! - The connection and profile gauges are set by [`Metrics::refresh`] from one
//!   aggregate store read ([`postcore_store::Repository::fleet_counts`]), at start and then
//!   on an interval ([`refresh`]): a scrape only renders what is already there.

pub mod refresh;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web;
use postcore_domain::Timestamp;
use prometheus::{
    Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry,
};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Upper bounds of the latency histogram's buckets, in seconds: from 1 ms (a point read
/// under load) to 10 s (a connect waiting on a slow platform), about ×2.5 apart.
pub const LATENCY_BUCKETS_SECONDS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The `route` label of a request that matched no route (a 404 `NOT_FOUND`).
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The `Content-Type` of the Prometheus text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// One server's metrics: the registry and the handles that record into it.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pub(crate) connections: IntGaugeVec,
    pub(crate) profiles: IntGauge,
    pub(crate) last_refresh: Gauge,
    pub(crate) refresh_failures: IntCounter,
    pub(crate) refreshed: watch::Sender<Option<Timestamp>>,
}

impl Metrics {
    /// A fresh registry with every metric registered and at zero.
    pub fn new() -> Self {
        let labels = ["method", "route", "status"];
        let requests = IntCounterVec::new(
            Opts::new("postcore_http_requests_total", "HTTP requests answered"),
            &labels,
        )
        .expect("a valid counter");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "postcore_http_request_duration_seconds",
                "Time from a request's arrival until its response head is ready, in seconds",
            )
            .buckets(LATENCY_BUCKETS_SECONDS.to_vec()),
            &labels,
        )
        .expect("a valid histogram");
        let connections = IntGaugeVec::new(
            Opts::new(
                "postcore_connections",
                "Platform connections by platform and state (ok, expiring_7d, needs_reconnect) \
                 at the last refresh",
            ),
            &["platform", "state"],
        )
        .expect("a valid gauge");
        let profiles = IntGauge::new("postcore_profiles", "Profiles at the last refresh")
            .expect("a valid gauge");
        let last_refresh = Gauge::new(
            "postcore_metrics_last_refresh_timestamp_seconds",
            "When the connection and profile gauges were last refreshed, in Unix seconds (UTC)",
        )
        .expect("a valid gauge");
        let refresh_failures = IntCounter::new(
            "postcore_metrics_refresh_failures_total",
            "Refreshes of the connection and profile gauges that failed",
        )
        .expect("a valid counter");
        let registry = Registry::new();
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(connections.clone()),
            Box::new(profiles.clone()),
            Box::new(last_refresh.clone()),
            Box::new(refresh_failures.clone()),
        ] {
            registry.register(collector).expect("distinct metric names");
        }
        Self {
            registry,
            requests,
            latency,
            connections,
            profiles,
            last_refresh,
            refresh_failures,
            refreshed: watch::Sender::new(None),
        }
    }

    /// Counts one answered request and observes its latency.
    pub fn observe(&self, method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
        self.count(method_label(method), route, status, elapsed);
    }

    /// [`Self::observe`] with the method's label already chosen.
    fn count(&self, method: &str, route: &str, status: StatusCode, elapsed: Duration) {
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Every metric in the Prometheus text format.
    ///
    /// # Errors
    /// When a metric family cannot be encoded (a bug: the names and labels are fixed).
    pub fn render(&self) -> Result<String, prometheus::Error> {
        prometheus::TextEncoder::new().encode_to_string(&self.registry.gather())
    }

    /// The `now` (UTC) of the last successful refresh of the gauges, `None` before the
    /// first; a receiver sees each refresh as it happens.
    pub fn last_refresh(&self) -> watch::Receiver<Option<Timestamp>> {
        self.refreshed.subscribe()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The `method` label: one of RFC 9110's eight methods, else `other` (a client must not be
/// able to make new series by inventing methods).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::CONNECT => "CONNECT",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// Middleware: counts each request and observes its latency (until the response head is
/// ready; a streamed body is not waited for) in the app's [`Metrics`], by route pattern,
/// method and status. Does nothing in an app without `web::Data<Metrics>`.
///
/// # Errors
/// Passes on the inner service's error, counted with its status and the `unmatched`
/// route (the request is gone with the error).
pub async fn record_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(metrics) = req.app_data::<web::Data<Metrics>>().cloned() else {
        return next.call(req).await;
    };
    let method = method_label(req.method());
    let started = Instant::now();
    let result = next.call(req).await;
    let elapsed = started.elapsed();
    match &result {
        Ok(response) => {
            let route = response.request().match_pattern();
            let route = route.as_deref().unwrap_or(UNMATCHED_ROUTE);
            metrics.count(method, route, response.status(), elapsed);
        }
        Err(e) => {
            let status = e.as_response_error().status_code();
            metrics.count(method, UNMATCHED_ROUTE, status, elapsed);
        }
    }
    result
}
