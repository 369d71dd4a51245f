//! The benchmark's results: a printed table, `results.json`, and a well-formedness check.

use super::Plan;
use super::sample::Answer;
use super::wrk::{self, Measured};
use anyhow::{Result, bail};
use serde_json::{Value, json};

/// One load scenario's figures, its expected status and its sample's check.
pub struct Scenario {
    pub name: &'static str,
    pub expected_status: u16,
    pub m: Measured,
    /// The sample answer's status and sizes (head bytes, body bytes on the wire).
    pub sample_status: u16,
    pub sample_bytes: (usize, usize),
    /// The sample's check against the scenario's status and shape: what differs, if any.
    pub sample_check: Result<(), String>,
}

impl Scenario {
    pub fn new(
        name: &'static str,
        expected_status: u16,
        m: Measured,
        sample: &Answer,
        sample_check: Result<(), String>,
    ) -> Self {
        Scenario {
            name,
            expected_status,
            m,
            sample_status: sample.status,
            sample_bytes: (sample.head.len(), sample.body_wire_bytes),
            sample_check,
        }
    }

    /// Socket errors and responses with another status than the expected one.
    pub fn errors(&self) -> u64 {
        self.m.socket_errors + self.m.unexpected
    }

    /// What makes the scenario's figures void, one line each: no request, a response the
    /// `response` hook did not see, an unexpected status, a socket error, a failed sample.
    fn faults(&self) -> Vec<String> {
        let m = &self.m;
        let mut faults = Vec::new();
        if m.requests == 0 {
            faults.push("made no request".to_owned());
        }
        if m.checked != m.requests {
            faults.push(format!(
                "the response hook saw {} of {} responses",
                m.checked, m.requests
            ));
        }
        if m.unexpected > 0 {
            faults.push(format!(
                "{} of {} responses had a status other than the expected {} ({})",
                m.unexpected,
                m.requests,
                self.expected_status,
                statuses(&m.unexpected_statuses)
            ));
        }
        if m.socket_errors > 0 {
            faults.push(format!("{} socket errors", m.socket_errors));
        }
        if let Err(e) = &self.sample_check {
            faults.push(format!("sample check failed: {e}"));
        }
        faults
    }
}

/// `500 ×12, 502 ×1`.
fn statuses(counts: &[(u16, u64)]) -> String {
    let listed: Vec<String> = counts.iter().map(|(s, n)| format!("{s} ×{n}")).collect();
    listed.join(", ")
}

/// Scenario 1's and scenario 2's sample answers, which must be the same size: head bytes
/// (status line, headers, blank line) and body bytes, and the same header names.
pub struct Sizes {
    pub limit: (usize, usize),
    pub get_profile: (usize, usize),
    pub same_header_names: bool,
}

impl Sizes {
    pub fn new(limit: &Answer, get_profile: &Answer) -> Self {
        Sizes {
            limit: (limit.head.len(), limit.body_wire_bytes),
            get_profile: (get_profile.head.len(), get_profile.body_wire_bytes),
            same_header_names: limit.header_names() == get_profile.header_names(),
        }
    }

