//! The profiles resource: list (filtered and paged), read, create and delete (api.md §5.1–§5.4).

use crate::auth::{Authenticated, PresentedKey};
use crate::extract::{InOrder, JsonBody, MaybeProfileKey, ProfileKeyPath};
use crate::list_query::{ListQuery, PageCursor};
use crate::{ApiError, AppState, stream};
use actix_web::http::{Method, Version};
use actix_web::{HttpRequest, HttpResponse, web};
use futures::StreamExt as _;
use postcore_api::{CreateProfileRequest, CreatedProfile, Message, ProfileDetail};
use postcore_store::{Entity, ProfileCursor, StoreError};
use std::pin::Pin;

/// `GET /profiles` (and `HEAD`): 200 `{"profiles": [Profile, …]}` ordered by `createdAt`,
/// then key (api.md §1, §5.1), streamed from the store so that memory does not grow with
/// the number of profiles. Without query parameters this is the hosted service's answer,
/// byte for byte. The query ([`ListQuery`]) may filter (`platform`, `needsReconnect`,
/// `expiringWithinDays`, judged at the injected clock's `now` in the database) and start
/// after a `cursor`; with `limit` the answer is one page,
/// `{"profiles": […], "nextCursor": string or null}`, whose cursor continues the walk.
/// Without `limit` every matching profile (after the cursor, if any) is streamed, and
/// there is no `nextCursor`.
///
/// Every answer is streamed (`Transfer-Encoding: chunked` on HTTP/1.1; on HTTP/1.0 the
/// body ends when the connection closes), so `HEAD` answers the same status and headers
/// after authenticating and validating the query, without reading a single profile.
///
/// A store failure before the first profile is a 500 `INTERNAL_ERROR`; one after the body
/// has started is logged and aborts the connection, so that a cut-off list never looks
/// complete.
///
/// # Errors
/// 401 (api.md §4), then 400 `VALIDATION_ERROR` naming the first query parameter that is
/// unknown, repeated or has a bad value.
#[utoipa::path(
    get,
    path = "/profiles",
    tag = "profiles",
    security(("apiKey" = [])),
    params(
        ("platform" = Option<postcore_api::openapi::PlatformName>, Query,
            description = "(extension) Only profiles with this platform connected"),
        ("needsReconnect" = Option<bool>, Query,
            description = "(extension) Only profiles with (true) or without (false) a connection that needs a reconnect"),
        ("expiringWithinDays" = Option<u32>, Query, minimum = 0, maximum = 36500,
            description = "(extension) Only profiles with a connection whose daysUntilExpiry ≤ N, or that needs a reconnect"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000,
            description = "(extension) Page size; the body then has nextCursor"),
        ("cursor" = Option<String>, Query,
            description = "(extension) The nextCursor of the previous page"),
    ),
    responses(
        (status = 200, description = "The account's profiles, by createdAt then profileKey",
            body = crate::openapi::ProfileListBody,
            examples(
                ("seed" = (summary = "One profile with LinkedIn and Bluesky (the seed document)",
                    value = json!({"profiles": [{
                "profileKey": "prof_abc123def456",
                "profileName": "User: john@example.com",
                "createdAt": "2025-01-01T12:00:00Z",
                "connectedPlatforms": [
                    {"platform": "linkedin", "displayName": "John Doe", "username": "johndoe",
                     "connectedAt": "2025-01-01T12:30:00Z", "expiresAt": "2025-03-02T12:30:00Z",
                     "daysUntilExpiry": 55, "needsReconnect": false},
                    {"platform": "bluesky", "displayName": "johndoe.bsky.social",
                     "username": "johndoe.bsky.social", "connectedAt": "2025-01-02T10:00:00Z",
                     "expiresAt": null, "daysUntilExpiry": null, "needsReconnect": false}
                ]
            }]}))),
                ("empty" = (summary = "No profiles yet", value = json!({"profiles": []}))),
            )),
        crate::openapi::errors::BadQuery, crate::openapi::errors::Unauthorized, crate::openapi::errors::RateLimited, crate::openapi::errors::Internal,
    ),
)]
pub async fn list(
    caller: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = ListQuery::parse(req.query_string())?;
    if req.method() == Method::HEAD {
        return Ok(streamed(&req, futures::stream::empty()));
    }
    let now = state.clock.now();
    let (filter, after) = (query.filter(), query.cursor.map(|c| c.0));
    let (pages, next_cursor) = match query.limit {
        None => {
            let pages = postcore_store::stream_matching_pages(
                std::sync::Arc::clone(&state.store),
                caller.account,
                filter,
                now,
                after,
                postcore_store::STREAM_PAGE_SIZE,
            );
            (pages, None)
        }
        Some(limit) => {
            // One more than asked: whether a next page exists, without an empty last page.
            let mut page = state
                .store
                .list_profiles_page(caller.account, &filter, now, after, limit + 1)
                .await?;
            let more = page.len() > limit as usize;
            page.truncate(limit as usize);
            let next = page
                .last()
                .filter(|_| more)
                .map(|r| PageCursor(ProfileCursor::after(&r.profile)).encode());
            (futures::stream::iter([Ok(page)]).boxed(), Some(next))
        }
    };
    let mut pages = pages.peekable();
    if let Some(Err(_)) = Pin::new(&mut pages).peek().await
        && let Some(Err(e)) = pages.next().await
    {
        return Err(e.into());
    }
    Ok(streamed(
        &req,
        stream::profiles_body(pages.boxed(), now, next_cursor),
    ))
}

