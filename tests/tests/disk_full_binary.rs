//! The real `postcore` binary on a full disk (issue 15, item 4): a 3 MiB tmpfs mounted by
//! the test holds the database, its `-wal` and `-shm` and the secret key file; a filler
//! file the test controls takes the rest of the space. Every write that cannot be stored
//! answers 500 `INTERNAL_ERROR` (api.md §4) and leaves nothing behind, reads and `/health`
//! keep answering, every acknowledged profile survives a restart, and once the filler is
//! deleted writes succeed again without a restart.
//!
//! Mounting needs root: elsewhere the test says so in one line and passes.

use postcore_tests::disk::SmallDisk;
use postcore_tests::server::Server;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The size of the test's filesystem: the database and its files need well under 1 MiB.
const SIZE: &str = "3m";
/// The exact body of every failed write (api.md §4).
const INTERNAL: &str = r#"{"error":"INTERNAL_ERROR","message":"Internal server error"}"#;
/// Consecutive refused creates that show the disk is full, not a passing failure.
const REFUSALS: usize = 5;
/// A bound on the creates it takes to fill what the filler left (each is about 1 KiB).
const MAX_CREATES: usize = 3_000;

/// A client of one running server with its key.
struct Api<'a> {
    client: Client,
    server: &'a Server,
    key: String,
}

impl Api<'_> {
    /// `method path` with `body`: the status and the body text.
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, String) {
        let mut request = self
            .client
            .request(method, format!("http://{}{path}", self.server.address))
            .header("x-api-key", &self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        (response.status(), response.text().await.unwrap())
    }

    /// `POST /profiles/create` named `name`: `Some(key)` on 201, `None` on the 500 of a
    /// full disk; any other answer fails the test.
    async fn create(&self, name: &str) -> Option<String> {
        let (status, body) = self
            .call(
                Method::POST,
                "/profiles/create",
                Some(json!({ "profileName": name })),
            )
            .await;
        match status.as_u16() {
            201 => {
                let body: Value = serde_json::from_str(&body).unwrap();
                let key = body["profileKey"].as_str().unwrap().to_owned();
                assert_eq!(body, json!({ "profileKey": key, "profileName": name }));
                Some(key)
            }
            _ => {
                assert_eq!((status.as_u16(), body.as_str()), (500, INTERNAL));
                None
            }
        }
    }

    /// Every profile of `GET /profiles`, as key → name, each with no connections.
    async fn profiles(&self) -> BTreeMap<String, String> {
        let (status, body) = self.call(Method::GET, "/profiles", None).await;
        assert_eq!(status, 200, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        body["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                assert_eq!(p["connectedPlatforms"], json!([]));
                (
                    p["profileKey"].as_str().unwrap().to_owned(),
                    p["profileName"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// `GET /health`: the status and the body text.
    async fn health(&self) -> (u16, String) {
        let (status, body) = self.call(Method::GET, "/health", None).await;
        (status.as_u16(), body)
    }
}

/// A profile name of 255 characters (the most api.md §3 allows), distinct per `n`.
fn name(n: usize) -> String {
    format!("{n:05}-{}", "n".repeat(249))
}

#[tokio::test]
async fn a_full_disk_refuses_writes_with_500_keeps_reads_and_recovers_once_space_is_freed() {
    let disk = match SmallDisk::mount(SIZE) {
        Ok(disk) => disk,
        Err(reason) => {
            println!("skipped: mounting a size-limited filesystem needs root ({reason})");
            return;
        }
    };
    let database: PathBuf = disk.path().join("postcore.db");
    let server = Server::start_with(&database, &["--rate-limit-per-minute", "0"]);
    let api = Api {
        client: Client::builder().no_proxy().build().unwrap(),
        server: &server,
        key: server.key.clone(),
    };
    let mut acknowledged = BTreeMap::new();
    for n in 0..3 {
        let key = api.create(&name(n)).await.expect("space is free");
        acknowledged.insert(key, name(n));
    }

    // Take every free byte, then create until the database cannot grow: a create may
    // still fit in space SQLite already holds; from then on each one is refused.
    let filler = disk.fill();
    let (mut refused, mut run) = (0, 0);
    for n in 3..MAX_CREATES {
        match api.create(&name(n)).await {
            Some(key) => {
                acknowledged.insert(key, name(n));
                run = 0;
            }
            None => {
                refused += 1;
                run += 1;
                if run == REFUSALS {
                    break;
                }
            }
        }
    }
    assert_eq!(run, REFUSALS, "creates never failed on a full disk");

    // Reads keep working, and show exactly what was acknowledged: no refused write left
    // a profile behind. The database answers, so /health says so.
    assert_eq!(api.profiles().await, acknowledged);
    let (first, first_name) = acknowledged
        .first_key_value()
        .map(|(k, v)| (k.clone(), v.clone()))
        .unwrap();
    let (status, body) = api
        .call(Method::GET, &format!("/profiles/{first}"), None)
        .await;
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (
            status.as_u16(),
            &body["profile"]["profileName"],
            &body["connectedPlatforms"]
        ),
        (200, &json!(first_name), &json!([]))
    );
    assert_eq!(api.health().await, (200, r#"{"status":"ok"}"#.to_owned()));

    // Space comes back: the next write succeeds on the same process.
    std::fs::remove_file(&filler).unwrap();
    for n in MAX_CREATES..MAX_CREATES + 3 {
        let key = api.create(&name(n)).await.expect("writes work again");
        acknowledged.insert(key, name(n));
    }
    let (status, body) = api
        .call(Method::DELETE, &format!("/profiles/{first}"), None)
        .await;
    assert_eq!(
        (status.as_u16(), body.as_str()),
        (200, r#"{"message":"Profile deleted successfully"}"#)
    );
    acknowledged.remove(&first);
    assert_eq!(api.profiles().await, acknowledged);
    drop(api);

    // One ERROR line per refused request, naming SQLite's cause; no panic; the key only
    // in the first start's banner.
    let (key, banner) = (server.key.clone(), server.seen.len());
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    let after: Vec<&str> = log.lines().skip(banner).collect();
    assert!(
        after.iter().all(|l| !l.contains(&key)),
        "the key was logged"
    );
    let failed: Vec<&&str> = after
        .iter()
        .filter(|l| l.contains("request failed"))
        .collect();
    assert_eq!(failed.len(), refused, "{log}");
    for line in &failed {
        let line: Value = serde_json::from_str(line).unwrap();
        assert_eq!(line["level"], "ERROR");
        let cause = line["fields"]["error"].as_str().unwrap();
        assert!(cause.contains("database or disk is full"), "{cause}");
    }
    assert!(!log.contains("panicked"), "{log}");

    // Everything acknowledged is there after a restart, and nothing else.
    let server = Server::start_with(&database, &["--rate-limit-per-minute", "0"]);
    let api = Api {
        client: Client::builder().no_proxy().build().unwrap(),
        server: &server,
        key,
    };
    assert_eq!(api.profiles().await, acknowledged);
}
