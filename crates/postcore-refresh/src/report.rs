//! What a pass did: one row per connection it took, with its result.

use postcore_domain::{AccountName, Platform, ProfileKey, Timestamp};

/// How one connection's refresh ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshResult {
    /// Renewed in place: a new access token, its expiry from `expires_in`.
    Refreshed,
    /// The platform answered `invalid_grant` (RFC 6749 §5.2): marked as needing a reconnect.
    Rejected,
    /// The refresh token was past its own expiry (`refresh_token_expires_at` ≤ now): marked
    /// as needing a reconnect, without a call.
    RefreshTokenExpired,
    /// A transient failure (timeout, connect, 429, 5xx) or an answer not understood: not
    /// marked; tried again from this instant (UTC) on.
    RetryLater(Timestamp),
    /// Another refresher held the lease, or the connection was renewed, reconnected or
    /// removed meanwhile: nothing written.
    LostRace,
    /// A dry run: it is due, and nothing was claimed, called or written.
    WouldRefresh,
}

impl RefreshResult {
    /// Whether the connection needs a reconnect after this result.
    pub fn needs_reconnect(self) -> bool {
        matches!(self, Self::Rejected | Self::RefreshTokenExpired)
    }
}

/// One connection a pass took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRow {
    /// Owning account's name.
    pub account_name: AccountName,
    /// Owning profile's key.
    pub profile_key: ProfileKey,
    /// The platform (LinkedIn).
    pub platform: Platform,
    /// When the access token expires (UTC): the new expiry after [`RefreshResult::Refreshed`],
    /// else the expiry as found.
    pub expires_at: Option<Timestamp>,
    /// How it ended.
    pub result: RefreshResult,
}

/// The rows of one pass, soonest expiry first (as found).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefreshReport {
    /// One row per connection taken.
    pub rows: Vec<RefreshRow>,
}

impl RefreshReport {
    /// Rows whose result satisfies `pick`.
    pub fn count(&self, pick: impl Fn(RefreshResult) -> bool) -> usize {
        self.rows.iter().filter(|r| pick(r.result)).count()
    }

    /// Connections renewed.
    pub fn refreshed(&self) -> usize {
        self.count(|r| r == RefreshResult::Refreshed)
    }

    /// Connections marked as needing a reconnect (rejected, or refresh token expired).
    pub fn needs_reconnect(&self) -> usize {
        self.count(RefreshResult::needs_reconnect)
    }

    /// Connections left to a later try.
    pub fn retry_later(&self) -> usize {
        self.count(|r| matches!(r, RefreshResult::RetryLater(_)))
    }

    /// Connections another refresher, or a reconnect, had meanwhile.
    pub fn lost_race(&self) -> usize {
        self.count(|r| r == RefreshResult::LostRace)
    }

    /// Connections a dry run found due.
    pub fn would_refresh(&self) -> usize {
        self.count(|r| r == RefreshResult::WouldRefresh)
    }

    /// Whether the pass took no connection.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}
