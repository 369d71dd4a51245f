//! `AccountName` and `KeyLabel`: the operator's names for tenants and API keys.

use std::fmt;

/// Longest account name, in characters (Unicode scalar values).
pub const ACCOUNT_NAME_MAX_CHARS: usize = 100;
/// Longest API key label, in characters (Unicode scalar values).
pub const KEY_LABEL_MAX_CHARS: usize = 200;

/// The unique name of an account (a tenant, api.md §1): 1–100 characters, without
/// surrounding whitespace or control characters. Parsed where it enters (CLI arguments,
/// import files), so the store only ever sees valid names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "String", into = "String")
)]
pub struct AccountName(String);

/// Why a text is not an account name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountNameError {
    /// Empty.
    #[error("an account name must not be empty")]
    Empty,
    /// Starts or ends with whitespace.
    #[error("an account name must not start or end with whitespace")]
    SurroundingWhitespace,
    /// Longer than 100 characters.
    #[error("an account name is at most 100 characters, found {0}")]
    TooLong(usize),
    /// Holds a control character (such as NUL, a newline or a tab).
    #[error("an account name must not contain control characters")]
    ControlCharacter,
}

impl AccountName {
    /// Checks `text` (it is not trimmed: `" acme"` is refused, not changed).
    ///
    /// # Errors
    /// [`AccountNameError`] for an empty, padded, over-long or control-character name.
    pub fn parse(text: &str) -> Result<Self, AccountNameError> {
        if text.is_empty() {
            return Err(AccountNameError::Empty);
        }
        if text.trim() != text {
            return Err(AccountNameError::SurroundingWhitespace);
        }
        if text.chars().any(char::is_control) {
            return Err(AccountNameError::ControlCharacter);
        }
        let chars = text.chars().count();
        if chars > ACCOUNT_NAME_MAX_CHARS {
            return Err(AccountNameError::TooLong(chars));
        }
        Ok(Self(text.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An operator's label for an API key (`"acme backend"`): at most 200 characters, without
/// control characters, kept as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "String", into = "String")
)]
pub struct KeyLabel(String);

/// Why a text is not an API key label.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyLabelError {
    /// Longer than 200 characters.
    #[error("a key label is at most 200 characters, found {0}")]
    TooLong(usize),
    /// Holds a control character (such as NUL, a newline or a tab).
    #[error("a key label must not contain control characters")]
    ControlCharacter,
}

impl KeyLabel {
    /// Checks `text`.
    ///
    /// # Errors
    /// [`KeyLabelError`] for an over-long or control-character label.
    pub fn parse(text: &str) -> Result<Self, KeyLabelError> {
        if text.chars().any(char::is_control) {
            return Err(KeyLabelError::ControlCharacter);
        }
        let chars = text.chars().count();
        if chars > KEY_LABEL_MAX_CHARS {
            return Err(KeyLabelError::TooLong(chars));
        }
        Ok(Self(text.to_owned()))
    }

    /// The label as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! text_newtype_impls {
    ($ty:ident, $err:ident) => {
        impl TryFrom<String> for $ty {
            type Error = $err;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$ty> for String {
            fn from(v: $ty) -> Self {
                v.0
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_newtype_impls!(AccountName, AccountNameError);
text_newtype_impls!(KeyLabel, KeyLabelError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_are_checked_not_changed() {
        assert_eq!(AccountName::parse("acme").unwrap().as_str(), "acme");
        assert_eq!(AccountName::parse(""), Err(AccountNameError::Empty));
        assert_eq!(
            AccountName::parse(" acme"),
            Err(AccountNameError::SurroundingWhitespace)
        );
        assert_eq!(
            AccountName::parse("ac\u{0}me"),
            Err(AccountNameError::ControlCharacter)
        );
        let longest = "é".repeat(ACCOUNT_NAME_MAX_CHARS);
        assert_eq!(AccountName::parse(&longest).unwrap().as_str(), longest);
        assert_eq!(
            AccountName::parse(&"a".repeat(101)),
            Err(AccountNameError::TooLong(101))
        );
    }

    #[test]
    fn key_labels_allow_spaces_but_not_control_characters() {
        assert_eq!(
            KeyLabel::parse("acme backend").unwrap().as_str(),
            "acme backend"
        );
        assert_eq!(
            KeyLabel::parse("a\nb"),
            Err(KeyLabelError::ControlCharacter)
        );
        assert_eq!(
            KeyLabel::parse(&"x".repeat(201)),
            Err(KeyLabelError::TooLong(201))
        );
        assert_eq!(
            KeyLabel::parse(&"x".repeat(200)).unwrap().as_str().len(),
            200
        );
    }

    #[test]
    fn parse_and_display_round_trip() {
        for text in ["acme", "Acme Corp.", "日本"] {
            assert_eq!(AccountName::parse(text).unwrap().to_string(), text);
            assert_eq!(KeyLabel::parse(text).unwrap().to_string(), text);
        }
    }
}
