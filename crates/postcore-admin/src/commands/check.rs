//! `check`: SQLite's integrity check of a database, for operators and the crash tool.

use crate::context::Globals;
use crate::exit::{Code, not_found};
use postcore_store::StoreError;

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `PRAGMA integrity_check` on the database opened read-only: no secret key is needed
/// and nothing is migrated or written, so it checks backups too and is safe while the
/// server runs. Prints `ok` and exits 0 when the database is sound, else prints each
/// problem and exits 1. SQLite only: for a PostgreSQL database it names `pg_amcheck` and
/// exits 2.
pub async fn run(globals: &Globals, _args: Args) -> anyhow::Result<Code> {
    globals.sqlite_only(
        "check",
        "check it with PostgreSQL's own tools, e.g. `pg_amcheck --heapallindexed DBNAME` \
         (PostgreSQL 14 and later), or restore a `pg_dump` of it",
    )?;
    let file = globals.database_file();
    let problems = match postcore_store::integrity_check(globals.database()).await {
        Err(StoreError::NotFound(_)) => {
            return Err(not_found(format!(
                "--database: no database at {}",
                file.display()
            )));
        }
        other => other?,
    };
    if problems.is_empty() {
        println!("ok");
        return Ok(Code::Success);
    }
    for p in &problems {
        println!("{p}");
    }
    eprintln!(
        "error: the integrity check of {} found {} problem(s): restore from a backup",
        file.display(),
        problems.len()
    );
    Ok(Code::Failure)
}
