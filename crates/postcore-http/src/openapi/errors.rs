//! The error envelope of api.md §4 in the OpenAPI document: the `Error` schema, the enum of
//! its codes, and one `IntoResponses` type per set of failures that handlers list in their
//! `#[utoipa::path(responses(…))]`. Each response narrows `error` to the codes it can carry
//! and shows one example per code, with the message the server really sends.

use crate::ApiError;
use std::collections::BTreeMap;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, PartialSchema, ToSchema};

/// Every `error` code of api.md §4, in the table's order.
#[derive(ToSchema)]
#[schema(as = ErrorCode)]
pub enum ErrorCode {
    /// 401: no `x-api-key` header.
    #[schema(rename = "MISSING_API_KEY")]
    MissingApiKey,
    /// 401: an empty, malformed, unknown, revoked or repeated key.
    #[schema(rename = "INVALID_API_KEY")]
    InvalidApiKey,
    /// 404: unknown, deleted, malformed or another account's profile key.
    #[schema(rename = "PROFILE_NOT_FOUND")]
    ProfileNotFound,
    /// 400: a bad body or query parameter; the message names the field.
    #[schema(rename = "VALIDATION_ERROR")]
    ValidationError,
    /// 400: another account of the platform is connected on the profile.
    #[schema(rename = "PROFILE_ALREADY_EXISTS")]
    ProfileAlreadyExists,
    /// 400: the platform refused the credentials.
    #[schema(rename = "INVALID_CREDENTIALS")]
    InvalidCredentials,
    /// 404: the platform is not connected on the profile.
    #[schema(rename = "CONNECTION_NOT_FOUND")]
    ConnectionNotFound,
    /// 404: (extension) unknown, deleted, malformed or another account's webhook endpoint.
    #[schema(rename = "WEBHOOK_NOT_FOUND")]
    WebhookNotFound,
    /// 501: a platform flow whose settings the operator has not given.
    #[schema(rename = "NOT_CONFIGURED")]
    NotConfigured,
    /// 404: no route has this path.
    #[schema(rename = "NOT_FOUND")]
    NotFound,
    /// 405: the path exists, the method does not (see `Allow`).
    #[schema(rename = "METHOD_NOT_ALLOWED")]
    MethodNotAllowed,
    /// 413: the body is over the limit (64 KiB by default).
    #[schema(rename = "PAYLOAD_TOO_LARGE")]
    PayloadTooLarge,
    /// 415: a body sent with a type other than `application/json`.
    #[schema(rename = "UNSUPPORTED_MEDIA_TYPE")]
    UnsupportedMediaType,
    /// 408: the body did not arrive within the body timeout (30 s by default), or the head
    /// within the header timeout (5 s by default).
    #[schema(rename = "REQUEST_TIMEOUT")]
    RequestTimeout,
    /// 400: (extension) a request that cannot be read as HTTP/1.1; answered before any route.
    #[schema(rename = "MALFORMED_REQUEST")]
    MalformedRequest,
    /// 431: (extension) more than 96 headers or a head over 128 KiB; answered before any route.
    #[schema(rename = "REQUEST_HEADERS_TOO_LARGE")]
    RequestHeadersTooLarge,
    /// 429: over the rate limit; `retry_after` and `Retry-After` say when to try again.
    #[schema(rename = "RATE_LIMIT_EXCEEDED")]
    RateLimitExceeded,
    /// 502: the platform was unreachable, slow, answered 5xx or 429, or made no sense.
    #[schema(rename = "UPSTREAM_ERROR")]
    UpstreamError,
    /// 500: anything else; the details are logged, never sent.
    #[schema(rename = "INTERNAL_ERROR")]
    InternalError,
}

