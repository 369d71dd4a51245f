//! Fuzz target: the API's RFC 3339 timestamps (`createdAt`, `connectedAt`, `expiresAt`;
//! api.md §1) — `postcore_domain::parse_timestamp` and `format_timestamp`.
//!
//! Text: a parsed instant within the writable range prints as `YYYY-MM-DDTHH:MM:SSZ`, which
//! parses back to the same instant in whole seconds and prints the same again. Instants:
//! any instant within the range prints and parses back the same way; one outside is never
//! printed as text that parses (so writes must refuse it, as `Connection::validate` does).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use postcore_domain::{
    Timestamp, format_timestamp, is_in_timestamp_range, parse_timestamp, whole_seconds,
};

/// Text for the parser, or an instant (seconds since the Unix epoch and nanoseconds) for
/// the printer.
#[derive(Debug, Arbitrary)]
enum Input<'a> {
    Text(&'a str),
    Instant { seconds: i64, nanos: u32 },
}

/// `at` prints as RFC 3339 in UTC, whole seconds, that reads back as `at` in whole seconds.
fn round_trips(at: Timestamp) {
    let printed = format_timestamp(at);
    let whole = whole_seconds(at);
    assert_eq!(printed.len(), 20, "{printed}");
    assert!(
        printed.ends_with('Z') && printed.as_bytes()[10] == b'T',
        "{printed}"
    );
    assert_eq!(parse_timestamp(&printed), Ok(whole), "{printed}");
    assert_eq!(format_timestamp(whole), printed);
}

fuzz_target!(|input: Input<'_>| match input {
    Input::Text(text) => {
        let Ok(at) = parse_timestamp(text) else {
            return;
        };
        // Leading and trailing whitespace is ignored, nothing else.
        assert_eq!(parse_timestamp(text.trim()), Ok(at));
        if is_in_timestamp_range(at) {
            round_trips(at);
        }
    }
    Input::Instant { seconds, nanos } => {
        let Some(at) = Timestamp::from_timestamp(seconds, nanos) else {
            return;
        };
        if is_in_timestamp_range(at) {
            round_trips(at);
        } else {
            assert!(parse_timestamp(&format_timestamp(at)).is_err(), "{at:?}");
        }
    }
});
