//! `cargo xtask man [--out DIR]`: the man pages of `postcore` and `postcore-admin`, one per
//! command and subcommand, written by each binary's hidden `man DIR` subcommand
//! (`postcore-cli-extras`, from the binary's own clap definition). xtask depends on no
//! workspace crate: it builds the binaries and runs them, as it does for bench and crash.

use crate::process::{Profile, binary, cargo, target_dir};
use anyhow::{Context as _, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The binaries that get man pages.
const BINARIES: [&str; 2] = ["postcore", "postcore-admin"];

/// The directory of `--out DIR` in `args`, else `<target>/man`.
///
/// # Errors
/// `--out` without a directory.
pub fn out_dir(args: &[String]) -> Result<PathBuf> {
    match args.iter().position(|a| a == "--out") {
        None => Ok(target_dir().join("man")),
        Some(i) => args
            .get(i + 1)
            .map(PathBuf::from)
            .context("--out needs a directory"),
    }
}

/// Builds the two binaries (debug) and has each write its pages into `out`; prints the
/// directory and the number of pages.
pub fn run(out: &Path) -> Result<()> {
    let status = Command::new(cargo())
        .args(["build", "--quiet", "--locked", "--bins"])
        .args(["-p", "postcore-http", "-p", "postcore-admin"])
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build failed ({status})");
    }
    write_pages(Profile::Debug, out)?;
    let pages = std::fs::read_dir(out)?.count();
    println!("{pages} man pages in {}", out.display());
    Ok(())
}

/// Runs `BIN man OUT` for both binaries of `profile`.
fn write_pages(profile: Profile, out: &Path) -> Result<()> {
    for name in BINARIES {
        let status = Command::new(binary(profile, name))
            .arg("man")
            .arg(out)
            .status()
            .with_context(|| format!("running {name} man"))?;
        if !status.success() {
            bail!("{name} man {} failed ({status})", out.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_defaults_to_target_man_and_takes_a_directory() {
        assert_eq!(out_dir(&["man".into()]).unwrap(), target_dir().join("man"));
        assert_eq!(
            out_dir(&["man".into(), "--out".into(), "/tmp/pages".into()]).unwrap(),
            PathBuf::from("/tmp/pages")
        );
        assert_eq!(
            out_dir(&["man".into(), "--out".into()])
                .unwrap_err()
                .to_string(),
            "--out needs a directory"
        );
    }
}
