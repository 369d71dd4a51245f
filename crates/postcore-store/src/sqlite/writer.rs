//! The write queue: one thread per store commits this process's writes in groups.
//!
//! Every write of `synchronous = FULL` ends in an fsync of the WAL, and writes of one process
//! are serialised anyway. The writer takes every write queued while the previous commit was
//! syncing and runs them in one `BEGIN IMMEDIATE` transaction, each inside its own savepoint
//! (a failing write rolls back to its savepoint and leaves the others in), then commits once:
//! one fsync for the group. A caller hears its outcome only after that commit returned, so
//! a 2xx still means durable (api.md §6). Writers in other processes (`postcore-admin`)
//! meet SQLite's busy timeout as before.

use super::crypto::Cipher;
use crate::error::chain;
use crate::{BackendError, StoreError};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::Connection;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

/// Writes in one group commit, at most.
const MAX_GROUP: usize = 64;

/// One queued write: runs inside the group's transaction, answers after its commit.
trait Job: Send {
    /// Runs the write: `Ok` when it succeeded (its savepoint is then kept), else its
    /// error's cause chain (for the group's error, should the group fail with it).
    fn run(&mut self, conn: &Connection, cipher: &Cipher) -> Result<(), String>;
    /// Sends the outcome: the write's own error, or the commit's.
    fn finish(self: Box<Self>, commit: Result<(), &StoreError>);
}

struct Queued<T, F> {
    work: Option<F>,
    outcome: Option<Result<T, StoreError>>,
    reply: tokio::sync::oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Queued<T, F>
where
    T: Send,
    F: FnOnce(&Connection, &Cipher) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, conn: &Connection, cipher: &Cipher) -> Result<(), String> {
        let Some(work) = self.work.take() else {
            return Err("the write ran twice".into());
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| work(conn, cipher))).unwrap_or_else(|_| {
            Err(StoreError::Backend(BackendError::message(
                "a write panicked; it was rolled back",
            )))
        });
        let ran = outcome.as_ref().map(drop).map_err(|e| chain(e));
        self.outcome = Some(outcome);
        ran
    }

    fn finish(self: Box<Self>, commit: Result<(), &StoreError>) {
        let outcome = match (self.outcome, commit) {
            (Some(Ok(value)), Ok(())) => Ok(value),
            (Some(Err(e)), _) => Err(e),
            // The group's error is shared by every write in it: its whole cause chain is
            // copied, so that the log of each says why ("database or disk is full").
            (Some(Ok(_)), Err(e)) => Err(StoreError::backend_with(
                "the write's group was not stored",
                chain(e),
            )),
            (None, Err(e)) => Err(StoreError::backend_with("starting the write", chain(e))),
            (None, Ok(())) => Err(StoreError::Backend(BackendError::message(
                "the write never ran",
            ))),
        };
        let _ = self.reply.send(outcome);
    }
}

/// The queue's sending end; dropping it lets the thread commit what is queued and end.
pub(crate) struct Writer {
    /// `None` only while dropping.
    sender: Option<Mutex<Sender<Box<dyn Job>>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Writer {
    /// Starts the thread, writing through `pool`.
    pub(crate) fn start(
        pool: r2d2::Pool<SqliteConnectionManager>,
        cipher: Arc<Cipher>,
    ) -> Result<Self, StoreError> {
        let (sender, receiver) = channel();
        let thread = std::thread::Builder::new()
            .name("postcore-writer".into())
            .spawn(move || run(&receiver, &pool, &cipher))
            .map_err(|e| StoreError::backend_with("starting the write queue", e))?;
        Ok(Self {
            sender: Some(Mutex::new(sender)),
            thread: Some(thread),
        })
    }

    /// Queues `work` and waits until it is committed (or refused).
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Cipher) -> Result<T, StoreError> + Send + 'static,
    {
        self.submit(work)?.await.map_err(|_| stopped())?
    }

    /// Queues `work` without waiting; the receiver has its outcome once committed.
    pub(crate) fn submit<T, F>(
        &self,
        work: F,
    ) -> Result<tokio::sync::oneshot::Receiver<Result<T, StoreError>>, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Cipher) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, outcome) = tokio::sync::oneshot::channel();
        let job: Box<dyn Job> = Box::new(Queued {
            work: Some(work),
            outcome: None,
            reply,
        });
        self.sender
            .as_ref()
            .ok_or_else(stopped)?
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| stopped())?;
        Ok(outcome)
    }
}

impl Drop for Writer {
    /// Commits what is queued, ends the thread and waits for it.
    fn drop(&mut self) {
        drop(self.sender.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn stopped() -> StoreError {
    StoreError::Backend(BackendError::message("the write queue has stopped"))
}

/// The thread: a group per turn, as many writes as are queued (up to [`MAX_GROUP`]).
fn run(
    receiver: &Receiver<Box<dyn Job>>,
    pool: &r2d2::Pool<SqliteConnectionManager>,
    cipher: &Cipher,
) {
    while let Ok(first) = receiver.recv() {
        let mut group = vec![first];
        group.extend(receiver.try_iter().take(MAX_GROUP - 1));
        let commit = commit_group(&mut group, pool, cipher);
        for job in group {
            job.finish(commit.as_ref().map(|_| ()));
        }
    }
}

fn commit_group(
    group: &mut [Box<dyn Job>],
    pool: &r2d2::Pool<SqliteConnectionManager>,
    cipher: &Cipher,
) -> Result<(), StoreError> {
    let conn = pool.get().map_err(StoreError::backend)?;
    let exec = |sql: &str| super::exec_cached(&conn, sql);
    let outcome = run_group(group, &conn, cipher);
    // On any failure (a full disk, an I/O error) SQLite may already have rolled the whole
    // transaction back, or only the failed statement: either way none of the group stays,
    // and the pooled connection goes back with no transaction open, so the next group
    // starts afresh once the cause is gone.
    if outcome.is_err() && !conn.is_autocommit() {
        let _ = exec("ROLLBACK");
    }
    outcome
}

/// `BEGIN IMMEDIATE`, each job in its savepoint, `COMMIT`; the first failure of the group
/// itself (not of a job's own write) ends it with that failure as the cause.
fn run_group(
    group: &mut [Box<dyn Job>],
    conn: &Connection,
    cipher: &Cipher,
) -> Result<(), StoreError> {
    let exec = |sql: &str| super::exec_cached(conn, sql);
    let failed = |e: StoreError| {
        StoreError::backend_with(
            "a savepoint of the group failed; the group was rolled back",
            chain(&e),
        )
    };
    exec("BEGIN IMMEDIATE")?;
    for job in group.iter_mut() {
        exec("SAVEPOINT job").map_err(failed)?;
        // A refused write's changes must go: if they cannot be rolled back alone, the
        // whole group is. SQLite itself may have rolled the whole transaction back (it
        // may on SQLITE_FULL or an I/O error): then the savepoint is gone, and the
        // write's own error says why.
        if let Err(cause) = job.run(conn, cipher) {
            exec("ROLLBACK TO job").map_err(|_| {
                StoreError::Backend(BackendError::message(format!(
                    "a write of the group failed and took the group with it: {cause}"
                )))
            })?;
        }
        exec("RELEASE job").map_err(failed)?;
    }
    conn.prepare_cached("COMMIT")
        .and_then(|mut s| s.execute([]))
        .map(drop)
        .map_err(|e| StoreError::backend_with("committing the group", e))
}
