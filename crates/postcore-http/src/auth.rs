//! Authentication: the `x-api-key` header to the caller's account (api.md §1, §4).

use crate::{ApiError, AppState};
use actix_web::HttpRequest;
use postcore_domain::ApiKey;
use postcore_store::AccountId;

/// The header that carries the API key (api.md §1).
pub const API_KEY_HEADER: &str = "x-api-key";

/// The account of the request's API key.
///
/// The key's value is a secret: it is never logged, never echoed, and only its SHA-256
/// digest reaches the store (through [`postcore_store::Repository::authenticate`]).
///
/// # Errors
/// - [`ApiError::MissingApiKey`] when the header is absent;
/// - [`ApiError::InvalidApiKey`] when it is empty, not visible ASCII, malformed (not
///   `pc_live_` + 32 base62 characters), unknown or revoked, or sent more than once
///   (two keys would make the caller ambiguous) — all answered with the same body;
/// - [`ApiError::Internal`] when the store fails.
pub async fn authenticate(req: &HttpRequest, state: &AppState) -> Result<AccountId, ApiError> {
    let mut values = req.headers().get_all(API_KEY_HEADER);
    let value = values.next().ok_or(ApiError::MissingApiKey)?;
    if values.next().is_some() {
        return Err(ApiError::InvalidApiKey);
    }
    let text = value.to_str().map_err(|_| ApiError::InvalidApiKey)?;
    let key = ApiKey::parse(text).map_err(|_| ApiError::InvalidApiKey)?;
    match state.store.authenticate(&key, state.clock.now()).await {
        Ok(Some(account)) => Ok(account),
        Ok(None) => Err(ApiError::InvalidApiKey),
        Err(e) => Err(ApiError::internal(e)),
    }
}
