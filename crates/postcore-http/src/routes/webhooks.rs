//! The webhooks resource (api.md §5.7, extension; issue 13): an account's endpoints —
//! create (the signing secret shown once), list, delete, send a `ping`, rotate the secret,
//! enable a disabled endpoint.
//! URLs pass `postcore_webhooks::check_url` with the operator's
//! `--webhook-allow-private`; an id that is unknown, malformed or another account's is
//! 404 `WEBHOOK_NOT_FOUND`, the same bytes each time.

use crate::auth::Authenticated;
use crate::extract::{InOrder, JsonBody};
use crate::{ApiError, AppState};
use actix_web::{HttpRequest, HttpResponse, web};
use postcore_api::{
    CreateWebhookBody, Message, QueuedEvent, WebhookEndpointObject, WebhookEndpointWithSecret,
    WebhookList,
};
use postcore_domain::{Timestamp, format_timestamp};
use postcore_store::ExposeSecret as _;
use postcore_store::webhooks::{
    NewWebhookEndpoint, SecretRotation, WebhookEndpoint, WebhookEventKind,
};
use postcore_webhooks::{MAX_RETIRED_SECRETS, ROTATION_OVERLAP, WebhookSecret, check_url};

/// The answer of `DELETE /webhooks/{id}`.
pub const WEBHOOK_DELETED: &str = "Webhook endpoint deleted successfully";

/// The event types an endpoint may ask for: every type but `ping`, which is always sent to
/// the endpoint it is made for.
fn subscribable() -> impl Iterator<Item = WebhookEventKind> {
    WebhookEventKind::ALL
        .into_iter()
        .filter(|k| *k != WebhookEventKind::Ping)
}

/// The wire form of a stored endpoint (never its secret).
pub fn endpoint_object(e: &WebhookEndpoint) -> WebhookEndpointObject {
    WebhookEndpointObject::new(
        &e.id,
        &e.url,
        e.events.iter().map(|k| k.as_str()),
        e.description.as_deref(),
        e.created_at,
        e.disabled.as_ref().map(|d| (d.at, d.reason.as_str())),
        e.consecutive_failures,
    )
}

