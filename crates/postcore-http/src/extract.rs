//! Extractors for the path and the body, answering with the API's error bodies (api.md §4).
//!
//! A handler's signature states its order of checks: actix runs extractors left to right,
//! and every handler takes [`crate::auth::Authenticated`] first, then [`JsonBody`], then
//! [`ProfileKeyPath`]: 401, then 413/415/400, then 404.

use crate::body::{optional_json, read_limited};
use crate::{ApiError, AppState};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures::future::{LocalBoxFuture, Ready, ready};
use postcore_domain::ProfileKey;
use serde::de::DeserializeOwned;

/// The `{profileKey}` segment of the path. A malformed key is answered exactly as an
/// unknown one, 404 `PROFILE_NOT_FOUND` (api.md §1), so that keys cannot be probed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileKeyPath(pub ProfileKey);

impl FromRequest for ProfileKeyPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            ProfileKey::parse(req.match_info().query("profileKey"))
                .map(Self)
                .map_err(|_| ApiError::ProfileNotFound),
        )
    }
}

/// An optional strict JSON body: `None` when the body is empty (or all whitespace),
/// else a `T` parsed from a body declared `application/json` of at most the configured
/// limit (default 64 KiB).
///
/// Rejections: 413 `PAYLOAD_TOO_LARGE` over the limit (before reading a declared length;
/// as soon as a chunked body passes it); 415 `UNSUPPORTED_MEDIA_TYPE` for a body not
/// declared JSON; 400 `VALIDATION_ERROR` for a body that is not JSON or does not fit `T`
/// (wrong types, unknown or duplicate fields — serde's message names the field), or that
/// cannot be read (a broken chunked encoding).
#[derive(Debug)]
pub struct JsonBody<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let limit = req
                .app_data::<web::Data<AppState>>()
                .map_or(crate::DEFAULT_BODY_LIMIT, |s| s.body_limit);
            let body = read_limited(&req, payload, limit).await?;
            optional_json(&req, &body).map(JsonBody)
        })
    }
}
