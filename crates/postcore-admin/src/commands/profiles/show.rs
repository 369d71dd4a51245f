//! `profiles show KEY`: one profile and its connections, with expiry as of now.

use crate::output::{days, print_table, text, ts, yes_no};
use postcore_api::{ProfileDetail, WithAccount};
use postcore_domain::{ProfileName, Timestamp, format_timestamp};
use postcore_store::ProfileRecord;

/// Prints `r` of `account` at `now`: a header and a connections table, or JSON in the
/// shape of `GET /profiles/{profileKey}` plus the account.
pub fn print(account: &str, r: &ProfileRecord, now: Timestamp, json: bool) -> anyhow::Result<()> {
    if json {
        return crate::output::print_json(&WithAccount {
            account: account.into(),
            object: ProfileDetail::new(&r.profile, &r.connections, now),
        });
    }
    println!("profile   {}", r.profile.key());
    println!(
        "name      {}",
        text(r.profile.name().map(ProfileName::as_str))
    );
    println!("account   {account}");
    println!("created   {}", format_timestamp(r.profile.created_at()));
    println!();
    print_table(
        &[
            "PLATFORM",
            "DISPLAY NAME",
            "USERNAME",
            "CONNECTED",
            "EXPIRES",
            "DAYS",
            "RECONNECT",
        ],
        r.connections.iter().map(|c| {
            vec![
                c.platform().to_string(),
                c.display_name().to_owned(),
                c.username().to_owned(),
                ts(Some(c.connected_at())),
                ts(c.expires_at()),
                days(c.days_until_expiry(now)),
                yes_no(c.needs_reconnect(now)),
            ]
        }),
    );
    Ok(())
}
