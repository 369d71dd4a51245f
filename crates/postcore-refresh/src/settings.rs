//! `RefreshSettings`: when a token is due, how long a lease lasts, how many connections a
//! pass takes, and how failures back off.

use chrono::Duration;

/// How the refresher works. All durations are wall-clock spans (UTC instants apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshSettings {
    /// Refresh access tokens that expire within this span of now (default 7 days, issue 11).
    pub lead: Duration,
    /// How long a claim keeps other refreshers off a connection (default 2 minutes): longer
    /// than one refresh call, so that a lease outlives its work; if the refresher dies,
    /// another takes the connection over once it runs out.
    pub lease: Duration,
    /// Most connections one pass takes, soonest expiry first (default 100).
    pub batch: u32,
    /// Back-off after the first transient failure (default 1 minute); doubled for each
    /// failure since the last renewal.
    pub first_backoff: Duration,
    /// Longest back-off (default 6 hours).
    pub max_backoff: Duration,
}

impl RefreshSettings {
    /// The settings for refresh calls that may take up to `call_timeout` (the platform
    /// timeout): the lease is at least twice that plus 30 s, so that no other refresher can
    /// claim a connection while a call on it may still be running.
    pub fn for_call_timeout(self, call_timeout: std::time::Duration) -> Self {
        let call = Duration::from_std(call_timeout).unwrap_or(Duration::hours(1));
        Self {
            lease: self.lease.max(call * 2 + Duration::seconds(30)),
            ..self
        }
    }
}

impl Default for RefreshSettings {
    fn default() -> Self {
        Self {
            lead: Duration::days(7),
            lease: Duration::minutes(2),
            batch: 100,
            first_backoff: Duration::minutes(1),
            max_backoff: Duration::hours(6),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lease_outlives_any_call() {
        let short = RefreshSettings::default().for_call_timeout(std::time::Duration::from_secs(15));
        assert_eq!(short.lease, Duration::minutes(2));
        let long = RefreshSettings::default().for_call_timeout(std::time::Duration::from_secs(300));
        assert_eq!(long.lease, Duration::seconds(630));
    }
}
