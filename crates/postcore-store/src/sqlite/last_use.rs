//! Deferred `last_used_at` writes: authentication reads, a background thread writes.
//!
//! Recording when a key was last used must not cost a request a second trip to the
//! database. [`LastUse::record`] only queues the key's id (at most once a minute per key,
//! checked in memory); one thread per store writes queued uses in one short transaction of
//! its own (it never waits behind the write queue, nor the queue behind it for more than
//! that one statement per key). [`LastUse::flush`] waits until everything queued so far is
//! written (graceful shutdown, tests). A crash may lose at most the last minute of
//! last-use times, which are bookkeeping, never an acknowledged write.

use super::rows::to_secs;
use crate::StoreError;
use postcore_domain::Timestamp;
use r2d2_sqlite::SqliteConnectionManager;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

/// `last_used_at` is rewritten at most this often per key (seconds).
pub(crate) const GRANULARITY_SECS: i64 = 60;

enum Message {
    /// Key row id, Unix seconds.
    Used(i64, i64),
    /// Reply once every earlier message is written.
    Flush(tokio::sync::oneshot::Sender<Result<(), StoreError>>),
}

/// The queue of last uses; dropping it ends the writer thread after a final write.
pub(crate) struct LastUse {
    /// `None` only while dropping.
    sender: Option<Mutex<Sender<Message>>>,
    /// Joined on drop, so that the thread's pooled connections are closed when the store
    /// is (the last close checkpoints the WAL into the database file).
    thread: Option<std::thread::JoinHandle<()>>,
    /// The last use queued per key id (Unix seconds), so each key is queued once a minute.
    queued: Mutex<HashMap<i64, i64>>,
}

impl LastUse {
    /// Starts the thread, writing through `pool`.
    pub(crate) fn start(pool: r2d2::Pool<SqliteConnectionManager>) -> Result<Self, StoreError> {
        let (sender, receiver) = channel();
        let thread = std::thread::Builder::new()
            .name("postcore-last-use".into())
            .spawn(move || writer(&receiver, &pool))
            .map_err(|e| StoreError::backend_with("starting the last-use writer", e))?;
        Ok(Self {
            sender: Some(Mutex::new(sender)),
            thread: Some(thread),
            queued: Mutex::new(HashMap::new()),
        })
    }

    /// Queues "key `id` authenticated a request at `now`", unless a use of it was queued
    /// less than a minute before. Never blocks on the database.
    pub(crate) fn record(&self, id: i64, now: Timestamp) {
        let secs = to_secs(now);
        {
            let mut queued = self.queued.lock().unwrap_or_else(|p| p.into_inner());
            match queued.get(&id) {
                Some(&last) if secs - last < GRANULARITY_SECS => return,
                _ => queued.insert(id, secs),
            };
        }
        // The thread only stops when `self` is dropped: a send cannot fail before that.
        let _ = self.send(Message::Used(id, secs));
    }

    fn send(&self, message: Message) -> Result<(), StoreError> {
        let sender = self.sender.as_ref().ok_or_else(stopped)?;
        sender
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(message)
            .map_err(|_| stopped())
    }

    /// Waits until every use queued before this call is written.
    ///
    /// # Errors
    /// `Backend` when the write failed or the writer thread is gone.
    pub(crate) async fn flush(&self) -> Result<(), StoreError> {
        let (reply, done) = tokio::sync::oneshot::channel();
        self.send(Message::Flush(reply))?;
        done.await.map_err(|_| stopped())?
    }
}

impl Drop for LastUse {
    /// Ends the thread after it has written what is queued, and waits for it.
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Backend(crate::BackendError::message(
        "the last-use writer has stopped",
    ))
}

/// The thread's loop: gathers every queued use, writes them in one transaction.
fn writer(receiver: &Receiver<Message>, pool: &r2d2::Pool<SqliteConnectionManager>) {
    while let Ok(first) = receiver.recv() {
        let mut uses = HashMap::new();
        let mut flushes = Vec::new();
        for message in std::iter::once(first).chain(receiver.try_iter()) {
            match message {
                Message::Used(id, secs) => {
                    uses.insert(id, secs);
                }
                Message::Flush(reply) => flushes.push(reply),
            }
        }
        let result = write(pool, &uses);
        if let Err(e) = &result {
            tracing::warn!(error = %crate::error::chain(e), keys = uses.len(), "recording API keys' last use failed");
        }
        for reply in flushes {
            let _ = reply.send(match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(StoreError::backend_with(
                    "recording last use",
                    e.to_string(),
                )),
            });
        }
    }
}

fn write(
    pool: &r2d2::Pool<SqliteConnectionManager>,
    uses: &HashMap<i64, i64>,
) -> Result<(), StoreError> {
    if uses.is_empty() {
        return Ok(());
    }
    let mut conn = pool.get().map_err(StoreError::backend)?;
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(StoreError::backend)?;
    {
        let mut stmt = tx
            .prepare_cached(
                "UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?1) WHERE id = ?2",
            )
            .map_err(StoreError::backend)?;
        for (id, secs) in uses {
            stmt.execute(rusqlite::params![secs, id])
                .map_err(StoreError::backend)?;
        }
    }
    tx.commit().map_err(StoreError::backend)
}
