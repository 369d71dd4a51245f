//! `RetryAfter`: when a platform said to try again, from `Retry-After` (RFC 9110 §10.2.3)
//! or atproto's `RateLimit-Reset`.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use reqwest::header::HeaderMap;
use std::fmt;

/// When to try again, as the platform said it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryAfter {
    /// After this many seconds (`Retry-After: 30`).
    Seconds(u64),
    /// At this instant, UTC (`Retry-After` as an HTTP-date, or `RateLimit-Reset`).
    At(DateTime<Utc>),
}

/// Below this, a `RateLimit-Reset` value is read as seconds from now rather than Unix
/// seconds (2001-09-09): atproto sends Unix seconds, the IETF RateLimit drafts a delay.
const UNIX_SECONDS_FROM: u64 = 1_000_000_000;

/// Longest wait passed on to clients, in seconds: one day.
pub const MAX_RETRY_AFTER_SECONDS: u64 = 86_400;

impl RetryAfter {
    /// Whole seconds from `now` until the retry, rounded up; `0` when the instant has
    /// passed (never negative).
    pub fn seconds_from(&self, now: DateTime<Utc>) -> u64 {
        match self {
            Self::Seconds(seconds) => *seconds,
            Self::At(at) => {
                let millis = (*at - now).num_milliseconds();
                u64::try_from(millis).map_or(0, |m| m.div_ceil(1000))
            }
        }
    }

    /// [`Self::seconds_from`] held to `1..=MAX_RETRY_AFTER_SECONDS`, for passing on to
    /// clients: a date already past is "1 second", not "0", and a value far in the future
    /// (a platform's clock or header gone wrong) is capped at one day.
    pub fn clamped_seconds_from(&self, now: DateTime<Utc>) -> u64 {
        self.seconds_from(now).clamp(1, MAX_RETRY_AFTER_SECONDS)
    }

    /// From a response's headers: `Retry-After` (delta-seconds or HTTP-date) when present
    /// and valid, otherwise `RateLimit-Reset` (Unix seconds, as atproto's rate limiter
    /// sends; a small value is taken as delta-seconds). `None` when neither is usable.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        if let Some(after) = text("retry-after").and_then(Self::parse_retry_after) {
            return Some(after);
        }
        let reset: u64 = text("ratelimit-reset")?.parse().ok()?;
        if reset < UNIX_SECONDS_FROM {
            return Some(Self::Seconds(reset));
        }
        DateTime::from_timestamp(i64::try_from(reset).ok()?, 0).map(Self::At)
    }

    /// Parses a `Retry-After` value: delta-seconds, or an HTTP-date in any of the three
    /// formats recipients must accept (IMF-fixdate, obsolete RFC 850, asctime; RFC 9110
    /// §5.6.7).
    pub(crate) fn parse_retry_after(value: &str) -> Option<Self> {
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            // A delay too long for u64 is as good as "much later".
            return Some(Self::Seconds(value.parse().unwrap_or(u64::MAX)));
        }
        const FORMATS: [&str; 3] = [
            "%a, %d %b %Y %H:%M:%S GMT",
            "%A, %d-%b-%y %H:%M:%S GMT",
            "%a %b %e %H:%M:%S %Y",
        ];
        FORMATS
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
            .map(|naive| Self::At(Utc.from_utc_datetime(&naive)))
    }
}

impl fmt::Display for RetryAfter {
    /// `after 30 seconds` or `after 2025-01-01T12:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Seconds(seconds) => write!(f, "after {seconds} seconds"),
            Self::At(at) => write!(f, "after {}", postcore_domain::format_timestamp(*at)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn at(text: &str) -> DateTime<Utc> {
        postcore_domain::parse_timestamp(text).unwrap()
    }

    #[test]
    fn retry_after_values_of_rfc_9110() {
        let date = RetryAfter::At(at("1994-11-06T08:49:37Z"));
        let cases = [
            ("120", Some(RetryAfter::Seconds(120))),
            ("0", Some(RetryAfter::Seconds(0))),
            (
                "99999999999999999999999",
                Some(RetryAfter::Seconds(u64::MAX)),
            ),
            ("Sun, 06 Nov 1994 08:49:37 GMT", Some(date)),
            ("Sunday, 06-Nov-94 08:49:37 GMT", Some(date)),
            ("Sun Nov  6 08:49:37 1994", Some(date)),
            ("-5", None),
            ("1.5", None),
            ("", None),
            ("soon", None),
        ];
        for (value, expected) in cases {
            assert_eq!(RetryAfter::parse_retry_after(value), expected, "{value:?}");
        }
    }

    #[test]
    fn headers_prefer_retry_after_then_ratelimit_reset() {
        let mut headers = HeaderMap::new();
        assert_eq!(RetryAfter::from_headers(&headers), None);
        headers.insert("ratelimit-reset", HeaderValue::from_static("1735732800"));
        assert_eq!(
            RetryAfter::from_headers(&headers),
            Some(RetryAfter::At(at("2025-01-01T12:00:00Z")))
        );
        headers.insert("retry-after", HeaderValue::from_static("bogus"));
        assert_eq!(
            RetryAfter::from_headers(&headers),
            Some(RetryAfter::At(at("2025-01-01T12:00:00Z")))
        );
        headers.insert("retry-after", HeaderValue::from_static(" 30 "));
        assert_eq!(
            RetryAfter::from_headers(&headers),
            Some(RetryAfter::Seconds(30))
        );
        headers.remove("retry-after");
        headers.insert("ratelimit-reset", HeaderValue::from_static("45"));
        assert_eq!(
            RetryAfter::from_headers(&headers),
            Some(RetryAfter::Seconds(45))
        );
    }

    #[test]
    fn seconds_from_rounds_up_and_is_never_negative() {
        let now = at("2025-01-01T12:00:00Z");
        assert_eq!(RetryAfter::Seconds(30).seconds_from(now), 30);
        let cases = [
            ("2025-01-01T12:00:30Z", 30),
            ("2025-01-01T12:00:00.2Z", 1),
            ("2025-01-01T12:00:00Z", 0),
            ("2025-01-01T11:59:00Z", 0),
        ];
        for (then, seconds) in cases {
            assert_eq!(
                RetryAfter::At(at(then)).seconds_from(now),
                seconds,
                "{then}"
            );
        }
    }

    #[test]
    fn waits_passed_on_are_held_between_one_second_and_one_day() {
        let now = at("2025-01-01T12:00:00Z");
        for (after, seconds) in [
            (RetryAfter::Seconds(0), 1),
            (RetryAfter::Seconds(30), 30),
            (RetryAfter::At(at("2025-01-01T11:00:00Z")), 1),
            (RetryAfter::Seconds(8_203_983_297), 86_400),
            (RetryAfter::At(at("2300-01-01T00:00:00Z")), 86_400),
        ] {
            assert_eq!(after.clamped_seconds_from(now), seconds, "{after:?}");
        }
    }

    #[test]
    fn display_says_when() {
        assert_eq!(RetryAfter::Seconds(30).to_string(), "after 30 seconds");
        assert_eq!(
            RetryAfter::At(at("2025-01-01T12:00:00Z")).to_string(),
            "after 2025-01-01T12:00:00Z"
        );
    }
}
