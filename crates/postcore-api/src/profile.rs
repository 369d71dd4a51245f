//! The profile objects: the Profile of `GET /profiles` (api.md §2, §5.1), the list document,
//! and the `profile` + `connectedPlatforms` body of `GET /profiles/{profileKey}` (§5.2).

use crate::ConnectedPlatform;
use postcore_domain::{Connection, Profile, Timestamp, format_timestamp};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// A Profile object (api.md §2): one element of `GET /profiles`, in the seed's field order.
///
/// Read by `postcore-admin import` from a saved `GET /profiles` response, where a missing
/// `profileName` is `null` and missing `connectedPlatforms` is `[]`; unknown fields (such as
/// the CLI's `account`) are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(as = Profile, description = "A profile (api.md §2): one end user of the app, with the platforms connected to it.")
)]
#[serde(rename_all = "camelCase")]
pub struct ProfileObject<'a> {
    /// `prof_…`, immutable (kept as text: the reader parses it and names the field).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::ProfileKeyText))]
    pub profile_key: Cow<'a, str>,
    /// Optional label, `null` when unset.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::ProfileNameText>, required))]
    pub profile_name: Option<Cow<'a, str>>,
    /// When the profile was created: RFC 3339, UTC, whole seconds.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// Its connections (`bluesky` before `linkedin`), `[]` when none.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub connected_platforms: Vec<ConnectedPlatform<'a>>,
}

impl<'a> ProfileObject<'a> {
    /// The wire form of `profile` with its `connections` at `now`, borrowing their text.
    pub fn new(profile: &'a Profile, connections: &'a [Connection], now: Timestamp) -> Self {
        Self {
            profile_key: Cow::Borrowed(profile.key().as_str()),
            profile_name: profile.name().map(|n| Cow::Borrowed(n.as_str())),
            created_at: format_timestamp(profile.created_at()),
            connected_platforms: ConnectedPlatform::all(connections, now),
        }
    }
}

/// The `{"profiles": [...]}` document of `GET /profiles` (api.md §5.1).
///
/// The server streams this shape profile by profile rather than building it; the CLI prints
/// it (`profiles list --json`, with [`crate::WithAccount`] elements) and `import` reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileList<P = ProfileObject<'static>> {
    /// The profiles, ordered by `createdAt`, then `profileKey`.
    pub profiles: Vec<P>,
}

/// The body of `GET /profiles?limit=…` (api.md §5.1, extension): one page of profiles in
/// listing order and the cursor of the next page, `null` when this page is the last.
///
/// The server streams this shape as it does [`ProfileList`]; callers read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfilePage<P = ProfileObject<'static>> {
    /// The profiles, ordered by `createdAt`, then `profileKey`.
    pub profiles: Vec<P>,
    /// Opaque text to pass as `cursor` for the next page; `null` after the last page.
    pub next_cursor: Option<String>,
}

/// The `profile` object of `GET /profiles/{profileKey}` (api.md §5.2): a Profile without
/// its connections, which the detail carries beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProfileSummary<'a> {
    /// `prof_…`.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::openapi::ProfileKeyText))]
    pub profile_key: Cow<'a, str>,
    /// Optional label, `null` when unset.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::openapi::ProfileNameText>, required))]
    pub profile_name: Option<Cow<'a, str>>,
    /// When the profile was created: RFC 3339, UTC, whole seconds.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
}

impl<'a> From<&'a Profile> for ProfileSummary<'a> {
    fn from(profile: &'a Profile) -> Self {
        Self {
            profile_key: Cow::Borrowed(profile.key().as_str()),
            profile_name: profile.name().map(|n| Cow::Borrowed(n.as_str())),
            created_at: format_timestamp(profile.created_at()),
        }
    }
}

/// The body of `GET /profiles/{profileKey}` (api.md §5.2):
/// `{"profile": {…}, "connectedPlatforms": […]}` exactly as the seed shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProfileDetail<'a> {
    /// The profile without its connections.
    pub profile: ProfileSummary<'a>,
    /// Its connections (`bluesky` before `linkedin`), `[]` when none.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required))]
    pub connected_platforms: Vec<ConnectedPlatform<'a>>,
}

