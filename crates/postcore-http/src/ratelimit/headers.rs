//! The `X-RateLimit-*` headers of authenticated answers, and the middleware that writes
//! them and counts failed authentications (api.md §1).

use super::clock::ceil_seconds;
use crate::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, web};

/// `X-RateLimit-Limit`: the key's requests per minute.
pub const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
/// `X-RateLimit-Remaining`: whole requests the key may make right now.
pub const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
/// `X-RateLimit-Reset`: Unix time in seconds (rounded up) at which the key's allowance is
/// full again.
pub const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// Where an API key stands after a request: what its `X-RateLimit-*` headers say. Put in
/// the request's extensions by [`super::RateLimits::admit_key`] once the key is accepted,
/// and written on the answer, whatever its status, by [`apply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// Requests per minute (`X-RateLimit-Limit`).
    pub limit: u32,
    /// Whole requests left right now; 0 on a refusal (`X-RateLimit-Remaining`).
    pub remaining: u32,
    /// Unix seconds, rounded up, when `remaining` is back to `limit` (`X-RateLimit-Reset`).
    pub reset: u64,
}

impl Allowance {
    /// `limit` and `remaining`, full again at `reset_nanos` (Unix nanoseconds).
    pub(crate) fn new(limit: u32, remaining: u32, reset_nanos: u64) -> Self {
        Self {
            limit,
            remaining,
            reset: ceil_seconds(reset_nanos),
        }
    }

    /// Writes the three headers into `headers`.
    pub fn write(&self, headers: &mut HeaderMap) {
        headers.insert(LIMIT, HeaderValue::from(self.limit));
        headers.insert(REMAINING, HeaderValue::from(self.remaining));
        headers.insert(RESET, HeaderValue::from(self.reset));
    }
}

/// Middleware: after the handler, counts a 401 against the client address
/// ([`super::RateLimits::record_failure`]) and writes the key's [`Allowance`], when the
/// request was authenticated, as the `X-RateLimit-*` headers — on 2xx, 4xx and streamed
/// answers alike (the headers go before the first byte of the body).
///
/// # Errors
/// Passes on the inner service's error (handlers answer errors as responses).
pub async fn apply(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    if response.status() == StatusCode::UNAUTHORIZED
        && let Some(state) = response.request().app_data::<web::Data<AppState>>()
    {
        state.limits.record_failure(response.request());
    }
    let allowance = response.request().extensions().get::<Allowance>().copied();
    if let Some(allowance) = allowance {
        allowance.write(response.headers_mut());
    }
    Ok(response)
}
