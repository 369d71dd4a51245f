//! Which profiles a listing returns: the filters of `GET /profiles` (api.md §5.1, extension),
//! as one pure rule that every store backend must match row for row.

use crate::{Connection, Platform, Timestamp};

/// The largest `expiringWithinDays` accepted: 36,500 days (about a century). Larger windows
/// mean nothing for tokens that live 60 days, and the bound keeps every instant the rule
/// computes ([`crate::expiry::expiring_before`]) far inside the writable range.
pub const MAX_EXPIRING_WITHIN_DAYS: u32 = 36_500;

/// The conditions of a profile listing (api.md §5.1); every condition given must hold, and
/// the default (no condition) selects every profile.
///
/// The connections a profile is judged by are its connections of [`Self::platform`] when
/// that is given (so `platform=linkedin&needsReconnect=true` asks whose *LinkedIn* connection
/// needs a reconnect), else all of them. With `now` the instant of the request (UTC):
/// - `platform`: the profile has that platform connected;
/// - `needs_reconnect = Some(true)`: some judged connection needs a reconnect at `now`
///   (api.md §3: `now ≥ expiresAt`, or marked revoked);
/// - `needs_reconnect = Some(false)`: no judged connection needs one — a profile with no
///   connection at all matches, unless `platform` asks for one;
/// - `expiring_within_days = Some(n)`: some judged connection has `daysUntilExpiry ≤ n`
///   (api.md §3, exact to the nanosecond of `now`) or needs a reconnect; a connection that
///   never expires (Bluesky) matches only when marked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProfileFilter {
    /// Only profiles with this platform connected.
    pub platform: Option<Platform>,
    /// Only profiles with (`true`) or without (`false`) a connection needing a reconnect.
    pub needs_reconnect: Option<bool>,
    /// Only profiles with a connection expiring within this many days (`daysUntilExpiry ≤
    /// n`, 0 to [`MAX_EXPIRING_WITHIN_DAYS`]) or needing a reconnect.
    pub expiring_within_days: Option<u32>,
}

impl ProfileFilter {
    /// Whether the filter selects every profile (no condition is given).
    pub fn is_everything(&self) -> bool {
        *self == Self::default()
    }

    /// Whether a profile with `connections` is selected at `now` (UTC): the rule of the
    /// type's documentation, which a store evaluates in its database.
    pub fn matches(&self, connections: &[Connection], now: Timestamp) -> bool {
        let judged = || {
            connections
                .iter()
                .filter(|c| self.platform.is_none_or(|p| c.platform() == p))
        };
        if self.platform.is_some() && judged().next().is_none() {
            return false;
        }
        if let Some(wanted) = self.needs_reconnect
            && judged().any(|c| c.needs_reconnect(now)) != wanted
        {
            return false;
        }
        if let Some(days) = self.expiring_within_days {
            let within = |c: &Connection| {
                c.needs_reconnect(now)
                    || c.days_until_expiry(now)
                        .is_some_and(|left| left <= i64::from(days))
            };
            if !judged().any(within) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        crate::parse_timestamp(text).unwrap()
    }

    /// The seed's LinkedIn connection: expires at 2025-03-02T12:30:00Z.
    fn linkedin() -> Connection {
        let connected = at("2025-01-01T12:30:00Z");
        Connection::new(Platform::LinkedIn, "Jane", "jane", connected).with_expires_at(
            crate::expiry::default_expires_at(Platform::LinkedIn, connected),
        )
    }

    fn bluesky() -> Connection {
        let connected = at("2025-01-01T12:30:00Z");
        Connection::new(
            Platform::Bluesky,
            "j.bsky.social",
            "j.bsky.social",
            connected,
        )
    }

    fn filter(
        platform: Option<Platform>,
        needs_reconnect: Option<bool>,
        expiring_within_days: Option<u32>,
    ) -> ProfileFilter {
        ProfileFilter {
            platform,
            needs_reconnect,
            expiring_within_days,
        }
    }

    #[test]
    #[rustfmt::skip]
    fn every_condition_is_judged_as_the_expiry_rules_say() {
        let li = linkedin();
        let bs = bluesky();
        let both = [li.clone(), bs.clone()];
        let marked_bs = [bs.clone().with_revoked(true)];
        // (filter, connections, now, expected)
        let cases: &[(ProfileFilter, &[Connection], &str, bool)] = &[
            (ProfileFilter::default(), &[], "2025-01-06T12:30:00Z", true),
            (filter(Some(Platform::LinkedIn), None, None), &both, "2025-01-06T12:30:00Z", true),
            (filter(Some(Platform::LinkedIn), None, None), std::slice::from_ref(&bs), "2025-01-06T12:30:00Z", false),
            (filter(None, Some(false), None), &[], "2025-01-06T12:30:00Z", true),
            (filter(None, Some(true), None), &[], "2025-01-06T12:30:00Z", false),
            (filter(None, Some(true), None), &both, "2025-03-02T12:29:59Z", false),
            (filter(None, Some(true), None), &both, "2025-03-02T12:30:00Z", true),
            (filter(None, Some(false), None), &both, "2025-03-02T12:30:00Z", false),
            // Judged by the platform asked for: the marked Bluesky is not LinkedIn's.
            (filter(Some(Platform::LinkedIn), Some(false), None), &[li.clone(), marked_bs[0].clone()], "2025-01-06T12:30:00Z", true),
            (filter(None, Some(true), None), &marked_bs, "2025-01-06T12:30:00Z", true),
            // 55 days left at the seed's now; 54 any fraction of a second later.
            (filter(None, None, Some(54)), &both, "2025-01-06T12:30:00Z", false),
            (filter(None, None, Some(55)), &both, "2025-01-06T12:30:00Z", true),
            (filter(None, None, Some(54)), &both, "2025-01-06T12:30:00.5Z", true),
            (filter(None, None, Some(0)), &both, "2025-03-01T12:30:00Z", false),
            (filter(None, None, Some(0)), &both, "2025-03-01T12:30:00.000000001Z", true),
            (filter(None, None, Some(MAX_EXPIRING_WITHIN_DAYS)), std::slice::from_ref(&bs), "2025-01-06T12:30:00Z", false),
            (filter(None, None, Some(0)), &marked_bs, "2025-01-06T12:30:00Z", true),
            (filter(Some(Platform::Bluesky), Some(false), Some(100)), &both, "2025-01-06T12:30:00Z", false),
        ];
        for (i, (filter, connections, now, expected)) in cases.iter().enumerate() {
            assert_eq!(
                filter.matches(connections, at(now)),
                *expected,
                "case {i}: {filter:?} at {now}"
            );
        }
    }

    #[test]
    fn only_the_default_filter_selects_everything() {
        assert!(ProfileFilter::default().is_everything());
        assert!(!filter(None, Some(false), None).is_everything());
    }
}
