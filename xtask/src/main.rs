//! `cargo xtask`: project tasks that need more than one cargo command.
//!
//! - `cargo xtask ci` — the whole test gate, in order, failing fast: rustfmt check, clippy
//!   with warnings denied, the workspace tests, and rustdoc with warnings denied.

use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  ci      the whole test gate: fmt --check, clippy -D warnings, test, doc -D warnings";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("xtask: unknown task {other:?}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// One step of the gate: a cargo invocation with its extra environment.
struct Step {
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

fn ci() -> ExitCode {
    let steps = [
        Step {
            args: &["fmt", "--all", "--", "--check"],
            env: &[],
        },
        Step {
            args: &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--locked",
                "--",
                "-D",
                "warnings",
            ],
            env: &[],
        },
        Step {
            args: &["test", "--workspace", "--locked"],
            env: &[],
        },
        Step {
            args: &["doc", "--workspace", "--no-deps", "--locked"],
            env: &[("RUSTDOCFLAGS", "-D warnings")],
        },
    ];
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    for step in &steps {
        eprintln!("xtask ci: cargo {}", step.args.join(" "));
        let status = Command::new(&cargo)
            .args(step.args)
            .envs(step.env.iter().copied())
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => {
                eprintln!("xtask ci: FAILED: cargo {} ({s})", step.args.join(" "));
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("xtask ci: could not run cargo: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    eprintln!("xtask ci: all steps passed");
    ExitCode::SUCCESS
}
