//! `cargo xtask ci`: the whole test gate, one cargo step after another, failing fast.

use anyhow::{Result, bail};
use std::process::Command;

/// One step of the gate: a cargo invocation with its extra environment.
struct Step {
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

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
    crate::bench::install_wrk_if_missing()?;
    crate::bench::run(crate::bench::Plan::smoke())?;
    crate::crash::run(2, crate::process::Profile::Debug, (200, 600))?;
    eprintln!("xtask ci: all steps passed");
    Ok(())
}
