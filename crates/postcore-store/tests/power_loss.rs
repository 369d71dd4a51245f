//! Power loss: every write the store acknowledged survives a cut that drops all unsynced data.
//!
//! SIGKILL (`cargo xtask crash`) never loses the OS page cache, so it cannot see a missing
//! fsync. Here every SQLite file goes through `postcore_powerloss`'s VFS, which on a cut puts
//! each file back to its content at its last sync, as a machine finds its disk after a power
//! failure. With `synchronous = NORMAL` or `OFF` the acknowledged writes still in the WAL are
//! lost and this test fails; the shim's own tests below show, on a bare connection, that it
//! drops exactly what no sync covered. Its own test binary: the shim is the default VFS of
//! the whole process once installed (each test cuts the power of its own directory only).

use postcore_domain::{ProfileKey, Timestamp};
use postcore_powerloss::{Restored, cut_power, install, restore, wait_until_closed};
use postcore_store::testing::{TEST_SECRET_KEY, account_name, t};
use postcore_store::{Entity, Repository, SecretKeySource, StoreConfig, StoreError};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Writer tasks, and writes each makes (group commits form while they run together).
const WRITERS: usize = 8;
const WRITES_EACH: usize = 12;
/// Acknowledged writes to wait for before the cut; the rest may be in flight when it comes.
const BEFORE_CUT: usize = 48;

async fn open(dir: &Path) -> Arc<dyn Repository> {
    postcore_store::open(StoreConfig {
        database_url: dir.join("postcore.db").display().to_string(),
        secret_key: SecretKeySource::Base64(TEST_SECRET_KEY.to_owned().into()),
    })
    .await
    .unwrap()
}

/// Writes acknowledged before the cut, through the write queue's group commits and read back
/// by the point readers, are all there after it, and the database is sound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_a_power_loss() {
    install().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let repo = open(dir.path()).await;
    let account = repo
        .create_account(&account_name("acme"), t(0))
        .await
        .unwrap()
        .id;
    let (acks, mut acknowledged_rx) = tokio::sync::mpsc::unbounded_channel();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (repo, acks) = (Arc::clone(&repo), acks.clone());
            tokio::spawn(async move {
                for i in 0..WRITES_EACH {
                    let at = t((w * 100 + i) as i64);
                    let profile = repo.create_profile(account, None, None, at).await.unwrap();
                    // A point read too, so the read-only readers are opened through the shim.
                    repo.get_profile(account, profile.key()).await.unwrap();
                    let _ = acks.send((profile.key().clone(), at));
                }
            })
        })
        .collect();
    drop(acks);
    // Writes acknowledged before the cut: each returned only after its commit's sync.
    let mut acknowledged: Vec<(ProfileKey, Timestamp)> = Vec::new();
    while acknowledged.len() < BEFORE_CUT {
        acknowledged.push(acknowledged_rx.recv().await.unwrap());
    }
    cut_power(dir.path()).unwrap();
    // The writes still in flight finish with the power off (their syncs count for nothing),
    // then every connection closes: the last one's checkpoint, too, after the cut.
    for writer in writers {
        writer.await.unwrap();
    }
    drop(repo);
    assert!(wait_until_closed(dir.path(), Duration::from_secs(30)).unwrap());
    let restored = restore(dir.path()).unwrap();

    let repo = open(dir.path()).await;
    let mut lost = Vec::new();
    for (key, at) in &acknowledged {
        match repo.get_profile(account, key).await {
            Ok(record) => assert_eq!(record.profile.created_at(), *at, "{key}"),
            Err(StoreError::NotFound(Entity::Profile)) => lost.push(key.as_str()),
            Err(e) => panic!("{key}: {e}"),
        }
    }
    assert_eq!(
        lost,
        Vec::<&str>::new(),
        "{} of {} acknowledged writes lost by the power cut",
        lost.len(),
        acknowledged.len()
    );
    assert_eq!(repo.integrity_check().await.unwrap(), Vec::<String>::new());
    assert_eq!(
        repo.find_account(&account_name("acme")).await.unwrap().id,
        account
    );
    // The shim saw the store's files: the database and its WAL, both synced.
    assert_eq!(
        restored,
        Restored {
            durable: vec!["postcore.db".to_owned(), "postcore.db-wal".to_owned()],
            lost: Vec::new(),
        }
    );
}

