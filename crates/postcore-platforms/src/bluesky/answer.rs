//! What a refusal of createSession means: the atproto error names of 400, 401 and 403.
//!
//! Sources: the lexicon `com.atproto.server.createSession` (errors `AccountTakedown`,
//! `AuthFactorTokenRequired`) and the PDS (`createSession.ts`, `account-manager.ts`):
//! a wrong identifier or password is 401 `AuthenticationRequired`, a taken-down account
//! 401 `AccountTakedown`, a malformed request 400 `InvalidRequest`; the entryway asks a
//! main password with email two-factor for a code with 401 `AuthFactorTokenRequired`.

use super::{PLATFORM, rejected};
use crate::{PlatformError, ProtocolError, RejectReason};

/// An XRPC error body, `{"error": NAME, "message": TEXT}`. The message is not read: it
/// could echo the identifier, and the name says all we act on.
#[derive(serde::Deserialize)]
struct XrpcError {
    error: Option<String>,
}

/// Classifies a 400, 401 or 403 answer from its status and bounded body.
///
/// - the error names of the lexicon decide whatever the status;
/// - 401 is a definite "these credentials do not sign in", whatever its body;
/// - 400 counts only with an XRPC error body: a bare 400 (from a proxy, say) is not the
///   service's verdict on the credentials;
/// - 403 is never answered by createSession (the PDS signals every refusal with 401), so
///   without a known error name it is a protocol error rather than a rejection — a
///   rejection would mark stored connections as needing a reconnect on a proxy's word.
pub(super) fn refusal(status: u16, body: &[u8]) -> PlatformError {
    let name = serde_json::from_slice::<XrpcError>(body)
        .ok()
        .and_then(|e| e.error);
    match (status, name.as_deref()) {
        (_, Some("AuthFactorTokenRequired")) => rejected(RejectReason::SecondFactorRequired),
        (_, Some("AccountTakedown")) => rejected(RejectReason::AccountTakenDown),
        (401, _) | (400, Some(_)) => rejected(RejectReason::InvalidCredentials),
        (other, _) => ProtocolError::error(
            PLATFORM,
            format!("createSession answered status {other} without a known atproto error"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(status: u16, body: &str) -> Result<RejectReason, String> {
        match refusal(status, body.as_bytes()) {
            PlatformError::Rejected(r) => Ok(r.reason),
            other => Err(other.to_string()),
        }
    }

    #[test]
    fn error_names_and_statuses_are_classified() {
        use RejectReason::*;
        let body = |name: &str| format!(r#"{{"error":"{name}","message":"m"}}"#);
        assert_eq!(
            reason(401, &body("AuthFactorTokenRequired")),
            Ok(SecondFactorRequired)
        );
        assert_eq!(
            reason(400, &body("AuthFactorTokenRequired")),
            Ok(SecondFactorRequired)
        );
        assert_eq!(reason(401, &body("AccountTakedown")), Ok(AccountTakenDown));
        assert_eq!(reason(403, &body("AccountTakedown")), Ok(AccountTakenDown));
        assert_eq!(
            reason(401, &body("AuthenticationRequired")),
            Ok(InvalidCredentials)
        );
        assert_eq!(reason(401, "<html>no</html>"), Ok(InvalidCredentials));
        assert_eq!(reason(401, ""), Ok(InvalidCredentials));
        assert_eq!(reason(400, &body("InvalidRequest")), Ok(InvalidCredentials));
        assert_eq!(
            reason(400, "Bad Request"),
            Err("Bluesky gave an answer PostCore cannot understand: createSession answered status 400 without a known atproto error".into())
        );
        assert_eq!(
            reason(403, &body("Forbidden")),
            Err("Bluesky gave an answer PostCore cannot understand: createSession answered status 403 without a known atproto error".into())
        );
    }
}
