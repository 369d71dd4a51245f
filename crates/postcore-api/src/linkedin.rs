//! `POST /profiles/connect/linkedin` (api.md §5.5, extension): the request and the answer.

use serde::{Deserialize, Serialize};

/// The body of `POST /profiles/connect/linkedin`: `{"profileKey"?: string | null,
/// "returnUrl"?: string | null}` (an empty body is both absent). Unknown fields are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkedInStartRequest {
    /// The profile to connect; absent or `null`: the callback creates one.
    #[serde(default)]
    pub profile_key: Option<String>,
    /// Where the browser goes back to; must be on the account's allow-list. Absent or
    /// `null`: the callback ends on a small page of its own.
    #[serde(default)]
    pub return_url: Option<String>,
}

/// The answer: where to send the user's browser, and until when that works
/// (`{"authorizationUrl", "expiresAt"}`; the state inside expires after 10 minutes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationStart {
    /// LinkedIn's authorization URL with this flow's single-use `state`.
    #[cfg_attr(feature = "openapi", schema(format = "uri"))]
    pub authorization_url: String,
    /// When the state stops being accepted: RFC 3339, UTC, whole seconds.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub expires_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_body_is_read_strictly() {
        let read = |json: &str| serde_json::from_str::<LinkedInStartRequest>(json);
        assert_eq!(read("{}").unwrap(), LinkedInStartRequest::default());
        assert_eq!(
            read(r#"{"profileKey":"prof_a","returnUrl":null}"#).unwrap(),
            LinkedInStartRequest {
                profile_key: Some("prof_a".into()),
                return_url: None
            }
        );
        let refused = |json: &str| read(json).unwrap_err().to_string();
        assert_eq!(
            refused(r#"{"apiKey":"x"}"#),
            "unknown field `apiKey`, expected `profileKey` or `returnUrl` at line 1 column 9"
        );
        assert_eq!(
            refused(r#"{"profileKey":5}"#),
            "invalid type: integer `5`, expected a string at line 1 column 15"
        );
    }

    #[test]
    fn the_answer_has_the_documented_fields() {
        let start = AuthorizationStart {
            authorization_url: "https://www.linkedin.com/oauth/v2/authorization?x=1".into(),
            expires_at: "2025-01-06T12:40:00Z".into(),
        };
        assert_eq!(
            serde_json::to_string(&start).unwrap(),
            r#"{"authorizationUrl":"https://www.linkedin.com/oauth/v2/authorization?x=1","expiresAt":"2025-01-06T12:40:00Z"}"#
        );
    }
}
