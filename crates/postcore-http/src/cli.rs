//! The `postcore` command line: `postcore serve` and its settings (flags and env vars).

use crate::telemetry::{self, LogFormat};
use crate::{Application, DEFAULT_BIND, DEFAULT_SHUTDOWN_TIMEOUT_SECS, Settings, bootstrap};
use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use postcore_domain::{Clock, SystemClock};
use postcore_store::{SecretKeySource, SecretString, StoreConfig};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Env var holding the base64 secret key. Read from the environment only, never a flag:
/// secrets do not belong on command lines.
pub const SECRET_KEY_ENV: &str = "POSTCORE_SECRET_KEY";

/// Every setting and its env var, shown by `postcore --help` and `postcore serve --help`.
const SETTINGS_HELP: &str = "\
Settings (flag, env var, default):
  --bind              POSTCORE_BIND             127.0.0.1:8080   address to listen on
  --database          POSTCORE_DATABASE         ./postcore.db    SQLite file (or sqlite://PATH)
  --secret-key-file   POSTCORE_SECRET_KEY_FILE  (none)           file with the base64 secret key
  (env only)          POSTCORE_SECRET_KEY       (none)           the base64 secret key itself
  --log-level         POSTCORE_LOG              info             log filter (e.g. debug)
  --log-format        POSTCORE_LOG_FORMAT       pretty           pretty or json
  --shutdown-timeout  POSTCORE_SHUTDOWN_TIMEOUT 10               grace seconds on SIGINT/SIGTERM

The secret key (32 random bytes, base64) encrypts stored platform credentials. It comes
from POSTCORE_SECRET_KEY if set, else from --secret-key-file, else from <database>.key
beside the database (created on first start). POSTCORE_SECRET_KEY is never a flag, so
the key never appears in a process list. Logs go to stderr.

On a database without any account, `serve` creates the account \"default\" with one API
key and prints that key once to stderr, with a curl line to try it.";

/// `postcore`: the self-hosted postcore Profiles API server.
#[derive(Debug, Parser)]
#[command(name = "postcore", version, after_help = SETTINGS_HELP)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the Profiles API over HTTP until SIGINT/SIGTERM.
    Serve(ServeArgs),
}

/// Settings of `postcore serve`; each flag can also be set by its env var.
#[derive(Debug, Args)]
#[command(after_help = SETTINGS_HELP)]
pub struct ServeArgs {
    /// Address to listen on, host:port (port 0 picks a free port).
    #[arg(long, env = "POSTCORE_BIND", default_value = DEFAULT_BIND)]
    pub bind: String,
    /// The SQLite database file, created and migrated when missing (or sqlite://PATH).
    #[arg(long, env = "POSTCORE_DATABASE", default_value = "./postcore.db")]
    pub database: String,
    /// File holding the base64 secret key (POSTCORE_SECRET_KEY takes precedence).
    #[arg(long, env = "POSTCORE_SECRET_KEY_FILE", value_name = "PATH")]
    pub secret_key_file: Option<PathBuf>,
    /// Log filter: a level (error, warn, info, debug, trace) or tracing directives.
    #[arg(long = "log-level", env = "POSTCORE_LOG", default_value = "info")]
    pub log_level: String,
    /// Log line format.
    #[arg(long, env = "POSTCORE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
    /// Seconds in-flight requests may take to finish after SIGINT/SIGTERM.
    #[arg(long, env = "POSTCORE_SHUTDOWN_TIMEOUT", value_name = "SECONDS",
          default_value_t = DEFAULT_SHUTDOWN_TIMEOUT_SECS)]
    pub shutdown_timeout: u64,
}

/// Runs the command.
///
/// # Errors
/// Start-up failures (bad log filter, database or secret key, address in use), with context.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
    }
}

/// `postcore serve`: opens (creating and migrating) the database, makes the default
/// account on first start, and serves until SIGINT/SIGTERM, then returns `Ok`.
async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    telemetry::init(&args.log_level, args.log_format)?;
    let secret = std::env::var(SECRET_KEY_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .map(SecretString::from);
    let config = StoreConfig {
        database_url: args.database.clone(),
        secret_key: SecretKeySource::from_settings(secret, args.secret_key_file),
    };
    let store = postcore_store::open(config)
        .await
        .with_context(|| format!("opening the database {}", args.database))?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let settings = Settings {
        shutdown_timeout: Duration::from_secs(args.shutdown_timeout),
        ..Settings::new(args.bind)
    };
    let app = Application::build(settings, Arc::clone(&store), Arc::clone(&clock)).await?;
    if let Some(key) = bootstrap::first_start(store.as_ref(), clock.now())
        .await
        .context("creating the default account")?
    {
        eprintln!("{}", bootstrap::banner(&key, app.local_addr()));
    }
    tracing::info!(address = %app.local_addr(), database = %args.database, "listening");
    app.run_until_stopped()
        .await
        .context("running the server")?;
    tracing::info!("stopped");
    Ok(())
}
