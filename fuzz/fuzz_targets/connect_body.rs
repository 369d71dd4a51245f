//! Fuzz target: the connect request bodies (api.md §5.5) — `POST /profiles/connect`
//! (`ConnectBody` then `ConnectBody::check`) and `POST /profiles/connect/linkedin`
//! (`LinkedInStartRequest`), each read as the server reads JSON bodies.
//!
//! Refusals are error values whose message never quotes a value the client sent (the body
//! carries an app password); an accepted start body written back reads the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postcore_api::{APP_PASSWORD_MAX_CHARS, ConnectBody, LinkedInStartRequest, PlatformRequest};
use postcore_domain::ProfileKey;
use secrecy::ExposeSecret as _;

/// Every string value and object name of `value`.
fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => {
            for (name, v) in map {
                out.push(name.clone());
                strings(v, out);
            }
        }
        _ => {}
    }
}

/// Whether `text` could be a secret: long enough, and with a character no error message
/// of the connect reader contains (so a match is a quoted value, not a coincidence).
fn distinctive(text: &str) -> bool {
    text.chars().count() >= 8 && text.chars().any(|c| "#$%&*+/;<=>?@^`|~!".contains(c))
}

fn connect(body: &[u8]) {
    let Ok(parsed) = serde_json::from_slice::<ConnectBody>(body) else {
        return; // Not JSON: 400 with serde's message (the body is not valid JSON).
    };
    match parsed.check() {
        Ok(request) => {
            if let Some(Some(key)) = &request.profile_key {
                assert_eq!(ProfileKey::parse(key.as_str()).as_ref(), Ok(key));
            }
            if let PlatformRequest::Bluesky {
                handle,
                app_password,
            } = &request.platform
            {
                assert!(!handle.is_empty());
                let password = app_password.expose_secret();
                assert!(!password.is_empty());
                assert!(password.chars().count() <= APP_PASSWORD_MAX_CHARS);
                assert!(!format!("{request:?}").contains(password) || !distinctive(password));
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(!message.is_empty());
            let mut sent = Vec::new();
            if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
                strings(&value, &mut sent);
            }
            for text in sent.iter().filter(|t| distinctive(t)) {
                assert!(
                    !message.contains(text.as_str()),
                    "{message:?} quotes {text:?}"
                );
            }
        }
    }
}

fn linkedin_start(body: &[u8]) {
    let Ok(request) = serde_json::from_slice::<LinkedInStartRequest>(body) else {
        return;
    };
    let again = serde_json::to_vec(&serde_json::json!({
        "profileKey": request.profile_key,
        "returnUrl": request.return_url,
    }))
    .unwrap();
    assert_eq!(
        serde_json::from_slice::<LinkedInStartRequest>(&again).ok(),
        Some(request)
    );
}

fuzz_target!(|body: &[u8]| {
    if body.iter().all(u8::is_ascii_whitespace) {
        return; // No body: nothing to read.
    }
    connect(body);
    linkedin_start(body);
});