/// The `{id}` path segment, when it has the shape of an endpoint id (`we_` + 16 lowercase
/// letters or digits); anything else cannot exist and is answered as an unknown id.
fn endpoint_id(req: &HttpRequest) -> Result<&str, ApiError> {
    let id = req.match_info().query("id");
    let well_formed = id.strip_prefix("we_").is_some_and(|rest| {
        rest.len() == 16
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if well_formed {
        Ok(id)
    } else {
        Err(ApiError::WebhookNotFound)
    }
}

/// `POST /webhooks`: 201 with the endpoint and its signing secret, `whsec_…`, shown only
/// in this answer. Body `{"url", "events"?, "description"?}`: `url` must be `https` to a
/// public address (with `--webhook-allow-private`, loopback and private addresses too,
/// and `http` to them); `events` lists the types it receives (absent or `null`: every
/// type); `description` is a note of 1–255 characters.
///
/// # Errors
/// 401; 413/415/408 for a body the server will not read; 400 `VALIDATION_ERROR` naming
/// the field: `url` (missing, not a string, or refused by the SSRF guard, with the rule
/// it breaks), `events` / `events[i]` (not an array, empty, or an unknown type),
/// `description`; 400 `VALIDATION_ERROR` `an account has at most 20 webhook endpoints;
/// delete one first` when the account has 20 already (the store checks it in the
/// creating transaction).
#[utoipa::path(
    post,
    path = "/webhooks",
    tag = "webhooks",
    operation_id = "create_webhook",
    security(("apiKey" = [])),
    request_body(content = crate::openapi::CreateWebhookSchema, content_type = "application/json",
        example = json!({"url": "https://app.example.com/hooks/postcore",
                         "events": ["connection.expiring", "connection.expired"],
                         "description": "production"})),
    responses(
        (status = 201, description = "The endpoint is created; its secret is shown only here",
            body = postcore_api::WebhookEndpointWithSecret,
            links(
                ("DeleteWebhook" = (operation_id = "delete_webhook", parameters(("id" = "$response.body#/id")),
                    description = "Delete the new endpoint")),
                ("TestWebhook" = (operation_id = "test_webhook", parameters(("id" = "$response.body#/id")),
                    description = "Send a ping to the new endpoint")),
                ("RotateWebhookSecret" = (operation_id = "rotate_secret", parameters(("id" = "$response.body#/id")),
                    description = "Rotate the new endpoint's secret")),
                ("EnableWebhook" = (operation_id = "enable_webhook", parameters(("id" = "$response.body#/id")),
                    description = "Enable the new endpoint (it is enabled already: nothing changes)"))
            ),
            example = json!({"id": "we_k3v9x0q2m7d1w8za", "url": "https://app.example.com/hooks/postcore",
                "events": ["connection.expiring", "connection.expired"], "description": "production",
                "createdAt": "2025-01-06T12:30:00Z", "disabled": false, "disabledAt": null,
                "disabledReason": null, "consecutiveFailures": 0,
                "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})),
        crate::openapi::errors::BadWebhookBody, crate::openapi::errors::BodyRefused, crate::openapi::errors::Unauthorized, crate::openapi::errors::RateLimited, crate::openapi::errors::Internal,
    ),
)]
pub async fn create(
    InOrder(caller, JsonBody(body)): InOrder<Authenticated, JsonBody<CreateWebhookBody>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let request = body
        .ok_or_else(|| ApiError::Validation("url is required".into()))?
        .check()
        .map_err(|e| ApiError::Validation(e.to_string()))?;
    let url = check_url(&request.url, state.webhook_allow_private)
        .map_err(|refusal| ApiError::Validation(format!("url is refused: {refusal}")))?;
    let mut events = Vec::new();
    for (i, name) in request.events.iter().flatten().enumerate() {
        let kind = subscribable().find(|k| k.as_str() == name).ok_or_else(|| {
            let names: Vec<_> = subscribable().map(WebhookEventKind::as_str).collect();
            ApiError::Validation(format!("events[{i}] must be one of: {}", names.join(", ")))
        })?;
        if !events.contains(&kind) {
            events.push(kind);
        }
    }
    events.sort_unstable();
    let secret = WebhookSecret::generate().to_text();
    let endpoint = state
        .store
        .create_webhook_endpoint(
            caller.account,
            NewWebhookEndpoint {
                url: url.as_str().to_owned(),
                events,
                description: request.description,
                secret: secret.clone(),
            },
            state.clock.now(),
        )
        .await?;
    // The URL is not logged: its path or query may hold the receiver's token.
    tracing::info!(webhook.id = %endpoint.id, "webhook endpoint created");
    Ok(HttpResponse::Created().json(WebhookEndpointWithSecret {
        endpoint: endpoint_object(&endpoint),
        secret: secret.expose_secret().to_owned(),
    }))
}

/// `GET /webhooks` (and `HEAD`): 200 `{"webhooks": [endpoint, …]}`, the caller's account's
/// endpoints by creation, then id, with their disabled state — never a secret.
///
/// # Errors
/// 401; 429 over a rate limit.
#[utoipa::path(
    get,
    path = "/webhooks",
    tag = "webhooks",
    operation_id = "list_webhooks",
    security(("apiKey" = [])),
    responses(
        (status = 200, description = "The account's endpoints, oldest first", body = postcore_api::WebhookList,
            example = json!({"webhooks": [{"id": "we_k3v9x0q2m7d1w8za", "url": "https://app.example.com/hooks/postcore",
                "events": null, "description": null, "createdAt": "2025-01-06T12:30:00Z",
                "disabled": true, "disabledAt": "2025-01-08T09:00:00Z",
                "disabledReason": "5 consecutive deliveries failed", "consecutiveFailures": 5}]})),
        crate::openapi::errors::Unauthorized, crate::openapi::errors::RateLimited, crate::openapi::errors::Internal,
    ),
)]
pub async fn list(
    caller: Authenticated,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let endpoints = state
        .store
        .list_webhook_endpoints(Some(caller.account))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        webhooks: endpoints.iter().map(endpoint_object).collect(),
    }))
}

