//! The app password and the service's tokens never appear in an error's Display or Debug,
//! the client's or a session's Debug, or any log line (captured at TRACE).
//!
//! A test binary of its own with one test: the log capture is the process's global
//! subscriber, which a scoped one in a shared binary is not reliably (callsite interest
//! is cached across threads).

#[path = "bluesky/cases.rs"]
mod cases;
#[path = "bluesky/harness.rs"]
mod harness;
#[path = "common/log_capture.rs"]
mod log_capture;
#[path = "bluesky/raw.rs"]
mod raw;

use cases::Case;
use harness::*;
use postcore_platforms::bluesky::BlueskyClient;

/// What must never show: the password, and any JWT (they all start `eyJ`, base64 of `{"`).
fn assert_secret_free(what: &str, text: &str) {
    assert!(
        !text.contains(APP_PASSWORD),
        "{what} shows the app password: {text}"
    );
    assert!(!text.contains("eyJ"), "{what} shows a token: {text}");
}

#[tokio::test]
async fn no_output_of_any_outcome_holds_a_secret() {
    let logs = log_capture::capture();

    let mut outputs = Vec::new();
    for Case {
        name,
        stand,
        expected,
    } in cases::all()
    {
        let outcome = cases::run(stand).await;
        assert_eq!(outcome, expected, "{name}");
        match outcome {
            Ok(session) => outputs.push((name, format!("{session:?}"))),
            Err(error) => outputs.push((name, format!("{error} / {error:?}"))),
        }
    }
    let client = BlueskyClient::new("https://bsky.social", limits()).unwrap();
    outputs.push(("client", format!("{client:?}")));
    for (name, text) in &outputs {
        assert_secret_free(name, text);
    }

    let logs = logs.text();
    assert_secret_free("the logs", &logs);
    // The capture worked: one outcome line per case, with the fields operators filter on.
    let outcomes = logs.matches("createSession platform=\"bluesky\"").count();
    assert_eq!(outcomes, cases::all().len(), "{logs}");
    for expected in [
        "status=401 outcome=\"rejected\"",
        "status=200 outcome=\"accepted\"",
        "status=429 outcome=\"transient\"",
        "status=200 outcome=\"protocol\"",
    ] {
        assert!(logs.contains(expected), "no {expected:?} in {logs}");
    }
}