/// The body of every error (api.md §4): `{"error": CODE, "message": TEXT}`, and
/// `retry_after` (whole seconds, ≥ 1) on a 429.
#[derive(ToSchema)]
#[schema(as = Error)]
#[expect(dead_code, reason = "a schema only: ApiError writes the body")]
pub struct ErrorBody {
    /// The machine-readable code.
    error: ErrorCode,
    /// What happened, for people; never a secret.
    message: String,
    /// On a 429 only: seconds until a request will be accepted again.
    #[schema(minimum = 1)]
    retry_after: Option<u64>,
}

/// The code and message that the server sends for `e`.
fn sent(e: &ApiError) -> (&'static str, String) {
    (e.code(), e.message())
}

/// The `retry_after` of the 429 examples, in seconds.
const EXAMPLE_RETRY_AFTER: u64 = 30;

/// A header whose value is a whole number ≥ 0: `Retry-After` (seconds, RFC 9110 §10.2.3)
/// and the `X-RateLimit-*` headers.
pub(crate) fn count_header(description: &str) -> utoipa::openapi::Header {
    HeaderBuilder::new()
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        ))
        .description(Some(description))
        .build()
}

/// An error response whose `error` is one of `codes`, one example per code.
fn error_response(description: &str, codes: &[(&str, String)]) -> ResponseBuilder {
    let narrowed = ObjectBuilder::new().property(
        "error",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(codes.iter().map(|(code, _)| *code))),
    );
    let schema: Schema = AllOfBuilder::new()
        .item(Ref::from_schema_name("Error"))
        .item(narrowed)
        .into();
    let examples = codes.iter().map(|(code, message)| {
        let mut value = serde_json::json!({"error": code, "message": message});
        if *code == "RATE_LIMIT_EXCEEDED" {
            value["retry_after"] = EXAMPLE_RETRY_AFTER.into();
        }
        (*code, ExampleBuilder::new().value(Some(value)).build())
    });
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(schema))
            .examples_from_iter(examples)
            .build(),
    )
}

/// Defines an `IntoResponses` type for a set of failures: each row a status, a
/// description and the errors it carries.
macro_rules! failures {
    ($(#[$doc:meta])* $name:ident { $($status:literal => ($description:literal, [$($error:expr),+ $(,)?])),+ $(,)? }) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                BTreeMap::from([$((
                    $status.to_string(),
                    decorate($status, error_response($description, &[$($error),+])).build().into(),
                )),+])
            }
        }
    };
}

/// The headers a status carries besides the body: `Retry-After` on a 429 and a 502,
/// `Allow` on a 405.
fn decorate(status: &str, response: ResponseBuilder) -> ResponseBuilder {
    match status {
        "429" => response.header(
            "Retry-After",
            count_header("Seconds until a request will be accepted again (same as `retry_after`)."),
        ),
        "502" => response.header(
            "Retry-After",
            count_header("The platform's own `Retry-After`, passed on when it sent one."),
        ),
        "405" => response.header(
            "Allow",
            HeaderBuilder::new()
                .schema(Some(String::schema()))
                .description(Some("The methods the path serves, e.g. `GET, DELETE`."))
                .build(),
        ),
        _ => response,
    }
}

failures!(
    /// 401 `MISSING_API_KEY` / `INVALID_API_KEY` (api.md §4).
    Unauthorized {
        "401" => ("No API key, or not a valid one", [
            sent(&ApiError::MissingApiKey),
            sent(&ApiError::InvalidApiKey),
        ]),
    }
);

failures!(
    /// 429 `RATE_LIMIT_EXCEEDED`: over the key's limit, or too many failed
    /// authentications from the client's address (api.md §1).
    RateLimited {
        "429" => ("Too many requests", [sent(&ApiError::RateLimitExceeded {
            retry_after: EXAMPLE_RETRY_AFTER,
        })]),
    }
);

failures!(
    /// 500 `INTERNAL_ERROR` (api.md §4).
    Internal {
        "500" => ("Internal server error; the cause is logged, never sent", [
            sent(&ApiError::internal(anyhow::anyhow!("logged only"))),
        ]),
    }
);

