//! `cargo xtask bench [--quick|--smoke]`: throughput, latency, memory and scaling of the real
//! release server over loopback, against a framework-only "limit" server measured in the
//! same run, in 7 scenarios; the last connects Bluesky through a Bluesky stand-in process
//! (`bluesky-standin`). Writes `target/bench/results.json`.

mod connect;
mod report;
mod seed;
mod wrk;

use crate::process::{self, Profile, Server};
use anyhow::{Context as _, Result, bail};
use report::{ListResult, Scenario};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How big and how long a run is.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub mode: &'static str,
    pub profile: Profile,
    pub big: usize,
    pub small: usize,
    pub duration: Duration,
    pub list_fetches: usize,
    /// Profiles (and Bluesky stand-in accounts) scenario 7 renews connections on.
    pub connect_profiles: usize,
}

impl Plan {
    pub fn full() -> Self {
        Plan {
            mode: "full",
            profile: Profile::Release,
            big: 100_000,
            small: 100,
            duration: Duration::from_secs(20),
            list_fetches: 5,
            connect_profiles: 1000,
        }
    }
    pub fn quick() -> Self {
        Plan {
            mode: "quick",
            duration: Duration::from_secs(5),
            list_fetches: 3,
            ..Self::full()
        }
    }
    /// A tiny run on the debug binaries that checks the tool produces well-formed results.
    pub fn smoke() -> Self {
        Plan {
            mode: "smoke",
            profile: Profile::Debug,
            big: 300,
            small: 10,
            duration: Duration::from_secs(1),
            list_fetches: 2,
            connect_profiles: 20,
        }
    }
}

/// Whether `wrk` is on `path` (see [`wrk::on_path`]); the gate skips its bench smoke run
/// when it is not.
pub fn wrk_on_path(path: Option<&std::ffi::OsStr>) -> bool {
    wrk::on_path(path)
}

/// How to install wrk (see [`wrk::INSTALL`]).
pub const WRK_INSTALL: &str = wrk::INSTALL;

