//! The route table (api.md §5) and the answers for unknown paths and methods (api.md §4).
//!
//! Resources are matched first: an unknown path is `404 NOT_FOUND` and a known path with a
//! method it does not serve (including `HEAD` and `OPTIONS`) is `405 METHOD_NOT_ALLOWED`,
//! both before authentication. Handlers then authenticate, then read the body, then the
//! path, so that a request's failure is decided in one fixed order.

pub mod health;
pub mod profiles;

use crate::ApiError;
use actix_web::{HttpResponse, web};

/// Registers every route, and the JSON error handlers of actix's extractors so that no
/// extractor can ever answer with actix's plain-text errors.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default().error_handler(|e, _| {
            ApiError::Validation(format!("Invalid request body: {e}")).into()
        }),
    )
    .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::ProfileNotFound.into()))
    .app_data(
        web::QueryConfig::default().error_handler(|e, _| {
            ApiError::Validation(format!("Invalid query string: {e}")).into()
        }),
    )
    .service(
        web::resource("/health")
            .route(web::get().to(health::health))
            .default_service(only("GET")),
    )
    .service(
        web::resource("/profiles")
            .route(web::get().to(profiles::list))
            .default_service(only("GET")),
    )
    .service(
        web::resource("/profiles/create")
            .route(web::post().to(profiles::create))
            .default_service(only("POST")),
    )
    .service(
        web::resource("/profiles/{profileKey}")
            .route(web::get().to(profiles::get))
            .route(web::delete().to(profiles::delete))
            .default_service(only("GET, DELETE")),
    )
    .default_service(web::to(not_found));
}

/// The answer for a known path with another method: 405 naming `allowed`.
fn only(allowed: &'static str) -> actix_web::Route {
    web::to(move || async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allowed }) })
}

/// The answer for every unknown path: 404 `NOT_FOUND`.
async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound)
}
