//! `/webhooks` (api.md §5.7, extension): the create request, read field by field with
//! messages that name the field, and the endpoint objects the server and the CLI print.

use crate::connect::{fields, refuse, text};
use crate::loose::Loose;
use postcore_domain::{Timestamp, format_timestamp};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Longest `description`, in characters.
pub const WEBHOOK_DESCRIPTION_MAX_CHARS: usize = 255;

/// Longest `url` read from a body, in characters: more than the SSRF guard's 2048 bytes,
/// so that the guard's own message answers a long URL.
const URL_READ_MAX_CHARS: usize = 4096;

/// The body of `POST /webhooks`, checked: `{"url": string, "events"?: [string, …] | null,
/// "description"?: string | null}`. The event names are checked by the caller (it knows
/// the types); the URL by the SSRF guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateWebhookRequest {
    /// `url` as sent.
    pub url: String,
    /// `events` as sent, `None` when absent or `null` (every type); never empty.
    pub events: Option<Vec<String>>,
    /// `description`, `None` when absent or `null`: 1–255 characters, no control character.
    pub description: Option<String>,
}

/// Why a `POST /webhooks` body was refused: the message names the field
/// (`url`, `events[2]`, `description`) and never quotes a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequestError(String);

impl fmt::Display for WebhookRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WebhookRequestError {}

impl From<crate::ConnectRequestError> for WebhookRequestError {
    fn from(e: crate::ConnectRequestError) -> Self {
        Self(e.to_string())
    }
}

/// A `POST /webhooks` body as parsed JSON, not yet checked: deserialise it (any JSON
/// value parses), then call [`CreateWebhookBody::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateWebhookBody(Loose);

impl<'de> Deserialize<'de> for CreateWebhookBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Loose::deserialize(deserializer).map(Self)
    }
}

impl CreateWebhookBody {
    /// Checks the body's shape.
    ///
    /// # Errors
    /// [`WebhookRequestError`] naming the first field that is missing, repeated, unknown
    /// or of the wrong type: `url` (a non-empty string), `events` (a non-empty array of
    /// strings, or `null`; `events[i]` names a bad element), `description` (1–255
    /// characters without control characters, or `null`).
    pub fn check(self) -> Result<CreateWebhookRequest, WebhookRequestError> {
        let Loose::Object(entries) = self.0 else {
            return Err(WebhookRequestError(format!(
                "Request body must be a JSON object, not {}",
                self.0.kind()
            )));
        };
        let [url, events, description] =
            <[_; 3]>::try_from(fields(&entries, "", &["url", "events", "description"])?)
                .expect("three known fields");
        let url = text(url, "url", URL_READ_MAX_CHARS)?;
        let events = match events {
            None | Some(Loose::Null) => None,
            Some(Loose::Array(items)) if items.is_empty() => {
                return Err(WebhookRequestError(
                    "events must not be empty: leave it out (or null) for every event type".into(),
                ));
            }
            Some(Loose::Array(items)) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| match item {
                        Loose::Text(t) => Ok(t.clone()),
                        other => refuse(format!(
                            "events[{i}] must be a string, not {}",
                            other.kind()
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(other) => {
                return Err(WebhookRequestError(format!(
                    "events must be an array of event types or null, not {}",
                    other.kind()
                )));
            }
        };
        let description = match description {
            None | Some(Loose::Null) => None,
            Some(value) => {
                let d = text(Some(value), "description", WEBHOOK_DESCRIPTION_MAX_CHARS)?;
                if let Some(rule) = description_problem(&d) {
                    return Err(WebhookRequestError(format!("description {rule}")));
                }
                Some(d)
            }
        };
        Ok(CreateWebhookRequest {
            url,
            events,
            description,
        })
    }
}

/// What is wrong with a webhook `description` (1–[`WEBHOOK_DESCRIPTION_MAX_CHARS`]
/// characters, checked apart), as the end of a sentence after its name: `must not be
/// blank` (only whitespace), or `must not hold control or invisible formatting characters`
/// (a control character, a bidirectional override or isolate U+202A–U+202E and
/// U+2066–U+2069, a zero-width or direction mark U+200B–U+200F and U+2060–U+2064, the line
/// and paragraph separators U+2028 and U+2029, or U+FEFF: text that would read otherwise
/// than it is where operators see it). `None` when it is fine. `POST /webhooks` and
/// `postcore-admin webhooks add` apply the same rule.
pub fn description_problem(description: &str) -> Option<&'static str> {
    let invisible = |c: char| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    };
    if description.chars().any(invisible) {
        Some("must not hold control or invisible formatting characters")
    } else if description.trim().is_empty() {
        Some("must not be blank")
    } else {
        None
    }
}

/// A webhook endpoint as `GET /webhooks` lists it (never its secret):
/// `{"id", "url", "events", "description", "createdAt", "disabled", "disabledAt",
/// "disabledReason", "consecutiveFailures"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = WebhookEndpoint))]
#[serde(rename_all = "camelCase")]
pub struct WebhookEndpointObject {
    /// `we_` + 16 lowercase letters or digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^we_[a-z0-9]{16}$"))]
    pub id: String,
    /// Where events are `POST`ed.
    #[cfg_attr(feature = "openapi", schema(format = "uri"))]
    pub url: String,
    /// The event types it receives; `null`: every type (`ping` is always sent to the
    /// endpoint it is made for).
    #[cfg_attr(feature = "openapi", schema(required))]
    pub events: Option<Vec<String>>,
    /// The note given at creation, or `null`.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub description: Option<String>,
    /// When it was created: RFC 3339, UTC, whole seconds.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// Whether it is disabled (after repeated failed deliveries, or `410 Gone`): nothing
    /// is written or sent for it.
    pub disabled: bool,
    /// When it was disabled, or `null`.
    #[cfg_attr(feature = "openapi", schema(format = DateTime, required))]
    pub disabled_at: Option<String>,
    /// Why it was disabled, or `null`.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub disabled_reason: Option<String>,
    /// Deliveries given up in a row (0 after a delivered one).
    pub consecutive_failures: u32,
}

impl WebhookEndpointObject {
    /// The wire form of an endpoint: `events` empty means every type (`null`);
    /// `disabled` is its instant and reason.
    pub fn new<'e>(
        id: &str,
        url: &str,
        events: impl IntoIterator<Item = &'e str>,
        description: Option<&str>,
        created_at: Timestamp,
        disabled: Option<(Timestamp, &str)>,
        consecutive_failures: u32,
    ) -> Self {
        Self {
            id: id.to_owned(),
            url: url.to_owned(),
            events: Some(events.into_iter().map(str::to_owned).collect::<Vec<_>>())
                .filter(|events| !events.is_empty()),
            description: description.map(str::to_owned),
            created_at: format_timestamp(created_at),
            disabled: disabled.is_some(),
            disabled_at: disabled.map(|(at, _)| format_timestamp(at)),
            disabled_reason: disabled.map(|(_, reason)| reason.to_owned()),
            consecutive_failures,
        }
    }
}

