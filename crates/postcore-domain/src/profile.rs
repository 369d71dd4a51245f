//! `Profile` and its optional label `ProfileName` (api.md §2).

use crate::{ProfileKey, Timestamp};
use std::fmt;

/// Longest profile name, in characters (Unicode scalar values) after trimming.
pub const PROFILE_NAME_MAX_CHARS: usize = 255;

/// A profile's optional label: trimmed, 1–255 characters, no control characters (api.md §2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "String", into = "String")
)]
pub struct ProfileName(String);

/// Why a text is not a profile name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileNameError {
    /// Empty, or only whitespace.
    #[error("profileName must not be empty")]
    Empty,
    /// Longer than 255 characters after trimming.
    #[error("profileName must be at most 255 characters, found {0}")]
    TooLong(usize),
    /// Holds a control character (such as NUL, a newline or a tab).
    #[error("profileName must not contain control characters")]
    ControlCharacter,
}

impl ProfileName {
    /// Trims `text` and checks it.
    ///
    /// # Errors
    /// [`ProfileNameError`] for empty, over-long or control-character names.
    pub fn parse(text: &str) -> Result<Self, ProfileNameError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(ProfileNameError::Empty);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ProfileNameError::ControlCharacter);
        }
        let chars = trimmed.chars().count();
        if chars > PROFILE_NAME_MAX_CHARS {
            return Err(ProfileNameError::TooLong(chars));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ProfileName {
    type Error = ProfileNameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ProfileName> for String {
    fn from(n: ProfileName) -> Self {
        n.0
    }
}

impl fmt::Display for ProfileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A profile: one end user of the developer's app (api.md §2). Connections are held
/// beside it, not inside, because most reads need one or the other.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Profile {
    key: ProfileKey,
    name: Option<ProfileName>,
    created_at: Timestamp,
}

impl Profile {
    /// A profile with the given key, optional name and creation instant (UTC).
    pub fn new(key: ProfileKey, name: Option<ProfileName>, created_at: Timestamp) -> Self {
        Self {
            key,
            name,
            created_at,
        }
    }

    /// The profile key.
    pub fn key(&self) -> &ProfileKey {
        &self.key
    }

    /// The optional label.
    pub fn name(&self) -> Option<&ProfileName> {
        self.name.as_ref()
    }

    /// When the profile was created (UTC).
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }

    /// Replaces the label.
    pub fn set_name(&mut self, name: Option<ProfileName>) {
        self.name = name;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_shows_its_key_name_and_creation_and_is_renamed_in_place() {
        let key = ProfileKey::parse("prof_k3v9x0q2m7d1w8za").unwrap();
        let created = chrono::DateTime::from_timestamp(1_736_166_600, 0).unwrap();
        let name = ProfileName::parse("John").unwrap();
        assert_eq!(name.to_string(), "John");
        let mut profile = Profile::new(key.clone(), Some(name.clone()), created);
        assert_eq!(profile.key(), &key);
        assert_eq!(profile.name(), Some(&name));
        assert_eq!(profile.created_at(), created);
        profile.set_name(None);
        assert_eq!(profile.name(), None);
        let renamed = ProfileName::parse("Jane").unwrap();
        profile.set_name(Some(renamed.clone()));
        assert_eq!(profile.name(), Some(&renamed));
    }

    #[test]
    fn names_are_trimmed() {
        assert_eq!(
            ProfileName::parse("  User: john@example.com \u{3000}")
                .unwrap()
                .as_str(),
            "User: john@example.com"
        );
    }

    #[test]
    fn length_is_counted_in_characters() {
        let longest = "é".repeat(255);
        assert_eq!(ProfileName::parse(&longest).unwrap().as_str(), longest);
        assert_eq!(
            ProfileName::parse(&"é".repeat(256)),
            Err(ProfileNameError::TooLong(256))
        );
        assert_eq!(
            ProfileName::parse(&"x".repeat(10_000)),
            Err(ProfileNameError::TooLong(10_000))
        );
    }

    #[test]
    fn bad_names_are_rejected() {
        assert_eq!(ProfileName::parse(""), Err(ProfileNameError::Empty));
        assert_eq!(ProfileName::parse(" \t\n "), Err(ProfileNameError::Empty));
        for bad in ["a\0b", "a\nb", "a\u{7f}b", "a\u{9b}b", "a\tb"] {
            assert_eq!(
                ProfileName::parse(bad),
                Err(ProfileNameError::ControlCharacter),
                "{bad:?}"
            );
        }
    }
}
