//! The token refresher against a real SQLite store and the LinkedIn stand-in on 127.0.0.1,
//! at explicit instants: how each answer of the token endpoint ends a connection's refresh,
//! what is never refreshed, dry runs, and refreshers racing on one database.

mod cli;
mod harness;
mod outcomes;
mod races;

use harness::key;
use postcore_domain::{AccountName, Platform, Timestamp};
use postcore_refresh::{RefreshResult, RefreshRow};

/// The report row of profile `k` of the account `acme`.
fn row(k: &str, expires_at: Timestamp, result: RefreshResult) -> RefreshRow {
    RefreshRow {
        account_name: AccountName::parse("acme").unwrap(),
        profile_key: key(k),
        platform: Platform::LinkedIn,
        expires_at: Some(expires_at),
        result,
    }
}
