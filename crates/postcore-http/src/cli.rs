//! The `postcore` command line: `postcore serve` and its settings (flags and env vars),
//! `postcore completions SHELL`, and the hidden `postcore man DIR` (`postcore-cli-extras`).

use crate::ratelimit::{DEFAULT_AUTH_FAILURE_LIMIT_PER_MINUTE, DEFAULT_RATE_LIMIT_PER_MINUTE};
use crate::telemetry::{self, LogFormat};
use crate::{
    Application, DEFAULT_BIND, DEFAULT_BODY_TIMEOUT_SECS, DEFAULT_HEADER_TIMEOUT_SECS,
    DEFAULT_KEEP_ALIVE_SECS, DEFAULT_LOG_FILTER, DEFAULT_MAX_CONNECTIONS,
    DEFAULT_METRICS_REFRESH_SECS, DEFAULT_SHUTDOWN_TIMEOUT_SECS, Settings, bootstrap,
    webhook_worker,
};
use anyhow::Context as _;
use clap::{Args, CommandFactory as _, Parser, Subcommand};
use postcore_domain::{Clock, SystemClock};
use postcore_platforms::{LinkedInArgs, PlatformArgs};
use postcore_store::DatabaseArgs;
use postcore_store::settings::SECRET_KEY_HELP;
use std::sync::Arc;
use std::time::Duration;

/// Where `postcore serve` logs and what it does on a new database, for its `--help`.
const FIRST_START_HELP: &str = "\
Logs go to stderr. On a database without any account, `serve` creates the account
\"default\" with one API key and prints that key once to stderr, with a curl line to try it.";

/// The end of `postcore --help`: where the settings are listed.
fn top_help() -> String {
    format!(
        "Every setting of `postcore serve` is a flag or an env var (the flag wins); \
         `postcore serve --help` lists them with their defaults.\n\n{SECRET_KEY_HELP}"
    )
}

/// The end of `postcore serve --help`, after clap's list of the settings.
fn serve_help() -> String {
    format!("{SECRET_KEY_HELP}\n\n{FIRST_START_HELP}")
}

