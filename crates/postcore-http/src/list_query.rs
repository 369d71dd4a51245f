//! The query of `GET /profiles` (api.md §5.1, extension): filters, a page size and a
//! cursor, each validated, with messages that name the parameter and never echo a value.

use crate::ApiError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use postcore_domain::{MAX_EXPIRING_WITHIN_DAYS, Platform, ProfileFilter, ProfileKey};
use postcore_store::ProfileCursor;

/// The largest `limit`: 1,000 profiles a page (api.md §5.1).
pub const MAX_LIMIT: u32 = 1_000;

/// The longest cursor accepted, in characters: far above any cursor this server gives out
/// (about 110), so that a malformed one is refused before it is decoded.
const MAX_CURSOR_CHARS: usize = 256;

/// The query parameters of `GET /profiles` (api.md §5.1). Every one is optional, none may
/// be repeated, and any other parameter is refused; without any, the answer is the
/// hosted service's (every profile, streamed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// `platform=linkedin|bluesky`: only profiles with that platform connected; the other
    /// filters then judge that platform's connection only.
    pub platform: Option<Platform>,
    /// `needsReconnect=true|false`: only profiles with (or without) a connection that
    /// needs a reconnect now (api.md §3). `false` includes profiles with no connection.
    pub needs_reconnect: Option<bool>,
    /// `expiringWithinDays=N`, N a whole number of days from 0 to 36,500: only profiles
    /// with a connection whose `daysUntilExpiry ≤ N` now, or that needs a reconnect.
    pub expiring_within_days: Option<u32>,
    /// `limit=1..1000`: answer one page of at most this many profiles, with `nextCursor`.
    pub limit: Option<u32>,
    /// `cursor=…`: start after the position a previous page's `nextCursor` names (opaque
    /// text; pass it back unchanged).
    pub cursor: Option<PageCursor>,
}

impl ListQuery {
    /// Parses a raw query string (`application/x-www-form-urlencoded`; empty for none).
    ///
    /// # Errors
    /// 400 `VALIDATION_ERROR` naming the first parameter that is unknown, repeated or has
    /// a bad value.
    pub fn parse(query: &str) -> Result<Self, ApiError> {
        let mut out = Self::default();
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if seen.iter().any(|s| *s == name) {
                return Err(invalid(format!(
                    "query parameter `{}` is given more than once",
                    shown(&name)
                )));
            }
            seen.push(name.clone().into_owned());
            match name.as_ref() {
                "platform" => {
                    let platform = Platform::parse(&value)
                        .map_err(|_| invalid("platform must be linkedin or bluesky".into()))?;
                    out.platform = Some(platform);
                }
                "needsReconnect" => {
                    out.needs_reconnect = Some(match value.as_ref() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(invalid("needsReconnect must be true or false".into())),
                    });
                }
                "expiringWithinDays" => {
                    out.expiring_within_days = Some(
                        number(&value, 0, MAX_EXPIRING_WITHIN_DAYS).ok_or_else(|| {
                            invalid(format!(
                                "expiringWithinDays must be a whole number of days from 0 to {MAX_EXPIRING_WITHIN_DAYS}"
                            ))
                        })?,
                    );
                }
                "limit" => {
                    out.limit = Some(number(&value, 1, MAX_LIMIT).ok_or_else(|| {
                        invalid(format!(
                            "limit must be a whole number from 1 to {MAX_LIMIT}"
                        ))
                    })?);
                }
                "cursor" => {
                    out.cursor = Some(PageCursor::decode(&value).ok_or_else(|| {
                        invalid(
                            "cursor is malformed: pass a previous page's nextCursor unchanged"
                                .into(),
                        )
                    })?);
                }
                other => {
                    return Err(invalid(format!(
                        "Unknown query parameter `{}`: GET /profiles takes platform, \
                         needsReconnect, expiringWithinDays, limit and cursor",
                        shown(other)
                    )));
                }
            }
        }
        Ok(out)
    }

    /// The filter these parameters ask for.
    pub fn filter(&self) -> ProfileFilter {
        ProfileFilter {
            platform: self.platform,
            needs_reconnect: self.needs_reconnect,
            expiring_within_days: self.expiring_within_days,
        }
    }
}

/// A position in the listing order (`createdAt`, then `profileKey`; api.md §1): the page
/// continues strictly after it, so profiles created or deleted between pages never make
/// one that lived throughout appear twice or not at all.
///
/// On the wire it is opaque: base64url (RFC 4648 §5, no padding) of
/// `<createdAt as Unix seconds>:<profileKey>` — nothing the caller has not already seen in
/// the previous page, and nothing the server trusts beyond a position within the
/// caller's own account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCursor(pub ProfileCursor);

impl PageCursor {
    /// The wire text of the cursor.
    pub fn encode(&self) -> String {
        let text = format!("{}:{}", self.0.created_at.timestamp(), self.0.key.as_str());
        URL_SAFE_NO_PAD.encode(text)
    }

