//! `profiles create|list|show|rename|delete`: the end users of the developer's app.

mod list;
mod show;

use super::Format;
use crate::context::{Globals, Open, locate_profile};
use crate::exit::Code;
use crate::input::confirm;
use anyhow::Context as _;
use postcore_domain::AccountName;
use postcore_domain::{ProfileKey, ProfileName};

/// `profiles` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create a profile; prints its profileKey alone on stdout.
    Create {
        /// The owning account.
        #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
        account: AccountName,
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
        #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
        account: Option<AccountName>,
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
    #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
    pub account: Option<AccountName>,
    #[command(flatten)]
    format: Format,
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
            list::run(&ctx, account.as_ref(), format.json).await?;
        }
        Command::Show(target) => {
            let (account, record) =
                locate_profile(&ctx, &target.key, target.account.as_ref()).await?;
            show::print(account.name.as_str(), &record, ctx.now, target.format.json)?;
        }
        Command::Rename { target, name } => {
            let (account, _) = locate_profile(&ctx, &target.key, target.account.as_ref()).await?;
            let shown = name.to_string();
            ctx.store
                .rename_profile(account.id, &target.key, Some(name))
                .await
                .with_context(|| format!("KEY {}", target.key))?;
            println!("renamed profile {} to {shown:?}", target.key);
        }
        Command::Delete { target, yes } => {
            confirm(yes, &format!("deleting the profile {}", target.key))?;
            let (account, _) = locate_profile(&ctx, &target.key, target.account.as_ref()).await?;
            ctx.store
                .delete_profile(account.id, &target.key, ctx.now)
                .await
                .with_context(|| format!("KEY {}", target.key))?;
            println!("deleted profile {}", target.key);
        }
    }
    Ok(Code::Success)
}