/// `postcore`: the self-hosted postcore Profiles API server.
#[derive(Debug, Parser)]
#[command(name = "postcore", version, after_help = top_help())]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
#[expect(
    clippy::large_enum_variant,
    reason = "parsed once per process; boxing `serve`'s settings would buy nothing"
)]
pub enum Command {
    /// Serve the Profiles API over HTTP until SIGINT/SIGTERM.
    Serve(ServeArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    #[command(after_help = postcore_cli_extras::install_help("postcore"))]
    Completions(postcore_cli_extras::CompletionsArgs),
    /// Write the man pages into a directory (`cargo xtask man` runs this).
    #[command(hide = true)]
    Man(postcore_cli_extras::ManArgs),
}

/// Settings of `postcore serve`; each flag can also be set by its env var (the flag wins).
/// The README's Configuration table is checked against this definition
/// (`tests/tests/readme.rs`).
#[derive(Debug, Args)]
#[command(after_help = serve_help())]
pub struct ServeArgs {
    /// Address to listen on, `host:port` (port 0 picks a free one)
    #[arg(long, env = "POSTCORE_BIND", default_value = DEFAULT_BIND)]
    pub bind: String,
    /// The database and its secret key, as `postcore-admin` takes them.
    #[command(flatten)]
    pub store: DatabaseArgs,
    /// Log filter: a level (`error` … `trace`) or `tracing` directives (`postcore_http=debug,info`)
    #[arg(long = "log-level", env = "POSTCORE_LOG", default_value = DEFAULT_LOG_FILTER)]
    pub log_level: String,
    /// Log line format: `pretty` (human lines) or `json` (one object per line)
    #[arg(long, env = "POSTCORE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,
    /// Seconds in-flight requests may take to finish after SIGINT/SIGTERM
    #[arg(long, env = "POSTCORE_SHUTDOWN_TIMEOUT", value_name = "SECONDS",
          default_value_t = DEFAULT_SHUTDOWN_TIMEOUT_SECS)]
    pub shutdown_timeout: u64,
    /// Seconds a client may take to send a request's head (request line and headers); slower: 408 and the connection is closed
    #[arg(long, env = "POSTCORE_HEADER_TIMEOUT", value_name = "SECONDS",
          default_value_t = DEFAULT_HEADER_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub header_timeout: u64,
    /// Seconds a client may take to send a request's whole body once its head is in; slower: 408 REQUEST_TIMEOUT and the connection is closed
    #[arg(long, env = "POSTCORE_BODY_TIMEOUT", value_name = "SECONDS",
          default_value_t = DEFAULT_BODY_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub body_timeout: u64,
    /// Seconds an idle keep-alive connection stays open
    #[arg(long, env = "POSTCORE_KEEP_ALIVE", value_name = "SECONDS",
          default_value_t = DEFAULT_KEEP_ALIVE_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub keep_alive: u64,
    /// Most client connections open at once (shared evenly among the worker threads, one per CPU core); more wait in the kernel's listen queue
    #[arg(long, env = "POSTCORE_MAX_CONNECTIONS", value_name = "N",
          default_value_t = DEFAULT_MAX_CONNECTIONS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000))]
    pub max_connections: usize,
    /// Requests per minute per API key, 0 for no limit: N at once, then one every 60/N seconds; over it 429 RATE_LIMIT_EXCEEDED
    #[arg(long, env = "POSTCORE_RATE_LIMIT_PER_MINUTE", value_name = "N",
          default_value_t = DEFAULT_RATE_LIMIT_PER_MINUTE)]
    pub rate_limit_per_minute: u32,
    /// Failed authentications (401) per minute per client address (the TCP peer; X-Forwarded-For is not read), 0 for no limit; over it the address's requests get 429 before their key is checked, good keys too
    #[arg(long, env = "POSTCORE_AUTH_FAILURE_LIMIT_PER_MINUTE", value_name = "N",
          default_value_t = DEFAULT_AUTH_FAILURE_LIMIT_PER_MINUTE)]
    pub auth_failure_limit_per_minute: u32,
    /// Where the platforms are and how long a call to one may take.
    #[command(flatten)]
    pub platforms: PlatformArgs,
    /// LinkedIn's OAuth settings.
    #[command(flatten)]
    pub linkedin: LinkedInArgs,
    /// Days before expiry a LinkedIn access token with a refresh token is renewed, 0–59 (0: never; 60 would renew a fresh token on every pass)
    #[arg(long, env = "POSTCORE_TOKEN_REFRESH_LEAD_DAYS", value_name = "DAYS",
          default_value_t = 7, value_parser = clap::value_parser!(u16).range(0..=59))]
    pub token_refresh_lead_days: u16,
    /// Seconds between two looks for tokens to refresh
    #[arg(long, env = "POSTCORE_TOKEN_REFRESH_INTERVAL", value_name = "SECONDS",
          default_value_t = 300, value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub token_refresh_interval: u64,
    /// Address of a second listener that alone serves `GET /metrics`, `host:port` (port 0 picks a free one); unset: `/metrics` is served on `--bind`, unauthenticated
    #[arg(long, env = "POSTCORE_METRICS_BIND", value_name = "ADDR")]
    pub metrics_bind: Option<String>,
    /// Seconds between two reads of the connection and profile counts behind `/metrics`
    #[arg(long, env = "POSTCORE_METRICS_REFRESH_INTERVAL", value_name = "SECONDS",
          default_value_t = DEFAULT_METRICS_REFRESH_SECS,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub metrics_refresh_interval: u64,
    /// Webhook delivery and expiry notices: `on`, or `off` (nothing is sent; events still go to the outbox of accounts with endpoints, and are sent once turned on)
    #[arg(long, env = "POSTCORE_WEBHOOKS", value_enum, default_value_t = Switch::On)]
    pub webhooks: Switch,
    /// Thresholds before a token's expiry at which `connection.expiring` is sent, comma-separated: `7d,1d`, `36h`, `90m`, `30s`; `""`: only `connection.expired`
    #[arg(long, env = "POSTCORE_WEBHOOK_THRESHOLDS", value_name = "LIST",
          default_value = "7d,1d", value_parser = webhook_worker::parse_thresholds)]
    pub webhook_thresholds: Thresholds,
    /// Seconds between two looks for due expiry notices (deliveries are looked for every second)
    #[arg(long, env = "POSTCORE_WEBHOOK_SCHEDULER_INTERVAL", value_name = "SECONDS",
          default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub webhook_scheduler_interval: u64,
    /// Seconds one webhook attempt may take, connection to answer; slower: a failed attempt, retried
    #[arg(long, env = "POSTCORE_WEBHOOK_TIMEOUT", value_name = "SECONDS",
          default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub webhook_timeout: u64,
    /// Hours a delivery is retried (exponential backoff with jitter from 5 s, at most 10 h apart) before it is marked failed
    #[arg(long, env = "POSTCORE_WEBHOOK_RETRY_HOURS", value_name = "HOURS",
          default_value_t = 24, value_parser = clap::value_parser!(u64).range(0..=720))]
    pub webhook_retry_hours: u64,
    /// Failed deliveries in a row after which an endpoint is disabled (a `410 Gone` disables it at once)
    #[arg(long, env = "POSTCORE_WEBHOOK_DISABLE_AFTER", value_name = "N",
          default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub webhook_disable_after: u32,
    /// Days finished webhook history is kept: delivered and failed deliveries (by their event's time), events without a delivery left, and expiry-notice records of tokens that no longer exist; each scheduler pass removes older ones, never a pending delivery or a live token's notice record. 0: for ever; at most 3650
    #[arg(long, env = "POSTCORE_WEBHOOK_RETENTION_DAYS", value_name = "DAYS",
          default_value = "30", value_parser = postcore_webhooks::Retention::parse)]
    pub webhook_retention_days: postcore_webhooks::Retention,
    /// Most webhook attempts in flight at once in this server, all accounts together
    #[arg(long, env = "POSTCORE_WEBHOOK_CONCURRENCY", value_name = "N",
          default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub webhook_concurrency: u32,
    /// Most webhook attempts in flight at once per account, across every server on the database (at most --webhook-concurrency; below it, a slow account never takes every place)
    #[arg(long, env = "POSTCORE_WEBHOOK_ACCOUNT_CONCURRENCY", value_name = "N",
          default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub webhook_account_concurrency: u32,
    /// Most webhook attempts in flight at once per endpoint, across every server on the database (at most --webhook-account-concurrency): a receiver that never answers holds no more places
    #[arg(long, env = "POSTCORE_WEBHOOK_ENDPOINT_CONCURRENCY", value_name = "N",
          default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub webhook_endpoint_concurrency: u32,
    /// Allow webhook endpoints on loopback and private addresses (10.x, 192.168.x, 127.x, …), and http to them and to host names; never link-local (cloud metadata) or other special addresses. For tests and closed networks only
    #[arg(long, env = "POSTCORE_WEBHOOK_ALLOW_PRIVATE", default_value_t = false)]
    pub webhook_allow_private: bool,
    /// Test only: the clock reads its RFC 3339 instant from this file at every use
    #[cfg(feature = "test-clock")]
    #[arg(long, hide = true, value_name = "PATH")]
    pub test_clock_file: Option<std::path::PathBuf>,
}

