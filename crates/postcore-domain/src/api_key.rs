//! `ApiKey`: the secret that authenticates a caller to one account (api.md §1).

use std::fmt;
use std::ops::RangeInclusive;

/// Prefix of every API key.
pub const API_KEY_PREFIX: &str = "pc_live_";
/// Base62 alphabet of the random part.
const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Length of the random part of a generated key: 32 base62 characters ≈ 190.5 bits.
const RANDOM_LEN: usize = 32;
/// Lengths of the random part accepted from a caller: the hosted service's keys, which
/// `postcore-admin keys import` brings over unchanged, have 16 to 128 base62 characters.
const ACCEPTED_RANDOM_LEN: RangeInclusive<usize> = 16..=128;
/// Characters of the random part kept in the display prefix (`pc_live_` + 6).
const DISPLAY_RANDOM_LEN: usize = 6;

/// A full API key: `pc_live_` + base62 characters — 32 from the OS CSPRNG for a key made
/// here, 16 to 128 for one made by the hosted service and imported.
///
/// The full key is a secret: it is shown once at creation (an imported key not even
/// then) and otherwise exists only as a SHA-256 digest in the store. `Debug` and
/// `Display` redact everything but the display prefix (`pc_live_` + 6, whatever the
/// key's length), so a key that reaches a log line by mistake does not leak.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

/// Why a presented text is not a well-formed API key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyError {
    /// The text is not `pc_live_` followed by 16 to 128 base62 characters. The message
    /// never quotes the text, which may be a secret.
    #[error("an API key is `pc_live_` followed by 16 to 128 letters or digits")]
    Malformed,
}

impl ApiKey {
    /// Generates a new key from the OS CSPRNG: `pc_live_` + 32 base62 characters.
    pub fn generate() -> Self {
        Self(format!(
            "{API_KEY_PREFIX}{}",
            crate::random_string(ALPHABET, RANDOM_LEN)
        ))
    }

    /// Checks the shape of a presented key (it says nothing of whether the key is known):
    /// `pc_live_` + 16 to 128 ASCII letters or digits, nothing around it. Generated keys
    /// (32) and the hosted service's keys both pass.
    ///
    /// # Errors
    /// [`ApiKeyError::Malformed`] for anything else.
    pub fn parse(text: &str) -> Result<Self, ApiKeyError> {
        match text.strip_prefix(API_KEY_PREFIX) {
            Some(rest)
                if ACCEPTED_RANDOM_LEN.contains(&rest.len())
                    && rest.bytes().all(|b| b.is_ascii_alphanumeric()) =>
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
    fn hosted_keys_of_16_to_128_characters_are_accepted() {
        for len in [16, 17, 31, 32, 33, 64, 127, 128] {
            let text = format!("pc_live_{}", &"aZ9".repeat(43)[..len]);
            let key = ApiKey::parse(&text).unwrap_or_else(|e| panic!("{len}: {e}"));
            assert_eq!(key.expose_secret(), text);
            assert_eq!(key.display_prefix(), "pc_live_aZ9aZ9", "{len}");
        }
    }

    #[test]
    fn malformed_keys_are_rejected() {
        let good_rest = "a".repeat(32);
        for bad in [
            String::new(),
            "pc_live_".to_owned(),
            format!("pc_test_{good_rest}"),
            format!("pc_live_{}", "a".repeat(15)),
            format!("pc_live_{}", "a".repeat(129)),
            format!("pc_live_{}-", "a".repeat(31)),
            format!("pc_live_{}_", "a".repeat(16)),
            format!("pc_live_{}é", "a".repeat(16)),
            format!(" pc_live_{good_rest}"),
            format!("pc_live_{good_rest}\n"),
            format!("PC_LIVE_{good_rest}"),
        ] {
            assert_eq!(ApiKey::parse(&bad), Err(ApiKeyError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn the_error_message_names_the_accepted_shape() {
        assert_eq!(
            ApiKeyError::Malformed.to_string(),
            "an API key is `pc_live_` followed by 16 to 128 letters or digits"
        );
    }

    proptest::proptest! {
        /// Every base62 text of 16 to 128 characters after `pc_live_` is a key, kept as
        /// given, shown by its first 14 characters.
        #[test]
        fn every_base62_key_of_an_accepted_length_parses(rest in "[0-9A-Za-z]{16,128}") {
            let text = format!("pc_live_{rest}");
            let key = ApiKey::parse(&text).unwrap();
            proptest::prop_assert_eq!(key.expose_secret(), text.as_str());
            proptest::prop_assert_eq!(key.display_prefix(), &text[..14]);
            let shown = format!("{key:?} {key}");
            proptest::prop_assert!(!shown.contains(&rest[6..]));
        }

        /// Too short or too long is malformed, whatever the characters.
        #[test]
        fn base62_keys_of_other_lengths_are_malformed(
            rest in "[0-9A-Za-z]{0,15}|[0-9A-Za-z]{129,200}"
        ) {
            proptest::prop_assert_eq!(
                ApiKey::parse(&format!("pc_live_{rest}")),
                Err(ApiKeyError::Malformed)
            );
        }

        /// One character outside base62 anywhere in an otherwise good key is malformed.
        #[test]
        fn a_non_base62_character_anywhere_is_malformed(
            rest in "[0-9A-Za-z]{32}",
            at in 0usize..32,
            bad in "[^0-9A-Za-z]",
        ) {
            let mut chars: Vec<char> = rest.chars().collect();
            chars[at] = bad.chars().next().unwrap();
            let text = format!("pc_live_{}", chars.into_iter().collect::<String>());
            proptest::prop_assert_eq!(ApiKey::parse(&text), Err(ApiKeyError::Malformed));
        }
    }
}
