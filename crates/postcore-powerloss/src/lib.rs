//! Test support: an SQLite VFS that simulates a power loss by dropping every unsynced write.
//!
//! [`install`] registers `powerloss`, a shim over SQLite's `unix` VFS, as the process's default
//! VFS, so every connection opened afterwards (rusqlite's, r2d2's, the store's) goes through it
//! with no change to the code that opens it. The shim passes every call through to `unix` and
//! remembers one thing per file: its content as of its last successful `xSync`, read back
//! through SQLite's own handle right after the fsync.
//!
//! A test then writes, calls [`cut_power`] for its directory (from then on no sync there
//! counts: nothing more reaches "the disk"), closes everything ([`wait_until_closed`]), and calls
//! [`restore`], which leaves each file as a machine would find it after the power came back:
//! its last synced content; a file never synced is removed, and so is each database's `-shm`
//! wal-index (never synced; SQLite rebuilds it from the WAL).
//!
//! The model is coarser than a disk in one way only: a sync makes the whole file durable, as
//! fsync does for the file whichever descriptor it is called on; a write, a truncation or a
//! file's creation is durable only once a later sync covers it. A delete made before the cut is
//! durable (SQLite syncs the directory where that matters). Writes are never torn or reordered,
//! and a write that races with another handle's sync of the same file may be kept: the shim can
//! only keep too much, never drop a synced byte. Files that exist before their first open
//! through the shim count as durable as found.

mod vfs;

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, LazyLock, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

/// Registers the `powerloss` VFS as the process's default (once; later calls return the
/// first call's outcome).
///
/// # Errors
/// SQLite refused the registration, or has no `unix` VFS to wrap (the error names the code).
pub fn install() -> io::Result<()> {
    static INSTALLED: OnceLock<i32> = OnceLock::new();
    match *INSTALLED.get_or_init(vfs::register) {
        rusqlite::ffi::SQLITE_OK => Ok(()),
        code => Err(io::Error::other(format!(
            "registering the powerloss VFS failed: SQLite code {code}"
        ))),
    }
}

/// Cuts the power of every file under `dir`: from now on no sync there makes anything
/// durable, until [`restore`].
///
/// # Errors
/// `dir` cannot be resolved (SQLite names files by their resolved path).
pub fn cut_power(dir: &Path) -> io::Result<()> {
    let dir = dir.canonicalize()?;
    disk().cut.push(dir);
    Ok(())
}

/// Waits until no file under `dir` is open through the shim (every connection on it closed),
/// at most `timeout`; `true` when none is.
///
/// # Errors
/// `dir` cannot be resolved.
pub fn wait_until_closed(dir: &Path, timeout: Duration) -> io::Result<bool> {
    let dir = dir.canonicalize()?;
    let (disk, wait) = CLOSED
        .wait_timeout_while(disk(), timeout, |disk| disk.open_under(&dir) > 0)
        .unwrap_or_else(PoisonError::into_inner);
    Ok(!wait.timed_out() || disk.open_under(&dir) == 0)
}

/// What [`restore`] did, by file name (relative to the directory), each list sorted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Restored {
    /// Files put back to their content at their last sync.
    pub durable: Vec<String>,
    /// Files never synced, removed (as their directory entry or content would be).
    pub lost: Vec<String>,
}

