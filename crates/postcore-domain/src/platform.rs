//! `Platform` and its token policy: the one place that knows each supported platform.

use std::fmt;
use std::str::FromStr;

/// A social platform a profile can connect (api.md §2).
///
/// Parsing is exact and lowercase (`linkedin`, `bluesky`). The order of the variants is
/// the order of connections in a profile (by platform name: `bluesky` before `linkedin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "lowercase")
)]
pub enum Platform {
    /// Bluesky, connected with a handle and an app password (which does not expire).
    Bluesky,
    /// LinkedIn, connected by OAuth 2.0; access tokens live 60 days.
    LinkedIn,
}

/// How a platform's credentials age (api.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenPolicy {
    /// Lifetime of an access token when the platform does not state one, in seconds;
    /// `None` when the credential does not expire.
    pub default_lifetime_seconds: Option<i64>,
}

/// Everything PostCore knows about one platform, as data. Adding a platform means adding
/// a variant and one row to [`PLATFORMS`].
struct PlatformSpec {
    platform: Platform,
    name: &'static str,
    display_name: &'static str,
    policy: TokenPolicy,
}

/// 60 days in seconds: LinkedIn's access-token lifetime (5,184,000 s).
const LINKEDIN_LIFETIME_SECONDS: i64 = 60 * 86_400;

const PLATFORMS: [PlatformSpec; 2] = [
    PlatformSpec {
        platform: Platform::Bluesky,
        name: "bluesky",
        display_name: "Bluesky",
        policy: TokenPolicy {
            default_lifetime_seconds: None,
        },
    },
    PlatformSpec {
        platform: Platform::LinkedIn,
        name: "linkedin",
        display_name: "LinkedIn",
        policy: TokenPolicy {
            default_lifetime_seconds: Some(LINKEDIN_LIFETIME_SECONDS),
        },
    },
];

/// A platform name that PostCore does not support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported platform {given:?}: supported platforms are bluesky, linkedin")]
pub struct PlatformError {
    /// The name that was given (as given).
    pub given: String,
}

impl Platform {
    /// Every supported platform, in API order (by name).
    pub const ALL: [Platform; 2] = [Platform::Bluesky, Platform::LinkedIn];

    fn spec(self) -> &'static PlatformSpec {
        PLATFORMS
            .iter()
            .find(|s| s.platform == self)
            .expect("every platform has a row in PLATFORMS")
    }

    /// The wire name: `linkedin` or `bluesky`.
    pub fn as_str(self) -> &'static str {
        self.spec().name
    }

    /// The name people write, for messages: `Bluesky` or `LinkedIn`.
    pub fn display_name(self) -> &'static str {
        self.spec().display_name
    }

    /// The platform's token policy.
    pub fn token_policy(self) -> TokenPolicy {
        self.spec().policy
    }

    /// Parses an exact, lowercase platform name.
    ///
    /// # Errors
    /// [`PlatformError`] listing the supported names.
    pub fn parse(text: &str) -> Result<Self, PlatformError> {
        PLATFORMS
            .iter()
            .find(|s| s.name == text)
            .map(|s| s.platform)
            .ok_or_else(|| PlatformError {
                given: text.to_owned(),
            })
    }
}

impl FromStr for Platform {
    type Err = PlatformError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_exact() {
        for p in Platform::ALL {
            assert_eq!(Platform::parse(p.as_str()), Ok(p));
        }
        assert_eq!(Platform::LinkedIn.as_str(), "linkedin");
        assert_eq!(Platform::Bluesky.as_str(), "bluesky");
        assert_eq!(Platform::LinkedIn.display_name(), "LinkedIn");
        assert_eq!(Platform::Bluesky.display_name(), "Bluesky");
        for bad in ["LinkedIn", "BLUESKY", " linkedin", "twitter", ""] {
            let err = Platform::parse(bad).unwrap_err();
            assert_eq!(err.given, bad);
            assert_eq!(
                err.to_string(),
                format!("unsupported platform {bad:?}: supported platforms are bluesky, linkedin")
            );
        }
    }

    #[test]
    fn token_policies_follow_the_contract() {
        assert_eq!(
            Platform::LinkedIn.token_policy().default_lifetime_seconds,
            Some(5_184_000)
        );
        assert_eq!(
            Platform::Bluesky.token_policy().default_lifetime_seconds,
            None
        );
    }

    #[test]
    fn all_is_sorted_by_name() {
        let names: Vec<_> = Platform::ALL.iter().map(|p| p.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!(Platform::Bluesky < Platform::LinkedIn);
    }
}
