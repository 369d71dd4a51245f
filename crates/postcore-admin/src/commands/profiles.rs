//! `profiles create|list|show|rename|delete`: the end users of the developer's app.

use super::Format;
use crate::context::{Globals, Open, locate_profile};
use crate::exit::Code;
use crate::input::confirm;
use crate::json::{ConnectionJson, ProfileJson};
use crate::output::{days, print_table, text, ts, yes_no};
use anyhow::Context as _;
use futures::TryStreamExt as _;
use postcore_domain::{ProfileKey, ProfileName, Timestamp, format_timestamp};
use postcore_store::ProfileRecord;
use serde::Serialize;

/// `profiles` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a profile; prints its profileKey alone on stdout.
    Create {
        /// The owning account.
        #[arg(long, value_name = "NAME")]
        account: String,
        /// An optional label, 1–255 characters after trimming.
        #[arg(long, value_name = "TEXT", value_parser = ProfileName::parse)]
        name: Option<ProfileName>,
        /// Use this key instead of a generated one (e.g. one kept from the hosted API).
        #[arg(long, value_name = "prof_…", value_parser = ProfileKey::parse)]
        key: Option<ProfileKey>,
    },
    /// List profiles (of one account or all) with their connected platforms.
    List {
        /// Only this account's profiles.
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
        #[command(flatten)]
        format: Format,
    },
    /// Show one profile and its connections, with expiry as of now.
    Show(KeyArgs),
    /// Change a profile's label.
    Rename {
        #[command(flatten)]
        target: KeyArgs,
        /// The new label, 1–255 characters after trimming.
        #[arg(value_parser = ProfileName::parse)]
        name: ProfileName,
    },
    /// Delete a profile with its connections and their stored secrets.
    Delete {
        #[command(flatten)]
        target: KeyArgs,
        /// Confirm: deleting cannot be undone.
        #[arg(long)]
        yes: bool,
    },
}

/// A profile named by its key, optionally within one account.
#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    /// The profile key (`prof_…`).
    #[arg(value_parser = ProfileKey::parse)]
    pub key: ProfileKey,
    /// Look only in this account (default: every account; keys are unique).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    #[command(flatten)]
    format: Format,
}

#[derive(Serialize)]
struct ProfilesJson {
    profiles: Vec<ProfileJson>,
}

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

/// Runs a `profiles` subcommand.
pub async fn run(globals: &Globals, cmd: Command) -> anyhow::Result<Code> {
    let ctx = globals.open(Open::MustExist).await?;
    match cmd {
        Command::Create { account, name, key } => {
            let account = ctx.account(&account).await?;
            let shown = key.as_ref().map(ToString::to_string);
            let profile = ctx
                .store
                .create_profile(account.id, key, name, ctx.now)
                .await
                .map_err(|e| match shown {
                    Some(k) => anyhow::Error::new(e).context(format!("--key {k}")),
                    None => e.into(),
                })?;
            println!("{}", profile.key());
        }
        Command::List { account, format } => {
            let accounts = match account {
                Some(name) => vec![ctx.account(&name).await?],
                None => ctx.store.list_accounts().await?,
            };
            let mut all = Vec::new();
            for account in accounts {
                let records: Vec<ProfileRecord> =
                    ctx.store.stream_profiles(account.id).try_collect().await?;
                all.extend(records.into_iter().map(|r| (account.name.clone(), r)));
            }
            if format.json {
                let profiles = all
                    .iter()
                    .map(|(a, r)| ProfileJson::new(r, Some(a), ctx.now))
                    .collect();
                crate::json::print(&ProfilesJson { profiles })?;
            } else {
                print_table(
                    &["PROFILE KEY", "ACCOUNT", "NAME", "CREATED", "PLATFORMS"],
                    all.into_iter().map(|(a, r)| row(a, &r)),
                );
            }
        }
        Command::Show(target) => {
            let (account, record) =
                locate_profile(&ctx, &target.key, target.account.as_deref()).await?;
            show(&account.name, &record, ctx.now, target.format.json)?;
        }
        Command::Rename { target, name } => {
            let (account, _) = locate_profile(&ctx, &target.key, target.account.as_deref()).await?;
            let shown = name.to_string();
            ctx.store
                .rename_profile(account.id, &target.key, Some(name))
                .await
                .with_context(|| format!("KEY {}", target.key))?;
            println!("renamed profile {} to {shown:?}", target.key);
        }
        Command::Delete { target, yes } => {
            confirm(yes, &format!("deleting the profile {}", target.key))?;
            let (account, _) = locate_profile(&ctx, &target.key, target.account.as_deref()).await?;
            ctx.store
                .delete_profile(account.id, &target.key)
                .await
                .with_context(|| format!("KEY {}", target.key))?;
            println!("deleted profile {}", target.key);
        }
    }
    Ok(Code::Success)
}

fn row(account: String, r: &ProfileRecord) -> Vec<String> {
    let platforms: Vec<&str> = r
        .connections
        .iter()
        .map(|c| c.platform().as_str())
        .collect();
    vec![
        r.profile.key().to_string(),
        account,
        text(r.profile.name().map(ProfileName::as_str)),
        ts(Some(r.profile.created_at())),
        if platforms.is_empty() {
            "-".to_owned()
        } else {
            platforms.join(", ")
        },
    ]
}

fn show(account: &str, r: &ProfileRecord, now: Timestamp, json: bool) -> anyhow::Result<()> {
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