    fn same(&self) -> bool {
        self.limit == self.get_profile && self.same_header_names
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
    /// `sqlite` or `postgres`: the database the server ran on.
    pub backend: &'static str,
    pub seed_seconds: f64,
    pub scenarios: Vec<Scenario>,
    pub sizes: Sizes,
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
        "\nPostCore bench ({} mode, {} binaries, {} database, wrk -t{} -c{}, {} s per scenario)",
        r.plan.mode,
        r.plan.profile.dir(),
        r.backend,
        wrk::THREADS,
        wrk::CONNECTIONS,
        r.plan.duration.as_secs()
    );
    println!(
        "{:<26} {:>6} {:>12} {:>9} {:>9} {:>10} {:>8}  sample",
        "scenario", "expect", "requests/s", "p50 ms", "p99 ms", "unexpected", "sockets"
    );
    for s in &r.scenarios {
        println!(
            "{:<26} {:>6} {:>12.0} {:>9.2} {:>9.2} {:>10} {:>8}  {}",
            s.name,
            s.expected_status,
            s.m.requests_per_sec(),
            s.m.p50_ms,
            s.m.p99_ms,
            s.m.unexpected,
            s.m.socket_errors,
            if s.sample_check.is_ok() {
                "ok"
            } else {
                "FAILED"
            }
        );
    }
    let size = |(head, body): (usize, usize)| format!("{head} + {body} = {} bytes", head + body);
    println!(
        "response size (head + body): limit {} | get_profile {} [{}]",
        size(r.sizes.limit),
        size(r.sizes.get_profile),
        if r.sizes.same() { "same" } else { "DIFFERENT" }
    );
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
            let unexpected_statuses: serde_json::Map<String, Value> = s
                .m
                .unexpected_statuses
                .iter()
                .map(|(status, n)| (status.to_string(), json!(n)))
                .collect();
            json!({
                "name": s.name, "expected_status": s.expected_status,
                "requests": s.m.requests, "seconds": s.m.seconds, "requests_per_sec": s.m.requests_per_sec(),
                "p50_ms": s.m.p50_ms, "p99_ms": s.m.p99_ms, "bytes": s.m.bytes,
                "errors": s.errors(), "unexpected_status": s.m.unexpected,
                "unexpected_statuses": unexpected_statuses, "socket_errors": s.m.socket_errors,
                "responses_checked": s.m.checked,
                "sample": {
                    "status": s.sample_status, "head_bytes": s.sample_bytes.0, "body_bytes": s.sample_bytes.1,
                    "check": match &s.sample_check { Ok(()) => "ok", Err(_) => "failed" },
                    "problem": s.sample_check.as_ref().err(),
                },
            })
        })
        .collect();
    let l = &r.list;
    Ok(json!({
        "mode": r.plan.mode,
        "binaries": r.plan.profile.dir(),
        "database": r.backend,
        "git_commit": git_commit(),
        "machine": machine(),
        "load": {"tool": "wrk", "threads": wrk::THREADS, "connections": wrk::CONNECTIONS, "seconds_per_scenario": r.plan.duration.as_secs()},
        "seed_seconds": r.seed_seconds,
        "scenarios": scenarios,
        "ratio_get_profile_to_limit": r.ratio(),
        "response_bytes_limit_vs_get_profile": {
            "limit": {"head": r.sizes.limit.0, "body": r.sizes.limit.1},
            "get_profile": {"head": r.sizes.get_profile.0, "body": r.sizes.get_profile.1},
            "same_header_names": r.sizes.same_header_names, "same": r.sizes.same(),
        },
        "list_big_account": {
            "profiles": l.profiles, "body_bytes": l.body_bytes,
            "ttlb_ms_median": l.ttlb_ms_median, "ttlb_ms_min": l.ttlb_ms_min,
            "idle_vmhwm_kib": l.idle_hwm_kib, "peak_vmhwm_kib": l.peak_hwm_kib,
            "added_mib": r.added_mib(),
        },
    }))
}

/// Fails, naming every fault, when any scenario made no request, saw a socket error or a
/// status other than its expected one, or failed its sample check; when the limit's
/// answer is not the size of scenario 2's; or when the big list measured nothing: the
/// figures would be void.
pub fn check(r: &Results) -> Result<()> {
    let mut faults: Vec<String> = r
        .scenarios
        .iter()
        .flat_map(|s| s.faults().into_iter().map(|f| format!("{}: {f}", s.name)))
        .collect();
    if !r.sizes.same() {
        faults.push(format!(
            "limit_framework_only: its answer is {:?} (head, body) bytes, get_profile_random_key's {:?}{}",
            r.sizes.limit,
            r.sizes.get_profile,
            if r.sizes.same_header_names { "" } else { ", with other header names" }
        ));
    }
    if r.list.body_bytes == 0 || r.list.peak_hwm_kib == 0 {
        faults.push("list_big_account: measured nothing".to_owned());
    }
    if !faults.is_empty() {
        bail!("the bench failed:\n  {}", faults.join("\n  "));
    }
    Ok(())
}
