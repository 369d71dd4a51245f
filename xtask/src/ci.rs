//! `cargo xtask ci`: the whole test gate, one cargo step after another, failing fast.

use crate::schemathesis::{self, Contract};
use anyhow::{Result, bail};
use std::ffi::OsStr;
use std::process::Command;

/// One step of the gate: a cargo invocation with its extra environment.
struct Step {
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

/// The steps, in order. Clippy and the tests run with `--all-features`: a test target that
/// needs a feature declares it as `required-features` (postcore-domain's `serde_feature`)
/// and is built only where the feature is on, so the gate turns every feature on.
const STEPS: &[Step] = &[
    Step {
        args: &["fmt", "--all", "--", "--check"],
        env: &[],
    },
    Step {
        args: &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        env: &[],
    },
    Step {
        args: &["test", "--workspace", "--all-features", "--locked"],
        env: &[],
    },
    Step {
        args: &["doc", "--workspace", "--no-deps", "--locked"],
        env: &[("RUSTDOCFLAGS", "-D warnings")],
    },
];

/// The PostgreSQL server of the tests (and of the gate's crash smoke run on PostgreSQL).
const POSTGRES_ENV: &str = "POSTCORE_TEST_POSTGRES_URL";

/// Whether the gate runs the bench smoke run. The gate installs nothing: where `wrk` is
/// missing it skips that one run, says why, and runs every other step.
#[derive(Debug, PartialEq, Eq)]
enum BenchSmoke {
    Run,
    /// Skipped, with the reason printed on the skip line and in the summary.
    Skip(String),
}

/// The decision for a `PATH`-style list (`None` when `PATH` is unset).
fn bench_smoke(path: Option<&OsStr>) -> BenchSmoke {
    if crate::bench::wrk_on_path(path) {
        BenchSmoke::Run
    } else {
        BenchSmoke::Skip(format!(
            "wrk not found on PATH; install it with {}",
            crate::bench::WRK_INSTALL
        ))
    }
}

/// The gate's last line, once every step that ran has passed: it names each skipped step
/// with its reason.
fn summary(bench: &BenchSmoke, contract: &Contract) -> String {
    let mut skipped = Vec::new();
    if let BenchSmoke::Skip(why) = bench {
        skipped.push(format!("bench smoke ({why})"));
    }
    if let Contract::Skip(why) = contract {
        skipped.push(format!("schemathesis ({why})"));
    }
    match skipped.len() {
        0 => "xtask ci: all steps passed".to_owned(),
        1 => format!("xtask ci: passed, with one step skipped: {}", skipped[0]),
        n => format!(
            "xtask ci: passed, with {n} steps skipped: {}",
            skipped.join("; ")
        ),
    }
}

pub fn run() -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    for step in STEPS {
        eprintln!("xtask ci: cargo {}", step.args.join(" "));
        let status = Command::new(&cargo)
            .args(step.args)
            .envs(step.env.iter().copied())
            .status()?;
        if !status.success() {
            bail!("FAILED: cargo {} ({status})", step.args.join(" "));
        }
    }
    eprintln!("xtask ci: smoke runs of the measuring tools");
    let bench = bench_smoke(std::env::var_os("PATH").as_deref());
    match &bench {
        BenchSmoke::Run => crate::bench::run(crate::bench::Plan::smoke(), None)?,
        BenchSmoke::Skip(why) => eprintln!("xtask ci: skipped: bench smoke ({why})"),
    }
    crate::crash::run(2, crate::process::Profile::Debug, (200, 600), None)?;
    // The same on PostgreSQL where the tests have one (`POSTCORE_TEST_POSTGRES_URL`).
    match std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        Some(url) => {
            eprintln!("xtask ci: crash smoke run on PostgreSQL");
            crate::crash::run(2, crate::process::Profile::Debug, (200, 600), Some(&url))?;
        }
        None => {
            eprintln!("xtask ci: skipped: crash smoke on PostgreSQL (set {POSTGRES_ENV} to run it)")
        }
    }
    eprintln!("xtask ci: schemathesis against /openapi.json (the contract check)");
    let contract = schemathesis::contract(std::env::var_os("PATH").as_deref());
    match &contract {
        Contract::Run(python) => schemathesis::run_contract(python, schemathesis::MAX_EXAMPLES)?,
        Contract::Skip(why) => eprintln!("xtask ci: skipped: schemathesis ({why})"),
    }
    eprintln!("{}", summary(&bench, &contract));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A directory holding a file `wrk` with the given permission bits.
    fn dir_with_wrk(mode: u32) -> tempfile::TempDir {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let wrk = dir.path().join("wrk");
        fs::write(&wrk, "#!/bin/sh\n").unwrap();
        fs::set_permissions(&wrk, fs::Permissions::from_mode(mode)).unwrap();
        dir
    }

    #[test]
    fn clippy_and_the_tests_run_with_every_feature_on() {
        let with_all: Vec<_> = STEPS
            .iter()
            .filter(|s| s.args.contains(&"--all-features"))
            .map(|s| s.args[0])
            .collect();
        assert_eq!(with_all, ["clippy", "test"]);
    }

    const SKIPPED: &str = "wrk not found on PATH; install it with apt-get install -y wrk";

    #[test]
    fn the_bench_smoke_runs_when_an_executable_wrk_is_on_the_path() {
        let (empty, with_wrk) = (tempfile::tempdir().unwrap(), dir_with_wrk(0o755));
        let path = std::env::join_paths([empty.path(), with_wrk.path()]).unwrap();
        assert_eq!(bench_smoke(Some(&path)), BenchSmoke::Run);
        assert_eq!(
            summary(&BenchSmoke::Run, &Contract::Run("python3".into())),
            "xtask ci: all steps passed"
        );
    }

    #[test]
    fn the_bench_smoke_is_skipped_with_its_reason_when_wrk_is_missing() {
        let (empty, not_executable) = (tempfile::tempdir().unwrap(), dir_with_wrk(0o644));
        let path = std::env::join_paths([empty.path(), not_executable.path()]).unwrap();
        for path in [Some(path.as_os_str()), Some(OsStr::new("")), None] {
            assert_eq!(bench_smoke(path), BenchSmoke::Skip(SKIPPED.to_owned()));
        }
        assert_eq!(
            summary(&bench_smoke(None), &Contract::Run("python3".into())),
            "xtask ci: passed, with one step skipped: bench smoke \
             (wrk not found on PATH; install it with apt-get install -y wrk)"
        );
    }

    /// A directory holding an executable `python3` script that exits with `code`.
    fn dir_with_python(code: u8) -> tempfile::TempDir {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("python3");
        fs::write(&python, format!("#!/bin/sh\nexit {code}\n")).unwrap();
        fs::set_permissions(&python, fs::Permissions::from_mode(0o755)).unwrap();
        // A process another test forks at this moment holds the script's write descriptor
        // until its exec (ETXTBSY, "Text file busy"): wait until the script runs.
        for _ in 0..500 {
            match std::process::Command::new(&python).status() {
                Err(e) if e.raw_os_error() == Some(26) => {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                _ => break,
            }
        }
        dir
    }

    #[test]
    fn schemathesis_runs_with_the_first_python3_whose_venv_module_loads() {
        let (empty, python) = (tempfile::tempdir().unwrap(), dir_with_python(0));
        let path = std::env::join_paths([empty.path(), python.path()]).unwrap();
        assert_eq!(
            schemathesis::contract(Some(&path)),
            Contract::Run(python.path().join("python3"))
        );
    }

    #[test]
    fn schemathesis_is_skipped_with_its_reason_without_python3_or_its_venv_module() {
        let empty = tempfile::tempdir().unwrap();
        for path in [Some(empty.path().as_os_str()), Some(OsStr::new("")), None] {
            assert_eq!(
                schemathesis::contract(path),
                Contract::Skip("python3 not found on PATH".to_owned())
            );
        }
        let broken = dir_with_python(1);
        let python = broken.path().join("python3");
        assert_eq!(
            schemathesis::contract(Some(broken.path().as_os_str())),
            Contract::Skip(format!(
                "{} has no venv/ensurepip module (Debian: apt-get install -y python3-venv)",
                python.display()
            ))
        );
        assert_eq!(
            summary(
                &bench_smoke(None),
                &schemathesis::contract(Some(empty.path().as_os_str()))
            ),
            "xtask ci: passed, with 2 steps skipped: bench smoke \
             (wrk not found on PATH; install it with apt-get install -y wrk); \
             schemathesis (python3 not found on PATH)"
        );
    }
}