/// The shim itself, on a bare connection in WAL mode: a cut loses exactly what no sync covered.
mod the_shim {
    use super::*;
    use rusqlite::Connection;

    /// Opens `t.db` in `dir` in WAL mode with `synchronous = FULL` and one committed row, `1`.
    fn open_with_one_synced_row(dir: &Path) -> Connection {
        install().unwrap();
        let conn = Connection::open(dir.join("t.db")).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        conn.execute_batch(
            "PRAGMA synchronous = FULL; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);",
        )
        .unwrap();
        conn
    }

    /// On a fresh `t.db` with one synced row, runs `then`, cuts the power with the connection
    /// open, closes it and restores: the rows of `t` that survived, and what the restore did.
    fn after_a_cut(then: &str) -> (Vec<i64>, Restored) {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_with_one_synced_row(dir.path());
        conn.execute_batch(then).unwrap();
        cut_power(dir.path()).unwrap();
        // Closing checkpoints the WAL into the database and deletes it: all after the cut.
        drop(conn);
        assert!(wait_until_closed(dir.path(), Duration::from_secs(30)).unwrap());
        let restored = restore(dir.path()).unwrap();
        let conn = Connection::open(dir.path().join("t.db")).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let rows = conn
            .prepare("SELECT x FROM t ORDER BY x")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        (rows, restored)
    }

    /// Both files synced at least once (the database at the switch to WAL), none lost.
    fn both_durable() -> Restored {
        Restored {
            durable: vec!["t.db".to_owned(), "t.db-wal".to_owned()],
            lost: Vec::new(),
        }
    }

    /// A commit made with `synchronous = OFF` (no fsync) is lost; the synced one before it is kept.
    #[test]
    fn an_unsynced_commit_is_lost_and_the_synced_ones_kept() {
        let then = "PRAGMA synchronous = OFF; INSERT INTO t VALUES (2);";
        assert_eq!(after_a_cut(then), (vec![1], both_durable()));
    }

    /// With `synchronous = NORMAL` in WAL mode a commit is not synced either: lost.
    #[test]
    fn a_commit_under_synchronous_normal_is_lost_in_wal_mode() {
        let then = "PRAGMA synchronous = NORMAL; INSERT INTO t VALUES (2);";
        assert_eq!(after_a_cut(then), (vec![1], both_durable()));
    }

    /// With `synchronous = FULL` every commit is synced: all kept.
    #[test]
    fn synced_commits_survive() {
        let then = "INSERT INTO t VALUES (2); INSERT INTO t VALUES (3);";
        assert_eq!(after_a_cut(then), (vec![1, 2, 3], both_durable()));
    }

    /// A database never synced at all is gone, with its WAL.
    #[test]
    fn files_never_synced_are_removed() {
        install().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("t.db")).unwrap();
        conn.execute_batch(
            "PRAGMA synchronous = OFF; PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER);",
        )
        .unwrap();
        cut_power(dir.path()).unwrap();
        drop(conn);
        assert!(wait_until_closed(dir.path(), Duration::from_secs(30)).unwrap());
        assert_eq!(
            restore(dir.path()).unwrap(),
            Restored {
                durable: Vec::new(),
                lost: vec!["t.db".to_owned(), "t.db-wal".to_owned()],
            }
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// Restoring while a handle is open is refused, naming the count.
    #[test]
    fn restore_waits_for_every_handle_to_close() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open_with_one_synced_row(dir.path());
        cut_power(dir.path()).unwrap();
        let err = restore(dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "2 handles are still open under {}",
                dir.path().canonicalize().unwrap().display()
            )
        );
        assert!(!wait_until_closed(dir.path(), Duration::from_millis(1)).unwrap());
        drop(conn);
        assert!(wait_until_closed(dir.path(), Duration::from_secs(30)).unwrap());
        assert_eq!(restore(dir.path()).unwrap(), both_durable());
    }
}
