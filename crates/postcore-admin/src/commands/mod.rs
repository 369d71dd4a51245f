//! One module per subcommand, each with its clap arguments and the code that runs them.

pub mod accounts;
pub mod backup;
pub mod check;
pub mod connections;
pub mod demo;
pub mod expiring;
pub mod import;
pub mod keys;
pub mod migrate;
pub mod migrate_to;
pub mod profiles;
pub mod webhooks;

use crate::cli::{Cli, Command};
use crate::context::Globals;
use crate::exit::Code;
use anyhow::Context as _;
use clap::CommandFactory as _;

/// `--json`, on every listing and show command.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Format {
    /// Print stable machine-readable JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<Code> {
    let globals = Globals::new(cli.store, cli.now);
    match cli.command {
        Command::Migrate(args) => migrate::run(&globals, args).await,
        Command::MigrateTo(args) => migrate_to::run(&globals, args).await,
        Command::Accounts(cmd) => accounts::run(&globals, cmd).await,
        Command::Keys(cmd) => keys::run(&globals, cmd).await,
        Command::Profiles(cmd) => profiles::run(&globals, cmd).await,
        Command::Connections(cmd) => connections::run(&globals, cmd).await,
        Command::Webhooks(cmd) => webhooks::run(&globals, cmd).await,
        Command::Expiring(args) => expiring::run(&globals, args).await,
        Command::Demo(args) => demo::run(&globals, args).await,
        Command::Import(args) => import::run(&globals, args).await,
        Command::Backup(args) => backup::run(&globals, args).await,
        Command::Check(args) => check::run(&globals, args).await,
        Command::Completions(args) => {
            postcore_cli_extras::print_completions(&args, Cli::command(), "postcore-admin")
                .context("writing the completion script")?;
            Ok(Code::Success)
        }
        Command::Man(args) => {
            postcore_cli_extras::write_man_pages(Cli::command(), &args.dir)
                .with_context(|| format!("writing man pages to {}", args.dir.display()))?;
            Ok(Code::Success)
        }
    }
}