pub fn run(plan: Plan) -> Result<()> {
    wrk::ensure_installed()?;
    process::build(plan.profile)?;
    let root = process::workspace_root();
    let out_dir = root.join("target").join("bench");
    std::fs::create_dir_all(&out_dir)?;
    let work = out_dir.join(format!("work-{}", plan.mode));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let db = work.join("bench.db");

    let started = Instant::now();
    eprintln!(
        "seeding {} + {} + {} profiles through postcore-admin…",
        plan.big, plan.small, plan.connect_profiles
    );
    let big = seed::account(plan.profile, &db, &work, "big", plan.big)?;
    let small = seed::account(plan.profile, &db, &work, "small", plan.small)?;
    let writes = seed::account(plan.profile, &db, &work, "writes", 0)?;
    let connects = seed::account(plan.profile, &db, &work, "connects", plan.connect_profiles)?;
    let seed_seconds = started.elapsed().as_secs_f64();

    let (stand_in, bodies_file) = connect::start(plan.profile, &work, &connects)?;
    let log = work.join("server.log");
    let server = process::start_server(plan.profile, &db, &log, Some(stand_in.url()))?;
    let base = server.base_url();
    let one_key = std::fs::read_to_string(&big.keys_file)?
        .lines()
        .next()
        .context("no keys")?
        .to_owned();
    let sample_body = fetch(&format!("{base}/profiles/{one_key}"), &big.api_key)?.1;

    // One wrk run against the server: scenario name, expected status, script file stem.
    let measure = |name, status, stem, script: &str| -> Result<Scenario> {
        let m = wrk::run(&work, stem, &base, script, plan.duration)?;
        Ok(Scenario::from_wrk(name, status, m))
    };
    let mut scenarios = Vec::new();
    eprintln!("1/7 limit: framework-only server with the same bytes…");
    scenarios.push(limit(plan, &work, &sample_body, &big)?);

    eprintln!(
        "2/7 GET /profiles/{{key}}, random keys, {} profiles…",
        big.profiles
    );
    let script = wrk::random_key_script(&big.keys_file, &big.api_key);
    scenarios.push(measure("get_profile_random_key", 200, "get", &script)?);

    eprintln!("3/7 GET /profiles, {} profiles…", small.profiles);
    let script = wrk::static_script("GET", "/profiles", &[("x-api-key", &small.api_key)], None);
    scenarios.push(measure("list_small_account", 200, "list", &script)?);

    eprintln!("5/7 POST /profiles/create…");
    let script = wrk::static_script(
        "POST",
        "/profiles/create",
        &[
            ("x-api-key", &writes.api_key),
            ("Content-Type", "application/json"),
        ],
        Some(r#"{"profileName":"bench"}"#),
    );
    scenarios.push(measure("create_profile", 201, "create", &script)?);

    eprintln!("6/7 unknown API key (401)…");
    let unknown = "pc_live_UNKNOWNunknownUNKNOWNunknown0123";
    let script = wrk::static_script("GET", "/profiles", &[("x-api-key", unknown)], None);
    scenarios.push(measure("unknown_api_key_401", 401, "unauth", &script)?);

    eprintln!(
        "7/7 POST /profiles/connect: Bluesky renewed in place on {} profiles, via the stand-in…",
        connects.profiles
    );
    let script = wrk::random_body_script("/profiles/connect", &bodies_file, &connects.api_key);
    scenarios.push(measure("connect_bluesky_renew", 200, "connect", &script)?);
    eprintln!(
        "    renewed {} of {} Bluesky connections",
        connect::renewed(&base, &connects)?,
        connects.profiles
    );
    server.kill()?;
    drop(stand_in);

    eprintln!(
        "4/7 GET /profiles, {} profiles: time to last byte and memory…",
        big.profiles
    );
    let list = big_list(plan, &db, &work, &big)?;

    let results = report::Results {
        plan,
        seed_seconds,
        scenarios,
        list,
    };
    report::print_table(&results);
    let json = report::to_json(&results)?;
    let file = out_dir.join(if plan.mode == "smoke" {
        "smoke.json"
    } else {
        "results.json"
    });
    std::fs::write(&file, serde_json::to_string_pretty(&json)?)?;
    eprintln!("wrote {}", file.display());
    report::check_well_formed(&results)?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// One GET with the API key: status, body and time to last byte.
fn fetch(url: &str, api_key: &str) -> Result<(u16, Vec<u8>, Duration)> {
    let started = Instant::now();
    let resp = process::agent(Duration::from_secs(120))
        .get(url)
        .set("x-api-key", api_key)
        .call()
        .with_context(|| format!("GET {url}"))?;
    let status = resp.status();
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut body)?;
    Ok((status, body, started.elapsed()))
}

/// Scenario 1: xtask's own minimal actix-web server answering every request with `body`,
/// loaded with scenario 2's own wrk script (a random key of the big account per request):
/// the load generator does the same work per request in both, so their ratio is the
/// server's alone (a static script cost wrk less and flattered the limit).
fn limit(plan: Plan, work: &Path, body: &[u8], big: &seed::SeededAccount) -> Result<Scenario> {
    let body_file = work.join("limit-body.json");
    std::fs::write(&body_file, body)?;
    let port = process::free_port()?;
    let child = Command::new(process::binary(plan.profile, "xtask"))
        .args(["limit-server", "--port", &port.to_string(), "--body"])
        .arg(&body_file)
        .stdout(Stdio::null())
        .spawn()
        .context("starting the limit server")?;
    let server = Server { child, port };
    process::wait_healthy(&server, Duration::from_secs(30))?;
    let script = wrk::random_key_script(&big.keys_file, &big.api_key);
    let m = wrk::run(work, "limit", &server.base_url(), &script, plan.duration)?;
    server.kill()?;
    Ok(Scenario::from_wrk("limit_framework_only", 200, m))
}

/// Scenario 4: a fresh server; idle VmHWM, then the whole big account listed sequentially.
fn big_list(plan: Plan, db: &Path, work: &Path, big: &seed::SeededAccount) -> Result<ListResult> {
    let server = process::start_server(plan.profile, db, &work.join("server-list.log"), None)?;
    let base = server.base_url();
    fetch(&format!("{base}/profiles/prof_warmup"), &big.api_key).ok();
    let (idle_hwm, _) = process::memory_kib(server.pid())?;
    let mut times = Vec::new();
    let mut body_bytes = 0;
    for i in 0..plan.list_fetches {
        let (status, body, ttlb) = fetch(&format!("{base}/profiles"), &big.api_key)?;
        if status != 200 {
            bail!("GET /profiles answered {status}");
        }
        if i == 0 {
            let v: serde_json::Value =
                serde_json::from_slice(&body).context("the streamed list is not valid JSON")?;
            let n = v["profiles"].as_array().map_or(0, Vec::len);
            if n != big.profiles {
                bail!(
                    "GET /profiles returned {n} profiles, expected {}",
                    big.profiles
                );
            }
        }
        body_bytes = body.len();
        times.push(ttlb.as_secs_f64() * 1000.0);
    }
    let (peak_hwm, _) = process::memory_kib(server.pid())?;
    server.kill()?;
    times.sort_by(f64::total_cmp);
    Ok(ListResult {
        profiles: big.profiles,
        body_bytes,
        ttlb_ms_median: times[times.len() / 2],
        ttlb_ms_min: times[0],
        idle_hwm_kib: idle_hwm,
        peak_hwm_kib: peak_hwm,
    })
}
