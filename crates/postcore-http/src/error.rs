//! `ApiError`: every failure of the HTTP layer, rendered as the JSON envelope of api.md §4.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use postcore_store::{Conflict, Entity, StoreError};
use serde::Serialize;
use std::fmt;

/// The one error type of the HTTP layer. Each variant is one row of api.md §4; its body is
/// always `{"error": CODE, "message": TEXT}` with `Content-Type: application/json`.
///
/// Client errors carry a message safe to show. [`ApiError::Internal`] carries its cause for
/// the log only: the body says `Internal server error` and nothing else, and the cause is
/// logged once, when the response is rendered, inside the request's span.
#[derive(Debug)]
pub enum ApiError {
    /// 401 `MISSING_API_KEY`: no `x-api-key` header.
    MissingApiKey,
    /// 401 `INVALID_API_KEY`: an empty, malformed, unknown, revoked or repeated key.
    InvalidApiKey,
    /// 404 `PROFILE_NOT_FOUND`: unknown, deleted, malformed or another account's key —
    /// all answered with the same bytes, so that keys cannot be probed.
    ProfileNotFound,
    /// 400 `VALIDATION_ERROR`: the message says what is wrong and names the field.
    Validation(String),
    /// 400 `PROFILE_ALREADY_EXISTS`: another account of the platform is connected on the
    /// profile; the old connection is untouched (api.md §5.5).
    ProfileAlreadyExists,
    /// 400 `INVALID_CREDENTIALS`: the platform refused the credentials; the message starts
    /// `Invalid Bluesky credentials` and says what to do (api.md §4, §5.5).
    InvalidCredentials(String),
    /// 404 `CONNECTION_NOT_FOUND`: the platform is not connected on the profile (api.md §5.5).
    ConnectionNotFound,
    /// 404 `WEBHOOK_NOT_FOUND` (extension, api.md §5.7): an unknown, deleted, malformed or
    /// another account's webhook endpoint id — all answered with the same bytes.
    WebhookNotFound,
    /// 502 `UPSTREAM_ERROR`: the platform was unreachable, timed out, answered 5xx or 429,
    /// or gave an answer that cannot be understood. The message names the platform and holds
    /// no secret; `retry_after` (seconds) is sent as `Retry-After` when the platform gave one.
    Upstream {
        /// What happened, naming the platform.
        message: String,
        /// The platform's own `Retry-After`, in seconds.
        retry_after: Option<u64>,
    },
    /// 404 `NOT_FOUND`: no route has this path.
    RouteNotFound,
    /// 405 `METHOD_NOT_ALLOWED`: the path exists; `allowed` lists its methods (`GET, DELETE`)
    /// and is also sent as the `Allow` header.
    MethodNotAllowed {
        /// The methods the path serves, comma-separated.
        allowed: &'static str,
    },
    /// 413 `PAYLOAD_TOO_LARGE`: the body is over `limit` bytes.
    PayloadTooLarge {
        /// The largest accepted body, in bytes.
        limit: usize,
    },
    /// 415 `UNSUPPORTED_MEDIA_TYPE`: a body was sent with a type other than JSON.
    UnsupportedMediaType,
    /// 408 `REQUEST_TIMEOUT`: the request's body did not arrive whole within `seconds` of
    /// its head (RFC 9110 §15.5.9); the connection is closed after the answer.
    RequestTimeout {
        /// The body timeout, in whole seconds.
        seconds: u64,
    },
    /// 408 `REQUEST_TIMEOUT`: the request's head (request line and headers) did not arrive
    /// within the header timeout. Written by actix-http's dispatcher, never by a handler
    /// (`protocol_error_body`); the connection is closed after the answer.
    HeadTimeout,
    /// 400 `MALFORMED_REQUEST`: the request is not HTTP/1.1 that can be read (a bad request
    /// line or header, conflicting `Content-Length` and `Transfer-Encoding`, a bad chunk).
    /// Written by actix-http's dispatcher (`protocol_error_body`); the connection is
    /// closed after the answer, as nothing after the fault can be framed.
    MalformedRequest,
    /// 431 `REQUEST_HEADERS_TOO_LARGE`: more than 96 headers, or a head over 128 KiB
    /// (RFC 6585 §5). Written by actix-http's dispatcher (`protocol_error_body`); the
    /// connection is closed after the answer.
    HeadersTooLarge,
    /// 429 `RATE_LIMIT_EXCEEDED`: the API key's requests, or the client address's failed
    /// authentications, are over their limit (api.md §1, §4; [`crate::ratelimit`]). The
    /// body adds `retry_after`, also sent as `Retry-After`: whole seconds, rounded up, at
    /// least 1.
    RateLimitExceeded {
        /// Seconds until a request may succeed again.
        retry_after: u64,
    },
    /// 501 `NOT_CONFIGURED`: a platform flow whose settings the operator has not given;
    /// the message names them (api.md §4).
    NotConfigured(&'static str),
    /// 500 `INTERNAL_ERROR`: anything else. The cause is logged, never shown.
    Internal(anyhow::Error),
}

/// The wire shape of every error (api.md §4), with `retry_after` for a 429 only.
#[derive(Serialize)]
struct ErrorBody {
    error: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
}

impl ApiError {
    /// The machine-readable code, e.g. `PROFILE_NOT_FOUND`.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::MissingApiKey => "MISSING_API_KEY",
            ApiError::InvalidApiKey => "INVALID_API_KEY",
            ApiError::ProfileNotFound => "PROFILE_NOT_FOUND",
            ApiError::Validation(_) => "VALIDATION_ERROR",
            ApiError::ProfileAlreadyExists => "PROFILE_ALREADY_EXISTS",
            ApiError::InvalidCredentials(_) => "INVALID_CREDENTIALS",
            ApiError::ConnectionNotFound => "CONNECTION_NOT_FOUND",
            ApiError::WebhookNotFound => "WEBHOOK_NOT_FOUND",
            ApiError::Upstream { .. } => "UPSTREAM_ERROR",
            ApiError::NotConfigured(_) => "NOT_CONFIGURED",
            ApiError::RouteNotFound => "NOT_FOUND",
            ApiError::MethodNotAllowed { .. } => "METHOD_NOT_ALLOWED",
            ApiError::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            ApiError::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ApiError::RequestTimeout { .. } | ApiError::HeadTimeout => "REQUEST_TIMEOUT",
            ApiError::MalformedRequest => "MALFORMED_REQUEST",
            ApiError::HeadersTooLarge => "REQUEST_HEADERS_TOO_LARGE",
            ApiError::RateLimitExceeded { .. } => "RATE_LIMIT_EXCEEDED",
            ApiError::Internal(_) => "INTERNAL_ERROR",
        }
    }

    /// The human-readable message of the body (never the cause of an internal error).
    pub fn message(&self) -> String {
        match self {
            ApiError::MissingApiKey => "API key is required in x-api-key header".into(),
            ApiError::InvalidApiKey => "Invalid API key".into(),
            ApiError::ProfileNotFound => "Profile not found".into(),
            ApiError::Validation(message)
            | ApiError::InvalidCredentials(message)
            | ApiError::Upstream { message, .. } => message.clone(),
            ApiError::ProfileAlreadyExists => "Profile for this platform already exists".into(),
            ApiError::ConnectionNotFound => "Connection not found".into(),
            ApiError::WebhookNotFound => "Webhook endpoint not found".into(),
            ApiError::NotConfigured(message) => (*message).into(),
            ApiError::RouteNotFound => "Route not found".into(),
            ApiError::MethodNotAllowed { allowed } => {
                format!("Method not allowed. Allowed methods: {allowed}")
            }
            ApiError::PayloadTooLarge { limit } => {
                format!("Request body is too large: the limit is {limit} bytes")
            }
            ApiError::UnsupportedMediaType => {
                "Unsupported media type: send the body as application/json".into()
            }
            ApiError::RateLimitExceeded { retry_after } => {
                format!("Rate limit exceeded. Try again in {retry_after} seconds")
            }
            ApiError::RequestTimeout { seconds } => {
                format!(
                    "Request body timed out: the whole body must arrive within {seconds} seconds \
                     of the request's head"
                )
            }
            ApiError::HeadTimeout => "Request head timed out: the request line and headers did \
                 not arrive within the server's header timeout"
                .into(),
            ApiError::MalformedRequest => {
                "Malformed HTTP request: it could not be read as HTTP/1.1".into()
            }
            ApiError::HeadersTooLarge => {
                "Request headers are too large: at most 96 headers and 128 KiB in all".into()
            }
            ApiError::Internal(_) => "Internal server error".into(),
        }
    }

    /// An internal error with `cause`, for the log only.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        ApiError::Internal(cause.into())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Internal(cause) => write!(f, "{}: {cause:#}", self.code()),
            other => write!(f, "{}: {}", other.code(), other.message()),
        }
    }
}

