//! Endpoint signing secrets (Standard Webhooks, "Signature scheme": `whsec_` + base64 of
//! 24 to 64 random bytes), and which secrets sign during a rotation.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use postcore_domain::Timestamp;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use std::fmt;

/// The prefix of a secret's text form.
pub const SECRET_PREFIX: &str = "whsec_";
/// Fewest key bytes a secret may have (192 bits; Standard Webhooks).
pub const MIN_SECRET_BYTES: usize = 24;
/// Most key bytes a secret may have (512 bits; Standard Webhooks).
pub const MAX_SECRET_BYTES: usize = 64;
/// Key bytes of a generated secret (256 bits).
pub const GENERATED_SECRET_BYTES: usize = 32;
/// How long a rotated-out secret keeps signing: 24 hours from its own rotation (issue 13).
pub const ROTATION_OVERLAP: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// Most retired secrets that may still be signing at once (each within its own
/// [`ROTATION_OVERLAP`]): an attempt carries at most this many signatures besides the
/// current one's. A rotation that would retire one more is refused, never shortening a
/// window already promised to receivers; it is possible again once the oldest window ends.
pub const MAX_RETIRED_SECRETS: usize = 3;

/// One endpoint's signing secret: the HMAC key bytes, kept in a [`SecretBox`] (zeroed on
/// drop). Its `Debug` shows `WebhookSecret(redacted)` and it has no `Display`: the text
/// form leaves only through [`WebhookSecret::to_text`], to be shown once to the app and
/// stored (encrypted) by the caller.
pub struct WebhookSecret(SecretBox<[u8]>);

/// Why a text is not a signing secret. The messages never quote the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// It does not start with `whsec_`.
    #[error("a webhook secret starts with whsec_")]
    MissingPrefix,
    /// What follows `whsec_` is not standard base64 (RFC 4648 §4, with padding).
    #[error("a webhook secret is whsec_ followed by standard base64")]
    NotBase64,
    /// The key is not 24 to 64 bytes long.
    #[error("a webhook secret holds 24 to 64 bytes, not {bytes}")]
    WrongLength {
        /// The decoded key's length in bytes.
        bytes: usize,
    },
}

impl WebhookSecret {
    /// A new secret of [`GENERATED_SECRET_BYTES`] bytes from the operating system's CSPRNG.
    ///
    /// # Panics
    /// When the operating system's random source fails (no safe secret can be made).
    pub fn generate() -> Self {
        let mut key = vec![0u8; GENERATED_SECRET_BYTES];
        getrandom::fill(&mut key).expect("the operating system's random source failed");
        Self(SecretBox::new(key.into_boxed_slice()))
    }

    /// Reads `whsec_<base64>` (surrounding whitespace ignored), whose key is 24–64 bytes.
    ///
    /// # Errors
    /// [`SecretError`], which never holds the text.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::MissingPrefix)?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::NotBase64)?;
        let key = SecretBox::new(key.into_boxed_slice());
        let bytes = key.expose_secret().len();
        if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&bytes) {
            return Err(SecretError::WrongLength { bytes });
        }
        Ok(Self(key))
    }

    /// The text form, `whsec_` + standard base64 of the key: what the app is shown once
    /// and what the caller stores.
    pub fn to_text(&self) -> SecretString {
        let text = format!("{SECRET_PREFIX}{}", STANDARD.encode(self.0.expose_secret()));
        SecretString::from(text)
    }

    /// The HMAC key bytes.
    pub(crate) fn key(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(redacted)")
    }
}

/// A secret that was rotated out, and the instant it stops signing.
#[derive(Debug)]
pub struct RetiredSecret {
    /// The rotated-out secret.
    pub secret: WebhookSecret,
    /// The first instant it no longer signs: the rotation's instant + [`ROTATION_OVERLAP`].
    pub signs_until: Timestamp,
}

impl RetiredSecret {
    /// `secret`, rotated out at `rotated_at`: it signs until `rotated_at` + 24 hours.
    pub fn rotated_at(secret: WebhookSecret, rotated_at: Timestamp) -> Self {
        Self {
            secret,
            signs_until: rotated_at + ROTATION_OVERLAP,
        }
    }
}

/// The secrets that sign one attempt, the current one first; never empty, so no attempt
/// goes out unsigned. Built by [`signing_secrets`] or [`SigningKeys::one`].
#[derive(Debug, Clone)]
pub struct SigningKeys<'a>(pub(crate) Vec<&'a WebhookSecret>);

impl<'a> SigningKeys<'a> {
    /// `secret` alone (an endpoint with no rotation under way).
    pub fn one(secret: &'a WebhookSecret) -> Self {
        Self(vec![secret])
    }

    /// The secrets, in signing order.
    pub fn secrets(&self) -> &[&'a WebhookSecret] {
        &self.0
    }
}

