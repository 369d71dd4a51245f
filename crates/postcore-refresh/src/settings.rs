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
