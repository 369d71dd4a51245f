//! Test only (feature `test-clock`, never in a default build): a [`Clock`] that reads its
//! instant from a file, so that tests through the real `postcore` binary run on a fixed
//! clock they move by rewriting the file (`postcore serve --test-clock-file PATH`).

use postcore_domain::{Clock, Timestamp, parse_timestamp};
use std::path::PathBuf;
use std::sync::Mutex;

/// A clock showing the RFC 3339 instant held in a file, read at every `now()`. A read
/// that fails or does not parse (a test rewriting the file non-atomically) shows the last
/// instant read.
#[derive(Debug)]
pub struct FileClock {
    path: PathBuf,
    last: Mutex<Timestamp>,
}

impl FileClock {
    /// A clock over `path`, which must hold an instant now.
    ///
    /// # Errors
    /// When the file cannot be read or does not hold an RFC 3339 instant.
    pub fn open(path: PathBuf) -> anyhow::Result<Self> {
        let first = read(&path).ok_or_else(|| {
            anyhow::anyhow!(
                "the test clock file {} does not hold an RFC 3339 instant",
                path.display()
            )
        })?;
        Ok(Self {
            path,
            last: Mutex::new(first),
        })
    }
}

fn read(path: &std::path::Path) -> Option<Timestamp> {
    let text = std::fs::read_to_string(path).ok()?;
    parse_timestamp(text.trim()).ok()
}

impl Clock for FileClock {
    fn now(&self) -> Timestamp {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(now) = read(&self.path) {
            *last = now;
        }
        *last
    }
}
