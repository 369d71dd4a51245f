//! A profile's platform connections: disconnect (api.md §5.5), revoking LinkedIn's token
//! at LinkedIn when a revoke endpoint is configured.

use crate::auth::Authenticated;
use crate::extract::{InOrder, PlatformPath, ProfileKeyPath};
use crate::{ApiError, AppState};
use actix_web::{HttpResponse, web};
use postcore_api::Message;
use postcore_domain::Platform;

/// `DELETE /profiles/{profileKey}/connections/{platform}`: 200
/// `{"message": "Platform disconnected successfully"}`; the connection and its stored
/// secrets go in one transaction (api.md §5.5).
///
/// # Errors
/// 401; 400 `VALIDATION_ERROR` for a platform name other than `bluesky` or `linkedin`;
/// 404 `PROFILE_NOT_FOUND` for an unknown, malformed or other account's profile (the same
/// bytes for each); 404 `CONNECTION_NOT_FOUND` when the platform is not connected.
#[utoipa::path(
    delete,
    path = "/profiles/{profileKey}/connections/{platform}",
    tag = "connections",
    security(("apiKey" = [])),
    params(
        ("profileKey" = String, Path,
            description = "The profile's key, `prof_…`; a malformed key is answered 404 like an unknown one"),
        ("platform" = postcore_api::openapi::PlatformName, Path, description = "The platform to disconnect"),
    ),
    responses(
        (status = 200, description = "The connection and its stored secrets are deleted",
            body = postcore_api::Message<'static>, example = json!({"message": "Platform disconnected successfully"})),
        crate::openapi::errors::BadPlatform, crate::openapi::errors::Unauthorized, crate::openapi::errors::ConnectionMissing, crate::openapi::errors::RateLimited, crate::openapi::errors::Internal,
    ),
)]
pub async fn disconnect(
    InOrder(caller, InOrder(PlatformPath(platform), ProfileKeyPath(key))): InOrder<
        Authenticated,
        InOrder<PlatformPath, ProfileKeyPath>,
    >,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // LinkedIn's tokens are revoked at LinkedIn too (best effort, after the local delete).
    let revocable = match (&state.linkedin, platform) {
        (Some(linkedin), Platform::LinkedIn) => state
            .store
            .credentials(caller.account, &key, platform)
            .await
            .ok()
            .map(|c| (linkedin.clone(), [c.access_token, c.refresh_token])),
        _ => None,
    };
    state
        .store
        .disconnect(caller.account, &key, platform, state.clock.now())
        .await?;
    tracing::info!(profile.key = %key, platform = %platform, "platform disconnected");
    if let Some((linkedin, tokens)) = revocable {
        for token in tokens.iter().flatten() {
            if let Err(e) = linkedin.revoke(token).await {
                tracing::warn!(profile.key = %key, platform = %platform, error = %e,
                    "revoking a token at LinkedIn failed; the connection is deleted here");
            }
        }
    }
    Ok(HttpResponse::Ok().json(Message::PLATFORM_DISCONNECTED))
}
