//! Logging: the tracing subscriber (to stderr) and the per-request log middleware.
//!
//! Each request runs in a `request` span with a fresh `request_id` (UUID v4, also sent
//! back as the `x-request-id` header), the method and the path; when the answer is ready
//! one `request finished` line adds the status and the latency in milliseconds. Headers
//! and query strings are never logged: they can carry API keys.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::io::IsTerminal as _;
use std::time::Instant;
use tracing::Instrument as _;

mod protocol;

/// The log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Installs the global subscriber: `filter` is an `EnvFilter` directive such as `info` or
/// `postcore_http=debug,info`; lines go to stderr so that stdout stays clean. Requests
/// refused at the protocol level are logged at WARN, at most once a second
/// (README, "Slow clients, connections and malformed requests").
///
/// # Errors
/// When `filter` does not parse or a global subscriber is already installed.
pub fn init(filter: &str, format: LogFormat) -> anyhow::Result<()> {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .map_err(|e| anyhow::anyhow!("invalid log filter {filter:?}: {e}"))?;
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let lines = match format {
        LogFormat::Pretty => lines.boxed(),
        LogFormat::Json => lines.json().with_current_span(true).boxed(),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(
            lines.with_filter(tracing_subscriber::filter::filter_fn(|meta| {
                !protocol::is_refusal(meta)
            })),
        )
        .with(protocol::install())
        .try_init()
        .map_err(|e| anyhow::anyhow!("installing the log subscriber: {e}"))
}

/// `path` with anything shaped like an API key (`pc_live_` and what follows up to the next
/// `/`) replaced by `pc_live_[redacted]`: a key pasted into a URL must not reach the log.
pub fn redact_api_keys(path: &str) -> std::borrow::Cow<'_, str> {
    const PREFIX: &str = "pc_live_";
    if !path.contains(PREFIX) {
        return std::borrow::Cow::Borrowed(path);
    }
    let redacted: Vec<String> = path
        .split('/')
        .map(|segment| match segment.find(PREFIX) {
            Some(i) => format!("{}{PREFIX}[redacted]", &segment[..i]),
            None => segment.to_owned(),
        })
        .collect();
    std::borrow::Cow::Owned(redacted.join("/"))
}

/// Middleware: runs the request in its `request` span and logs its status and latency.
///
/// # Errors
/// Passes on the inner service's error (handlers answer errors as responses, so this is
/// only actix's own failures).
pub async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = uuid::Uuid::new_v4();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %redact_api_keys(req.path()),
    );
    let started = Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let _entered = span.enter();
    match result {
        Ok(mut response) => {
            tracing::info!(
                status = response.status().as_u16(),
                latency_ms,
                "request finished"
            );
            let mut buffer = uuid::Uuid::encode_buffer();
            if let Ok(value) =
                HeaderValue::from_str(request_id.hyphenated().encode_lower(&mut buffer))
            {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static("x-request-id"), value);
            }
            Ok(response)
        }
        Err(e) => {
            let status = e.as_response_error().status_code().as_u16();
            tracing::error!(status, latency_ms, error = %e, "request failed");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact_api_keys;

    #[test]
    fn api_keys_in_paths_are_redacted_for_the_log() {
        assert_eq!(redact_api_keys("/profiles/prof_abc"), "/profiles/prof_abc");
        assert_eq!(
            redact_api_keys("/profiles/pc_live_abcdefABCDEF0123456789abcdefABCD/x"),
            "/profiles/pc_live_[redacted]/x"
        );
        assert_eq!(
            redact_api_keys("/a/xpc_live_secret"),
            "/a/xpc_live_[redacted]"
        );
    }
}
