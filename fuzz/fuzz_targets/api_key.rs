//! Fuzz target: `ApiKey::parse` (api.md §1) against an independent statement of the rule —
//! `pc_live_` + 16 to 128 base62 characters, nothing around it — and the redaction of
//! `Debug`/`Display`, which show `pc_live_` + 6 and never the secret.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postcore_domain::{ApiKey, ApiKeyError};

fuzz_target!(|text: &str| {
    let accepted = text.strip_prefix("pc_live_").is_some_and(|rest| {
        (16..=128).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    match ApiKey::parse(text) {
        Ok(key) => {
            assert!(accepted, "accepted a malformed key: {text:?}");
            assert_eq!(key.expose_secret(), text);
            assert_eq!(key.display_prefix(), &text[..14]);
            assert_eq!(ApiKey::parse(key.expose_secret()).as_ref(), Ok(&key));
            assert_eq!(format!("{key}"), format!("{}…", &text[..14]));
            assert_eq!(format!("{key:?}"), format!("ApiKey({}…)", &text[..14]));
        }
        Err(e) => {
            assert!(!accepted, "refused a well-formed key: {text:?}");
            assert_eq!(e, ApiKeyError::Malformed);
        }
    }
});
