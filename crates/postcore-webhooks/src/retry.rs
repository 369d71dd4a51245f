//! When to try a failed delivery again, when to give up, and when to disable an endpoint:
//! pure functions of the attempts so far, `now` and an injected random number.

use crate::DeliveryFailure;
use postcore_domain::Timestamp;
use std::time::Duration;

/// How the delay before a retry is drawn from its base delay `d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// Exactly `d` (for schedules that must be exact).
    None,
    /// Uniform in `[d/2, d]`: spreads retries, never earlier than half the base delay.
    Equal,
    /// Uniform in `[0, d]`.
    Full,
}

/// The retry schedule (Standard Webhooks, "Retry schedule": exponential backoff with
/// jitter over a long period).
///
/// The base delay after the `k`-th failed attempt (`k ≥ 1`) is
/// `min(first_delay × multiplier^(k−1), max_delay)`, jittered by `jitter`, stretched to
/// a `Retry-After` the receiver sent (capped at `max_delay`), and no attempt is ever
/// scheduled after `first attempt + give_up_after`: the one that would be is made exactly
/// at that instant instead, and after it fails the delivery is given up.
///
/// The default (`first_delay` 5 s, `multiplier` 6, `max_delay` 10 h, `give_up_after`
/// 24 h, equal jitter) gives these base delays and, without jitter, these attempts
/// (9 in all; with equal jitter each delay is between half and all of its base):
///
/// | attempt | base delay before it | at (h:mm:ss after the first) |
/// |---|---|---|
/// | 1 | — | 0:00:00 |
/// | 2 | 5 s | 0:00:05 |
/// | 3 | 30 s | 0:00:35 |
/// | 4 | 3 min | 0:03:35 |
/// | 5 | 18 min | 0:21:35 |
/// | 6 | 1 h 48 min | 2:09:35 |
/// | 7 | 10 h (capped) | 12:09:35 |
/// | 8 | 10 h | 22:09:35 |
/// | 9 | (to the deadline) | 24:00:00 |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Base delay after the first failed attempt.
    pub first_delay: Duration,
    /// Factor between consecutive base delays.
    pub multiplier: u32,
    /// Longest base delay (and longest `Retry-After` honoured).
    pub max_delay: Duration,
    /// How long after the first attempt the last one is made.
    pub give_up_after: Duration,
    /// How delays are randomised.
    pub jitter: Jitter,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_delay: Duration::from_secs(5),
            multiplier: 6,
            max_delay: Duration::from_secs(10 * 3600),
            give_up_after: Duration::from_secs(24 * 3600),
            jitter: Jitter::Equal,
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextAttempt {
    /// Try again at this instant.
    At(Timestamp),
    /// The last attempt failed: mark the delivery failed.
    GiveUp,
}

impl RetryPolicy {
    /// The base delay after `failed_attempts` failed attempts (`≥ 1`; 0 is treated as 1),
    /// before jitter, capped at `max_delay`.
    pub fn base_delay(&self, failed_attempts: u32) -> Duration {
        let mut delay = self.first_delay.min(self.max_delay);
        for _ in 1..failed_attempts {
            delay = delay
                .checked_mul(self.multiplier)
                .unwrap_or(self.max_delay)
                .min(self.max_delay);
            if delay == self.max_delay {
                break;
            }
        }
        delay
    }

    /// The jittered delay after `failed_attempts` failed attempts, drawn with `random`
    /// (uniformly random 64 bits: [`random_u64`] in production, fixed values in tests),
    /// in whole milliseconds.
    pub fn delay(&self, failed_attempts: u32, random: u64) -> Duration {
        let base = u64::try_from(self.base_delay(failed_attempts).as_millis()).unwrap_or(u64::MAX);
        let millis = match self.jitter {
            Jitter::None => base,
            Jitter::Equal => {
                let half = base / 2;
                half + random % (base - half + 1)
            }
            Jitter::Full => random % (base + 1),
        };
        Duration::from_millis(millis)
    }

    /// When to make the next attempt of a delivery whose first attempt was at
    /// `first_attempt_at` and whose `failed_attempts`-th attempt just failed at `now`,
    /// with the receiver's `Retry-After`, if any (see [`DeliveryFailure::retry_after`]).
    pub fn next_attempt(
        &self,
        first_attempt_at: Timestamp,
        failed_attempts: u32,
        now: Timestamp,
        retry_after: Option<Duration>,
        random: u64,
    ) -> NextAttempt {
        let deadline = first_attempt_at + to_delta(self.give_up_after);
        if now >= deadline {
            return NextAttempt::GiveUp;
        }
        let mut delay = self.delay(failed_attempts, random);
        if let Some(asked) = retry_after {
            delay = delay.max(asked.min(self.max_delay));
        }
        NextAttempt::At((now + to_delta(delay)).min(deadline))
    }
}

/// Uniformly random 64 bits from the operating system's CSPRNG, for [`RetryPolicy::delay`].
///
/// # Panics
/// When the operating system's random source fails.
pub fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    u64::from_le_bytes(bytes)
}

fn to_delta(d: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX)
}

/// When an endpoint is disabled (Standard Webhooks: disable an endpoint that keeps
/// failing, and on `410 Gone`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisableRule {
    /// Consecutive deliveries given up (each after the whole retry schedule) that disable
    /// the endpoint; a delivered event resets the count to 0. Default 5: with the default
    /// schedule that is at least a day of failing, usually several.
    pub after_failed_deliveries: u32,
}

impl Default for DisableRule {
    fn default() -> Self {
        Self {
            after_failed_deliveries: 5,
        }
    }
}

/// Why an endpoint is disabled, for its status and the log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DisableReason {
    /// Its receiver answered `410 Gone`.
    #[error("the receiver answered 410 Gone")]
    Gone,
    /// This many consecutive deliveries were given up.
    #[error("{0} consecutive deliveries failed")]
    KeepsFailing(u32),
}

impl DisableRule {
    /// Whether to disable an endpoint whose attempt just failed with `failure`, now that
    /// `consecutive_failed_deliveries` deliveries in a row have been given up (this one
    /// included when it was just given up).
    pub fn check(
        &self,
        consecutive_failed_deliveries: u32,
        failure: &DeliveryFailure,
    ) -> Option<DisableReason> {
        if failure.status() == Some(410) {
            Some(DisableReason::Gone)
        } else if consecutive_failed_deliveries >= self.after_failed_deliveries {
            Some(DisableReason::KeepsFailing(consecutive_failed_deliveries))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests;
