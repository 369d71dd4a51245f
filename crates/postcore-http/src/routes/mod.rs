//! The route table (api.md §5) and the answers for unknown paths and methods (api.md §4).
//!
//! Resources are matched first: an unknown path is `404 NOT_FOUND` and a known path with a
//! method it does not serve (including `OPTIONS`) is `405 METHOD_NOT_ALLOWED` with an
//! `Allow` header (RFC 9110 §15.5.6), both before authentication. Every `GET` route also
//! answers `HEAD` ([`get_and_head`], RFC 9110 §9.3.2, api.md §1): the same handler runs,
//! and actix-http sends the status and headers the body would have (`Content-Length` of a
//! sized body, `Transfer-Encoding: chunked` of a stream) but no byte of the body; a handler
//! whose body is costly to make (`GET /profiles`) checks for `HEAD` and skips it. Handlers then take their extractors in one fixed order —
//! [`Authenticated`](crate::auth::Authenticated), [`JsonBody`](crate::extract::JsonBody),
//! [`ProfileKeyPath`](crate::extract::ProfileKeyPath) — so the order of checks reads from
//! each handler's signature. `GET /profiles/{profileKey}` takes `PresentedKey` and
//! `MaybeProfileKey` instead: its one store call checks the key and reads together, and it
//! still checks the key before answering 404 for a malformed profile key. No actix
//! extractor with plain-text errors is used.

pub mod connect;
pub mod connections;
pub mod docs;
pub mod health;
pub mod linkedin;
pub mod metrics;
pub mod profiles;
pub mod webhooks;

use crate::ApiError;
use actix_web::{HttpResponse, guard, web};

/// Registers every route, and the JSON answers for unknown paths and methods.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/health")
            .route(get_and_head().to(health::health))
            .default_service(only("GET, HEAD")),
    )
    .service(
        web::resource("/profiles")
            .route(get_and_head().to(profiles::list))
            .default_service(only("GET, HEAD")),
    )
    .service(
        web::resource("/profiles/create")
            .route(web::post().to(profiles::create))
            .default_service(only("POST")),
    )
    .service(
        web::resource("/profiles/connect")
            .route(web::post().to(connect::connect))
            .route(get_and_head().to(linkedin::start_in_browser))
            .default_service(only("GET, HEAD, POST")),
    )
    .service(
        web::resource("/profiles/connect/linkedin")
            .route(web::post().to(linkedin::start))
            .default_service(only("POST")),
    )
    .service(
        web::resource("/oauth/linkedin/callback")
            .route(get_and_head().to(linkedin::callback))
            .default_service(only("GET, HEAD")),
    )
    .service(
        web::resource("/profiles/{profileKey}/connections/{platform}")
            .route(web::delete().to(connections::disconnect))
            .default_service(only("DELETE")),
    )
    .service(
        web::resource("/profiles/{profileKey}")
            .route(get_and_head().to(profiles::get))
            .route(web::delete().to(profiles::delete))
            .default_service(only("GET, HEAD, DELETE")),
    )
    .service(
        web::resource("/webhooks")
            .route(get_and_head().to(webhooks::list))
            .route(web::post().to(webhooks::create))
            .default_service(only("GET, HEAD, POST")),
    )
    .service(
        web::resource("/webhooks/{id}/test")
            .route(web::post().to(webhooks::test))
            .default_service(only("POST")),
    )
    .service(
        web::resource("/webhooks/{id}/rotate-secret")
            .route(web::post().to(webhooks::rotate_secret))
            .default_service(only("POST")),
    )
    .service(
        web::resource("/webhooks/{id}/enable")
            .route(web::post().to(webhooks::enable))
            .default_service(only("POST")),
    )
    .service(
        web::resource("/webhooks/{id}")
            .route(web::delete().to(webhooks::delete))
            .default_service(only("DELETE")),
    )
    .configure(docs::configure)
    .default_service(web::to(not_found));
}

/// A route for `GET` and `HEAD` alike: register every `GET` handler with it, and name both
/// in the resource's 405 list (`only("GET, HEAD")`). RFC 9110 §9.3.2 makes `HEAD` a `GET`
/// without content, which actix-http enforces: it writes the head of the handler's answer
/// (with the `Content-Length` or `Transfer-Encoding` its body implies) and drops the body.
pub fn get_and_head() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// The answer for a known path with another method: 405 naming `allowed` in its message
/// and its `Allow` header (RFC 9110 §15.5.6).
pub(crate) fn only(allowed: &'static str) -> actix_web::Route {
    web::to(move || async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allowed }) })
}

/// The answer for every unknown path: 404 `NOT_FOUND`.
async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound)
}
