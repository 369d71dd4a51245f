//! `migrate [--status]`: apply pending schema migrations, or only show the schema version.

use super::Format;
use crate::context::{Globals, Open};
use crate::exit::{Code, not_found};
use serde::Serialize;

/// Arguments of `migrate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only show the schema version against this build's latest; never creates a database.
    #[arg(long)]
    pub status: bool,
    #[command(flatten)]
    format: Format,
}

#[derive(Serialize)]
struct StatusJson {
    current: usize,
    latest: usize,
}

/// Opens the database, which applies every pending migration (each in its own
/// transaction) exactly as the server does at start-up, and reports the version; with
/// `--status`, only reads the version and changes nothing.
pub async fn run(globals: &Globals, args: Args) -> anyhow::Result<Code> {
    let status = if args.status {
        // Read the version as it is: opening the store would migrate first.
        postcore_store::schema_status(globals.database())
            .await?
            .ok_or_else(|| {
                not_found(format!(
                    "--database: no database at {}",
                    globals.database_file().display()
                ))
            })?
    } else {
        let ctx = globals.open(Open::MayCreate).await?;
        ctx.store.migration_status().await?
    };
    if args.format.json {
        crate::output::print_json(&StatusJson {
            current: status.current,
            latest: status.latest,
        })?;
    } else {
        let state = if status.current == status.latest {
            "up to date"
        } else {
            "migrations pending"
        };
        println!(
            "schema version {} of {}: {state}",
            status.current, status.latest
        );
    }
    Ok(Code::Success)
}
