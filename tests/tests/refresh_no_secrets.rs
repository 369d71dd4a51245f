//! No token of a refresh reaches a log line (captured at TRACE): not the refresh token
//! sent, not the tokens received, not the client secret, whatever the answer; and the
//! refresher's lines carry the `profile.key` and `platform` fields operators filter on.
//!
//! A test binary of its own with one test: the log capture is the process's global
//! subscriber.

#[path = "refresh/harness.rs"]
mod harness;

use harness::{DAY, World, t};
use postcore_tests::linkedin::{LinkedInStandIn, TokenFailure};
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

#[tokio::test]
async fn no_log_line_of_any_refresh_holds_a_token() {
    let logs = Buffer::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let w = World::new().await;
    let mut secrets = vec![LinkedInStandIn::CLIENT_SECRET.to_owned()];
    for k in ["prof_ok", "prof_gone", "prof_busy"] {
        let tokens = w.connect(k, t(0), t(365 * DAY)).await;
        secrets.push(tokens.access);
        secrets.extend(tokens.refresh);
    }
    w.connect("prof_old", t(0), t(50 * DAY)).await;
    let now = t(55 * DAY);
    // A 500 for the three, prof_old's refresh token expired; then invalid_grant.
    w.li.token_failure(Some(TokenFailure::Status(500)));
    let busy = w.pass(now, false).await;
    assert_eq!(
        (busy.retry_later(), busy.needs_reconnect()),
        (3, 1),
        "{busy:?}"
    );
    w.li.token_failure(Some(TokenFailure::InvalidGrant));
    let gone = w.pass(t(55 * DAY + 60), false).await;
    assert_eq!(gone.needs_reconnect(), 3, "{gone:?}");
    w.li.token_failure(None);
    w.connect("prof_new", t(0), t(365 * DAY)).await;
    let ok = w.pass(t(56 * DAY), false).await;
    assert_eq!(ok.refreshed(), 1, "{ok:?}");
    let new = w.tokens("prof_new").await;
    secrets.push(new.access);
    secrets.extend(new.refresh);
    assert!(w.connection("prof_new").await.expires_at() > Some(now));

    // Nor in the database files: the store keeps them encrypted.
    for suffix in ["", "-wal", "-shm"] {
        let bytes = std::fs::read(format!("{}{suffix}", w.database.display())).unwrap_or_default();
        for secret in &secrets {
            let found = bytes.windows(secret.len()).any(|b| b == secret.as_bytes());
            assert!(!found, "a token in the database{suffix}");
        }
    }

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    for secret in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a token in the logs: {text}"
        );
    }
    // Every token the stand-in issues starts so: none at all in the logs.
    for prefix in ["AQV", "AQW", "AQT"] {
        assert!(!text.contains(prefix), "{prefix} in the logs: {text}");
    }
    for expected in [
        "WARN postcore_refresh::pass: refresh failed; will retry profile.key=prof_busy platform=\"linkedin\"",
        "WARN postcore_refresh::pass: refresh refused: the connection needs a reconnect profile.key=prof_busy platform=\"linkedin\"",
        "WARN postcore_refresh::pass: the refresh token has expired: the connection needs a reconnect profile.key=prof_old platform=\"linkedin\"",
        "DEBUG postcore_refresh::pass: token refreshed profile.key=prof_new platform=\"linkedin\"",
    ] {
        assert!(text.contains(expected), "no {expected:?} in {text}");
    }
}
