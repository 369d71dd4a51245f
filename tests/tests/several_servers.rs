//! Two `postcore serve` processes on one PostgreSQL database (issue 14, item 4), each test
//! on a fresh database of the server named by `POSTCORE_TEST_POSTGRES_URL` (without it,
//! one "skipped: …" line and a pass): the first start's bootstrap makes one account and
//! shows one key between them; a profile made through one is read through the other; a key
//! revoked with `postcore-admin` is refused by both at the next request (nothing about keys
//! is cached); concurrent creates through both lose nothing; a LinkedIn token due for
//! refresh is refreshed by one of them, once; and the URL's password is in no log line.

use futures::future::join_all;
use postcore_store::testing::{PgTestDatabase, TEST_SECRET_KEY};
use postcore_tests::linkedin::{
    LinkedInStandIn, as_strs, authorization_url, browser, linkedin_args, server_page,
};
use postcore_tests::server::{Server, admin_on};
use serde_json::{Value, json};

/// Accepted by the test server's trust authentication, and never to be shown.
const PASSWORD: &str = "hunter2pw";

/// A fresh database and its URL with [`PASSWORD`] in it.
async fn database() -> Option<(PgTestDatabase, String)> {
    let db = PgTestDatabase::create().await?;
    let (scheme, rest) = db.url().split_once("://").expect("a URL");
    let (user, host) = rest
        .split_once('@')
        .expect("POSTCORE_TEST_POSTGRES_URL names a user (postgres://USER@HOST/DB)");
    let url = format!("{scheme}://{user}:{PASSWORD}@{host}");
    Some((db, url))
}

const ENV: [(&str, &str); 1] = [("POSTCORE_SECRET_KEY", TEST_SECRET_KEY)];

/// Starts two servers on `url` at the same moment, with their own arguments.
fn start_pair(url: &str, a: &[String], b: &[String]) -> (Server, Server) {
    std::thread::scope(|s| {
        let first = s.spawn(|| Server::start_on(url, &as_strs(a), &ENV));
        let second = s.spawn(|| Server::start_on(url, &as_strs(b), &ENV));
        (first.join().unwrap(), second.join().unwrap())
    })
}

