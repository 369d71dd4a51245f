//! Authentication: the `x-api-key` header to the caller's account (api.md §1, §4), as an
//! actix extractor, so a handler that takes [`Authenticated`] cannot run unauthenticated.

use crate::{ApiError, AppState};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures::future::LocalBoxFuture;
use postcore_domain::ApiKey;
use postcore_store::AccountId;

/// The header that carries the API key (api.md §1).
pub const API_KEY_HEADER: &str = "x-api-key";

/// The account of the request's API key: the first extractor of every authenticated
/// handler but `GET /profiles/{profileKey}` (see [`PresentedKey`]), so that 401 comes
/// before any other client error.
///
/// The key's value is a secret: it is never logged, never echoed, and only its SHA-256
/// digest reaches the store (through [`postcore_store::Repository::authenticate`], a point
/// read that runs on the worker thread: no hop to another thread, see ARCHITECTURE.md).
///
/// Rejections, all with the bodies of api.md §4:
/// - [`ApiError::MissingApiKey`] when the header is absent;
/// - [`ApiError::InvalidApiKey`] when it is empty, not visible ASCII, malformed (not
///   `pc_live_` + 16 to 128 base62 characters), unknown or revoked, or sent more than once
///   (two keys would make the caller ambiguous) — all answered with the same body;
/// - [`ApiError::Internal`] when the store fails;
/// - [`ApiError::RateLimitExceeded`] (429) before the key is looked at when the client
///   address has spent its failed authentications, and after the store accepted the key
///   when the key has spent its requests ([`crate::ratelimit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authenticated {
    /// The account the key belongs to.
    pub account: AccountId,
}

impl Authenticated {
    /// The API key of `req`, checked for shape only, once its client address is known
    /// not to be over the failed-authentication limit.
    ///
    /// # Errors
    /// `RateLimitExceeded` for an address over its failed-authentication limit, then
    /// `MissingApiKey`, or `InvalidApiKey` for an empty, repeated or malformed header.
    pub fn presented_key(req: &HttpRequest) -> Result<ApiKey, ApiError> {
        if let Some(state) = req.app_data::<web::Data<AppState>>() {
            state.limits.admit_address(req)?;
        }
        let mut values = req.headers().get_all(API_KEY_HEADER);
        let value = values.next().ok_or(ApiError::MissingApiKey)?;
        if values.next().is_some() {
            return Err(ApiError::InvalidApiKey);
        }
        let text = value.to_str().map_err(|_| ApiError::InvalidApiKey)?;
        ApiKey::parse(text).map_err(|_| ApiError::InvalidApiKey)
    }
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = Self::presented_key(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        Box::pin(async move {
            let key = key?;
            let state = state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("no AppState")))?;
            match state.store.authenticate(&key, state.clock.now()).await {
                Ok(Some(account)) => {
                    state.limits.admit_key(&req, &key)?;
                    Ok(Self { account })
                }
                Ok(None) => Err(ApiError::InvalidApiKey),
                Err(e) => Err(ApiError::internal(e)),
            }
        })
    }
}

/// The request's API key, checked for shape only (missing → 401 `MISSING_API_KEY`;
/// empty, repeated or malformed → 401 `INVALID_API_KEY`), after the client address's
/// failed-authentication limit (429). For handlers whose one store call authenticates in
/// the same read as its operation ([`postcore_store::Repository::get_profile_as`]), which
/// then apply the key's limit themselves
/// ([`crate::ratelimit::RateLimits::admit_key`]); every other handler takes
/// [`Authenticated`].
#[derive(Debug)]
pub struct PresentedKey(pub ApiKey);

impl FromRequest for PresentedKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Authenticated::presented_key(req).map(Self))
    }
}
