//! Revocation is immediate, against the real binaries: while `postcore serve` runs,
//! `postcore-admin keys revoke` returns, and the very next request with that key is 401;
//! another key of the same account goes on working.
//!
//! Both executables are those beside this test's (see [`postcore_tests::bins`]).

use postcore_tests::server::{Server, admin, find_key};
use std::path::PathBuf;

/// `GET /profiles` with `key`: the status and the body.
async fn list(client: &reqwest::Client, server: &Server, key: &str) -> (u16, String) {
    let response = client
        .get(format!("http://{}/profiles", server.address))
        .header("x-api-key", key)
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn a_key_revoked_by_the_cli_is_refused_by_the_running_server_on_the_very_next_request() {
    let dir = tempfile::tempdir().unwrap();
    let database: PathBuf = dir.path().join("postcore.db");
    let server = Server::start(&database);
    let first = server.key.clone();
    let second = admin(
        &database,
        &[
            "keys",
            "create",
            "--account",
            "default",
            "--label",
            "second",
        ],
    );
    let second = second.trim_end();
    assert!(find_key(second).as_deref() == Some(second), "{second:?}");

    // One client: its pooled connection carries the requests before and after.
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let empty = (200, r#"{"profiles":[]}"#.to_owned());
    assert_eq!(list(&client, &server, &first).await, empty);
    assert_eq!(list(&client, &server, second).await, empty);

    let prefix = &first[..14];
    assert_eq!(
        admin(&database, &["keys", "revoke", prefix, "--yes"]),
        format!("revoked API key {prefix} of account default\n")
    );

    let invalid = (
        401,
        r#"{"error":"INVALID_API_KEY","message":"Invalid API key"}"#.to_owned(),
    );
    assert_eq!(list(&client, &server, &first).await, invalid);
    assert_eq!(list(&client, &server, second).await, empty);
    let fresh = reqwest::Client::builder().no_proxy().build().unwrap();
    assert_eq!(list(&fresh, &server, &first).await, invalid);

    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(
        !log.contains(second),
        "the server logged the CLI's key:\n{log}"
    );
}
