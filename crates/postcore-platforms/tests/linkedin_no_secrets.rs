//! The client secret, the authorization code and the access and refresh tokens never appear
//! in an error's Display or Debug, a `TokenSet`'s, the client's or its settings' Debug, or
//! any log line (captured at TRACE), whatever LinkedIn answers.
//!
//! A test binary of its own with one test: the log capture is the process's global
//! subscriber (see `no_secrets.rs`).

#[path = "linkedin/cases.rs"]
mod cases;
#[path = "linkedin/harness.rs"]
mod harness;
#[path = "common/log_capture.rs"]
mod log_capture;
#[path = "bluesky/raw.rs"]
mod raw;

use cases::Case;
use harness::*;
use postcore_platforms::linkedin::LinkedInClient;

/// What must never show: every secret of the tests share `s3cret`; the code and tokens
/// also their LinkedIn-style prefixes.
fn assert_secret_free(what: &str, text: &str) {
    for secret in [
        "s3cret",
        CLIENT_SECRET,
        CODE,
        ACCESS_TOKEN,
        REFRESH_TOKEN,
        "AQT",
        "AQV",
        "AQW",
    ] {
        assert!(!text.contains(secret), "{what} shows {secret:?}: {text}");
    }
}

#[tokio::test]
async fn no_output_of_any_outcome_holds_a_secret() {
    let logs = log_capture::capture();

    let mut outputs = Vec::new();
    let mut token_debugs = 0;
    for Case {
        name,
        call,
        stand,
        expected,
    } in cases::all()
    {
        let mut debug = String::new();
        let outcome = cases::run(call, stand, &mut debug).await;
        assert_eq!(outcome, expected, "{name}");
        token_debugs += usize::from(!debug.is_empty());
        outputs.push((name, debug));
        if let Err(error) = outcome {
            outputs.push((name, format!("{error} / {error:?}")));
        }
    }
    assert!(token_debugs > 10, "only {token_debugs} token answers");
    let config = config("http://127.0.0.1:9");
    outputs.push(("config", format!("{config:?}")));
    let client = LinkedInClient::new(config, limits()).unwrap();
    outputs.push(("client", format!("{client:?}")));
    for (name, text) in &outputs {
        assert_secret_free(name, text);
    }

    let logs = logs.text();
    assert_secret_free("the logs", &logs);
    // The capture worked: one outcome line per case, with the fields operators filter on.
    let outcomes = logs
        .lines()
        .filter(|line| line.contains(" INFO ") && line.contains(" platform=\"linkedin\""))
        .count();
    assert_eq!(outcomes, cases::all().len(), "{logs}");
    for expected in [
        "exchange_code platform=\"linkedin\" status=400 outcome=\"rejected\"",
        "exchange_code platform=\"linkedin\" status=200 outcome=\"accepted\"",
        "refresh platform=\"linkedin\" status=429 outcome=\"transient\"",
        "userinfo platform=\"linkedin\" status=401 outcome=\"rejected\"",
        "revoke platform=\"linkedin\" status=401 outcome=\"protocol\"",
    ] {
        assert!(logs.contains(expected), "no {expected:?} in {logs}");
    }
}
