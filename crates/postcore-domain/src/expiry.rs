//! The expiry rules of api.md §3, as pure functions of stored data and an explicit `now`.
//!
//! All arithmetic is on UTC instants, exact to the nanosecond (a stored instant has whole
//! seconds, but `now` has a fraction): the process time zone and daylight-saving changes
//! have no effect. No addition here can panic: a sum beyond chrono's range saturates at
//! `Timestamp::MAX_UTC` (or `MIN_UTC`), which lies outside the writable range
//! ([`crate::is_in_timestamp_range`]) and so is refused by [`crate::Connection::validate`].

use crate::{Platform, Timestamp};

/// Seconds in a day, the unit of `daysUntilExpiry`.
pub const SECONDS_PER_DAY: i64 = 86_400;

/// `at + seconds`, saturating at the ends of chrono's range instead of panicking.
fn plus_seconds(at: Timestamp, seconds: i64) -> Timestamp {
    chrono::TimeDelta::try_seconds(seconds)
        .and_then(|d| at.checked_add_signed(d))
        .unwrap_or(if seconds < 0 {
            Timestamp::MIN_UTC
        } else {
            Timestamp::MAX_UTC
        })
}

/// The expiry of a connection made at `connected_at` without an explicit expiry:
/// `connected_at + policy lifetime` (LinkedIn: + 5,184,000 s), `None` for Bluesky.
/// Saturates at `Timestamp::MAX_UTC` (module docs): a late `connected_at` gives an expiry
/// that [`crate::Connection::validate`] refuses, never a panic.
pub fn default_expires_at(platform: Platform, connected_at: Timestamp) -> Option<Timestamp> {
    platform
        .token_policy()
        .default_lifetime_seconds
        .map(|s| plus_seconds(connected_at, s))
}

/// The expiry of a token issued at `issued_at` whose lifetime the platform stated
/// (OAuth `expires_in`, seconds; RFC 6749 §5.1): `issued_at + expires_in`; zero or negative
/// means the token expired as it was issued (`issued_at`). `None` (refused) when the
/// expiry would fall outside the writable range ([`crate::is_in_timestamp_range`]: after
/// 9999-12-31T23:59:59Z), however huge the lifetime: never a panic.
pub fn expires_at_from_lifetime(
    issued_at: Timestamp,
    expires_in_seconds: i64,
) -> Option<Timestamp> {
    let at = plus_seconds(issued_at, expires_in_seconds.max(0));
    crate::is_in_timestamp_range(at).then_some(at)
}

/// The bound of the `expiring` report and filters at `now`: for every expiry `exp` before
/// `Timestamp::MAX_UTC`, `days_until_expiry(Some(exp), now) ≤ within_days` exactly when
/// `exp < expiring_before(now, within_days)` = `now + (within_days + 1) × 86,400 s`, exact
/// to the nanosecond (a store must not truncate it: an expiry at 12:30:00 is before
/// 12:30:00.5). Saturates at `Timestamp::MAX_UTC` rather than panicking.
pub fn expiring_before(now: Timestamp, within_days: u32) -> Timestamp {
    plus_seconds(now, (i64::from(within_days) + 1) * SECONDS_PER_DAY)
}

/// How a token's stated lifetime became its expiry ([`token_expiry`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenExpiry {
    /// The lifetime was within the platform's policy: `issued_at + expires_in`.
    Stated(Timestamp),
    /// No lifetime was stated: the platform's policy (LinkedIn: 60 days).
    Policy(Timestamp),
    /// The lifetime was longer than the policy (some clients have seen milliseconds):
    /// capped to the policy. Callers log a warning.
    Capped(Timestamp),
    /// Zero or negative: the token expired as it was issued.
    AlreadyExpired(Timestamp),
}

impl TokenExpiry {
    /// The expiry instant (UTC).
    pub fn at(self) -> Timestamp {
        match self {
            Self::Stated(t) | Self::Policy(t) | Self::Capped(t) | Self::AlreadyExpired(t) => t,
        }
    }
}

