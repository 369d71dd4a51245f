//! The OpenAPI 3.1 document of the API (api.md §5.8), generated from the code: the
//! `#[utoipa::path]` attributes on the handlers in [`crate::routes`], the `ToSchema` wire
//! types of `postcore-api` (feature `openapi`), and the error responses of [`errors`].
//! [`document`] builds it; `GET /openapi.json` serves [`json`], `GET /docs` Swagger UI.

pub mod errors;

use crate::routes;
use postcore_api::ProfileObject;
use std::sync::OnceLock;
use utoipa::openapi::info::{InfoBuilder, LicenseBuilder};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr, Required};
use utoipa::{IntoResponses as _, Modify, OpenApi, ToSchema};

/// The name of the `x-api-key` security scheme (api.md §1).
pub const API_KEY_SCHEME: &str = "apiKey";
/// The name of the `apiKey` query-parameter scheme of the hosted LinkedIn start (§5.5).
pub const API_KEY_QUERY_SCHEME: &str = "apiKeyQuery";

/// Operations whose body may be left out (an empty body), though a JSON `null` is not a
/// body they read: api.md §5.3 and §5.5. utoipa would mark an `Option` body nullable.
const OPTIONAL_BODIES: &[&str] = &["/profiles/create", "/profiles/connect/linkedin"];

/// What the document says the API is, above the operations.
const DESCRIPTION: &str = "The PostCore Profiles API: profiles of an app's users, the \
social platforms (LinkedIn, Bluesky) connected to each, and when each connection expires. \
Wire-compatible with the hosted postcore API; paths marked (extension) go beyond it.\n\n\
Every endpoint but `GET /health`, `GET /openapi.json`, `GET /docs` and the browser legs of \
the LinkedIn flow needs the `x-api-key` header. Every answer is JSON with camelCase fields; \
timestamps are RFC 3339 in UTC with whole seconds. Every error is \
`{\"error\": CODE, \"message\": TEXT}` (`retry_after` too on a 429). An unknown path is \
404 `NOT_FOUND` and a method a path does not serve is 405 `METHOD_NOT_ALLOWED` with an \
`Allow` header (`components.responses`). Authenticated answers carry `X-RateLimit-Limit`, \
`X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds).";

/// The `{"profiles": […]}` body of `GET /profiles` (api.md §5.1). The server streams it
/// rather than building this struct; `nextCursor` is there only when `limit` was given.
#[derive(ToSchema)]
#[schema(as = ProfileList)]
#[expect(dead_code, reason = "a schema only: the list is streamed")]
pub struct ProfileListBody {
    /// The account's profiles, by `createdAt`, then `profileKey`.
    profiles: Vec<ProfileObject<'static>>,
    /// With `limit`: the cursor of the next page, `null` on the last page; absent without
    /// `limit`.
    next_cursor: Option<String>,
}

/// The body of `POST /webhooks` (api.md §5.7), read by hand (`postcore_api::CreateWebhookBody`):
/// a JSON object with no other field.
#[derive(ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[schema(as = CreateWebhook)]
#[expect(dead_code, reason = "a schema only: the body is read field by field")]
pub struct CreateWebhookSchema {
    /// Where events are sent: `https` to a public address (the operator may allow
    /// loopback and private addresses, and `http` to them). At most 2048 bytes, no user
    /// name or password, no fragment.
    #[schema(format = "uri", min_length = 1, max_length = 2048)]
    url: String,
    /// The event types to receive; absent or `null`: every type. Never empty.
    #[schema(min_items = 1)]
    events: Option<Vec<WebhookEventName>>,
    /// A note, 1–255 characters without control characters.
    #[schema(
        min_length = 1,
        max_length = 255,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$"
    )]
    description: Option<String>,
}

/// An event type an endpoint can ask for (`ping` is always sent to the endpoint it is
/// made for, so it is not one). `Deserialize` only so that [`CreateWebhookSchema`] can
/// take serde's `deny_unknown_fields`, which utoipa writes as `additionalProperties: false`.
#[derive(ToSchema, serde::Deserialize)]
#[schema(as = WebhookEventType)]
pub enum WebhookEventName {
    /// A threshold before `expiresAt` was reached (7 and 1 days by default).
    #[schema(rename = "connection.expiring")]
    ConnectionExpiring,
    /// `expiresAt` was reached.
    #[schema(rename = "connection.expired")]
    ConnectionExpired,
    /// Marked as needing a reconnect, or a refresh was refused.
    #[schema(rename = "connection.needs_reconnect")]
    ConnectionNeedsReconnect,
    /// Connected anew or renewed.
    #[schema(rename = "connection.connected")]
    ConnectionConnected,
    /// Disconnected.
    #[schema(rename = "connection.disconnected")]
    ConnectionDisconnected,
    /// The profile was deleted.
    #[schema(rename = "profile.deleted")]
    ProfileDeleted,
}

