//! One signed attempt to deliver one event to one endpoint: bounded in time and size, no
//! redirects, no proxy, every address checked at connect time, and the outcome classified.

use crate::resolver::{GuardedResolver, NameNotResolved, NameRefused};
use crate::signature::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, signed_headers};
use crate::{AddressClass, EventPayload, SigningKeys, UrlRefusal, check_url};
use postcore_domain::Timestamp;
use std::error::Error as _;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Limits and rules of every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliverySettings {
    /// Longest an attempt may take, from connecting to the answer's last byte read
    /// (default 10 s). A receiver that sends no status line within it is a [`DeliveryFailure::Timeout`].
    pub timeout: Duration,
    /// Longest wait for the TCP (and TLS) connection (default 5 s, never above `timeout`).
    pub connect_timeout: Duration,
    /// Most bytes of the answer's body read, then dropped (default 64 KiB); a longer body
    /// is not read further and its connection is closed. The status alone decides.
    pub max_response_bytes: usize,
    /// The operator's `POSTCORE_WEBHOOK_ALLOW_PRIVATE=true`: see [`check_url`].
    pub allow_private: bool,
    /// Names resolved from this table instead of DNS (like curl's `--resolve`), their
    /// addresses still checked: for tests and operators who pin a receiver's address.
    pub resolve_overrides: Vec<(String, IpAddr)>,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_response_bytes: 64 * 1024,
            allow_private: false,
            resolve_overrides: Vec::new(),
        }
    }
}

/// The HTTP client could not be built (the TLS backend failed to start).
#[derive(Debug, thiserror::Error)]
#[error("the webhook HTTP client could not be built")]
pub struct BuildError(#[source] reqwest::Error);

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx (Standard Webhooks, "Delivery success and failure").
    Delivered {
        /// The status, 200–299.
        status: u16,
    },
    /// Anything else.
    Failed(DeliveryFailure),
}

/// Why an attempt failed. [`DeliveryFailure::reason`] is a short text safe to show to the
/// endpoint's owner and to log: it holds no secret, no URL, no response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryFailure {
    /// The URL fails [`check_url`] under the current settings; nothing was sent.
    UrlRefused(UrlRefusal),
    /// Every address the host's name resolved to is of a refused class (DNS rebinding,
    /// or a name pointing into a private network); nothing was sent.
    AddressRefused(AddressClass),
    /// The host's name did not resolve.
    NameNotResolved,
    /// The receiver refused the TCP connection.
    ConnectionRefused,
    /// The TLS handshake failed: the receiver's certificate is not trusted (self-signed,
    /// expired, another name), or it does not speak TLS.
    Tls,
    /// The connection could not be made otherwise (unreachable, reset).
    Connect,
    /// No complete answer within [`DeliverySettings::timeout`].
    Timeout,
    /// A 3xx answer: redirects are not followed (Standard Webhooks: update the URL).
    Redirect {
        /// The status, 300–399.
        status: u16,
    },
    /// Any other non-2xx status.
    Status {
        /// The status.
        status: u16,
        /// The answer's `Retry-After` in delta-seconds, if it had one (dates are ignored).
        retry_after: Option<Duration>,
    },
    /// The connection broke after the request was sent, before a status arrived.
    Interrupted,
}

impl DeliveryFailure {
    /// A short reason, e.g. `HTTP 500`, `timed out after 10 s`, `connection refused`.
    pub fn reason(&self, settings: &DeliverySettings) -> String {
        match self {
            DeliveryFailure::UrlRefused(refusal) => refusal.to_string(),
            DeliveryFailure::AddressRefused(class) => {
                format!("the host resolves only to {class} addresses, where webhooks are not sent")
            }
            DeliveryFailure::NameNotResolved => "the host name did not resolve".to_owned(),
            DeliveryFailure::ConnectionRefused => "connection refused".to_owned(),
            DeliveryFailure::Tls => "the TLS handshake failed: the receiver's certificate is \
                                     not trusted, or it does not speak TLS"
                .to_owned(),
            DeliveryFailure::Connect => "the connection could not be made".to_owned(),
            DeliveryFailure::Timeout => {
                format!("timed out after {} ms", settings.timeout.as_millis())
            }
            DeliveryFailure::Redirect { status } => {
                format!("HTTP {status}: redirects are not followed")
            }
            DeliveryFailure::Status { status, .. } => format!("HTTP {status}"),
            DeliveryFailure::Interrupted => "the connection broke before an answer".to_owned(),
        }
    }

