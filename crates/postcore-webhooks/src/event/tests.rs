//! Exact JSON of every event type, from the seed's profile and connections.

use super::*;
use postcore_domain::{Platform, ProfileName, parse_timestamp};

fn at(text: &str) -> Timestamp {
    parse_timestamp(text).unwrap()
}

fn key() -> ProfileKey {
    ProfileKey::parse("prof_abcdefghij012345").unwrap()
}

fn id() -> EventId {
    EventId::parse("evt_0123456789abcdef0123456789abcdef").unwrap()
}

/// The seed's LinkedIn connection: connected 2025-01-01T12:30:00Z, expires 2025-03-02T12:30:00Z.
fn linkedin() -> Connection {
    Connection::new(
        Platform::LinkedIn,
        "John Doe",
        "johndoe",
        at("2025-01-01T12:30:00Z"),
    )
}

fn body(event: &WebhookEvent) -> String {
    event.payload().body().to_owned()
}

#[test]
fn expiring_seven_days_before_carries_the_connection_as_get_profiles_shows_it() {
    let event = WebhookEvent::connection(
        ConnectionEvent::Expiring,
        id(),
        &key(),
        &linkedin(),
        at("2025-02-23T12:30:00.750Z"),
    );
    assert_eq!(
        body(&event),
        concat!(
            r#"{"id":"evt_0123456789abcdef0123456789abcdef","type":"connection.expiring","createdAt":"2025-02-23T12:30:00Z","#,
            r#""data":{"profileKey":"prof_abcdefghij012345","platform":"linkedin","displayName":"John Doe","username":"johndoe","#,
            r#""connectedAt":"2025-01-01T12:30:00Z","expiresAt":"2025-03-02T12:30:00Z","daysUntilExpiry":7,"needsReconnect":false}}"#
        )
    );
    assert_eq!(event.payload().id(), &id());
}

#[test]
fn each_connection_event_has_its_wire_type_and_state_at_its_instant() {
    let expiry = at("2025-03-02T12:30:00Z");
    let marked = linkedin().with_revoked(true);
    let cases = [
        (
            ConnectionEvent::Expired,
            linkedin(),
            expiry,
            "connection.expired",
            0,
            true,
        ),
        (
            ConnectionEvent::NeedsReconnect,
            marked,
            at("2025-01-10T00:00:00Z"),
            "connection.needs_reconnect",
            51,
            true,
        ),
        (
            ConnectionEvent::Connected,
            linkedin(),
            at("2025-01-01T12:30:00Z"),
            "connection.connected",
            60,
            false,
        ),
        (
            ConnectionEvent::Disconnected,
            linkedin(),
            at("2025-01-06T12:30:00Z"),
            "connection.disconnected",
            55,
            false,
        ),
    ];
    for (kind, connection, when, wire, days, needs) in cases {
        let event = WebhookEvent::connection(kind, id(), &key(), &connection, when);
        assert_eq!(event.event_type().as_str(), wire);
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            serde_json::json!({
                "id": "evt_0123456789abcdef0123456789abcdef",
                "type": wire,
                "createdAt": format_timestamp(when),
                "data": {
                    "profileKey": "prof_abcdefghij012345",
                    "platform": "linkedin",
                    "displayName": "John Doe",
                    "username": "johndoe",
                    "connectedAt": "2025-01-01T12:30:00Z",
                    "expiresAt": "2025-03-02T12:30:00Z",
                    "daysUntilExpiry": days,
                    "needsReconnect": needs
                }
            }),
            "{wire}"
        );
    }
}

#[test]
fn a_bluesky_connection_has_null_expiry_fields() {
    let handle = "johndoe.bsky.social";
    let bluesky = Connection::new(
        Platform::Bluesky,
        handle,
        handle,
        at("2025-01-02T10:00:00Z"),
    );
    let event = WebhookEvent::connection(
        ConnectionEvent::Connected,
        id(),
        &key(),
        &bluesky,
        at("2025-01-02T10:00:00Z"),
    );
    assert_eq!(
        body(&event),
        concat!(
            r#"{"id":"evt_0123456789abcdef0123456789abcdef","type":"connection.connected","createdAt":"2025-01-02T10:00:00Z","#,
            r#""data":{"profileKey":"prof_abcdefghij012345","platform":"bluesky","displayName":"johndoe.bsky.social","username":"johndoe.bsky.social","#,
            r#""connectedAt":"2025-01-02T10:00:00Z","expiresAt":null,"daysUntilExpiry":null,"needsReconnect":false}}"#
        )
    );
}

#[test]
fn profile_deleted_carries_the_profile_object_of_get_profiles_key() {
    let profile = Profile::new(
        key(),
        ProfileName::parse("User: john@example.com").ok(),
        at("2025-01-01T12:00:00Z"),
    );
    let event = WebhookEvent::profile_deleted(id(), &profile, at("2025-04-01T08:00:00Z"));
    assert_eq!(
        body(&event),
        concat!(
            r#"{"id":"evt_0123456789abcdef0123456789abcdef","type":"profile.deleted","createdAt":"2025-04-01T08:00:00Z","#,
            r#""data":{"profileKey":"prof_abcdefghij012345","profileName":"User: john@example.com","createdAt":"2025-01-01T12:00:00Z"}}"#
        )
    );
}

#[test]
fn a_ping_has_empty_data() {
    let event = WebhookEvent::ping(id(), at("2025-04-01T08:00:00Z"));
    assert_eq!(
        body(&event),
        r#"{"id":"evt_0123456789abcdef0123456789abcdef","type":"ping","createdAt":"2025-04-01T08:00:00Z","data":{}}"#
    );
}

#[test]
fn event_types_have_the_issues_wire_names_and_parse_back() {
    let names: Vec<_> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(
        names,
        [
            "connection.expiring",
            "connection.expired",
            "connection.needs_reconnect",
            "connection.connected",
            "connection.disconnected",
            "profile.deleted",
            "ping"
        ]
    );
    for t in EventType::ALL {
        assert_eq!(EventType::parse(t.as_str()), Ok(t));
        assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
    }
    let refused = EventType::parse("connection.Expiring").unwrap_err();
    assert_eq!(
        refused.to_string(),
        "unknown event type; expected one of connection.expiring, connection.expired, connection.needs_reconnect, connection.connected, connection.disconnected, profile.deleted, ping"
    );
}