/// `{"status": "ok"}`: the database answers (api.md §5.6).
#[derive(ToSchema)]
#[schema(as = HealthOk)]
#[expect(dead_code, reason = "a schema only: the handler writes the JSON")]
pub struct HealthOk {
    /// Always `ok`.
    #[schema(pattern = "^ok$")]
    status: String,
}

/// `{"status": "unavailable", "error": "SERVICE_UNAVAILABLE", "message": …}`: the database
/// does not answer (api.md §5.6); the cause is logged only.
#[derive(ToSchema)]
#[schema(as = HealthUnavailable)]
#[expect(dead_code, reason = "a schema only: the handler writes the JSON")]
pub struct HealthUnavailable {
    /// Always `unavailable`.
    #[schema(pattern = "^unavailable$")]
    status: String,
    /// Always `SERVICE_UNAVAILABLE`.
    #[schema(pattern = "^SERVICE_UNAVAILABLE$")]
    error: String,
    /// `Database unavailable`.
    message: String,
}

/// The document's operations and named schemas; [`document`] adds the rest.
#[derive(OpenApi)]
#[openapi(
    paths(
        routes::health::health,
        routes::profiles::list,
        routes::profiles::get,
        routes::profiles::create,
        routes::profiles::delete,
        routes::connect::connect,
        routes::linkedin::start,
        routes::linkedin::start_in_browser,
        routes::linkedin::callback,
        routes::connections::disconnect,
        routes::webhooks::create,
        routes::webhooks::list,
        routes::webhooks::delete,
        routes::webhooks::test,
        routes::webhooks::rotate_secret,
        routes::webhooks::enable,
        routes::docs::openapi_json,
        routes::docs::swagger_ui,
        routes::metrics::scrape,
    ),
    components(schemas(errors::ErrorBody, errors::ErrorCode)),
    modifiers(&Decorations),
    tags(
        (name = "profiles", description = "Profiles and their connections (api.md §5.1–§5.4)"),
        (name = "connections", description = "Connecting and disconnecting platforms (api.md §5.5)"),
        (name = "webhooks", description = "(extension) Webhook endpoints: signed events about connections and profiles (api.md §5.7)"),
        (name = "operations", description = "Health and this document (api.md §5.6, §5.8)"),
    ),
)]
struct ApiDoc;

/// What the derive cannot say: `info`, the security schemes, the routing errors, and the
/// rate-limit headers of every authenticated answer.
struct Decorations;

impl Modify for Decorations {
    fn modify(&self, doc: &mut Document) {
        doc.info = InfoBuilder::new()
            .title("PostCore Profiles API")
            .version(env!("CARGO_PKG_VERSION"))
            .description(Some(DESCRIPTION))
            .license(Some(
                LicenseBuilder::new()
                    .name("MIT OR Apache-2.0")
                    .identifier(Some("MIT OR Apache-2.0"))
                    .build(),
            ))
            .build();
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            API_KEY_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-api-key",
                "An API key, `pc_live_…` (api.md §1).",
            ))),
        );
        components.add_security_scheme(
            API_KEY_QUERY_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "apiKey",
                "The API key in the URL, for the hosted-compatible LinkedIn start only \
                 (prefer POST /profiles/connect/linkedin); never logged.",
            ))),
        );
        for (status, response) in errors::RoutingErrors::responses() {
            let name = if status == "404" {
                "NotFound"
            } else {
                "MethodNotAllowed"
            };
            components.responses.insert(name.to_owned(), response);
        }
        for path in OPTIONAL_BODIES {
            if let Some(RefOr::T(body)) = doc
                .paths
                .paths
                .get_mut(*path)
                .and_then(|item| item.post.as_mut())
                .and_then(|operation| operation.request_body.as_mut())
            {
                body.required = Some(Required::False);
            }
        }
        for item in doc.paths.paths.values_mut() {
            for operation in operations(item) {
                let authenticated = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                if !authenticated {
                    continue;
                }
                for (status, response) in &mut operation.responses.responses {
                    if let RefOr::T(response) = response
                        && status != "401"
                    {
                        add_rate_limit_headers(&mut response.headers);
                    }
                }
            }
        }
    }
}

/// The operations of a path item, whatever their method.
fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// `X-RateLimit-Limit`, `-Remaining` and `-Reset` (api.md §1), as the hosted API sends them.
fn add_rate_limit_headers(
    headers: &mut std::collections::BTreeMap<String, RefOr<utoipa::openapi::Header>>,
) {
    let integer = |description: &str| errors::count_header(description).into();
    headers.insert(
        "X-RateLimit-Limit".into(),
        integer("Requests allowed per window for this API key."),
    );
    headers.insert(
        "X-RateLimit-Remaining".into(),
        integer("Requests left in the current window."),
    );
    headers.insert(
        "X-RateLimit-Reset".into(),
        integer("When the window resets: Unix seconds (UTC)."),
    );
}

/// The document (OpenAPI 3.1).
pub fn document() -> Document {
    ApiDoc::openapi()
}

/// The document as JSON, built once.
pub fn json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        document()
            .to_json()
            .expect("the OpenAPI document serialises to JSON")
    })
}
