//! `connections verify`: re-verifies every stored Bluesky app password with the service,
//! marks the ones it definitely rejects as needing a reconnect, and reports the rest.

use crate::commands::Format;
use crate::context::{Context, Globals, Open};
use crate::exit::Code;
use crate::output::{print_json, print_table, progress_bar, yes_no};
use futures::StreamExt as _;
use postcore_domain::{AccountName, Platform};
use postcore_platforms::bluesky::{BlueskyClient, Identifier};
use postcore_platforms::{PlatformArgs, PlatformError};
use postcore_store::StoredConnection;
use serde::Serialize;

/// Default number of verifications in flight at once.
const DEFAULT_CONCURRENCY: u16 = 4;
/// With at least this many connections checked, a run in which the service rejects every
/// one marks none (without `--mark-all`): that is a wrong `--bluesky-service`, not users.
const ALL_REJECTED_GUARD: usize = 3;

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
    /// Report only: mark nothing.
    #[arg(long)]
    dry_run: bool,
    /// Mark rejected connections even when the service rejects every one checked (3 or
    /// more), which otherwise marks none: that usually means a wrong --bluesky-service.
    #[arg(long)]
    mark_all: bool,
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
    /// The service rejected it, and it was not marked (`--dry-run`, or every connection
    /// was rejected and `--mark-all` was not given).
    RejectedNotMarked,
    /// The service rejected it, but the connection was renewed or removed meanwhile:
    /// nothing was marked.
    ChangedMeanwhile,
    /// No answer that decides (timeout, 5xx, 429, an answer not understood): unchanged.
    Unavailable,
    /// No app password is stored (e.g. added by an operator without one): not checked,
    /// left as it is.
    NoAppPassword,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::Rejected => "rejected: marked",
            Outcome::RejectedNotMarked => "rejected: not marked",
            Outcome::ChangedMeanwhile => "rejected: changed meanwhile",
            Outcome::Unavailable => "unavailable",
            Outcome::NoAppPassword => "not checked: no app password",
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

/// Verifies every connection, then marks the rejected ones (unless told not to), reports,
/// and exits 3 when any connection needs a reconnect afterwards; 1 when the service could
/// not check any, or rejected every one and so nothing was marked.
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
    let (client, bar_ref) = (&client, &bar);
    let mut checked: Vec<Checked> = futures::stream::iter(stored)
        .map(|s| async move {
            let checked = check(client, s).await;
            bar_ref.inc(1);
            checked
        })
        .buffer_unordered(usize::from(args.concurrency))
        .collect()
        .await;
    bar.finish_and_clear();
    checked.sort_by(|a, b| {
        (&a.stored.account_name, &a.stored.profile_key)
            .cmp(&(&b.stored.account_name, &b.stored.profile_key))
    });
    let verified = checked
        .iter()
        .filter(|c| !matches!(c.result, Check::NoAppPassword))
        .count();
    let rejected = checked
        .iter()
        .filter(|c| matches!(c.result, Check::Rejected(_)))
        .count();
    let all_rejected = rejected == verified && verified >= ALL_REJECTED_GUARD;
    let guarded = all_rejected && !args.dry_run && !args.mark_all;
    let mark = !args.dry_run && !guarded;
    if guarded {
        eprintln!(
            "{service} rejected all {verified} app passwords checked: nothing was marked. This \
             usually means --bluesky-service names the wrong service; if it is right, run \
             again with --mark-all.",
            service = client.service()
        );
    }
    let mut rows = Vec::with_capacity(checked.len());
    for c in checked {
        rows.push(settle(&ctx, c, mark).await?);
    }
    let unavailable = rows
        .iter()
        .filter(|r| r.outcome == Outcome::Unavailable)
        .count();
    let any = rows.iter().any(|r| r.needs_reconnect);
    if args.format.json {
        print_json(&Report { connections: rows })?;
    } else {
        print_table(
            &[
                "ACCOUNT",
                "PROFILE KEY",
                "HANDLE",
                "RESULT",
                "RECONNECT",
                "DETAIL",
            ],
            rows.iter().map(|r| {
                vec![
                    r.account.clone(),
                    r.profile_key.clone(),
                    r.handle.clone(),
                    r.outcome.label().to_owned(),
                    yes_no(r.needs_reconnect),
                    r.detail.clone().unwrap_or_default(),
                ]
            }),
        );
        println!("{}", summary(&rows));
    }
    Ok(if guarded {
        Code::Failure
    } else if verified > 0 && unavailable == verified {
        eprintln!(
            "{} could not check any connection: nothing was verified",
            client.service()
        );
        Code::Failure
    } else if any {
        Code::FoundAny
    } else {
        Code::Success
    })
}

