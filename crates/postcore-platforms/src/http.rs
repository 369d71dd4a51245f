//! The HTTP plumbing every platform client shares: limits, the client, bounded bodies and
//! the classification of transport failures.

use crate::{
    ClientBuildError, PlatformError, ProtocolError, RetryAfter, Transient, TransientReason,
};
use postcore_domain::Platform;
use reqwest::Url;
use std::time::Duration;

/// Limits of every remote call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Longest wait for a connection (TCP and TLS) to be made.
    pub connect_timeout: Duration,
    /// Longest wait for the whole call, from connecting to the last byte of the body.
    pub total_timeout: Duration,
    /// Largest response body read, in bytes; a longer answer is a protocol error.
    pub max_response_bytes: usize,
}

impl Default for HttpLimits {
    /// 5 s to connect, 15 s in all, 1 MiB of body.
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(15),
            max_response_bytes: 1024 * 1024,
        }
    }
}

/// `url` (surrounding spaces ignored) parsed as a plain `http(s)` URL: a host, and no user,
/// password, query or fragment. Otherwise an error naming `setting`, with `example`.
pub(crate) fn plain_url(
    url: &str,
    setting: &'static str,
    example: &'static str,
) -> Result<Url, ClientBuildError> {
    let invalid = || ClientBuildError::InvalidService { setting, example };
    let url = Url::parse(url.trim()).map_err(|_| invalid())?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    plain.then_some(url).ok_or_else(invalid)
}

/// A reqwest client with the limits' timeouts, no redirects (a platform API that
/// redirects is not one we understand) and PostCore's user agent. Proxies come from the
/// environment (`HTTPS_PROXY`, `NO_PROXY`), as reqwest reads them.
pub(crate) fn build_client(limits: HttpLimits) -> Result<reqwest::Client, ClientBuildError> {
    reqwest::Client::builder()
        .connect_timeout(limits.connect_timeout)
        .timeout(limits.total_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("postcore/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(ClientBuildError::Http)
}

/// Classifies a reqwest failure (sending, or reading the body) as transient. Nothing of
/// the error's text (which names the URL) is kept.
pub(crate) fn transport_error(platform: Platform, error: &reqwest::Error) -> PlatformError {
    let reason = if error.is_timeout() {
        TransientReason::Timeout
    } else if error.is_connect() {
        TransientReason::Connect
    } else {
        TransientReason::Interrupted
    };
    PlatformError::Transient(Transient {
        platform,
        reason,
        retry_after: None,
    })
}

/// The transient failure `response`'s status means, if any: 429 or a 5xx, with the
/// answer's `Retry-After` (or `RateLimit-Reset`).
pub(crate) fn transient_status(
    platform: Platform,
    response: &reqwest::Response,
) -> Option<PlatformError> {
    let status = response.status().as_u16();
    let reason = match status {
        429 => TransientReason::RateLimited,
        500..=599 => TransientReason::ServerError(status),
        _ => return None,
    };
    Some(PlatformError::Transient(Transient {
        platform,
        reason,
        retry_after: RetryAfter::from_headers(response.headers()),
    }))
}

/// Reads `response`'s body chunk by chunk, giving up as soon as it exceeds `limit` bytes
/// (or when `Content-Length` says it will), so that a huge answer costs at most `limit`.
pub(crate) async fn read_bounded(
    platform: Platform,
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, PlatformError> {
    let too_large = || ProtocolError::error(platform, format!("response over {limit} bytes"));
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(platform, &e))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Logs the outcome of one remote call at INFO: `{call} platform=… status=… outcome=…`
/// (`accepted`, `rejected`, `transient` or `protocol`) and, for a failure, its message,
/// which holds no secret (see [`crate::PlatformError`]).
pub(crate) fn log_outcome<T>(
    platform: Platform,
    call: &str,
    status: Option<u16>,
    outcome: &Result<T, PlatformError>,
) {
    let platform = platform.as_str();
    match outcome {
        Ok(_) => tracing::info!(platform, status, outcome = "accepted", "{call}"),
        Err(error) => {
            let kind = match error {
                PlatformError::Rejected(_) => "rejected",
                PlatformError::Transient(_) => "transient",
                PlatformError::Protocol(_) => "protocol",
            };
            tracing::info!(platform, status, outcome = kind, %error, "{call}");
        }
    }
}
