//! Drives `wrk` (Debian package `wrk`) with generated Lua scripts and reads its results.

use anyhow::{Context as _, Result, bail};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Connections and threads used for every load scenario (the same for the limit server).
pub const CONNECTIONS: u32 = 32;
pub const THREADS: u32 = 2;

/// Lua `done` hook printing one JSON line that [`run`] parses.
const DONE_HOOK: &str = r#"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'XTASK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"#;

/// How to install wrk, named in every message about a missing wrk (Debian package `wrk`).
pub const INSTALL: &str = "apt-get install -y wrk";

/// Whether an executable `wrk` is in one of the directories of `path` (a `PATH`-style list;
/// `None` when `PATH` is unset): the check both the bench and the gate's decision to skip
/// its bench smoke run use.
pub fn on_path(path: Option<&OsStr>) -> bool {
    path.is_some_and(|p| std::env::split_paths(p).any(|dir| is_executable(&dir.join("wrk"))))
}

#[cfg(unix)]
fn is_executable(file: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    file.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(file: &Path) -> bool {
    file.is_file()
}

/// Fails with install instructions when `wrk` is not on the PATH.
pub fn ensure_installed() -> Result<()> {
    if on_path(std::env::var_os("PATH").as_deref()) {
        return Ok(());
    }
    bail!(
        "the load generator `wrk` is not on the PATH.\n\
             Install it with:  apt-get update && {INSTALL}   (as root; Debian package `wrk`)\n\
             then run the benchmark again."
    )
}

/// What one wrk run measured.
#[derive(Debug, Clone)]
pub struct Measured {
    pub requests: u64,
    pub seconds: f64,
    pub bytes: u64,
    /// Socket errors (connect, read, write, timeout).
    pub socket_errors: u64,
    /// Responses with status ≥ 400.
    pub status_errors: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Measured {
    pub fn requests_per_sec(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }
}

/// Lua `init` hook seeding each wrk thread's random numbers differently.
const RANDOM_INIT: &str = "init = function(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000) + #tostring({}))
end
";

/// A static request: method, path, headers and optional body.
pub fn static_script(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> String {
    let mut s = format!("wrk.method = \"{method}\"\nwrk.path = \"{path}\"\n");
    for (k, v) in headers {
        s.push_str(&format!("wrk.headers[\"{k}\"] = \"{v}\"\n"));
    }
    if let Some(b) = body {
        s.push_str(&format!("wrk.body = [[{b}]]\n"));
    }
    s + DONE_HOOK
}

/// `GET /profiles/{key}` with a key drawn at random per request from `keys_file`.
pub fn random_key_script(keys_file: &Path, api_key: &str) -> String {
    format!(
        r#"local keys = {{}}
for line in io.lines("{file}") do keys[#keys + 1] = line end
{RANDOM_INIT}request = function()
  return wrk.format("GET", "/profiles/" .. keys[math.random(#keys)], {{["x-api-key"] = "{api_key}"}})
end
"#,
        file = keys_file.display()
    ) + DONE_HOOK
}

/// `POST {path}` as JSON with a body drawn at random per request from `bodies_file` (one
/// body per line).
pub fn random_body_script(path: &str, bodies_file: &Path, api_key: &str) -> String {
    format!(
        r#"local bodies = {{}}
for line in io.lines("{file}") do bodies[#bodies + 1] = line end
{RANDOM_INIT}local headers = {{["x-api-key"] = "{api_key}", ["Content-Type"] = "application/json"}}
request = function()
  return wrk.format("POST", "{path}", headers, bodies[math.random(#bodies)])
end
"#,
        file = bodies_file.display()
    ) + DONE_HOOK
}

/// Runs wrk for `duration` against `base_url` with `script` (written into `work_dir`).
pub fn run(
    work_dir: &Path,
    name: &str,
    base_url: &str,
    script: &str,
    duration: Duration,
) -> Result<Measured> {
    let script_path = work_dir.join(format!("{name}.lua"));
    std::fs::write(&script_path, script)?;
    let out = Command::new("wrk")
        .args(["-t", &THREADS.to_string(), "-c", &CONNECTIONS.to_string()])
        .args([
            "-d",
            &format!("{}s", duration.as_secs().max(1)),
            "--timeout",
            "10s",
            "-s",
        ])
        .arg(&script_path)
        .arg(base_url)
        .output()
        .context("running wrk")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "wrk failed ({}): {}{}",
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("XTASK_RESULT "))
        .with_context(|| format!("wrk printed no result line: {stdout}"))?;
    let v: Value = serde_json::from_str(line)?;
    let n = |k: &str| v[k].as_u64().unwrap_or(0);
    Ok(Measured {
        requests: n("requests"),
        seconds: n("duration_us") as f64 / 1e6,
        bytes: n("bytes"),
        socket_errors: n("connect") + n("read") + n("write") + n("timeout"),
        status_errors: n("status"),
        p50_ms: n("p50_us") as f64 / 1000.0,
        p99_ms: n("p99_us") as f64 / 1000.0,
    })
}
