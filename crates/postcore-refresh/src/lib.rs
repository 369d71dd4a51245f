//! The token refresher (issue 11, "Keeping tokens alive"): renews LinkedIn access tokens
//! that have a refresh token before they expire, through the store's refresh lease so that
//! exactly one refresher works on a connection at a time, across every process on the
//! database.
//!
//! [`refresh_due`] is one pass (the CLI's `connections refresh`); [`spawn_refresher`] runs
//! passes in the server. Each connection ends in one [`RefreshResult`]:
//! - renewed in place with the new tokens (a refresh token kept when none is sent);
//! - `invalid_grant` (RFC 6749 §5.2), or a refresh token past its own expiry: marked as
//!   needing a reconnect;
//! - a transient failure or an answer not understood: not marked, retried after a back-off
//!   ([`backoff`]);
//! - claimed or changed by someone else meanwhile: left to them.
//!
//! It depends on the domain, the store and the platform clients only: no web stack.

mod backoff;
mod pass;
mod report;
mod settings;
mod task;

pub use backoff::backoff;
pub use pass::refresh_due;
pub use report::{RefreshReport, RefreshResult, RefreshRow};
pub use settings::RefreshSettings;
pub use task::spawn_refresher;
