//! The JSON shapes of `--json` output and of `import` input: the API's profile and
//! connected-platform objects (api.md §2), with `daysUntilExpiry` and `needsReconnect`
//! computed at the run's `now`.

use postcore_domain::{Connection, Timestamp, format_timestamp};
use postcore_store::ProfileRecord;
use serde::{Deserialize, Serialize};

/// A Connected Platform object (api.md §2). On input the two computed fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionJson {
    /// `linkedin` or `bluesky`.
    pub platform: String,
    /// Name shown on the platform.
    pub display_name: String,
    /// Handle or vanity name.
    pub username: String,
    /// RFC 3339, UTC.
    pub connected_at: String,
    /// RFC 3339, UTC, or null.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Whole days left at `now`, or null.
    #[serde(default)]
    pub days_until_expiry: Option<i64>,
    /// Whether a reconnect is needed at `now`.
    #[serde(default)]
    pub needs_reconnect: bool,
}

impl ConnectionJson {
    /// The object for `c` at `now`.
    pub fn new(c: &Connection, now: Timestamp) -> Self {
        Self {
            platform: c.platform().as_str().to_owned(),
            display_name: c.display_name().to_owned(),
            username: c.username().to_owned(),
            connected_at: format_timestamp(c.connected_at()),
            expires_at: c.expires_at().map(format_timestamp),
            days_until_expiry: c.days_until_expiry(now),
            needs_reconnect: c.needs_reconnect(now),
        }
    }
}

/// A Profile object of `GET /profiles` (api.md §2); `account` is added on output when
/// profiles of several accounts may be listed, and ignored on input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileJson {
    /// Owning account's name (output only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `prof_…`.
    pub profile_key: String,
    /// Optional label.
    #[serde(default)]
    pub profile_name: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The profile's connections.
    #[serde(default)]
    pub connected_platforms: Vec<ConnectionJson>,
}

impl ProfileJson {
    /// The object for `record` of `account` at `now`.
    pub fn new(record: &ProfileRecord, account: Option<&str>, now: Timestamp) -> Self {
        let p = &record.profile;
        Self {
            account: account.map(str::to_owned),
            profile_key: p.key().to_string(),
            profile_name: p.name().map(|n| n.as_str().to_owned()),
            created_at: format_timestamp(p.created_at()),
            connected_platforms: record
                .connections
                .iter()
                .map(|c| ConnectionJson::new(c, now))
                .collect(),
        }
    }
}

/// The `{"profiles": [...]}` document of `GET /profiles`, as `import` reads it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfilesDocument {
    /// The profiles.
    pub profiles: Vec<ProfileJson>,
}

/// Prints `value` as pretty JSON on stdout, followed by a newline.
///
/// # Errors
/// Serialization failures (not expected for these shapes).
pub fn print(value: &impl Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}
