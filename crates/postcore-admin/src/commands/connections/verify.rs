//! `connections verify`: re-verifies every stored Bluesky app password with the service,
//! marks the ones it definitely rejects as needing a reconnect, and reports the rest.

use crate::commands::Format;
use crate::context::{Globals, Open};
use crate::exit::Code;
use crate::output::{print_json, print_table, progress_bar};
use futures::StreamExt as _;
use postcore_domain::{AccountName, Platform};
use postcore_platforms::bluesky::{BlueskyClient, Identifier};
use postcore_platforms::{PlatformArgs, PlatformError};
use postcore_store::StoredConnection;
use serde::Serialize;

/// Default number of verifications in flight at once.
const DEFAULT_CONCURRENCY: u16 = 4;

/// Arguments of `connections verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this account's connections (default: every account).
    #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
    account: Option<AccountName>,
    /// Verifications in flight at once (1–64); each is one createSession call.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// The Bluesky service and the time limit of each call, as `postcore serve` takes them.
    #[command(flatten)]
    platforms: PlatformArgs,
    #[command(flatten)]
    format: Format,
}

/// What one verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Outcome {
    /// The service accepted the app password.
    Valid,
    /// The service rejected it; the connection is now marked as needing a reconnect.
    Rejected,
    /// The service rejected it, but the connection was renewed or removed meanwhile:
    /// nothing was marked.
    ChangedMeanwhile,
    /// No answer that decides (timeout, 5xx, 429, an answer not understood): unchanged.
    Unavailable,
    /// No app password is stored (e.g. an imported connection): it needs a reconnect.
    NoAppPassword,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::Rejected => "rejected: marked",
            Outcome::ChangedMeanwhile => "rejected: changed meanwhile",
            Outcome::Unavailable => "unavailable",
            Outcome::NoAppPassword => "no app password",
        }
    }
}

/// One row of the report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    account: String,
    profile_key: String,
    handle: String,
    outcome: Outcome,
    /// Why, for rejections and failures (never a secret).
    detail: Option<String>,
    /// Whether the connection needs a reconnect after this check.
    needs_reconnect: bool,
}

#[derive(Serialize)]
struct Report {
    connections: Vec<Row>,
}

/// Verifies, reports, and exits 3 when any connection needs a reconnect afterwards.
pub async fn run(globals: &Globals, args: Args) -> anyhow::Result<Code> {
    let ctx = globals.open(Open::MustExist).await?;
    let account = ctx.optional_account(args.account.as_ref()).await?;
    let client = args.platforms.bluesky_client()?;
    let stored = ctx
        .store
        .platform_connections(account.map(|a| a.id), Platform::Bluesky)
        .await?;
    let bar = progress_bar(
        stored.len() as u64,
        "verifying {bar:40} {pos}/{len} Bluesky connections",
    );
    let ctx = &ctx;
    let (client, bar_ref) = (&client, &bar);
    let mut rows: Vec<Row> = futures::stream::iter(stored)
        .map(|s| async move {
            let row = verify_one(ctx, client, s).await;
            bar_ref.inc(1);
            row
        })
        .buffer_unordered(usize::from(args.concurrency))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    bar.finish_and_clear();
    rows.sort_by(|a, b| (&a.account, &a.profile_key).cmp(&(&b.account, &b.profile_key)));
    let any = rows.iter().any(|r| r.needs_reconnect);
    if args.format.json {
        print_json(&Report { connections: rows })?;
    } else {
        print_table(
            &["ACCOUNT", "PROFILE KEY", "HANDLE", "RESULT", "DETAIL"],
            rows.iter().map(|r| {
                vec![
                    r.account.clone(),
                    r.profile_key.clone(),
                    r.handle.clone(),
                    r.outcome.label().to_owned(),
                    r.detail.clone().unwrap_or_default(),
                ]
            }),
        );
        println!("{}", summary(&rows));
    }
    Ok(if any { Code::FoundAny } else { Code::Success })
}

/// `verified 5 Bluesky connections: 3 valid, 1 rejected (marked), 1 unavailable`.
fn summary(rows: &[Row]) -> String {
    let count = |o: Outcome| rows.iter().filter(|r| r.outcome == o).count();
    format!(
        "verified {} Bluesky connections: {} valid, {} rejected (marked as needing a reconnect), \
         {} rejected but changed meanwhile, {} unavailable (unchanged), {} without an app password",
        rows.len(),
        count(Outcome::Valid),
        count(Outcome::Rejected),
        count(Outcome::ChangedMeanwhile),
        count(Outcome::Unavailable),
        count(Outcome::NoAppPassword),
    )
}

/// One createSession call for `s`, and the mark when the service rejects it.
async fn verify_one(
    ctx: &crate::context::Context,
    client: &BlueskyClient,
    s: StoredConnection,
) -> anyhow::Result<Row> {
    let c = &s.connection;
    let (outcome, detail) = match (&s.credentials.app_password, c.did()) {
        (None, _) => (Outcome::NoAppPassword, None),
        (Some(password), did) => {
            let handle = postcore_domain::BlueskyHandle::parse(c.username()).ok();
            let identifier = match (did, &handle) {
                (Some(did), _) => Some(Identifier::Did(did)),
                (None, Some(h)) => Some(Identifier::Handle(h)),
                (None, None) => None,
            };
            match identifier {
                None => (
                    Outcome::Unavailable,
                    Some("the stored handle is not a valid handle and no DID is stored".into()),
                ),
                Some(identifier) => match client.create_session(identifier, password).await {
                    Ok(_) => (Outcome::Valid, None),
                    Err(PlatformError::Rejected(r)) => {
                        let marked = ctx
                            .store
                            .mark_revoked_if_unchanged(
                                s.account,
                                &s.profile_key,
                                Platform::Bluesky,
                                c.connected_at(),
                            )
                            .await?;
                        let outcome = if marked {
                            Outcome::Rejected
                        } else {
                            Outcome::ChangedMeanwhile
                        };
                        (outcome, Some(r.message()))
                    }
                    Err(e) => (Outcome::Unavailable, Some(e.to_string())),
                },
            }
        }
    };
    let needs_reconnect = match outcome {
        Outcome::Rejected | Outcome::NoAppPassword => true,
        Outcome::ChangedMeanwhile => false,
        Outcome::Valid | Outcome::Unavailable => c.needs_reconnect(ctx.now),
    };
    Ok(Row {
        account: s.account_name.to_string(),
        profile_key: s.profile_key.to_string(),
        handle: c.username().to_owned(),
        outcome,
        detail,
        needs_reconnect,
    })
}