/// `on` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Switch {
    /// Enabled.
    On,
    /// Disabled.
    Off,
}

/// The parsed `--webhook-thresholds`.
pub type Thresholds = Vec<Duration>;

/// Runs the command.
///
/// # Errors
/// Start-up failures (bad log filter, database or secret key, address in use), with context.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Completions(args) => {
            postcore_cli_extras::print_completions(&args, Cli::command(), "postcore")
                .context("writing the completion script")
        }
        Command::Man(args) => postcore_cli_extras::write_man_pages(Cli::command(), &args.dir)
            .map(drop)
            .with_context(|| format!("writing man pages to {}", args.dir.display())),
    }
}

/// The server's clock: the system's, or (feature `test-clock`) the test's file.
fn clock(args: &ServeArgs) -> anyhow::Result<Arc<dyn Clock>> {
    #[cfg(feature = "test-clock")]
    if let Some(path) = &args.test_clock_file {
        return Ok(Arc::new(crate::test_clock::FileClock::open(path.clone())?));
    }
    let _ = args;
    Ok(Arc::new(SystemClock))
}

/// The webhook worker's settings from `serve`'s flags.
///
/// # Errors
/// When the caps are not nested: `--webhook-account-concurrency` above
/// `--webhook-concurrency`, or `--webhook-endpoint-concurrency` above
/// `--webhook-account-concurrency` (each is at least 1 by its parser).
fn webhook_settings(args: &ServeArgs) -> anyhow::Result<webhook_worker::WebhookWorkerSettings> {
    if args.webhook_account_concurrency > args.webhook_concurrency {
        anyhow::bail!(
            "--webhook-account-concurrency ({}) must be at most --webhook-concurrency ({})",
            args.webhook_account_concurrency,
            args.webhook_concurrency
        );
    }
    if args.webhook_endpoint_concurrency > args.webhook_account_concurrency {
        anyhow::bail!(
            "--webhook-endpoint-concurrency ({}) must be at most \
             --webhook-account-concurrency ({})",
            args.webhook_endpoint_concurrency,
            args.webhook_account_concurrency
        );
    }
    let defaults = webhook_worker::WebhookWorkerSettings::default();
    let timeout = Duration::from_secs(args.webhook_timeout);
    Ok(webhook_worker::WebhookWorkerSettings {
        thresholds: args.webhook_thresholds.clone(),
        scheduler_interval: Duration::from_secs(args.webhook_scheduler_interval),
        delivery: postcore_webhooks::DeliverySettings {
            timeout,
            connect_timeout: defaults.delivery.connect_timeout.min(timeout),
            allow_private: args.webhook_allow_private,
            ..defaults.delivery
        },
        retry: postcore_webhooks::RetryPolicy {
            give_up_after: Duration::from_secs(args.webhook_retry_hours * 3_600),
            ..defaults.retry
        },
        disable: postcore_webhooks::DisableRule {
            after_failed_deliveries: args.webhook_disable_after,
        },
        retention: args.webhook_retention_days,
        concurrency: usize::try_from(args.webhook_concurrency).unwrap_or(usize::MAX),
        account_concurrency: args.webhook_account_concurrency,
        endpoint_concurrency: args.webhook_endpoint_concurrency,
    })
}

