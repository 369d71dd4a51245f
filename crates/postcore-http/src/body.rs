//! Request bodies: read with a size limit, checked for JSON, parsed strictly (api.md §4).

use crate::ApiError;
use actix_web::{HttpRequest, http::header, mime::Mime};
use bytes::{Bytes, BytesMut};
use futures::StreamExt as _;
use serde::de::DeserializeOwned;

/// Reads the whole body, refusing more than `limit` bytes or a body that takes longer
/// than `timeout` to arrive (actix-http times out a request's head, never its body).
///
/// A `Content-Length` over the limit is refused before anything is read; a chunked body is
/// refused as soon as it passes the limit, so memory never holds more than `limit` bytes.
///
/// # Errors
/// [`ApiError::PayloadTooLarge`] over the limit; [`ApiError::RequestTimeout`] when the
/// whole body is not in within `timeout` (a stalled or dripping client);
/// [`ApiError::MalformedRequest`] when the body cannot be read (a broken chunked encoding,
/// or the client closing before the whole body): the answer actix-http's dispatcher gives
/// the same fault when it sees it first, so that a client gets the same bytes either way.
pub async fn read_limited(
    req: &HttpRequest,
    payload: actix_web::dev::Payload,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<Bytes, ApiError> {
    tokio::time::timeout(timeout, read_all(req, payload, limit))
        .await
        .unwrap_or(Err(ApiError::RequestTimeout {
            seconds: timeout.as_secs(),
        }))
}

/// [`read_limited`] without its timeout.
async fn read_all(
    req: &HttpRequest,
    mut payload: actix_web::dev::Payload,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            // The cause names actix internals: the log has it, the client a plain message.
            tracing::debug!(error = %e, "reading the request body failed");
            ApiError::MalformedRequest
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Whether the request declares a JSON body PostCore can read: exactly one `Content-Type`
/// of `application/json` or `application/*+json`, with no charset but UTF-8 (RFC 8259 §8.1:
/// JSON between systems is UTF-8), and no `Content-Encoding` but `identity`.
fn is_json(req: &HttpRequest) -> bool {
    if req.headers().get_all(header::CONTENT_TYPE).count() != 1 {
        return false;
    }
    let identity = req.headers().get_all(header::CONTENT_ENCODING).all(|v| {
        v.to_str()
            .is_ok_and(|v| v.trim().eq_ignore_ascii_case("identity"))
    });
    let declared = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(media_type);
    match declared {
        Some(mime) => {
            identity
                && mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
                && mime
                    .get_param("charset")
                    .is_none_or(|c| c.as_str().eq_ignore_ascii_case("utf-8"))
        }
        None => false,
    }
}

/// Parses a media type (`type/subtype *( OWS ";" OWS parameter )`, RFC 9110 §8.3.1),
/// allowing the optional whitespace before `;` that RFC 9110 §5.6.6 allows and the `mime`
/// crate refuses (`application/json ; charset=utf-8`). `None` when it is not one.
fn media_type(value: &str) -> Option<Mime> {
    let mut tidy = String::with_capacity(value.len());
    let mut pending = String::new();
    let (mut quoted, mut escaped, mut after_semicolon) = (false, false, false);
    for c in value.trim().chars() {
        if !quoted && (c == ' ' || c == '\t') {
            if !after_semicolon {
                pending.push(c);
            }
            continue;
        }
        if c != ';' || quoted {
            tidy.push_str(&pending);
        }
        pending.clear();
        after_semicolon = !quoted && c == ';';
        tidy.push(c);
        if quoted && escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        }
    }
    tidy.parse().ok()
}

/// Parses an optional JSON body: an empty (or all-whitespace) body is `None`, whatever its
/// content type; any other body must be declared JSON and parse as `T`.
///
/// # Errors
/// [`ApiError::UnsupportedMediaType`] for a body not declared JSON;
/// [`ApiError::Validation`] for a body that is not JSON, or whose JSON does not fit `T`
/// (wrong types, unknown or duplicate fields: serde's message names the field).
pub fn optional_json<T: DeserializeOwned>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<Option<T>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if !is_json(req) {
        return Err(ApiError::UnsupportedMediaType);
    }
    serde_json::from_slice(body).map(Some).map_err(|e| {
        use serde_json::error::Category;
        ApiError::Validation(match e.classify() {
            Category::Data => format!("Invalid request body: {e}"),
            Category::Syntax | Category::Eof | Category::Io => {
                format!("Request body is not valid JSON: {e}")
            }
        })
    })
}
