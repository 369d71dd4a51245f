//! Wire DTOs: the camelCase JSON of api.md §2 and §5, converted from domain types.
//!
//! Field order follows the seed document. Instants are formatted by
//! [`postcore_domain::format_timestamp`] (`2025-01-01T12:00:00Z`); `daysUntilExpiry` and
//! `needsReconnect` are computed from the `now` each conversion is given (api.md §3).

use postcore_domain::{Connection, Profile, Timestamp, format_timestamp};
use postcore_store::ProfileRecord;
use serde::{Deserialize, Serialize};

/// A Connected Platform object (api.md §2), as of `now`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectedPlatform<'a> {
    /// `linkedin` or `bluesky`.
    pub platform: &'static str,
    /// Name shown on the platform.
    pub display_name: &'a str,
    /// Handle or vanity name on the platform.
    pub username: &'a str,
    /// When the connection was made or last renewed.
    pub connected_at: String,
    /// When the token stops working; `null` for Bluesky.
    pub expires_at: Option<String>,
    /// Whole days until `expiresAt` (never negative); `null` when it is `null`.
    pub days_until_expiry: Option<i64>,
    /// Whether the app must reconnect this platform.
    pub needs_reconnect: bool,
}

impl<'a> ConnectedPlatform<'a> {
    /// The wire form of `c` at `now`.
    pub fn new(c: &'a Connection, now: Timestamp) -> Self {
        Self {
            platform: c.platform().as_str(),
            display_name: c.display_name(),
            username: c.username(),
            connected_at: format_timestamp(c.connected_at()),
            expires_at: c.expires_at().map(format_timestamp),
            days_until_expiry: c.days_until_expiry(now),
            needs_reconnect: c.needs_reconnect(now),
        }
    }

    /// The wire form of each of `connections`, in their order.
    pub fn all(connections: &'a [Connection], now: Timestamp) -> Vec<Self> {
        connections.iter().map(|c| Self::new(c, now)).collect()
    }
}

/// The `profile` object of `GET /profiles/{profileKey}` (api.md §5.2): no connections.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileSummary<'a> {
    /// `prof_…`.
    pub profile_key: &'a str,
    /// Optional label, `null` when unset.
    pub profile_name: Option<&'a str>,
    /// When the profile was created.
    pub created_at: String,
}

impl<'a> From<&'a Profile> for ProfileSummary<'a> {
    fn from(p: &'a Profile) -> Self {
        Self {
            profile_key: p.key().as_str(),
            profile_name: p.name().map(|n| n.as_str()),
            created_at: format_timestamp(p.created_at()),
        }
    }
}

/// One element of `GET /profiles` (api.md §2 Profile, §5.1): the summary's fields, then
/// `connectedPlatforms`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedProfile<'a> {
    /// `profileKey`, `profileName`, `createdAt`.
    #[serde(flatten)]
    pub profile: ProfileSummary<'a>,
    /// Its connections, `[]` when none.
    pub connected_platforms: Vec<ConnectedPlatform<'a>>,
}

impl<'a> ListedProfile<'a> {
    /// The wire form of `record` at `now`.
    pub fn new(record: &'a ProfileRecord, now: Timestamp) -> Self {
        Self {
            profile: ProfileSummary::from(&record.profile),
            connected_platforms: ConnectedPlatform::all(&record.connections, now),
        }
    }
}

/// The body of `GET /profiles/{profileKey}` (api.md §5.2).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileDetail<'a> {
    /// The profile without its connections.
    pub profile: ProfileSummary<'a>,
    /// Its connections, `[]` when none.
    pub connected_platforms: Vec<ConnectedPlatform<'a>>,
}

impl<'a> ProfileDetail<'a> {
    /// The wire form of `record` at `now`.
    pub fn new(record: &'a ProfileRecord, now: Timestamp) -> Self {
        Self {
            profile: ProfileSummary::from(&record.profile),
            connected_platforms: ConnectedPlatform::all(&record.connections, now),
        }
    }
}

/// The body of `POST /profiles/create` (api.md §5.3): a JSON object whose only field is
/// `profileName`. Other JSON values (arrays included), unknown and duplicate fields are
/// refused; the name is kept as raw JSON so that a wrong type is reported naming the field.
#[derive(Debug)]
pub struct CreateProfileRequest {
    /// A string, `null`, or absent.
    pub profile_name: Option<serde_json::Value>,
}

/// The fields of [`CreateProfileRequest`], read only from a JSON object.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateProfileFields {
    #[serde(rename = "profileName", default)]
    profile_name: Option<serde_json::Value>,
}

impl<'de> Deserialize<'de> for CreateProfileRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Accepts a map only (a derived struct would also take a JSON array).
        struct ObjectOnly;
        impl<'de> serde::de::Visitor<'de> for ObjectOnly {
            type Value = CreateProfileRequest;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object with an optional profileName")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                let fields = CreateProfileFields::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(CreateProfileRequest {
                    profile_name: fields.profile_name,
                })
            }
        }
        deserializer.deserialize_map(ObjectOnly)
    }
}

/// The 201 answer of `POST /profiles/create` (api.md §5.3).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedProfile<'a> {
    /// The new profile's key.
    pub profile_key: &'a str,
    /// Its label, `null` when none was given.
    pub profile_name: Option<&'a str>,
}

/// A body that is only a message, e.g. `{"message": "Profile deleted successfully"}`.
#[derive(Debug, Serialize)]
pub struct Message {
    /// The text.
    pub message: &'static str,
}
