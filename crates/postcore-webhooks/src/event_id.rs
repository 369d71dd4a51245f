//! Event ids: the `webhook-id` of the Standard Webhooks specification, which receivers
//! dedupe on, so one notice must never get two ids.

use postcore_domain::{Platform, ProfileKey, Timestamp};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;
use std::time::Duration;

/// The id of one event: `evt_` followed by 32 lowercase hexadecimal digits (128 bits).
///
/// The same id goes in the body's `id`, in the `webhook-id` header of every attempt and
/// to every endpoint the event is sent to (Standard Webhooks, "Webhook metadata": the id
/// "remains the same no matter how many times a webhook that has failed is retried").
/// It holds no `.`, which the signed content `{id}.{timestamp}.{body}` needs.
///
/// Two ways to make one:
/// - [`EventId::random`] for events caused by a change (connect, disconnect, mark,
///   delete, ping): the id is minted once, in the transaction that writes the change
///   and its outbox row, and read back from the outbox from then on.
/// - [`EventId::for_notice`] for the time-driven events (`connection.expiring`,
///   `connection.expired`): the id is a function of the token and the threshold, so a
///   scheduler that crashed between finding a notice and recording it, or two schedulers
///   racing, compute the same id and the outbox's unique key on it keeps one row; a
///   renewed token (a new `expiresAt`) gets new ids, so it is warned afresh.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(String);

/// Why a text is not an [`EventId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an event id is evt_ followed by 32 lowercase hexadecimal digits")]
pub struct EventIdError;

/// The time-driven notice of one token, as [`EventId::for_notice`] keys it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimedNotice {
    /// `connection.expiring` at `threshold` before `expiresAt` (whole seconds count).
    Expiring {
        /// How long before `expiresAt` the notice is due (e.g. 7 days, 1 day).
        threshold: Duration,
    },
    /// `connection.expired`, at `expiresAt`.
    Expired,
}

const PREFIX: &str = "evt_";
const HEX_DIGITS: usize = 32;

impl EventId {
    /// A new id from 128 bits of the operating system's CSPRNG (`getrandom`).
    ///
    /// # Panics
    /// When the operating system's random source fails (no safe id can be made).
    pub fn random() -> Self {
        let mut bytes = [0u8; HEX_DIGITS / 2];
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        Self::from_bytes(&bytes)
    }

    /// The id of `notice` for the token of `platform` on `profile` that expires at
    /// `expires_at`: the first 128 bits of SHA-256 over a versioned, line-separated text of
    /// the four (profile key, platform, `expiresAt` in Unix seconds, and `expiring:<threshold
    /// seconds>` or `expired`). Deterministic: the same notice of the same token always has
    /// the same id, across restarts and processes; the profile key is unique across
    /// accounts, so no account can collide with another's.
    pub fn for_notice(
        profile: &ProfileKey,
        platform: Platform,
        expires_at: Timestamp,
        notice: TimedNotice,
    ) -> Self {
        let kind = match notice {
            TimedNotice::Expiring { threshold } => format!("expiring:{}", threshold.as_secs()),
            TimedNotice::Expired => "expired".to_owned(),
        };
        let text = format!(
            "postcore-webhook-notice:v1\n{}\n{}\n{}\n{kind}",
            profile.as_str(),
            platform.as_str(),
            expires_at.timestamp()
        );
        let digest = Sha256::digest(text.as_bytes());
        Self::from_bytes(&digest[..HEX_DIGITS / 2])
    }

    /// Reads an id back (from the outbox): `evt_` + 32 lowercase hexadecimal digits.
    ///
    /// # Errors
    /// [`EventIdError`] for any other text.
    pub fn parse(text: &str) -> Result<Self, EventIdError> {
        let hex = text.strip_prefix(PREFIX).ok_or(EventIdError)?;
        let valid = hex.len() == HEX_DIGITS
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| Self(text.to_owned())).ok_or(EventIdError)
    }

    /// The id's text, `evt_…`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn from_bytes(bytes: &[u8]) -> Self {
        let mut text = String::with_capacity(PREFIX.len() + HEX_DIGITS);
        text.push_str(PREFIX);
        for b in bytes {
            text.push_str(&format!("{b:02x}"));
        }
        Self(text)
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventId({})", self.0)
    }
}

impl Serialize for EventId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use postcore_domain::parse_timestamp;

    fn key() -> ProfileKey {
        ProfileKey::parse("prof_abcdefghij012345").unwrap()
    }

    fn expiry() -> Timestamp {
        parse_timestamp("2025-03-02T12:30:00Z").unwrap()
    }

    const WEEK: TimedNotice = TimedNotice::Expiring {
        threshold: Duration::from_secs(7 * 86_400),
    };

    #[test]
    fn a_notice_id_is_a_fixed_function_of_the_token_and_the_threshold() {
        let id = EventId::for_notice(&key(), Platform::LinkedIn, expiry(), WEEK);
        // Python: "evt_" + sha256(text).hexdigest()[:32] of the same text.
        assert_eq!(id.as_str(), "evt_02bda109cb0339b70b4fcb3ed29bb145");
        assert_eq!(
            id,
            EventId::for_notice(&key(), Platform::LinkedIn, expiry(), WEEK)
        );
    }

    #[test]
    fn another_threshold_token_or_kind_gets_another_notice_id() {
        let base = EventId::for_notice(&key(), Platform::LinkedIn, expiry(), WEEK);
        let day = TimedNotice::Expiring {
            threshold: Duration::from_secs(86_400),
        };
        let renewed = expiry() + chrono::Duration::days(60);
        let others = [
            EventId::for_notice(&key(), Platform::LinkedIn, expiry(), day),
            EventId::for_notice(&key(), Platform::LinkedIn, expiry(), TimedNotice::Expired),
            EventId::for_notice(&key(), Platform::LinkedIn, renewed, WEEK),
            EventId::for_notice(&key(), Platform::Bluesky, expiry(), WEEK),
        ];
        for other in others {
            assert_ne!(other, base);
        }
    }

    #[test]
    fn random_ids_parse_back_and_differ() {
        let (a, b) = (EventId::random(), EventId::random());
        assert_ne!(a, b);
        assert_eq!(EventId::parse(a.as_str()), Ok(a));
    }

    #[test]
    fn only_evt_and_32_lowercase_hex_digits_parse() {
        for bad in [
            "",
            "evt_",
            "evt_9b9ef11c2f3a5c8f0ad5a0d3b6c1e0b",
            "evt_9b9ef11c2f3a5c8f0ad5a0d3b6c1e0b10",
            "evt_9B9EF11C2F3A5C8F0AD5A0D3B6C1E0B1",
            "msg_9b9ef11c2f3a5c8f0ad5a0d3b6c1e0b1",
            "evt_9b9ef11c2f3a5c8f.ad5a0d3b6c1e0b1",
        ] {
            assert_eq!(EventId::parse(bad), Err(EventIdError), "{bad:?}");
        }
    }
}
