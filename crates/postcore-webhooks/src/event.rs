//! The events an app receives (issue 13, "Events"): their types with wire names, the JSON
//! body `{"id","type","createdAt","data"}`, and the payload that is signed and sent.

use crate::EventId;
use postcore_api::{ConnectedPlatform, ProfileSummary};
use postcore_domain::{
    Connection, Profile, ProfileKey, Timestamp, format_timestamp, whole_seconds,
};
use serde::Serialize;
use std::borrow::Cow;

/// Every event type, with its wire name (`type` in the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum EventType {
    /// `connection.expiring`: a token's `expiresAt` is one configured threshold away
    /// (default 7 days and 1 day), once per threshold per token.
    #[serde(rename = "connection.expiring")]
    ConnectionExpiring,
    /// `connection.expired`: `now` reached the token's `expiresAt` (api.md §3).
    #[serde(rename = "connection.expired")]
    ConnectionExpired,
    /// `connection.needs_reconnect`: the connection was marked revoked (by an admin, or the
    /// platform refused a refresh with a definite authentication error).
    #[serde(rename = "connection.needs_reconnect")]
    ConnectionNeedsReconnect,
    /// `connection.connected`: a platform connected to a profile, new or renewed.
    #[serde(rename = "connection.connected")]
    ConnectionConnected,
    /// `connection.disconnected`: a connection was removed.
    #[serde(rename = "connection.disconnected")]
    ConnectionDisconnected,
    /// `profile.deleted`: a profile and its connections were deleted.
    #[serde(rename = "profile.deleted")]
    ProfileDeleted,
    /// `ping`: a test event (`POST /webhooks/{id}/test`), sent whatever the endpoint's filter.
    #[serde(rename = "ping")]
    Ping,
}

/// Why a text is not an [`EventType`] wire name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type; expected one of {}", EventType::ALL.map(EventType::as_str).join(", "))]
pub struct EventTypeError;

impl EventType {
    /// Every type, in the order of the issue.
    pub const ALL: [EventType; 7] = [
        EventType::ConnectionExpiring,
        EventType::ConnectionExpired,
        EventType::ConnectionNeedsReconnect,
        EventType::ConnectionConnected,
        EventType::ConnectionDisconnected,
        EventType::ProfileDeleted,
        EventType::Ping,
    ];

    /// The wire name, e.g. `connection.expiring`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::ConnectionExpiring => "connection.expiring",
            EventType::ConnectionExpired => "connection.expired",
            EventType::ConnectionNeedsReconnect => "connection.needs_reconnect",
            EventType::ConnectionConnected => "connection.connected",
            EventType::ConnectionDisconnected => "connection.disconnected",
            EventType::ProfileDeleted => "profile.deleted",
            EventType::Ping => "ping",
        }
    }

    /// The type named `text` exactly (an endpoint's `events` filter, the outbox).
    ///
    /// # Errors
    /// [`EventTypeError`] for any other text; its message lists the wire names.
    pub fn parse(text: &str) -> Result<Self, EventTypeError> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == text)
            .ok_or(EventTypeError)
    }
}

/// The event types about one connection, for [`WebhookEvent::connection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionEvent {
    /// [`EventType::ConnectionExpiring`].
    Expiring,
    /// [`EventType::ConnectionExpired`].
    Expired,
    /// [`EventType::ConnectionNeedsReconnect`].
    NeedsReconnect,
    /// [`EventType::ConnectionConnected`].
    Connected,
    /// [`EventType::ConnectionDisconnected`].
    Disconnected,
}

impl ConnectionEvent {
    /// Its [`EventType`].
    pub fn event_type(self) -> EventType {
        match self {
            ConnectionEvent::Expiring => EventType::ConnectionExpiring,
            ConnectionEvent::Expired => EventType::ConnectionExpired,
            ConnectionEvent::NeedsReconnect => EventType::ConnectionNeedsReconnect,
            ConnectionEvent::Connected => EventType::ConnectionConnected,
            ConnectionEvent::Disconnected => EventType::ConnectionDisconnected,
        }
    }
}

