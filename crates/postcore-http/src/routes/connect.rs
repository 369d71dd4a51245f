//! `POST /profiles/connect` (api.md §5.5): connect Bluesky with a handle and an app
//! password, verified against the configured service before anything is stored.

use crate::auth::Authenticated;
use crate::extract::{InOrder, JsonBody};
use crate::{ApiError, AppState};
use actix_web::{HttpResponse, web};
use postcore_api::{ConnectBody, ConnectRequest, ConnectResponse, PlatformRequest};
use postcore_domain::{BlueskyHandle, Connection, Platform, ProfileKey, whole_seconds};
use postcore_platforms::bluesky::Identifier;
use postcore_store::{AccountId, Credentials, SecretString};

/// `POST /profiles/connect` with `{"profileKey"?, "platform": "bluesky", "credentials":
/// {"handle", "appPassword"}}`: 200 `{"profileKey", …Connected Platform}` (api.md §5.5).
///
/// In order, each step refusing before the next: the API key (401); the body (413, 415,
/// 400 `VALIDATION_ERROR` naming the field, never quoting a value); the handle, normalised
/// (trimmed, one leading `@` dropped, lowercased) and checked against the atproto handle
/// syntax (400); the profile, when named (404 `PROFILE_NOT_FOUND`, before any remote
/// call); then exactly one `com.atproto.server.createSession` call to the configured
/// service. Only then is anything written: the DID as the platform account, the session's
/// handle as `username` and `displayName`, and the app password encrypted — with a new
/// profile in the same transaction when none was named. The same DID renews in place;
/// another DID on a profile with Bluesky connected is 400 `PROFILE_ALREADY_EXISTS`.
///
/// # Errors
/// Also 400 `INVALID_CREDENTIALS` (wrong handle or app password, a main password, an
/// account taken down, suspended or deactivated; the message says what to do) and 502
/// `UPSTREAM_ERROR` (the service unreachable, slow, 5xx, 429 with its `Retry-After`, or an
/// answer that cannot be understood). On every failure nothing is stored and no existing
/// connection changes.
#[utoipa::path(
    post,
    path = "/profiles/connect",
    tag = "connections",
    security(("apiKey" = [])),
    request_body(content = postcore_api::ConnectBody, content_type = "application/json",
        example = json!({"platform": "bluesky",
            "credentials": {"handle": "johndoe.bsky.social", "appPassword": "abcd-efgh-ijkl-mnop"}})),
    responses(
        (status = 200, description = "Bluesky is connected (or renewed in place)",
            body = postcore_api::ConnectResponse<'static>,
            links(
                ("GetProfile" = (operation_id = "get", parameters(("profileKey" = "$response.body#/profileKey")),
                    description = "Read the connected profile")),
                ("DisconnectPlatform" = (operation_id = "disconnect",
                    parameters(("profileKey" = "$response.body#/profileKey"), ("platform" = "$response.body#/platform")),
                    description = "Disconnect the platform just connected"))
            ),
            example = json!({"profileKey": "prof_abc123def456", "platform": "bluesky",
                "displayName": "johndoe.bsky.social", "username": "johndoe.bsky.social",
                "connectedAt": "2025-01-02T10:00:00Z", "expiresAt": null,
                "daysUntilExpiry": null, "needsReconnect": false})),
        crate::openapi::errors::ConnectRefused, crate::openapi::errors::BodyRefused, crate::openapi::errors::Unauthorized, crate::openapi::errors::ProfileMissing,
        crate::openapi::errors::RateLimited, crate::openapi::errors::Upstream, crate::openapi::errors::Internal,
    ),
)]
pub async fn connect(
    InOrder(caller, JsonBody(body)): InOrder<Authenticated, JsonBody<ConnectBody>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let request = body
        .ok_or_else(|| {
            ApiError::Validation(
                "Request body is required: {\"profileKey\"?, \"platform\", \"credentials\"}".into(),
            )
        })?
        .check()
        .map_err(|e| ApiError::Validation(e.to_string()))?;
    let ConnectRequest {
        profile_key,
        platform,
    } = request;
    match platform {
        PlatformRequest::Bluesky {
            handle,
            app_password,
        } => {
            let handle =
                BlueskyHandle::parse(&handle).map_err(|e| ApiError::Validation(e.to_string()))?;
            let target = named_profile(&state, caller.account, profile_key).await?;
            connect_bluesky(&state, caller.account, target, &handle, app_password).await
        }
        PlatformRequest::LinkedIn => Err(ApiError::Validation(
            "platform: LinkedIn is connected by OAuth in the browser, not with this request".into(),
        )),
    }
}

/// The profile a connect request names (`Some(None)`: a string that is not a well-formed
/// key), checked to exist in the caller's account before any remote call: 404
/// `PROFILE_NOT_FOUND` otherwise, the same for unknown, malformed and other accounts' keys.
/// `None` when the request names none (a profile will be created). Shared by the Bluesky
/// connect and both LinkedIn starts.
pub(crate) async fn named_profile(
    state: &AppState,
    account: AccountId,
    key: Option<Option<ProfileKey>>,
) -> Result<Option<ProfileKey>, ApiError> {
    match key {
        None => Ok(None),
        Some(None) => Err(ApiError::ProfileNotFound),
        Some(Some(key)) => {
            state.store.get_profile(account, &key).await?;
            Ok(Some(key))
        }
    }
}

/// Verifies the credentials with the service, then stores the connection.
async fn connect_bluesky(
    state: &AppState,
    account: AccountId,
    target: Option<ProfileKey>,
    handle: &BlueskyHandle,
    app_password: SecretString,
) -> Result<HttpResponse, ApiError> {
    let session = state
        .bluesky
        .create_session(Identifier::Handle(handle), &app_password)
        .await
        .map_err(|e| ApiError::from_platform(e, state.clock.now()))?;
    // Whole seconds: the instant answered is exactly the one stored.
    let now = whole_seconds(state.clock.now());
    let connection = Connection::new(
        Platform::Bluesky,
        session.display_name,
        session.handle.as_str(),
        now,
    )
    .with_did(Some(session.did));
    // The service's DID and handle passed the atproto syntax, but a connection's text is at
    // most 255 characters (api.md §2): a longer one is an answer we cannot keep.
    if let Err(e) = connection.validate() {
        tracing::warn!(error = %e, "Bluesky's session cannot be stored as a connection");
        return Err(ApiError::unreadable_answer(Platform::Bluesky));
    }
    let credentials = Credentials {
        app_password: Some(app_password),
        ..Credentials::default()
    };
    let (key, outcome) = match target {
        Some(key) => {
            let outcome = state
                .store
                .connect(account, &key, connection.clone(), credentials)
                .await?;
            (key, format!("{outcome:?}").to_lowercase())
        }
        None => {
            let profile = state
                .store
                .connect_new_profile(account, connection.clone(), credentials, now)
                .await?;
            (
                profile.key().clone(),
                "created with a new profile".to_owned(),
            )
        }
    };
    tracing::info!(
        profile.key = %key,
        platform = %Platform::Bluesky,
        outcome = %outcome,
        "platform connected"
    );
    Ok(HttpResponse::Ok().json(ConnectResponse::new(&key, &connection, now)))
}
