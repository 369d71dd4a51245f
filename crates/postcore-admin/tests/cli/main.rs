//! End-to-end tests of the `postcore-admin` binary, one temporary database per test.
//!
//! Where a value depends on the time, the binary runs with its hidden `--now` option and
//! the store is read at that same instant, so that every expected value is exact.

mod accounts;
mod backup;
mod connections;
mod demo;
mod expiring;
mod harness;
mod import;
mod keys;
mod migrate;
mod migrate_to;
mod postgres_urls;
mod profiles;
mod usage;
mod webhooks;

use crate::harness::Admin;
use clap::CommandFactory as _;
use postcore_domain::{Timestamp, parse_timestamp};

/// The seed document's "now": its LinkedIn connection then has 55 days left.
const NOW: &str = "2025-01-06T12:30:00Z";

/// An instant from RFC 3339 text.
fn at(text: &str) -> Timestamp {
    parse_timestamp(text).unwrap()
}

/// Parsed JSON output.
fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// An admin with the account `acme` created at [`NOW`].
fn with_account() -> Admin {
    let admin = Admin::new();
    admin.ok(&["--now", NOW, "accounts", "create", "acme"]);
    admin
}

#[test]
fn the_clap_definition_is_valid() {
    postcore_admin::Cli::command().debug_assert();
}
