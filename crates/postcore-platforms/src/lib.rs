//! PostCore's platform clients: bounded HTTP calls with errors classified into three kinds.
#![doc = include_str!("../README.md")]

#[cfg(feature = "clap")]
mod args;
pub mod bluesky;
mod error;
mod http;
pub mod linkedin;
#[cfg(feature = "clap")]
mod linkedin_args;
mod retry_after;

#[cfg(feature = "clap")]
pub use args::{DEFAULT_PLATFORM_TIMEOUT_SECS, PlatformArgs};
pub use error::{
    ClientBuildError, PlatformError, ProtocolError, RejectReason, Rejection, Transient,
    TransientReason,
};
pub use http::HttpLimits;
#[cfg(feature = "clap")]
pub use linkedin_args::{
    LINKEDIN_CALLBACK_PATH, LINKEDIN_CLIENT_SECRET_ENV, LinkedInArgs, LinkedInSettingsError,
};
pub use retry_after::{MAX_RETRY_AFTER_SECONDS, RetryAfter};
