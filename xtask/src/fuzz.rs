//! `cargo xtask fuzz --seconds N [TARGET]`: runs the cargo-fuzz targets of `fuzz/` (the
//! parsers of api.md §1, §5.3, §5.5 and the admin's import document), each for N seconds,
//! one after the other, and prints one line of figures per target.
//!
//! The targets need a nightly toolchain and cargo-fuzz (`cargo +nightly fuzz run`); without
//! either, the task says so in one line, with how to install it, and exits 0: fuzzing is
//! not part of the gate, which builds on the pinned stable toolchain. It exits non-zero
//! only when a target fails — a crash, a failed property, a leak or a timeout, whose input
//! libFuzzer writes under `fuzz/artifacts/TARGET/` — or does not build.
//!
//! Each target's corpus grows in `fuzz/corpus/TARGET/` (not committed), seeded from the
//! committed `fuzz/seeds/TARGET/`; libFuzzer's output goes to `<target>/fuzz/TARGET.log`.

use crate::process;
use anyhow::{Context as _, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The fuzz targets, as named in `fuzz/Cargo.toml`.
pub const TARGETS: [&str; 6] = [
    "profile_key",
    "api_key",
    "timestamp",
    "create_body",
    "connect_body",
    "import_document",
];

/// What `cargo xtask fuzz` was asked to do.
#[derive(Debug, PartialEq, Eq)]
pub struct Plan {
    /// Seconds per target (libFuzzer's `-max_total_time`).
    pub seconds: u64,
    /// The targets to run, in order.
    pub targets: Vec<&'static str>,
}

/// Reads the task's arguments (those after `fuzz`): `--seconds N` (required, at least 1)
/// and at most one target name; without a name, every target in [`TARGETS`] order.
///
/// # Errors
/// A missing or malformed `--seconds`, an unknown target, or a second target.
pub fn plan(args: &[String]) -> Result<Plan> {
    let mut seconds = None;
    let mut target = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--seconds" => {
                let n = rest.next().context("--seconds needs a number")?;
                let n: u64 = n
                    .parse()
                    .with_context(|| format!("--seconds needs a whole number, not {n:?}"))?;
                anyhow::ensure!(n > 0, "--seconds must be at least 1");
                seconds = Some(n);
            }
            name => {
                let Some(known) = TARGETS.iter().find(|t| **t == name) else {
                    bail!(
                        "unknown fuzz target {name:?}: one of {}",
                        TARGETS.join(", ")
                    );
                };
                anyhow::ensure!(target.is_none(), "name at most one fuzz target");
                target = Some(*known);
            }
        }
    }
    Ok(Plan {
        seconds: seconds.context("--seconds N is required (seconds per target)")?,
        targets: target.map_or_else(|| TARGETS.to_vec(), |t| vec![t]),
    })
}

/// A tool the targets need that is missing here.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Missing {
    /// No nightly toolchain (`cargo +nightly` fails).
    Nightly,
    /// No `cargo fuzz` subcommand for the nightly toolchain.
    CargoFuzz,
}

/// The one line printed when a tool is missing: what is missing and how to install it.
pub fn missing_message(missing: Missing) -> String {
    match missing {
        Missing::Nightly => "xtask fuzz: skipped: no nightly toolchain (libFuzzer needs one); \
             install it with `rustup toolchain install nightly`"
            .to_owned(),
        Missing::CargoFuzz => "xtask fuzz: skipped: cargo-fuzz is not installed; \
             install it with `cargo install cargo-fuzz --locked`"
            .to_owned(),
    }
}

/// `cargo +nightly ARGS` through rustup's `cargo` proxy on the `PATH` (not `$CARGO`, the
/// pinned stable cargo that runs xtask), without the toolchain rustup chose for xtask.
fn nightly_cargo(args: &[&str]) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.arg("+nightly")
        .args(args)
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC");
    cmd
}

