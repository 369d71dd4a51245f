//! The connect body's checks: each refusal names its field and never quotes a value.

use super::*;
use crate::test_support::{seed_bluesky, seed_now};
use secrecy::ExposeSecret;

const SECRET: &str = "hunter2-very-secret";

fn check(json: &str) -> Result<ConnectRequest, String> {
    let body: ConnectBody = serde_json::from_str(json).expect("valid JSON");
    body.check().map_err(|e| e.to_string())
}

#[test]
fn a_bluesky_body_is_read_with_its_credentials() {
    let got = check(&format!(
        r#"{{"profileKey":"prof_abc","platform":"bluesky","credentials":{{"handle":" @Alice.bsky.social","appPassword":"{SECRET}"}}}}"#
    ))
    .unwrap();
    assert_eq!(
        got.profile_key,
        Some(Some(ProfileKey::parse("prof_abc").unwrap()))
    );
    let PlatformRequest::Bluesky {
        handle,
        app_password,
    } = got.platform
    else {
        panic!("a Bluesky request");
    };
    assert_eq!(handle, " @Alice.bsky.social");
    assert_eq!(app_password.expose_secret(), SECRET);
}

#[test]
fn the_profile_key_may_be_absent_null_or_malformed() {
    let creds = r#""credentials":{"handle":"a.b","appPassword":"x"}"#;
    for (key, expected) in [
        ("", None),
        (r#""profileKey":null,"#, None),
        (r#""profileKey":"not a key","#, Some(None)),
    ] {
        let got = check(&format!(r#"{{{key}"platform":"bluesky",{creds}}}"#)).unwrap();
        assert_eq!(got.profile_key, expected, "{key}");
    }
}

#[test]
fn linkedin_takes_no_credentials() {
    let got = check(r#"{"platform":"linkedin"}"#).unwrap();
    assert!(matches!(got.platform, PlatformRequest::LinkedIn));
    assert_eq!(
        check(r#"{"platform":"linkedin","credentials":{}}"#).unwrap_err(),
        "credentials: LinkedIn is connected by OAuth and takes none"
    );
}

#[test]
fn each_refusal_names_its_field_and_never_quotes_a_value() {
    let s = SECRET;
    let cases = [
        (
            format!(r#""{s}""#),
            "Request body must be a JSON object, not a string".to_owned(),
        ),
        (
            format!(r#"["{s}"]"#),
            "Request body must be a JSON object, not an array".into(),
        ),
        ("{}".into(), "platform is required".into()),
        (
            r#"{"platform":7}"#.into(),
            "platform must be a string, not a number".into(),
        ),
        (
            format!(r#"{{"platform":"{s}"}}"#),
            "platform must be one of: bluesky, linkedin".into(),
        ),
        (
            r#"{"platform":"bluesky"}"#.into(),
            r#"credentials is required for bluesky: {"handle", "appPassword"}"#.into(),
        ),
        (
            format!(r#"{{"platform":"bluesky","credentials":"{s}"}}"#),
            "credentials must be an object, not a string".into(),
        ),
        (
            r#"{"platform":"bluesky","profileKey":true,"credentials":{}}"#.into(),
            "profileKey must be a string or null, not a boolean".into(),
        ),
        (
            format!(r#"{{"platform":"bluesky","credentials":{{"appPassword":"{s}"}}}}"#),
            "credentials.handle is required".into(),
        ),
        (
            r#"{"platform":"bluesky","credentials":{"handle":"a.b"}}"#.into(),
            "credentials.appPassword is required".into(),
        ),
        (
            r#"{"platform":"bluesky","credentials":{"handle":"a.b","appPassword":""}}"#.into(),
            "credentials.appPassword must not be empty".into(),
        ),
        (
            r#"{"platform":"bluesky","credentials":{"handle":"a.b","appPassword":123456}}"#.into(),
            "credentials.appPassword must be a string, not a number".into(),
        ),
        (
            format!(
                r#"{{"platform":"bluesky","credentials":{{"handle":"a.b","appPassword":"{}"}}}}"#,
                "p".repeat(1025)
            ),
            "credentials.appPassword must be at most 1024 characters".into(),
        ),
        (
            format!(
                r#"{{"platform":"bluesky","credentials":{{"handle":"a.b","appPassword":"{s}","appPassword":"{s}"}}}}"#
            ),
            "credentials.appPassword is given twice".into(),
        ),
        (
            format!(
                r#"{{"platform":"bluesky","credentials":{{"handle":"a.b","password":"{s}"}}}}"#
            ),
            "Unknown field in credentials: expected credentials.handle, credentials.appPassword"
                .into(),
        ),
        (
            r#"{"platform":"bluesky","extra":1}"#.into(),
            "Unknown field in the body: expected profileKey, platform, credentials".into(),
        ),
    ];
    for (json, expected) in cases {
        let got = check(&json).unwrap_err();
        assert_eq!(got, expected, "{json}");
        assert!(!got.contains(SECRET));
    }
}

#[test]
fn the_debug_form_of_a_request_holds_no_password() {
    let body: ConnectBody = serde_json::from_str(&format!(
        r#"{{"platform":"bluesky","credentials":{{"handle":"a.b","appPassword":"{SECRET}"}}}}"#
    ))
    .unwrap();
    assert!(!format!("{body:?}").contains(SECRET));
    let request = body.check().unwrap();
    assert!(!format!("{request:?}").contains(SECRET));
}

#[test]
fn the_answer_is_the_profile_key_then_the_connected_platform() {
    let key = ProfileKey::parse("prof_abc").unwrap();
    let c = seed_bluesky();
    assert_eq!(
        serde_json::to_string(&ConnectResponse::new(&key, &c, seed_now())).unwrap(),
        r#"{"profileKey":"prof_abc","platform":"bluesky","displayName":"johndoe.bsky.social","username":"johndoe.bsky.social","connectedAt":"2025-01-02T10:00:00Z","expiresAt":null,"daysUntilExpiry":null,"needsReconnect":false}"#
    );
}
