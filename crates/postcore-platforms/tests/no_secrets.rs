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
#[path = "bluesky/raw.rs"]
mod raw;

use cases::Case;
use harness::*;
use postcore_platforms::bluesky::BlueskyClient;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// A log sink the test reads back.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

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
    let logs = Buffer::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

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

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert_secret_free("the logs", &logs);
    if std::env::var_os("SHOW_LOGS").is_some() {
        eprintln!("{logs}");
    }
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
