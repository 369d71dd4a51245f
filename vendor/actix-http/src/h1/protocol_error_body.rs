//! PostCore patch: bodies for the responses the HTTP/1 dispatcher writes on its own.
//!
//! The release answers a request it cannot parse (`400`), a head over its buffer (`431`) and
//! a head not in within the client request timeout (`408`) with an empty body, and no
//! setting changes that. A server that answers every error with a documented body sets a
//! builder here once, at start-up; without one the dispatcher behaves as released.

use std::sync::OnceLock;

use bytes::Bytes;

use crate::{
    body::BoxBody,
    header::{HeaderValue, CONTENT_TYPE},
    ConnectionType, Response, StatusCode,
};

/// Builds the body of a response the dispatcher writes on its own, from its status code
/// (`400`, `408` or `431`): the `Content-Type` and the bytes, or `None` for an empty body.
pub type ProtocolErrorBody = fn(StatusCode) -> Option<(HeaderValue, Bytes)>;

static BUILDER: OnceLock<ProtocolErrorBody> = OnceLock::new();

/// Sets, once per process, the builder of the dispatcher's own error bodies. Returns `false`
/// when a builder was set before (the first one stays).
pub fn set_protocol_error_body(builder: ProtocolErrorBody) -> bool {
    BUILDER.set(builder).is_ok()
}

/// `res` with the body the builder gives for its status, if one is set.
///
/// Each such answer closes the connection (nothing after the fault can be read), and says so
/// with `Connection: close`.
pub(super) fn with_protocol_error_body(mut res: Response<()>) -> (Response<()>, BoxBody) {
    res.head_mut().set_connection_type(ConnectionType::Close);
    match BUILDER.get().and_then(|builder| builder(res.status())) {
        Some((content_type, bytes)) => {
            res.headers_mut().insert(CONTENT_TYPE, content_type);
            (res, BoxBody::new(bytes))
        }
        None => (res, BoxBody::new(())),
    }
}
