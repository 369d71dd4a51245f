//! Rate limits (api.md §1, §4): requests per API key, and failed authentications per
//! client address, counted by governor's GCRA on the injected clock.
//!
//! - **Per API key** (`--rate-limit-per-minute`, default [`DEFAULT_RATE_LIMIT_PER_MINUTE`]):
//!   a key may make `N` requests at once, and then one every `60/N` seconds; an unused
//!   minute fills the allowance back to `N`. It is counted under the SHA-256 digest of the
//!   key (what the store keeps), only after the store has accepted the key, so unknown keys
//!   never take a place in it. Every answer to an authenticated request carries
//!   `X-RateLimit-Limit` (`N`), `X-RateLimit-Remaining` (whole requests the key may make
//!   right now) and `X-RateLimit-Reset` (the Unix time, in seconds rounded up, at which the
//!   allowance is full again), through [`Allowance`] and the [`headers`] middleware. Over it:
//!   429 `RATE_LIMIT_EXCEEDED` with `retry_after` and `Retry-After` (seconds rounded up, at
//!   least 1).
//! - **Failed authentication per client address** (`--auth-failure-limit-per-minute`,
//!   default [`DEFAULT_AUTH_FAILURE_LIMIT_PER_MINUTE`]): every 401 (`MISSING_API_KEY`,
//!   `INVALID_API_KEY`) costs the peer address one of `M` per minute. Once the address has
//!   spent them, every request of it that needs a key — a good key too — is answered 429
//!   before its key is looked at, until one failure is allowed again (at most `60/M` s):
//!   were a good key let through, a guess that hits would still succeed, and guessing
//!   would not be slowed at all. The address is the TCP peer's IP address (an IPv6 peer's
//!   /64 network); `X-Forwarded-For` is never read, since any client can write it.
//! - `0` turns either limit off: nothing is counted, no 429, and no `X-RateLimit-*` header.
//! - Memory: stale entries (an allowance full again, a refusal that has ended) are swept
//!   once a minute by the injected clock, by the request that finds the sweep due, so the
//!   state holds only keys and addresses active in the last minute or two.

mod address;
mod clock;
pub mod headers;
#[cfg(test)]
mod tests;

use crate::ApiError;
use actix_web::{HttpMessage as _, HttpRequest};
use clock::{LimiterClock, ceil_seconds};
use dashmap::DashMap;
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};
use postcore_domain::{ApiKey, Clock};
use sha2::{Digest as _, Sha256};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use headers::Allowance;

/// Default requests per minute per API key: 100 per second sustained, which no app
/// serving people through one key meets, and which still stops a runaway loop.
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 6_000;
/// Default failed authentications per minute per client address: a person mistyping a key
/// never meets it; a guesser gets one try every two seconds.
pub const DEFAULT_AUTH_FAILURE_LIMIT_PER_MINUTE: u32 = 30;
/// How often stale limiter state is swept, in nanoseconds of the injected clock.
const SWEEP_EVERY_NANOS: u64 = 60_000_000_000;

/// The state of every limit. Lives in [`crate::AppState`]; all methods are cheap and
/// lock-free but for a shard of a concurrent map.
pub struct RateLimits {
    clock: LimiterClock,
    per_key: Option<Limit<KeyDigest>>,
    failures: Option<Limit<IpAddr>>,
    /// Addresses whose failures are spent, with the Unix nanosecond their refusal ends.
    blocked: DashMap<IpAddr, u64>,
    next_sweep: AtomicU64,
}

/// The identity a key's requests are counted under: its SHA-256 digest, as the store keeps
/// it; the key's text is never kept.
type KeyDigest = [u8; 32];

/// One limit: its GCRA limiter over a concurrent map, and its parameters.
struct Limit<K: Hash + Eq + Clone> {
    limiter: RateLimiter<K, DashMapStateStore<K>, LimiterClock, StateInformationMiddleware>,
    per_minute: u32,
    /// Nanoseconds for one request to come back: `60 s / per_minute`.
    interval: u64,
}

impl<K: Hash + Eq + Clone> Limit<K> {
    /// `per_minute` at once and then one every `60/per_minute` s; `None` for 0 (off).
    fn new(per_minute: u32, clock: &LimiterClock) -> Option<Self> {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute)?);
        Some(Self {
            limiter: RateLimiter::new(quota, DashMapStateStore::default(), clock.clone()),
            per_minute,
            interval: u64::try_from(quota.replenish_interval().as_nanos()).unwrap_or(u64::MAX),
        })
    }
}

