//! `demo [--account NAME]`: the seed document's example, dated relative to now, plus one
//! profile about to expire and one expired — a database to try the API against.

use super::Format;
use crate::context::{Globals, Open};
use crate::exit::Code;
use crate::output::{days, print_table, ts, yes_no};
use anyhow::Context as _;
use chrono::{Duration, DurationRound as _};
use postcore_api::ProfileObject;
use postcore_domain::{AccountName, KeyLabel};
use postcore_domain::{Connection, Platform, Profile, ProfileKey, ProfileName, Timestamp};
use postcore_store::ProfileRecord;
use serde::Serialize;

/// Arguments of `demo`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Made, with now = the time of the command (whole seconds):
  User: john@example.com  LinkedIn John Doe (johndoe), connected now - 5 days + 1 hour, so
                          daysUntilExpiry is 55 for the next hour; Bluesky johndoe.bsky.social
  User: jane@example.com  LinkedIn expires now + 3 days + 1 hour (daysUntilExpiry 3)
  User: max@example.com   LinkedIn expired a day ago (needsReconnect true)
The account is created when missing; a new API key labelled `demo` is made on every run.")]
pub struct Args {
    /// The account to seed; created when it does not exist.
    #[arg(long, value_name = "NAME", default_value = "demo", value_parser = AccountName::parse)]
    pub account: AccountName,
    #[command(flatten)]
    format: Format,
}

/// `demo --json`: the account, its new key, and the seeded profiles as `GET /profiles`
/// shows them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DemoJson<'a> {
    account: String,
    api_key: String,
    profiles: Vec<ProfileObject<'a>>,
}

fn name(text: &str) -> Option<ProfileName> {
    ProfileName::parse(text).ok()
}

fn linkedin(display: &str, user: &str, connected: Timestamp) -> Connection {
    Connection::new(Platform::LinkedIn, display, user, connected)
}

/// The three demo profiles at `now` (whole seconds), with fresh keys.
pub fn records(now: Timestamp) -> Vec<ProfileRecord> {
    let john_li = now - Duration::days(5) + Duration::hours(1);
    let jane_li = now + Duration::days(3) + Duration::hours(1) - Duration::days(60);
    let max_li = now - Duration::days(61);
    let half_hour = Duration::minutes(30);
    let profile = |label: &str, created: Timestamp, connections| ProfileRecord {
        profile: Profile::new(ProfileKey::generate(), name(label), created),
        connections,
    };
    let handle = "johndoe.bsky.social";
    vec![
        profile(
            "User: john@example.com",
            john_li - half_hour,
            vec![
                Connection::new(
                    Platform::Bluesky,
                    handle,
                    handle,
                    john_li + Duration::minutes(21 * 60 + 30),
                ),
                linkedin("John Doe", "johndoe", john_li),
            ],
        ),
        profile(
            "User: jane@example.com",
            jane_li - half_hour,
            vec![linkedin("Jane Roe", "janeroe", jane_li)],
        ),
        profile(
            "User: max@example.com",
            max_li - half_hour,
            vec![linkedin("Max Mustermann", "maxmustermann", max_li)],
        ),
    ]
}

/// Creates the account when missing, seeds the demo profiles and makes an API key for
/// them, in one transaction.
pub async fn run(globals: &Globals, args: Args) -> anyhow::Result<Code> {
    let ctx = globals.open(Open::MayCreate).await?;
    let now = ctx.now.duration_trunc(Duration::seconds(1))?;
    let records = records(now);
    let made = ctx
        .store
        .provision_account(
            &args.account,
            records.clone(),
            Some(&KeyLabel::parse("demo")?),
            now,
        )
        .await
        .with_context(|| format!("--account {:?}", args.account.as_str()))?;
    let (account, key) = (made.account, made.api_key);
    if args.format.json {
        return crate::output::print_json(&DemoJson {
            account: account.name.to_string(),
            api_key: key.expose_secret().to_owned(),
            profiles: records
                .iter()
                .map(|r| ProfileObject::new(&r.profile, &r.connections, now))
                .collect(),
        })
        .map(|()| Code::Success);
    }
    println!(
        "Seeded account {} with {} profiles:",
        account.name,
        records.len()
    );
    let rows = records.iter().flat_map(|r| {
        r.connections.iter().map(|c| {
            vec![
                r.profile.key().to_string(),
                r.profile
                    .name()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                c.platform().to_string(),
                c.username().to_owned(),
                ts(c.expires_at()),
                days(c.days_until_expiry(now)),
                yes_no(c.needs_reconnect(now)),
            ]
        })
    });
    print_table(
        &[
            "PROFILE KEY",
            "NAME",
            "PLATFORM",
            "USERNAME",
            "EXPIRES AT",
            "DAYS",
            "RECONNECT",
        ],
        rows,
    );
    println!("API key (shown only once): {}", key.expose_secret());
    println!(
        "Try: curl -H \"x-api-key: {}\" http://127.0.0.1:8080/profiles",
        key.expose_secret()
    );
    Ok(Code::Success)
}