/// The answer of `POST /webhooks` and `POST /webhooks/{id}/rotate-secret`: the endpoint
/// and its signing secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = WebhookEndpointWithSecret))]
#[serde(rename_all = "camelCase")]
pub struct WebhookEndpointWithSecret {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: WebhookEndpointObject,
    /// `whsec_` + base64 of 32 random bytes (Standard Webhooks): the key receivers verify
    /// `webhook-signature` with. Shown only in this answer.
    #[cfg_attr(feature = "openapi", schema(pattern = "^whsec_[A-Za-z0-9+/]+=*$"))]
    pub secret: String,
}

/// The answer of `GET /webhooks`: `{"webhooks": [endpoint, …]}`, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = WebhookList))]
pub struct WebhookList {
    /// The account's endpoints, by creation, then id.
    pub webhooks: Vec<WebhookEndpointObject>,
}

/// The answer of `POST /webhooks/{id}/test`: `{"eventId": "evt_…"}`, the `ping` queued
/// for delivery (its `webhook-id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct QueuedEvent {
    /// `evt_` + 32 lowercase hexadecimal digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^evt_[0-9a-f]{32}$"))]
    pub event_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str) -> Result<CreateWebhookRequest, String> {
        serde_json::from_str::<CreateWebhookBody>(json)
            .unwrap()
            .check()
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_full_body_is_read_as_sent() {
        assert_eq!(
            check(r#"{"url":"https://a.example/h","events":["ping","x"],"description":"d"}"#),
            Ok(CreateWebhookRequest {
                url: "https://a.example/h".into(),
                events: Some(vec!["ping".into(), "x".into()]),
                description: Some("d".into()),
            })
        );
        assert_eq!(
            check(r#"{"url":"u","events":null,"description":null}"#),
            Ok(CreateWebhookRequest {
                url: "u".into(),
                events: None,
                description: None,
            })
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            ("[]", "Request body must be a JSON object, not an array"),
            ("{}", "url is required"),
            (r#"{"url":5}"#, "url must be a string, not a number"),
            (r#"{"url":""}"#, "url must not be empty"),
            (r#"{"url":"u","url":"v"}"#, "url is given twice"),
            (
                r#"{"url":"u","secret":"s"}"#,
                "Unknown field in the body: expected url, events, description",
            ),
            (
                r#"{"url":"u","events":[]}"#,
                "events must not be empty: leave it out (or null) for every event type",
            ),
            (
                r#"{"url":"u","events":"ping"}"#,
                "events must be an array of event types or null, not a string",
            ),
            (
                r#"{"url":"u","events":["ping",1]}"#,
                "events[1] must be a string, not a number",
            ),
            (
                r#"{"url":"u","description":""}"#,
                "description must not be empty",
            ),
            (
                r#"{"url":"u","description":"a\nb"}"#,
                "description must not hold control or invisible formatting characters",
            ),
        ];
        for (json, message) in cases {
            assert_eq!(check(json), Err(message.to_owned()), "{json}");
        }
        let long = format!(r#"{{"url":"u","description":"{}"}}"#, "d".repeat(256));
        assert_eq!(
            check(&long),
            Err("description must be at most 255 characters".to_owned())
        );
    }

    #[test]
    fn an_endpoint_shows_every_type_as_null_and_its_disabling() {
        let at = postcore_domain::parse_timestamp("2025-01-06T12:30:00Z").unwrap();
        let json = serde_json::to_value(WebhookEndpointWithSecret {
            endpoint: WebhookEndpointObject::new(
                "we_0123456789abcdef",
                "https://a.example/h",
                [],
                None,
                at,
                Some((at, "gone")),
                5,
            ),
            secret: "whsec_x".into(),
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": "we_0123456789abcdef", "url": "https://a.example/h", "events": null,
                "description": null, "createdAt": "2025-01-06T12:30:00Z", "disabled": true,
                "disabledAt": "2025-01-06T12:30:00Z", "disabledReason": "gone",
                "consecutiveFailures": 5, "secret": "whsec_x"
            })
        );
    }
}
