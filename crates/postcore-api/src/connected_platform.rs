//! The Connected Platform object (api.md §2): one platform connection, with its expiry
//! computed at a given `now` (§3).

use postcore_domain::{Connection, Timestamp, format_timestamp};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A Connected Platform object (api.md §2), in the seed's field order.
///
/// Serialised by the server in every profile, and by `postcore-admin --json`; read by
/// `postcore-admin import`, where a missing `expiresAt` or `daysUntilExpiry` is `null` and a
/// missing `needsReconnect` is `false`. The two computed fields are read but `import` does
/// not use them: it recomputes both from the stored connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(
        description = "One platform connected to a profile (api.md §2), its expiry computed at the time of the request (§3)."
    )
)]
#[serde(rename_all = "camelCase")]
pub struct ConnectedPlatform<'a> {
    /// `linkedin` or `bluesky` (kept as text: the reader parses it and names the field).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::PlatformName))]
    pub platform: Cow<'a, str>,
    /// Name shown on the platform (for Bluesky the seed shows the handle).
    pub display_name: Cow<'a, str>,
    /// Handle or vanity name on the platform.
    pub username: Cow<'a, str>,
    /// When the connection was made or last renewed: RFC 3339, UTC, whole seconds.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub connected_at: String,
    /// When the access token stops working (RFC 3339, UTC); `null` for Bluesky.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = DateTime, required))]
    pub expires_at: Option<String>,
    /// Whole days until `expiresAt` at `now`, never negative; `null` when `expiresAt` is.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, required))]
    pub days_until_expiry: Option<i64>,
    /// Whether the app must reconnect this platform at `now` (expired, or marked revoked).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub needs_reconnect: bool,
}

impl<'a> ConnectedPlatform<'a> {
    /// The wire form of `c` at `now`, borrowing its text.
    pub fn new(c: &'a Connection, now: Timestamp) -> Self {
        Self {
            platform: Cow::Borrowed(c.platform().as_str()),
            display_name: Cow::Borrowed(c.display_name()),
            username: Cow::Borrowed(c.username()),
            connected_at: format_timestamp(c.connected_at()),
            expires_at: c.expires_at().map(format_timestamp),
            days_until_expiry: c.days_until_expiry(now),
            needs_reconnect: c.needs_reconnect(now),
        }
    }

    /// The wire form of each of `connections` at `now`, in their order.
    pub fn all(connections: &'a [Connection], now: Timestamp) -> Vec<Self> {
        connections.iter().map(|c| Self::new(c, now)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{at, seed_bluesky, seed_linkedin, seed_now};

    #[test]
    fn a_linkedin_connection_is_the_seeds_first_connected_platform() {
        let c = seed_linkedin();
        assert_eq!(
            serde_json::to_string(&ConnectedPlatform::new(&c, seed_now())).unwrap(),
            r#"{"platform":"linkedin","displayName":"John Doe","username":"johndoe","connectedAt":"2025-01-01T12:30:00Z","expiresAt":"2025-03-02T12:30:00Z","daysUntilExpiry":55,"needsReconnect":false}"#
        );
    }

    #[test]
    fn a_bluesky_connection_is_the_seeds_second_connected_platform() {
        let c = seed_bluesky();
        assert_eq!(
            serde_json::to_string(&ConnectedPlatform::new(&c, seed_now())).unwrap(),
            r#"{"platform":"bluesky","displayName":"johndoe.bsky.social","username":"johndoe.bsky.social","connectedAt":"2025-01-02T10:00:00Z","expiresAt":null,"daysUntilExpiry":null,"needsReconnect":false}"#
        );
    }

    #[test]
    fn an_expired_token_has_zero_days_and_needs_a_reconnect() {
        let c = seed_linkedin();
        let wire = ConnectedPlatform::new(&c, at("2025-03-02T12:30:00Z"));
        assert_eq!(
            (wire.days_until_expiry, wire.needs_reconnect),
            (Some(0), true)
        );
    }

    #[test]
    fn reading_fills_missing_optional_fields_with_null_and_false() {
        let read: ConnectedPlatform<'static> = serde_json::from_str(
            r#"{"platform":"bluesky","displayName":"a","username":"a","connectedAt":"2025-01-02T10:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(
            read,
            ConnectedPlatform {
                platform: "bluesky".into(),
                display_name: "a".into(),
                username: "a".into(),
                connected_at: "2025-01-02T10:00:00Z".into(),
                expires_at: None,
                days_until_expiry: None,
                needs_reconnect: false,
            }
        );
    }

    #[test]
    fn what_is_written_reads_back_equal() {
        let c = seed_linkedin();
        let wire = ConnectedPlatform::new(&c, seed_now());
        let text = serde_json::to_string(&wire).unwrap();
        assert_eq!(
            serde_json::from_str::<ConnectedPlatform>(&text).unwrap(),
            wire
        );
    }
}