/// `postcore serve`: opens (creating and migrating) the database, makes the default
/// account on first start, and serves until SIGINT/SIGTERM, then returns `Ok`.
async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.store.store_config()?;
    let webhook_settings = webhook_settings(&args)?;
    let linkedin = args.linkedin.config(None).context("LinkedIn settings")?;
    telemetry::init(&args.log_level, args.log_format)?;
    let store = postcore_store::open(config)
        .await
        .with_context(|| format!("opening the database {}", args.store.shown()))?;
    let clock = clock(&args)?;
    let settings = Settings {
        shutdown_timeout: Duration::from_secs(args.shutdown_timeout),
        bluesky_service: args.platforms.bluesky_service.clone(),
        platform_limits: args.platforms.limits(),
        linkedin,
        rate_limit_per_minute: args.rate_limit_per_minute,
        auth_failure_limit_per_minute: args.auth_failure_limit_per_minute,
        metrics_bind: args.metrics_bind.clone(),
        metrics_refresh: Duration::from_secs(args.metrics_refresh_interval),
        header_timeout: Duration::from_secs(args.header_timeout),
        body_timeout: Duration::from_secs(args.body_timeout),
        keep_alive: Duration::from_secs(args.keep_alive),
        max_connections: args.max_connections,
        webhook_allow_private: args.webhook_allow_private,
        ..Settings::new(args.bind)
    };
    let refresher_client = match &settings.linkedin {
        Some(config) if args.token_refresh_lead_days > 0 => Some(
            postcore_platforms::linkedin::LinkedInClient::new(
                config.clone(),
                settings.platform_limits,
            )
            .context("setting up the LinkedIn client")?,
        ),
        _ => None,
    };
    let app = Application::build(settings, Arc::clone(&store), Arc::clone(&clock)).await?;
    // LinkedIn access tokens with a refresh token are renewed before they expire, by a
    // task that claims each connection in the database: several servers on one database
    // never refresh one connection twice.
    let refresher = refresher_client.map(|linkedin| {
        let settings = postcore_refresh::RefreshSettings {
            lead: chrono::Duration::days(i64::from(args.token_refresh_lead_days)),
            ..postcore_refresh::RefreshSettings::default()
        }
        .for_call_timeout(Duration::from_secs(args.platforms.platform_timeout));
        tracing::info!(
            lead_days = args.token_refresh_lead_days,
            every_seconds = args.token_refresh_interval,
            "refreshing LinkedIn tokens before they expire"
        );
        postcore_refresh::spawn_refresher(
            Arc::clone(&store),
            linkedin,
            Arc::clone(&clock),
            settings,
            Duration::from_secs(args.token_refresh_interval),
        )
    });
    let webhooks = match args.webhooks {
        Switch::On => Some(
            webhook_worker::spawn_webhook_worker(
                Arc::clone(&store),
                Arc::clone(&clock),
                webhook_settings,
            )
            .context("setting up the webhook client")?,
        ),
        Switch::Off => None,
    };
    if let Some(key) = bootstrap::first_start(store.as_ref(), clock.now())
        .await
        .context("creating the default account")?
    {
        eprintln!("{}", bootstrap::banner(&key, app.local_addr()));
    }
    if let Some(address) = app.metrics_addr() {
        tracing::info!(%address, "serving /metrics on its own listener");
    }
    // The database as it may be shown: a URL's password never reaches the log.
    tracing::info!(address = %app.local_addr(), database = %args.store.shown(), "listening");
    app.run_until_stopped()
        .await
        .context("running the server")?;
    for task in [refresher, webhooks].into_iter().flatten() {
        task.abort();
    }
    // API keys' last use is written off the request path; write what is still queued.
    if let Err(e) = store.flush_last_use().await {
        tracing::warn!(error = %e, "could not record the API keys' last use at shutdown");
    }
    tracing::info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `postcore serve` with `flags`, parsed, and its webhook settings (or their refusal).
    fn settings(flags: &[&str]) -> Result<webhook_worker::WebhookWorkerSettings, String> {
        let args = ["postcore", "serve"].iter().chain(flags);
        let Command::Serve(serve) = Cli::try_parse_from(args).unwrap().command else {
            unreachable!("serve was parsed");
        };
        webhook_settings(&serve).map_err(|e| e.to_string())
    }

    #[test]
    fn webhook_caps_default_to_64_8_2_and_must_nest() {
        let caps = |s: webhook_worker::WebhookWorkerSettings| {
            (s.concurrency, s.account_concurrency, s.endpoint_concurrency)
        };
        assert_eq!(settings(&[]).map(caps), Ok((64, 8, 2)));
        assert_eq!(
            settings(&[
                "--webhook-concurrency=3",
                "--webhook-account-concurrency=3",
                "--webhook-endpoint-concurrency=1"
            ])
            .map(caps),
            Ok((3, 3, 1))
        );
        assert_eq!(
            settings(&["--webhook-concurrency=4"]).map(caps),
            Err(
                "--webhook-account-concurrency (8) must be at most --webhook-concurrency (4)"
                    .into()
            )
        );
        assert_eq!(
            settings(&["--webhook-endpoint-concurrency=9"]).map(caps),
            Err(
                "--webhook-endpoint-concurrency (9) must be at most --webhook-account-concurrency (8)"
                    .into()
            )
        );
        for zero in [
            "--webhook-concurrency=0",
            "--webhook-account-concurrency=0",
            "--webhook-endpoint-concurrency=0",
        ] {
            assert!(
                Cli::try_parse_from(["postcore", "serve", zero]).is_err(),
                "{zero}"
            );
        }
    }
}
