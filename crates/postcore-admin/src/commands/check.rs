//! `check`: SQLite's integrity check of a database (on PostgreSQL, the store's consistency
//! checks), for operators and the crash tool.

use crate::context::Globals;
use crate::exit::{Code, not_found};
use postcore_store::StoreError;

/// What `check` says of a PostgreSQL database besides its answer.
const POSTGRES_NOTE: &str = "PostgreSQL: checked the schema version and the store's rules \
    across rows; PostgreSQL's pages and indexes are checked by its own tools \
    (`pg_amcheck --heapallindexed DBNAME`, PostgreSQL 14 and later)";

/// Arguments of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `PRAGMA integrity_check` on the database opened read-only: no secret key is needed
/// and nothing is migrated or written, so it checks backups too and is safe while the
/// server runs. Prints `ok` and exits 0 when the database is sound, else prints each
/// problem and exits 1. On PostgreSQL, which guards its own pages and indexes, it checks
/// the schema version and the store's consistency rules across rows (no secret key
/// needed, nothing written) and says that pages and indexes are checked by `pg_amcheck`.
pub async fn run(globals: &Globals, _args: Args) -> anyhow::Result<Code> {
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
    if globals.is_postgres() {
        eprintln!("{POSTGRES_NOTE}");
    }
    if problems.is_empty() {
        println!("ok");
        return Ok(Code::Success);
    }
    for p in &problems {
        println!("{p}");
    }
    eprintln!(
        "error: the integrity check of {} found {} problem(s): restore from a backup",
        globals.shown(),
        problems.len()
    );
    Ok(Code::Failure)
}