/// `postcore-admin args` on `url`: stdout, after asserting exit 0.
fn admin(url: &str, args: &[&str]) -> String {
    let (code, out, err) = admin_on(url, &ENV, args);
    assert_eq!(code, Some(0), "{args:?}: {out}{err}");
    assert!(
        !out.contains(PASSWORD) && !err.contains(PASSWORD),
        "{out}{err}"
    );
    out
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn get(bind: &str, path: &str, key: &str) -> (u16, Value) {
    let response = client()
        .get(format!("http://{bind}{path}"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

async fn create(bind: &str, key: &str, name: &str) -> (u16, Value) {
    let response = client()
        .post(format!("http://{bind}/profiles/create"))
        .header("x-api-key", key)
        .json(&json!({ "profileName": name }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// The keys of `postcore-admin keys list --json` that are not revoked: their prefixes.
fn live_keys(url: &str) -> Vec<String> {
    let listed: Value = serde_json::from_str(&admin(url, &["keys", "list", "--json"])).unwrap();
    listed["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["revokedAt"].is_null())
        .map(|k| k["prefix"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_database_share_every_write_and_run_background_work_once() {
    let Some((_db, url)) = database().await else {
        return;
    };
    let shown = url.replace(&format!(":{PASSWORD}@"), ":***@");
    let standin = LinkedInStandIn::start().await;
    // Access tokens that live one hour: due for refresh at once (lead 7 days).
    standin.set_expires_in(Some(json!(3600)));
    let dir = tempfile::tempdir().unwrap();
    let (bind_a, args_a) = linkedin_args(&standin, dir.path());
    let (bind_b, args_b) = linkedin_args(&standin, dir.path());

    // First start of both at once: one account, one key shown, one live key.
    let (a, b) = start_pair(&url, &args_a, &args_b);
    let shown_keys: Vec<&String> = [&a.key, &b.key]
        .into_iter()
        .filter(|k| !k.is_empty())
        .collect();
    assert_eq!(shown_keys.len(), 1, "{:#?}\n{:#?}", a.seen, b.seen);
    let key = shown_keys[0].clone();
    assert_eq!(live_keys(&url), [key[..14].to_owned()]);
    let accounts: Value =
        serde_json::from_str(&admin(&url, &["accounts", "list", "--json"])).unwrap();
    assert_eq!(
        accounts["accounts"].as_array().unwrap().len(),
        1,
        "{accounts}"
    );

    // A profile made through one is read through the other.
    let (status, made) = create(&bind_a, &key, "User: made on a").await;
    assert_eq!(status, 201, "{made}");
    let profile_key = made["profileKey"].as_str().unwrap().to_owned();
    assert_eq!(
        made,
        json!({"profileKey": profile_key, "profileName": "User: made on a"})
    );
    let (status, read) = get(&bind_b, &format!("/profiles/{profile_key}"), &key).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        read,
        json!({
            "profile": {
                "profileKey": profile_key,
                "profileName": "User: made on a",
                "createdAt": read["profile"]["createdAt"].as_str().unwrap(),
            },
            "connectedPlatforms": [],
        })
    );
    assert_eq!(
        get(&bind_a, &format!("/profiles/{profile_key}"), &key).await,
        (200, read)
    );

    // A key revoked with the CLI is refused by both at their next request.
    let second = admin(
        &url,
        &["keys", "create", "--account", "default", "--label", "two"],
    );
    let second = second.trim_end();
    for bind in [&bind_a, &bind_b] {
        assert_eq!(get(bind, "/profiles", second).await.0, 200);
    }
    admin(&url, &["keys", "revoke", &second[..14], "--yes"]);
    let refused = json!({"error": "INVALID_API_KEY", "message": "Invalid API key"});
    for bind in [&bind_a, &bind_b] {
        assert_eq!(get(bind, "/profiles", second).await, (401, refused.clone()));
    }

    // Concurrent creates through both lose nothing.
    let creates = (0..40).map(|i| {
        let (bind, key) = (if i % 2 == 0 { &bind_a } else { &bind_b }, &key);
        async move { create(bind, key, &format!("User: {i}")).await }
    });
    let made = join_all(creates).await;
    assert!(made.iter().all(|(status, _)| *status == 201), "{made:?}");
    let mut keys: Vec<&str> = made
        .iter()
        .map(|(_, b)| b["profileKey"].as_str().unwrap())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 40);
    for bind in [&bind_a, &bind_b] {
        let (status, listed) = get(bind, "/profiles", &key).await;
        assert_eq!(status, 200);
        assert_eq!(listed["profiles"].as_array().unwrap().len(), 41);
    }

    // A LinkedIn connection made through A, with a token due for refresh.
    let url_started = authorization_url(&bind_a, &key, json!({})).await;
    let page = browser().get(url_started).send().await.unwrap();
    assert_eq!(
        (page.status().as_u16(), page.text().await.unwrap()),
        (
            200,
            server_page(
                "LinkedIn connected",
                "LinkedIn is connected. You can close this window."
            )
        )
    );
    // Refreshed tokens live 60 days: once refreshed, the connection is no longer due.
    standin.set_expires_in(None);
    assert_eq!(standin.counts().token_refresh, 0);
    let mut log = String::new();
    for server in [a, b] {
        let (code, seen) = server.terminate();
        assert_eq!(code, Some(0), "{seen}");
        log.push_str(&seen);
    }

    // Both restart at once; each runs a refresh pass at start: one refresh call in all.
    let (a, b) = start_pair(&url, &args_a, &args_b);
    assert_eq!((a.key.as_str(), b.key.as_str()), ("", ""));
    let mut waits = 0;
    while standin.counts().token_refresh == 0 {
        // Polls the stand-in for the one refresh (bounded: a broken refresher fails).
        assert!(waits < 6_000, "no refresh call in 60 s");
        waits += 1;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // The stand-in counts the call when it arrives: wait until the pass has stored the new
    // token (the connection no longer expires within a week), so that the pass has ended
    // and logged before the servers stop.
    let mut waits = 0;
    loop {
        let (status, listed) = get(&bind_a, "/profiles?platform=linkedin", &key).await;
        assert_eq!(status, 200, "{listed}");
        let days = listed["profiles"][0]["connectedPlatforms"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["platform"] == "linkedin"))
            .and_then(|c| c["daysUntilExpiry"].as_i64());
        if days.is_some_and(|d| d > 7) {
            break;
        }
        assert!(
            waits < 6_000,
            "the refreshed token was not stored in 60 s: {listed}"
        );
        waits += 1;
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    for server in [a, b] {
        let (code, seen) = server.terminate();
        assert_eq!(code, Some(0), "{seen}");
        log.push_str(&seen);
    }
    // Both stopped: no pass can run any more.
    assert_eq!(standin.counts().token_refresh, 1);
    let refreshed: usize = log
        .lines()
        .filter(|l| l.contains("\"token refresh pass\""))
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["fields"]["refreshed"].as_u64().unwrap() as usize
        })
        .sum();
    assert_eq!(refreshed, 1, "{log}");

    // The URL's password is in no log line; the database is named redacted.
    assert!(!log.contains(PASSWORD), "{log}");
    let listening: Vec<Value> = log
        .lines()
        .filter(|l| l.contains("\"listening\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(listening.len(), 4);
    for line in listening {
        assert_eq!(line["fields"]["database"], json!(shown));
    }
}

/// Runs `postcore serve` on `url` with `env` until it exits: its code and stderr.
fn serve_fails(url: &str, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = postcore_tests::server::command("postcore", std::path::Path::new(url))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains(PASSWORD), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains(PASSWORD));
    (out.status.code(), stderr)
}

#[test]
fn a_server_that_cannot_use_its_postgres_database_says_why_without_the_password() {
    // Port 1: nothing listens there, so the connection is refused at once.
    let url = format!("postgres://postcore:{PASSWORD}@127.0.0.1:1/postcore");
    assert_eq!(
        serve_fails(&url, &ENV),
        (
            Some(1),
            "postcore: error: opening the database postgres://postcore:***@127.0.0.1:1/postcore: \
             database error: cannot connect to the PostgreSQL database: error connecting to \
             server: Connection refused (os error 111)\n"
                .to_owned()
        )
    );
    assert_eq!(
        serve_fails(&url, &[]),
        (
            Some(1),
            "postcore: error: a PostgreSQL database needs its secret key from \
             POSTCORE_SECRET_KEY or --secret-key-file (POSTCORE_SECRET_KEY_FILE): there is no \
             <database>.key beside it\n"
                .to_owned()
        )
    );
}
