//! The profiles resource: list, read, create and delete (api.md §5.1–§5.4).

use crate::auth::{Authenticated, PresentedKey};
use crate::extract::{InOrder, JsonBody, MaybeProfileKey, ProfileKeyPath};
use crate::{ApiError, AppState, stream};
use actix_web::http::Version;
use actix_web::{HttpRequest, HttpResponse, web};
use futures::StreamExt as _;
use postcore_api::{CreateProfileRequest, CreatedProfile, Message, ProfileDetail};
use postcore_store::{Entity, StoreError};
use std::pin::Pin;

/// `GET /profiles`: 200 `{"profiles": [Profile, …]}` ordered by `createdAt`, then key
/// (api.md §1, §5.1), streamed from the store so that memory does not grow with the number
/// of profiles. A store failure before the first profile is a 500 `INTERNAL_ERROR`; one
/// after the body has started is logged and aborts the connection, so that a cut-off list
/// never looks complete.
///
/// # Errors
/// 401 (api.md §4); 400 `VALIDATION_ERROR` for any query parameter (the filters of the
/// §5.1 extension are not served yet, and are refused rather than ignored).
pub async fn list(
    caller: Authenticated,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    refuse_query_parameters(&req)?;
    let now = state.clock.now();
    let mut pages = postcore_store::stream_profile_pages(
        std::sync::Arc::clone(&state.store),
        caller.account,
        postcore_store::STREAM_PAGE_SIZE,
    )
    .peekable();
    if let Some(Err(_)) = Pin::new(&mut pages).peek().await
        && let Some(Err(e)) = pages.next().await
    {
        return Err(e.into());
    }
    let mut response = HttpResponse::Ok()
        .content_type(mime_json())
        .streaming(stream::profiles_body(pages.boxed(), now));
    if req.version() < Version::HTTP_11 {
        // HTTP/1.0 has no chunked encoding: the body ends when the connection closes.
        response.head_mut().no_chunking(true);
    }
    Ok(response)
}

/// `GET /profiles/{profileKey}`: 200 `{"profile": {…}, "connectedPlatforms": […]}`
/// exactly as the seed shows (api.md §5.2).
///
/// # Errors
/// 401; 404 `PROFILE_NOT_FOUND` for an unknown, malformed, deleted or other account's key;
/// 429 over a rate limit.
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
pub async fn delete(
    InOrder(caller, ProfileKeyPath(key)): InOrder<Authenticated, ProfileKeyPath>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state.store.delete_profile(caller.account, &key).await?;
    tracing::info!(profile.key = %key, "profile deleted");
    Ok(HttpResponse::Ok().json(Message::PROFILE_DELETED))
}

/// Refuses any query parameter, naming the first one.
fn refuse_query_parameters(req: &HttpRequest) -> Result<(), ApiError> {
    let query = req.query_string();
    if query.is_empty() {
        return Ok(());
    }
    let first = query.split('&').next().unwrap_or_default();
    let name = first.split('=').next().unwrap_or_default();
    let name: String = name.chars().take(64).collect();
    Err(ApiError::Validation(format!(
        "Unknown query parameter `{name}`: GET /profiles takes no query parameters"
    )))
}

/// `application/json`, the type of every answer (api.md §1).
fn mime_json() -> actix_web::http::header::ContentType {
    actix_web::http::header::ContentType::json()
}
