//! `cargo xtask crash [--rounds N]`: durability under `kill -9`. While the server runs,
//! clients create profiles over HTTP, connect Bluesky over HTTP (`POST /profiles/connect`,
//! verified against a Bluesky stand-in started once for the whole run: new profiles,
//! renewals, and profiles made by `create`), and connect Bluesky through `postcore-admin`
//! (the store path). The server is killed with SIGKILL at a random moment each round,
//! restarted, and every acknowledged write must be there with its exact fields, with
//! `integrity_check` ok.

mod bluesky;
mod clients;
mod verify;

use crate::process::{self, Profile, admin};
use crate::standin;
use anyhow::{Result, bail};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
    /// The profileName sent; `None` for a profile made by `POST /profiles/connect`.
    name: Option<String>,
    /// Unix seconds around the request: createdAt must fall within them.
    created_within: (i64, i64),
    /// Its Bluesky connection, as far as it was acknowledged.
    bluesky: Bluesky,
}

/// A profile's Bluesky connection as the clients know it.
enum Bluesky {
    /// Nothing connected: a profile from `POST /profiles/create`.
    None,
    /// A connect was sent and not acknowledged: either outcome is right, nothing is checked.
    Pending,
    /// Connected through `postcore-admin connections add --handle` with this handle.
    Admin(String),
    /// Connected by a 200 of `POST /profiles/connect`.
    Http(HttpConnect),
}

/// An acknowledged `POST /profiles/connect`, possibly renewed since.
struct HttpConnect {
    /// The stand-in account's handle: every connect of the profile used this account (one
    /// DID), so `username` and `displayName` are exactly this.
    handle: String,
    /// Unix seconds: `connectedAt` is at least this, the start of the latest acknowledged
    /// connect or renewal (that write is lost when it is older).
    since: i64,
    /// A request to this profile failed without an answer while its server lived: it may
    /// still commit an older `connectedAt`, so `since` stops rising until the server dies.
    frozen: bool,
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
    let accounts = Arc::new(bluesky::accounts());
    let stand_in = standin::start(profile, &accounts, &work.join("standin.log"))?;
    let acked: Acknowledged = Arc::default();
    let connects = Arc::new(AtomicUsize::new(0));
    let started = std::time::Instant::now();
    for round in 0..rounds {
        let connects_before = connects.load(Ordering::SeqCst);
        let log = work.join("server.log");
        let server = process::start_server(profile, &db, &log, Some(stand_in.url()))?;
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
                clients::create_loop(&base, &key, round, client, &acked, &stop)
            }));
        }
        let (db2, acked2, stop2) = (db.clone(), Arc::clone(&acked), Arc::clone(&stop));
        threads.push(std::thread::spawn(move || {
            clients::connect_loop(profile, &db2, &acked2, &stop2)
        }));
        let client = bluesky::Client {
            base,
            api_key: api_key.clone(),
            accounts: Arc::clone(&accounts),
            acked: Arc::clone(&acked),
            connects: Arc::clone(&connects),
            stop: Arc::clone(&stop),
        };
        threads.push(std::thread::spawn(move || client.run()));
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
        // The killed server commits nothing more: every renewal bound may rise again.
        bluesky::unfreeze(&acked);
        let server = process::start_server(profile, &db, &log, Some(stand_in.url()))?;
        let lost = verify::verify(&server.base_url(), &api_key, &acked)?;
        let integrity = admin(profile, &db, &["check"]);
        server.kill()?;
        let (total, connected) = {
            let acked = acked.lock().unwrap();
            let connected = acked.values().filter(|a| a.bluesky.is_acknowledged());
            (acked.len(), connected.count())
        };
        let total_connects = connects.load(Ordering::SeqCst);
        eprintln!(
            "round {}/{rounds}: acknowledged {total} profiles ({connected} with a Bluesky connection), \
             {} Bluesky connects over HTTP this round ({total_connects} in all), lost {}, integrity: {}",
            round + 1,
            total_connects - connects_before,
            lost.len(),
            integrity.as_ref().map_or("FAILED", String::as_str)
        );
        let summary =
            format!("acknowledged: {total} profiles, {total_connects} Bluesky connects over HTTP");
        if let Err(e) = integrity {
            println!("{summary}, lost: {}, rounds: {}", lost.len(), round + 1);
            bail!("the database failed its integrity check: {e:#}");
        }
        if !lost.is_empty() {
            println!("{summary}, lost: {}, rounds: {}", lost.len(), round + 1);
            bail!(
                "acknowledged writes were lost ({} in all), e.g.:\n  {}",
                lost.len(),
                lost[..lost.len().min(5)].join("\n  ")
            );
        }
    }
    let total = acked.lock().unwrap().len();
    let total_connects = connects.load(Ordering::SeqCst);
    println!(
        "acknowledged: {total} profiles, {total_connects} Bluesky connects over HTTP, lost: 0, rounds: {rounds}"
    );
    eprintln!(
        "crash: {rounds} rounds in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if total == 0 || total_connects == 0 {
        bail!("no profile or no Bluesky connect was acknowledged: the test proved too little");
    }
    drop(stand_in);
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

impl Bluesky {
    /// Whether an acknowledged connection must be there.
    fn is_acknowledged(&self) -> bool {
        matches!(self, Bluesky::Admin(_) | Bluesky::Http(_))
    }
}
