//! The log capture of the no-secrets tests: every log line of the process, at TRACE, into
//! a buffer the test reads back. Included by path: it installs the global subscriber, so a
//! test binary uses it once.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// A log sink the test reads back.
#[derive(Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    /// Everything logged so far (printed to stderr too when `SHOW_LOGS` is set).
    pub fn text(&self) -> String {
        let logs = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        if std::env::var_os("SHOW_LOGS").is_some() {
            eprintln!("{logs}");
        }
        logs
    }
}

/// Installs the process's global subscriber at TRACE, without colours, writing to the
/// returned buffer.
pub fn capture() -> Buffer {
    let logs = Buffer::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    logs
}
