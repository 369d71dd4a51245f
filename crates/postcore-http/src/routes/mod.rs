//! The route table (api.md §5) and the answers for unknown paths and methods (api.md §4).
//!
//! Resources are matched first: an unknown path is `404 NOT_FOUND` and a known path with a
//! method it does not serve (including `HEAD` and `OPTIONS`) is `405 METHOD_NOT_ALLOWED`,
//! both before authentication. Handlers then take their extractors in one fixed order —
//! [`Authenticated`](crate::auth::Authenticated), [`JsonBody`](crate::extract::JsonBody),
//! [`ProfileKeyPath`](crate::extract::ProfileKeyPath) — so the order of checks reads from
//! each handler's signature. `GET /profiles/{profileKey}` takes `PresentedKey` and
//! `MaybeProfileKey` instead: its one store call checks the key and reads together, and it
//! still checks the key before answering 404 for a malformed profile key. No actix
//! extractor with plain-text errors is used.

pub mod connect;
pub mod connections;
pub mod health;
pub mod linkedin;
pub mod metrics;
pub mod profiles;

use crate::ApiError;
use actix_web::{HttpResponse, web};

/// Registers every route, and the JSON answers for unknown paths and methods.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
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
        web::resource("/profiles/connect")
            .route(web::post().to(connect::connect))
            .route(web::get().to(linkedin::start_in_browser))
            .default_service(only("GET, POST")),
    )
    .service(
        web::resource("/profiles/connect/linkedin")
            .route(web::post().to(linkedin::start))
            .default_service(only("POST")),
    )
    .service(
        web::resource("/oauth/linkedin/callback")
            .route(web::get().to(linkedin::callback))
            .default_service(only("GET")),
    )
    .service(
        web::resource("/profiles/{profileKey}/connections/{platform}")
            .route(web::delete().to(connections::disconnect))
            .default_service(only("DELETE")),
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
