//! `Connection`: one platform connected to one profile (api.md §2).

use crate::{Platform, Timestamp, expiry};

/// Longest display name, username, handle or DID, in characters.
pub const CONNECTION_TEXT_MAX_CHARS: usize = 255;

/// Whether `text` is acceptable as a display name, username, handle or DID: 1–255
/// characters (Unicode scalar values), no control characters, no surrounding whitespace.
pub fn is_valid_connection_text(text: &str) -> bool {
    let chars = text.chars().count();
    (1..=CONNECTION_TEXT_MAX_CHARS).contains(&chars)
        && text.trim() == text
        && !text.chars().any(char::is_control)
}

/// Why a connection's public fields break the contract (api.md §2, §3). Field names are
/// the wire's (camelCase), so that messages can be shown to API clients and operators.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionError {
    /// `displayName`, `username` or `did` is empty, longer than 255 characters, has
    /// surrounding whitespace or holds a control character.
    #[error("{0}: 1 to 255 characters, without surrounding spaces or control characters")]
    BadText(&'static str),
    /// The platform's credentials never expire, yet an expiry was given.
    #[error("expiresAt: {0} credentials do not expire, so expiresAt must be null")]
    UnexpectedExpiry(Platform),
    /// The expiry is before the connection instant. (Equal is allowed: a token that the
    /// platform issued already expired, `expires_in` ≤ 0, expires as it is connected.)
    #[error("expiresAt: must not be before connectedAt")]
    ExpiryBeforeConnection,
    /// `connectedAt` or `expiresAt` (named) lies outside what an RFC 3339 timestamp can
    /// show ([`crate::is_in_timestamp_range`]): typically an expiry computed from a late
    /// `connectedAt` that would pass 9999-12-31T23:59:59Z.
    #[error("{0}: must be from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z")]
    OutOfRange(&'static str),
}

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

    /// Sets the Bluesky DID (`did:plc:…`): the platform account id of a Bluesky
    /// connection ([`Self::with_platform_account_id`]).
    #[must_use]
    pub fn with_did(mut self, did: Option<String>) -> Self {
        self.did = did;
        self
    }

    /// Sets the platform's own, stable id of the connected account: the Bluesky DID, or
    /// the LinkedIn member id (OpenID Connect `sub`). Reconnecting the same id renews the
    /// connection in place, whatever its handle or name became.
    #[must_use]
    pub fn with_platform_account_id(self, id: Option<String>) -> Self {
        self.with_did(id)
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
    /// The Bluesky DID, when known (the platform account id of a Bluesky connection).
    pub fn did(&self) -> Option<&str> {
        self.did.as_deref()
    }

    /// The platform's own id of the connected account, when known: the Bluesky DID or the
    /// LinkedIn member id (`sub`).
    pub fn platform_account_id(&self) -> Option<&str> {
        self.did.as_deref()
    }

    /// Checks the public fields against the contract: display name, username and DID are
    /// valid text ([`is_valid_connection_text`]); a platform whose credentials never expire
    /// (Bluesky) has no expiry; an expiry comes after `connected_at`; both instants are
    /// within the writable range ([`crate::is_in_timestamp_range`]).
    ///
    /// # Errors
    /// The first [`ConnectionError`] found.
    pub fn validate(&self) -> Result<(), ConnectionError> {
        for (field, text) in [
            ("displayName", Some(self.display_name.as_str())),
            ("username", Some(self.username.as_str())),
            ("did", self.did()),
        ] {
            if text.is_some_and(|t| !is_valid_connection_text(t)) {
                return Err(ConnectionError::BadText(field));
            }
        }
        for (field, at) in [
            ("connectedAt", Some(self.connected_at)),
            ("expiresAt", self.expires_at),
        ] {
            if at.is_some_and(|t| !crate::is_in_timestamp_range(t)) {
                return Err(ConnectionError::OutOfRange(field));
            }
        }
        match self.expires_at {
            Some(_)
                if self
                    .platform
                    .token_policy()
                    .default_lifetime_seconds
                    .is_none() =>
            {
                Err(ConnectionError::UnexpectedExpiry(self.platform))
            }
            Some(exp) if exp < self.connected_at => Err(ConnectionError::ExpiryBeforeConnection),
            _ => Ok(()),
        }
    }

    /// Whether `other` is the same account on the same platform, so that connecting it
    /// renews this connection in place (api.md §5.5). Accounts are the same when their
    /// platform account ids match (Bluesky DIDs, LinkedIn member ids: names and handles can
    /// change); without both ids, Bluesky handles are compared ignoring ASCII case and
    /// other platforms' usernames exactly.
    pub fn is_same_platform_account(&self, other: &Connection) -> bool {
        if self.platform != other.platform {
            return false;
        }
        match (
            self.platform,
            self.platform_account_id(),
            other.platform_account_id(),
        ) {
            (_, Some(a), Some(b)) => a == b,
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

    #[test]
    fn a_connection_shows_what_it_was_made_with() {
        let t = at("2025-01-01T00:00:00Z");
        let li = Connection::new(Platform::LinkedIn, "John Doe", "johndoe", t);
        assert_eq!(li.platform(), Platform::LinkedIn);
        assert_eq!(li.display_name(), "John Doe");
        assert_eq!(li.username(), "johndoe");
        assert_eq!(li.connected_at(), t);
        assert!(!li.is_revoked());
        assert!(li.clone().with_revoked(true).is_revoked());
        assert!(!li.with_revoked(true).with_revoked(false).is_revoked());
    }

    #[test]
    fn connections_are_validated_against_the_contract() {
        let t = at("2025-01-01T00:00:00Z");
        let li = Connection::new(Platform::LinkedIn, "John Doe", "johndoe", t);
        assert_eq!(li.validate(), Ok(()));
        let bs = Connection::new(Platform::Bluesky, "j.bsky.social", "j.bsky.social", t);
        assert_eq!(
            bs.clone().with_did(Some("did:plc:abc".into())).validate(),
            Ok(())
        );
        let long = "x".repeat(256);
        let cases = [
            (
                Connection::new(Platform::LinkedIn, "", "johndoe", t),
                ConnectionError::BadText("displayName"),
            ),
            (
                Connection::new(Platform::LinkedIn, "A", "evil\u{0}\u{1b}[31m", t),
                ConnectionError::BadText("username"),
            ),
            (
                Connection::new(Platform::LinkedIn, "A", " padded", t),
                ConnectionError::BadText("username"),
            ),
            (
                Connection::new(Platform::LinkedIn, long.as_str(), "a", t),
                ConnectionError::BadText("displayName"),
            ),
            (
                bs.clone().with_did(Some("did:plc:a\nb".into())),
                ConnectionError::BadText("did"),
            ),
            (
                bs.clone().with_expires_at(Some(t)),
                ConnectionError::UnexpectedExpiry(Platform::Bluesky),
            ),
            (
                li.clone()
                    .with_expires_at(Some(t - chrono::Duration::seconds(1))),
                ConnectionError::ExpiryBeforeConnection,
            ),
            // connectedAt + 60 days would be +10000-01-01T00:00:00Z, which RFC 3339
            // cannot write.
            (
                Connection::new(Platform::LinkedIn, "A", "a", at("9999-11-02T00:00:00Z")),
                ConnectionError::OutOfRange("expiresAt"),
            ),
            (
                Connection::new(Platform::Bluesky, "A", "a", Timestamp::MAX_UTC),
                ConnectionError::OutOfRange("connectedAt"),
            ),
            (
                Connection::new(Platform::Bluesky, "A", "a", Timestamp::MIN_UTC),
                ConnectionError::OutOfRange("connectedAt"),
            ),
        ];
        for (conn, err) in cases {
            assert_eq!(conn.validate(), Err(err), "{conn:?}");
        }
        assert_eq!(li.clone().with_expires_at(Some(t)).validate(), Ok(()));
        // The last second an RFC 3339 timestamp can show (a fraction is not kept).
        let last = Connection::new(Platform::LinkedIn, "A", "a", at("9999-11-01T23:59:59.9Z"));
        assert_eq!(last.expires_at(), Some(at("9999-12-31T23:59:59.9Z")));
        assert_eq!(last.validate(), Ok(()));
        assert_eq!(
            ConnectionError::OutOfRange("expiresAt").to_string(),
            "expiresAt: must be from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z"
        );
        assert!(is_valid_connection_text(&"é".repeat(255)));
        assert_eq!(
            ConnectionError::UnexpectedExpiry(Platform::Bluesky).to_string(),
            "expiresAt: bluesky credentials do not expire, so expiresAt must be null"
        );
    }

    fn at(s: &str) -> Timestamp {
        crate::parse_timestamp(s).unwrap()
    }

    #[test]
    fn same_platform_account_is_decided_by_id_then_handle_or_username() {
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

        let member = |name: &str, sub: &str| {
            Connection::new(Platform::LinkedIn, name, name, t)
                .with_platform_account_id(Some(sub.to_owned()))
        };
        assert!(member("John", "m-1").is_same_platform_account(&member("Johnny", "m-1")));
        assert!(!member("John", "m-1").is_same_platform_account(&member("John", "m-2")));

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
