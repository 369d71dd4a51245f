//! Drives `wrk` (Debian package `wrk`) with generated Lua scripts and reads its results.

use crate::process::is_executable;
use anyhow::{Context as _, Result, bail};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Connections and threads used for every load scenario (the same for the limit server).
pub const CONNECTIONS: u32 = 32;
pub const THREADS: u32 = 2;

/// How to install wrk, named in every message about a missing wrk (Debian package `wrk`).
pub const INSTALL: &str = "apt-get install -y wrk";

/// Whether an executable `wrk` is in one of the directories of `path` (a `PATH`-style list;
/// `None` when `PATH` is unset): the check both the bench and the gate's decision to skip
/// its bench smoke run use.
pub fn on_path(path: Option<&OsStr>) -> bool {
    path.is_some_and(|p| std::env::split_paths(p).any(|dir| is_executable(&dir.join("wrk"))))
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

/// One HTTP request of a load scenario, as wrk sends it and as the sample check sends it
/// once before the load (`Host` and `Content-Length` are added by both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Request {
    /// `method path` with the `x-api-key` header, a JSON `Content-Type` too when `body` is
    /// given.
    pub fn new(method: &'static str, path: &str, api_key: &str, body: Option<&str>) -> Self {
        let mut headers = vec![("x-api-key".to_owned(), api_key.to_owned())];
        if body.is_some() {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        Request {
            method,
            path: path.to_owned(),
            headers,
            body: body.map(str::to_owned),
        }
    }
}

/// What a scenario's requests vary in: nothing, or one part drawn at random per request
/// from the lines of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vary {
    /// The same request every time.
    Nothing,
    /// The request's path followed by a random line of the file (e.g. a profile key).
    PathTail(PathBuf),
    /// A random line of the file as the request's body.
    Body(PathBuf),
}

/// A load scenario's requests: the generated wrk script and the one sample request come
/// from the same value, so the sample is a request of the load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Load {
    pub request: Request,
    pub vary: Vary,
}

impl Load {
    /// The request, the same every time.
    pub fn fixed(request: Request) -> Self {
        Load {
            request,
            vary: Vary::Nothing,
        }
    }

