//! `accounts create NAME`, `accounts list`: the tenants that own API keys and profiles.

use super::Format;
use crate::context::{Globals, Open};
use crate::exit::Code;
use crate::output::{print_table, ts};
use anyhow::Context as _;
use postcore_domain::AccountName;
use postcore_domain::format_timestamp;
use serde::Serialize;

/// `accounts` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create an account (1–100 characters, no surrounding spaces); creates the database
    /// when it does not exist.
    Create {
        /// The account's unique name.
        #[arg(value_parser = AccountName::parse)]
        name: AccountName,
    },
    /// List accounts by name.
    List {
        #[command(flatten)]
        format: Format,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountJson {
    name: String,
    created_at: String,
}

#[derive(Serialize)]
struct AccountsJson {
    accounts: Vec<AccountJson>,
}

/// Runs an `accounts` subcommand.
pub async fn run(globals: &Globals, cmd: Command) -> anyhow::Result<Code> {
    match cmd {
        Command::Create { name } => {
            let ctx = globals.open(Open::MayCreate).await?;
            let account = ctx
                .store
                .create_account(&name, ctx.now)
                .await
                .with_context(|| format!("NAME {:?}", name.as_str()))?;
            println!("created account {}", account.name);
        }
        Command::List { format } => {
            let ctx = globals.open(Open::MustExist).await?;
            let accounts = ctx.store.list_accounts().await?;
            if format.json {
                crate::output::print_json(&AccountsJson {
                    accounts: accounts
                        .into_iter()
                        .map(|a| AccountJson {
                            name: a.name.to_string(),
                            created_at: format_timestamp(a.created_at),
                        })
                        .collect(),
                })?;
            } else {
                print_table(
                    &["NAME", "CREATED"],
                    accounts
                        .into_iter()
                        .map(|a| vec![a.name.to_string(), ts(Some(a.created_at))]),
                );
            }
        }
    }
    Ok(Code::Success)
}
