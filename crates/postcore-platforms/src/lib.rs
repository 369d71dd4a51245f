//! PostCore's platform clients: bounded HTTP calls with errors classified into three kinds.
#![doc = include_str!("../README.md")]

pub mod bluesky;
mod error;
mod http;
mod retry_after;

pub use error::{
    ClientBuildError, PlatformError, ProtocolError, RejectReason, Rejection, Transient,
    TransientReason,
};
pub use http::HttpLimits;
pub use retry_after::RetryAfter;
