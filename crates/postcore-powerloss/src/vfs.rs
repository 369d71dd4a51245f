//! The FFI half: the `powerloss` VFS registered with SQLite, and its four callbacks.
//!
//! The shim is a copy of the `unix` VFS's `sqlite3_vfs` with `xOpen` and `xDelete` replaced.
//! A file it opens is the `unix` file itself (same memory, same `unixFile` layout), followed by
//! an [`Extra`] holding the shim's handle id and the file's `unix` methods; only the file's
//! method table is swapped for a copy of `unix`'s with `xSync` and `xClose` replaced. Every other call (reads, writes, locks, the
//! WAL's shared memory, memory-mapped reads) goes straight to `unix` with the `unix` file, so
//! SQLite's behaviour is unchanged but for what the shim records.
//!
//! Nothing here may panic: a panic in an `extern "C"` function aborts the process. Errors
//! become SQLite result codes.

use rusqlite::ffi;
use std::ffi::{CStr, c_char, c_int};
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;
use std::sync::{Mutex, OnceLock, PoisonError};

/// The shim's name, as registered.
const NAME: &CStr = c"powerloss";
/// The VFS the shim wraps: SQLite's own, for Unix.
const ROOT: &CStr = c"unix";
/// Largest read when taking a synced file's content.
const CHUNK: usize = 1 << 20;

/// What the shim keeps after the `unix` file's own bytes.
#[repr(C)]
struct Extra {
    /// The handle id from [`crate::track`].
    id: u64,
    /// `unix`'s methods for this file, which the shim's `xSync` and `xClose` call.
    real: &'static ffi::sqlite3_io_methods,
}

/// A `unix` method table and the shim's copy of it (which differs in `xSync` and `xClose`).
struct Tables {
    real: &'static ffi::sqlite3_io_methods,
    shim: ffi::sqlite3_io_methods,
}

/// One entry per `unix` table seen (`unix` has one for database files, with POSIX locks, and
/// one without locks for journals and WALs); never freed, as SQLite keeps pointers to them.
static TABLES: Mutex<Vec<&'static Tables>> = Mutex::new(Vec::new());
/// Where [`Extra`] starts in a file: `unix`'s size, rounded up to `Extra`'s alignment.
static EXTRA_OFFSET: OnceLock<usize> = OnceLock::new();

/// Registers the shim as the default VFS; SQLite's result code.
#[expect(
    unsafe_code,
    reason = "registering a VFS is an FFI call with a raw struct"
)]
pub(crate) fn register() -> c_int {
    // SAFETY: `sqlite3_vfs_find` takes a NUL-terminated name (a C string literal) and returns
    // a VFS SQLite keeps for the life of the process, or null.
    let root = unsafe { ffi::sqlite3_vfs_find(ROOT.as_ptr()) };
    // SAFETY: non-null pointers from `sqlite3_vfs_find` point to a registered, never freed VFS.
    let Some(root_vfs) = (unsafe { root.as_ref() }) else {
        return ffi::SQLITE_ERROR;
    };
    let Ok(root_size) = usize::try_from(root_vfs.szOsFile) else {
        return ffi::SQLITE_ERROR;
    };
    let offset = root_size.next_multiple_of(align_of::<Extra>());
    let Ok(size) = c_int::try_from(offset + size_of::<Extra>()) else {
        return ffi::SQLITE_ERROR;
    };
    let _ = EXTRA_OFFSET.set(offset);
    // Registered once and used until the process ends: leaked on purpose.
    let shim = Box::leak(Box::new(ffi::sqlite3_vfs {
        szOsFile: size,
        pNext: std::ptr::null_mut(),
        zName: NAME.as_ptr(),
        // `unix` reads its own pAppData only in its xOpen, which the shim calls with the
        // `unix` VFS itself; the shim keeps the `unix` VFS there for its own two callbacks.
        pAppData: root.cast(),
        xOpen: Some(x_open),
        xDelete: Some(x_delete),
        ..*root_vfs
    }));
    // SAFETY: `shim` is a complete `sqlite3_vfs` that lives for the rest of the process, and
    // its name is a static C string; SQLite links it into its list and never frees it.
    unsafe { ffi::sqlite3_vfs_register(shim, 1) }
}

