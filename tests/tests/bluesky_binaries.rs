//! Bluesky through the real binaries: `postcore serve` connects against a stand-in service
//! on 127.0.0.1, `postcore-admin` marks and re-verifies, and no app password reaches the
//! server's log (at `trace`), an answer, or the database files.

use postcore_tests::bluesky::{BlueskyStandIn, Failure};
use postcore_tests::server::{Server, admin, admin_output};
use serde_json::{Value, json};
use std::path::Path;

const APP_PASSWORD: &str = "alic-eapp-pass-word";
const BOB_PASSWORD: &str = "bobb-yapp-pass-word";
const WRONG_PASSWORD: &str = "wrong-secret-typed-by-alice";

/// `POST /profiles/connect` with `body` as `key`: status, `Retry-After`, JSON body.
async fn connect(server: &Server, key: &str, body: Value) -> (u16, Option<String>, Value) {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("http://{}/profiles/connect", server.address))
        .header("x-api-key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry_after, response.json().await.unwrap())
}

/// `GET path` as `key`: status and JSON body.
async fn get(server: &Server, key: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("http://{}{path}", server.address))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn bluesky(profile: Option<&str>, handle: &str, password: &str) -> Value {
    let mut body =
        json!({"platform": "bluesky", "credentials": {"handle": handle, "appPassword": password}});
    if let Some(key) = profile {
        body["profileKey"] = json!(key);
    }
    body
}

