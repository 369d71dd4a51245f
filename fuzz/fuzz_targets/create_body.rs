//! Fuzz target: the body of `POST /profiles/create` (api.md §5.3), read as the server reads
//! it (`postcore-http`'s `optional_json`: an all-whitespace body is no body, anything else
//! goes to `serde_json::from_slice::<CreateProfileRequest>`), then
//! `CreateProfileRequest::profile_name`.
//!
//! Every refusal is an error value; an accepted name is trimmed, 1 to 255 characters
//! without control characters, and a body written back from it reads as the same name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postcore_api::CreateProfileRequest;
use postcore_domain::PROFILE_NAME_MAX_CHARS;

fuzz_target!(|body: &[u8]| {
    if body.iter().all(u8::is_ascii_whitespace) {
        return; // No body: the server creates an unnamed profile.
    }
    let Ok(request) = serde_json::from_slice::<CreateProfileRequest>(body) else {
        return; // 400 VALIDATION_ERROR with serde's message.
    };
    match request.profile_name() {
        Ok(None) => assert_eq!(request, CreateProfileRequest::new(None)),
        Ok(Some(name)) => {
            let text = name.as_str();
            assert_eq!(text, text.trim());
            assert!(!text.is_empty());
            assert!(text.chars().count() <= PROFILE_NAME_MAX_CHARS);
            assert!(!text.chars().any(char::is_control));
            // Parse, then print: the body written back reads as the same name.
            let again = serde_json::to_vec(&serde_json::json!({ "profileName": text })).unwrap();
            let reread: CreateProfileRequest = serde_json::from_slice(&again).unwrap();
            assert_eq!(reread, CreateProfileRequest::new(Some(text)));
            assert_eq!(reread.profile_name(), Ok(Some(name)));
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
