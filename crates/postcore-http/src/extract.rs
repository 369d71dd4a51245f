//! Extractors for the path and the body, answering with the API's error bodies (api.md §4).
//!
//! A handler's signature states its order of checks. actix polls a handler's extractors
//! together and answers with the first that fails, so a key check that waits on the store
//! would let a body error win; handlers therefore take their fallible extractors through
//! [`InOrder`], which runs them one after the other: [`crate::auth::Authenticated`], then
//! [`JsonBody`], then [`ProfileKeyPath`] — 401, then 413/415/400, then 404. A body is never
//! read for a caller that authentication refuses.

use crate::body::{optional_json, read_limited};
use crate::{ApiError, AppState};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures::future::{LocalBoxFuture, Ready, ready};
use postcore_domain::{Platform, ProfileKey};
use serde::de::DeserializeOwned;

/// Two extractors run strictly one after the other: `B` only starts once `A` has
/// succeeded, so the request's failure is always `A`'s when both would fail. Nest it for
/// three (`InOrder<Authenticated, InOrder<JsonBody<T>, ProfileKeyPath>>`).
#[derive(Debug)]
pub struct InOrder<A, B>(pub A, pub B);

impl<A, B> FromRequest for InOrder<A, B>
where
    A: FromRequest<Error = ApiError> + 'static,
    B: FromRequest<Error = ApiError> + 'static,
{
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let a = A::from_request(&req, &mut payload).await?;
            let b = B::from_request(&req, &mut payload).await?;
            Ok(InOrder(a, b))
        })
    }
}

/// The `{profileKey}` segment of the path. A malformed key is answered exactly as an
/// unknown one, 404 `PROFILE_NOT_FOUND` (api.md §1), so that keys cannot be probed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileKeyPath(pub ProfileKey);

impl FromRequest for ProfileKeyPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(path_key(req).map(Self).ok_or(ApiError::ProfileNotFound))
    }
}

/// The `{profileKey}` segment of the path, or `None` when it is malformed — for handlers
/// that must still authenticate the caller before answering 404 (api.md §4: 401 first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaybeProfileKey(pub Option<ProfileKey>);

impl FromRequest for MaybeProfileKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(path_key(req))))
    }
}

/// The `{profileKey}` segment, when it is a well-formed key.
fn path_key(req: &HttpRequest) -> Option<ProfileKey> {
    ProfileKey::parse(req.match_info().query("profileKey")).ok()
}

/// The `{platform}` segment of the path: `bluesky` or `linkedin` (api.md §2). Any other
/// name is 400 `VALIDATION_ERROR` naming the supported platforms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformPath(pub Platform);

impl FromRequest for PlatformPath {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            Platform::parse(req.match_info().query("platform"))
                .map(Self)
                .map_err(|_| {
                    ApiError::Validation(
                        "platform (in the path) must be one of: bluesky, linkedin".into(),
                    )
                }),
        )
    }
}

/// An optional strict JSON body: `None` when the body is empty (or all whitespace),
/// else a `T` parsed from a body declared `application/json` of at most the configured
/// limit (default 64 KiB).
///
/// Rejections: 413 `PAYLOAD_TOO_LARGE` over the limit (before reading a declared length;
/// as soon as a chunked body passes it); 415 `UNSUPPORTED_MEDIA_TYPE` for a body not
/// declared JSON; 400 `VALIDATION_ERROR` for a body that is not JSON or does not fit `T`
/// (wrong types, unknown or duplicate fields — serde's message names the field), or that
/// cannot be read (a broken chunked encoding).
#[derive(Debug)]
pub struct JsonBody<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let (limit, timeout) = req.app_data::<web::Data<AppState>>().map_or(
                (
                    crate::DEFAULT_BODY_LIMIT,
                    std::time::Duration::from_secs(crate::DEFAULT_BODY_TIMEOUT_SECS),
                ),
                |s| (s.body_limit, s.body_timeout),
            );
            let body = read_limited(&req, payload, limit, timeout).await?;
            optional_json(&req, &body).map(JsonBody)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    /// An extractor that waits `polls` times, then answers `outcome`.
    struct Slow<const POLLS: usize, const FAILS: bool>;

    impl<const POLLS: usize, const FAILS: bool> FromRequest for Slow<POLLS, FAILS> {
        type Error = ApiError;
        type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

        fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
            Box::pin(async {
                for _ in 0..POLLS {
                    tokio::task::yield_now().await;
                }
                if FAILS {
                    Err(ApiError::Validation(format!("failed after {POLLS} polls")))
                } else {
                    Ok(Self)
                }
            })
        }
    }

    /// `T` extracted from an empty request; its error as `CODE: message`.
    async fn outcome<T: FromRequest>() -> Result<T, String> {
        let (req, mut payload) = TestRequest::default().to_http_parts();
        T::from_request(&req, &mut payload)
            .await
            .map_err(|e| e.into().to_string())
    }

    #[tokio::test]
    async fn the_first_extractor_to_fail_in_order_wins_even_when_it_is_slower() {
        // Polled together (a plain tuple), the fast failure would win.
        let tuple = outcome::<(Slow<3, true>, Slow<0, true>)>().await.err();
        assert_eq!(
            tuple.as_deref(),
            Some("VALIDATION_ERROR: failed after 0 polls")
        );
        let ordered = outcome::<InOrder<Slow<3, true>, Slow<0, true>>>()
            .await
            .err();
        assert_eq!(
            ordered.as_deref(),
            Some("VALIDATION_ERROR: failed after 3 polls")
        );
    }

    /// Set when a `Slow<_, false>` finishes; `Probe` fails unless it was set before the
    /// probe was even created.
    static EARLIER_DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

    struct Marks;

    impl FromRequest for Marks {
        type Error = ApiError;
        type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

        fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
            Box::pin(async {
                tokio::task::yield_now().await;
                EARLIER_DONE.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(Self)
            })
        }
    }

    struct Probe;

    impl FromRequest for Probe {
        type Error = ApiError;
        type Future = Ready<Result<Self, ApiError>>;

        fn from_request(_: &HttpRequest, _: &mut Payload) -> Self::Future {
            let started_after = EARLIER_DONE.load(std::sync::atomic::Ordering::SeqCst);
            ready(if started_after {
                Ok(Self)
            } else {
                Err(ApiError::Validation(
                    "started before the earlier check ended".into(),
                ))
            })
        }
    }

    #[tokio::test]
    async fn a_later_extractor_is_created_only_after_an_earlier_one_succeeded() {
        // A plain tuple creates every extractor up front: the probe starts too early.
        EARLIER_DONE.store(false, std::sync::atomic::Ordering::SeqCst);
        let tuple = outcome::<(Marks, Probe)>().await.err();
        assert_eq!(
            tuple.as_deref(),
            Some("VALIDATION_ERROR: started before the earlier check ended")
        );
        EARLIER_DONE.store(false, std::sync::atomic::Ordering::SeqCst);
        let ordered = outcome::<InOrder<Marks, Probe>>().await;
        assert!(matches!(ordered, Ok(InOrder(Marks, Probe))));
        let nested = outcome::<InOrder<Slow<2, false>, InOrder<Slow<5, false>, Slow<0, true>>>>()
            .await
            .err();
        assert_eq!(
            nested.as_deref(),
            Some("VALIDATION_ERROR: failed after 0 polls")
        );
    }
}