/// The file path SQLite names, when it names one (temporary files have none).
///
/// # Safety
/// `name` is null or a NUL-terminated string valid for the call.
#[expect(unsafe_code, reason = "reads a C string from SQLite")]
unsafe fn path_of<'a>(name: *const c_char) -> Option<&'a Path> {
    // SAFETY: the caller's contract.
    let name = unsafe { name.as_ref().map(|n| CStr::from_ptr(n)) }?;
    Some(Path::new(std::ffi::OsStr::from_bytes(name.to_bytes())))
}

/// The `unix` VFS, kept in the shim's pAppData.
///
/// # Safety
/// `vfs` is the shim's `sqlite3_vfs`, as SQLite passes it to the shim's callbacks.
#[expect(unsafe_code, reason = "reads the shim's sqlite3_vfs")]
unsafe fn root_of(vfs: *mut ffi::sqlite3_vfs) -> *mut ffi::sqlite3_vfs {
    // SAFETY: the caller's contract; `register` put the `unix` VFS in pAppData.
    unsafe { (*vfs).pAppData.cast() }
}

/// The shim's data in `file`.
///
/// # Safety
/// `file` is a file the shim opened: `szOsFile` bytes from SQLite, `Extra` at the offset.
#[expect(
    unsafe_code,
    reason = "pointer arithmetic within SQLite's file allocation"
)]
unsafe fn extra(file: *mut ffi::sqlite3_file) -> *mut Extra {
    // Always set: `register` sets it before the shim exists, so before any of its files.
    let offset = EXTRA_OFFSET.get().copied().unwrap_or_default();
    // SAFETY: the caller's contract: the allocation is `offset + size_of::<Extra>()` bytes
    // (SQLite allocates `szOsFile` for every file), and `offset` is a multiple of
    // `Extra`'s alignment from an 8-aligned start.
    unsafe { file.cast::<u8>().add(offset).cast::<Extra>() }
}

/// `xOpen`: opens the file with `unix`, then tracks it and swaps in the shim's methods.
#[expect(unsafe_code, reason = "an SQLite VFS callback")]
unsafe extern "C" fn x_open(
    vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    // SAFETY: SQLite calls xOpen with the shim's VFS and a name that is null or a C string.
    let (root, path) = unsafe { (root_of(vfs), path_of(name)) };
    // SAFETY: `root` is the `unix` VFS, which has an xOpen.
    let Some(root_open) = (unsafe { (*root).xOpen }) else {
        return ffi::SQLITE_CANTOPEN;
    };
    let id = path.map(|p| crate::track(p, flags & ffi::SQLITE_OPEN_MAIN_DB != 0));
    // SAFETY: `file` is `szOsFile` bytes of the shim's size, more than `unix` needs; the
    // other arguments are SQLite's own, passed on.
    let rc = unsafe { root_open(root, name, file, flags, out_flags) };
    let Some(id) = id else {
        // A temporary file: left entirely to `unix`.
        return rc;
    };
    // SAFETY: `file` is valid; `unix` set its methods or left them null.
    let methods = unsafe { (*file).pMethods };
    // SAFETY: `unix`'s method tables are statics.
    let Some(real) = (unsafe { methods.as_ref() }) else {
        crate::closed(id);
        return if rc == ffi::SQLITE_OK {
            ffi::SQLITE_CANTOPEN
        } else {
            rc
        };
    };
    if rc != ffi::SQLITE_OK {
        // SQLite will close it through `unix`'s own table.
        crate::closed(id);
        return rc;
    }
    let shim = shim_methods(real);
    // SAFETY: `file` was opened by the shim's xOpen: `Extra` fits after `unix`'s bytes, and
    // the methods point to a static table.
    unsafe {
        extra(file).write(Extra { id, real });
        (*file).pMethods = shim;
    }
    ffi::SQLITE_OK
}

/// The shim's copy of `real`: the same methods but `xSync` and `xClose`.
fn shim_methods(real: &'static ffi::sqlite3_io_methods) -> &'static ffi::sqlite3_io_methods {
    let mut tables = TABLES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = tables.iter().find(|t| std::ptr::eq(t.real, real)) {
        return &known.shim;
    }
    let new: &'static Tables = Box::leak(Box::new(Tables {
        real,
        shim: ffi::sqlite3_io_methods {
            xClose: Some(x_close),
            xSync: Some(x_sync),
            ..*real
        },
    }));
    tables.push(new);
    &new.shim
}