/// One event, serialised as the issue's body (field order fixed):
///
/// ```json
/// {"id":"evt_…","type":"connection.expiring","createdAt":"2025-02-23T12:30:00Z",
///  "data":{"profileKey":"prof_…","platform":"linkedin","displayName":"John Doe",
///          "username":"johndoe","connectedAt":"2025-01-01T12:30:00Z",
///          "expiresAt":"2025-03-02T12:30:00Z","daysUntilExpiry":7,"needsReconnect":false}}
/// ```
///
/// `createdAt` is when the event happened (RFC 3339, UTC, whole seconds, api.md §1), not
/// when an attempt is made (that is `webhook-timestamp`). `data` is, by type:
/// - connection events: `profileKey` and the Connected Platform object of
///   `GET /profiles/{key}` (api.md §2, `postcore_api::ConnectedPlatform`, the same type),
///   computed at `createdAt`; for `connection.disconnected`, its last state;
/// - `profile.deleted`: the `profile` object of `GET /profiles/{key}`
///   (`postcore_api::ProfileSummary`: `profileKey`, `profileName`, `createdAt`);
/// - `ping`: `{}`.
///
/// Built once, when the event happens; the outbox keeps its [`EventPayload`], so every
/// attempt sends the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookEvent {
    id: EventId,
    #[serde(rename = "type")]
    event_type: EventType,
    #[serde(rename = "createdAt")]
    created_at: String,
    data: EventData,
}

/// The `data` of a [`WebhookEvent`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
enum EventData {
    Connection(ConnectionData),
    Profile(ProfileSummary<'static>),
    Ping(Empty),
}

/// `profileKey` followed by the Connected Platform fields, in one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct ConnectionData {
    profile_key: String,
    #[serde(flatten)]
    connection: ConnectedPlatform<'static>,
}

/// `{}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Empty {}

impl WebhookEvent {
    /// A connection event of `profile`'s `connection`, at `at` (its sub-second part is
    /// dropped): `daysUntilExpiry` and `needsReconnect` are computed at `at` (api.md §3).
    pub fn connection(
        event: ConnectionEvent,
        id: EventId,
        profile: &ProfileKey,
        connection: &Connection,
        at: Timestamp,
    ) -> Self {
        let at = whole_seconds(at);
        let wire = ConnectedPlatform::new(connection, at);
        let connection = ConnectedPlatform {
            platform: Cow::Owned(wire.platform.into_owned()),
            display_name: Cow::Owned(wire.display_name.into_owned()),
            username: Cow::Owned(wire.username.into_owned()),
            ..wire
        };
        Self::new(
            id,
            event.event_type(),
            at,
            EventData::Connection(ConnectionData {
                profile_key: profile.as_str().to_owned(),
                connection,
            }),
        )
    }

    /// `profile.deleted` of `profile`, at `at`.
    pub fn profile_deleted(id: EventId, profile: &Profile, at: Timestamp) -> Self {
        let summary = ProfileSummary::from(profile);
        let summary = ProfileSummary {
            profile_key: Cow::Owned(summary.profile_key.into_owned()),
            profile_name: summary.profile_name.map(|n| Cow::Owned(n.into_owned())),
            created_at: summary.created_at,
        };
        Self::new(
            id,
            EventType::ProfileDeleted,
            at,
            EventData::Profile(summary),
        )
    }

    /// A `ping`, at `at`, with `data` `{}`.
    pub fn ping(id: EventId, at: Timestamp) -> Self {
        Self::new(id, EventType::Ping, at, EventData::Ping(Empty {}))
    }

    fn new(id: EventId, event_type: EventType, at: Timestamp, data: EventData) -> Self {
        Self {
            id,
            event_type,
            created_at: format_timestamp(whole_seconds(at)),
            data,
        }
    }

    /// The event's id.
    pub fn id(&self) -> &EventId {
        &self.id
    }

    /// The event's type.
    pub fn event_type(&self) -> EventType {
        self.event_type
    }

    /// The id and the compact JSON body to store in the outbox and to sign and send.
    pub fn payload(&self) -> EventPayload {
        let body = serde_json::to_string(self).expect("the event body is plain JSON");
        EventPayload::new(self.id.clone(), body)
    }
}

/// What is signed and sent for one event: its id (the `webhook-id` header) and the exact
/// bytes of its JSON body. Every attempt sends these bytes (Standard Webhooks, "Signature
/// scheme": the payload sent must be the payload signed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPayload {
    id: EventId,
    body: String,
}

impl EventPayload {
    /// A payload from its parts, e.g. as read back from the outbox; `body` is sent as is.
    pub fn new(id: EventId, body: String) -> Self {
        Self { id, body }
    }

    /// The event id, `evt_…`.
    pub fn id(&self) -> &EventId {
        &self.id
    }

    /// The JSON body, byte for byte as sent.
    pub fn body(&self) -> &str {
        &self.body
    }
}

#[cfg(test)]
mod tests;
