//! `connections add KEY --platform linkedin|bluesky …`: secrets from files or stdin only.

use super::Target;
use crate::context::{Globals, Open, locate_profile};
use crate::exit::bad_input;
use crate::input::{SECRETS_HELP, secret, timestamp};
use anyhow::Context as _;
use postcore_domain::{Connection, ConnectionError, Platform, Timestamp};
use postcore_store::{ConnectOutcome, Credentials};
use std::path::PathBuf;

/// Arguments of `connections add`; which apply depends on `--platform`.
#[derive(Debug, clap::Args)]
#[command(after_help = SECRETS_HELP)]
pub struct Args {
    #[command(flatten)]
    target: Target,
    /// Name shown on the platform (LinkedIn: required; Bluesky: defaults to the handle).
    #[arg(long, value_name = "TEXT", required_if_eq("platform", "linkedin"))]
    display_name: Option<String>,
    /// LinkedIn vanity name.
    #[arg(long, value_name = "TEXT", required_if_eq("platform", "linkedin"))]
    username: Option<String>,
    /// Bluesky handle, e.g. johndoe.bsky.social.
    #[arg(long, required_if_eq("platform", "bluesky"))]
    handle: Option<String>,
    /// Bluesky DID (`did:plc:…`).
    #[arg(long)]
    did: Option<String>,
    /// When the connection was made, RFC 3339 with any offset (default: now).
    #[arg(long, value_name = "TS", value_parser = timestamp)]
    connected_at: Option<Timestamp>,
    /// LinkedIn: when the token expires (default: connected-at + 60 days).
    #[arg(long, value_name = "TS", value_parser = timestamp)]
    expires_at: Option<Timestamp>,
    /// LinkedIn: read the access token from this file.
    #[arg(long, value_name = "F", conflicts_with = "access_token_stdin")]
    access_token_file: Option<PathBuf>,
    /// LinkedIn: read the access token from standard input.
    #[arg(long)]
    access_token_stdin: bool,
    /// LinkedIn: read the refresh token from this file.
    #[arg(long, value_name = "F")]
    refresh_token_file: Option<PathBuf>,
    /// Bluesky: read the app password from this file.
    #[arg(long, value_name = "F", conflicts_with = "app_password_stdin")]
    app_password_file: Option<PathBuf>,
    /// Bluesky: read the app password from standard input.
    #[arg(long)]
    app_password_stdin: bool,
}

/// Rejects each given argument that does not apply to `platform`.
fn only_for(platform: Platform, given: &[(&str, bool)]) -> anyhow::Result<()> {
    match given.iter().find(|(_, present)| *present) {
        Some((arg, _)) => Err(bad_input(format!("{arg}: only for --platform {platform}"))),
        None => Ok(()),
    }
}

/// A display name, username, handle or DID: 1–255 characters, no control characters.
fn field(arg: &str, value: &str) -> anyhow::Result<String> {
    let v = value.trim();
    if !postcore_domain::is_valid_connection_text(v) {
        return Err(bad_input(format!(
            "{arg}: 1 to 255 characters without control characters"
        )));
    }
    Ok(v.to_owned())
}

/// Connects (or renews) the platform with secrets read from files or stdin, in one
/// transaction.
pub async fn run(globals: &Globals, a: Args) -> anyhow::Result<()> {
    let platform = a.target.platform;
    let connected_at = a.connected_at.unwrap_or(globals.now);
    let (connection, credentials) = match platform {
        Platform::LinkedIn => {
            only_for(
                Platform::Bluesky,
                &[
                    ("--handle", a.handle.is_some()),
                    ("--did", a.did.is_some()),
                    ("--app-password-file", a.app_password_file.is_some()),
                    ("--app-password-stdin", a.app_password_stdin),
                ],
            )?;
            let display = field("--display-name", a.display_name.as_deref().unwrap_or(""))?;
            let username = field("--username", a.username.as_deref().unwrap_or(""))?;
            let mut c = Connection::new(platform, display, username, connected_at);
            if let Some(expires) = a.expires_at {
                if expires <= connected_at {
                    return Err(bad_input("--expires-at: must be after --connected-at"));
                }
                c = c.with_expires_at(Some(expires));
            }
            let credentials = Credentials {
                refresh_token_expires_at: None,
                access_token: secret(
                    a.access_token_file.as_deref(),
                    a.access_token_stdin,
                    "--access-token",
                )?,
                refresh_token: secret(
                    a.refresh_token_file.as_deref(),
                    false,
                    "--refresh-token-file",
                )?,
                app_password: None,
            };
            (c, credentials)
        }
        Platform::Bluesky => {
            only_for(
                Platform::LinkedIn,
                &[
                    ("--username", a.username.is_some()),
                    ("--expires-at", a.expires_at.is_some()),
                    ("--access-token-file", a.access_token_file.is_some()),
                    ("--access-token-stdin", a.access_token_stdin),
                    ("--refresh-token-file", a.refresh_token_file.is_some()),
                ],
            )?;
            let handle = field("--handle", a.handle.as_deref().unwrap_or(""))?;
            let display = match &a.display_name {
                Some(d) => field("--display-name", d)?,
                None => handle.clone(),
            };
            let did = a.did.as_deref().map(|d| field("--did", d)).transpose()?;
            let c = Connection::new(platform, display, handle, connected_at).with_did(did);
            let credentials = Credentials {
                app_password: secret(
                    a.app_password_file.as_deref(),
                    a.app_password_stdin,
                    "--app-password",
                )?,
                ..Credentials::default()
            };
            (c, credentials)
        }
    };
    // --expires-at cannot be later than 9999-12-31T23:59:59.999999999Z as RFC 3339, so an
    // instant out of range is the expiry computed from a late --connected-at.
    if let Err(e @ ConnectionError::OutOfRange(_)) = connection.validate() {
        return Err(bad_input(format!("--connected-at: {e}")));
    }
    let ctx = globals.open(Open::MustExist).await?;
    let key = &a.target.key;
    let (account, _) = locate_profile(&ctx, key, a.target.account.as_ref()).await?;
    let outcome = ctx
        .store
        .connect(account.id, key, connection, credentials)
        .await
        .with_context(|| format!("--platform {platform}"))?;
    let verb = match outcome {
        ConnectOutcome::Created => "connected",
        ConnectOutcome::Renewed => "renewed",
    };
    println!("{verb} {platform} on profile {key}");
    Ok(())
}
