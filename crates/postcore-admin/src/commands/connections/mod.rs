//! `connections add|remove|mark-reconnect|verify|refresh`: a profile's platform connections.

mod add;
mod refresh;
mod verify;

use crate::context::{Globals, Open, locate_profile};
use crate::exit::Code;
use crate::input::confirm;
use anyhow::Context as _;
use postcore_domain::AccountName;
use postcore_domain::{Platform, ProfileKey};

/// `connections` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Connect a platform to a profile, or renew the same platform account in place.
    Add(add::Args),
    /// Disconnect a platform and delete its stored secrets.
    Remove {
        #[command(flatten)]
        target: Target,
        /// Confirm: removing cannot be undone.
        #[arg(long)]
        yes: bool,
    },
    /// Mark a connection as needing a reconnect (its credentials were revoked); a renewal
    /// clears the mark.
    MarkReconnect(Target),
    /// Re-verify every stored Bluesky app password with the Bluesky service (one
    /// createSession call each): a definite rejection marks the connection as needing a
    /// reconnect; a timeout, 5xx or 429 changes nothing and is reported. Exits 3 when any
    /// connection needs a reconnect afterwards.
    Verify(verify::Args),
    /// Refresh LinkedIn access tokens that expire soon (once, for cron; the server does it
    /// in the background): `invalid_grant` or an expired refresh token marks the connection
    /// as needing a reconnect; a timeout, 5xx or 429 changes nothing and is retried later.
    /// Exits 3 when any connection was marked.
    Refresh(refresh::Args),
}

/// One platform of one profile.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// The profile key (`prof_…`).
    #[arg(value_parser = ProfileKey::parse)]
    pub key: ProfileKey,
    /// `linkedin` or `bluesky`.
    #[arg(long, value_parser = Platform::parse)]
    pub platform: Platform,
    /// Look only in this account (default: every account).
    #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
    pub account: Option<AccountName>,
}

/// Runs a `connections` subcommand.
pub async fn run(globals: &Globals, cmd: Command) -> anyhow::Result<Code> {
    match cmd {
        Command::Add(args) => add::run(globals, args).await?,
        Command::Verify(args) => return verify::run(globals, args).await,
        Command::Refresh(args) => return refresh::run(globals, args).await,
        Command::Remove { target, yes } => {
            confirm(
                yes,
                &format!("removing {} from {}", target.platform, target.key),
            )?;
            let ctx = globals.open(Open::MustExist).await?;
            let (account, _) = locate_profile(&ctx, &target.key, target.account.as_ref()).await?;
            ctx.store
                .disconnect(account.id, &target.key, target.platform, ctx.now)
                .await
                .with_context(|| format!("--platform {}", target.platform))?;
            println!("removed {} from profile {}", target.platform, target.key);
        }
        Command::MarkReconnect(target) => {
            let ctx = globals.open(Open::MustExist).await?;
            let (account, _) = locate_profile(&ctx, &target.key, target.account.as_ref()).await?;
            ctx.store
                .mark_revoked(account.id, &target.key, target.platform, ctx.now)
                .await
                .with_context(|| format!("--platform {}", target.platform))?;
            println!(
                "marked {} of profile {} as needing a reconnect",
                target.platform, target.key
            );
        }
    }
    Ok(Code::Success)
}
