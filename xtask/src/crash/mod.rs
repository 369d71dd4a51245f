//! `cargo xtask crash [--rounds N]`: durability under `kill -9` for every kind of write.
//!
//! While the server runs, clients write concurrently: profiles created over HTTP
//! (`POST /profiles/create`); deletes (`DELETE /profiles/{key}`); Bluesky connects
//! (`POST /profiles/connect`: new profiles, connects to existing ones, renewals in place)
//! against a Bluesky stand-in; LinkedIn connects and renewals through the whole OAuth flow
//! (`POST /profiles/connect/linkedin`, the stand-in's authorize redirect, the server's
//! callback) against a LinkedIn stand-in; disconnects
//! (`DELETE /profiles/{key}/connections/{platform}`); and renames, which exist only in
//! `postcore-admin profiles rename`, run against the same database. Each round waits until
//! every kind of write has been acknowledged at least once, kills the server with SIGKILL at
//! a random moment after that, restarts it, and checks every profile ([`model::check`]):
//! each acknowledged write holds (a deleted profile is absent and `GET /profiles/{key}`
//! answers 404), each unanswered write either committed or not, and nothing else is stored;
//! the database passes `integrity_check`.
//!
//! The run's account has a webhook endpoint at a receiver inside this process
//! ([`receiver`]), which outlives every kill. Each round also waits for a delivery before its
//! kill, so kills fall among deliveries (the run counts those that cut an attempt short).
//! After each restart no kept event may be invented ([`events::Ledger::invented`]); after
//! the last round a final server runs until every acknowledged write's event has arrived at
//! least once ([`events::Ledger::missing`]), or fails when none arrives for
//! [`DRAIN_STALL_LIMIT`].

mod clients;
mod events;
mod model;
mod receiver;
mod verify;
mod writer;

use crate::process::{self, Profile, admin};
use crate::standin;
use anyhow::{Result, bail};
use model::{Op, PendingNew, Recorded, State};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Client threads creating profiles over HTTP.
const CREATORS: usize = 2;
/// Client threads sending the other writes over HTTP.
const WRITERS: usize = 2;
/// Requests one client thread may send in a round, at most (the round's kill ends it first).
const MAX_REQUESTS_PER_CLIENT: usize = 1_000_000;
/// How long a round may take to see every kind of write acknowledged before its kill.
const EVERY_KIND_LIMIT: Duration = Duration::from_secs(120);
/// How long the final server may go without a new event while acknowledged writes' events
/// are still awaited: longer than a lease (an attempt cut short by a kill stays leased for
/// `2 × --webhook-timeout + 60 s`, 64 s here) and the retries of a refused one (about 5 s,
/// then 30 s).
const DRAIN_STALL_LIMIT: Duration = Duration::from_secs(120);

/// One profile key: its state when the round began and the writes sent to it since.
struct Entry {
    start: State,
    history: Vec<Recorded>,
    /// A client owns it, or a write to it went unanswered (it may still commit while the
    /// server lives), or it was deleted: no client touches it until the next round.
    busy: bool,
}

/// Acknowledged writes by kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    creates: usize,
    deletes: usize,
    renames: usize,
    connects: usize,
    disconnects: usize,
    /// Requests that got no acknowledgement (killed mid-flight, or refused).
    unacknowledged: usize,
}

impl Counts {
    /// Whether every kind of write has been acknowledged at least once since `before`.
    fn every_kind_since(&self, before: &Counts) -> bool {
        self.creates > before.creates
            && self.deletes > before.deletes
            && self.renames > before.renames
            && self.connects > before.connects
            && self.disconnects > before.disconnects
    }

    fn line(&self) -> String {
        format!(
            "acknowledged: {} creates, {} deletes, {} renames, {} connects, {} disconnects",
            self.creates, self.deletes, self.renames, self.connects, self.disconnects
        )
    }
}

/// What the clients know, shared between them.
#[derive(Default)]
struct World {
    profiles: HashMap<String, Entry>,
    /// Keys of profiles present at the round's start or made in it, to pick from.
    live: Vec<String>,
    /// New profiles whose creating request went unanswered this round.
    pending: Vec<PendingNew>,
    counts: Counts,
    /// Acknowledged connects by what they were, for the log.
    connect_kinds: HashMap<&'static str, usize>,
    /// The writes that cause webhook events.
    ledger: events::Ledger,
}