impl std::error::Error for ApiError {}

impl From<StoreError> for ApiError {
    /// `NotFound(Entity::Profile)` is `PROFILE_NOT_FOUND`, `NotFound(Entity::Connection)`
    /// is `CONNECTION_NOT_FOUND`, `NotFound(Entity::WebhookEndpoint)` is
    /// `WEBHOOK_NOT_FOUND`, `Conflict(PlatformAlreadyConnected)` is
    /// `PROFILE_ALREADY_EXISTS`, `Conflict(TooManyRetiredSecrets)` (a secret rotation while
    /// three retired secrets still sign) is `VALIDATION_ERROR` naming the rule and when a
    /// rotation is possible again, `Conflict(TooManyWebhookEndpoints)` is `VALIDATION_ERROR`
    /// with the rule, `Unauthenticated` is `INVALID_API_KEY`; every other store
    /// error is internal (the server validates its input before the store sees it).
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(Entity::Profile) => ApiError::ProfileNotFound,
            StoreError::NotFound(Entity::Connection) => ApiError::ConnectionNotFound,
            StoreError::NotFound(Entity::WebhookEndpoint) => ApiError::WebhookNotFound,
            StoreError::Conflict(Conflict::PlatformAlreadyConnected) => {
                ApiError::ProfileAlreadyExists
            }
            StoreError::Conflict(Conflict::TooManyRetiredSecrets { max, next_at }) => {
                ApiError::Validation(crate::routes::webhooks::rotation_refused(max, next_at))
            }
            StoreError::Conflict(conflict @ Conflict::TooManyWebhookEndpoints) => {
                ApiError::Validation(conflict.to_string())
            }
            StoreError::Unauthenticated => ApiError::InvalidApiKey,
            other => ApiError::internal(other),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::MissingApiKey | ApiError::InvalidApiKey => StatusCode::UNAUTHORIZED,
            ApiError::ProfileNotFound
            | ApiError::RouteNotFound
            | ApiError::ConnectionNotFound
            | ApiError::WebhookNotFound => StatusCode::NOT_FOUND,
            ApiError::Validation(_)
            | ApiError::ProfileAlreadyExists
            | ApiError::InvalidCredentials(_) => StatusCode::BAD_REQUEST,
            ApiError::Upstream { .. } => StatusCode::BAD_GATEWAY,
            ApiError::NotConfigured(_) => StatusCode::NOT_IMPLEMENTED,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RequestTimeout { .. } | ApiError::HeadTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::MalformedRequest => StatusCode::BAD_REQUEST,
            ApiError::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::RateLimitExceeded { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::MethodNotAllowed { allowed } => {
                response.insert_header((header::ALLOW, *allowed));
            }
            ApiError::Upstream {
                retry_after: Some(seconds),
                ..
            }
            | ApiError::RateLimitExceeded {
                retry_after: seconds,
            } => {
                response.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            // The rest of a timed-out or badly framed body may still come, and nothing
            // after it can be framed: the connection cannot be reused.
            ApiError::RequestTimeout { .. }
            | ApiError::HeadTimeout
            | ApiError::MalformedRequest
            | ApiError::HeadersTooLarge => {
                response.force_close();
            }
            _ => {}
        }
        response.json(self.body())
    }
}

