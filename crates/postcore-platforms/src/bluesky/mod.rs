//! The Bluesky (atproto) client: verify a handle and app password with
//! `com.atproto.server.createSession` against a configurable service.

mod answer;
mod session;

use crate::http::{build_client, log_outcome, plain_url, read_bounded};
use crate::http::{transient_status, transport_error};
use crate::{ClientBuildError, HttpLimits, PlatformError, ProtocolError, RejectReason};
use postcore_domain::{BlueskyHandle, Platform};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// The service PostCore signs in to when none is configured: Bluesky's entryway.
pub const DEFAULT_SERVICE: &str = "https://bsky.social";

/// The platform of every error this module returns.
const PLATFORM: Platform = Platform::Bluesky;

/// A client of one atproto service (PDS or entryway). Cheap to clone: clones share one
/// connection pool.
#[derive(Clone)]
pub struct BlueskyClient {
    http: reqwest::Client,
    service: String,
    create_session_url: Url,
    limits: HttpLimits,
}

/// Who signs in: a handle (normalised) or a DID, as createSession's `identifier` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identifier<'a> {
    /// A handle such as `alice.bsky.social`.
    Handle(&'a BlueskyHandle),
    /// A DID such as `did:plc:z72i7hdynmk6r22z27h6tvur` (when re-verifying a stored
    /// connection whose handle may have changed).
    Did(&'a str),
}

impl Identifier<'_> {
    fn as_str(&self) -> &str {
        match self {
            Self::Handle(handle) => handle.as_str(),
            Self::Did(did) => did,
        }
    }
}

/// A verified Bluesky account. The session's tokens are not kept: PostCore stores the
/// app password and signs in again when it needs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlueskySession {
    /// The account's DID, its stable id (`did:plc:…`).
    pub did: String,
    /// The account's current handle, as the service reports it (normalised).
    pub handle: BlueskyHandle,
    /// The name to show: the handle, since createSession returns no display name
    /// (api.md §2: for Bluesky the seed shows the handle).
    pub display_name: String,
}

/// Checks a Bluesky service URL (`--bluesky-service`): `http` or `https`, a host, and no
/// user, password, query or fragment. Returns it trimmed, without a trailing slash.
///
/// # Errors
/// [`ClientBuildError::InvalidService`] naming `--bluesky-service`.
pub fn check_service(service: &str) -> Result<&str, ClientBuildError> {
    let service = service.trim().trim_end_matches('/');
    plain_url(service, "--bluesky-service", DEFAULT_SERVICE)?;
    Ok(service)
}

impl BlueskyClient {
    /// A client of `service`, an `http` or `https` URL (a trailing slash is ignored; a path
    /// prefix is kept), with `limits` on every call.
    ///
    /// # Errors
    /// [`ClientBuildError::InvalidService`] naming `--bluesky-service` when the URL is not
    /// http(s), has no host, or carries a user, password, query or fragment;
    /// [`ClientBuildError::Http`] when the HTTP client cannot be initialised.
    pub fn new(service: &str, limits: HttpLimits) -> Result<Self, ClientBuildError> {
        let service = check_service(service)?;
        let checked = |url: &str| plain_url(url, "--bluesky-service", DEFAULT_SERVICE);
        let create_session_url =
            checked(&format!("{service}/xrpc/com.atproto.server.createSession"))?;
        Ok(Self {
            http: build_client(limits)?,
            service: service.to_owned(),
            create_session_url,
            limits,
        })
    }

    /// The service URL, without a trailing slash.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Signs in with `POST {service}/xrpc/com.atproto.server.createSession`
    /// (`{"identifier", "password"}`): exactly one request, no retry. Succeeds only for an
    /// active account signed in with an **app password** (token scope
    /// `com.atproto.appPass` or `com.atproto.appPassPrivileged`).
    ///
    /// # Errors
    /// - [`PlatformError::Rejected`]: wrong handle or password, a main password
    ///   ([`RejectReason::NotAnAppPassword`], or [`RejectReason::SecondFactorRequired`]
    ///   when the service asks for an emailed code), an account taken down, suspended,
    ///   deactivated or otherwise inactive;
    /// - [`PlatformError::Transient`]: timeout, connection failure, 429, 5xx (with the
    ///   service's `Retry-After` or `RateLimit-Reset`);
    /// - [`PlatformError::Protocol`]: any other status (redirects are not followed), a body
    ///   over the size limit, or an answer without a valid DID, handle or access token.
    pub async fn create_session(
        &self,
        identifier: Identifier<'_>,
        app_password: &SecretString,
    ) -> Result<BlueskySession, PlatformError> {
        tracing::debug!(platform = "bluesky", service = %self.service, "createSession: sending");
        let (status, outcome) = self.send_create_session(identifier, app_password).await;
        log_outcome(PLATFORM, "createSession", status, &outcome);
        outcome
    }

    /// The request and the classification of its answer, with the status when one came.
    async fn send_create_session(
        &self,
        identifier: Identifier<'_>,
        app_password: &SecretString,
    ) -> (Option<u16>, Result<BlueskySession, PlatformError>) {
        let body = serde_json::json!({
            "identifier": identifier.as_str(),
            "password": app_password.expose_secret(),
        });
        let sent = self
            .http
            .post(self.create_session_url.clone())
            .json(&body)
            .send()
            .await;
        drop(body);
        let response = match sent {
            Ok(response) => response,
            Err(error) => return (None, Err(transport_error(PLATFORM, &error))),
        };
        let status = response.status().as_u16();
        if let Some(error) = transient_status(PLATFORM, &response) {
            return (Some(status), Err(error));
        }
        let outcome = match status {
            200 | 400 | 401 | 403 => {
                let limit = self.limits.max_response_bytes;
                match read_bounded(PLATFORM, response, limit).await {
                    Ok(bytes) if status == 200 => session::parse(&bytes),
                    Ok(bytes) => Err(answer::refusal(status, &bytes)),
                    Err(error) => Err(error),
                }
            }
            other => Err(ProtocolError::error(
                PLATFORM,
                format!("createSession answered status {other}"),
            )),
        };
        (Some(status), outcome)
    }
}

impl fmt::Debug for BlueskyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlueskyClient")
            .field("service", &self.service)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A rejection by Bluesky.
fn rejected(reason: RejectReason) -> PlatformError {
    PlatformError::Rejected(crate::Rejection {
        platform: PLATFORM,
        reason,
    })
}
