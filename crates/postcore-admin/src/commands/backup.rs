//! `backup PATH`: a consistent online copy of the database, taken while the server runs
//! (SQLite's `VACUUM INTO`; on PostgreSQL, `pg_dump`).

use crate::context::{Globals, Open};
use crate::exit::Code;
use anyhow::Context as _;
use std::path::PathBuf;

/// Arguments of `backup`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the copy; an existing file is never overwritten (exit 5).
    pub path: PathBuf,
}

/// Copies one consistent snapshot of the database to `PATH` while others read and write.
/// The copy opens with the same secret key as the original. On PostgreSQL the copy is a
/// `pg_dump --format=custom` archive (the store runs `pg_dump`, which must be on `PATH`),
/// restored with `pg_restore`.
pub async fn run(globals: &Globals, args: Args) -> anyhow::Result<Code> {
    let ctx = globals.open(Open::MustExist).await?;
    ctx.store
        .backup(&args.path)
        .await
        .with_context(|| format!("PATH {}", args.path.display()))?;
    if globals.is_postgres() {
        println!(
            "backed up {} to {} (a pg_dump archive: restore it with pg_restore)",
            globals.shown(),
            args.path.display()
        );
    } else {
        println!(
            "backed up {} to {}",
            globals.database_file().display(),
            args.path.display()
        );
    }
    eprintln!(
        "Platform credentials in the copy stay encrypted with this database's secret key: \
         keep the key with the backup."
    );
    Ok(Code::Success)
}
