//! `import FILE --account NAME`: recreate the profiles of a saved hosted-API
//! `GET /profiles` response, keys preserved, in one transaction; idempotent.

use crate::context::{Globals, Open};
use crate::exit::{Code, bad_input};
use postcore_api::{ConnectedPlatform, ProfileList, ProfileObject};
use postcore_domain::AccountName;
use postcore_domain::{
    Connection, ConnectionError, Platform, Profile, ProfileKey, ProfileName, Timestamp,
};
use postcore_domain::{is_in_timestamp_range, parse_timestamp};
use postcore_store::{ProfileRecord, Progress};
use serde_json::value::RawValue;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A saved `GET /profiles` response: `{"profiles": [...]}` as in the seed document.
    pub file: PathBuf,
    /// The account that receives the profiles.
    #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
    pub account: AccountName,
}

/// Imports the file. Connections keep their public fields but carry no credentials, so
/// each is marked as needing a reconnect unless it has already expired. Profiles whose key
/// already exists in the account are left as they are, so a second import changes nothing.
pub async fn run(globals: &Globals, args: Args) -> anyhow::Result<Code> {
    let arg = format!("FILE {}", args.file.display());
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| bad_input(format!("{arg}: cannot read it: {e}")))?;
    let records =
        parse_document(&text, globals.now).map_err(|e| bad_input(format!("{arg}: {e}")))?;
    let ctx = globals.open(Open::MustExist).await?;
    let account = ctx.account(&args.account).await?;
    let bar = crate::output::progress_bar(
        records.len() as u64,
        "importing {bar:40} {pos}/{len} profiles",
    );
    let progress: Progress = {
        let bar = bar.clone();
        Arc::new(move |done| bar.set_position(done))
    };
    let summary = ctx
        .store
        .import_profiles(account.id, records, Some(progress))
        .await;
    bar.finish_and_clear();
    let summary = summary.map_err(|e| anyhow::Error::new(e).context(arg))?;
    println!(
        "imported into account {}: {} created, {} unchanged",
        account.name, summary.created, summary.unchanged
    );
    Ok(Code::Success)
}

/// Reads an import document — a saved `GET /profiles` response, `{"profiles": [...]}` as
/// in the seed document (api.md §5.1) — into the records `import` writes, checking every
/// field; `now` (UTC) decides which connections have already expired. Nothing is written.
///
/// Public (re-exported as [`crate::parse_import_document`]) only so that the fuzz target
/// `import_document` (`fuzz/`) runs the very parser the command runs.
///
/// # Errors
/// One line naming the record and field at fault, e.g.
/// `profiles[0].createdAt: not an RFC 3339 timestamp (…)`, or
/// `not a GET /profiles response (…)` when the text is not such a JSON document.
pub fn parse_document(text: &str, now: Timestamp) -> Result<Vec<ProfileRecord>, String> {
    let profiles = parse(text)?;
    let mut seen = HashSet::new();
    let mut records = Vec::with_capacity(profiles.len());
    for (i, p) in profiles.iter().enumerate() {
        let record = record(p, now).map_err(|e| format!("profiles[{i}].{e}"))?;
        if !seen.insert(record.profile.key().clone()) {
            return Err(format!(
                "profiles[{i}].profileKey: {} appears twice",
                record.profile.key()
            ));
        }
        records.push(record);
    }
    Ok(records)
}

/// The profiles of a saved `GET /profiles` response. A UTF-8 byte-order mark before it is
/// skipped (editors on Windows write one; RFC 8259 §8.1 lets a parser ignore it). A record
/// that does not parse, a duplicate field among them, is named by its index.
///
/// # Errors
/// What is wrong and where (line and column in the file), as one line.
fn parse(text: &str) -> Result<Vec<ProfileObject<'static>>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let doc: ProfileList<&RawValue> =
        serde_json::from_str(text).map_err(|e| format!("not a GET /profiles response ({e})"))?;
    doc.profiles
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            serde_json::from_str(raw.get()).map_err(|e| {
                // serde_json counts within the record: count from the file's start instead.
                let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
                let before = &text[..start];
                let line = before.matches('\n').count() + e.line();
                let column = match e.line() {
                    1 => before.len() - before.rfind('\n').map_or(0, |n| n + 1) + e.column(),
                    _ => e.column(),
                };
                let message = e.to_string();
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m);
                format!("profiles[{i}]: {message} at line {line} column {column}")
            })
        })
        .collect()
}

