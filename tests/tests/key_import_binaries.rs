//! Moving from the hosted service keeps the API key, through the real binaries:
//! `postcore-admin keys import` reads a hosted key (16 to 128 characters) from a pipe, and
//! the running `postcore serve` authenticates it on `GET /profiles` as its account; one
//! character less or more is 401 `INVALID_API_KEY`; the key reaches no output or log line.

use postcore_tests::server::{Server, admin, admin_with_stdin};

/// `GET /profiles` with `key`: the status and the body.
async fn list(client: &reqwest::Client, server: &Server, key: &str) -> (u16, String) {
    let response = server.get(client, "/profiles", key).await;
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A hosted-shaped key: `pc_live_` + `len` base62 characters.
fn hosted_key(start: &str, len: usize) -> String {
    let rest: String = start
        .chars()
        .chain("0123456789abcdefXYZ".chars().cycle())
        .take(len)
        .collect();
    format!("pc_live_{rest}")
}

#[tokio::test]
async fn imported_16_and_128_character_keys_authenticate_and_15_or_129_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("postcore.db");
    let server = Server::start(&database);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();

    // The default account has one profile; acme has none.
    let created = client
        .post(format!("http://{}/profiles/create", server.address))
        .header("x-api-key", &server.key)
        .json(&serde_json::json!({"profileName": "Moved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let default_list = list(&client, &server, &server.key).await;
    assert_eq!(default_list.0, 200);
    admin(&database, &["accounts", "create", "acme"]);

    let short = hosted_key("Short", 16);
    let long = hosted_key("Long", 128);
    for (key, account, shown) in [
        (&short, "default", "pc_live_Short0"),
        (&long, "acme", "pc_live_Long01"),
    ] {
        let run = admin_with_stdin(
            &database,
            &["keys", "import", "--account", account],
            &format!("{key}\n"),
        );
        assert_eq!(
            run,
            (
                Some(0),
                format!("imported API key {shown} of account {account}\n"),
                String::new()
            )
        );
    }

    assert_eq!(list(&client, &server, &short).await, default_list);
    assert_eq!(
        list(&client, &server, &long).await,
        (200, r#"{"profiles":[]}"#.to_owned())
    );
    let invalid = (
        401,
        r#"{"error":"INVALID_API_KEY","message":"Invalid API key"}"#.to_owned(),
    );
    for refused in [
        short[..short.len() - 1].to_owned(),
        format!("{long}0"),
        hosted_key("Short", 15),
        hosted_key("Long", 129),
    ] {
        assert_eq!(
            list(&client, &server, &refused).await,
            invalid,
            "{} characters",
            refused.len() - 8
        );
    }

    // The keys were never printed: not by the import, not in the server's log.
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0));
    assert!(!log.contains(&short) && !log.contains(&long[..40]), "{log}");
}
