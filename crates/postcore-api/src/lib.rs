//! PostCore's wire JSON: the camelCase request and response types of the Profiles API.
#![doc = include_str!("../README.md")]

mod account;
mod connect;
mod connected_platform;
mod create;
mod linkedin;
mod loose;
mod message;
mod name_field;
#[cfg(feature = "openapi")]
pub mod openapi;
mod profile;
mod webhook;

pub use account::WithAccount;
pub use connect::{
    APP_PASSWORD_MAX_CHARS, ConnectBody, ConnectRequest, ConnectRequestError, ConnectResponse,
    PlatformRequest,
};
pub use connected_platform::ConnectedPlatform;
pub use create::{CreateProfileError, CreateProfileRequest, CreatedProfile};
pub use linkedin::{AuthorizationStart, LinkedInStartRequest};
pub use message::Message;
pub use profile::{ProfileDetail, ProfileList, ProfileObject, ProfilePage, ProfileSummary};
pub use webhook::{
    CreateWebhookBody, CreateWebhookRequest, QueuedEvent, WEBHOOK_DESCRIPTION_MAX_CHARS,
    WebhookEndpointObject, WebhookEndpointWithSecret, WebhookList, WebhookRequestError,
    description_problem,
};

/// The seed document's example values (`seed-profiles.txt`), for the unit tests.
#[cfg(test)]
mod test_support {
    use postcore_domain::{
        Connection, Platform, Profile, ProfileKey, ProfileName, Timestamp, parse_timestamp,
    };

    /// `text` (RFC 3339) as an instant.
    pub fn at(text: &str) -> Timestamp {
        parse_timestamp(text).unwrap()
    }

    /// The seed's `now`: LinkedIn connected 2025-01-01T12:30:00Z has 55 days left.
    pub fn seed_now() -> Timestamp {
        at("2025-01-06T12:30:00Z")
    }

    /// The seed's profile `User: john@example.com`, created 2025-01-01T12:00:00Z, as `key`.
    pub fn seed_profile(key: &str) -> Profile {
        Profile::new(
            ProfileKey::parse(key).unwrap(),
            ProfileName::parse("User: john@example.com").ok(),
            at("2025-01-01T12:00:00Z"),
        )
    }

    /// The seed's LinkedIn connection, John Doe (johndoe), connected 2025-01-01T12:30:00Z.
    pub fn seed_linkedin() -> Connection {
        Connection::new(
            Platform::LinkedIn,
            "John Doe",
            "johndoe",
            at("2025-01-01T12:30:00Z"),
        )
    }

    /// The seed's Bluesky connection, johndoe.bsky.social, connected 2025-01-02T10:00:00Z.
    pub fn seed_bluesky() -> Connection {
        let handle = "johndoe.bsky.social";
        Connection::new(
            Platform::Bluesky,
            handle,
            handle,
            at("2025-01-02T10:00:00Z"),
        )
    }
}
