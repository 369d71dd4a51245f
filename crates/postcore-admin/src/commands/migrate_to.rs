//! `migrate-to URL`: copy the whole `--database` into another, empty database — SQLite to
//! PostgreSQL when a team outgrows one machine — and verify the counts.

use crate::context::{Globals, Open};
use crate::exit::{Code, bad_input, conflict};
use anyhow::Context as _;
use postcore_store::settings::redact_database_url;
use postcore_store::{DatabaseCounts, Progress, SecretKeySource, StoreConfig};
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;

/// Env var of the destination, so that a URL holding a password stays off the command line.
pub const DESTINATION_ENV: &str = "POSTCORE_MIGRATE_TO";

/// Arguments of `migrate-to`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The destination: a PostgreSQL URL `postgres://USER[:PASSWORD]@HOST[:PORT]/DB` (or an
    /// SQLite path), created and migrated as needed; it must hold no account yet. A URL
    /// with a password belongs in the env var, not on a command line.
    #[arg(env = DESTINATION_ENV, hide_env_values = true, value_name = "URL")]
    pub destination: String,

    /// File holding the destination's base64 secret key; default: the source's key
    /// (`POSTCORE_SECRET_KEY`, `--secret-key-file`, or `<database>.key` beside it)
    #[arg(long, env = "POSTCORE_MIGRATE_TO_SECRET_KEY_FILE", value_name = "PATH")]
    pub to_secret_key_file: Option<PathBuf>,
}

/// The destination's secret key: `--to-secret-key-file`, else the very key the source
/// opened with (its file named explicitly when it sits beside an SQLite source, since the
/// destination has no such file).
fn destination_key(globals: &Globals, args: &Args) -> anyhow::Result<SecretKeySource> {
    if let Some(path) = &args.to_secret_key_file {
        return Ok(SecretKeySource::File(path.clone()));
    }
    Ok(match globals.store.store_config()?.secret_key {
        SecretKeySource::BesideDatabase => SecretKeySource::File(
            postcore_store::sqlite::default_key_file(&globals.database_file()),
        ),
        other => other,
    })
}

/// One line of counts, as printed: `accounts 2, API keys 4, …, webhook notices 3`.
fn describe(c: &DatabaseCounts) -> String {
    format!(
        "accounts {}, API keys {}, profiles {}, connections {}, return URLs {}, {}",
        c.accounts,
        c.api_keys,
        c.profiles,
        c.connections,
        c.return_urls,
        describe_webhooks(c)
    )
}

/// The webhook part of a line of counts: `webhook endpoints 2, events 5, …`.
fn describe_webhooks(c: &DatabaseCounts) -> String {
    format!(
        "webhook endpoints {}, webhook events {}, webhook deliveries {}, webhook notices {}",
        c.webhook_endpoints, c.webhook_events, c.webhook_deliveries, c.webhook_notices
    )
}

/// Copies every account of the source — API key digests with their prefixes, labels,
/// revocations and times; return URLs; profiles with their keys, names and creation
/// times; connections with their secrets, decrypted with the source's key and encrypted
/// with the destination's; webhook endpoints (ids, settings, disabling, failure counts,
/// signing secrets re-encrypted likewise), outbox events (ids kept), deliveries with their
/// states and the timed notices already told — one account per transaction, then checks
/// that the destination holds exactly what was read and that the source did not change
/// meanwhile. Pending OAuth states and the refresher's and deliverers' leases are not
/// copied (a delivery in flight is pending again). Progress: a bar on a terminal, plain
/// lines on stderr otherwise.
///
/// Exit 2 for the same database twice or a bad setting, 5 when the destination already
/// holds an account, 1 when the counts differ.
pub async fn run(globals: &Globals, args: Args) -> anyhow::Result<Code> {
    let shown_to = redact_database_url(&args.destination);
    if args.destination == globals.database() {
        return Err(bad_input(format!(
            "URL {shown_to}: the destination is the source (--database) itself"
        )));
    }
    let source = globals.open(Open::MustExist).await?;
    let config = StoreConfig {
        database_url: args.destination.clone(),
        secret_key: destination_key(globals, &args)?,
    };
    let dest = postcore_store::open(config)
        .await
        .with_context(|| format!("cannot open the destination {shown_to}"))?;
    let held = dest.database_counts().await?;
    if held.accounts > 0 {
        return Err(conflict(format!(
            "URL {shown_to}: the destination already holds {} account(s): migrate-to \
                 writes only into an empty database (drop and create it again, and start no \
                 server on it before the copy)",
            held.accounts
        )));
    }
    let before = source.store.database_counts().await?;
    let accounts = source.store.list_accounts().await?;
    let terminal = std::io::stderr().is_terminal();
    let bar = crate::output::progress_bar(
        before.profiles,
        "copying {bar:40} {pos}/{len} profiles ({msg})",
    );
    let mut copied = DatabaseCounts::default();
    for account in &accounts {
        let export = source
            .store
            .export_account(&account.name)
            .await
            .with_context(|| format!("reading account {}", account.name))?;
        let counts = export.counts();
        bar.set_message(account.name.as_str().to_owned());
        if !terminal {
            eprintln!(
                "copying account {}: API keys {}, return URLs {}, profiles {}, connections {}, {}",
                account.name,
                counts.api_keys,
                counts.return_urls,
                counts.profiles,
                counts.connections,
                describe_webhooks(&counts)
            );
        }
        let progress: Progress = {
            let (bar, base) = (bar.clone(), copied.profiles);
            Arc::new(move |done| bar.set_position(base + done))
        };
        dest.import_account(export, Some(progress))
            .await
            .with_context(|| {
                format!(
                    "writing account {} to {shown_to} (the accounts copied before it stay \
                     there: drop and create the destination again before a new try)",
                    account.name
                )
            })?;
        copied += counts;
    }
    bar.finish_and_clear();
    let after = source.store.database_counts().await?;
    let written = dest.database_counts().await?;
    println!(
        "migrated {} to {shown_to}: {}",
        globals.shown(),
        describe(&copied)
    );
    if written != copied || before != copied || after != before {
        eprintln!(
            "error: the counts differ: source before {}; read {}; source after {}; destination {}",
            describe(&before),
            describe(&copied),
            describe(&after),
            describe(&written)
        );
        eprintln!(
            "Stop every server on the source, drop and create the destination again, and run \
             migrate-to again."
        );
        return Ok(Code::Failure);
    }
    println!("verified: the destination holds exactly what the source holds");
    eprintln!(
        "Platform credentials and webhook signing secrets are encrypted with the \
         destination's secret key: start the servers on {shown_to} with it. Pending LinkedIn \
         sign-ins were not copied (users start them again)."
    );
    Ok(Code::Success)
}