/// `verified 5 Bluesky connections: 3 valid, 1 rejected (marked), 1 unavailable`.
fn summary(rows: &[Row]) -> String {
    let count = |o: Outcome| rows.iter().filter(|r| r.outcome == o).count();
    format!(
        "verified {} Bluesky connections: {} valid, {} rejected (marked as needing a reconnect), \
         {} rejected but not marked, {} rejected but changed meanwhile, {} unavailable \
         (unchanged), {} without an app password (not checked)",
        rows.len(),
        count(Outcome::Valid),
        count(Outcome::Rejected),
        count(Outcome::RejectedNotMarked),
        count(Outcome::ChangedMeanwhile),
        count(Outcome::Unavailable),
        count(Outcome::NoAppPassword),
    )
}

/// What the service said of one stored connection.
enum Check {
    Valid,
    Rejected(String),
    Unavailable(String),
    NoAppPassword,
}

/// A connection with the service's answer.
struct Checked {
    stored: StoredConnection,
    result: Check,
}

/// One createSession call for `s`, by its DID (or its handle when no DID is stored).
async fn check(client: &BlueskyClient, s: StoredConnection) -> Checked {
    let c = &s.connection;
    let handle = postcore_domain::BlueskyHandle::parse(c.username()).ok();
    let identifier = match (c.did(), &handle) {
        (Some(did), _) => Some(Identifier::Did(did)),
        (None, Some(h)) => Some(Identifier::Handle(h)),
        (None, None) => None,
    };
    let result = match (&s.credentials.app_password, identifier) {
        (None, _) => Check::NoAppPassword,
        (Some(_), None) => Check::Unavailable(
            "the stored handle is not a valid handle and no DID is stored".into(),
        ),
        (Some(password), Some(identifier)) => {
            match client.create_session(identifier, password).await {
                Ok(_) => Check::Valid,
                Err(PlatformError::Rejected(r)) => Check::Rejected(r.message()),
                Err(e) => Check::Unavailable(e.to_string()),
            }
        }
    };
    Checked { stored: s, result }
}

/// The report row of `c`, marking it first when it was rejected and `mark` is set.
async fn settle(ctx: &Context, c: Checked, mark: bool) -> anyhow::Result<Row> {
    let s = &c.stored;
    let conn = &s.connection;
    let (outcome, detail) = match c.result {
        Check::Valid => (Outcome::Valid, None),
        Check::NoAppPassword => (Outcome::NoAppPassword, None),
        Check::Unavailable(why) => (Outcome::Unavailable, Some(why)),
        Check::Rejected(why) if !mark => (Outcome::RejectedNotMarked, Some(why)),
        Check::Rejected(why) => {
            let marked = ctx
                .store
                .mark_revoked_if_unchanged(
                    s.account,
                    &s.profile_key,
                    Platform::Bluesky,
                    conn.connected_at(),
                    ctx.now,
                )
                .await?;
            let outcome = if marked {
                Outcome::Rejected
            } else {
                Outcome::ChangedMeanwhile
            };
            (outcome, Some(why))
        }
    };
    let needs_reconnect = match outcome {
        // Rejected by the service: it needs a reconnect, marked or not.
        Outcome::Rejected | Outcome::RejectedNotMarked => true,
        Outcome::ChangedMeanwhile => false,
        _ => conn.needs_reconnect(ctx.now),
    };
    Ok(Row {
        account: s.account_name.to_string(),
        profile_key: s.profile_key.to_string(),
        handle: conn.username().to_owned(),
        outcome,
        detail,
        needs_reconnect,
    })
}
