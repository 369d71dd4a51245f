//! Parsing of arguments and secret inputs: timestamps, secrets from files or stdin, `--yes`.

use crate::exit::bad_input;
use postcore_domain::{Timestamp, parse_timestamp};
use postcore_store::SecretString;
use std::io::Read as _;
use std::path::Path;

/// Why secrets are read from files or stdin only; shown in `connections add --help`.
pub const SECRETS_HELP: &str = "\
Secrets are never accepted as arguments: a command line is visible to every user of the \
machine (ps, /proc) and is kept in shell history. Give an access token or app password in a \
file (--access-token-file, --refresh-token-file, --app-password-file) or on standard input \
(--access-token-stdin, --app-password-stdin); surrounding whitespace is removed.";

/// A clap value parser for RFC 3339 timestamps with any offset, normalised to UTC
/// (api.md §1).
///
/// # Errors
/// A message that clap prints after the argument's name.
pub fn timestamp(text: &str) -> Result<Timestamp, String> {
    parse_timestamp(text)
        .map_err(|e| format!("not an RFC 3339 timestamp such as 2025-01-01T12:00:00Z ({e})"))
}

/// Reads a secret from `file`, or from standard input when `stdin` is set; `None` when
/// neither is given. `arg` names the argument in errors, which never contain the secret.
///
/// # Errors
/// Bad input (exit 2) for an unreadable file or an empty secret.
pub fn secret(file: Option<&Path>, stdin: bool, arg: &str) -> anyhow::Result<Option<SecretString>> {
    let text = match (file, stdin) {
        (Some(path), _) => std::fs::read_to_string(path)
            .map_err(|e| bad_input(format!("{arg}: cannot read {}: {e}", path.display())))?,
        (None, true) => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| bad_input(format!("{arg}: cannot read standard input: {e}")))?;
            text
        }
        (None, false) => return Ok(None),
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(bad_input(format!("{arg}: the secret is empty")));
    }
    Ok(Some(SecretString::from(trimmed.to_owned())))
}

/// Refuses a destructive action without `--yes`: nothing is changed and the error says so
/// (exit 2).
///
/// # Errors
/// Bad input when `yes` is false.
pub fn confirm(yes: bool, action: &str) -> anyhow::Result<()> {
    if yes {
        Ok(())
    } else {
        Err(bad_input(format!(
            "--yes: {action} cannot be undone; repeat with --yes to confirm (nothing was changed)"
        )))
    }
}