/// A 200 JSON answer streaming `body`: chunked on HTTP/1.1, and on HTTP/1.0 (which has no
/// chunked encoding) ended by closing the connection.
fn streamed(
    req: &HttpRequest,
    body: impl futures::Stream<Item = Result<bytes::Bytes, ApiError>> + 'static,
) -> HttpResponse {
    let mut response = HttpResponse::Ok().content_type(mime_json()).streaming(body);
    if req.version() < Version::HTTP_11 {
        response.head_mut().no_chunking(true);
    }
    response
}

/// `GET /profiles/{profileKey}`: 200 `{"profile": {…}, "connectedPlatforms": […]}`
/// exactly as the seed shows (api.md §5.2).
///
/// # Errors
/// 401; 404 `PROFILE_NOT_FOUND` for an unknown, malformed, deleted or other account's key;
/// 429 over a rate limit.
#[utoipa::path(
    get,
    path = "/profiles/{profileKey}",
    tag = "profiles",
    security(("apiKey" = [])),
    params(("profileKey" = String, Path,
            description = "The profile's key, `prof_…`; a malformed key is answered 404 like an unknown one")),
    responses(
        (status = 200, description = "The profile and its connections (the seed document)",
            body = postcore_api::ProfileDetail<'static>, example = json!({
                "profile": {"profileKey": "prof_abc123", "profileName": "User: john@example.com",
                            "createdAt": "2025-01-01T12:00:00Z"},
                "connectedPlatforms": [
                    {"platform": "linkedin", "displayName": "John Doe", "username": "johndoe",
                     "connectedAt": "2025-01-01T12:30:00Z", "expiresAt": "2025-03-02T12:30:00Z",
                     "daysUntilExpiry": 55, "needsReconnect": false}
                ]
            })),
        crate::openapi::errors::Unauthorized, crate::openapi::errors::ProfileMissing, crate::openapi::errors::RateLimited, crate::openapi::errors::Internal,
    ),
)]
pub async fn get(
    InOrder(PresentedKey(api_key), MaybeProfileKey(key)): InOrder<PresentedKey, MaybeProfileKey>,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let now = state.clock.now();
    let Some(key) = key else {
        // A malformed key cannot exist, but an unknown API key is still answered first.
        return match state.store.authenticate(&api_key, now).await? {
            Some(_) => {
                state.limits.admit_key(&req, &api_key)?;
                Err(ApiError::ProfileNotFound)
            }
            None => Err(ApiError::InvalidApiKey),
        };
    };
    // Authentication and the read share one read transaction: one trip, no hop. So the
    // key's limit is applied once the store has answered, to whatever it answered for an
    // accepted key.
    let record = state.store.get_profile_as(&api_key, now, &key).await;
    if matches!(record, Ok(_) | Err(StoreError::NotFound(Entity::Profile))) {
        state.limits.admit_key(&req, &api_key)?;
    }
    let record = record?;
    let detail = ProfileDetail::new(&record.profile, &record.connections, now);
    Ok(HttpResponse::Ok().json(detail))
}

