//! What an OAuth error answer of the token or revocation endpoint means (RFC 6749 §5.2,
//! RFC 7009 §2.2.1): `invalid_grant` is the member's grant gone, the rest is PostCore's or
//! the operator's mistake.

use super::{PLATFORM, rejected};
use crate::{PlatformError, ProtocolError, RejectReason};

/// An OAuth error body, `{"error": CODE, "error_description": TEXT}`. The description is
/// not read: it could echo what was sent, and the code says all PostCore acts on.
#[derive(serde::Deserialize)]
struct OAuthError {
    error: Option<String>,
}

/// The error codes of RFC 6749 §5.2 and RFC 7009 §2.2.1: only these are quoted in an
/// error's detail (any other text from the platform could hold anything).
const KNOWN_CODES: [&str; 7] = [
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "unsupported_token_type",
];

/// Classifies a 4xx answer (not 429) of the `endpoint` (`token` or `revoke`) from its
/// error code, whatever the status (RFC 6749 §5.2 answers 400, or 401 for a client that
/// failed to authenticate):
///
/// - `invalid_grant` → [`RejectReason::InvalidGrant`]: the code or refresh token is
///   expired, used or revoked; only the member connecting again mends it;
/// - `invalid_client`, `unauthorized_client` → protocol error: the operator's client id or
///   secret is wrong (the detail names the settings, never their values);
/// - any other code, or none → protocol error naming the status and the code when known.
pub(super) fn refusal(endpoint: &str, status: u16, body: &[u8]) -> PlatformError {
    let code = serde_json::from_slice::<OAuthError>(body)
        .ok()
        .and_then(|e| e.error);
    let detail = match code.as_deref() {
        Some("invalid_grant") => return rejected(RejectReason::InvalidGrant),
        Some(code @ ("invalid_client" | "unauthorized_client")) => format!(
            "the {endpoint} endpoint refused PostCore's client ({code}): check POSTCORE_LINKEDIN_CLIENT_ID and POSTCORE_LINKEDIN_CLIENT_SECRET"
        ),
        Some(code) if KNOWN_CODES.contains(&code) => {
            format!("the {endpoint} endpoint answered status {status} with {code}")
        }
        Some(_) => {
            format!("the {endpoint} endpoint answered status {status} with an unknown error code")
        }
        None => format!("the {endpoint} endpoint answered status {status} without an OAuth error"),
    };
    ProtocolError::error(PLATFORM, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(status: u16, body: &str) -> Result<RejectReason, String> {
        match refusal("token", status, body.as_bytes()) {
            PlatformError::Rejected(r) => Ok(r.reason),
            other => Err(other.to_string()),
        }
    }

    #[test]
    fn error_codes_decide_whatever_the_status() {
        let body = |code: &str| format!(r#"{{"error":"{code}","error_description":"d"}}"#);
        let grant = Ok(RejectReason::InvalidGrant);
        assert_eq!(outcome(400, &body("invalid_grant")), grant);
        assert_eq!(outcome(401, &body("invalid_grant")), grant);
        let client = |code: &str| {
            Err(format!(
                "LinkedIn gave an answer PostCore cannot understand: the token endpoint refused PostCore's client ({code}): check POSTCORE_LINKEDIN_CLIENT_ID and POSTCORE_LINKEDIN_CLIENT_SECRET"
            ))
        };
        assert_eq!(
            outcome(401, &body("invalid_client")),
            client("invalid_client")
        );
        assert_eq!(
            outcome(400, &body("unauthorized_client")),
            client("unauthorized_client")
        );
        let prefix = "LinkedIn gave an answer PostCore cannot understand: the token endpoint";
        assert_eq!(
            outcome(400, &body("invalid_request")),
            Err(format!("{prefix} answered status 400 with invalid_request"))
        );
        assert_eq!(
            outcome(400, &body("secret-echo-AQX")),
            Err(format!(
                "{prefix} answered status 400 with an unknown error code"
            ))
        );
        assert_eq!(
            outcome(404, "<html>Not Found</html>"),
            Err(format!(
                "{prefix} answered status 404 without an OAuth error"
            ))
        );
    }
}