/// The answer's fields but `connectedAt`, which the real clock sets; checks that it is
/// a whole-second UTC instant (`YYYY-MM-DDTHH:MM:SSZ`, as it formats back).
fn without_connected_at(mut answer: Value) -> Value {
    let at = answer["connectedAt"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let parsed = postcore_domain::parse_timestamp(&at).unwrap_or_else(|e| panic!("{at}: {e}"));
    assert_eq!(postcore_domain::format_timestamp(parsed), at);
    answer.as_object_mut().unwrap().remove("connectedAt");
    answer
}

/// Whether any file of the database (and its WAL) holds `needle`.
fn database_holds(database: &Path, needle: &str) -> bool {
    ["", "-wal", "-shm"].iter().any(|suffix| {
        let path = format!("{}{suffix}", database.display());
        std::fs::read(path)
            .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
    })
}

/// A stand-in knowing alice and bob, and `postcore serve` on a new database in a temporary
/// directory, logging at `trace`, with a one-second limit on calls to the stand-in.
async fn alice_and_bob() -> (BlueskyStandIn, tempfile::TempDir, Server) {
    let standin = BlueskyStandIn::start().await;
    standin.add_account("alice.bsky.social", "did:plc:alice", APP_PASSWORD);
    standin.add_account("bob.bsky.social", "did:plc:bob", BOB_PASSWORD);
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(
        &dir.path().join("postcore.db"),
        &[
            "--bluesky-service",
            &standin.url(),
            "--platform-timeout",
            "1",
            "--log-level",
            "trace",
        ],
    );
    (standin, dir, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bluesky_connects_renews_fails_and_is_reverified_through_the_real_binaries() {
    let (standin, dir, server) = alice_and_bob().await;
    let database = dir.path().join("postcore.db");
    let key = server.key.clone();

    // A handle typed with `@`, capitals and spaces connects a new profile.
    let (status, _, answer) = connect(
        &server,
        &key,
        bluesky(None, " @Alice.BSKY.social", APP_PASSWORD),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let profile = answer["profileKey"].as_str().unwrap().to_owned();
    let connection = json!({
        "platform": "bluesky", "displayName": "alice.bsky.social", "username": "alice.bsky.social",
        "expiresAt": null, "daysUntilExpiry": null, "needsReconnect": false
    });
    let mut expected = connection.clone();
    expected["profileKey"] = json!(profile);
    assert_eq!(without_connected_at(answer), expected);
    let detail = format!("/profiles/{profile}");

    // Wrong password, rate limit, silence: exact answers, nothing changes.
    let before = get(&server, &key, &detail).await;
    let where_ = "Settings → Privacy and security → App passwords";
    assert_eq!(
        connect(
            &server,
            &key,
            bluesky(Some(&profile), "alice.bsky.social", WRONG_PASSWORD)
        )
        .await,
        (
            400,
            None,
            json!({"error": "INVALID_CREDENTIALS", "message": format!(
                "Invalid Bluesky credentials: the handle or app password is wrong. Check the handle and create an app password in Bluesky under {where_}."
            )})
        )
    );
    standin.fail_next(Failure::RateLimited {
        retry_after_secs: 30,
    });
    assert_eq!(
        connect(
            &server,
            &key,
            bluesky(Some(&profile), "alice.bsky.social", APP_PASSWORD)
        )
        .await,
        (
            502,
            Some("30".into()),
            json!({"error": "UPSTREAM_ERROR", "message": "Bluesky is limiting the rate of requests; try again in 30 seconds"})
        )
    );
    standin.fail_next(Failure::Hang);
    assert_eq!(
        connect(
            &server,
            &key,
            bluesky(Some(&profile), "alice.bsky.social", APP_PASSWORD)
        )
        .await,
        (
            502,
            None,
            json!({"error": "UPSTREAM_ERROR", "message": "Bluesky did not answer in time; try again later"})
        )
    );
    assert_eq!(get(&server, &key, &detail).await, before);

    // Another account's key: 404 without a remote call.
    admin(&database, &["accounts", "create", "other"]);
    let other = admin(&database, &["keys", "create", "--account", "other"]);
    let calls = standin.calls();
    assert_eq!(
        connect(
            &server,
            other.trim_end(),
            bluesky(Some(&profile), "alice.bsky.social", APP_PASSWORD)
        )
        .await,
        (
            404,
            None,
            json!({"error": "PROFILE_NOT_FOUND", "message": "Profile not found"})
        )
    );
    assert_eq!(standin.calls(), calls);

    // An operator's mark, then a reconnect that clears it.
    admin(
        &database,
        &[
            "connections",
            "mark-reconnect",
            &profile,
            "--platform",
            "bluesky",
        ],
    );
    assert_eq!(
        get(&server, &key, &detail).await.1["connectedPlatforms"][0]["needsReconnect"],
        true
    );
    let (status, _, _) = connect(
        &server,
        &key,
        bluesky(Some(&profile), "alice.bsky.social", APP_PASSWORD),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        get(&server, &key, &detail).await.1["connectedPlatforms"][0]["needsReconnect"],
        false
    );

    // Bob on a second profile; then bob revokes his app password at Bluesky.
    let (status, _, bob) = connect(
        &server,
        &key,
        bluesky(None, "bob.bsky.social", BOB_PASSWORD),
    )
    .await;
    assert_eq!(status, 200);
    let bob_profile = bob["profileKey"].as_str().unwrap().to_owned();
    let (code, stdout, stderr) = verify(&database, &standin, &["--json"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let verified: Value = serde_json::from_str(&stdout).unwrap();
    let row = |key: &str, handle: &str, outcome: &str, detail: Value, needs: bool| json!({"account": "default", "profileKey": key, "handle": handle, "outcome": outcome, "detail": detail, "needsReconnect": needs});
    let mut rows = [
        (
            profile.clone(),
            row(&profile, "alice.bsky.social", "valid", Value::Null, false),
        ),
        (
            bob_profile.clone(),
            row(&bob_profile, "bob.bsky.social", "valid", Value::Null, false),
        ),
    ];
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        verified,
        json!({"connections": rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>()})
    );

    standin.revoke_app_password("bob.bsky.social");
    let (code, stdout, stderr) = verify(&database, &standin, &["--json"]);
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    let verified: Value = serde_json::from_str(&stdout).unwrap();
    let rejected = format!(
        "Invalid Bluesky credentials: the handle or app password is wrong. Check the handle and create an app password in Bluesky under {where_}."
    );
    for (key, expected) in rows.iter_mut() {
        if *key == bob_profile {
            *expected = row(
                &bob_profile,
                "bob.bsky.social",
                "rejected",
                json!(rejected),
                true,
            );
        }
    }
    assert_eq!(
        verified,
        json!({"connections": rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>()})
    );
    let bob_now = get(&server, &key, &format!("/profiles/{bob_profile}"))
        .await
        .1;
    assert_eq!(bob_now["connectedPlatforms"][0]["needsReconnect"], true);

    // A service that fails changes nothing: bob stays marked, alice stays valid; nothing
    // could be checked, so exit 1.
    standin.fail_always(Some(Failure::Status(503)));
    let (code, stdout, stderr) = verify(&database, &standin, &[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.ends_with(
        "verified 2 Bluesky connections: 0 valid, 0 rejected (marked as needing a reconnect), 0 rejected but not marked, 0 rejected but changed meanwhile, 2 unavailable (unchanged), 0 without an app password (not checked)\n"
    ), "{stdout}");
    assert_eq!(
        stderr,
        format!(
            "{} could not check any connection: nothing was verified\n",
            standin.url()
        )
    );
    assert_eq!(
        get(&server, &key, &detail).await.1["connectedPlatforms"][0]["needsReconnect"],
        false
    );

    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    for secret in [APP_PASSWORD, BOB_PASSWORD, WRONG_PASSWORD] {
        assert!(
            !log.contains(secret),
            "the server's log holds an app password"
        );
        assert!(
            !database_holds(&database, secret),
            "the database files hold an app password"
        );
    }
    assert!(
        log.contains("platform connected"),
        "the log names no connect"
    );
}

/// `postcore-admin connections verify` on `database` against `standin`, with `extra`
/// flags: its exit code, stdout and stderr.
fn verify(
    database: &Path,
    standin: &BlueskyStandIn,
    extra: &[&str],
) -> (Option<i32>, String, String) {
    let service = standin.url();
    let mut args = vec!["connections", "verify", "--bluesky-service", &service];
    args.extend_from_slice(extra);
    admin_output(database, &args)
}

/// Each listed profile's first connection's `needsReconnect`, in listing order.
async fn needs_reconnect(server: &Server) -> Vec<bool> {
    let (status, listed) = get(server, &server.key, "/profiles").await;
    assert_eq!(status, 200, "{listed}");
    listed["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["connectedPlatforms"][0]["needsReconnect"] == true)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_marks_nothing_when_the_service_rejects_every_connection() {
    let standin = BlueskyStandIn::start().await;
    let handles = ["ann.bsky.social", "ben.bsky.social", "cat.bsky.social"];
    for (i, handle) in handles.iter().enumerate() {
        standin.add_account(
            handle,
            &format!("did:plc:user{i}"),
            &format!("pass-word-{i}"),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("postcore.db");
    let server = Server::start_with(&database, &["--bluesky-service", &standin.url()]);
    for (i, handle) in handles.iter().enumerate() {
        let body = bluesky(None, handle, &format!("pass-word-{i}"));
        let (status, retry_after, answer) = connect(&server, &server.key, body).await;
        let profile = answer["profileKey"].as_str().unwrap_or_default().to_owned();
        let expected = json!({
            "profileKey": profile, "platform": "bluesky", "displayName": handle,
            "username": handle, "expiresAt": null, "daysUntilExpiry": null,
            "needsReconnect": false
        });
        assert_eq!(
            (status, retry_after, without_connected_at(answer)),
            (200, None, expected)
        );
    }
    for handle in handles {
        standin.revoke_app_password(handle);
    }
    let verify = |extra: &[&str]| {
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        verify(&database, &standin, &args)
    };
    let outcomes = |stdout: &str| -> Vec<(String, bool)> {
        let report: Value = serde_json::from_str(stdout).unwrap();
        report["connections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["outcome"].as_str().unwrap().to_owned(),
                    r["needsReconnect"] == true,
                )
            })
            .collect()
    };
    let not_marked = vec![("rejected-not-marked".to_owned(), true); 3];

    let (code, stdout, stderr) = verify(&[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert_eq!(outcomes(&stdout), not_marked);
    assert_eq!(
        stderr,
        format!(
            "{} rejected all 3 app passwords checked: nothing was marked. This usually means \
             --bluesky-service names the wrong service; if it is right, run again with \
             --mark-all.\n",
            standin.url()
        )
    );
    let (code, stdout, _) = verify(&["--dry-run"]);
    assert_eq!((code, outcomes(&stdout)), (Some(3), not_marked.clone()));
    assert_eq!(needs_reconnect(&server).await, vec![false; 3]);

    let (code, stdout, _) = verify(&["--mark-all"]);
    assert_eq!(
        (code, outcomes(&stdout)),
        (Some(3), vec![("rejected".to_owned(), true); 3])
    );
    assert_eq!(needs_reconnect(&server).await, vec![true; 3]);
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
}

#[test]
fn a_bad_bluesky_service_is_a_usage_error_before_any_file_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("never.db");
    for bad in [
        "ftp://bsky.social",
        "https://user:pw@bsky.social",
        "not a url",
    ] {
        let out = postcore_tests::server::command("postcore", &database)
            .args(["serve", "--bind", "127.0.0.1:0", "--bluesky-service", bad])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        assert!(
            stderr.contains("--bluesky-service: must be an http or https URL"),
            "{stderr}"
        );
        let (code, _, stderr) = admin_output(
            &database,
            &["connections", "verify", "--bluesky-service", bad],
        );
        assert_eq!(code, Some(2), "{bad}: {stderr}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_bluesky_answer_gets_its_exact_reply_from_the_real_binary() {
    let (standin, _dir, server) = alice_and_bob().await;
    standin.add_main_password("carol.bsky.social", "did:plc:carol", "carol-main-password");
    standin.require_second_factor("carol.bsky.social");
    standin.add_account("erin.bsky.social", "did:plc:erin", "erin-erin-erin-erin");
    standin.set_status("erin.bsky.social", Some("takendown"));
    let key = server.key.clone();
    let (status, _, answer) = connect(
        &server,
        &key,
        bluesky(None, "alice.bsky.social", APP_PASSWORD),
    )
    .await;
    assert_eq!(status, 200);
    let profile = answer["profileKey"].as_str().unwrap().to_owned();
    let detail = format!("/profiles/{profile}");
    let before = get(&server, &key, &detail).await;
    let where_ = "Settings → Privacy and security → App passwords";
    let invalid = |message: String| {
        (
            400,
            None,
            json!({"error": "INVALID_CREDENTIALS", "message": message}),
        )
    };
    let upstream = |message: &str| {
        (
            502,
            None,
            json!({"error": "UPSTREAM_ERROR", "message": message}),
        )
    };

    // A second DID on the profile.
    assert_eq!(
        connect(
            &server,
            &key,
            bluesky(Some(&profile), "bob.bsky.social", BOB_PASSWORD)
        )
        .await,
        (
            400,
            None,
            json!({"error": "PROFILE_ALREADY_EXISTS", "message": "Profile for this platform already exists"})
        )
    );
    // A main password behind a second factor; a taken-down account.
    assert_eq!(
        connect(
            &server,
            &key,
            bluesky(Some(&profile), "carol.bsky.social", "carol-main-password")
        )
        .await,
        invalid(format!(
            "Invalid Bluesky credentials: Bluesky asked for a sign-in code, so this is the account's main password; connect with an app password instead (create one in Bluesky under {where_})."
        ))
    );
    assert_eq!(
        connect(&server, &key, bluesky(Some(&profile), "erin.bsky.social", "erin-erin-erin-erin")).await,
        invalid("Invalid Bluesky credentials: the account has been taken down by Bluesky and cannot be connected.".into())
    );
    // Server errors, garbage and a 10 MiB answer.
    for (failure, expected) in [
        (
            Failure::Status(500),
            upstream("Bluesky answered with a server error (HTTP 500); try again later"),
        ),
        (
            Failure::Status(502),
            upstream("Bluesky answered with a server error (HTTP 502); try again later"),
        ),
        (
            Failure::Garbage,
            upstream("Bluesky gave an answer PostCore could not understand; try again later"),
        ),
        (
            Failure::Huge(10 * 1024 * 1024),
            upstream("Bluesky gave an answer PostCore could not understand; try again later"),
        ),
    ] {
        standin.fail_next(failure);
        assert_eq!(
            connect(
                &server,
                &key,
                bluesky(Some(&profile), "alice.bsky.social", APP_PASSWORD)
            )
            .await,
            expected
        );
    }
    assert_eq!(get(&server, &key, &detail).await, before);

    // The same DID under a new handle renews in place and follows the handle.
    standin.rename("did:plc:alice", "alice.example.com");
    let (status, _, renewed) = connect(
        &server,
        &key,
        bluesky(Some(&profile), "alice.example.com", APP_PASSWORD),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        without_connected_at(renewed),
        json!({
            "profileKey": profile, "platform": "bluesky", "displayName": "alice.example.com",
            "username": "alice.example.com", "expiresAt": null, "daysUntilExpiry": null,
            "needsReconnect": false
        })
    );
    // Disconnect: the connection goes, a second one is 404, an unknown platform 400.
    let delete = |path: String| {
        let key = key.clone();
        let address = server.address.clone();
        async move {
            let response = reqwest::Client::builder()
                .no_proxy()
                .build()
                .unwrap()
                .delete(format!("http://{address}{path}"))
                .header("x-api-key", key)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let path = format!("/profiles/{profile}/connections/bluesky");
    assert_eq!(
        delete(path.clone()).await,
        (
            200,
            json!({"message": "Platform disconnected successfully"})
        )
    );
    assert_eq!(
        delete(path).await,
        (
            404,
            json!({"error": "CONNECTION_NOT_FOUND", "message": "Connection not found"})
        )
    );
    assert_eq!(
        delete(format!("/profiles/{profile}/connections/twitter")).await,
        (
            400,
            json!({"error": "VALIDATION_ERROR", "message": "platform (in the path) must be one of: bluesky, linkedin"})
        )
    );
    assert_eq!(
        get(&server, &key, &detail).await.1["connectedPlatforms"],
        json!([])
    );
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    for secret in [
        APP_PASSWORD,
        BOB_PASSWORD,
        "carol-main-password",
        "erin-erin-erin-erin",
    ] {
        assert!(!log.contains(secret), "the server's log holds a password");
    }
}