impl ApiError {
    /// The JSON body of api.md §4 for this error.
    fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.code(),
            message: self.message(),
            retry_after: match self {
                ApiError::RateLimitExceeded { retry_after } => Some(*retry_after),
                _ => None,
            },
        }
    }
}

/// The body of the answers actix-http's HTTP/1 dispatcher writes on its own, before any
/// handler runs: `400` [`ApiError::MalformedRequest`], `408` [`ApiError::HeadTimeout`] and
/// `431` [`ApiError::HeadersTooLarge`], as `application/json` with the envelope of api.md §4;
/// `None` for any other status (none is expected). Installed once per process with
/// `actix_http::h1::set_protocol_error_body`, a hook of PostCore's patched actix-http
/// (`vendor/actix-http/POSTCORE-PATCH.md`).
pub fn protocol_error_body(status: StatusCode) -> Option<(header::HeaderValue, bytes::Bytes)> {
    let error = match status {
        StatusCode::BAD_REQUEST => ApiError::MalformedRequest,
        StatusCode::REQUEST_TIMEOUT => ApiError::HeadTimeout,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => ApiError::HeadersTooLarge,
        _ => return None,
    };
    let body = serde_json::to_vec(&error.body()).ok()?;
    Some((
        header::HeaderValue::from_static("application/json"),
        bytes::Bytes::from(body),
    ))
}

mod platform;
#[cfg(test)]
mod tests;
