//! Parsing of arguments and secret inputs: timestamps, secrets from files or stdin, `--yes`.

use crate::exit::bad_input;
use postcore_domain::{ApiKey, Timestamp, parse_timestamp};
use postcore_store::SecretString;
use std::io::{IsTerminal as _, Read as _};
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

/// Most bytes of standard input read for one API key (a key is at most 136 characters;
/// more is refused as malformed without reading on).
const API_KEY_INPUT_LIMIT: u64 = 4096;

/// What to do when standard input holds no key; shown in errors and `keys import --help`.
pub const API_KEY_STDIN_HELP: &str = "\
The key is read from standard input, never from an argument (a command line is visible to \
every user of the machine and kept in shell history): one line, surrounding whitespace \
removed, e.g. printf '%s\\n' \"$KEY\" | postcore-admin keys import --account acme \
(printf is a shell builtin, so the key stays out of ps). At a terminal the key is asked for \
and not shown as it is typed or pasted.";

/// Reads one API key from standard input — from the terminal with echo off when stdin is
/// one, else the piped text — and checks its shape ([`ApiKey::parse`]: `pc_live_` + 16 to
/// 128 base62 characters). Errors never contain what was read.
///
/// # Errors
/// Bad input (exit 2) for unreadable, empty, several-line or malformed input.
pub fn api_key_from_stdin() -> anyhow::Result<ApiKey> {
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        rpassword::prompt_password("API key (not shown): ")
            .map_err(|e| bad_input(format!("standard input: cannot read the API key: {e}")))?
    } else {
        let mut text = String::new();
        stdin
            .lock()
            .take(API_KEY_INPUT_LIMIT)
            .read_to_string(&mut text)
            .map_err(|e| bad_input(format!("standard input: cannot read the API key: {e}")))?;
        text
    };
    api_key_line(&text)
}

/// The API key that `text` holds as its one line, surrounding whitespace removed.
fn api_key_line(text: &str) -> anyhow::Result<ApiKey> {
    let line = text.trim();
    if line.is_empty() {
        return Err(bad_input(
            "standard input: no API key was given; pipe it in, e.g. \
             printf '%s\\n' \"$KEY\" | postcore-admin keys import --account NAME",
        ));
    }
    if line.contains(['\n', '\r']) {
        return Err(bad_input(
            "standard input: more than one line; give exactly one API key",
        ));
    }
    ApiKey::parse(line).map_err(|e| bad_input(format!("standard input: {e}")))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::{Code, code_of};

    fn refusal(text: &str) -> (Code, String) {
        let e = api_key_line(text).unwrap_err();
        (code_of(&e), e.to_string())
    }

    #[test]
    fn one_key_on_one_line_is_read_with_surrounding_whitespace_removed() {
        let key = format!("pc_live_{}", "Ab1".repeat(6));
        for text in [
            key.clone(),
            format!("{key}\n"),
            format!("{key}\r\n"),
            format!("  \t{key} \n\n"),
        ] {
            assert_eq!(
                api_key_line(&text).unwrap().expose_secret(),
                key,
                "{text:?}"
            );
        }
    }

    #[test]
    fn empty_several_line_and_malformed_input_is_bad_input_never_quoted() {
        let empty = "standard input: no API key was given; pipe it in, e.g. \
                     printf '%s\\n' \"$KEY\" | postcore-admin keys import --account NAME";
        for text in ["", "\n", "  \r\n\t"] {
            assert_eq!(
                refusal(text),
                (Code::BadInput, empty.to_owned()),
                "{text:?}"
            );
        }
        let key = format!("pc_live_{}", "Ab1".repeat(6));
        assert_eq!(
            refusal(&format!("{key}\n{key}\n")),
            (
                Code::BadInput,
                "standard input: more than one line; give exactly one API key".to_owned()
            )
        );
        let malformed = "standard input: an API key is `pc_live_` followed by 16 to 128 \
                         letters or digits";
        for text in [
            format!("pc_live_{}", "a".repeat(15)),
            format!("pc_live_{}", "a".repeat(129)),
            format!("x-api-key: {key}"),
            format!("pc_live_{} {}", "a".repeat(16), "b".repeat(16)),
        ] {
            let (code, message) = refusal(&text);
            assert_eq!(
                (code, message.as_str()),
                (Code::BadInput, malformed),
                "{text:?}"
            );
        }
    }
}
