//! `migrate [--status]`: apply pending schema migrations, or only show the schema version.

use super::Format;
use crate::context::{Globals, Open};
use crate::exit::Code;
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
/// transaction) exactly as the server does at start-up, and reports the version.
pub async fn run(globals: &Globals, args: Args) -> anyhow::Result<Code> {
    let mode = if args.status {
        Open::MustExist
    } else {
        Open::MayCreate
    };
    let ctx = globals.open(mode).await?;
    let status = ctx.store.migration_status().await?;
    if args.format.json {
        crate::json::print(&StatusJson {
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