/// `POST /profiles/create`: 201 `{"profileKey", "profileName"}` (api.md §5.3). The body
/// `{"profileName": string or null}` is optional; the name is trimmed, 1–255 characters,
/// without control characters.
///
/// # Errors
/// 401; 413 over the body limit; 415 for a non-JSON body; 400 `VALIDATION_ERROR` for bad
/// JSON, unknown fields, a wrong type or a bad name (the message names `profileName`).
#[utoipa::path(
    post,
    path = "/profiles/create",
    tag = "profiles",
    security(("apiKey" = [])),
    request_body(content = postcore_api::CreateProfileRequest, content_type = "application/json",
        description = "Optional; without a body (or with `{}`) the profile has no name",
        example = json!({"profileName": "User: john@example.com"})),
    responses(
        (status = 201, description = "The profile is created", body = postcore_api::CreatedProfile<'static>,
            links(
                ("GetProfile" = (operation_id = "get", parameters(("profileKey" = "$response.body#/profileKey")),
                    description = "Read the new profile")),
                ("DeleteProfile" = (operation_id = "delete", parameters(("profileKey" = "$response.body#/profileKey")),
                    description = "Delete the new profile")),
                ("DisconnectPlatform" = (operation_id = "disconnect", parameters(("profileKey" = "$response.body#/profileKey")),
                    description = "Disconnect a platform of the new profile"))
            ),
            example = json!({"profileKey": "prof_abc123def456", "profileName": "User: john@example.com"})),
        crate::openapi::errors::BadBody, crate::openapi::errors::BodyRefused, crate::openapi::errors::Unauthorized, crate::openapi::errors::RateLimited, crate::openapi::errors::Internal,
    ),
)]
pub async fn create(
    InOrder(caller, JsonBody(request)): InOrder<Authenticated, JsonBody<CreateProfileRequest>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let name = request
        .unwrap_or_default()
        .profile_name()
        .map_err(|e| ApiError::Validation(e.to_string()))?;
    let profile = state
        .store
        .create_profile(caller.account, None, name, state.clock.now())
        .await?;
    tracing::info!(profile.key = %profile.key(), "profile created");
    Ok(HttpResponse::Created().json(CreatedProfile::from(&profile)))
}

/// `DELETE /profiles/{profileKey}`: 200 `{"message": "Profile deleted successfully"}`;
/// the profile, its connections and their secrets go in one transaction (api.md §5.4).
///
/// # Errors
/// 401; 404 `PROFILE_NOT_FOUND` as for `GET`, and for a second delete.
#[utoipa::path(
    delete,
    path = "/profiles/{profileKey}",
    tag = "profiles",
    security(("apiKey" = [])),
    params(("profileKey" = String, Path,
            description = "The profile's key, `prof_…`; a malformed key is answered 404 like an unknown one")),
    responses(
        (status = 200, description = "The profile, its connections and their secrets are deleted",
            body = postcore_api::Message<'static>, example = json!({"message": "Profile deleted successfully"})),
        crate::openapi::errors::Unauthorized, crate::openapi::errors::ProfileMissing, crate::openapi::errors::RateLimited, crate::openapi::errors::Internal,
    ),
)]
pub async fn delete(
    InOrder(caller, ProfileKeyPath(key)): InOrder<Authenticated, ProfileKeyPath>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state
        .store
        .delete_profile(caller.account, &key, state.clock.now())
        .await?;
    tracing::info!(profile.key = %key, "profile deleted");
    Ok(HttpResponse::Ok().json(Message::PROFILE_DELETED))
}

/// `application/json`, the type of every answer (api.md §1).
fn mime_json() -> actix_web::http::header::ContentType {
    actix_web::http::header::ContentType::json()
}
