//! The Bluesky stand-in against the real `BlueskyClient`, in process and as the
//! `bluesky-standin` binary: the shapes it answers are the ones the client understands.

use postcore_domain::{BlueskyHandle, Platform};
use postcore_platforms::bluesky::{BlueskyClient, BlueskySession, Identifier};
use postcore_platforms::{HttpLimits, PlatformError, RejectReason, Rejection, Transient};
use postcore_platforms::{RetryAfter, TransientReason};
use postcore_tests::bluesky::{BlueskyStandIn, Failure};
use secrecy::SecretString;
use serde_json::json;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

const DID: &str = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
const APP_PASSWORD: &str = "abcd-efgh-ijkl-mnop";

async fn sign_in(
    service: &str,
    handle: &str,
    password: &str,
) -> Result<BlueskySession, PlatformError> {
    let client = BlueskyClient::new(service, HttpLimits::default()).unwrap();
    let handle = BlueskyHandle::parse(handle).unwrap();
    let password = SecretString::from(password);
    client
        .create_session(Identifier::Handle(&handle), &password)
        .await
}

fn session(handle: &str) -> Result<BlueskySession, PlatformError> {
    Ok(BlueskySession {
        did: DID.to_owned(),
        handle: BlueskyHandle::parse(handle).unwrap(),
        display_name: handle.to_owned(),
    })
}

fn rejected(reason: RejectReason) -> Result<BlueskySession, PlatformError> {
    Err(PlatformError::Rejected(Rejection {
        platform: Platform::Bluesky,
        reason,
    }))
}

#[tokio::test]
async fn the_stand_in_signs_in_refuses_and_fails_as_told() {
    let bsky = BlueskyStandIn::start().await;
    bsky.add_account("Alice.Test", DID, APP_PASSWORD);
    let url = bsky.url();
    assert_eq!(
        sign_in(&url, "@ALICE.test", APP_PASSWORD).await,
        session("alice.test")
    );
    bsky.rename(DID, "alice2.test");
    assert_eq!(
        sign_in(&url, "alice2.test", APP_PASSWORD).await,
        session("alice2.test")
    );

    bsky.fail_next(Failure::RateLimited {
        retry_after_secs: 30,
    });
    let limited = Err(PlatformError::Transient(Transient {
        platform: Platform::Bluesky,
        reason: TransientReason::RateLimited,
        retry_after: Some(RetryAfter::Seconds(30)),
    }));
    assert_eq!(sign_in(&url, "alice2.test", APP_PASSWORD).await, limited);

    bsky.add_main_password("alice2.test", DID, "main-password");
    let main = sign_in(&url, "alice2.test", "main-password").await;
    assert_eq!(main, rejected(RejectReason::NotAnAppPassword));
    bsky.require_second_factor("alice2.test");
    let main = sign_in(&url, "alice2.test", "main-password").await;
    assert_eq!(main, rejected(RejectReason::SecondFactorRequired));

    bsky.set_status(DID, Some("suspended"));
    let suspended = sign_in(&url, "alice2.test", APP_PASSWORD).await;
    assert_eq!(suspended, rejected(RejectReason::AccountSuspended));
    bsky.set_status(DID, Some("takendown"));
    let taken_down = sign_in(&url, "alice2.test", APP_PASSWORD).await;
    assert_eq!(taken_down, rejected(RejectReason::AccountTakenDown));
    bsky.set_status(DID, None);

    bsky.revoke_app_password("alice2.test");
    let revoked = sign_in(&url, "alice2.test", APP_PASSWORD).await;
    assert_eq!(revoked, rejected(RejectReason::InvalidCredentials));

    assert_eq!(bsky.calls(), 8);
    let bodies = bsky.received_bodies();
    assert_eq!(
        bodies[0],
        json!({"identifier": "alice.test", "password": APP_PASSWORD})
    );
    assert_eq!(bodies.len(), 8);
}

#[tokio::test]
async fn the_stand_in_binary_announces_its_url_and_never_echoes_a_password() {
    let account = format!("alice.test:{DID}:{APP_PASSWORD}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_bluesky-standin"))
        .args(["--listen", "127.0.0.1:0", "--account", &account])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let url = first
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line {first:?}"))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let outcome = sign_in(&url, "alice.test", APP_PASSWORD).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(outcome, session("alice.test"));
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut rest)
        .unwrap();
    let output = format!("{first}{rest}");
    assert!(!output.contains(APP_PASSWORD), "{output}");
}

#[test]
fn the_stand_in_binary_refuses_a_bad_account_without_echoing_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_bluesky-standin"))
        .args(["--account", "alice.test:no-did-here-hunter2"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "bluesky-standin: an --account is not HANDLE:DID:APP_PASSWORD\n\
         usage: bluesky-standin [--listen ADDR] [--account HANDLE:DID:APP_PASSWORD]...\n"
    );
}