    /// The HTTP status the receiver answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            DeliveryFailure::Redirect { status } | DeliveryFailure::Status { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The receiver's `Retry-After`, for [`crate::RetryPolicy::next_attempt`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            DeliveryFailure::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Makes attempts. Build one per process and share it: it holds a connection pool.
///
/// Its reqwest client (rustls with ring, webpki roots) follows no redirect, uses no proxy
/// (a proxy would connect on our behalf and bypass the address check), sends
/// `user-agent: postcore-webhooks/<version>`, and resolves names through a resolver that
/// drops refused addresses ([`crate::check_address`]) and fails when none remain. An IP
/// literal host is not resolved: [`check_url`], run on every attempt, judges it.
#[derive(Debug, Clone)]
pub struct Deliverer {
    client: reqwest::Client,
    settings: DeliverySettings,
}

impl Deliverer {
    /// A deliverer with `settings`.
    ///
    /// # Errors
    /// [`BuildError`] when the TLS backend cannot start.
    pub fn new(settings: DeliverySettings) -> Result<Self, BuildError> {
        let resolver =
            GuardedResolver::new(settings.allow_private, settings.resolve_overrides.clone());
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout.min(settings.timeout))
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(resolver))
            .user_agent(concat!("postcore-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(BuildError)?;
        Ok(Self { client, settings })
    }

    /// Its settings.
    pub fn settings(&self) -> &DeliverySettings {
        &self.settings
    }

    /// One attempt: `POST url` with `payload`'s body (`content-type: application/json`),
    /// `webhook-id`, `webhook-timestamp` = `now` in Unix seconds, and `webhook-signature`
    /// signed with each of `keys` (current first, see [`crate::signing_secrets`]).
    ///
    /// Never panics and never reads the clock; at most [`DeliverySettings::timeout`] and
    /// [`DeliverySettings::max_response_bytes`] of the answer's body.
    pub async fn deliver(
        &self,
        url: &str,
        keys: &SigningKeys<'_>,
        payload: &EventPayload,
        now: Timestamp,
    ) -> DeliveryOutcome {
        let url = match check_url(url, self.settings.allow_private) {
            Ok(url) => url,
            Err(refusal) => return DeliveryOutcome::Failed(DeliveryFailure::UrlRefused(refusal)),
        };
        let headers = signed_headers(keys, payload, now.timestamp());
        let sent = self
            .client
            .post(url.url().clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(WEBHOOK_ID, headers.id)
            .header(WEBHOOK_TIMESTAMP, headers.timestamp.to_string())
            .header(WEBHOOK_SIGNATURE, headers.signature)
            .body(payload.body().to_owned())
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => return DeliveryOutcome::Failed(classify(&error)),
        };
        let status = response.status().as_u16();
        let retry_after = retry_after(&response);
        drain_bounded(response, self.settings.max_response_bytes).await;
        match status {
            200..=299 => DeliveryOutcome::Delivered { status },
            300..=399 => DeliveryOutcome::Failed(DeliveryFailure::Redirect { status }),
            _ => DeliveryOutcome::Failed(DeliveryFailure::Status {
                status,
                retry_after,
            }),
        }
    }
}

/// Reads and drops up to `limit` bytes of `response`'s body (so that a short body leaves
/// the connection reusable), and stops at once when `Content-Length` says more, or when
/// more arrives: dropping the response closes its connection. Errors end the read; the
/// status already decided the outcome.
async fn drain_bounded(mut response: reqwest::Response, limit: usize) {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return;
    }
    let mut read = 0usize;
    while let Ok(Some(chunk)) = response.chunk().await {
        read += chunk.len();
        if read > limit {
            return;
        }
    }
}

/// `Retry-After` as delta-seconds (RFC 9110 §10.2.3); an HTTP date is ignored.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?;
    let seconds: u64 = value.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// The failure a reqwest error stands for, from its kind and its cause chain. Nothing of
/// its text (which names the URL) is kept.
fn classify(error: &reqwest::Error) -> DeliveryFailure {
    let mut cause = error.source();
    while let Some(current) = cause {
        if let Some(NameRefused(class)) = current.downcast_ref::<NameRefused>() {
            return DeliveryFailure::AddressRefused(*class);
        }
        if current.is::<NameNotResolved>() {
            return DeliveryFailure::NameNotResolved;
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return DeliveryFailure::ConnectionRefused;
            }
            // A failed handshake (a rustls error: a certificate not trusted, a peer that
            // is not TLS) comes up while connecting as an InvalidData I/O error, which
            // hyper-util wraps in another I/O error (whose `source` skips the inner one).
            let inner = io
                .get_ref()
                .and_then(|e| e.downcast_ref::<std::io::Error>());
            let invalid_data = |e: &std::io::Error| e.kind() == std::io::ErrorKind::InvalidData;
            if error.is_connect() && (invalid_data(io) || inner.is_some_and(invalid_data)) {
                return DeliveryFailure::Tls;
            }
        }
        cause = current.source();
    }
    if error.is_timeout() {
        DeliveryFailure::Timeout
    } else if error.is_connect() {
        DeliveryFailure::Connect
    } else {
        DeliveryFailure::Interrupted
    }
}