/// Brings the power back for `dir`: every file the shim knows under it is put back to its last
/// synced content, files never synced are removed, and so is each database's `-shm` file. The
/// power is on again afterwards, and the restored contents are the new durable state.
///
/// # Errors
/// A file under `dir` is still open through the shim (call [`wait_until_closed`] first), or a
/// file cannot be written or removed.
pub fn restore(dir: &Path) -> io::Result<Restored> {
    let dir = dir.canonicalize()?;
    let mut disk = disk();
    let open = disk.open_under(&dir);
    if open > 0 {
        return Err(io::Error::other(format!(
            "{open} handles are still open under {}",
            dir.display()
        )));
    }
    let mut paths: Vec<PathBuf> = disk
        .files
        .keys()
        .filter(|p| p.starts_with(&dir))
        .cloned()
        .collect();
    paths.sort();
    let mut restored = Restored::default();
    for path in paths {
        let name = path
            .strip_prefix(&dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        let file = &disk.files[&path];
        if file.main_db {
            let mut shm = path.clone().into_os_string();
            shm.push("-shm");
            remove_if_present(Path::new(&shm))?;
        }
        if let Some(content) = &file.synced {
            std::fs::write(&path, content)?;
            restored.durable.push(name);
        } else {
            remove_if_present(&path)?;
            disk.files.remove(&path);
            restored.lost.push(name);
        }
    }
    disk.cut.retain(|d| !d.starts_with(&dir));
    Ok(restored)
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// What the shim knows of the files opened through it.
#[derive(Default)]
struct Disk {
    /// By resolved path, as SQLite names the file.
    files: HashMap<PathBuf, File>,
    /// The path of each open handle, by the id kept in the handle.
    handles: HashMap<u64, PathBuf>,
    /// The last handle id given out.
    last_handle: u64,
    /// Directories whose power is cut.
    cut: Vec<PathBuf>,
}

/// One file the shim has seen opened.
struct File {
    /// The content at the last successful sync; `None` when never synced.
    synced: Option<Vec<u8>>,
    /// Handles open on it now.
    open: usize,
    /// A main database file, with a `-shm` wal-index beside it in WAL mode.
    main_db: bool,
}

impl Disk {
    fn open_under(&self, dir: &Path) -> usize {
        self.files
            .iter()
            .filter(|(p, _)| p.starts_with(dir))
            .map(|(_, f)| f.open)
            .sum()
    }

    fn powered(&self, path: &Path) -> bool {
        !self.cut.iter().any(|d| path.starts_with(d))
    }
}

static DISK: LazyLock<Mutex<Disk>> = LazyLock::new(Mutex::default);
/// Notified whenever a handle closes.
static CLOSED: Condvar = Condvar::new();

/// The shim's state. Never panics on a poisoned lock: the callbacks run inside SQLite, where
/// a panic would abort the process.
fn disk() -> MutexGuard<'static, Disk> {
    DISK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A handle on `path` is being opened: the id to keep in it. A file seen for the first time
/// starts with its current content as durable (none when it does not exist yet).
fn track(path: &Path, main_db: bool) -> u64 {
    let mut disk = disk();
    let file = disk.files.entry(path.to_owned()).or_insert_with(|| File {
        synced: std::fs::read(path).ok(),
        open: 0,
        main_db: false,
    });
    file.open += 1;
    file.main_db |= main_db;
    disk.last_handle += 1;
    let id = disk.last_handle;
    disk.handles.insert(id, path.to_owned());
    id
}

/// Whether a sync through handle `id` still counts (its directory has power).
fn powered(id: u64) -> bool {
    let disk = disk();
    disk.handles.get(&id).is_some_and(|p| disk.powered(p))
}

/// A sync through handle `id` succeeded with the file holding `content`.
fn synced(id: u64, content: Vec<u8>) {
    let mut disk = disk();
    let Some(path) = disk.handles.get(&id).cloned() else {
        return;
    };
    if disk.powered(&path)
        && let Some(file) = disk.files.get_mut(&path)
    {
        file.synced = Some(content);
    }
}

/// `path` was deleted: durable while the power is on.
fn deleted(path: &Path) {
    let mut disk = disk();
    if !disk.powered(path) {
        return;
    }
    match disk.files.get_mut(path) {
        Some(file) if file.open > 0 => file.synced = None,
        Some(_) => {
            disk.files.remove(path);
        }
        None => {}
    }
}

/// Handle `id` was closed (or its open failed).
fn closed(id: u64) {
    let mut disk = disk();
    if let Some(path) = disk.handles.remove(&id)
        && let Some(file) = disk.files.get_mut(&path)
    {
        file.open = file.open.saturating_sub(1);
    }
    CLOSED.notify_all();
}
