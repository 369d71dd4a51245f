//! `ProfileKey`: the public identifier of a profile (`prof_…`, api.md §1).

use std::fmt;
use std::str::FromStr;

/// Prefix of every profile key.
const PREFIX: &str = "prof_";
/// Alphabet of generated keys: lowercase letters and digits (api.md §1).
const GENERATED_ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Length of the random part of a generated key: 16 characters of 36 = 82.7 bits.
pub(crate) const GENERATED_LEN: usize = 16;
/// Longest random part accepted when parsing (keys imported from the hosted service).
pub(crate) const MAX_ACCEPTED_LEN: usize = 64;

/// A profile key: `prof_` followed by 1–64 ASCII letters or digits.
///
/// Generated keys are `prof_` + 16 lowercase letters/digits from the OS CSPRNG (api.md §1);
/// parsing accepts the wider form so that keys imported from the hosted service, such as
/// `prof_abc123def456`, stay valid. Keys are case-sensitive and immutable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "String", into = "String")
)]
pub struct ProfileKey(String);

/// Why a text is not a profile key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileKeyError {
    /// The text does not start with `prof_`.
    #[error("a profile key starts with `prof_`")]
    MissingPrefix,
    /// Nothing follows the prefix.
    #[error("a profile key has 1 to 64 letters or digits after `prof_`, found none")]
    Empty,
    /// More than 64 characters follow the prefix.
    #[error("a profile key has at most 64 letters or digits after `prof_`, found {0}")]
    TooLong(usize),
    /// A character after the prefix is not an ASCII letter or digit.
    #[error("a profile key has only ASCII letters or digits after `prof_`")]
    InvalidCharacter,
}

impl ProfileKey {
    /// Generates a new key: `prof_` + 16 lowercase letters/digits from the OS CSPRNG
    /// (≈ 82.7 bits of randomness).
    pub fn generate() -> Self {
        Self(format!(
            "{PREFIX}{}",
            crate::random_string(GENERATED_ALPHABET, GENERATED_LEN)
        ))
    }

    /// Parses an accepted key: `prof_` + 1–64 ASCII letters/digits.
    ///
    /// # Errors
    /// [`ProfileKeyError`] naming the first rule the text breaks.
    pub fn parse(text: &str) -> Result<Self, ProfileKeyError> {
        let rest = text
            .strip_prefix(PREFIX)
            .ok_or(ProfileKeyError::MissingPrefix)?;
        if rest.is_empty() {
            return Err(ProfileKeyError::Empty);
        }
        if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ProfileKeyError::InvalidCharacter);
        }
        if rest.len() > MAX_ACCEPTED_LEN {
            return Err(ProfileKeyError::TooLong(rest.len()));
        }
        Ok(Self(text.to_owned()))
    }

    /// The key as text, e.g. `prof_abc123def456`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ProfileKey {
    type Err = ProfileKeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for ProfileKey {
    type Error = ProfileKeyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ProfileKey> for String {
    fn from(k: ProfileKey) -> Self {
        k.0
    }
}

impl AsRef<str> for ProfileKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProfileKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_shows_as_itself() {
        let key = ProfileKey::parse("prof_k3v9x0q2m7d1w8za").unwrap();
        assert_eq!(key.to_string(), "prof_k3v9x0q2m7d1w8za");
        assert_eq!(AsRef::<str>::as_ref(&key), "prof_k3v9x0q2m7d1w8za");
    }

    #[test]
    fn generated_keys_have_the_documented_shape_and_parse_back() {
        for _ in 0..200 {
            let key = ProfileKey::generate();
            let rest = key.as_str().strip_prefix("prof_").unwrap();
            assert_eq!(rest.len(), 16);
            assert!(
                rest.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            );
            assert_eq!(ProfileKey::parse(key.as_str()), Ok(key.clone()));
        }
    }

    #[test]
    fn generated_keys_are_distinct() {
        let keys: std::collections::HashSet<_> =
            (0..1000).map(|_| ProfileKey::generate()).collect();
        assert_eq!(keys.len(), 1000);
    }

    #[test]
    fn hosted_service_keys_are_accepted() {
        for ok in [
            "prof_abc123def456",
            "prof_abc123",
            "prof_A",
            "prof_ABCxyz09",
        ] {
            assert_eq!(ProfileKey::parse(ok).unwrap().as_str(), ok);
        }
        let longest = format!("prof_{}", "a".repeat(64));
        assert_eq!(ProfileKey::parse(&longest).unwrap().as_str(), longest);
    }

    #[test]
    fn malformed_keys_are_rejected_with_the_rule_they_break() {
        let cases: &[(&str, ProfileKeyError)] = &[
            ("", ProfileKeyError::MissingPrefix),
            ("abc123", ProfileKeyError::MissingPrefix),
            ("PROF_abc", ProfileKeyError::MissingPrefix),
            (" prof_abc", ProfileKeyError::MissingPrefix),
            ("prof_", ProfileKeyError::Empty),
            ("prof_abc-123", ProfileKeyError::InvalidCharacter),
            ("prof_abc 123", ProfileKeyError::InvalidCharacter),
            ("prof_../etc", ProfileKeyError::InvalidCharacter),
            ("prof_abc'--", ProfileKeyError::InvalidCharacter),
            ("prof_é", ProfileKeyError::InvalidCharacter),
            ("prof_abc\0", ProfileKeyError::InvalidCharacter),
        ];
        for (text, err) in cases {
            assert_eq!(ProfileKey::parse(text).as_ref(), Err(err), "{text:?}");
        }
        let too_long = format!("prof_{}", "a".repeat(65));
        assert_eq!(
            ProfileKey::parse(&too_long),
            Err(ProfileKeyError::TooLong(65))
        );
    }
}