/// Whether `cargo +nightly ARGS` runs and succeeds (its output discarded).
fn succeeds(args: &[&str]) -> bool {
    nightly_cargo(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The first tool missing here, if any.
fn missing_tool() -> Option<Missing> {
    if !succeeds(&["--version"]) {
        Some(Missing::Nightly)
    } else if !succeeds(&["fuzz", "--version"]) {
        Some(Missing::CargoFuzz)
    } else {
        None
    }
}

/// The figures of one run, read from libFuzzer's output.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Inputs run (`stat::number_of_executed_units`, else the last `#N`).
    pub executions: Option<u64>,
    /// Inputs per second (`stat::average_exec_per_sec`, else the last `exec/s:`).
    pub exec_per_sec: Option<u64>,
    /// Inputs in the corpus at the end (the last `corp: N/…`).
    pub corpus: Option<u64>,
}

/// The number after `key` in `line`, up to the first character that is not a digit.
fn number_after(line: &str, key: &str) -> Option<u64> {
    let rest = &line[line.find(key)? + key.len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Reads [`Figures`] from libFuzzer's output (run with `-print_final_stats=1`): the final
/// statistics when present, else the last status line (`#N … corp: C/… exec/s: E …`).
pub fn figures(log: &str) -> Figures {
    let mut f = Figures::default();
    for line in log.lines() {
        if line.starts_with('#') {
            if let Some(n) = number_after(line, "#") {
                f.executions = Some(n);
            }
            if let Some(n) = number_after(line, "corp:") {
                f.corpus = Some(n);
            }
            if let Some(n) = number_after(line, "exec/s:") {
                f.exec_per_sec = Some(n);
            }
        }
    }
    for line in log.lines() {
        if let Some(n) = number_after(line, "stat::number_of_executed_units:") {
            f.executions = Some(n);
        }
        if let Some(n) = number_after(line, "stat::average_exec_per_sec:") {
            f.exec_per_sec = Some(n);
        }
    }
    f
}

/// Shows an optional figure, `?` when libFuzzer did not print it.
fn shown(n: Option<u64>) -> String {
    n.map_or_else(|| "?".to_owned(), |n| n.to_string())
}

/// Copies the committed seeds of `target` into its working corpus (those not there yet).
fn seed(fuzz: &Path, target: &str) -> Result<PathBuf> {
    let corpus = fuzz.join("corpus").join(target);
    std::fs::create_dir_all(&corpus).with_context(|| format!("creating {}", corpus.display()))?;
    let seeds = fuzz.join("seeds").join(target);
    if let Ok(entries) = std::fs::read_dir(&seeds) {
        for entry in entries {
            let entry = entry?;
            let to = corpus.join(entry.file_name());
            if !to.exists() {
                std::fs::copy(entry.path(), &to)
                    .with_context(|| format!("copying {}", entry.path().display()))?;
            }
        }
    }
    Ok(corpus)
}

/// Runs `target` for `seconds`; its figures, or an error when it failed.
fn run_one(fuzz: &Path, target: &str, seconds: u64, logs: &Path) -> Result<Figures> {
    let corpus = seed(fuzz, target)?;
    let log_path = logs.join(format!("{target}.log"));
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let corpus_arg = corpus.to_string_lossy().into_owned();
    let time = format!("-max_total_time={seconds}");
    eprintln!(
        "xtask fuzz: {target} for {seconds} s (log: {})",
        log_path.display()
    );
    let status = nightly_cargo(&[
        "fuzz",
        "run",
        target,
        &corpus_arg,
        "--",
        &time,
        "-print_final_stats=1",
    ])
    .current_dir(fuzz.parent().unwrap_or(fuzz))
    .stdout(log.try_clone()?)
    .stderr(log)
    .status()
    .context("running cargo +nightly fuzz run")?;
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    if !status.success() {
        let artifact = text
            .lines()
            .find(|l| l.contains("Test unit written to"))
            .unwrap_or("no input written (did it build?)");
        bail!(
            "fuzz target {target} failed ({status}): {artifact}; see {}",
            log_path.display()
        );
    }
    Ok(figures(&text))
}

/// Runs the plan; prints one line per target: seconds, executions, exec/s, corpus size.
///
/// # Errors
/// The first target that fails (a crash or a failed property) or does not build.
pub fn run(plan: &Plan) -> Result<()> {
    if let Some(missing) = missing_tool() {
        println!("{}", missing_message(missing));
        return Ok(());
    }
    let fuzz = process::workspace_root().join("fuzz");
    let logs = process::target_dir().join("fuzz");
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
    for target in &plan.targets {
        let f = run_one(&fuzz, target, plan.seconds, &logs)?;
        println!(
            "{target}: {} s, {} executions, {} exec/s, corpus {}, no crash",
            plan.seconds,
            shown(f.executions),
            shown(f.exec_per_sec),
            shown(f.corpus)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    fn error(text: &str) -> String {
        plan(&args(text)).unwrap_err().to_string()
    }

    #[test]
    fn without_a_target_every_target_runs_in_order() {
        assert_eq!(
            plan(&args("--seconds 600")).unwrap(),
            Plan {
                seconds: 600,
                targets: vec![
                    "profile_key",
                    "api_key",
                    "timestamp",
                    "create_body",
                    "connect_body",
                    "import_document"
                ],
            }
        );
    }

    #[test]
    fn one_named_target_runs_alone_on_either_side_of_seconds() {
        let expected = Plan {
            seconds: 5,
            targets: vec!["api_key"],
        };
        assert_eq!(plan(&args("--seconds 5 api_key")).unwrap(), expected);
        assert_eq!(plan(&args("api_key --seconds 5")).unwrap(), expected);
    }

    #[test]
    fn bad_arguments_are_refused_with_a_message() {
        assert_eq!(error(""), "--seconds N is required (seconds per target)");
        assert_eq!(
            error("api_key"),
            "--seconds N is required (seconds per target)"
        );
        assert_eq!(error("--seconds"), "--seconds needs a number");
        assert_eq!(
            error("--seconds ten"),
            "--seconds needs a whole number, not \"ten\""
        );
        assert_eq!(error("--seconds 0"), "--seconds must be at least 1");
        assert_eq!(
            error("--seconds 5 nope"),
            "unknown fuzz target \"nope\": one of profile_key, api_key, timestamp, \
             create_body, connect_body, import_document"
        );
        assert_eq!(
            error("--seconds 5 api_key timestamp"),
            "name at most one fuzz target"
        );
    }

    #[test]
    fn a_missing_tool_is_one_line_saying_how_to_install_it() {
        assert_eq!(
            missing_message(Missing::Nightly),
            "xtask fuzz: skipped: no nightly toolchain (libFuzzer needs one); \
             install it with `rustup toolchain install nightly`"
        );
        assert_eq!(
            missing_message(Missing::CargoFuzz),
            "xtask fuzz: skipped: cargo-fuzz is not installed; \
             install it with `cargo install cargo-fuzz --locked`"
        );
        for m in [Missing::Nightly, Missing::CargoFuzz] {
            assert!(!missing_message(m).contains('\n'));
        }
    }

    #[test]
    fn figures_come_from_the_final_stats_else_the_last_status_line() {
        let log = "INFO: Seed: 1\n\
                   #2\tINITED cov: 10 ft: 10 corp: 1/1b exec/s: 0 rss: 30Mb\n\
                   #1048576\tpulse  cov: 60 ft: 90 corp: 40/900b lim: 4 exec/s: 349525 rss: 40Mb\n\
                   #2097152\tpulse  cov: 61 ft: 95 corp: 42/1024b lim: 4 exec/s: 349000 rss: 41Mb\n\
                   Done 2100000 runs in 6 second(s)\n";
        assert_eq!(
            figures(log),
            Figures {
                executions: Some(2_097_152),
                exec_per_sec: Some(349_000),
                corpus: Some(42),
            }
        );
        let stats = format!(
            "{log}stat::number_of_executed_units: 2100123\n\
             stat::average_exec_per_sec:     350020\n\
             stat::new_units_added:          41\n"
        );
        assert_eq!(
            figures(&stats),
            Figures {
                executions: Some(2_100_123),
                exec_per_sec: Some(350_020),
                corpus: Some(42),
            }
        );
        assert_eq!(figures("no libFuzzer here"), Figures::default());
    }
}
