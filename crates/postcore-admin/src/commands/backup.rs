//! `backup PATH`: a consistent online copy of the database, taken while the server runs.

use crate::context::{Globals, Open};
use crate::exit::Code;
use anyhow::Context as _;
use std::path::PathBuf;

/// What to use instead of `backup` on PostgreSQL.
pub(crate) const PG_DUMP: &str = "back it up with PostgreSQL's own tools, e.g. \
    `pg_dump --format=custom --file=postcore.dump DBNAME`, and keep the secret key with the \
    dump";

/// Arguments of `backup`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the copy; an existing file is never overwritten (exit 5).
    pub path: PathBuf,
}

/// Copies one consistent snapshot of the database to `PATH` while others read and write.
/// The copy opens with the same secret key as the original. SQLite only: for a PostgreSQL
/// database it says to use `pg_dump` and exits 2.
pub async fn run(globals: &Globals, args: Args) -> anyhow::Result<Code> {
    globals.sqlite_only("backup", PG_DUMP)?;
    let ctx = globals.open(Open::MustExist).await?;
    ctx.store
        .backup(&args.path)
        .await
        .with_context(|| format!("PATH {}", args.path.display()))?;
    println!(
        "backed up {} to {}",
        globals.database_file().display(),
        args.path.display()
    );
    eprintln!(
        "Platform credentials in the copy stay encrypted with this database's secret key: \
         keep the key with the backup."
    );
    Ok(Code::Success)
}
