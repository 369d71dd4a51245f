//! The time-driven notices of a token (`connection.expiring` at each threshold,
//! `connection.expired`): which one is due at `now`, as a pure function, for the scheduler.

use crate::{ConnectionEvent, EventId, TimedNotice, WebhookEvent};
use postcore_domain::{Connection, ProfileKey, Timestamp, whole_seconds};
use std::time::Duration;

/// The thresholds before `expiresAt` at which `connection.expiring` is sent: default 7 days
/// and 1 day (issue 13). Kept longest first, without duplicates or zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeSchedule {
    thresholds: Vec<Duration>,
}

impl Default for NoticeSchedule {
    fn default() -> Self {
        Self::new([Duration::from_secs(7 * 86_400), Duration::from_secs(86_400)])
    }
}

/// The notice due for a token, and the instant it became due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueNotice {
    /// Which notice.
    pub notice: TimedNotice,
    /// `expiresAt − threshold`, or `expiresAt` for `connection.expired` (whole seconds).
    pub due_at: Timestamp,
}

impl NoticeSchedule {
    /// A schedule of `thresholds` (whole seconds count; zero and duplicates are dropped).
    pub fn new(thresholds: impl IntoIterator<Item = Duration>) -> Self {
        let mut thresholds: Vec<Duration> = thresholds
            .into_iter()
            .map(|t| Duration::from_secs(t.as_secs()))
            .filter(|t| !t.is_zero())
            .collect();
        thresholds.sort_unstable_by(|a, b| b.cmp(a));
        thresholds.dedup();
        Self { thresholds }
    }

    /// The thresholds, longest first.
    pub fn thresholds(&self) -> &[Duration] {
        &self.thresholds
    }

    /// The one notice due at `now` for a token expiring at `expires_at`: `Expired` once
    /// `now ≥ expiresAt` (api.md §3's instant), else `Expiring` at the shortest threshold
    /// with `expiresAt − threshold ≤ now`, else none. Only the latest reached notice is
    /// due: a scheduler that was down across a threshold does not send a stale "7 days
    /// left" once the 1-day one is due, and one that is down across none misses none.
    /// Whichever pass or process sees a notice due first writes it; the id
    /// ([`EventId::for_notice`]) makes every later write of the same notice a no-op.
    pub fn due(&self, expires_at: Timestamp, now: Timestamp) -> Option<DueNotice> {
        let expires_at = whole_seconds(expires_at);
        if now >= expires_at {
            return Some(DueNotice {
                notice: TimedNotice::Expired,
                due_at: expires_at,
            });
        }
        self.thresholds
            .iter()
            .rev()
            .map(|&threshold| {
                let delta =
                    chrono::TimeDelta::from_std(threshold).unwrap_or(chrono::TimeDelta::MAX);
                (threshold, expires_at.checked_sub_signed(delta))
            })
            .find(|(_, due_at)| due_at.is_some_and(|at| at <= now))
            .map(|(threshold, due_at)| DueNotice {
                notice: TimedNotice::Expiring { threshold },
                due_at: due_at.unwrap_or(expires_at),
            })
    }

