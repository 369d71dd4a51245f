//! A small filesystem of the test's own, for running out of space on purpose: a tmpfs of a
//! fixed size mounted on a temporary directory, and a filler file that takes every byte
//! left. Mounting needs root; [`SmallDisk::mount`] says why when it cannot.

use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted on a temporary directory, unmounted (then removed) on drop.
pub struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts a tmpfs of `size` (`mount -o size=…`: `3m` is 3 MiB) on a new temporary
    /// directory.
    ///
    /// # Errors
    /// The reason `mount` gave, on one line (or why it could not run): not root, no
    /// tmpfs, …
    pub fn mount(size: &str) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            // One line: mount's message spans two.
            let reason = String::from_utf8_lossy(&out.stderr);
            return Err(reason.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        Ok(Self { dir })
    }

    /// The mounted directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes the file `filler` in this directory until the filesystem refuses a single
    /// byte more; deleting it frees the space again. Returns its path.
    ///
    /// # Panics
    /// On any error but "no space left on device".
    pub fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        for chunk in [64 * 1024, 4096, 1] {
            let bytes = vec![b'x'; chunk];
            loop {
                match file.write(&bytes) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == ErrorKind::StorageFull => break,
                    Err(e) => panic!("filling {}: {e}", path.display()),
                }
            }
        }
        // What was written is allocated: syncing it needs no new space.
        file.sync_all().unwrap();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Whatever used it has ended by now; lazily, should a file still be open.
        let unmounted = Command::new("umount")
            .arg(self.path())
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            let _ = Command::new("umount").arg("-l").arg(self.path()).status();
        }
    }
}
