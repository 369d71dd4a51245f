//! The clap definition of the command line: global options and the subcommands.

use crate::commands::{
    accounts, backup, check, connections, demo, expiring, import, keys, migrate, migrate_to,
    profiles, webhooks,
};
use crate::exit::EXIT_CODES_HELP;
use clap::{Parser, Subcommand};
use postcore_domain::Timestamp;
use postcore_store::DatabaseArgs;
use postcore_store::settings::SECRET_KEY_HELP;

/// The end of `--help`: how the secret key is found, then the exit codes.
fn after_help() -> String {
    format!("{SECRET_KEY_HELP}\n\n{EXIT_CODES_HELP}")
}

/// Operate a PostCore database: accounts, API keys, profiles, connections, expiry reports,
/// demo data, imports and backups.
///
/// Opens the database exactly as the server does (same migrations, same secret key
/// settings) and works while the server is running. Every command is one transaction:
/// a failure leaves the database as it was.
#[derive(Debug, Parser)]
#[command(name = "postcore-admin", version, after_help = after_help())]
pub struct Cli {
    /// The database and its secret key, as `postcore serve` takes them; global, so they
    /// may come before or after the subcommand.
    #[command(flatten)]
    pub store: DatabaseArgs,

    /// Act as if the current time were TS (RFC 3339): for reproducible reports and tests.
    #[arg(long, global = true, hide = true, value_name = "TS", value_parser = crate::input::timestamp)]
    pub now: Option<Timestamp>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands, one module each under `commands/`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending schema migrations (`--status`: only show the schema version).
    Migrate(migrate::Args),
    /// Copy the whole database into another, empty one (e.g. SQLite to PostgreSQL) and
    /// verify the counts.
    MigrateTo(migrate_to::Args),
    /// Create and list accounts (tenants: API keys and profiles belong to one).
    #[command(subcommand)]
    Accounts(accounts::Command),
    /// Create, import, list and revoke API keys.
    #[command(subcommand)]
    Keys(keys::Command),
    /// Create, list, show, rename and delete profiles.
    #[command(subcommand)]
    Profiles(profiles::Command),
    /// Add, remove and mark platform connections of a profile.
    #[command(subcommand)]
    Connections(connections::Command),
    /// Add, list and remove webhook endpoints, show their deliveries, and prune finished history.
    #[command(subcommand)]
    Webhooks(webhooks::Command),
    /// Report connections that expire within N days or need a reconnect, soonest first.
    Expiring(expiring::Args),
    /// Seed the seed document's example profiles, dated relative to now.
    Demo(demo::Args),
    /// Import a saved hosted-API `GET /profiles` response, keeping profile keys.
    Import(import::Args),
    /// Write a consistent copy of the database to a new file, online (PostgreSQL: a
    /// `pg_dump` archive).
    Backup(backup::Args),
    /// Check the database's integrity (SQLite `PRAGMA integrity_check`; PostgreSQL: the
    /// store's consistency checks); exit 1 on problems.
    Check(check::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    #[command(after_help = postcore_cli_extras::install_help("postcore-admin"))]
    Completions(postcore_cli_extras::CompletionsArgs),
    /// Write the man pages into a directory (`cargo xtask man` runs this).
    #[command(hide = true)]
    Man(postcore_cli_extras::ManArgs),
}