/// `xDelete`: deletes with `unix`, then records the delete (durable while powered).
#[expect(unsafe_code, reason = "an SQLite VFS callback")]
unsafe extern "C" fn x_delete(
    vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    sync_dir: c_int,
) -> c_int {
    // SAFETY: SQLite calls xDelete with the shim's VFS and a file name (a C string).
    let (root, path) = unsafe { (root_of(vfs), path_of(name)) };
    // SAFETY: `root` is the `unix` VFS, which has an xDelete.
    let Some(root_delete) = (unsafe { (*root).xDelete }) else {
        return ffi::SQLITE_IOERR_DELETE;
    };
    // SAFETY: SQLite's own arguments, passed on to `unix`.
    let rc = unsafe { root_delete(root, name, sync_dir) };
    if (rc == ffi::SQLITE_OK || rc == ffi::SQLITE_IOERR_DELETE_NOENT)
        && let Some(path) = path
    {
        crate::deleted(path);
    }
    rc
}

/// `xSync`: syncs with `unix`; when that succeeded and the power is on, records the file's
/// content as durable.
#[expect(unsafe_code, reason = "an SQLite io-methods callback")]
unsafe extern "C" fn x_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: `file` was opened by the shim's xOpen, which wrote `Extra`.
    let Extra { id, real } = unsafe { extra(file).read() };
    let Some(sync) = real.xSync else {
        return ffi::SQLITE_IOERR_FSYNC;
    };
    // SAFETY: `file` is an open file of the shim: a `unix` file first.
    let rc = unsafe { sync(file, flags) };
    if rc != ffi::SQLITE_OK || !crate::powered(id) {
        return rc;
    }
    // SAFETY: as above: an open `unix` file and its methods.
    match unsafe { content(file, real) } {
        Ok(bytes) => {
            crate::synced(id, bytes);
            ffi::SQLITE_OK
        }
        Err(rc) => rc,
    }
}

/// The whole content of `file`, read through SQLite's own handle (opening the file anew
/// and closing it would drop this process's POSIX locks on it).
///
/// # Safety
/// `file` is an open `unix` file and `real` its methods.
#[expect(unsafe_code, reason = "reads through SQLite's file methods")]
unsafe fn content(
    file: *mut ffi::sqlite3_file,
    real: &ffi::sqlite3_io_methods,
) -> Result<Vec<u8>, c_int> {
    let (Some(file_size), Some(read)) = (real.xFileSize, real.xRead) else {
        return Err(ffi::SQLITE_IOERR_READ);
    };
    let mut size: ffi::sqlite3_int64 = 0;
    // SAFETY: the caller's contract; `size` is a valid out pointer.
    let rc = unsafe { file_size(file, &raw mut size) };
    if rc != ffi::SQLITE_OK {
        return Err(rc);
    }
    let size = usize::try_from(size).map_err(|_| ffi::SQLITE_IOERR_READ)?;
    let mut bytes = vec![0u8; size];
    for (i, chunk) in bytes.chunks_mut(CHUNK).enumerate() {
        let (Ok(amount), Ok(offset)) = (
            c_int::try_from(chunk.len()),
            ffi::sqlite3_int64::try_from(i * CHUNK),
        ) else {
            return Err(ffi::SQLITE_IOERR_READ);
        };
        // SAFETY: the caller's contract; `chunk` is `amount` writable bytes.
        let rc = unsafe { read(file, chunk.as_mut_ptr().cast(), amount, offset) };
        if rc != ffi::SQLITE_OK {
            return Err(rc);
        }
    }
    Ok(bytes)
}

/// `xClose`: closes with `unix`, then forgets the handle.
#[expect(unsafe_code, reason = "an SQLite io-methods callback")]
unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: `file` was opened by the shim's xOpen, which wrote `Extra`; read before closing.
    let Extra { id, real } = unsafe { extra(file).read() };
    let rc = match real.xClose {
        // SAFETY: `file` is an open `unix` file.
        Some(close) => unsafe { close(file) },
        None => ffi::SQLITE_INTERNAL,
    };
    crate::closed(id);
    rc
}
