//! `profiles show KEY`: one profile and its connections, with expiry as of now.

use crate::json::{ConnectionJson, ProfileJson};
use crate::output::{days, print_table, text, ts, yes_no};
use postcore_domain::{ProfileName, Timestamp, format_timestamp};
use postcore_store::ProfileRecord;
use serde::Serialize;

/// `profiles show --json`: the shape of `GET /profiles/{profileKey}` plus the account.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShowJson {
    account: String,
    profile: HeaderJson,
    connected_platforms: Vec<ConnectionJson>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HeaderJson {
    profile_key: String,
    profile_name: Option<String>,
    created_at: String,
}

/// Prints `r` of `account` at `now`: a header and a connections table, or JSON in the
/// shape of `GET /profiles/{profileKey}` plus the account.
pub fn print(account: &str, r: &ProfileRecord, now: Timestamp, json: bool) -> anyhow::Result<()> {
    if json {
        let p = ProfileJson::new(r, None, now);
        return crate::json::print(&ShowJson {
            account: account.to_owned(),
            profile: HeaderJson {
                profile_key: p.profile_key,
                profile_name: p.profile_name,
                created_at: p.created_at,
            },
            connected_platforms: p.connected_platforms,
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
