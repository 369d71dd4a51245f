//! `accounts create NAME`, `accounts list`: the tenants that own API keys and profiles; and
//! each account's allow-list of OAuth return URLs (`allow-return-url`, `return-urls`,
//! `remove-return-url`).

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
    /// Allow an OAuth flow of this account to send the browser back to URL (api.md §5.5:
    /// no open redirect). Matched byte for byte: `https://app.example.com/done` and
    /// `https://app.example.com/done/` are different URLs.
    AllowReturnUrl {
        /// The account.
        #[arg(value_parser = AccountName::parse)]
        name: AccountName,
        /// An absolute `https://` URL (`http://` only for localhost and 127.0.0.1), without
        /// a fragment.
        #[arg(value_parser = return_url)]
        url: String,
    },
    /// List the account's allowed return URLs.
    ReturnUrls {
        /// The account.
        #[arg(value_parser = AccountName::parse)]
        name: AccountName,
        #[command(flatten)]
        format: Format,
    },
    /// Remove a URL from the account's allowed return URLs.
    RemoveReturnUrl {
        /// The account.
        #[arg(value_parser = AccountName::parse)]
        name: AccountName,
        /// The URL, exactly as allowed.
        url: String,
    },
}

/// Longest return URL accepted, in bytes.
const RETURN_URL_MAX_BYTES: usize = 2000;

/// Checks a return URL: absolute, `https://` (or `http://` on localhost / 127.0.0.1 for
/// development), a host, no fragment, no spaces or control characters, at most 2000 bytes.
fn return_url(text: &str) -> Result<String, String> {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or("must start with https:// (or http:// for localhost)")?;
    let host_port = rest.split(['/', '?']).next().unwrap_or_default();
    let host = host_port.rsplit_once(':').map_or(host_port, |(h, _)| h);
    if host.is_empty() || host_port.contains('@') {
        return Err("needs a host (and no user:password@)".into());
    }
    if text.starts_with("http://") && !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
        return Err("http:// is only for localhost and 127.0.0.1; use https://".into());
    }
    if text.contains('#') {
        return Err("must not have a #fragment".into());
    }
    if text.len() > RETURN_URL_MAX_BYTES
        || text.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "at most {RETURN_URL_MAX_BYTES} bytes, without spaces or control characters"
        ));
    }
    Ok(text.to_owned())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReturnUrlsJson {
    account: String,
    return_urls: Vec<String>,
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
        Command::AllowReturnUrl { name, url } => {
            let ctx = globals.open(Open::MustExist).await?;
            let account = ctx.account(&name).await?;
            let added = ctx
                .store
                .allow_return_url(account.id, &url, ctx.now)
                .await?;
            let what = if added { "allowed" } else { "already allowed" };
            println!("{what}: return URL {url} for account {}", account.name);
        }
        Command::ReturnUrls { name, format } => {
            let ctx = globals.open(Open::MustExist).await?;
            let account = ctx.account(&name).await?;
            let urls = ctx.store.return_urls(account.id).await?;
            if format.json {
                crate::output::print_json(&ReturnUrlsJson {
                    account: account.name.to_string(),
                    return_urls: urls,
                })?;
            } else {
                for url in urls {
                    println!("{url}");
                }
            }
        }
        Command::RemoveReturnUrl { name, url } => {
            let ctx = globals.open(Open::MustExist).await?;
            let account = ctx.account(&name).await?;
            ctx.store
                .remove_return_url(account.id, &url)
                .await
                .with_context(|| format!("URL {url:?}"))?;
            println!("removed return URL {url} from account {}", account.name);
        }
    }
    Ok(Code::Success)
}

#[cfg(test)]
mod tests {
    use super::return_url;

    #[test]
    fn return_urls_must_be_absolute_https_without_fragments() {
        for ok in [
            "https://app.example.com/connected",
            "https://app.example.com:8443/x?tab=1",
            "http://localhost:3000/done",
            "http://127.0.0.1/done",
        ] {
            assert_eq!(return_url(ok), Ok(ok.to_owned()), "{ok}");
        }
        for (bad, why) in [
            (
                "app.example.com/x",
                "must start with https:// (or http:// for localhost)",
            ),
            (
                "javascript:alert(1)",
                "must start with https:// (or http:// for localhost)",
            ),
            ("https:///x", "needs a host (and no user:password@)"),
            (
                "https://u:p@evil.example/x",
                "needs a host (and no user:password@)",
            ),
            (
                "http://app.example.com/x",
                "http:// is only for localhost and 127.0.0.1; use https://",
            ),
            (
                "https://app.example.com/x#frag",
                "must not have a #fragment",
            ),
            (
                "https://app.example.com/a b",
                "at most 2000 bytes, without spaces or control characters",
            ),
        ] {
            assert_eq!(return_url(bad), Err(why.to_owned()), "{bad}");
        }
    }
}