impl RateLimits {
    /// The limits of `per_key_per_minute` requests per API key and
    /// `auth_failures_per_minute` failed authentications per client address (0: off), on
    /// `clock`.
    pub fn new(
        per_key_per_minute: u32,
        auth_failures_per_minute: u32,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let clock = LimiterClock(clock);
        Self {
            per_key: Limit::new(per_key_per_minute, &clock),
            failures: Limit::new(auth_failures_per_minute, &clock),
            blocked: DashMap::new(),
            next_sweep: AtomicU64::new(clock.now_nanos().saturating_add(SWEEP_EVERY_NANOS)),
            clock,
        }
    }

    /// Whether either limit is on (the [`headers`] middleware is installed only then).
    pub fn enabled(&self) -> bool {
        self.per_key.is_some() || self.failures.is_some()
    }

    /// Refuses a request whose client address has spent its failed authentications: call
    /// it before the key is looked at.
    ///
    /// # Errors
    /// [`ApiError::RateLimitExceeded`] with the seconds until one failure is allowed again.
    pub fn admit_address(&self, req: &HttpRequest) -> Result<(), ApiError> {
        if self.failures.is_none() {
            return Ok(());
        }
        let Some(ip) = address::client_address(req) else {
            return Ok(());
        };
        let Some(until) = self.blocked.get(&ip).map(|until| *until) else {
            return Ok(());
        };
        let now = self.clock.now_nanos();
        if now < until {
            return Err(ApiError::RateLimitExceeded {
                retry_after: ceil_seconds(until - now).max(1),
            });
        }
        Ok(())
    }

    /// Counts one request of `key`, which the store has just accepted, and records the
    /// key's [`Allowance`] in `req` for the `X-RateLimit-*` headers.
    ///
    /// # Errors
    /// [`ApiError::RateLimitExceeded`] when the key's allowance is spent.
    pub fn admit_key(&self, req: &HttpRequest, key: &ApiKey) -> Result<(), ApiError> {
        let Some(limit) = &self.per_key else {
            return Ok(());
        };
        let digest: KeyDigest = Sha256::digest(key.expose_secret().as_bytes()).into();
        let now = self.clock.now_nanos();
        self.sweep_if_due(now);
        let full_in = |spent: u32| limit.interval.saturating_mul(u64::from(spent));
        let (allowance, outcome) = match limit.limiter.check_key(&digest) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let reset = now.saturating_add(full_in(limit.per_minute - remaining));
                (Allowance::new(limit.per_minute, remaining, reset), Ok(()))
            }
            Err(not_until) => {
                // One request comes back at `earliest_possible`, the rest one by one after.
                let next = not_until.earliest_possible().as_u64();
                let reset = next.saturating_add(full_in(limit.per_minute - 1));
                let retry_after = ceil_seconds(next.saturating_sub(now)).max(1);
                let refused = Err(ApiError::RateLimitExceeded { retry_after });
                (Allowance::new(limit.per_minute, 0, reset), refused)
            }
        };
        req.extensions_mut().insert(allowance);
        outcome
    }

    /// Counts one failed authentication (a 401) against `req`'s client address, and
    /// refuses the address once its failures are spent.
    pub fn record_failure(&self, req: &HttpRequest) {
        let (Some(limit), Some(ip)) = (&self.failures, address::client_address(req)) else {
            return;
        };
        let now = self.clock.now_nanos();
        self.sweep_if_due(now);
        let until = match limit.limiter.check_key(&ip) {
            Ok(snapshot) if snapshot.remaining_burst_capacity() > 0 => return,
            // The last one spent: the next comes back within one interval.
            Ok(_) => now.saturating_add(limit.interval),
            // Failures that passed `admit_address` together, before the first was counted.
            Err(not_until) => not_until.earliest_possible().as_u64(),
        };
        self.blocked.insert(ip, until);
    }

    /// Drops stale state once a minute: allowances that are full again, and refusals that
    /// have ended. Run by whichever request finds it due.
    fn sweep_if_due(&self, now: u64) {
        let due = self.next_sweep.load(Ordering::Relaxed);
        if now < due
            || self
                .next_sweep
                .compare_exchange(
                    due,
                    now.saturating_add(SWEEP_EVERY_NANOS),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_err()
        {
            return;
        }
        if let Some(limit) = &self.per_key {
            limit.limiter.retain_recent();
            limit.limiter.shrink_to_fit();
        }
        if let Some(limit) = &self.failures {
            limit.limiter.retain_recent();
            limit.limiter.shrink_to_fit();
        }
        self.blocked.retain(|_, until| *until > now);
        self.blocked.shrink_to_fit();
    }
}