failures!(
    /// 400 `VALIDATION_ERROR` for a query parameter (api.md §5.1).
    BadQuery {
        "400" => ("A query parameter is unknown or has a bad value; the message names it", [
            sent(&ApiError::Validation("expiringWithinDays must be an integer from 0 to 36500".into())),
        ]),
    }
);

failures!(
    /// 400 `VALIDATION_ERROR` for a `{platform}` path segment (api.md §5.5).
    BadPlatform {
        "400" => ("The platform in the path is not bluesky or linkedin", [
            sent(&ApiError::Validation("platform (in the path) must be one of: bluesky, linkedin".into())),
        ]),
    }
);

failures!(
    /// 400 `VALIDATION_ERROR` for a body (api.md §4).
    BadBody {
        "400" => ("The body is not valid JSON or breaks a rule (the message names the field), or its HTTP framing is broken", [
            sent(&ApiError::Validation("profileName must not be empty".into())),
            sent(&ApiError::MalformedRequest),
        ]),
    }
);

failures!(
    /// 413 and 415: a body the server will not read (api.md §4).
    BodyRefused {
        "413" => ("The body is over the limit (64 KiB by default)", [
            sent(&ApiError::PayloadTooLarge { limit: 65_536 }),
        ]),
        "415" => ("A body sent with a type other than application/json", [
            sent(&ApiError::UnsupportedMediaType),
        ]),
        "408" => ("The body did not arrive whole within the body timeout (30 s by default)", [
            sent(&ApiError::RequestTimeout { seconds: 30 }),
        ]),
    }
);

failures!(
    /// 404 `PROFILE_NOT_FOUND` (api.md §4): unknown, deleted, malformed or another
    /// account's profile, all with the same bytes.
    ProfileMissing {
        "404" => ("No such profile in the caller's account", [sent(&ApiError::ProfileNotFound)]),
    }
);

failures!(
    /// 404 `PROFILE_NOT_FOUND` or `CONNECTION_NOT_FOUND` (api.md §5.5).
    ConnectionMissing {
        "404" => ("No such profile, or the platform is not connected on it", [
            sent(&ApiError::ProfileNotFound),
            sent(&ApiError::ConnectionNotFound),
        ]),
    }
);

failures!(
    /// 404 `WEBHOOK_NOT_FOUND` (api.md §5.7): unknown, deleted, malformed or another
    /// account's endpoint id, all with the same bytes.
    WebhookMissing {
        "404" => ("No such webhook endpoint in the caller's account", [sent(&ApiError::WebhookNotFound)]),
    }
);

failures!(
    /// 400 `VALIDATION_ERROR` for `POST /webhooks` (api.md §5.7): a bad body, a URL the
    /// SSRF guard refuses, an unknown event type, or an account at its endpoint cap.
    BadWebhookBody {
        "400" => ("The body is not valid JSON or breaks a rule; the message names the field (`url`, `events[i]`, `description`). Also when the account has 20 endpoints already: `an account has at most 20 webhook endpoints; delete one first`", [
            sent(&ApiError::Validation("url is refused: the URL's host is a loopback address, where webhooks are not sent".into())),
            sent(&ApiError::MalformedRequest),
        ]),
    }
);

failures!(
    /// 400 `VALIDATION_ERROR` for `POST /webhooks/{id}/rotate-secret`: three retired secrets
    /// still sign (each for 24 hours after its rotation).
    RotationRefused {
        "400" => ("Three retired secrets still sign; the message says when the oldest stops and a rotation is possible again", [
            sent(&ApiError::Validation(crate::routes::webhooks::rotation_refused(
                postcore_webhooks::MAX_RETIRED_SECRETS,
                chrono::DateTime::from_timestamp(1_736_253_000, 0).unwrap_or_default(),
            ))),
        ]),
    }
);

failures!(
    /// 400 for `POST /profiles/connect` (api.md §5.5).
    ConnectRefused {
        "400" => ("A bad body, another account already connected, or credentials the platform refused", [
            sent(&ApiError::Validation("credentials.appPassword is required".into())),
            sent(&ApiError::ProfileAlreadyExists),
            sent(&ApiError::InvalidCredentials("Invalid Bluesky credentials: check the handle and the app password".into())),
        ]),
    }
);

