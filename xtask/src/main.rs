//! `cargo xtask`: project tasks that need more than one cargo command.
//!
//! - `cargo xtask ci` — the whole test gate, in order, failing fast: rustfmt check, clippy
//!   with warnings denied, the workspace tests, rustdoc with warnings denied, then smoke runs
//!   of `bench` and `crash` on the debug binaries, then schemathesis against the debug
//!   server's `/openapi.json` (`schemathesis.rs`). Of system tools it installs nothing:
//!   without `wrk` on the `PATH` it skips the bench smoke run, and without `python3` (with
//!   `venv`) the schemathesis run, says why, and runs every other step. schemathesis itself
//!   it installs, pinned, from PyPI into `target/schemathesis-venv`.
//! - `cargo xtask bench [--quick]` — throughput, latency, memory and scaling of the release
//!   server in 7 scenarios, one of them Bluesky connects through the Bluesky stand-in (see
//!   `bench/`), written to `target/bench/results.json`.
//! - `cargo xtask crash [--rounds N]` — durability under `kill -9` of every kind of write:
//!   creates, deletes, Bluesky and LinkedIn connects and renewals (over HTTP, against the
//!   stand-ins), disconnects, and renames (through `postcore-admin`); and every acknowledged
//!   write's webhook event delivered at least once, none invented (`crash/events.rs`).
//! - `cargo xtask fuzz --seconds N [TARGET]` — the cargo-fuzz targets of `fuzz/`, each for
//!   N seconds, on the nightly toolchain (`fuzz.rs`); says so in one line and succeeds when
//!   nightly or cargo-fuzz is missing. Not part of the gate.
//! - `cargo xtask man [--out DIR]` — the man pages of both binaries, one per command and
//!   subcommand, written by the binaries themselves (default `target/man`).
//!
//! Both build what they run, in the profile they run: `postcore`, `postcore-admin`, the
//! stand-ins `bluesky-standin` and `linkedin-standin` (package `postcore-tests`) and xtask
//! itself.

mod bench;
mod ci;
mod crash;
mod database;
mod fuzz;
mod limit;
mod man;
mod process;
mod schemathesis;
mod standin;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <task> [options]

tasks:
  ci                  the whole test gate: fmt --check, clippy -D warnings, test,
                      doc -D warnings, bench and crash smoke runs, schemathesis
                      (the bench smoke run is skipped, with a note, without wrk;
                      schemathesis without python3 and its venv module)
  bench [--quick]     load-test the release server with wrk (Debian package `wrk`):
                      7 scenarios (the 7th: POST /profiles/connect renewing Bluesky,
                      verified by the Bluesky stand-in), table on stdout,
                      target/bench/results.json. Fails on any status other
                      than a scenario's expected one, any socket error, or a
                      sample answer of the wrong status or shape.
                      --quick: 5 s per scenario (< 2 min); default 20 s (< 10 min)
  bench --smoke       a tiny run on the debug binaries that checks the tool itself
  bench … --database postgres://USER@HOST/DB
                      the same on a fresh PostgreSQL database made (with psql) on
                      that server and dropped after; results-postgres.json
                      (or the URL in POSTCORE_XTASK_DATABASE: keeps a password
                      off the command line)
  crash [--rounds N]  kill -9 the release server N times (default 20) while clients
                      create, delete, connect, renew and disconnect over HTTP
                      (Bluesky and LinkedIn stand-ins) and rename through
                      postcore-admin; fails if any acknowledged write is lost or
                      an unanswered one left a state that is neither outcome, or if
                      a webhook event is invented or an acknowledged write's event
                      never reaches the run's receiver (at least once)
  crash --smoke       2 short rounds on the debug binaries
  crash … --database postgres://USER@HOST/DB
                      the same on a fresh PostgreSQL database (as bench)
  fuzz --seconds N [TARGET]
                      run the cargo-fuzz targets of fuzz/ (all, or TARGET: profile_key,
                      api_key, timestamp, create_body, connect_body, import_document),
                      N seconds each, with `cargo +nightly fuzz run`; one line when
                      nightly or cargo-fuzz is missing; fails only on a crash
  man [--out DIR]     man pages of postcore and postcore-admin, one per command
                      and subcommand (roff, section 1), written by the debug
                      binaries; default DIR: target/man
  schemathesis [--max-examples N]
                      the gate's contract check alone: schemathesis (pinned, installed
                      into target/schemathesis-venv) against the debug server's
                      /openapi.json, all checks, N cases per operation (default 30)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::run(),
        Some("bench") => database::server_url(&args).and_then(|pg| {
            let plan = if flag("--smoke") {
                bench::Plan::smoke()
            } else if flag("--quick") {
                bench::Plan::quick()
            } else {
                bench::Plan::full()
            };
            bench::run(plan, pg.as_deref())
        }),
        Some("schemathesis") => match schemathesis::contract(std::env::var_os("PATH").as_deref()) {
            schemathesis::Contract::Run(python) => process::build(process::Profile::Debug)
                .and_then(|()| schemathesis::run_contract(&python, examples(&args))),
            schemathesis::Contract::Skip(why) => {
                Err(anyhow::anyhow!("cannot run schemathesis: {why}"))
            }
        },
        Some("crash") => database::server_url(&args).and_then(|pg| {
            if flag("--smoke") {
                crash::run(2, process::Profile::Debug, (200, 600), pg.as_deref())
            } else {
                rounds(&args).and_then(|n| {
                    crash::run(n, process::Profile::Release, (300, 2000), pg.as_deref())
                })
            }
        }),
        Some("fuzz") => fuzz::plan(&args[1..]).and_then(|plan| fuzz::run(&plan)),
        Some("limit-server") => limit::run(&args),
        Some("man") => man::out_dir(&args).and_then(|out| man::run(&out)),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("xtask: unknown task {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `--max-examples N` of `cargo xtask schemathesis` (default: the gate's).
fn examples(args: &[String]) -> u32 {
    args.iter()
        .position(|a| a == "--max-examples")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(schemathesis::MAX_EXAMPLES)
}

fn rounds(args: &[String]) -> anyhow::Result<usize> {
    match args.iter().position(|a| a == "--rounds") {
        None => Ok(20),
        Some(i) => {
            let n: usize = args
                .get(i + 1)
                .ok_or_else(|| anyhow::anyhow!("--rounds needs a number"))?
                .parse()?;
            anyhow::ensure!(n > 0, "--rounds must be at least 1");
            Ok(n)
        }
    }
}
