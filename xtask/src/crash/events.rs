//! The crash run's webhook ledger: the events the clients' writes may cause, and the pure
//! check of the events a receiver kept against them.
//!
//! Each write to a profile causes one event in the same transaction (issue 13): a connect
//! or renewal `connection.connected`, a disconnect `connection.disconnected`, a delete
//! `profile.deleted`; creates and renames cause none, and the run's tokens are far from
//! expiry, so no other event may come. An acknowledged write's event must arrive at least
//! once; an unanswered write's may arrive or not. So, per profile key, event type and
//! platform, the distinct events kept must number at least the acknowledged writes and at
//! most all the writes sent, and a `connection.connected` must name an account that one
//! of those writes connected. Anything else was invented.

use super::model::{Op, Platform};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The event `op` causes, as (type, platform), or `None` (a rename causes none).
pub fn event_of(op: &Op) -> Option<(&'static str, Option<Platform>)> {
    match op {
        Op::Rename(_) => None,
        Op::Connect(platform, _) => Some(("connection.connected", Some(*platform))),
        Op::Disconnect(platform) => Some(("connection.disconnected", Some(*platform))),
        Op::Delete => Some(("profile.deleted", None)),
    }
}

/// Which events: a profile key, an event type, the platform (none for `profile.deleted`).
type Bucket = (String, &'static str, Option<Platform>);

/// The writes sent that cause events, per bucket.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Sent {
    acknowledged: usize,
    unacknowledged: usize,
    /// The `username`s connected by `connection.connected` writes.
    usernames: BTreeSet<String>,
}

/// Every event-causing write of the run.
#[derive(Debug, Default)]
pub struct Ledger {
    sent: BTreeMap<Bucket, Sent>,
}

impl Ledger {
    /// Records `op` on the profile `key`, acknowledged or not.
    pub fn record(&mut self, key: &str, op: &Op, acknowledged: bool) {
        let Some((kind, platform)) = event_of(op) else {
            return;
        };
        let sent = self
            .sent
            .entry((key.to_owned(), kind, platform))
            .or_default();
        if acknowledged {
            sent.acknowledged += 1;
        } else {
            sent.unacknowledged += 1;
        }
        if let Op::Connect(_, conn) = op {
            sent.usernames.insert(conn.username.clone());
        }
    }

    /// Acknowledged writes whose events the ledger awaits.
    pub fn acknowledged(&self) -> usize {
        self.sent.values().map(|s| s.acknowledged).sum()
    }

    /// Checks `events` (kept by `webhook-id`) against the writes: returns the invented
    /// ones (more events than writes in a bucket, a type or platform no write causes, a
    /// `connection.connected` naming an account no write connected), each described.
    pub fn invented(&self, events: &HashMap<String, Value>) -> Vec<String> {
        let mut found: BTreeMap<Bucket, Vec<&str>> = BTreeMap::new();
        let mut invented = Vec::new();
        for (id, event) in events {
            match bucket_of(event) {
                Some(bucket) => {
                    let sent = self.sent.get(&bucket);
                    let username = event["data"]["username"].as_str().unwrap_or_default();
                    if bucket.1 == "connection.connected"
                        && !sent.is_some_and(|s| s.usernames.contains(username))
                    {
                        invented.push(format!("{id}: no write connected {username:?}: {event}"));
                    }
                    found.entry(bucket).or_default().push(id);
                }
                None => invented.push(format!("{id}: no write causes it: {event}")),
            }
        }
        for (bucket, mut ids) in found {
            ids.sort_unstable();
            let sent = self.sent.get(&bucket).cloned().unwrap_or_default();
            let most = sent.acknowledged + sent.unacknowledged;
            if ids.len() > most {
                invented.push(format!(
                    "{} {} events for {}{} from {most} writes: {}",
                    ids.len(),
                    bucket.1,
                    bucket.0,
                    bucket
                        .2
                        .map_or(String::new(), |p| format!(" on {}", p.as_str())),
                    ids.join(", ")
                ));
            }
        }
        invented.sort();
        invented
    }

    /// The acknowledged writes whose events `events` lacks, each described: the events
    /// still awaited.
    pub fn missing(&self, events: &HashMap<String, Value>) -> Vec<String> {
        let mut found: HashMap<Bucket, usize> = HashMap::new();
        for event in events.values() {
            if let Some(bucket) = bucket_of(event) {
                *found.entry(bucket).or_default() += 1;
            }
        }
        self.sent
            .iter()
            .filter_map(|(bucket, sent)| {
                let have = found.get(bucket).copied().unwrap_or(0);
                (have < sent.acknowledged).then(|| {
                    format!(
                        "{}{}: {} of {} acknowledged {} events arrived",
                        bucket.0,
                        bucket
                            .2
                            .map_or(String::new(), |p| format!(" on {}", p.as_str())),
                        have,
                        sent.acknowledged,
                        bucket.1
                    )
                })
            })
            .collect()
    }
}