    /// Reads a cursor that [`Self::encode`] wrote; `None` for anything else (too long, not
    /// base64url, not the shape, an instant outside the API's range, a malformed key).
    pub fn decode(text: &str) -> Option<Self> {
        if text.len() > MAX_CURSOR_CHARS {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let (seconds, key) = std::str::from_utf8(&bytes).ok()?.split_once(':')?;
        if seconds.is_empty() || !seconds.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return None;
        }
        let created_at = postcore_domain::Timestamp::from_timestamp(seconds.parse().ok()?, 0)?;
        if !postcore_domain::is_in_timestamp_range(created_at) {
            return None;
        }
        Some(Self(ProfileCursor {
            created_at,
            key: ProfileKey::parse(key).ok()?,
        }))
    }
}

/// A whole number in `min..=max`, written in plain decimal digits (no sign, no spaces).
fn number(text: &str, min: u32, max: u32) -> Option<u32> {
    if text.is_empty() || text.len() > 10 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| (min..=max).contains(n))
}

fn invalid(message: String) -> ApiError {
    ApiError::Validation(message)
}

/// A parameter name as shown in a message: at most 64 characters.
fn shown(name: &str) -> String {
    name.chars().take(64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(query: &str) -> String {
        match ListQuery::parse(query) {
            Err(ApiError::Validation(m)) => m,
            other => panic!("{query}: {other:?}"),
        }
    }

    #[test]
    fn every_parameter_is_read() {
        let cursor = PageCursor(ProfileCursor {
            created_at: postcore_domain::parse_timestamp("2025-01-01T12:00:00Z").unwrap(),
            key: ProfileKey::parse("prof_abc123").unwrap(),
        });
        let query = format!(
            "platform=bluesky&needsReconnect=false&expiringWithinDays=36500&limit=1000&cursor={}",
            cursor.encode()
        );
        assert_eq!(
            ListQuery::parse(&query).unwrap(),
            ListQuery {
                platform: Some(Platform::Bluesky),
                needs_reconnect: Some(false),
                expiring_within_days: Some(36_500),
                limit: Some(1000),
                cursor: Some(cursor),
            }
        );
        assert_eq!(ListQuery::parse("").unwrap(), ListQuery::default());
    }

    #[test]
    fn a_cursor_is_base64url_of_the_seconds_and_the_key_and_reads_back() {
        let cursor = PageCursor(ProfileCursor {
            created_at: postcore_domain::parse_timestamp("2025-01-01T12:00:00Z").unwrap(),
            key: ProfileKey::parse("prof_abc123").unwrap(),
        });
        // base64url("1735732800:prof_abc123")
        assert_eq!(cursor.encode(), "MTczNTczMjgwMDpwcm9mX2FiYzEyMw");
        assert_eq!(PageCursor::decode(&cursor.encode()), Some(cursor));
    }

    #[test]
    fn malformed_cursors_are_refused() {
        let b64 = |t: &str| URL_SAFE_NO_PAD.encode(t);
        for bad in [
            String::new(),
            "!!!".into(),
            b64("1735732800"),
            b64(":prof_abc"),
            b64("1735732800:"),
            b64("1735732800:PROF_abc"),
            b64("1e3:prof_abc"),
            b64("+5:prof_abc"),
            b64("99999999999999:prof_abc"),
            b64("99999999999999999999999:prof_abc"),
            b64(&format!("1:prof_{}", "a".repeat(65))),
            "A".repeat(257),
        ] {
            assert_eq!(PageCursor::decode(&bad), None, "{bad}");
        }
    }

    #[test]
    fn each_bad_parameter_is_named() {
        let limit = "limit must be a whole number from 1 to 1000";
        let days = "expiringWithinDays must be a whole number of days from 0 to 36500";
        for (query, expected) in [
            ("platform=twitter", "platform must be linkedin or bluesky"),
            ("platform=LinkedIn", "platform must be linkedin or bluesky"),
            ("platform=", "platform must be linkedin or bluesky"),
            ("needsReconnect=1", "needsReconnect must be true or false"),
            (
                "needsReconnect=TRUE",
                "needsReconnect must be true or false",
            ),
            ("expiringWithinDays=-1", days),
            ("expiringWithinDays=36501", days),
            ("expiringWithinDays=1.5", days),
            ("limit=0", limit),
            ("limit=1001", limit),
            ("limit=+5", limit),
            ("limit=%205", limit),
            ("limit=99999999999999999999", limit),
            (
                "limit=5&limit=5",
                "query parameter `limit` is given more than once",
            ),
            (
                "cursor=x",
                "cursor is malformed: pass a previous page's nextCursor unchanged",
            ),
            (
                "sort=name",
                "Unknown query parameter `sort`: GET /profiles takes platform, needsReconnect, expiringWithinDays, limit and cursor",
            ),
        ] {
            assert_eq!(message(query), expected, "{query}");
        }
    }
}
