//! Which API key uses to record: `last_used_at` at most once a minute per key.
//!
//! Recording when a key was last used must not cost a request a second trip to the
//! database. Authentication reads the stored last use with the key; when it is stale and
//! no write of this key's use was queued in the last minute (checked here, in memory), the
//! store queues one on the write queue (`writer.rs`) without waiting for it.
//! `Repository::flush_last_use` waits for the queue. A crash may lose at most the last
//! minute of last-use times, which are bookkeeping, never an acknowledged write.

use super::accounts::StoredKey;
use super::rows::to_secs;
use crate::AccountId;
use postcore_domain::Timestamp;
use std::collections::HashMap;
use std::sync::Mutex;

/// `last_used_at` is rewritten at most this often per key (seconds).
pub(crate) const GRANULARITY_SECS: i64 = 60;

/// The last use queued per key id (Unix seconds).
#[derive(Default)]
pub(crate) struct LastUse {
    queued: Mutex<HashMap<i64, i64>>,
}

impl LastUse {
    /// Whether the use of key `id` at `now` is to be written: `false` when a use of it was
    /// queued less than a minute before. Remembers `now` when it answers `true`.
    /// The account of a key found by digest (`found`), unless it is revoked; when its last
    /// use is stale and due, `record(id)` queues the write of its use at `now`. Both
    /// backends authenticate through this.
    pub(crate) fn accept(
        &self,
        found: Option<StoredKey>,
        now: Timestamp,
        record: impl FnOnce(i64),
    ) -> Option<AccountId> {
        match found {
            Some(k) if !k.revoked => {
                if k.stale_last_use && self.due(k.id, now) {
                    record(k.id);
                }
                Some(k.account)
            }
            _ => None,
        }
    }

    fn due(&self, id: i64, now: Timestamp) -> bool {
        let secs = to_secs(now);
        let mut queued = self.queued.lock().unwrap_or_else(|p| p.into_inner());
        match queued.get(&id) {
            Some(&last) if secs - last < GRANULARITY_SECS => false,
            _ => {
                queued.insert(id, secs);
                true
            }
        }
    }
}
