//! The benchmark's results: a printed table, `results.json`, and a well-formedness check.

use super::Plan;
use super::wrk::{self, Measured};
use anyhow::{Result, bail};
use serde_json::{Value, json};

/// One load scenario's figures. `errors` counts socket errors and responses whose status
/// differs from the scenario's expected one.
pub struct Scenario {
    pub name: &'static str,
    pub expected_status: u16,
    pub m: Measured,
    pub errors: u64,
}

impl Scenario {
    pub fn from_wrk(name: &'static str, expected_status: u16, m: Measured) -> Self {
        // wrk counts statuses ≥ 400 as errors: for an expected 401 those are the successes.
        let wrong_status = if expected_status >= 400 {
            m.requests - m.status_errors
        } else {
            m.status_errors
        };
        Scenario {
            name,
            expected_status,
            errors: m.socket_errors + wrong_status,
            m,
        }
    }
}

/// Scenario 4: the whole big account in one streamed response.
pub struct ListResult {
    pub profiles: usize,
    pub body_bytes: usize,
    pub ttlb_ms_median: f64,
    pub ttlb_ms_min: f64,
    pub idle_hwm_kib: u64,
    pub peak_hwm_kib: u64,
}

pub struct Results {
    pub plan: Plan,
    pub seed_seconds: f64,
    pub scenarios: Vec<Scenario>,
    pub list: ListResult,
}

impl Results {
    fn rps(&self, name: &str) -> f64 {
        self.scenarios
            .iter()
            .find(|s| s.name == name)
            .map_or(0.0, |s| s.m.requests_per_sec())
    }
    fn ratio(&self) -> f64 {
        self.rps("get_profile_random_key") / self.rps("limit_framework_only").max(1e-9)
    }
    fn added_mib(&self) -> f64 {
        self.list
            .peak_hwm_kib
            .saturating_sub(self.list.idle_hwm_kib) as f64
            / 1024.0
    }
}

fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split(':').nth(1))
        })
        .map_or("unknown", str::trim)
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    json!({"cores": cores, "cpu_model": model})
}

fn git_commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "unknown".to_owned(), |s| s.trim().to_owned())
}

pub fn print_table(r: &Results) {
    println!(
        "\nPostCore bench ({} mode, {} binaries, wrk -t{} -c{}, {} s per scenario)",
        r.plan.mode,
        r.plan.profile.dir(),
        wrk::THREADS,
        wrk::CONNECTIONS,
        r.plan.duration.as_secs()
    );
    println!(
        "{:<26} {:>12} {:>9} {:>9} {:>8}",
        "scenario", "requests/s", "p50 ms", "p99 ms", "errors"
    );
    for s in &r.scenarios {
        println!(
            "{:<26} {:>12.0} {:>9.2} {:>9.2} {:>8}",
            s.name,
            s.m.requests_per_sec(),
            s.m.p50_ms,
            s.m.p99_ms,
            s.errors
        );
    }
    let l = &r.list;
    println!(
        "list_big_account           {} profiles, {} body bytes, time to last byte median {:.0} ms (min {:.0} ms)",
        l.profiles, l.body_bytes, l.ttlb_ms_median, l.ttlb_ms_min
    );
    println!(
        "                           peak RSS (VmHWM) idle {:.1} MiB → {:.1} MiB: +{:.1} MiB",
        l.idle_hwm_kib as f64 / 1024.0,
        l.peak_hwm_kib as f64 / 1024.0,
        r.added_mib()
    );
    println!(
        "ratio get_profile / limit: {:.1}%   seeding: {:.1} s",
        r.ratio() * 100.0,
        r.seed_seconds
    );
    let get_p99 = r
        .scenarios
        .iter()
        .find(|s| s.name == "get_profile_random_key")
        .map_or(f64::NAN, |s| s.m.p99_ms);
    println!(
        "targets (issue 9): ratio ≥ 40% [{}], p99 ≤ 5 ms [{}], list adds ≤ 32 MiB [{}], creates ≥ 1000/s [{}]",
        mark(r.ratio() >= 0.4),
        mark(get_p99 <= 5.0),
        mark(r.added_mib() <= 32.0),
        mark(r.rps("create_profile") >= 1000.0)
    );
}

fn mark(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

pub fn to_json(r: &Results) -> Result<Value> {
    let scenarios: Vec<Value> = r
        .scenarios
        .iter()
        .map(|s| {
            json!({
                "name": s.name, "expected_status": s.expected_status,
                "requests": s.m.requests, "seconds": s.m.seconds, "requests_per_sec": s.m.requests_per_sec(),
                "p50_ms": s.m.p50_ms, "p99_ms": s.m.p99_ms, "errors": s.errors, "bytes": s.m.bytes,
            })
        })
        .collect();
    let l = &r.list;
    Ok(json!({
        "mode": r.plan.mode,
        "binaries": r.plan.profile.dir(),
        "git_commit": git_commit(),
        "machine": machine(),
        "load": {"tool": "wrk", "threads": wrk::THREADS, "connections": wrk::CONNECTIONS, "seconds_per_scenario": r.plan.duration.as_secs()},
        "seed_seconds": r.seed_seconds,
        "scenarios": scenarios,
        "ratio_get_profile_to_limit": r.ratio(),
        "list_big_account": {
            "profiles": l.profiles, "body_bytes": l.body_bytes,
            "ttlb_ms_median": l.ttlb_ms_median, "ttlb_ms_min": l.ttlb_ms_min,
            "idle_vmhwm_kib": l.idle_hwm_kib, "peak_vmhwm_kib": l.peak_hwm_kib,
            "added_mib": r.added_mib(),
        },
    }))
}

/// Fails when any scenario made no request or saw an error: the figures would be void.
pub fn check_well_formed(r: &Results) -> Result<()> {
    for s in &r.scenarios {
        if s.m.requests == 0 || s.errors > 0 {
            bail!(
                "scenario {} is void: {} requests, {} errors",
                s.name,
                s.m.requests,
                s.errors
            );
        }
    }
    if r.list.body_bytes == 0 || r.list.peak_hwm_kib == 0 {
        bail!("the big-list scenario measured nothing");
    }
    Ok(())
}