/// A timestamp field; the error names the field.
fn when(field: &str, text: &str) -> Result<Timestamp, String> {
    parse_timestamp(text).map_err(|e| format!("{field}: not an RFC 3339 timestamp ({e})"))
}

/// The profile record of one imported profile; the error names the field at fault.
fn record(p: &ProfileObject, now: Timestamp) -> Result<ProfileRecord, String> {
    let key = ProfileKey::parse(&p.profile_key).map_err(|e| format!("profileKey: {e}"))?;
    let name = p
        .profile_name
        .as_deref()
        .map(ProfileName::parse)
        .transpose()
        .map_err(|e| format!("profileName: {e}"))?;
    let created_at = when("createdAt", &p.created_at)?;
    // An offset can carry 9999-12-31T23:59:59-01:00 past the last instant the API can show
    // as RFC 3339 (found by the `import_document` fuzz target).
    if !is_in_timestamp_range(created_at) {
        return Err(ConnectionError::OutOfRange("createdAt").to_string());
    }
    let mut connections = Vec::new();
    for (j, c) in p.connected_platforms.iter().enumerate() {
        let conn = connection(c, now).map_err(|e| format!("connectedPlatforms[{j}].{e}"))?;
        if connections
            .iter()
            .any(|o: &Connection| o.platform() == conn.platform())
        {
            return Err(format!(
                "connectedPlatforms[{j}].platform: {} appears twice",
                conn.platform()
            ));
        }
        connections.push(conn);
    }
    connections.sort_by_key(Connection::platform);
    Ok(ProfileRecord {
        profile: Profile::new(key, name, created_at),
        connections,
    })
}

fn connection(c: &ConnectedPlatform, now: Timestamp) -> Result<Connection, String> {
    let platform = Platform::parse(&c.platform).map_err(|e| format!("platform: {e}"))?;
    let connected_at = when("connectedAt", &c.connected_at)?;
    let mut conn = Connection::new(
        platform,
        c.display_name.as_ref(),
        c.username.as_ref(),
        connected_at,
    );
    if let Some(text) = &c.expires_at {
        conn = conn.with_expires_at(Some(when("expiresAt", text)?));
    }
    conn.validate().map_err(|e| match e {
        // Without an expiresAt in the file, the expiry is connectedAt + the policy's lifetime.
        ConnectionError::OutOfRange("expiresAt") if c.expires_at.is_none() => {
            format!("connectedAt: {e}")
        }
        e => e.to_string(),
    })?;
    // No credentials come along: the app must reconnect, unless the token expired anyway.
    let expired = conn.expires_at().is_some_and(|e| now >= e);
    Ok(conn.with_revoked(!expired))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document of one profile `prof_a` created at `created_at`.
    fn created(created_at: &str) -> String {
        format!(
            r#"{{"profiles":[{{"profileKey":"prof_a","profileName":null,"createdAt":"{created_at}","connectedPlatforms":[]}}]}}"#
        )
    }

    fn now() -> Timestamp {
        parse_timestamp("2025-01-06T12:30:00Z").unwrap()
    }

    /// Regression (the `import_document` fuzz target, `fuzz/`): an offset carried
    /// `createdAt` past 9999-12-31T23:59:59Z (or before year 0), and the profile was
    /// imported with an instant the API prints as `+10000-…`, not RFC 3339.
    #[test]
    fn a_created_at_outside_the_writable_range_is_refused_naming_the_field() {
        for text in ["9999-12-31T23:59:59-01:00", "0000-01-01T00:00:00+01:00"] {
            assert_eq!(
                parse_document(&created(text), now()).map(|r| r.len()),
                Err(
                    "profiles[0].createdAt: must be from 0000-01-01T00:00:00Z to \
                     9999-12-31T23:59:59Z"
                        .to_owned()
                ),
                "{text}"
            );
        }
        let last = parse_document(&created("9999-12-31T23:59:59Z"), now()).unwrap();
        assert_eq!(
            postcore_domain::format_timestamp(last[0].profile.created_at()),
            "9999-12-31T23:59:59Z"
        );
    }
}