impl<'a> ProfileDetail<'a> {
    /// The wire form of `profile` with its `connections` at `now`, borrowing their text.
    pub fn new(profile: &'a Profile, connections: &'a [Connection], now: Timestamp) -> Self {
        Self {
            profile: ProfileSummary::from(profile),
            connected_platforms: ConnectedPlatform::all(connections, now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{at, seed_bluesky, seed_linkedin, seed_now, seed_profile};

    /// The seed's `GET /profiles` example, compacted.
    const SEED_LIST: &str = concat!(
        r#"{"profiles":[{"profileKey":"prof_abc123def456","profileName":"User: john@example.com","createdAt":"2025-01-01T12:00:00Z","connectedPlatforms":["#,
        r#"{"platform":"linkedin","displayName":"John Doe","username":"johndoe","connectedAt":"2025-01-01T12:30:00Z","expiresAt":"2025-03-02T12:30:00Z","daysUntilExpiry":55,"needsReconnect":false},"#,
        r#"{"platform":"bluesky","displayName":"johndoe.bsky.social","username":"johndoe.bsky.social","connectedAt":"2025-01-02T10:00:00Z","expiresAt":null,"daysUntilExpiry":null,"needsReconnect":false}"#,
        r#"]}]}"#
    );

    /// The seed's `GET /profiles/:profileKey` example, compacted.
    const SEED_DETAIL: &str = concat!(
        r#"{"profile":{"profileKey":"prof_abc123","profileName":"User: john@example.com","createdAt":"2025-01-01T12:00:00Z"},"#,
        r#""connectedPlatforms":[{"platform":"linkedin","displayName":"John Doe","username":"johndoe","connectedAt":"2025-01-01T12:30:00Z","expiresAt":"2025-03-02T12:30:00Z","daysUntilExpiry":55,"needsReconnect":false}]}"#
    );

    #[test]
    fn the_seed_profile_list_is_written_byte_for_byte() {
        // The seed lists LinkedIn first; the order is the caller's (the server sorts).
        let (profile, connections) = (
            seed_profile("prof_abc123def456"),
            [seed_linkedin(), seed_bluesky()],
        );
        let list = ProfileList {
            profiles: vec![ProfileObject::new(&profile, &connections, seed_now())],
        };
        assert_eq!(serde_json::to_string(&list).unwrap(), SEED_LIST);
    }

    #[test]
    fn the_seed_profile_list_reads_back_into_the_same_objects() {
        let (profile, connections) = (
            seed_profile("prof_abc123def456"),
            [seed_linkedin(), seed_bluesky()],
        );
        let read: ProfileList = serde_json::from_str(SEED_LIST).unwrap();
        assert_eq!(
            read.profiles,
            vec![ProfileObject::new(&profile, &connections, seed_now())]
        );
    }

    #[test]
    fn the_seed_profile_detail_is_written_byte_for_byte() {
        let (profile, connections) = (seed_profile("prof_abc123"), [seed_linkedin()]);
        let detail = ProfileDetail::new(&profile, &connections, seed_now());
        assert_eq!(serde_json::to_string(&detail).unwrap(), SEED_DETAIL);
    }

    #[test]
    fn an_unnamed_profile_without_connections_has_a_null_name_and_an_empty_list() {
        let profile = Profile::new(
            postcore_domain::ProfileKey::parse("prof_abc").unwrap(),
            None,
            at("2025-01-01T12:00:00.999Z"),
        );
        assert_eq!(
            serde_json::to_string(&ProfileObject::new(&profile, &[], seed_now())).unwrap(),
            r#"{"profileKey":"prof_abc","profileName":null,"createdAt":"2025-01-01T12:00:00Z","connectedPlatforms":[]}"#
        );
        assert_eq!(
            serde_json::to_string(&ProfileSummary::from(&profile)).unwrap(),
            r#"{"profileKey":"prof_abc","profileName":null,"createdAt":"2025-01-01T12:00:00Z"}"#
        );
    }

    #[test]
    fn reading_a_profile_ignores_unknown_fields_and_defaults_the_optional_ones() {
        let read: ProfileObject<'static> = serde_json::from_str(
            r#"{"account":"acme","profileKey":"prof_abc","createdAt":"2025-01-01T12:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(
            read,
            ProfileObject {
                profile_key: "prof_abc".into(),
                profile_name: None,
                created_at: "2025-01-01T12:00:00Z".into(),
                connected_platforms: vec![],
            }
        );
    }

    #[test]
    fn an_empty_list_is_the_seeds_empty_response() {
        let list: ProfileList = ProfileList { profiles: vec![] };
        assert_eq!(serde_json::to_string(&list).unwrap(), r#"{"profiles":[]}"#);
    }
}