    /// The event of the notice due at `now` for `profile`'s `connection`, if any (none for a
    /// token that never expires): its id from [`EventId::for_notice`], so the same notice
    /// always gives the same id (receivers dedupe on it), and its `createdAt` `now`, the
    /// pass that found it: a notice found late is not dated before the connection existed,
    /// and its `daysUntilExpiry` is counted from `now`, as `GET /profiles` shows it then.
    pub fn due_event(
        &self,
        profile: &ProfileKey,
        connection: &Connection,
        now: Timestamp,
    ) -> Option<WebhookEvent> {
        let expires_at = connection.expires_at()?;
        let due = self.due(expires_at, now)?;
        let id = EventId::for_notice(profile, connection.platform(), expires_at, due.notice);
        let kind = match due.notice {
            TimedNotice::Expiring { .. } => ConnectionEvent::Expiring,
            TimedNotice::Expired => ConnectionEvent::Expired,
        };
        Some(WebhookEvent::connection(kind, id, profile, connection, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use postcore_domain::{Platform, parse_timestamp};

    fn at(text: &str) -> Timestamp {
        parse_timestamp(text).unwrap()
    }

    const DAY: u64 = 86_400;

    fn expiring(days: u64) -> Option<TimedNotice> {
        Some(TimedNotice::Expiring {
            threshold: Duration::from_secs(days * DAY),
        })
    }

    #[test]
    fn thresholds_are_reached_at_exactly_7_days_1_day_and_expiry_to_the_second() {
        let schedule = NoticeSchedule::default();
        let expires = at("2025-03-02T12:30:00Z");
        let due = |now: &str| schedule.due(expires, at(now)).map(|d| d.notice);
        assert_eq!(due("2025-02-23T12:29:59Z"), None);
        assert_eq!(due("2025-02-23T12:30:00Z"), expiring(7));
        assert_eq!(due("2025-03-01T12:29:59Z"), expiring(7));
        assert_eq!(due("2025-03-01T12:30:00Z"), expiring(1));
        assert_eq!(due("2025-03-02T12:29:59Z"), expiring(1));
        assert_eq!(due("2025-03-02T12:30:00Z"), Some(TimedNotice::Expired));
        assert_eq!(due("2026-01-01T00:00:00Z"), Some(TimedNotice::Expired));
        assert_eq!(
            schedule
                .due(expires, at("2025-03-01T20:00:00Z"))
                .unwrap()
                .due_at,
            at("2025-03-01T12:30:00Z")
        );
    }

    #[test]
    fn thresholds_are_sorted_deduplicated_and_zero_is_dropped() {
        let schedule = NoticeSchedule::new([
            Duration::from_secs(DAY),
            Duration::ZERO,
            Duration::from_millis(7 * DAY * 1000 + 500),
            Duration::from_secs(DAY),
        ]);
        assert_eq!(
            schedule.thresholds(),
            [Duration::from_secs(7 * DAY), Duration::from_secs(DAY)]
        );
        assert_eq!(
            NoticeSchedule::new([]).due(at("2025-03-02T12:30:00Z"), at("2025-03-02T12:29:59Z")),
            None
        );
    }

    #[test]
    fn the_same_notice_always_gives_the_same_event_and_a_renewal_a_new_one() {
        let schedule = NoticeSchedule::default();
        let key = ProfileKey::parse("prof_abcdefghij012345").unwrap();
        let token = Connection::new(
            Platform::LinkedIn,
            "John Doe",
            "johndoe",
            at("2025-01-01T12:30:00Z"),
        );
        let first = schedule
            .due_event(&key, &token, at("2025-02-23T12:30:00Z"))
            .unwrap();
        let later_pass = schedule
            .due_event(&key, &token, at("2025-02-25T08:00:00Z"))
            .unwrap();
        assert_eq!(first.id(), later_pass.id());
        assert_eq!(first.id().as_str(), "evt_02bda109cb0339b70b4fcb3ed29bb145");
        // Each dated by the pass that found it, its days left counted from then.
        let fields = |e: &WebhookEvent| {
            let v: serde_json::Value = serde_json::from_str(e.payload().body()).unwrap();
            (v["createdAt"].clone(), v["data"]["daysUntilExpiry"].clone())
        };
        assert_eq!(
            fields(&first),
            (
                serde_json::json!("2025-02-23T12:30:00Z"),
                serde_json::json!(7)
            )
        );
        assert_eq!(
            fields(&later_pass),
            (
                serde_json::json!("2025-02-25T08:00:00Z"),
                serde_json::json!(5)
            )
        );

        let renewed = Connection::new(
            Platform::LinkedIn,
            "John Doe",
            "johndoe",
            at("2025-02-24T00:00:00Z"),
        );
        assert_eq!(
            schedule.due_event(&key, &renewed, at("2025-02-25T08:00:00Z")),
            None
        );
        let again = schedule
            .due_event(&key, &renewed, at("2025-04-18T00:00:00Z"))
            .unwrap();
        assert_ne!(again.id(), first.id());

        let bluesky = Connection::new(
            Platform::Bluesky,
            "a.bsky.social",
            "a.bsky.social",
            at("2025-01-01T00:00:00Z"),
        );
        assert_eq!(
            schedule.due_event(&key, &bluesky, at("2030-01-01T00:00:00Z")),
            None
        );
    }
}
