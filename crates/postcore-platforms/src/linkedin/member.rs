//! `Member`: who a LinkedIn access token belongs to, from the OpenID Connect userinfo
//! answer (OpenID Connect Core §5.3.2, §5.1; LinkedIn's "Sign In with LinkedIn using
//! OpenID Connect").

use super::PLATFORM;
use crate::{PlatformError, ProtocolError};
use serde_json::{Map, Value};

/// A LinkedIn member, as userinfo describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's stable id for this app (`sub`), never empty.
    pub sub: String,
    /// The full name to show (`name`).
    pub name: Option<String>,
    /// The first name (`given_name`).
    pub given_name: Option<String>,
    /// The last name (`family_name`).
    pub family_name: Option<String>,
    /// The primary email address (`email`; only with the `email` scope).
    pub email: Option<String>,
}

/// The member in a 200 userinfo body. `sub` must be a non-empty string; the other claims
/// are read when they are non-empty strings and ignored otherwise (LinkedIn's `locale` is
/// an object, `picture` a URL: neither is kept).
pub(super) fn parse(body: &[u8]) -> Result<Member, PlatformError> {
    let protocol = |detail: &str| ProtocolError::error(PLATFORM, detail);
    // serde's error text could quote the body: never kept.
    let claims: Map<String, Value> = serde_json::from_slice(body)
        .map_err(|_| protocol("the userinfo answer is not a JSON object"))?;
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let sub = text("sub").ok_or_else(|| protocol("the userinfo answer has no sub"))?;
    Ok(Member {
        sub,
        name: text("name"),
        given_name: text("given_name"),
        family_name: text("family_name"),
        email: text("email"),
    })
}
