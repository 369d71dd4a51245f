//! LinkedIn by OAuth through the real binaries: `postcore serve` configured by flags and a
//! secret file against the LinkedIn stand-in, a browser-like client following every
//! redirect, and neither the API key of the hosted URL nor any token or the client secret
//! in the server's log (at `trace`) or the database files.

use postcore_domain::{Platform, ProfileKey};
use postcore_store::{ExposeSecret as _, StoreConfig};
use postcore_tests::linkedin::{
    LinkedInStandIn, TokenFailure, as_strs, authorization_url, browse, browser, invalid_state_page,
    linkedin_args, server_page,
};
use postcore_tests::server::{Server, admin};
use serde_json::{Value, json};
use std::path::Path;

const RETURN_URL: &str = "https://app.example.com/done";

/// Follows redirects like a browser, stopping at the app; the `Location` it stopped at.
async fn follow(url: &str) -> String {
    let response = browser().get(url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 302, "{url}");
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// `GET path` as `key`, asserting 200: the JSON body.
async fn get_json(bind: &str, key: &str, path: &str) -> Value {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("http://{bind}{path}"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    let (status, body) = (
        response.status().as_u16(),
        response.json::<Value>().await.unwrap(),
    );
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// The profile key in a successful return URL.
fn connected_key(location: &str) -> String {
    location
        .strip_prefix(&format!("{RETURN_URL}?profileKey="))
        .and_then(|rest| rest.strip_suffix("&platform=linkedin"))
        .unwrap_or_else(|| panic!("not a success: {location}"))
        .to_owned()
}

fn file_holds(path: &Path, needle: &str) -> bool {
    std::fs::read(path).is_ok_and(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linkedin_connects_both_ways_through_the_real_server_without_leaking_a_secret() {
    let standin = LinkedInStandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("postcore.db");
    let (bind, mut args) = linkedin_args(&standin, dir.path());
    args.extend(["--platform-timeout", "2", "--log-level", "trace"].map(String::from));
    let server = Server::start_with(&database, &as_strs(&args));
    admin(
        &database,
        &["accounts", "allow-return-url", "default", RETURN_URL],
    );
    let key = admin(&database, &["keys", "create", "--account", "default"]);
    let key = key.trim_end();

    // The hosted way: the API key in the browser URL.
    let hosted = format!(
        "http://{bind}/profiles/connect?apiKey={key}&platform=linkedin&returnUrl=https%3A%2F%2Fapp.example.com%2Fdone"
    );
    let first = connected_key(&follow(&hosted).await);

    // The recommended way, on a second profile.
    let url = authorization_url(&bind, key, json!({"returnUrl": RETURN_URL})).await;
    let second = connected_key(&follow(&url).await);
    assert_ne!(first, second);
    let listed: Value = get_json(&bind, key, "/profiles").await;
    for profile in listed["profiles"].as_array().unwrap() {
        assert_eq!(profile["connectedPlatforms"][0]["platform"], "linkedin");
        assert_eq!(profile["connectedPlatforms"][0]["displayName"], "John Doe");
        // The real clock: the token lives exactly the 60 days LinkedIn stated.
        let at = |field: &str| {
            postcore_domain::parse_timestamp(
                profile["connectedPlatforms"][0][field].as_str().unwrap(),
            )
            .unwrap()
        };
        assert_eq!(
            at("expiresAt") - at("connectedAt"),
            chrono::Duration::days(60)
        );
    }

    // Every secret the flows produced, read back through the store.
    let store = postcore_store::open(StoreConfig::new(database.to_string_lossy()))
        .await
        .unwrap();
    let account = store
        .find_account(&postcore_domain::AccountName::parse("default").unwrap())
        .await
        .unwrap()
        .id;
    let mut secrets = vec![key.to_owned(), LinkedInStandIn::CLIENT_SECRET.to_owned()];
    for profile in [&first, &second] {
        let creds = store
            .credentials(
                account,
                &ProfileKey::parse(profile).unwrap(),
                Platform::LinkedIn,
            )
            .await
            .unwrap();
        secrets.push(creds.access_token.unwrap().expose_secret().to_owned());
        secrets.push(creds.refresh_token.unwrap().expose_secret().to_owned());
    }
    for path in ["postcore.db", "postcore.db-wal"].map(|f| dir.path().join(f)) {
        for secret in &secrets {
            assert!(
                !file_holds(&path, secret),
                "{} holds a token",
                path.display()
            );
        }
    }
    drop(store);

    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("platform connected"), "no connect was logged");
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "the server's log holds a secret"
        );
    }
}

#[test]
fn a_client_id_without_a_public_url_refuses_to_start_before_any_file_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, "s3cret").unwrap();
    let database = dir.path().join("never.db");
    let out = postcore_tests::server::command("postcore", &database)
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--linkedin-client-id",
            "id-1",
        ])
        .args([
            "--linkedin-client-secret-file",
            secret_file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr
            .contains("POSTCORE_LINKEDIN_CLIENT_ID is set, so POSTCORE_PUBLIC_URL must be set too"),
        "{stderr}"
    );
    assert!(!database.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_refreshes_a_token_due_soon_as_soon_as_it_starts() {
    let standin = LinkedInStandIn::start().await;
    // An access token that lives one hour: due for refresh at once (lead 7 days).
    standin.set_expires_in(Some(json!(3600)));
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("postcore.db");
    let (bind, args) = linkedin_args(&standin, dir.path());
    let args = as_strs(&args);
    let server = Server::start_with(&database, &args);
    let key = server.key.clone();
    let url = authorization_url(&bind, &key, json!({})).await;
    let page = browser().get(url).send().await.unwrap();
    let connected = server_page(
        "LinkedIn connected",
        "LinkedIn is connected. You can close this window.",
    );
    assert_eq!(
        (page.status().as_u16(), page.text().await.unwrap()),
        (200, connected)
    );
    assert_eq!(standin.counts().token_refresh, 0);
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");

    // The restarted server's first pass runs at once and renews the connection.
    let mut server = Server::start_with(&database, &args);
    let pass = server.wait_for("token refresh pass");
    let pass: Value = serde_json::from_str(&pass).unwrap();
    assert_eq!(
        (&pass["fields"]["due"], &pass["fields"]["refreshed"]),
        (&json!(1), &json!(1)),
        "{pass}"
    );
    assert_eq!(standin.counts().token_refresh, 1);
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
}

/// The end of a flow started with `body`: the app URL the browser was sent to, or the
/// status and body of the page it stopped on.
async fn flow_end(bind: &str, key: &str, body: Value) -> Result<String, (u16, String)> {
    let url = authorization_url(bind, key, body).await;
    let response = browser().get(url).send().await.unwrap();
    match response.status().as_u16() {
        302 => Ok(response.headers()["location"].to_str().unwrap().to_owned()),
        status => Err((status, response.text().await.unwrap())),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_linkedin_answer_gets_its_exact_ending_from_the_real_binary() {
    let standin = LinkedInStandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("postcore.db");
    let (bind, mut args) = linkedin_args(&standin, dir.path());
    args.extend(["--platform-timeout", "1"].map(String::from));
    let server = Server::start_with(&database, &as_strs(&args));
    let key = server.key.clone();
    admin(
        &database,
        &["accounts", "allow-return-url", "default", RETURN_URL],
    );
    let back = json!({"returnUrl": RETURN_URL});
    let failed = |code: &str| Ok(format!("{RETURN_URL}?error={code}"));

    // The user declines; LinkedIn refuses the code, fails, never answers; the grant is
    // revoked right after the token.
    standin.deny_next();
    assert_eq!(
        flow_end(&bind, &key, back.clone()).await,
        failed("access_denied")
    );
    for failure in [
        TokenFailure::InvalidGrant,
        TokenFailure::Status(500),
        TokenFailure::Hang,
    ] {
        let code = if failure == TokenFailure::InvalidGrant {
            "authorization_failed"
        } else {
            "upstream_error"
        };
        standin.token_failure(Some(failure.clone()));
        assert_eq!(
            flow_end(&bind, &key, back.clone()).await,
            failed(code),
            "{failure:?}"
        );
    }
    standin.token_failure(None);
    standin.revoke_userinfo_after_token();
    assert_eq!(
        flow_end(&bind, &key, back.clone()).await,
        failed("authorization_failed")
    );

    // Forged and missing states end on the server's page, with no token call.
    let exchanges = standin.counts().token_exchange;
    for query in ["?code=abc&state=forged", "?code=abc"] {
        let response = browser()
            .get(format!("http://{bind}/oauth/linkedin/callback{query}"))
            .send()
            .await
            .unwrap();
        let ended = (response.status().as_u16(), response.text().await.unwrap());
        assert_eq!(ended, (400, invalid_state_page()), "{query}");
    }
    assert_eq!(standin.counts().token_exchange, exchanges);

    // A replayed callback: the first use connects, the same URL again is refused.
    let url = authorization_url(&bind, &key, back.clone()).await;
    let (status, callback) = browse(&url).await;
    assert_eq!(status, 302, "{callback}");
    let first = browser().get(&callback).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 302);
    let replayed = browser().get(&callback).send().await.unwrap();
    let replayed = (replayed.status().as_u16(), replayed.text().await.unwrap());
    assert_eq!(replayed, (400, invalid_state_page()));
    assert_eq!(standin.counts().token_exchange, exchanges + 1);
    let made = connected_key(first.headers()["location"].to_str().unwrap());
    let gone = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .delete(format!("http://{bind}/profiles/{made}"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    let gone = (gone.status().as_u16(), gone.json::<Value>().await.unwrap());
    let deleted = json!({"message": "Profile deleted successfully"});
    assert_eq!(gone, (200, deleted));

    // A return URL off the allow-list, both ways.
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let refused = client
        .post(format!("http://{bind}/profiles/connect/linkedin"))
        .header("x-api-key", &key)
        .json(&json!({"returnUrl": "https://evil.example/x"}))
        .send()
        .await
        .unwrap();
    let refused = (
        refused.status().as_u16(),
        refused.json::<Value>().await.unwrap(),
    );
    let off_list = json!({
        "error": "VALIDATION_ERROR",
        "message": "returnUrl is not on this account's allow-list: an operator adds it with `postcore-admin accounts allow-return-url ACCOUNT URL`"
    });
    assert_eq!(refused, (400, off_list.clone()));
    let hosted = client
        .get(format!(
            "http://{bind}/profiles/connect?apiKey={key}&platform=linkedin&returnUrl=https%3A%2F%2Fevil.example%2Fx"
        ))
        .send()
        .await
        .unwrap();
    let hosted = (
        hosted.status().as_u16(),
        hosted.json::<Value>().await.unwrap(),
    );
    assert_eq!(hosted, (400, off_list));

    // Nothing was stored by any of it.
    let listed: Value = get_json(&bind, &key, "/profiles").await;
    assert_eq!(listed, json!({"profiles": []}));

    // expires_in as stated, absent, too long, zero; and no refresh token at all.
    standin.set_refresh_tokens(false);
    for (expires_in, lifetime) in [
        (Some(json!(5_184_000)), 5_184_000),
        (Some(json!(5_183_999)), 5_183_999),
        (None, 5_184_000),
        (Some(json!(5_184_000_000_i64)), 5_184_000),
        (Some(json!(0)), 0),
    ] {
        standin.set_expires_in(expires_in.clone());
        let location = flow_end(&bind, &key, back.clone()).await.unwrap();
        let profile = connected_key(&location);
        let detail: Value = get_json(&bind, &key, &format!("/profiles/{profile}")).await;
        let connection = &detail["connectedPlatforms"][0];
        let at = |field: &str| {
            postcore_domain::parse_timestamp(connection[field].as_str().unwrap()).unwrap()
        };
        assert_eq!(
            (at("expiresAt") - at("connectedAt")).num_seconds(),
            lifetime,
            "{expires_in:?}"
        );
        assert_eq!(
            connection["needsReconnect"],
            lifetime == 0,
            "{expires_in:?}"
        );
    }
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(
        standin.counts().token_refresh,
        0,
        "no refresh token: no refresh"
    );
    assert!(
        log.contains("LinkedIn stated a token lifetime longer than 60 days: capped to 60 days"),
        "the cap was not logged"
    );
}