/// `DELETE /webhooks/{id}`: 200 `{"message": "Webhook endpoint deleted successfully"}`,
/// like the API's other deletes; the endpoint goes with its pending and past deliveries.
///
/// # Errors
/// 401; 404 `WEBHOOK_NOT_FOUND` for an unknown, malformed, deleted or other account's id.
#[utoipa::path(
    delete,
    path = "/webhooks/{id}",
    tag = "webhooks",
    operation_id = "delete_webhook",
    security(("apiKey" = [])),
    params(("id" = String, Path, description = "The endpoint's id, `we_…`")),
    responses(
        (status = 200, description = "The endpoint and its deliveries are deleted",
            body = postcore_api::Message<'static>, example = json!({"message": WEBHOOK_DELETED})),
        crate::openapi::errors::Unauthorized, crate::openapi::errors::WebhookMissing, crate::openapi::errors::RateLimited, crate::openapi::errors::Internal,
    ),
)]
pub async fn delete(
    caller: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = endpoint_id(&req)?;
    state
        .store
        .delete_webhook_endpoint(caller.account, id)
        .await?;
    tracing::info!(webhook.id = %id, "webhook endpoint deleted");
    Ok(HttpResponse::Ok().json(Message {
        message: WEBHOOK_DELETED.into(),
    }))
}

/// `POST /webhooks/{id}/test`: 202 `{"eventId": "evt_…"}`; a `ping` event (`data` is
/// `{}`) is queued for this endpoint alone and delivered as any event — to a disabled
/// endpoint too (the one event that is), which is how an operator checks that its
/// receiver is back before `POST /webhooks/{id}/enable`. No body is read.
///
/// # Errors
/// 401; 404 `WEBHOOK_NOT_FOUND` as for `DELETE`.
#[utoipa::path(
    post,
    path = "/webhooks/{id}/test",
    tag = "webhooks",
    operation_id = "test_webhook",
    security(("apiKey" = [])),
    params(("id" = String, Path, description = "The endpoint's id, `we_…`")),
    responses(
        (status = 202, description = "A ping is queued for the endpoint", body = postcore_api::QueuedEvent,
            example = json!({"eventId": "evt_02bda109cb0339b70b4fcb3ed29bb145"})),
        crate::openapi::errors::Unauthorized, crate::openapi::errors::WebhookMissing, crate::openapi::errors::RateLimited, crate::openapi::errors::Internal,
    ),
)]
pub async fn test(
    caller: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = endpoint_id(&req)?;
    let event = state
        .store
        .enqueue_ping(caller.account, id, state.clock.now())
        .await?;
    tracing::info!(webhook.id = %id, event.id = %event.id, "webhook ping queued");
    Ok(HttpResponse::Accepted().json(QueuedEvent { event_id: event.id }))
}