    /// The Lua that makes the requests (no hooks: [`run`] adds them).
    pub fn script(&self) -> String {
        let r = &self.request;
        let headers: String = r
            .headers
            .iter()
            .map(|(k, v)| format!("[{}] = {}, ", lua_quote(k), lua_quote(v)))
            .collect();
        let (file, path, body) = match &self.vary {
            Vary::Nothing => {
                let mut s = format!(
                    "wrk.method = {}\nwrk.path = {}\n",
                    lua_quote(r.method),
                    lua_quote(&r.path)
                );
                for (k, v) in &r.headers {
                    s.push_str(&format!(
                        "wrk.headers[{}] = {}\n",
                        lua_quote(k),
                        lua_quote(v)
                    ));
                }
                if let Some(b) = &r.body {
                    s.push_str(&format!("wrk.body = {}\n", lua_quote(b)));
                }
                return s;
            }
            Vary::PathTail(file) => (
                file,
                format!("{} .. lines[math.random(#lines)]", lua_quote(&r.path)),
                r.body
                    .as_deref()
                    .map_or_else(|| "nil".to_owned(), lua_quote),
            ),
            Vary::Body(file) => (
                file,
                lua_quote(&r.path),
                "lines[math.random(#lines)]".to_owned(),
            ),
        };
        format!(
            "local lines = {{}}
for line in io.lines({file}) do lines[#lines + 1] = line end
{RANDOM_INIT}local headers = {{{headers}}}
request = function()
  return wrk.format({method}, {path}, headers, {body})
end
",
            file = lua_quote(&file.display().to_string()),
            method = lua_quote(r.method),
        )
    }

    /// The load's first request: with [`Vary`], the file's first line in its place.
    ///
    /// # Errors
    /// When the file cannot be read or is empty.
    pub fn sample(&self) -> Result<Request> {
        let first_line = |file: &Path| -> Result<String> {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            text.lines()
                .next()
                .map(str::to_owned)
                .with_context(|| format!("{} is empty", file.display()))
        };
        let mut r = self.request.clone();
        match &self.vary {
            Vary::Nothing => {}
            Vary::PathTail(file) => r.path.push_str(&first_line(file)?),
            Vary::Body(file) => r.body = Some(first_line(file)?),
        }
        Ok(r)
    }
}

/// `s` as a double-quoted Lua string literal.
fn lua_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Lua `init` hook seeding each wrk thread's random numbers differently.
const RANDOM_INIT: &str = "init = function(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000) + #tostring({}))
end
";

/// The hooks every script ends with: `setup` keeps each thread, `response` counts every
/// response and every one whose status is not `expected` (per status), and `done` sums the
/// threads' counts (wrk 4 SCRIPTING: `thread:get`) and prints one `XTASK_RESULT` JSON line
/// that [`parse_result`] reads. The `response` hook makes wrk parse every response's
/// headers and body, which costs throughput: every scenario, the limit too, pays it.
fn hooks(expected: u16) -> String {
    format!(
        r#"
local xtask_threads = {{}}
setup = function(thread)
  xtask_threads[#xtask_threads + 1] = thread
end
xtask_checked, xtask_unexpected, xtask_statuses = 0, 0, {{}}
response = function(status, headers, body)
  xtask_checked = xtask_checked + 1
  if status ~= {expected} then
    xtask_unexpected = xtask_unexpected + 1
    xtask_statuses[status] = (xtask_statuses[status] or 0) + 1
  end
end
done = function(summary, latency, requests)
  local checked, unexpected, statuses = 0, 0, {{}}
  for _, thread in ipairs(xtask_threads) do
    checked = checked + thread:get("xtask_checked")
    unexpected = unexpected + thread:get("xtask_unexpected")
    for status, n in pairs(thread:get("xtask_statuses")) do
      statuses[status] = (statuses[status] or 0) + n
    end
  end
  local codes = {{}}
  for status in pairs(statuses) do codes[#codes + 1] = status end
  table.sort(codes)
  local examples = {{}}
  for i = 1, math.min(#codes, {MAX_EXAMPLES}) do
    examples[i] = string.format('"%d":%d', codes[i], statuses[codes[i]])
  end
  local e = summary.errors
  io.write(string.format(
    'XTASK_RESULT {{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"checked":%d,"unexpected":%d,"unexpected_statuses":{{%s}}}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), checked, unexpected, table.concat(examples, ",")))
end
"#
    )
}

/// How many unexpected statuses (the lowest) the result line names with their counts.
const MAX_EXAMPLES: usize = 5;

/// What one wrk run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub requests: u64,
    pub seconds: f64,
    pub bytes: u64,
    /// Socket errors (connect, read, write, timeout).
    pub socket_errors: u64,
    /// Responses the `response` hook saw: every completed one, so equal to `requests`.
    pub checked: u64,
    /// Responses whose status was not the scenario's expected one.
    pub unexpected: u64,
    /// Up to five of those statuses (the lowest) with how many times each came.
    pub unexpected_statuses: Vec<(u16, u64)>,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Measured {
    pub fn requests_per_sec(&self) -> f64 {
        self.requests as f64 / self.seconds.max(1e-9)
    }

    /// Several runs of one load as one: counts and durations added up (so requests/s is
    /// the runs' total over their total time), unexpected statuses merged (the lowest five
    /// kept), p50 the mean of the runs' p50s weighted by their requests, and p99 the
    /// highest of their p99s (a run's tail is never averaged away). `runs` must not be
    /// empty.
    pub fn combine(runs: &[Measured]) -> Measured {
        let sum = |f: fn(&Measured) -> u64| runs.iter().map(f).sum::<u64>();
        let requests = sum(|m| m.requests);
        let mut statuses = std::collections::BTreeMap::new();
        for (status, n) in runs.iter().flat_map(|m| &m.unexpected_statuses) {
            *statuses.entry(*status).or_insert(0) += n;
        }
        let weighted_p50: f64 = runs.iter().map(|m| m.p50_ms * m.requests as f64).sum();
        Measured {
            requests,
            seconds: runs.iter().map(|m| m.seconds).sum(),
            bytes: sum(|m| m.bytes),
            socket_errors: sum(|m| m.socket_errors),
            checked: sum(|m| m.checked),
            unexpected: sum(|m| m.unexpected),
            unexpected_statuses: statuses.into_iter().take(5).collect(),
            p50_ms: weighted_p50 / (requests as f64).max(1.0),
            p99_ms: runs.iter().map(|m| m.p99_ms).fold(0.0, f64::max),
        }
    }
}

/// Reads the `XTASK_RESULT {json}` line the `done` hook printed among wrk's `stdout`.
///
/// # Errors
/// When there is no such line, its JSON does not parse, or a field is missing or not a
/// non-negative integer (a status key not a number).
pub fn parse_result(stdout: &str) -> Result<Measured> {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("XTASK_RESULT "))
        .with_context(|| format!("wrk printed no XTASK_RESULT line: {stdout:?}"))?;
    let v: Value = serde_json::from_str(line)
        .with_context(|| format!("wrk's XTASK_RESULT line is not JSON: {line:?}"))?;
    let n = |k: &str| -> Result<u64> {
        v.get(k)
            .and_then(Value::as_u64)
            .with_context(|| format!("wrk's XTASK_RESULT line has no count {k:?}: {line:?}"))
    };
    let mut unexpected_statuses = v
        .get("unexpected_statuses")
        .and_then(Value::as_object)
        .with_context(|| format!("wrk's XTASK_RESULT line has no unexpected_statuses: {line:?}"))?
        .iter()
        .map(|(status, count)| {
            Ok((
                status.parse::<u16>()?,
                count.as_u64().context("not a count")?,
            ))
        })
        .collect::<Result<Vec<_>>>()
        .with_context(|| format!("wrk's unexpected_statuses are not status counts: {line:?}"))?;
    unexpected_statuses.sort_unstable();
    Ok(Measured {
        requests: n("requests")?,
        seconds: n("duration_us")? as f64 / 1e6,
        bytes: n("bytes")?,
        socket_errors: n("connect")? + n("read")? + n("write")? + n("timeout")?,
        checked: n("checked")?,
        unexpected: n("unexpected")?,
        unexpected_statuses,
        p50_ms: n("p50_us")? as f64 / 1000.0,
        p99_ms: n("p99_us")? as f64 / 1000.0,
    })
}

/// Runs wrk for `duration` against `base_url` with `load`'s script and the hooks counting
/// every status other than `expected` (written into `work_dir` as `{name}.lua`).
///
/// # Errors
/// When wrk cannot run, fails, or prints no well-formed result line.
pub fn run(
    work_dir: &Path,
    name: &str,
    base_url: &str,
    load: &Load,
    expected: u16,
    duration: Duration,
) -> Result<Measured> {
    let script_path = work_dir.join(format!("{name}.lua"));
    std::fs::write(&script_path, load.script() + &hooks(expected))?;
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
    parse_result(&stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"XTASK_RESULT {"requests":1234,"duration_us":2500000,"bytes":987654,"connect":1,"read":2,"write":3,"timeout":4,"p50_us":1500,"p99_us":4250,"checked":1234,"unexpected":7,"unexpected_statuses":{"500":5,"401":2}}"#;

    #[test]
    fn the_result_line_is_read_among_wrks_other_output() {
        let stdout = format!("Running 1s test @ http://127.0.0.1:1\n{LINE}\nRequests/sec: 1.0\n");
        assert_eq!(
            parse_result(&stdout).unwrap(),
            Measured {
                requests: 1234,
                seconds: 2.5,
                bytes: 987_654,
                socket_errors: 10,
                checked: 1234,
                unexpected: 7,
                unexpected_statuses: vec![(401, 2), (500, 5)],
                p50_ms: 1.5,
                p99_ms: 4.25,
            }
        );
    }

    #[test]
    fn a_run_without_unexpected_statuses_has_an_empty_list() {
        let line = r#"XTASK_RESULT {"requests":10,"duration_us":1000000,"bytes":100,"connect":0,"read":0,"write":0,"timeout":0,"p50_us":1,"p99_us":2,"checked":10,"unexpected":0,"unexpected_statuses":{}}"#;
        let m = parse_result(line).unwrap();
        assert_eq!(
            (
                m.requests,
                m.checked,
                m.unexpected,
                m.unexpected_statuses,
                m.socket_errors
            ),
            (10, 10, 0, vec![], 0)
        );
    }

    #[test]
    fn a_missing_result_line_is_an_error_quoting_the_output() {
        let e = parse_result("Running 1s test\nunable to connect\n").unwrap_err();
        assert_eq!(
            format!("{e:#}"),
            r#"wrk printed no XTASK_RESULT line: "Running 1s test\nunable to connect\n""#
        );
    }

    #[test]
    fn malformed_json_is_an_error_quoting_the_line() {
        let e = parse_result(r#"XTASK_RESULT {"requests":12,"#).unwrap_err();
        assert_eq!(
            format!("{e}"),
            r#"wrk's XTASK_RESULT line is not JSON: "{\"requests\":12,""#
        );
    }

    #[test]
    fn runs_combine_into_totals_a_weighted_p50_and_the_worst_p99() {
        let run =
            |requests, seconds, p50_ms, p99_ms, unexpected_statuses: Vec<(u16, u64)>| Measured {
                requests,
                seconds,
                bytes: requests * 10,
                socket_errors: 1,
                checked: requests,
                unexpected: unexpected_statuses.iter().map(|(_, n)| n).sum(),
                unexpected_statuses,
                p50_ms,
                p99_ms,
            };
        let combined = Measured::combine(&[
            run(300, 1.0, 1.0, 4.0, vec![(500, 2), (401, 1)]),
            run(100, 1.0, 3.0, 2.5, vec![(500, 3), (200, 1)]),
        ]);
        assert_eq!(
            combined,
            Measured {
                requests: 400,
                seconds: 2.0,
                bytes: 4000,
                socket_errors: 2,
                checked: 400,
                unexpected: 7,
                unexpected_statuses: vec![(200, 1), (401, 1), (500, 5)],
                p50_ms: 1.5,
                p99_ms: 4.0,
            }
        );
        assert_eq!(combined.requests_per_sec(), 200.0);
    }

    #[test]
    fn a_missing_count_is_an_error_not_a_zero() {
        let line = LINE.replace(r#""unexpected":7,"#, "");
        let e = parse_result(&line).unwrap_err();
        assert!(
            format!("{e}").starts_with(r#"wrk's XTASK_RESULT line has no count "unexpected": "#),
            "{e}"
        );
    }

    #[test]
    fn a_status_that_is_not_a_number_is_an_error() {
        let line = LINE.replace(r#""500":5"#, r#""5xx":5"#);
        let e = parse_result(&line).unwrap_err();
        assert!(
            format!("{e}").starts_with("wrk's unexpected_statuses are not status counts: "),
            "{e}"
        );
    }

    #[test]
    fn every_script_counts_statuses_other_than_the_expected_one() {
        let hooks = hooks(401);
        assert!(hooks.contains("  if status ~= 401 then\n"), "{hooks}");
        assert!(hooks.contains("response = function(status, headers, body)"));
        assert!(hooks.contains(r#""checked":%d,"unexpected":%d,"unexpected_statuses":{%s}}\n'"#));
    }

    #[test]
    fn a_fixed_load_sets_wrks_request_and_its_sample_is_that_request() {
        let load = Load::fixed(Request::new(
            "POST",
            "/profiles/create",
            "pc_live_key",
            Some(r#"{"profileName":"bench"}"#),
        ));
        assert_eq!(
            load.script(),
            r#"wrk.method = "POST"
wrk.path = "/profiles/create"
wrk.headers["x-api-key"] = "pc_live_key"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "{\"profileName\":\"bench\"}"
"#
        );
        assert_eq!(load.sample().unwrap(), load.request);
    }

    #[test]
    fn a_varying_load_draws_lines_and_its_sample_takes_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("keys");
        std::fs::write(&file, "prof_a\nprof_b\n").unwrap();
        let load = Load {
            request: Request::new("GET", "/profiles/", "pc_live_key", None),
            vary: Vary::PathTail(file.clone()),
        };
        assert_eq!(
            load.script(),
            format!(
                r#"local lines = {{}}
for line in io.lines("{}") do lines[#lines + 1] = line end
{RANDOM_INIT}local headers = {{["x-api-key"] = "pc_live_key", }}
request = function()
  return wrk.format("GET", "/profiles/" .. lines[math.random(#lines)], headers, nil)
end
"#,
                file.display()
            )
        );
        assert_eq!(load.sample().unwrap().path, "/profiles/prof_a");
        let body = Load {
            request: Request::new("POST", "/profiles/connect", "pc_live_key", Some("")),
            vary: Vary::Body(file),
        };
        assert_eq!(body.sample().unwrap().body.as_deref(), Some("prof_a"));
    }
}
