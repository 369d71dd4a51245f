//! `cargo xtask crash [--rounds N]`: durability under `kill -9`. Clients create profiles
//! over HTTP and connect Bluesky through `postcore-admin` (the store path) while the server
//! runs; the server is killed with SIGKILL at a random moment each round, restarted, and
//! every acknowledged write must be there with its exact fields, with `integrity_check` ok.

use crate::process::{self, Profile, admin};
use anyhow::{Context as _, Result, bail};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Client threads creating profiles over HTTP.
const CLIENTS: usize = 4;

/// Requests one client thread may send in a round, at most (the round's kill ends it first).
const MAX_REQUESTS_PER_CLIENT: usize = 1_000_000;
/// Connections the admin thread may make in a round, at most.
const MAX_CONNECTS: usize = 100_000;

/// What the server acknowledged for one profile.
struct Ack {
    /// The profileName sent.
    name: String,
    /// Unix seconds around the request: createdAt must fall within them.
    created_within: (i64, i64),
    /// The Bluesky handle connected through `postcore-admin`, once acknowledged.
    handle: Option<String>,
}

/// Everything acknowledged so far, by profile key.
type Acknowledged = Arc<Mutex<HashMap<String, Ack>>>;

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub fn run(rounds: usize, profile: Profile, kill_window_ms: (u64, u64)) -> Result<()> {
    process::build(profile)?;
    let work = process::workspace_root()
        .join("target")
        .join("crash")
        .join(format!("work-{}", profile.dir()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let db = work.join("crash.db");
    admin(profile, &db, &["accounts", "create", "crash"])?;
    let api_key = admin(profile, &db, &["keys", "create", "--account", "crash"])?;
    let acked: Acknowledged = Arc::default();
    let started = std::time::Instant::now();
    for round in 0..rounds {
        let server = process::start_server(profile, &db, &work.join("server.log"))?;
        let base = server.base_url();
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for client in 0..CLIENTS {
            let (base, key, acked, stop) = (
                base.clone(),
                api_key.clone(),
                Arc::clone(&acked),
                Arc::clone(&stop),
            );
            threads.push(std::thread::spawn(move || {
                create_loop(&base, &key, round, client, &acked, &stop)
            }));
        }
        let (db2, acked2, stop2) = (db.clone(), Arc::clone(&acked), Arc::clone(&stop));
        threads.push(std::thread::spawn(move || {
            connect_loop(profile, &db2, &acked2, &stop2)
        }));
        let (lo, hi) = kill_window_ms;
        std::thread::sleep(Duration::from_millis(
            lo + process::random_u64() % (hi - lo).max(1),
        ));
        server.kill()?;
        stop.store(true, Ordering::SeqCst);
        for t in threads {
            t.join()
                .map_err(|_| anyhow::anyhow!("a client thread panicked"))?;
        }
        let server = process::start_server(profile, &db, &work.join("server.log"))?;
        let lost = verify(&server.base_url(), &api_key, &acked)?;
        let integrity = admin(profile, &db, &["check"]);
        server.kill()?;
        let (total, connected) = {
            let acked = acked.lock().unwrap();
            (
                acked.len(),
                acked.values().filter(|a| a.handle.is_some()).count(),
            )
        };
        eprintln!(
            "round {}/{rounds}: acknowledged {total} profiles ({connected} with a Bluesky connection), lost {}, integrity: {}",
            round + 1,
            lost.len(),
            integrity.as_ref().map_or("FAILED", String::as_str)
        );
        if let Err(e) = integrity {
            println!(
                "acknowledged: {total}, lost: {}, rounds: {}",
                lost.len(),
                round + 1
            );
            bail!("the database failed its integrity check: {e:#}");
        }
        if !lost.is_empty() {
            println!(
                "acknowledged: {total}, lost: {}, rounds: {}",
                lost.len(),
                round + 1
            );
            bail!(
                "acknowledged writes were lost, e.g. {:?}",
                &lost[..lost.len().min(5)]
            );
        }
    }
    let total = acked.lock().unwrap().len();
    println!("acknowledged: {total}, lost: 0, rounds: {rounds}");
    eprintln!(
        "crash: {rounds} rounds in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if total == 0 {
        bail!("nothing was acknowledged: the test proved nothing");
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

fn create_loop(
    base: &str,
    api_key: &str,
    round: usize,
    client: usize,
    acked: &Acknowledged,
    stop: &AtomicBool,
) {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(5))
        .build();
    let mut i = 0;
    while !stop.load(Ordering::SeqCst) && i < MAX_REQUESTS_PER_CLIENT {
        i += 1;
        let name = format!("crash r{round} c{client} #{i}");
        let before = unix_now();
        let resp = agent
            .post(&format!("{base}/profiles/create"))
            .set("x-api-key", api_key)
            .send_json(serde_json::json!({ "profileName": name }));
        // Only a complete 201 with a parsed body counts as acknowledged.
        if let Ok(r) = resp
            && r.status() == 201
            && let Ok(v) = r.into_json::<Value>()
            && let Some(key) = v["profileKey"].as_str()
        {
            let ack = Ack {
                name,
                created_within: (before, unix_now()),
                handle: None,
            };
            acked.lock().unwrap().insert(key.to_owned(), ack);
        }
    }
}

/// Connects Bluesky (no credentials) on acknowledged profiles through the admin CLI.
fn connect_loop(profile: Profile, db: &Path, acked: &Acknowledged, stop: &AtomicBool) {
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) && n < MAX_CONNECTS {
        let target = acked
            .lock()
            .unwrap()
            .iter()
            .find(|(_, ack)| ack.handle.is_none())
            .map(|(k, _)| k.clone());
        let Some(key) = target else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        n += 1;
        let handle = format!("crash{n}-{}.bsky.social", process::random_u64() % 1_000_000);
        let args = [
            "connections",
            "add",
            &key,
            "--platform",
            "bluesky",
            "--handle",
            &handle,
        ];
        if admin(profile, db, &args).is_ok() {
            acked
                .lock()
                .unwrap()
                .get_mut(&key)
                .expect("acknowledged key")
                .handle = Some(handle);
        }
    }
}

/// Reads every profile back and returns the keys whose acknowledged state is missing.
fn verify(base: &str, api_key: &str, acked: &Acknowledged) -> Result<Vec<String>> {
    let body: Value = process::agent(Duration::from_secs(120))
        .get(&format!("{base}/profiles"))
        .set("x-api-key", api_key)
        .call()
        .context("GET /profiles after restart")?
        .into_json()?;
    let stored: HashMap<&str, &Value> = body["profiles"]
        .as_array()
        .context("no profiles array")?
        .iter()
        .filter_map(|p| Some((p["profileKey"].as_str()?, p)))
        .collect();
    let mut lost = Vec::new();
    for (key, ack) in acked.lock().unwrap().iter() {
        let ok = stored.get(key.as_str()).is_some_and(|p| {
            let platforms = p["connectedPlatforms"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            // The connection exactly as `connections add --platform bluesky --handle H` makes it.
            let has_handle = ack.handle.as_ref().is_none_or(|h| {
                platforms.iter().any(|c| {
                    c["platform"] == "bluesky"
                        && c["username"] == h.as_str()
                        && c["displayName"] == h.as_str()
                        && c["expiresAt"].is_null()
                        && c["daysUntilExpiry"].is_null()
                })
            });
            let created = p["createdAt"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.timestamp());
            let (from, to) = ack.created_within;
            p["profileName"] == ack.name.as_str()
                && created.is_some_and(|c| (from..=to).contains(&c))
                && has_handle
        });
        if !ok {
            lost.push(key.clone());
        }
    }
    Ok(lost)
}