failures!(
    /// 502 `UPSTREAM_ERROR` (api.md §4).
    Upstream {
        "502" => ("The platform was unreachable, timed out, answered 5xx or 429, or made no sense", [
            sent(&ApiError::Upstream { message: "Bluesky did not answer in time".into(), retry_after: None }),
        ]),
    }
);

failures!(
    /// 501 `NOT_CONFIGURED` (api.md §4): the LinkedIn flow without its settings.
    NotConfigured {
        "501" => ("LinkedIn is not configured on this server; the message names the settings", [
            sent(&ApiError::NotConfigured(crate::routes::linkedin::NOT_CONFIGURED)),
        ]),
    }
);

failures!(
    /// 404 `NOT_FOUND` and 405 `METHOD_NOT_ALLOWED`: any unknown path, and any method a
    /// known path does not serve (api.md §4). In `components.responses`, as they belong to
    /// no operation.
    RoutingErrors {
        "404" => ("No route has this path", [sent(&ApiError::RouteNotFound)]),
        "405" => ("The path exists but does not serve this method; `Allow` lists those it does", [
            sent(&ApiError::MethodNotAllowed { allowed: "GET, DELETE" }),
        ]),
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `ApiError` variant, so that a new one fails to compile here until its code is
    /// in [`ErrorCode`].
    fn every_error() -> Vec<ApiError> {
        let all = vec![
            ApiError::MissingApiKey,
            ApiError::InvalidApiKey,
            ApiError::ProfileNotFound,
            ApiError::Validation(String::new()),
            ApiError::ProfileAlreadyExists,
            ApiError::InvalidCredentials(String::new()),
            ApiError::ConnectionNotFound,
            ApiError::WebhookNotFound,
            ApiError::Upstream {
                message: String::new(),
                retry_after: None,
            },
            ApiError::RouteNotFound,
            ApiError::MethodNotAllowed { allowed: "GET" },
            ApiError::PayloadTooLarge { limit: 1 },
            ApiError::UnsupportedMediaType,
            ApiError::RequestTimeout { seconds: 1 },
            ApiError::HeadTimeout,
            ApiError::MalformedRequest,
            ApiError::HeadersTooLarge,
            ApiError::RateLimitExceeded { retry_after: 1 },
            ApiError::NotConfigured(""),
            ApiError::internal(anyhow::anyhow!("x")),
        ];
        for e in &all {
            match e {
                ApiError::MissingApiKey
                | ApiError::InvalidApiKey
                | ApiError::ProfileNotFound
                | ApiError::Validation(_)
                | ApiError::ProfileAlreadyExists
                | ApiError::InvalidCredentials(_)
                | ApiError::ConnectionNotFound
                | ApiError::WebhookNotFound
                | ApiError::Upstream { .. }
                | ApiError::RouteNotFound
                | ApiError::MethodNotAllowed { .. }
                | ApiError::PayloadTooLarge { .. }
                | ApiError::UnsupportedMediaType
                | ApiError::RequestTimeout { .. }
                | ApiError::HeadTimeout
                | ApiError::MalformedRequest
                | ApiError::HeadersTooLarge
                | ApiError::RateLimitExceeded { .. }
                | ApiError::NotConfigured(_)
                | ApiError::Internal(_) => {}
            }
        }
        all
    }

    #[test]
    fn every_code_the_server_sends_is_in_the_error_code_enum() {
        let schema = serde_json::to_value(ErrorCode::schema()).unwrap();
        let documented: Vec<&str> = schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let mut sent: Vec<&str> = every_error().iter().map(ApiError::code).collect();
        sent.sort_unstable();
        // Both timeouts, of the head and of the body, are `REQUEST_TIMEOUT`.
        sent.dedup();
        let mut sorted = documented.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, sent);
    }
}
