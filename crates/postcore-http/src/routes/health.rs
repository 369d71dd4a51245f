//! `GET /health` (api.md §5.6): whether the database answers. No authentication.

use crate::AppState;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// 200 `{"status": "ok"}` when the database answers a trivial query; otherwise 503
/// `{"status": "unavailable", "error": "SERVICE_UNAVAILABLE", "message": "Database unavailable"}`
/// (the status field for probes, the error envelope of api.md §4 for clients), with the
/// cause logged only.
#[utoipa::path(
    get,
    path = "/health",
    tag = "operations",
    responses(
        (status = 200, description = "The database answers", body = crate::openapi::HealthOk,
            example = json!({"status": "ok"})),
        (status = 503, description = "The database does not answer; the cause is logged only",
            body = crate::openapi::HealthUnavailable,
            example = json!({"status": "unavailable", "error": "SERVICE_UNAVAILABLE", "message": "Database unavailable"})),
    ),
)]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    match state.store.health().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ok"})),
        Err(e) => {
            tracing::error!(error = %e, "health check failed: the database does not answer");
            HttpResponse::ServiceUnavailable().json(json!({
                "status": "unavailable",
                "error": "SERVICE_UNAVAILABLE",
                "message": "Database unavailable",
            }))
        }
    }
}