/// The bucket of a kept event: `data.profileKey`, `type` (one a write causes) and
/// `data.platform` (present on exactly the connection events); `None` when it is none.
fn bucket_of(event: &Value) -> Option<Bucket> {
    let kind = match event["type"].as_str()? {
        "connection.connected" => "connection.connected",
        "connection.disconnected" => "connection.disconnected",
        "profile.deleted" => "profile.deleted",
        _ => return None,
    };
    let key = event["data"]["profileKey"].as_str()?.to_owned();
    let platform = match (kind, event["data"]["platform"].as_str()) {
        ("profile.deleted", None) => None,
        ("profile.deleted", Some(_)) => return None,
        (_, Some("bluesky")) => Some(Platform::Bluesky),
        (_, Some("linkedin")) => Some(Platform::LinkedIn),
        (_, _) => return None,
    };
    Some((key, kind, platform))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crash::model::Conn;
    use serde_json::json;

    fn connect(handle: &str) -> Op {
        Op::Connect(
            Platform::Bluesky,
            Conn {
                username: handle.to_owned(),
                display_name: handle.to_owned(),
                since: 0,
            },
        )
    }

    fn connected(key: &str, handle: &str) -> Value {
        json!({"id": "x", "type": "connection.connected", "createdAt": "2026-11-30T00:00:00Z",
               "data": {"profileKey": key, "platform": "bluesky", "username": handle}})
    }

    fn kept(events: &[(&str, Value)]) -> HashMap<String, Value> {
        events
            .iter()
            .map(|(id, e)| ((*id).to_owned(), e.clone()))
            .collect()
    }

    #[test]
    fn an_acknowledged_write_awaits_its_event_until_it_arrives() {
        let mut ledger = Ledger::default();
        ledger.record("prof_a", &connect("a.bsky.social"), true);
        ledger.record("prof_a", &Op::Rename("n".to_owned()), true);
        assert_eq!(ledger.acknowledged(), 1);
        assert_eq!(
            ledger.missing(&HashMap::new()),
            ["prof_a on bluesky: 0 of 1 acknowledged connection.connected events arrived"]
        );
        let events = kept(&[("evt_1", connected("prof_a", "a.bsky.social"))]);
        assert_eq!(ledger.missing(&events), Vec::<String>::new());
        assert_eq!(ledger.invented(&events), Vec::<String>::new());
    }

    #[test]
    fn an_unanswered_write_may_or_may_not_send_one_event() {
        let mut ledger = Ledger::default();
        ledger.record("prof_a", &Op::Delete, false);
        let deleted =
            json!({"id": "x", "type": "profile.deleted", "data": {"profileKey": "prof_a"}});
        assert_eq!(ledger.missing(&HashMap::new()), Vec::<String>::new());
        let one = kept(&[("evt_1", deleted.clone())]);
        assert_eq!(ledger.invented(&one), Vec::<String>::new());
        let two = kept(&[("evt_1", deleted.clone()), ("evt_2", deleted)]);
        assert_eq!(
            ledger.invented(&two),
            ["2 profile.deleted events for prof_a from 1 writes: evt_1, evt_2"]
        );
    }

    #[test]
    fn events_no_write_causes_are_invented() {
        let mut ledger = Ledger::default();
        ledger.record("prof_a", &connect("a.bsky.social"), true);
        let events = kept(&[
            ("evt_1", connected("prof_a", "b.bsky.social")),
            ("evt_2", connected("prof_b", "a.bsky.social")),
            (
                "evt_3",
                json!({"id": "evt_3", "type": "connection.expiring",
                       "data": {"profileKey": "prof_a", "platform": "bluesky"}}),
            ),
        ]);
        let invented = ledger.invented(&events);
        let reasons: Vec<&str> = invented
            .iter()
            .map(|line| line.split(": {").next().unwrap())
            .collect();
        assert_eq!(
            reasons,
            [
                "1 connection.connected events for prof_b on bluesky from 0 writes: evt_2",
                "evt_1: no write connected \"b.bsky.social\"",
                "evt_2: no write connected \"a.bsky.social\"",
                "evt_3: no write causes it",
            ]
        );
    }
}
