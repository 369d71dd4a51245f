//! `keys create|import|list|revoke`: API keys, stored as digests and shown once at
//! creation; `import` keeps a key made by the hosted service, read from standard input.

use super::Format;
use crate::context::{Globals, Open};
use crate::exit::Code;
use crate::input::{API_KEY_STDIN_HELP, api_key_from_stdin, confirm};
use crate::output::{print_table, text, ts};
use anyhow::Context as _;
use postcore_domain::format_timestamp;
use postcore_domain::{AccountName, KeyLabel};
use postcore_store::ApiKeyInfo;
use serde::Serialize;

/// `keys` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Make an API key; prints the key alone on stdout. It is shown this once: only its
    /// digest and display prefix are stored.
    Create {
        /// The account the key authenticates as.
        #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
        account: AccountName,
        /// A note for operators (at most 200 characters).
        #[arg(long, value_name = "TEXT", value_parser = KeyLabel::parse)]
        label: Option<KeyLabel>,
    },
    /// Keep an API key made by the hosted service, read from standard input.
    ///
    /// Its clients then change only their base URL. Only the key's digest and display
    /// prefix are stored, as `create` stores them; the output names the prefix and the
    /// account, never the key.
    #[command(after_help = API_KEY_STDIN_HELP)]
    Import {
        /// The account the key authenticates as.
        #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
        account: AccountName,
        /// A note for operators (at most 200 characters).
        #[arg(long, value_name = "TEXT", value_parser = KeyLabel::parse)]
        label: Option<KeyLabel>,
    },
    /// List API keys by age (prefix, label, created, last used, revoked — never the key).
    List {
        /// Only this account's keys.
        #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
        account: Option<AccountName>,
        #[command(flatten)]
        format: Format,
    },
    /// Revoke the key with this display prefix; it never authenticates again.
    Revoke {
        /// The prefix `keys list` shows (`pc_live_` + 6), or a unique shorter one.
        prefix: String,
        /// Confirm: revoking cannot be undone.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyJson {
    account: String,
    prefix: String,
    label: Option<String>,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

#[derive(Serialize)]
struct KeysJson {
    keys: Vec<KeyJson>,
}

impl From<ApiKeyInfo> for KeyJson {
    fn from(k: ApiKeyInfo) -> Self {
        Self {
            account: k.account_name.to_string(),
            prefix: k.prefix,
            label: k.label.map(String::from),
            created_at: format_timestamp(k.created_at),
            last_used_at: k.last_used_at.map(format_timestamp),
            revoked_at: k.revoked_at.map(format_timestamp),
        }
    }
}

/// Runs a `keys` subcommand.
pub async fn run(globals: &Globals, cmd: Command) -> anyhow::Result<Code> {
    match cmd {
        Command::Create { account, label } => {
            let ctx = globals.open(Open::MustExist).await?;
            let account = ctx.account(&account).await?;
            let (key, info) = ctx
                .store
                .create_api_key(account.id, label.as_ref(), ctx.now)
                .await
                .context("--label")?;
            println!("{}", key.expose_secret());
            eprintln!(
                "This API key is shown only once: store it now. Only its prefix {} is kept.",
                info.prefix
            );
        }
        Command::Import { account, label } => {
            // The key first: bad input is refused before the database is opened.
            let key = api_key_from_stdin()?;
            let ctx = globals.open(Open::MustExist).await?;
            let account = ctx.account(&account).await?;
            let info = ctx
                .store
                .import_api_key(account.id, &key, label.as_ref(), ctx.now)
                .await
                .with_context(|| format!("the API key {}…", key.display_prefix()))?;
            println!(
                "imported API key {} of account {}",
                info.prefix, info.account_name
            );
        }
        Command::List { account, format } => {
            let ctx = globals.open(Open::MustExist).await?;
            let account = ctx.optional_account(account.as_ref()).await?;
            let keys = ctx.store.list_api_keys(account.map(|a| a.id)).await?;
            if format.json {
                let keys = keys.into_iter().map(KeyJson::from).collect();
                crate::output::print_json(&KeysJson { keys })?;
            } else {
                print_table(
                    &[
                        "PREFIX",
                        "ACCOUNT",
                        "LABEL",
                        "CREATED",
                        "LAST USED",
                        "REVOKED",
                    ],
                    keys.into_iter().map(|k| {
                        vec![
                            k.prefix,
                            k.account_name.to_string(),
                            text(k.label.as_ref().map(KeyLabel::as_str)),
                            ts(Some(k.created_at)),
                            ts(k.last_used_at),
                            ts(k.revoked_at),
                        ]
                    }),
                );
            }
        }
        Command::Revoke { prefix, yes } => {
            // A whole key pasted here is a secret: messages show its display prefix only.
            let shown = displayed(&prefix);
            confirm(yes, &format!("revoking the API key {shown}"))?;
            let ctx = globals.open(Open::MustExist).await?;
            let info = ctx
                .store
                .revoke_api_key(&prefix, ctx.now)
                .await
                .with_context(|| format!("PREFIX {shown:?}"))?;
            println!(
                "revoked API key {} of account {}",
                info.prefix, info.account_name
            );
        }
    }
    Ok(Code::Success)
}

/// Characters of a key that `keys list` shows: `pc_live_` + 6.
const DISPLAY_PREFIX_CHARS: usize = 14;

/// `prefix` as messages may show it: at most the display prefix, `…` for the rest.
fn displayed(prefix: &str) -> String {
    match prefix.char_indices().nth(DISPLAY_PREFIX_CHARS) {
        Some((cut, _)) => format!("{}…", &prefix[..cut]),
        None => prefix.to_owned(),
    }
}