/// The secrets that sign an attempt made at `now`: `current`, then each of `retired` (in
/// the order given: the store gives the most recently retired first) while `now` is before
/// its own `signs_until` (Standard Webhooks, "zero downtime secret rotation": each secret
/// gives one `v1,` entry of `webhook-signature`, and a receiver that knows any of them
/// verifies). Every retired secret keeps its own window: a later rotation never shortens it.
pub fn signing_secrets<'a>(
    current: &'a WebhookSecret,
    retired: &'a [RetiredSecret],
    now: Timestamp,
) -> SigningKeys<'a> {
    let retired = retired
        .iter()
        .filter(|r| now < r.signs_until)
        .map(|r| &r.secret);
    SigningKeys(std::iter::once(current).chain(retired).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use postcore_domain::parse_timestamp;

    /// The secret of the Standard Webhooks libraries' signing test (24 bytes).
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn a_generated_secret_is_whsec_and_32_bytes_and_reads_back() {
        let secret = WebhookSecret::generate();
        let text = secret.to_text();
        let text = text.expose_secret();
        assert!(text.starts_with("whsec_"));
        assert_eq!(STANDARD.decode(&text[6..]).unwrap().len(), 32);
        assert_eq!(WebhookSecret::parse(text).unwrap().key(), secret.key());
        assert_ne!(WebhookSecret::generate().key(), secret.key());
    }

    #[test]
    fn the_specs_secret_parses_and_writes_back_the_same_text() {
        let secret = WebhookSecret::parse(&format!(" {SPEC_SECRET}\n")).unwrap();
        assert_eq!(secret.key().len(), 24);
        assert_eq!(secret.to_text().expose_secret(), SPEC_SECRET);
    }

    #[test]
    fn malformed_secrets_are_refused_without_quoting_them() {
        let cases = [
            (
                "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                SecretError::MissingPrefix,
            ),
            (
                "whsk_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                SecretError::MissingPrefix,
            ),
            (
                "whsec_MfKQ9r8G*YqrTwjUPD8ILPZIo2LaLaSw",
                SecretError::NotBase64,
            ),
            (
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",
                SecretError::NotBase64,
            ),
            // 23 bytes and 65 bytes.
            (
                &*format!("whsec_{}", STANDARD.encode([7u8; 23])),
                SecretError::WrongLength { bytes: 23 },
            ),
            (
                &*format!("whsec_{}", STANDARD.encode([7u8; 65])),
                SecretError::WrongLength { bytes: 65 },
            ),
            ("whsec_", SecretError::WrongLength { bytes: 0 }),
        ];
        for (text, error) in cases {
            assert_eq!(WebhookSecret::parse(text).unwrap_err(), error, "{text}");
            assert!(!error.to_string().contains("MfKQ"));
        }
        for ok in [24, 64] {
            let text = format!("whsec_{}", STANDARD.encode(vec![1u8; ok]));
            assert_eq!(WebhookSecret::parse(&text).unwrap().key().len(), ok);
        }
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = WebhookSecret::parse(SPEC_SECRET).unwrap();
        let retired =
            RetiredSecret::rotated_at(secret, parse_timestamp("2025-01-01T00:00:00Z").unwrap());
        let shown = format!("{retired:?}");
        assert_eq!(
            shown,
            "RetiredSecret { secret: WebhookSecret(redacted), signs_until: 2025-01-02T00:00:00Z }"
        );
    }

    #[test]
    fn a_rotated_out_secret_signs_for_24_hours_to_the_second() {
        let rotated = parse_timestamp("2025-01-01T00:00:00Z").unwrap();
        let current = WebhookSecret::generate();
        let previous = RetiredSecret::rotated_at(WebhookSecret::generate(), rotated);
        let retired = [previous];
        let keys = |now: &str| -> Vec<Vec<u8>> {
            signing_secrets(&current, &retired, parse_timestamp(now).unwrap())
                .secrets()
                .iter()
                .map(|s| s.key().to_vec())
                .collect()
        };
        let both = vec![current.key().to_vec(), retired[0].secret.key().to_vec()];
        assert_eq!(keys("2025-01-01T00:00:00Z"), both);
        assert_eq!(keys("2025-01-01T23:59:59Z"), both);
        assert_eq!(keys("2025-01-02T00:00:00Z"), vec![current.key().to_vec()]);
        let alone = signing_secrets(&current, &[], rotated);
        assert_eq!(alone.secrets().len(), 1);
    }

    /// Three rotations a few hours apart: each retired secret signs until 24 h after its
    /// own rotation, whatever came after it.
    #[test]
    fn each_retired_secret_signs_until_its_own_window_ends() {
        let at = |s: &str| parse_timestamp(s).unwrap();
        let (s0, s1, s2, s3) = (
            WebhookSecret::generate(),
            WebhookSecret::generate(),
            WebhookSecret::generate(),
            WebhookSecret::generate(),
        );
        let keys = [s0.key(), s1.key(), s2.key(), s3.key()].map(<[u8]>::to_vec);
        // Rotated at 00:00 (S0 out), 06:00 (S1 out) and 12:00 (S2 out); S3 is current.
        let retired = [
            RetiredSecret::rotated_at(s2, at("2025-01-01T12:00:00Z")),
            RetiredSecret::rotated_at(s1, at("2025-01-01T06:00:00Z")),
            RetiredSecret::rotated_at(s0, at("2025-01-01T00:00:00Z")),
        ];
        let signing = |now: &str| -> Vec<Vec<u8>> {
            signing_secrets(&s3, &retired, at(now))
                .secrets()
                .iter()
                .map(|s| s.key().to_vec())
                .collect()
        };
        let cases = [
            ("2025-01-01T12:00:00Z", vec![3, 2, 1, 0]),
            ("2025-01-01T23:59:59Z", vec![3, 2, 1, 0]),
            ("2025-01-02T00:00:00Z", vec![3, 2, 1]),
            ("2025-01-02T05:59:59Z", vec![3, 2, 1]),
            ("2025-01-02T06:00:00Z", vec![3, 2]),
            ("2025-01-02T11:59:59Z", vec![3, 2]),
            ("2025-01-02T12:00:00Z", vec![3]),
        ];
        for (now, expected) in cases {
            let expected: Vec<Vec<u8>> = expected.iter().map(|&i| keys[i].clone()).collect();
            assert_eq!(signing(now), expected, "{now}");
        }
    }
}