/// The expiry of a `platform` token issued at `issued_at` with OAuth `expires_in` seconds
/// (RFC 6749 §5.1), by issue 11's rules: absent → the policy lifetime; above the policy
/// lifetime → capped to it; zero or negative → `issued_at` (already expired); otherwise
/// `issued_at + expires_in`. `None` for a platform whose credentials never expire. Never
/// panics: an `issued_at` so late that the sum leaves chrono's range gives
/// `Timestamp::MAX_UTC`, which [`crate::Connection::validate`] refuses.
pub fn token_expiry(
    platform: Platform,
    issued_at: Timestamp,
    expires_in_seconds: Option<i64>,
) -> Option<TokenExpiry> {
    let policy = platform.token_policy().default_lifetime_seconds?;
    let after = |s: i64| plus_seconds(issued_at, s);
    Some(match expires_in_seconds {
        None => TokenExpiry::Policy(after(policy)),
        Some(s) if s <= 0 => TokenExpiry::AlreadyExpired(issued_at),
        Some(s) if s > policy => TokenExpiry::Capped(after(policy)),
        Some(s) => TokenExpiry::Stated(after(s)),
    })
}

/// When a refresh token issued at `issued_at` with OAuth `refresh_token_expires_in`
/// seconds stops working (UTC): `issued_at` for zero or less; `None` when no lifetime was
/// stated, or one so long no instant can hold it (a platform's answer is never trusted to
/// fit: the checked arithmetic cannot overflow or panic).
pub fn refresh_token_expiry(
    issued_at: Timestamp,
    expires_in_seconds: Option<i64>,
) -> Option<Timestamp> {
    let seconds = expires_in_seconds?.max(0);
    issued_at.checked_add_signed(chrono::TimeDelta::try_seconds(seconds)?)
}

/// `floor((expires_at − now) / 86,400 s)` while `now < expires_at`, `0` once
/// `now ≥ expires_at` (never negative); `None` when there is no expiry. Exact to the
/// nanosecond: at `now` 12:30:00.5 an expiry 8 days later at 12:30:00 is 7 days away.
pub fn days_until_expiry(expires_at: Option<Timestamp>, now: Timestamp) -> Option<i64> {
    expires_at.map(|exp| {
        let seconds = (exp - now).num_seconds();
        if seconds <= 0 {
            0
        } else {
            seconds / SECONDS_PER_DAY
        }
    })
}

/// `true` when `now ≥ expires_at` or the connection is marked revoked; otherwise `false`.
pub fn needs_reconnect(expires_at: Option<Timestamp>, revoked: bool, now: Timestamp) -> bool {
    revoked || expires_at.is_some_and(|exp| now >= exp)
}

/// A connection's state at an instant, for reports and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "status", rename_all = "camelCase")
)]
pub enum ExpiryStatus {
    /// Works and does not expire within the window (or never expires).
    Valid,
    /// Works, but expires within the window; `days_until_expiry` as in §3.
    ExpiringSoon {
        /// Whole days left (0 on the last day).
        days_until_expiry: i64,
    },
    /// The token's lifetime is over.
    Expired,
    /// Marked revoked: the platform rejected the credentials, or an admin marked it.
    Revoked,
}

/// The status at `now`, where "expiring soon" means `days_until_expiry ≤ within_days`.
/// A revoked mark wins over expiry.
pub fn status(
    expires_at: Option<Timestamp>,
    revoked: bool,
    now: Timestamp,
    within_days: i64,
) -> ExpiryStatus {
    if revoked {
        return ExpiryStatus::Revoked;
    }
    if needs_reconnect(expires_at, false, now) {
        return ExpiryStatus::Expired;
    }
    match days_until_expiry(expires_at, now) {
        Some(days) if days <= within_days => ExpiryStatus::ExpiringSoon {
            days_until_expiry: days,
        },
        _ => ExpiryStatus::Valid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additions_past_either_end_of_chronos_range_saturate_at_that_end() {
        let t = Timestamp::from_timestamp(1_736_166_600, 0).unwrap();
        assert_eq!(
            plus_seconds(t, 60),
            Timestamp::from_timestamp(1_736_166_660, 0).unwrap()
        );
        assert_eq!(
            plus_seconds(t, -60),
            Timestamp::from_timestamp(1_736_166_540, 0).unwrap()
        );
        assert_eq!(plus_seconds(Timestamp::MIN_UTC, -1), Timestamp::MIN_UTC);
        assert_eq!(plus_seconds(t, i64::MIN), Timestamp::MIN_UTC);
        assert_eq!(plus_seconds(Timestamp::MAX_UTC, 1), Timestamp::MAX_UTC);
        assert_eq!(plus_seconds(t, i64::MAX), Timestamp::MAX_UTC);
    }
}
