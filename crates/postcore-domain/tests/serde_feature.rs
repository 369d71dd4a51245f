//! The optional `serde` feature: domain types round-trip through JSON (built only with
//! the feature: `required-features` in the manifest).

use postcore_domain::{Connection, Platform, Profile, ProfileKey, ProfileName, parse_timestamp};

#[test]
fn domain_types_round_trip_through_serde() {
    let at = parse_timestamp("2025-01-01T12:00:00Z").unwrap();
    let profile = Profile::new(
        ProfileKey::parse("prof_abc123def456").unwrap(),
        Some(ProfileName::parse("User: john@example.com").unwrap()),
        at,
    );
    let json = serde_json::to_value(&profile).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"key": "prof_abc123def456", "name": "User: john@example.com", "created_at": "2025-01-01T12:00:00Z"})
    );
    assert_eq!(serde_json::from_value::<Profile>(json).unwrap(), profile);

    let conn = Connection::new(Platform::LinkedIn, "John Doe", "johndoe", at);
    let back: Connection = serde_json::from_str(&serde_json::to_string(&conn).unwrap()).unwrap();
    assert_eq!(back, conn);
    assert_eq!(
        serde_json::to_value(Platform::LinkedIn).unwrap(),
        "linkedin"
    );
}

#[test]
fn invalid_values_are_refused_on_deserialisation() {
    let key = serde_json::from_str::<ProfileKey>("\"prof_a-b\"").unwrap_err();
    let name = serde_json::from_str::<ProfileName>("\"\"").unwrap_err();
    let platform = serde_json::from_str::<Platform>("\"twitter\"").unwrap_err();
    assert_eq!(
        [key.to_string(), name.to_string(), platform.to_string()],
        [
            "a profile key has only ASCII letters or digits after `prof_`",
            "profileName must not be empty",
            "unknown variant `twitter`, expected `bluesky` or `linkedin` at line 1 column 9",
        ]
    );
}
