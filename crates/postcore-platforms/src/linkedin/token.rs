//! `TokenSet`: a successful answer of the token endpoint (RFC 6749 §5.1), as LinkedIn sends
//! it: `access_token`, `expires_in`, and for apps with programmatic refresh tokens
//! `refresh_token` and `refresh_token_expires_in`.

use super::PLATFORM;
use crate::{PlatformError, ProtocolError};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

/// The tokens of one token answer. `Debug` shows no token.
///
/// Lifetimes are given as sent, in seconds from the answer, without interpretation: they
/// may be absent, zero, negative or huge, and the caller applies the platform's policy.
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// The access token, never empty.
    pub access_token: SecretString,
    /// Seconds until the access token expires (`expires_in`), as sent.
    pub expires_in: Option<i64>,
    /// A refresh token, when the platform issued one (an empty one counts as none).
    pub refresh_token: Option<SecretString>,
    /// Seconds until the refresh token expires (`refresh_token_expires_in`), as sent.
    pub refresh_token_expires_in: Option<i64>,
    /// The granted scopes, as sent (LinkedIn separates them with commas).
    pub scope: Option<String>,
}

/// The fields PostCore reads. Lifetimes are read as values to accept numbers and numeric
/// strings alike.
#[derive(serde::Deserialize)]
struct Answer {
    access_token: Option<SecretString>,
    token_type: Option<String>,
    expires_in: Option<Value>,
    refresh_token: Option<SecretString>,
    refresh_token_expires_in: Option<Value>,
    scope: Option<String>,
}

fn protocol(detail: &str) -> PlatformError {
    ProtocolError::error(PLATFORM, detail)
}

/// The seconds of a lifetime field: a JSON integer (or a number with no fraction), or a
/// string of one (`"5184000"`); `null` or absent is `None`. Anything else, or a value
/// beyond `i64`, is a protocol error naming the field.
fn seconds(field: &str, value: Option<Value>) -> Result<Option<i64>, PlatformError> {
    let invalid = || {
        protocol(&format!(
            "the token answer's {field} is not a whole number of seconds"
        ))
    };
    let whole = |f: f64| (f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i64);
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().and_then(whole))
            .map(Some)
            .ok_or_else(invalid),
        Some(Value::String(s)) => s.parse().map(Some).map_err(|_| invalid()),
        Some(_) => Err(invalid()),
    }
}

/// The tokens in a 200 body of the token endpoint.
///
/// # Errors
/// A protocol error when the body is not a JSON object of that shape, has no or an empty
/// `access_token`, a `token_type` other than `Bearer` (RFC 6750; absent is accepted, as
/// LinkedIn's answers have none), or a lifetime that is not a whole number of seconds.
pub(super) fn parse(body: &[u8]) -> Result<TokenSet, PlatformError> {
    // serde's error text could quote the body, tokens included: never kept.
    let answer: Answer = serde_json::from_slice(body)
        .map_err(|_| protocol("the token answer is not the JSON object of RFC 6749 §5.1"))?;
    let access_token = answer
        .access_token
        .filter(|t| !t.expose_secret().is_empty())
        .ok_or_else(|| protocol("the token answer has no access_token"))?;
    if answer
        .token_type
        .is_some_and(|t| !t.eq_ignore_ascii_case("bearer"))
    {
        return Err(protocol("the token answer's token_type is not Bearer"));
    }
    Ok(TokenSet {
        access_token,
        expires_in: seconds("expires_in", answer.expires_in)?,
        refresh_token: answer
            .refresh_token
            .filter(|t| !t.expose_secret().is_empty()),
        refresh_token_expires_in: seconds(
            "refresh_token_expires_in",
            answer.refresh_token_expires_in,
        )?,
        scope: answer.scope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lifetimes_are_integers_or_numeric_strings() {
        let ok = |v: Value| seconds("expires_in", Some(v));
        assert_eq!(ok(json!(5_184_000)), Ok(Some(5_184_000)));
        assert_eq!(ok(json!(5_184_000.0)), Ok(Some(5_184_000)));
        assert_eq!(ok(json!("5184000")), Ok(Some(5_184_000)));
        assert_eq!(ok(json!("-1")), Ok(Some(-1)));
        assert_eq!(ok(json!(null)), Ok(None));
        assert_eq!(seconds("expires_in", None), Ok(None));
        let invalid = Err(protocol(
            "the token answer's expires_in is not a whole number of seconds",
        ));
        for bad in [
            json!(1.5),
            json!("soon"),
            json!(""),
            json!(" 60"),
            json!(true),
            json!([1]),
            json!(u64::MAX),
            json!(1e300),
        ] {
            assert_eq!(ok(bad.clone()), invalid, "{bad}");
        }
    }
}
