//! Exit codes that scripts can rely on, and the mapping from errors to them.

use postcore_store::{SettingsError, StoreError};

/// The exit codes of `postcore-admin` (also in `--help` and the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Code {
    /// 0: the command did what was asked.
    Success = 0,
    /// 1: any other failure (database unreadable, wrong secret key, IO, …).
    Failure = 1,
    /// 2: bad input — a usage error, a malformed value, or a destructive command without
    /// `--yes`; nothing was changed.
    BadInput = 2,
    /// 3: `expiring --fail-if-any` found connections needing attention, or
    /// `connections verify` left connections that need a reconnect, or `connections refresh`
    /// marked some as needing one.
    FoundAny = 3,
    /// 4: the named account, API key, profile, connection, webhook endpoint or database
    /// does not exist.
    NotFound = 4,
    /// 5: the change collides with existing data (name or key taken, platform connected
    /// to another account, backup file exists, `migrate-to` destination not empty);
    /// nothing was changed.
    Conflict = 5,
}

/// The exit-code table shown at the end of `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  any other failure (database unreadable, wrong secret key, IO error)
  2  bad input: usage error, malformed value, or a destructive command without --yes
     (nothing was changed)
  3  `expiring --fail-if-any` found connections that expire soon or need a reconnect,
     or `connections verify` left connections that need a reconnect,
     or `connections refresh` marked connections as needing a reconnect
  4  not found: account, API key, profile, connection, webhook endpoint or database
  5  conflict: name or key taken, platform connected to another account, file exists,
     migrate-to destination not empty";

/// An error that carries its own exit code; its message names the argument at fault.
#[derive(Debug)]
pub struct Failure {
    code: Code,
    message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Bad input (exit 2): `message` should name the argument.
pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
    Failure {
        code: Code::BadInput,
        message: message.into(),
    }
    .into()
}

/// Conflict (exit 5): the change collides with what is stored.
pub fn conflict(message: impl Into<String>) -> anyhow::Error {
    Failure {
        code: Code::Conflict,
        message: message.into(),
    }
    .into()
}

/// Not found (exit 4).
pub fn not_found(message: impl Into<String>) -> anyhow::Error {
    Failure {
        code: Code::NotFound,
        message: message.into(),
    }
    .into()
}

/// The exit code of an error: a [`Failure`]'s own, else 2 for a [`SettingsError`] (a
/// setting given but unusable, such as a blank `POSTCORE_SECRET_KEY`), else by the first
/// [`StoreError`] in the chain (not found 4, conflict 5, invalid data 2), else 1.
pub fn code_of(err: &anyhow::Error) -> Code {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.code;
        }
        if cause.downcast_ref::<SettingsError>().is_some() {
            return Code::BadInput;
        }
        if let Some(e) = cause.downcast_ref::<StoreError>() {
            return match e {
                StoreError::NotFound(_) => Code::NotFound,
                StoreError::Conflict(_) => Code::Conflict,
                StoreError::InvalidData(_) => Code::BadInput,
                _ => Code::Failure,
            };
        }
    }
    Code::Failure
}

/// Prints a clap error and returns its exit code: help and version exit 0; a malformed
/// value is shown as its one-line message; other usage errors as clap renders them (2).
/// An API key given where none belongs (`keys import --account acme pc_live_…`) is shown
/// by its display prefix only: clap quotes the arguments it refuses.
pub fn clap_error(e: &clap::Error) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::ValueValidation | ErrorKind::InvalidValue => {
            let rendered = redact_api_keys(&e.render().to_string());
            eprintln!(
                "{}",
                rendered.lines().next().unwrap_or("error: invalid value")
            );
            std::process::ExitCode::from(Code::BadInput as u8)
        }
        _ => {
            let rendered = e.render().to_string();
            if rendered.contains(API_KEY_PREFIX) && e.use_stderr() {
                eprint!("{}", redact_api_keys(&rendered));
            } else {
                let _ = e.print();
            }
            std::process::ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
    }
}

/// The start of every API key (api.md §1).
const API_KEY_PREFIX: &str = "pc_live_";

/// Characters of an API key's random part that operators see (`keys list`'s prefix).
const SHOWN_RANDOM_CHARS: usize = 6;

/// `text` with every run of letters and digits after `pc_live_` cut to the display
/// prefix's 6 and `…`, so that no API key is shown whole.
fn redact_api_keys(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(API_KEY_PREFIX) {
        let (before, after) = rest.split_at(at + API_KEY_PREFIX.len());
        out.push_str(before);
        let run = after
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(after.len());
        if run > SHOWN_RANDOM_CHARS {
            out.push_str(&after[..SHOWN_RANDOM_CHARS]);
            out.push('…');
        } else {
            out.push_str(&after[..run]);
        }
        rest = &after[run..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_api_keys;

    #[test]
    fn api_keys_are_cut_to_their_display_prefix() {
        assert_eq!(
            redact_api_keys("error: unexpected argument 'pc_live_Abc123xyzXYZ0123456789' found"),
            "error: unexpected argument 'pc_live_Abc123…' found"
        );
        assert_eq!(
            redact_api_keys("a pc_live_ab, pc_live_abcdef and pc_live_abcdefg;pc_live_"),
            "a pc_live_ab, pc_live_abcdef and pc_live_abcdef…;pc_live_"
        );
        assert_eq!(redact_api_keys("no key here"), "no key here");
    }
}