/// `POST /webhooks/{id}/rotate-secret`: 200 with the endpoint and its new secret, shown
/// only here. The secret it replaces keeps signing beside it for 24 hours from this
/// rotation (receivers that still hold it verify meanwhile), then stops; every secret
/// retired earlier keeps its own 24 hours, so each attempt carries one `v1,` signature
/// per secret still signing. At most [`MAX_RETIRED_SECRETS`] (3) retired secrets sign at
/// once: a rotation that would retire a fourth is refused rather than cut a promised
/// window short, and is possible again when the oldest window ends (or delete the endpoint
/// and create a new one). No body is read.
///
/// # Errors
/// 401; 404 `WEBHOOK_NOT_FOUND` as for `DELETE`; 400 `VALIDATION_ERROR` while three
/// retired secrets still sign ([`rotation_refused`]'s message, from `ApiError::from`).
#[utoipa::path(
    post,
    path = "/webhooks/{id}/rotate-secret",
    tag = "webhooks",
    operation_id = "rotate_secret",
    security(("apiKey" = [])),
    params(("id" = String, Path, description = "The endpoint's id, `we_…`")),
    responses(
        (status = 200, description = "The new secret; the one it replaces signs for 24 more hours, and each retired earlier until 24 hours after its own rotation",
            body = postcore_api::WebhookEndpointWithSecret,
            example = json!({"id": "we_k3v9x0q2m7d1w8za", "url": "https://app.example.com/hooks/postcore",
                "events": null, "description": null, "createdAt": "2025-01-06T12:30:00Z",
                "disabled": false, "disabledAt": null, "disabledReason": null, "consecutiveFailures": 0,
                "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})),
        crate::openapi::errors::RotationRefused, crate::openapi::errors::Unauthorized, crate::openapi::errors::WebhookMissing, crate::openapi::errors::RateLimited, crate::openapi::errors::Internal,
    ),
)]
pub async fn rotate_secret(
    caller: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = endpoint_id(&req)?;
    let secret = WebhookSecret::generate().to_text();
    let now = state.clock.now();
    let rotation = SecretRotation {
        secret: secret.clone(),
        now,
        retired_until: now + ROTATION_OVERLAP,
        max_retired: MAX_RETIRED_SECRETS,
    };
    let endpoint = state
        .store
        .rotate_webhook_secret(caller.account, id, rotation)
        .await?;
    tracing::info!(webhook.id = %id, "webhook secret rotated");
    Ok(HttpResponse::Ok().json(WebhookEndpointWithSecret {
        endpoint: endpoint_object(&endpoint),
        secret: secret.expose_secret().to_owned(),
    }))
}

/// The message of a refused rotation: `max` retired secrets still sign, the earliest
/// until `next_at` (UTC), from when a rotation is accepted again.
pub fn rotation_refused(max: usize, next_at: Timestamp) -> String {
    format!(
        "rotate-secret is refused: at most {max} retired secrets sign beside the current one, \
         each for 24 hours after its rotation; the oldest stops signing at {}, and the secret \
         can be rotated again from then",
        format_timestamp(next_at)
    )
}

/// `POST /webhooks/{id}/enable`: 200 with the endpoint as `GET /webhooks` lists it, enabled
/// again: its disabling and its consecutive failures are cleared, so the next failed
/// delivery counts from 1. Enabling an enabled endpoint changes nothing and answers the
/// same (it is idempotent). Events that happened while it was disabled were not queued
/// for it and are not sent now; deliveries queued before it was disabled go out again,
/// each within what is left of its retry period (`--webhook-retry-hours` from its event).
/// No body is read.
///
/// # Errors
/// 401; 404 `WEBHOOK_NOT_FOUND` as for `DELETE`.
#[utoipa::path(
    post,
    path = "/webhooks/{id}/enable",
    tag = "webhooks",
    operation_id = "enable_webhook",
    security(("apiKey" = [])),
    params(("id" = String, Path, description = "The endpoint's id, `we_…`")),
    responses(
        (status = 200, description = "The endpoint, enabled (its consecutive failures at 0)",
            body = postcore_api::WebhookEndpointObject,
            example = json!({"id": "we_k3v9x0q2m7d1w8za", "url": "https://app.example.com/hooks/postcore",
                "events": null, "description": null, "createdAt": "2025-01-06T12:30:00Z",
                "disabled": false, "disabledAt": null, "disabledReason": null, "consecutiveFailures": 0})),
        crate::openapi::errors::Unauthorized, crate::openapi::errors::WebhookMissing, crate::openapi::errors::RateLimited, crate::openapi::errors::Internal,
    ),
)]
pub async fn enable(
    caller: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = endpoint_id(&req)?;
    let endpoint = state
        .store
        .set_webhook_endpoint_disabled(caller.account, id, None, state.clock.now())
        .await?;
    tracing::info!(webhook.id = %id, "webhook endpoint enabled");
    Ok(HttpResponse::Ok().json(endpoint_object(&endpoint)))
}
