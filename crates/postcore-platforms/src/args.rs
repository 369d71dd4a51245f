//! `PlatformArgs`: the platform settings `postcore serve` and `postcore-admin` share, as
//! flags and env vars (feature `clap`).

use crate::bluesky::{BlueskyClient, DEFAULT_SERVICE};
use crate::{ClientBuildError, HttpLimits};
use std::time::Duration;

/// Default of `--platform-timeout`, in seconds.
pub const DEFAULT_PLATFORM_TIMEOUT_SECS: u64 = 15;

/// Where the platforms are and how long a call to one may take.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct PlatformArgs {
    /// Bluesky service (PDS or entryway) that checks handles and app passwords, `https://…`
    #[arg(long, env = "POSTCORE_BLUESKY_SERVICE", value_name = "URL",
          default_value = DEFAULT_SERVICE, value_parser = service_url)]
    pub bluesky_service: String,
    /// Seconds a call to a platform may take in all (connecting, sending, the whole answer)
    #[arg(long, env = "POSTCORE_PLATFORM_TIMEOUT", value_name = "SECONDS",
          default_value_t = DEFAULT_PLATFORM_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub platform_timeout: u64,
}

/// `--bluesky-service` checked as a value, so that a bad one is a usage error (exit 2)
/// before anything else happens.
fn service_url(text: &str) -> Result<String, String> {
    crate::bluesky::check_service(text)
        .map(str::to_owned)
        .map_err(|e| e.to_string())
}

impl PlatformArgs {
    /// The limits of every call: `--platform-timeout` in all, at most 5 s of it to
    /// connect, and the default body limit.
    pub fn limits(&self) -> HttpLimits {
        let total = Duration::from_secs(self.platform_timeout);
        let defaults = HttpLimits::default();
        HttpLimits {
            connect_timeout: defaults.connect_timeout.min(total),
            total_timeout: total,
            ..defaults
        }
    }

    /// The Bluesky client these settings describe.
    ///
    /// # Errors
    /// [`ClientBuildError`] for a `--bluesky-service` that is not an `http(s)` URL.
    pub fn bluesky_client(&self) -> Result<BlueskyClient, ClientBuildError> {
        BlueskyClient::new(&self.bluesky_service, self.limits())
    }
}
