//! `GET /metrics`: the server's metrics in the Prometheus text format (README, Metrics).
//!
//! Not part of the Profiles API and not authenticated: it holds counts only (no key, no
//! profile key, no name). It is served on the API's listener, or, when
//! `--metrics-bind`/`POSTCORE_METRICS_BIND` is set, only on that second listener
//! ([`separate`]).

use crate::ApiError;
use crate::metrics::{CONTENT_TYPE, Metrics};
use actix_web::{HttpResponse, web};

/// `GET /metrics` (405 for other methods), for the API's listener.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/metrics")
            .route(super::get_and_head().to(scrape))
            .default_service(super::only("GET, HEAD")),
    );
}

/// The whole app of the separate metrics listener: `GET /metrics`, and the API's JSON
/// 404 `NOT_FOUND` for every other path.
pub fn separate(cfg: &mut web::ServiceConfig) {
    configure(cfg);
    cfg.default_service(web::to(super::not_found));
}

/// `GET /metrics`: 200 with every metric as it is now; 500 `INTERNAL_ERROR` only if they
/// cannot be encoded.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    description = "The server's metrics in the Prometheus text format (version 0.0.4): \
        requests by route pattern, method and status, their latency, and connections by \
        platform and state. No API key. When the server runs with `--metrics-bind`, this \
        is served only on that listener and this listener answers 404.",
    responses(
        (status = 200, description = "Every metric as it is now",
            content_type = "text/plain; version=0.0.4; charset=utf-8", body = String,
            example = json!("postcore_profiles 3\n")),
        (status = 404, description = "Served on the separate metrics listener instead",
            body = crate::openapi::errors::ErrorBody),
        crate::openapi::errors::Internal,
    ),
)]
pub async fn scrape(metrics: web::Data<Metrics>) -> Result<HttpResponse, ApiError> {
    let text = metrics.render().map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type(CONTENT_TYPE).body(text))
}
