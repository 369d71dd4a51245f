//! `Connection`: one platform connected to one profile (api.md §2).

use crate::{Platform, Timestamp, expiry};

/// A platform connection's public state. Credentials (tokens, app passwords) are not part
/// of it: the store keeps them encrypted and apart.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Connection {
    platform: Platform,
    display_name: String,
    username: String,
    connected_at: Timestamp,
    expires_at: Option<Timestamp>,
    revoked: bool,
    did: Option<String>,
}

impl Connection {
    /// A fresh connection made at `connected_at` (UTC). Its expiry follows the platform's
    /// token policy: `connected_at + 60 days` for LinkedIn, none for Bluesky (api.md §3).
    pub fn new(
        platform: Platform,
        display_name: impl Into<String>,
        username: impl Into<String>,
        connected_at: Timestamp,
    ) -> Self {
        Self {
            platform,
            display_name: display_name.into(),
            username: username.into(),
            connected_at,
            expires_at: expiry::default_expires_at(platform, connected_at),
            revoked: false,
            did: None,
        }
    }

    /// Sets an explicit expiry (e.g. `issued time + expires_in` from OAuth), or `None`.
    #[must_use]
    pub fn with_expires_at(mut self, expires_at: Option<Timestamp>) -> Self {
        self.expires_at = expires_at;
        self
    }

    /// Sets the Bluesky DID (`did:plc:…`).
    #[must_use]
    pub fn with_did(mut self, did: Option<String>) -> Self {
        self.did = did;
        self
    }

    /// Sets the revoked mark (the platform rejected the credentials, or an admin marked it).
    #[must_use]
    pub fn with_revoked(mut self, revoked: bool) -> Self {
        self.revoked = revoked;
        self
    }

    /// The platform.
    pub fn platform(&self) -> Platform {
        self.platform
    }
    /// Name shown on the platform.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
    /// Handle or vanity name on the platform.
    pub fn username(&self) -> &str {
        &self.username
    }
    /// When the connection was made or last renewed (UTC).
    pub fn connected_at(&self) -> Timestamp {
        self.connected_at
    }
    /// When the access token stops working (UTC); `None` for credentials that do not expire.
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.expires_at
    }
    /// Whether the connection was marked revoked.
    pub fn is_revoked(&self) -> bool {
        self.revoked
    }
    /// The Bluesky DID, when known.
    pub fn did(&self) -> Option<&str> {
        self.did.as_deref()
    }

    /// Whether `other` is the same account on the same platform, so that connecting it
    /// renews this connection in place (api.md §5.5). Bluesky accounts are the same when
    /// their DIDs match (handles can change), or, without both DIDs, when their handles
    /// match ignoring ASCII case; other platforms compare usernames exactly.
    pub fn is_same_platform_account(&self, other: &Connection) -> bool {
        if self.platform != other.platform {
            return false;
        }
        match (self.platform, self.did(), other.did()) {
            (Platform::Bluesky, Some(a), Some(b)) => a == b,
            (Platform::Bluesky, _, _) => self.username.eq_ignore_ascii_case(&other.username),
            _ => self.username == other.username,
        }
    }

    /// Whole days until expiry at `now` (api.md §3); `None` when the credential does not expire.
    pub fn days_until_expiry(&self, now: Timestamp) -> Option<i64> {
        expiry::days_until_expiry(self.expires_at, now)
    }

    /// Whether the app must reconnect this platform at `now` (api.md §3).
    pub fn needs_reconnect(&self, now: Timestamp) -> bool {
        expiry::needs_reconnect(self.expires_at, self.revoked, now)
    }

    /// The connection's status at `now`, with "expiring" meaning within `within_days` days.
    pub fn status(&self, now: Timestamp, within_days: i64) -> expiry::ExpiryStatus {
        expiry::status(self.expires_at, self.revoked, now, within_days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        crate::parse_timestamp(s).unwrap()
    }

    #[test]
    fn same_platform_account_is_decided_by_did_then_handle_or_username() {
        let t = at("2025-01-01T00:00:00Z");
        let li = Connection::new(Platform::LinkedIn, "John Doe", "johndoe", t);
        assert!(li.is_same_platform_account(&Connection::new(
            Platform::LinkedIn,
            "J. Doe",
            "johndoe",
            t
        )));
        assert!(!li.is_same_platform_account(&Connection::new(
            Platform::LinkedIn,
            "John Doe",
            "JohnDoe",
            t
        )));
        assert!(!li.is_same_platform_account(&Connection::new(
            Platform::Bluesky,
            "John Doe",
            "johndoe",
            t
        )));

        let bs = |handle: &str, did: Option<&str>| {
            Connection::new(Platform::Bluesky, handle, handle, t).with_did(did.map(str::to_owned))
        };
        assert!(
            bs("a.bsky.social", Some("did:plc:1"))
                .is_same_platform_account(&bs("new.example", Some("did:plc:1")))
        );
        assert!(
            !bs("a.bsky.social", Some("did:plc:1"))
                .is_same_platform_account(&bs("a.bsky.social", Some("did:plc:2")))
        );
        assert!(
            bs("A.bsky.social", None)
                .is_same_platform_account(&bs("a.bsky.social", Some("did:plc:2")))
        );
    }
}
