//! The outcomes of a failed remote call: rejected, transient or protocol (design.md, Errors).
//!
//! Every message names the platform and holds no secret and no response body content: the
//! server shows `Rejection::message` to API clients and logs the others.

use crate::RetryAfter;
use postcore_domain::Platform;
use std::fmt;

/// Why a call to a platform failed. Exactly one of three kinds, so that callers decide once:
/// a rejection marks stored credentials as needing a reconnect; a transient failure or a
/// protocol error changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// The platform said the credentials are wrong or the account cannot be used.
    #[error(transparent)]
    Rejected(Rejection),
    /// The platform could not answer now: timeout, refused connection, 5xx, 429.
    #[error(transparent)]
    Transient(Transient),
    /// The platform answered something PostCore cannot understand.
    #[error(transparent)]
    Protocol(ProtocolError),
}

impl PlatformError {
    /// The platform that failed.
    pub fn platform(&self) -> Platform {
        match self {
            Self::Rejected(r) => r.platform,
            Self::Transient(t) => t.platform,
            Self::Protocol(p) => p.platform,
        }
    }

    /// When to try again, if the platform said (transient failures only).
    pub fn retry_after(&self) -> Option<&RetryAfter> {
        match self {
            Self::Transient(t) => t.retry_after.as_ref(),
            Self::Rejected(_) | Self::Protocol(_) => None,
        }
    }
}

/// A definite refusal of the credentials or the account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct Rejection {
    /// The platform that refused.
    pub platform: Platform,
    /// What the platform said.
    pub reason: RejectReason,
}

/// What a platform's refusal means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// Unknown account, or wrong (or revoked) password.
    InvalidCredentials,
    /// The account's main password was given where an app password is required.
    NotAnAppPassword,
    /// The platform demands a second factor: a main password was given (app passwords
    /// never need one).
    SecondFactorRequired,
    /// The account was taken down by the platform's moderation.
    AccountTakenDown,
    /// The account is suspended.
    AccountSuspended,
    /// The account was deactivated by its owner.
    AccountDeactivated,
    /// The account is not active, for another or no stated reason.
    AccountUnusable,
    /// The OAuth token endpoint answered `invalid_grant` (RFC 6749 §5.2): the authorization
    /// code or refresh token is expired, already used, or revoked.
    InvalidGrant,
    /// The platform refused a freshly issued access token (401 from the OpenID Connect
    /// userinfo endpoint, OpenID Connect Core §5.3.3 and RFC 6750 §3.1 `invalid_token`): the
    /// member revoked the grant, or the token died, right after it was issued.
    AccessRevoked,
}

/// Where Bluesky users create an app password.
const BLUESKY_APP_PASSWORDS: &str = "Settings → Privacy and security → App passwords";

impl Rejection {
    /// The user-facing explanation: starts with `Invalid <Platform> credentials` (api.md §4)
    /// and says what to do.
    pub fn message(&self) -> String {
        let name = self.platform.display_name();
        let what = match self.reason {
            RejectReason::InvalidCredentials => format!(
                "the handle or app password is wrong. Check the handle and create an app password in {name} under {BLUESKY_APP_PASSWORDS}."
            ),
            RejectReason::NotAnAppPassword => format!(
                "this is the account's main password; connect with an app password instead (create one in {name} under {BLUESKY_APP_PASSWORDS})."
            ),
            RejectReason::SecondFactorRequired => format!(
                "{name} asked for a sign-in code, so this is the account's main password; connect with an app password instead (create one in {name} under {BLUESKY_APP_PASSWORDS})."
            ),
            RejectReason::AccountTakenDown => {
                format!("the account has been taken down by {name} and cannot be connected.")
            }
            RejectReason::AccountSuspended => {
                "the account is suspended and cannot be connected until the suspension ends."
                    .to_owned()
            }
            RejectReason::AccountDeactivated => {
                format!("the account is deactivated; reactivate it in {name}, then connect again.")
            }
            RejectReason::AccountUnusable => {
                "the account is not active on its server and cannot be connected.".to_owned()
            }
            RejectReason::InvalidGrant => format!(
                "{name} no longer accepts this authorization (it expired, was already used or was revoked). Connect {name} again and allow access."
            ),
            RejectReason::AccessRevoked => format!(
                "{name} refused the access it had just granted (it was revoked or has expired). Connect {name} again and allow access."
            ),
        };
        format!("Invalid {name} credentials: {what}")
    }
}

/// A failure that may pass: try again later (after `retry_after` when given).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Transient {
    /// The platform that could not answer.
    pub platform: Platform,
    /// What went wrong.
    pub reason: TransientReason,
    /// When the platform said to try again (`Retry-After`, or atproto's `RateLimit-Reset`).
    pub retry_after: Option<RetryAfter>,
}

/// What kind of transient failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransientReason {
    /// No whole answer within the connect or total timeout.
    Timeout,
    /// The connection could not be made (refused, unreachable, DNS failure, TLS handshake).
    Connect,
    /// 429 Too Many Requests.
    RateLimited,
    /// A 5xx status, with its code.
    ServerError(u16),
    /// The connection broke before the whole answer arrived.
    Interrupted,
}

impl fmt::Display for Transient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.platform.display_name();
        match self.reason {
            TransientReason::Timeout => write!(f, "{name} did not answer in time"),
            TransientReason::Connect => write!(f, "{name} could not be reached"),
            TransientReason::RateLimited => write!(f, "{name} is limiting requests (429)"),
            TransientReason::ServerError(code) => write!(f, "{name} answered {code}"),
            TransientReason::Interrupted => {
                write!(
                    f,
                    "the connection to {name} broke before its answer was complete"
                )
            }
        }?;
        match &self.retry_after {
            Some(after) => write!(f, "; retry {after}"),
            None => Ok(()),
        }
    }
}

/// An answer that does not follow the platform's protocol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} gave an answer PostCore cannot understand: {detail}", platform.display_name())]
pub struct ProtocolError {
    /// The platform that answered.
    pub platform: Platform,
    /// A short description written by PostCore (never the body, never a secret).
    pub detail: String,
}

impl ProtocolError {
    /// A [`PlatformError::Protocol`] of `platform` with a description.
    pub(crate) fn error(platform: Platform, detail: impl Into<String>) -> PlatformError {
        PlatformError::Protocol(Self {
            platform,
            detail: detail.into(),
        })
    }
}

/// A client that cannot be built from its settings.
#[derive(Debug, thiserror::Error)]
pub enum ClientBuildError {
    /// The service setting is not a plain `http` or `https` URL.
    #[error(
        "{setting}: must be an http or https URL without user, password, query or fragment, such as {example}"
    )]
    InvalidService {
        /// The command-line flag of the setting, e.g. `--bluesky-service`.
        setting: &'static str,
        /// A valid value.
        example: &'static str,
    },
    /// The HTTP client could not be initialised (TLS set-up).
    #[error("the HTTP client could not be initialised")]
    Http(#[source] reqwest::Error),
}
