//! `expiring`: connections that expire within N days or need a reconnect, soonest first —
//! for operators, cron jobs and monitors (`--fail-if-any` exits 3 when any are found).

use super::Format;
use crate::context::{Globals, Open};
use crate::exit::Code;
use crate::output::{days, print_table, ts, yes_no};
use postcore_domain::AccountName;
use postcore_domain::{ExpiryStatus, expiry, format_timestamp};
use postcore_store::ConnectionReport;
use serde::Serialize;

/// Arguments of `expiring`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Report connections whose daysUntilExpiry is at most N (as the API's
    /// `expiringWithinDays`), besides every one that needs a reconnect.
    #[arg(long, value_name = "N", default_value_t = 7)]
    pub within_days: u32,
    /// Only this account's connections.
    #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
    pub account: Option<AccountName>,
    /// Exit 3 when the report is not empty (for cron jobs and monitors).
    #[arg(long)]
    pub fail_if_any: bool,
    #[command(flatten)]
    format: Format,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RowJson {
    account: String,
    profile_key: String,
    platform: String,
    username: String,
    expires_at: Option<String>,
    days_until_expiry: Option<i64>,
    needs_reconnect: bool,
}

#[derive(Serialize)]
struct ReportJson {
    connections: Vec<RowJson>,
}

/// Prints the report; exit 3 with `--fail-if-any` when it is not empty.
pub async fn run(globals: &Globals, args: Args) -> anyhow::Result<Code> {
    let ctx = globals.open(Open::MustExist).await?;
    let account = ctx.optional_account(args.account.as_ref()).await?;
    let within = i64::from(args.within_days);
    // daysUntilExpiry ≤ N exactly when expiresAt < now + (N + 1) days, to the nanosecond;
    // the domain's status decides each row, the store only narrows the candidates.
    let before = expiry::expiring_before(ctx.now, args.within_days);
    let rows: Vec<ConnectionReport> = ctx
        .store
        .connections_needing_attention(account.map(|a| a.id), before)
        .await?
        .into_iter()
        .filter(|r| r.connection.status(ctx.now, within) != ExpiryStatus::Valid)
        .collect();
    let found = !rows.is_empty();
    if args.format.json {
        let connections = rows
            .iter()
            .map(|r| RowJson {
                account: r.account_name.to_string(),
                profile_key: r.profile_key.to_string(),
                platform: r.connection.platform().to_string(),
                username: r.connection.username().to_owned(),
                expires_at: r.connection.expires_at().map(format_timestamp),
                days_until_expiry: r.connection.days_until_expiry(ctx.now),
                needs_reconnect: r.connection.needs_reconnect(ctx.now),
            })
            .collect();
        crate::output::print_json(&ReportJson { connections })?;
    } else {
        print_table(
            &[
                "ACCOUNT",
                "PROFILE KEY",
                "PLATFORM",
                "USERNAME",
                "EXPIRES AT",
                "DAYS",
                "RECONNECT",
            ],
            rows.iter().map(|r| {
                let c = &r.connection;
                vec![
                    r.account_name.to_string(),
                    r.profile_key.to_string(),
                    c.platform().to_string(),
                    c.username().to_owned(),
                    ts(c.expires_at()),
                    days(c.days_until_expiry(ctx.now)),
                    yes_no(c.needs_reconnect(ctx.now)),
                ]
            }),
        );
    }
    Ok(if found && args.fail_if_any {
        Code::FoundAny
    } else {
        Code::Success
    })
}