type Shared = Arc<Mutex<World>>;

impl World {
    /// Claims a random idle present profile for which `want` holds (trying a few), and
    /// returns its key and current fields.
    fn claim(
        &mut self,
        want: impl Fn(&model::Profile) -> bool,
    ) -> Option<(String, model::Profile)> {
        for _ in 0..16 {
            if self.live.is_empty() {
                return None;
            }
            let key = &self.live[process::random_u64() as usize % self.live.len()];
            let entry = self.profiles.get_mut(key).expect("live keys are known");
            if entry.busy {
                continue;
            }
            // An idle profile's writes were all acknowledged: it has one outcome.
            let outcomes = model::outcomes(&entry.start, &entry.history);
            let [State::Present(p)] = &outcomes[..] else {
                continue;
            };
            if want(p) {
                entry.busy = true;
                return Some((key.clone(), p.clone()));
            }
        }
        None
    }

    /// Records a write to a claimed profile and releases it, unless the write went
    /// unanswered or deleted it.
    fn record(&mut self, key: &str, op: Op, acknowledged: bool) {
        let counts = &mut self.counts;
        match (&op, acknowledged) {
            (_, false) => counts.unacknowledged += 1,
            (Op::Rename(_), true) => counts.renames += 1,
            (Op::Connect(..), true) => counts.connects += 1,
            (Op::Disconnect(_), true) => counts.disconnects += 1,
            (Op::Delete, true) => counts.deletes += 1,
        }
        self.ledger.record(key, &op, acknowledged);
        let entry = self.profiles.get_mut(key).expect("claimed keys are known");
        entry.busy = !acknowledged || op == Op::Delete;
        entry.history.push(Recorded { op, acknowledged });
    }

