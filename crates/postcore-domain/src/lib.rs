//! PostCore's pure domain: identifiers, profiles, platforms, connections and expiry rules.
#![doc = include_str!("../README.md")]

mod account;
mod api_key;
mod clock;
mod connection;
pub mod expiry;
mod filter;
mod handle;
mod platform;
mod profile;
mod profile_key;
mod random;

pub use account::{
    ACCOUNT_NAME_MAX_CHARS, AccountName, AccountNameError, KEY_LABEL_MAX_CHARS, KeyLabel,
    KeyLabelError,
};
pub use api_key::{ApiKey, ApiKeyError};
pub use clock::{Clock, FixedClock, SystemClock};
pub use connection::{
    CONNECTION_TEXT_MAX_CHARS, Connection, ConnectionError, is_valid_connection_text,
};
pub use expiry::{ExpiryStatus, TokenExpiry, refresh_token_expiry, token_expiry};
pub use filter::{MAX_EXPIRING_WITHIN_DAYS, ProfileFilter};
pub use handle::{BlueskyHandle, DID_MAX_CHARS, HANDLE_MAX_CHARS, HandleError, is_valid_did};
pub use platform::{Platform, PlatformError, TokenPolicy};
pub use profile::{PROFILE_NAME_MAX_CHARS, Profile, ProfileName, ProfileNameError};
pub use profile_key::{ProfileKey, ProfileKeyError};
pub use random::random_string;

/// The instant type used everywhere in PostCore: UTC, whole seconds on the wire.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// The first instant an API timestamp can show, `0000-01-01T00:00:00Z`: RFC 3339 years
/// have exactly four digits (RFC 3339 §5.6, `date-fullyear`).
pub const EARLIEST_TIMESTAMP: Timestamp = match Timestamp::from_timestamp_secs(-62_167_219_200) {
    Some(at) => at,
    None => panic!("0000-01-01T00:00:00Z is within chrono's range"),
};

/// The last instant an API timestamp can show, `9999-12-31T23:59:59Z` (whole seconds, as
/// instants are kept): one second later, chrono would write `+10000-01-01T00:00:00Z`,
/// which is not RFC 3339 and which [`parse_timestamp`] refuses.
pub const LATEST_TIMESTAMP: Timestamp = match Timestamp::from_timestamp_secs(253_402_300_799) {
    Some(at) => at,
    None => panic!("9999-12-31T23:59:59Z is within chrono's range"),
};

/// Whether `at`, kept in whole seconds ([`whole_seconds`]), lies within
/// [`EARLIEST_TIMESTAMP`]`..=`[`LATEST_TIMESTAMP`], so that [`format_timestamp`] writes
/// RFC 3339 that [`parse_timestamp`] reads back as the same instant.
pub fn is_in_timestamp_range(at: Timestamp) -> bool {
    (EARLIEST_TIMESTAMP.timestamp()..=LATEST_TIMESTAMP.timestamp()).contains(&at.timestamp())
}

/// `at` without its sub-second part: instants are kept and shown in whole seconds
/// (api.md §1), so a write that answers with the instant it stored truncates first.
pub fn whole_seconds(at: Timestamp) -> Timestamp {
    Timestamp::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}

