//! `connections refresh`: one pass of the token refresher, for cron — renews LinkedIn
//! access tokens that expire soon, exactly as the server's background task does.

use crate::commands::Format;
use crate::context::{Globals, Open};
use crate::exit::{Code, bad_input};
use crate::output::{print_json, print_table, ts};
use postcore_domain::{AccountName, format_timestamp};
use postcore_platforms::linkedin::LinkedInClient;
use postcore_platforms::{LinkedInArgs, PlatformArgs};
use postcore_refresh::{RefreshReport, RefreshResult, RefreshRow, RefreshSettings, refresh_due};
use serde::Serialize;

/// Arguments of `connections refresh`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this account's connections (default: every account).
    #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
    account: Option<AccountName>,
    /// Report what is due only: claim, call and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Refresh access tokens that expire within this many days, 0–59 (60 would renew a fresh 60-day token on every run).
    #[arg(long, value_name = "N", default_value_t = 7,
          value_parser = clap::value_parser!(u16).range(0..=59))]
    lead_days: u16,
    /// LinkedIn's OAuth settings, as `postcore serve` takes them.
    #[command(flatten)]
    linkedin: LinkedInArgs,
    /// The time limit of each call, as `postcore serve` takes it.
    #[command(flatten)]
    platforms: PlatformArgs,
    #[command(flatten)]
    format: Format,
}

/// One row of `--json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    account: String,
    profile_key: String,
    platform: &'static str,
    expires_at: Option<String>,
    result: &'static str,
    /// For `retry-later`: from when (UTC).
    retry_at: Option<String>,
    needs_reconnect: bool,
}

#[derive(Serialize)]
struct Report {
    connections: Vec<Row>,
}

/// `(json name, table label)` of a result.
fn names(result: RefreshResult) -> (&'static str, String) {
    match result {
        RefreshResult::Refreshed => ("refreshed", "refreshed".into()),
        RefreshResult::Rejected => ("rejected", "rejected: marked (reconnect)".into()),
        RefreshResult::RefreshTokenExpired => (
            "refresh-token-expired",
            "refresh token expired: marked (reconnect)".into(),
        ),
        RefreshResult::RetryLater(at) => (
            "retry-later",
            format!("failed: retry after {}", format_timestamp(at)),
        ),
        RefreshResult::LostRace => ("lost-race", "taken by another refresher".into()),
        RefreshResult::WouldRefresh => ("would-refresh", "due (dry run)".into()),
    }
}

/// Runs one pass and reports it; exits 3 when any connection was marked as needing a
/// reconnect, 0 otherwise (failures to retry later included: they change nothing).
pub async fn run(globals: &Globals, args: Args) -> anyhow::Result<Code> {
    let config = args
        .linkedin
        // A refresh sends no redirect URI: the public URL is not needed here.
        .config(Some("http://127.0.0.1"))
        .map_err(|e| bad_input(e.to_string()))?
        .ok_or_else(|| {
            bad_input(
                "LinkedIn is not configured: set POSTCORE_LINKEDIN_CLIENT_ID (with its secret), \
                 as for `postcore serve`",
            )
        })?;
    let client = LinkedInClient::new(config, args.platforms.limits())
        .map_err(|e| bad_input(e.to_string()))?;
    let ctx = globals.open(Open::MustExist).await?;
    let account = ctx.optional_account(args.account.as_ref()).await?;
    let settings = RefreshSettings {
        lead: chrono::Duration::days(i64::from(args.lead_days)),
        ..RefreshSettings::default()
    }
    .for_call_timeout(args.platforms.limits().total_timeout);
    let report = refresh_due(
        &*ctx.store,
        &client,
        ctx.now,
        &settings,
        account.map(|a| a.id),
        args.dry_run,
    )
    .await?;
    if args.format.json {
        print_json(&Report {
            connections: report.rows.iter().map(json_row).collect(),
        })?;
    } else {
        print_table(
            &["ACCOUNT", "PROFILE KEY", "EXPIRES AT", "RESULT"],
            report.rows.iter().map(|r| {
                vec![
                    r.account_name.to_string(),
                    r.profile_key.to_string(),
                    ts(r.expires_at),
                    names(r.result).1,
                ]
            }),
        );
        println!("{}", summary(&report, args.dry_run));
    }
    Ok(if report.needs_reconnect() > 0 {
        Code::FoundAny
    } else {
        Code::Success
    })
}

fn json_row(r: &RefreshRow) -> Row {
    Row {
        account: r.account_name.to_string(),
        profile_key: r.profile_key.to_string(),
        platform: r.platform.as_str(),
        expires_at: r.expires_at.map(format_timestamp),
        result: names(r.result).0,
        retry_at: match r.result {
            RefreshResult::RetryLater(at) => Some(format_timestamp(at)),
            _ => None,
        },
        needs_reconnect: r.result.needs_reconnect(),
    }
}

/// `LinkedIn connections due: 3; 1 refreshed, 1 marked as needing a reconnect, …`.
fn summary(report: &RefreshReport, dry_run: bool) -> String {
    let due = report.rows.len();
    if dry_run {
        return format!(
            "LinkedIn connections due: {due} (dry run: nothing claimed, called or changed)"
        );
    }
    format!(
        "LinkedIn connections due: {due}; {} refreshed, {} marked as needing a reconnect, {} \
         to retry later (unchanged), {} taken by another refresher",
        report.refreshed(),
        report.needs_reconnect(),
        report.retry_later(),
        report.lost_race(),
    )
}
