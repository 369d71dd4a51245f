//! Fuzz target: `ProfileKey::parse` (api.md §1) against an independent statement of the
//! rule — `prof_` + 1 to 64 ASCII letters or digits — and the key prints back as parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postcore_domain::{ProfileKey, ProfileKeyError};

fuzz_target!(|text: &str| {
    let expected = match text.strip_prefix("prof_") {
        None => Err(ProfileKeyError::MissingPrefix),
        Some("") => Err(ProfileKeyError::Empty),
        Some(rest) if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Err(ProfileKeyError::InvalidCharacter)
        }
        Some(rest) if rest.len() > 64 => Err(ProfileKeyError::TooLong(rest.len())),
        Some(_) => Ok(()),
    };
    let parsed = ProfileKey::parse(text);
    assert_eq!(
        parsed.as_ref().map(|_| ()),
        expected.as_ref().copied(),
        "{text:?}"
    );
    match parsed {
        Ok(key) => {
            // Parse, then print: the same text, and it parses to the same key.
            assert_eq!(key.as_str(), text);
            assert_eq!(key.to_string(), text);
            assert_eq!(text.parse::<ProfileKey>().as_ref(), Ok(&key));
            assert_eq!(ProfileKey::try_from(String::from(key.clone())), Ok(key));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
