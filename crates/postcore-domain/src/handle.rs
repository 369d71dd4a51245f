//! `BlueskyHandle` and `is_valid_did`: the atproto identifier syntax PostCore accepts.
//!
//! Sources: the atproto handle specification (<https://atproto.com/specs/handle>) and DID
//! specification (<https://atproto.com/specs/did>), and the reference implementation in
//! `@atproto/syntax` (`handle.ts`, `did.ts`), whose checks and disallowed TLDs these follow.

use std::fmt;

/// Longest handle, in characters (a DNS name: 253).
pub const HANDLE_MAX_CHARS: usize = 253;

/// Longest label (the part between dots) of a handle, in characters.
const LABEL_MAX_CHARS: usize = 63;

/// Longest DID PostCore accepts, in characters (atproto's hard limit).
pub const DID_MAX_CHARS: usize = 2048;

/// Top-level domains that atproto refuses at registration (special-use and reserved
/// names). `.test` is deliberately allowed, as in the reference implementation.
const DISALLOWED_TLDS: [&str; 8] = [
    ".local",
    ".arpa",
    ".invalid",
    ".localhost",
    ".internal",
    ".example",
    ".alt",
    ".onion",
];

/// A normalised, valid Bluesky (atproto) handle such as `alice.bsky.social`: lowercase
/// ASCII, at most 253 characters, at least two dot-separated labels.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BlueskyHandle(String);

/// Why a handle is refused. Messages name the API field `credentials.handle` and say what
/// is wrong; none repeats the input (only, for a reserved domain, our own TLD name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HandleError {
    /// Nothing left after trimming and removing the `@`.
    #[error("credentials.handle: required, a Bluesky handle such as alice.bsky.social")]
    Empty,
    /// Over 253 characters.
    #[error("credentials.handle: must be at most 253 characters")]
    TooLong,
    /// A character other than ASCII letters, digits, `-` and `.`.
    #[error(
        "credentials.handle: only ASCII letters, digits, hyphens and dots are allowed, as in alice.bsky.social"
    )]
    Characters,
    /// Fewer than two labels.
    #[error(
        "credentials.handle: must have at least two parts separated by dots, as in alice.bsky.social"
    )]
    TooFewLabels,
    /// An empty label (two dots in a row, or a leading or trailing dot), or one over 63.
    #[error("credentials.handle: each part between dots must be 1 to 63 characters")]
    LabelLength,
    /// A label that starts or ends with `-`.
    #[error("credentials.handle: a part between dots cannot start or end with a hyphen")]
    LabelHyphen,
    /// The last label starts with a digit.
    #[error("credentials.handle: the last part must start with a letter")]
    TldStartsWithDigit,
    /// A reserved top-level domain (`.local`, `.onion`, …).
    #[error("credentials.handle: handles under {0} cannot be used on Bluesky")]
    DisallowedTld(&'static str),
}

impl BlueskyHandle {
    /// Normalises then validates a handle as typed by a user: trims surrounding whitespace,
    /// removes one leading `@`, lowercases ASCII letters; then checks the atproto handle
    /// syntax and refuses reserved TLDs.
    ///
    /// # Errors
    /// [`HandleError`] saying which rule the handle breaks.
    pub fn parse(input: &str) -> Result<Self, HandleError> {
        let trimmed = input.trim();
        let handle = trimmed
            .strip_prefix('@')
            .unwrap_or(trimmed)
            .to_ascii_lowercase();
        validate(&handle)?;
        Ok(Self(handle))
    }

    /// The handle, lowercase.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn validate(handle: &str) -> Result<(), HandleError> {
    if handle.is_empty() {
        return Err(HandleError::Empty);
    }
    if !handle
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        return Err(HandleError::Characters);
    }
    if handle.len() > HANDLE_MAX_CHARS {
        return Err(HandleError::TooLong);
    }
    let labels: Vec<&str> = handle.split('.').collect();
    if labels.len() < 2 {
        return Err(HandleError::TooFewLabels);
    }
    for label in &labels {
        if label.is_empty() || label.len() > LABEL_MAX_CHARS {
            return Err(HandleError::LabelLength);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(HandleError::LabelHyphen);
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.starts_with(|c: char| c.is_ascii_digit()))
    {
        return Err(HandleError::TldStartsWithDigit);
    }
    if let Some(tld) = DISALLOWED_TLDS.iter().find(|tld| handle.ends_with(*tld)) {
        return Err(HandleError::DisallowedTld(tld));
    }
    Ok(())
}

impl fmt::Display for BlueskyHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `text` is an atproto DID (<https://atproto.com/specs/did>): `did:`, a method of
/// lowercase letters, `:`, then an identifier of `[A-Za-z0-9._:%-]` that does not end in
/// `:` or `%`; at most 2,048 characters. Methods are not restricted to `plc` and `web`.
pub fn is_valid_did(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("did:") else {
        return false;
    };
    let Some((method, identifier)) = rest.split_once(':') else {
        return false;
    };
    text.len() <= DID_MAX_CHARS
        && !method.is_empty()
        && method.bytes().all(|b| b.is_ascii_lowercase())
        && !identifier.is_empty()
        && identifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:%-".contains(&b))
        && !identifier.ends_with([':', '%'])
}
