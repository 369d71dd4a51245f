//! Fuzz target: the import document of `postcore-admin import` — a saved `GET /profiles`
//! response (api.md §5.1) — read by the command's own parser,
//! `postcore_admin::parse_import_document`, at a fixed `now` (the seed's).
//!
//! A refusal is an error value naming a field; an accepted document gives records with
//! distinct, well-formed keys, valid names and connections, and instants that print as RFC
//! 3339. Parse then print: the records written back as a `GET /profiles` response read
//! back as the same records, in whole seconds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use postcore_api::{ProfileList, ProfileObject};
use postcore_domain::{
    Connection, ProfileKey, ProfileName, Timestamp, format_timestamp, parse_timestamp,
    whole_seconds,
};
use postcore_store::ProfileRecord;

/// The seed document's `now`, 2025-01-06T12:30:00Z.
fn now() -> Timestamp {
    parse_timestamp("2025-01-06T12:30:00Z").unwrap()
}

/// `at` prints as RFC 3339 that reads back as `at` in whole seconds.
fn prints(at: Timestamp) {
    let printed = format_timestamp(at);
    assert_eq!(
        parse_timestamp(&printed),
        Ok(whole_seconds(at)),
        "{printed}"
    );
}

/// What survives a print and a re-read: the fields, instants in whole seconds.
fn shape(r: &ProfileRecord) -> impl PartialEq + std::fmt::Debug {
    let conn = |c: &Connection| {
        (
            c.platform(),
            c.display_name().to_owned(),
            c.username().to_owned(),
            whole_seconds(c.connected_at()),
            c.expires_at().map(whole_seconds),
            c.is_revoked(),
        )
    };
    (
        r.profile.key().clone(),
        r.profile.name().cloned(),
        whole_seconds(r.profile.created_at()),
        r.connections.iter().map(conn).collect::<Vec<_>>(),
    )
}

fuzz_target!(|bytes: &[u8]| {
    // The command reads the file as UTF-8 first (`read_to_string`).
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let records = match postcore_admin::parse_import_document(text, now()) {
        Ok(records) => records,
        Err(message) => {
            assert!(!message.is_empty());
            return;
        }
    };
    let mut keys = std::collections::HashSet::new();
    for r in &records {
        let key = r.profile.key();
        assert!(keys.insert(key.clone()), "{key} twice");
        assert_eq!(ProfileKey::parse(key.as_str()).as_ref(), Ok(key));
        if let Some(name) = r.profile.name() {
            assert_eq!(ProfileName::parse(name.as_str()).as_ref(), Ok(name));
        }
        prints(r.profile.created_at());
        for c in &r.connections {
            assert_eq!(c.validate(), Ok(()), "{c:?}");
            prints(c.connected_at());
            c.expires_at().map(prints);
        }
    }
    // Parse, then print, then parse: the same records.
    let list = ProfileList {
        profiles: records
            .iter()
            .map(|r| ProfileObject::new(&r.profile, &r.connections, now()))
            .collect(),
    };
    let printed = serde_json::to_string(&list).unwrap();
    let reread = postcore_admin::parse_import_document(&printed, now())
        .unwrap_or_else(|e| panic!("the printed document is refused: {e}\n{printed}"));
    let before: Vec<_> = records.iter().map(shape).collect();
    let after: Vec<_> = reread.iter().map(shape).collect();
    assert_eq!(before, after, "{printed}");
});