    /// A profile made by an acknowledged request (its connections were acknowledged
    /// connects).
    fn add(&mut self, key: String, profile: model::Profile) {
        for (platform, conn) in &profile.connections {
            let op = Op::Connect(*platform, conn.clone());
            self.ledger.record(&key, &op, true);
        }
        let entry = Entry {
            start: State::Present(profile),
            history: Vec::new(),
            busy: false,
        };
        self.profiles.insert(key.clone(), entry);
        self.live.push(key);
    }
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `rounds` rounds on a fresh SQLite file, or with `postgres` (a server's URL) on a fresh
/// PostgreSQL database made on that server and dropped at the end (`crate::postgres`).
pub fn run(
    rounds: usize,
    profile: Profile,
    kill_window_ms: (u64, u64),
    postgres: Option<&str>,
) -> Result<()> {
    process::build(profile)?;
    let suffix = if postgres.is_some() { "-postgres" } else { "" };
    let work = process::workspace_root()
        .join("target")
        .join("crash")
        .join(format!("work-{}{suffix}", profile.dir()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let db = Arc::new(match postgres {
        None => process::Database::Sqlite(work.join("crash.db")),
        Some(url) => {
            let fresh = crate::database::FreshDatabase::create(url, "crash")?;
            eprintln!("made the PostgreSQL database {} for this run", fresh.name());
            process::Database::Postgres(fresh)
        }
    });
    admin(profile, &db, &["accounts", "create", "crash"])?;
    let api_key = admin(profile, &db, &["keys", "create", "--account", "crash"])?;
    let accounts = Arc::new(writer::accounts());
    let bluesky = standin::start(profile, &accounts, &work.join("bluesky-standin.log"))?;
    let linkedin = standin::start_linkedin(profile, &work.join("linkedin-standin.log"))?;
    let upstreams = process::Upstreams {
        bluesky: Some(bluesky.url().to_owned()),
        linkedin_env: linkedin.env.clone(),
        webhooks_to_loopback: true,
    };
    let receiver = receiver::Receiver::start()?;
    let world: Shared = Arc::default();
    let started = Instant::now();
    let mut cut_short = 0;
    for round in 0..rounds {
        let before = world.lock().unwrap().counts;
        let kept_before = receiver.with(|r| r.events.len());
        let log = work.join("server.log");
        let server = process::start_server_with(profile, &db, &log, &upstreams)?;
        let base = server.base_url();
        if round == 0 {
            register_endpoint(&base, &api_key, &receiver)?;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for client in 0..CREATORS {
            let (base, key, world, stop) = (
                base.clone(),
                api_key.clone(),
                Arc::clone(&world),
                Arc::clone(&stop),
            );
            threads.push(std::thread::spawn(move || {
                clients::create_loop(&base, &key, round, client, &world, &stop)
            }));
        }
        let (db2, world2, stop2) = (Arc::clone(&db), Arc::clone(&world), Arc::clone(&stop));
        threads.push(std::thread::spawn(move || {
            clients::rename_loop(profile, &db2, round, &world2, &stop2)
        }));
        for _ in 0..WRITERS {
            let client = writer::Writer {
                base: base.clone(),
                api_key: api_key.clone(),
                accounts: Arc::clone(&accounts),
                world: Arc::clone(&world),
                stop: Arc::clone(&stop),
            };
            threads.push(std::thread::spawn(move || client.run()));
        }
        let waited = Instant::now();
        // Every kind of write, and a webhook delivery: the kill falls among deliveries.
        while !(world.lock().unwrap().counts.every_kind_since(&before)
            && receiver.with(|r| r.events.len()) > kept_before)
        {
            if waited.elapsed() > EVERY_KIND_LIMIT {
                stop.store(true, Ordering::SeqCst);
                let counts = world.lock().unwrap().counts;
                let kept = receiver.with(|r| r.events.len()) - kept_before;
                bail!(
                    "round {}: not every kind of write and a webhook delivery were acknowledged \
                     within {EVERY_KIND_LIMIT:?} ({} in all; {kept} webhook events); see {}",
                    round + 1,
                    counts.line(),
                    log.display()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let (lo, hi) = kill_window_ms;
        std::thread::sleep(Duration::from_millis(
            lo + process::random_u64() % (hi - lo).max(1),
        ));
        let in_flight = receiver.with(|r| r.in_flight);
        server.kill()?;
        cut_short += usize::from(in_flight > 0);
        stop.store(true, Ordering::SeqCst);
        for t in threads {
            t.join()
                .map_err(|_| anyhow::anyhow!("a client thread panicked"))?;
        }
        let server = process::start_server_with(profile, &db, &log, &upstreams)?;
        let outcome = verify::verify(&server.base_url(), &api_key, &world)?;
        let integrity = admin(profile, &db, &["check"]);
        server.kill()?;
        let invented = webhook_faults(&world, &receiver);
        let counts = world.lock().unwrap().counts;
        eprintln!(
            "round {}/{rounds}: {} this round; {} stored profiles; unanswered: {} \
             ({} profiles from unanswered creates stored); lost {}; integrity: {}; \
             webhook events kept: {} ({} attempts in flight at the kill)",
            round + 1,
            Counts {
                creates: counts.creates - before.creates,
                deletes: counts.deletes - before.deletes,
                renames: counts.renames - before.renames,
                connects: counts.connects - before.connects,
                disconnects: counts.disconnects - before.disconnects,
                unacknowledged: 0,
            }
            .line(),
            outcome.stored,
            counts.unacknowledged - before.unacknowledged,
            outcome.adopted,
            outcome.lost.len(),
            integrity.as_ref().map_or("FAILED", String::as_str),
            receiver.with(|r| r.events.len()),
            in_flight
        );
        if let Err(e) = integrity {
            println!(
                "{}; lost: {}; rounds: {}",
                counts.line(),
                outcome.lost.len(),
                round + 1
            );
            bail!("the database failed its integrity check: {e:#}");
        }
        if !outcome.lost.is_empty() {
            println!(
                "{}; lost: {}; rounds: {}",
                counts.line(),
                outcome.lost.len(),
                round + 1
            );
            bail!(
                "acknowledged writes were lost ({} in all), e.g.:\n  {}",
                outcome.lost.len(),
                outcome.lost[..outcome.lost.len().min(5)].join("\n  ")
            );
        }
        if !invented.is_empty() {
            bail!(
                "webhook events that no write sent, or that failed the receiver's checks ({} in \
                 all), e.g.:\n  {}",
                invented.len(),
                invented[..invented.len().min(5)].join("\n  ")
            );
        }
    }
    let drained = drain(profile, &db, &work, &upstreams, &world, &receiver)?;
    let world = world.lock().unwrap();
    let counts = world.counts;
    println!(
        "{}; lost: 0; unacknowledged: {}; rounds: {rounds}",
        counts.line(),
        counts.unacknowledged
    );
    let (kept, redeliveries, refused) =
        receiver.with(|r| (r.events.len(), r.redeliveries, r.refused));
    println!(
        "webhooks: {} acknowledged writes' events all delivered; {kept} events kept, none \
         invented; {redeliveries} redeliveries; {refused} deliveries refused with 503 and \
         retried; {cut_short} of {rounds} kills cut an attempt short; the last event arrived \
         {:.1} s into the final run",
        world.ledger.acknowledged(),
        drained.as_secs_f64()
    );
    let mut kinds: Vec<_> = world.connect_kinds.iter().collect();
    kinds.sort();
    eprintln!(
        "crash: {rounds} rounds in {:.1} s; connects: {}",
        started.elapsed().as_secs_f64(),
        kinds
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    drop((bluesky, linkedin));
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// Registers the receiver as the account's webhook endpoint (`POST /webhooks`, every event
/// type) and gives it the signing secret of the answer.
fn register_endpoint(base: &str, api_key: &str, receiver: &receiver::Receiver) -> Result<()> {
    let answer: serde_json::Value = process::agent(Duration::from_secs(30))
        .post(&format!("{base}/webhooks"))
        .set("x-api-key", api_key)
        .send_json(serde_json::json!({
            "url": receiver.url(),
            "description": "cargo xtask crash",
        }))
        .map_err(|e| anyhow::anyhow!("POST /webhooks: {e}"))?
        .into_json()?;
    let Some(secret) = answer["secret"].as_str() else {
        bail!("POST /webhooks answered no secret: {answer}");
    };
    receiver.set_secret(secret.to_owned());
    Ok(())
}

/// The receiver's rejected deliveries and the invented events, each described.
fn webhook_faults(world: &Shared, receiver: &receiver::Receiver) -> Vec<String> {
    let world = world.lock().unwrap();
    receiver.with(|r| {
        let mut faults = r.rejected.clone();
        faults.extend(world.ledger.invented(&r.events));
        faults
    })
}

/// Runs a last server until every acknowledged write's webhook event has arrived (failing
/// when none arrives for [`DRAIN_STALL_LIMIT`]), then checks again that none is invented.
/// Returns how long it took.
fn drain(
    profile: Profile,
    db: &process::Database,
    work: &std::path::Path,
    upstreams: &process::Upstreams,
    world: &Shared,
    receiver: &receiver::Receiver,
) -> Result<Duration> {
    let log = work.join("server-final.log");
    let server = process::start_server_with(profile, db, &log, upstreams)?;
    let started = Instant::now();
    let (mut kept, mut progress) = (receiver.with(|r| r.events.len()), Instant::now());
    let missing = loop {
        let missing = {
            let world = world.lock().unwrap();
            receiver.with(|r| world.ledger.missing(&r.events))
        };
        let now_kept = receiver.with(|r| r.events.len());
        if now_kept > kept {
            (kept, progress) = (now_kept, Instant::now());
        }
        if missing.is_empty() || progress.elapsed() > DRAIN_STALL_LIMIT {
            break missing;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let took = started.elapsed();
    server.kill()?;
    if !missing.is_empty() {
        bail!(
            "acknowledged writes whose webhook events never arrived: none came for \
             {DRAIN_STALL_LIMIT:?} ({} in all), e.g.:\n  {}\nsee {} and `postcore-admin \
             webhooks deliveries`",
            missing.len(),
            missing[..missing.len().min(5)].join("\n  "),
            log.display()
        );
    }
    let invented = webhook_faults(world, receiver);
    if !invented.is_empty() {
        bail!(
            "webhook events that no write sent ({} in all), e.g.:\n  {}",
            invented.len(),
            invented[..invented.len().min(5)].join("\n  ")
        );
    }
    Ok(took)
}
