//! Requests refused at the protocol level, logged at WARN and at most once a second.
//!
//! actix-http logs every connection it closes over a malformed request (a bad request
//! line, conflicting `Content-Length` and `Transfer-Encoding`, a bad chunk size, too many
//! headers…) at ERROR, as `stream error: …` under the target `actix_http::h1::dispatcher`:
//! any client could flood the error log. Those events never reach the log lines; they are
//! counted and told again at WARN under the target `postcore_http::protocol`: the first
//! at once, then one line a second at most, saying how many were refused meanwhile.
//! (The header-name panic of actix-http 3.20.0 is fixed in the patched copy the workspace
//! builds, vendor/actix-http/POSTCORE-PATCH.md: such a request is refused like any other.)

use std::sync::mpsc;
use std::time::{Duration, Instant};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// At most one WARN line per this period.
const WINDOW: Duration = Duration::from_secs(1);

/// The target of the WARN lines.
const TARGET: &str = "postcore_http::protocol";

/// Whether `meta` is one of actix-http's ERROR or WARN events, which it logs for a
/// connection closed over a malformed request; such events stay out of the log lines.
pub(crate) fn is_refusal(meta: &Metadata<'_>) -> bool {
    meta.target().starts_with("actix_http::")
        && (*meta.level() == Level::ERROR || *meta.level() == Level::WARN)
}

/// The layer that hands actix-http's refusals to the teller thread.
pub(crate) struct Refusals {
    tx: mpsc::Sender<String>,
}

impl<S: Subscriber> Layer<S> for Refusals {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if is_refusal(event.metadata()) {
            let mut message = Message(String::new());
            event.record(&mut message);
            let _ = self.tx.send(message.0);
        }
    }
}

/// The `message` field of an event.
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

/// Starts the teller thread and returns the layer to add to the subscriber.
pub(crate) fn install() -> Refusals {
    let (tx, rx) = mpsc::channel::<String>();
    // The thread ends with the process; a failure to start it only loses these lines.
    let _ = std::thread::Builder::new()
        .name("protocol-log".into())
        .spawn(move || tell(&rx));
    Refusals { tx }
}

/// Tells the refusals from `rx` at WARN: the first at once, then at most one line per
/// [`WINDOW`] with the number held back and the latest reason.
fn tell(rx: &mpsc::Receiver<String>) {
    let mut last_line: Option<Instant> = None;
    let mut held: u64 = 0;
    let mut latest = String::new();
    loop {
        match rx.recv_timeout(WINDOW) {
            Ok(reason) if last_line.is_none_or(|t| t.elapsed() >= WINDOW) && held == 0 => {
                tracing::warn!(target: TARGET, %reason, "refused a request at the protocol level");
                last_line = Some(Instant::now());
            }
            Ok(reason) => {
                held += 1;
                latest = reason;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        if held > 0 && last_line.is_none_or(|t| t.elapsed() >= WINDOW) {
            tracing::warn!(
                target: TARGET,
                refused = held,
                latest = %latest,
                "refused more requests at the protocol level"
            );
            held = 0;
            last_line = Some(Instant::now());
        }
    }
}
