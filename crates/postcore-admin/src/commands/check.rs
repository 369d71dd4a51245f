//! `check`: SQLite's integrity check of the database, for operators and the crash tool.

use crate::context::{Globals, Open};
use crate::exit::Code;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `PRAGMA integrity_check` on the database (read-only, safe while the server runs):
/// prints `ok` and exits 0 when the database is sound, else prints each problem and exits 1.
pub async fn run(globals: &Globals, _args: Args) -> anyhow::Result<Code> {
    let ctx = globals.open(Open::MustExist).await?;
    let problems = ctx.store.integrity_check().await?;
    if problems.is_empty() {
        println!("ok");
        return Ok(Code::Success);
    }
    for p in &problems {
        println!("{p}");
    }
    eprintln!(
        "error: the integrity check of {} found {} problem(s): restore from a backup",
        globals.database_file().display(),
        problems.len()
    );
    Ok(Code::Failure)
}
