//! `ApiKey`: the secret that authenticates a caller to one account (api.md §1).

use std::fmt;

/// Prefix of every API key.
pub const API_KEY_PREFIX: &str = "pc_live_";
/// Base62 alphabet of the random part.
const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Length of the random part: 32 base62 characters ≈ 190.5 bits.
const RANDOM_LEN: usize = 32;
/// Characters of the random part kept in the display prefix (`pc_live_` + 6).
const DISPLAY_RANDOM_LEN: usize = 6;

/// A full API key: `pc_live_` + 32 base62 characters from the OS CSPRNG.
///
/// The full key is a secret: it is shown once at creation and otherwise exists only as a
/// SHA-256 digest in the store. `Debug` and `Display` redact everything but the display
/// prefix, so a key that reaches a log line by mistake does not leak.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// Why a presented text is not a well-formed API key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyError {
    /// The text is not `pc_live_` followed by exactly 32 base62 characters.
    #[error("an API key is `pc_live_` followed by 32 letters or digits")]
    Malformed,
}

impl ApiKey {
    /// Generates a new key from the OS CSPRNG.
    pub fn generate() -> Self {
        Self(format!(
            "{API_KEY_PREFIX}{}",
            crate::random_string(ALPHABET, RANDOM_LEN)
        ))
    }

    /// Checks the shape of a presented key (it says nothing of whether the key is known).
    ///
    /// # Errors
    /// [`ApiKeyError::Malformed`] for anything but `pc_live_` + 32 base62 characters.
    pub fn parse(text: &str) -> Result<Self, ApiKeyError> {
        match text.strip_prefix(API_KEY_PREFIX) {
            Some(rest)
                if rest.len() == RANDOM_LEN && rest.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                Ok(Self(text.to_owned()))
            }
            _ => Err(ApiKeyError::Malformed),
        }
    }

    /// The full secret key. Call it only to hash the key or to show it once to its owner.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// The non-secret display prefix, `pc_live_` + the first 6 random characters
    /// (e.g. `pc_live_a1B2c3`), by which operators tell keys apart.
    pub fn display_prefix(&self) -> &str {
        &self.0[..API_KEY_PREFIX.len() + DISPLAY_RANDOM_LEN]
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({}…)", self.display_prefix())
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}…", self.display_prefix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_the_documented_shape() {
        let key = ApiKey::generate();
        let text = key.expose_secret();
        assert_eq!(text.len(), 8 + 32);
        assert!(text.starts_with("pc_live_"));
        assert!(text[8..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(ApiKey::parse(text), Ok(key.clone()));
        assert_eq!(key.display_prefix(), &text[..14]);
    }

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let key = ApiKey::generate();
        for shown in [format!("{key:?}"), format!("{key}")] {
            assert!(!shown.contains(key.expose_secret()));
            assert!(shown.contains(key.display_prefix()));
        }
    }

    #[test]
    fn malformed_keys_are_rejected() {
        let good_rest = "a".repeat(32);
        for bad in [
            String::new(),
            "pc_live_".to_owned(),
            format!("pc_test_{good_rest}"),
            format!("pc_live_{}", "a".repeat(31)),
            format!("pc_live_{}", "a".repeat(33)),
            format!("pc_live_{}-", "a".repeat(31)),
            format!(" pc_live_{good_rest}"),
        ] {
            assert_eq!(ApiKey::parse(&bad), Err(ApiKeyError::Malformed), "{bad:?}");
        }
    }
}
