//! A platform client's failure as the API's answer (api.md §4): rejected credentials are
//! 400 `INVALID_CREDENTIALS`; everything else the platform did is 502 `UPSTREAM_ERROR`.

use super::ApiError;
use postcore_domain::{Platform, Timestamp};
use postcore_platforms::{PlatformError, TransientReason};

impl ApiError {
    /// The answer for a platform call that failed at `now` (UTC):
    /// - rejected → 400 `INVALID_CREDENTIALS` with the rejection's message, which says
    ///   what to do (e.g. use an app password);
    /// - transient (timeout, refused connection, 5xx, 429) → 502 `UPSTREAM_ERROR` naming
    ///   the platform, with the platform's `Retry-After` passed on in seconds;
    /// - protocol (an answer that cannot be understood) → 502 `UPSTREAM_ERROR`; the detail
    ///   goes to the log only.
    ///
    /// No message holds a secret: the client's errors never carry one.
    pub fn from_platform(error: PlatformError, now: Timestamp) -> Self {
        match error {
            PlatformError::Rejected(rejection) => {
                tracing::info!(reason = ?rejection.reason, "the platform refused the credentials");
                ApiError::InvalidCredentials(rejection.message())
            }
            PlatformError::Transient(t) => {
                tracing::warn!(error = %t, "the platform is unavailable");
                let name = t.platform.display_name();
                let retry_after = t.retry_after.map(|r| r.clamped_seconds_from(now));
                let message = match (t.reason, retry_after) {
                    (TransientReason::Timeout, _) => {
                        format!("{name} did not answer in time; try again later")
                    }
                    (TransientReason::Connect, _) => {
                        format!("{name} could not be reached; try again later")
                    }
                    (TransientReason::Interrupted, _) => {
                        format!("{name} broke off its answer; try again later")
                    }
                    (TransientReason::RateLimited, Some(s)) => {
                        format!("{name} is limiting the rate of requests; try again in {s} seconds")
                    }
                    (TransientReason::RateLimited, None) => {
                        format!("{name} is limiting the rate of requests; try again later")
                    }
                    (TransientReason::ServerError(status), _) => format!(
                        "{name} answered with a server error (HTTP {status}); try again later"
                    ),
                };
                ApiError::Upstream {
                    message,
                    retry_after,
                }
            }
            PlatformError::Protocol(p) => {
                tracing::warn!(error = %p, "the platform's answer could not be understood");
                ApiError::unreadable_answer(p.platform)
            }
        }
    }

    /// 502 `UPSTREAM_ERROR` for an answer of `platform` that PostCore cannot understand or
    /// keep (a protocol error, or a session whose account cannot be stored).
    pub fn unreadable_answer(platform: Platform) -> Self {
        ApiError::Upstream {
            message: format!(
                "{} gave an answer PostCore could not understand; try again later",
                platform.display_name()
            ),
            retry_after: None,
        }
    }
}