/// Formats an instant as the API's timestamp: RFC 3339 in UTC, whole seconds, `Z` suffix
/// (`2025-01-01T12:00:00Z`; api.md §1). Sub-second parts are truncated, never rounded.
/// Only an instant within [`is_in_timestamp_range`] gives RFC 3339 text: writes refuse
/// others ([`Connection::validate`]). A leap second (`23:59:60`, which [`parse_timestamp`]
/// accepts as RFC 3339 §5.7 allows) is shown as the whole second kept for it,
/// [`whole_seconds`]' `23:59:59`, so that the text reads back as that instant.
pub fn format_timestamp(at: Timestamp) -> String {
    // chrono keeps a leap second as a sub-second part of 1 s or more and would print `:60`
    // (found by the `timestamp` fuzz target).
    let at = if at.timestamp_subsec_nanos() >= 1_000_000_000 {
        whole_seconds(at)
    } else {
        at
    };
    // The fixed RFC 3339 writer: several times faster than a `format` pattern, which is
    // parsed on every call (it was a tenth of the CPU of a profile listing).
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Parses an RFC 3339 timestamp with any offset (and optional fraction) into UTC
/// (api.md §1: inputs with fractions or an explicit offset are accepted and normalised).
///
/// # Errors
/// [`chrono::ParseError`] when the text is not RFC 3339.
pub fn parse_timestamp(text: &str) -> Result<Timestamp, chrono::ParseError> {
    chrono::DateTime::parse_from_rfc3339(text.trim()).map(|t| t.with_timezone(&chrono::Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn whole_seconds_drops_only_the_fraction() {
        let at = chrono::Utc.with_ymd_and_hms(2025, 1, 6, 12, 30, 0).unwrap();
        let fractional = at
            .checked_add_signed(chrono::Duration::milliseconds(500))
            .unwrap();
        assert_eq!(whole_seconds(fractional), at);
        assert_eq!(whole_seconds(at), at);
    }

    #[test]
    fn timestamps_are_formatted_in_utc_with_whole_seconds() {
        let at = chrono::Utc
            .with_ymd_and_hms(2025, 1, 1, 12, 0, 0)
            .unwrap()
            .checked_add_signed(chrono::Duration::milliseconds(999))
            .unwrap();
        assert_eq!(format_timestamp(at), "2025-01-01T12:00:00Z");
    }

    /// Regression (the `timestamp` fuzz target, `fuzz/`): chrono printed a leap second as
    /// `:60`, which read back as the leap second, not as the whole second kept for it.
    #[test]
    fn a_leap_second_is_shown_as_the_whole_second_kept_for_it() {
        let leap = parse_timestamp("2016-12-31T23:59:60Z").unwrap();
        assert_eq!(format_timestamp(leap), "2016-12-31T23:59:59Z");
        assert_eq!(
            parse_timestamp(&format_timestamp(leap)),
            Ok(whole_seconds(leap))
        );
        // The fuzzer's input: an instant with 1.5 s of "nanoseconds" before the epoch.
        let instant = Timestamp::from_timestamp(-1, 1_500_000_000).unwrap();
        assert_eq!(format_timestamp(instant), "1969-12-31T23:59:59Z");
        assert_eq!(
            parse_timestamp(&format_timestamp(instant)),
            Ok(whole_seconds(instant))
        );
    }

    #[test]
    fn timestamps_keep_four_digit_years_and_midnight() {
        let at = chrono::Utc.with_ymd_and_hms(999, 12, 31, 0, 0, 0).unwrap();
        assert_eq!(format_timestamp(at), "0999-12-31T00:00:00Z");
        let at = chrono::Utc.with_ymd_and_hms(2025, 3, 9, 7, 0, 59).unwrap();
        assert_eq!(format_timestamp(at), "2025-03-09T07:00:59Z");
    }

    #[test]
    fn the_writable_range_is_what_rfc_3339_can_show() {
        assert_eq!(format_timestamp(EARLIEST_TIMESTAMP), "0000-01-01T00:00:00Z");
        assert_eq!(format_timestamp(LATEST_TIMESTAMP), "9999-12-31T23:59:59Z");
        let second = chrono::Duration::seconds(1);
        let cases = [
            (EARLIEST_TIMESTAMP, true),
            (LATEST_TIMESTAMP, true),
            (
                parse_timestamp("9999-12-31T23:59:59.999999999Z").unwrap(),
                true,
            ),
            (LATEST_TIMESTAMP + second, false),
            (EARLIEST_TIMESTAMP - chrono::Duration::nanoseconds(1), false),
            (Timestamp::MAX_UTC, false),
            (Timestamp::MIN_UTC, false),
        ];
        for (at, writable) in cases {
            assert_eq!(is_in_timestamp_range(at), writable, "{at:?}");
        }
        assert_eq!(
            format_timestamp(LATEST_TIMESTAMP + second),
            "+10000-01-01T00:00:00Z"
        );
        assert_eq!(
            parse_timestamp("+10000-01-01T00:00:00Z").map_err(|e| e.to_string()),
            Err("input contains invalid characters".to_owned())
        );
    }

    #[test]
    fn offsets_are_normalised_to_utc() {
        let at = parse_timestamp("2025-01-01T13:30:00.5+01:00").unwrap();
        assert_eq!(format_timestamp(at), "2025-01-01T12:30:00Z");
        let refused = parse_timestamp("2025-01-01 12:00").unwrap_err();
        assert_eq!(refused.to_string(), "premature end of input");
    }
}
