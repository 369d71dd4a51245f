//! The crash run's model of what the server may hold, and the pure checks of a recorded
//! history against what it holds after a restart.
//!
//! Every profile starts a round in one known [`State`] and then sees the writes recorded in
//! that round, in order (one client at a time owns a profile, and a profile whose request
//! went unanswered is left alone until the server has died). An acknowledged write (a 2xx
//! answer, or a `postcore-admin` exit 0) must hold; an unacknowledged one may have
//! committed or not, so it doubles the outcomes. After the restart the stored profile must
//! be one of [`outcomes`]: [`check`] says which, or describes the loss.

use serde_json::Value;
use std::collections::BTreeMap;

/// A platform of a connection (api.md §2, Connected Platform).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Platform {
    Bluesky,
    LinkedIn,
}

impl Platform {
    /// The wire name (`bluesky`, `linkedin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Bluesky => "bluesky",
            Platform::LinkedIn => "linkedin",
        }
    }
}

/// A connection as the clients know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conn {
    /// `username` on the wire: the Bluesky handle, or the LinkedIn member's email.
    pub username: String,
    /// `displayName` on the wire (the Bluesky stand-in gives none, so it is the handle).
    pub display_name: String,
    /// Unix seconds: `connectedAt` is at least this, the start of the latest connect or
    /// renewal that made it (an older `connectedAt` means that renewal was lost).
    pub since: i64,
}

/// A profile as the clients know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// `profileName`: from the create, or the latest rename.
    pub name: Option<String>,
    /// Unix seconds around the creating request: `createdAt` falls within them.
    pub created_within: (i64, i64),
    /// The connections, by platform.
    pub connections: BTreeMap<Platform, Conn>,
}

/// A profile key's state: stored with these fields, or gone (deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Present(Profile),
    /// Deleted: `GET /profiles` must not list it and `GET /profiles/{key}` answers 404.
    Absent,
}

/// One write to an existing profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `postcore-admin profiles rename KEY NAME`.
    Rename(String),
    /// A connect or a renewal in place (same account) on the platform.
    Connect(Platform, Conn),
    /// `DELETE /profiles/{key}/connections/{platform}`.
    Disconnect(Platform),
    /// `DELETE /profiles/{key}`.
    Delete,
}

/// A write as sent, and whether it was acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub op: Op,
    pub acknowledged: bool,
}

/// The state after `op`. A write to a deleted profile changes nothing (it is answered 404).
pub fn apply(state: &State, op: &Op) -> State {
    let State::Present(p) = state else {
        return State::Absent;
    };
    let mut p = p.clone();
    match op {
        Op::Rename(name) => p.name = Some(name.clone()),
        Op::Connect(platform, conn) => {
            p.connections.insert(*platform, conn.clone());
        }
        Op::Disconnect(platform) => {
            p.connections.remove(platform);
        }
        Op::Delete => return State::Absent,
    }
    State::Present(p)
}

/// Every state the profile may be in after `history` from `start`: an acknowledged write
/// holds in each, an unacknowledged one may or may not have committed.
pub fn outcomes(start: &State, history: &[Recorded]) -> Vec<State> {
    let mut states = vec![start.clone()];
    for r in history {
        let applied: Vec<State> = states.iter().map(|s| apply(s, &r.op)).collect();
        if r.acknowledged {
            states = applied;
        } else {
            states.extend(applied);
        }
        let mut unique: Vec<State> = Vec::with_capacity(states.len());
        for s in states {
            if !unique.contains(&s) {
                unique.push(s);
            }
        }
        states = unique;
    }
    states
}

/// Checks the stored profile (`stored`: its entry of `GET /profiles`, or `None` when not
/// listed) against `history` from `start`, `now` in Unix seconds. Returns the outcome it
/// matches — the next round's start — or a description of what was lost.
pub fn check(
    start: &State,
    history: &[Recorded],
    stored: Option<&Value>,
    now: i64,
) -> Result<State, String> {
    let candidates = outcomes(start, history);
    if let Some(found) = candidates.iter().find(|s| matches(s, stored, now)) {
        return Ok(found.clone());
    }
    let acknowledged_delete = history.iter().any(|r| r.acknowledged && r.op == Op::Delete);
    Err(match stored {
        Some(p) if acknowledged_delete => format!("an acknowledged delete was lost: {p}"),
        Some(p) if *start == State::Absent => {
            format!("a profile deleted in an earlier round came back: {p}")
        }
        Some(p) => format!("the stored profile is none of the acknowledged outcomes: {p}"),
        None if candidates.contains(&State::Absent) => {
            unreachable!("an absent profile matches an absent outcome")
        }
        None => "the profile is missing".to_owned(),
    })
}

/// A new profile whose creating request went unanswered: `POST /profiles/create` with
/// `name`, or `POST /profiles/connect` without a `profileKey` (no name, one connection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingNew {
    pub name: Option<String>,
    pub connection: Option<(Platform, Conn)>,
    /// Unix seconds at the request's start: `createdAt` is at least this.
    pub since: i64,
}

/// A stored profile that no acknowledged write made must be the outcome of one unanswered
/// request in `pending`: takes that request out and returns the profile's state, or
/// describes the stranger. `now` in Unix seconds.
pub fn adopt(pending: &mut Vec<PendingNew>, stored: &Value, now: i64) -> Result<State, String> {
    // Of the requests it could be, the latest: an earlier one fits every later profile too.
    let position = pending
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            let p = Profile {
                name: n.name.clone(),
                created_within: (n.since, now),
                connections: n.connection.clone().into_iter().collect(),
            };
            profile_holds(&p, stored, now)
        })
        .max_by_key(|(_, n)| n.since)
        .map(|(i, _)| i);
    match position {
        Some(i) => {
            let n = pending.swap_remove(i);
            Ok(State::Present(Profile {
                name: n.name,
                created_within: (n.since, now),
                connections: n.connection.into_iter().collect(),
            }))
        }
        None => Err(format!(
            "a profile that no request created (or more than were sent) is stored: {stored}"
        )),
    }
}

/// Whether `stored` (an entry of `GET /profiles`, or `None`) is `state`.
pub fn matches(state: &State, stored: Option<&Value>, now: i64) -> bool {
    match (state, stored) {
        (State::Absent, None) => true,
        (State::Present(p), Some(v)) => profile_holds(p, v, now),
        _ => false,
    }
}

/// Unix seconds of an RFC 3339 field.
fn seconds(v: &Value) -> Option<i64> {
    v.as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp())
}

/// The profile's name, creation time and exactly its connections.
fn profile_holds(p: &Profile, v: &Value, now: i64) -> bool {
    let (from, to) = p.created_within;
    let Some(stored) = v["connectedPlatforms"].as_array() else {
        return false;
    };
    v["profileName"] == Value::from(p.name.clone())
        && seconds(&v["createdAt"]).is_some_and(|c| (from..=to).contains(&c))
        && stored.len() == p.connections.len()
        && p.connections.iter().all(|(platform, conn)| {
            stored
                .iter()
                .any(|c| connection_holds(*platform, conn, c, now))
        })
}

/// One stored connection is `conn` on `platform`, connected between `conn.since` and `now`.
fn connection_holds(platform: Platform, conn: &Conn, c: &Value, now: i64) -> bool {
    c["platform"] == platform.as_str()
        && c["username"] == conn.username.as_str()
        && c["displayName"] == conn.display_name.as_str()
        && c["needsReconnect"] == false
        && (platform != Platform::Bluesky || c["expiresAt"].is_null())
        && seconds(&c["connectedAt"]).is_some_and(|t| (conn.since..=now).contains(&t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 2025-01-02T10:00:00Z in Unix seconds.
    const T: i64 = 1_735_812_000;

    fn bluesky(handle: &str, since: i64) -> Conn {
        Conn {
            username: handle.to_owned(),
            display_name: handle.to_owned(),
            since,
        }
    }

    fn present(name: &str, connections: &[(Platform, Conn)]) -> State {
        State::Present(Profile {
            name: Some(name.to_owned()),
            created_within: (T, T + 1),
            connections: connections.iter().cloned().collect(),
        })
    }

    fn acked(op: Op) -> Recorded {
        Recorded {
            op,
            acknowledged: true,
        }
    }

    fn unacked(op: Op) -> Recorded {
        Recorded {
            op,
            acknowledged: false,
        }
    }

    /// An entry of `GET /profiles` named `name`, with Bluesky `handles` connected at
    /// 2025-01-02T10:00:05Z.
    fn stored(name: &str, handles: &[&str]) -> Value {
        let connections: Vec<Value> = handles
            .iter()
            .map(|h| {
                json!({"platform": "bluesky", "displayName": h, "username": h,
                       "connectedAt": "2025-01-02T10:00:05Z", "expiresAt": null,
                       "daysUntilExpiry": null, "needsReconnect": false})
            })
            .collect();
        json!({"profileKey": "prof_aaaaaaaaaaaaaaaa", "profileName": name,
               "createdAt": "2025-01-02T10:00:00Z", "connectedPlatforms": connections})
    }

    #[test]
    fn acknowledged_writes_hold_in_the_only_outcome() {
        let start = present("a", &[]);
        let history = [
            acked(Op::Rename("b".to_owned())),
            acked(Op::Connect(Platform::Bluesky, bluesky("x.bsky.social", T))),
        ];
        let expected = present("b", &[(Platform::Bluesky, bluesky("x.bsky.social", T))]);
        assert_eq!(outcomes(&start, &history), vec![expected.clone()]);
        let v = stored("b", &["x.bsky.social"]);
        assert_eq!(check(&start, &history, Some(&v), T + 10), Ok(expected));
    }

    #[test]
    fn an_unacknowledged_write_may_go_either_way_but_nowhere_else() {
        let start = present("a", &[]);
        let history = [unacked(Op::Delete)];
        assert_eq!(check(&start, &history, None, T + 10), Ok(State::Absent));
        let v = stored("a", &[]);
        assert_eq!(check(&start, &history, Some(&v), T + 10), Ok(start.clone()));
        let history = [unacked(Op::Rename("b".to_owned()))];
        let v = stored("c", &[]);
        assert_eq!(
            check(&start, &history, Some(&v), T + 10),
            Err(format!(
                "the stored profile is none of the acknowledged outcomes: {v}"
            ))
        );
    }

    #[test]
    fn a_lost_delete_is_named() {
        let start = present("a", &[]);
        let v = stored("a", &[]);
        assert_eq!(
            check(&start, &[acked(Op::Delete)], Some(&v), T + 10),
            Err(format!("an acknowledged delete was lost: {v}"))
        );
    }

    #[test]
    fn a_lost_create_is_named() {
        let start = present("a", &[]);
        assert_eq!(
            check(&start, &[], None, T + 10),
            Err("the profile is missing".to_owned())
        );
    }

    #[test]
    fn a_resurrected_profile_is_named() {
        let v = stored("a", &[]);
        assert_eq!(
            check(&State::Absent, &[], Some(&v), T + 10),
            Err(format!(
                "a profile deleted in an earlier round came back: {v}"
            ))
        );
    }

    #[test]
    fn a_lost_rename_disconnect_or_renewal_is_named() {
        let conn = bluesky("x.bsky.social", T);
        let start = present("a", &[(Platform::Bluesky, conn.clone())]);
        let kept = stored("a", &["x.bsky.social"]);
        let none = |v: &Value| {
            Err(format!(
                "the stored profile is none of the acknowledged outcomes: {v}"
            ))
        };
        let rename = [acked(Op::Rename("b".to_owned()))];
        assert_eq!(check(&start, &rename, Some(&kept), T + 10), none(&kept));
        let disconnect = [acked(Op::Disconnect(Platform::Bluesky))];
        assert_eq!(check(&start, &disconnect, Some(&kept), T + 10), none(&kept));
        // Connected at T + 5: a renewal acknowledged from T + 6 on was lost.
        let renew = [acked(Op::Connect(
            Platform::Bluesky,
            bluesky("x.bsky.social", T + 6),
        ))];
        assert_eq!(check(&start, &renew, Some(&kept), T + 10), none(&kept));
        // A connection dated after the check's `now` is not the acknowledged one either.
        assert_eq!(check(&start, &[], Some(&kept), T + 4), none(&kept));
        // A connection nobody acknowledged is not allowed to appear.
        let bare = present("a", &[]);
        assert_eq!(check(&bare, &[], Some(&kept), T + 10), none(&kept));
    }

    #[test]
    fn unacknowledged_writes_double_the_outcomes() {
        let start = present("a", &[]);
        let conn = bluesky("x.bsky.social", T);
        let history = [
            acked(Op::Connect(Platform::Bluesky, conn.clone())),
            unacked(Op::Disconnect(Platform::Bluesky)),
        ];
        assert_eq!(
            outcomes(&start, &history),
            vec![
                present("a", &[(Platform::Bluesky, conn)]),
                present("a", &[])
            ]
        );
        assert_eq!(
            outcomes(&start, &[unacked(Op::Delete), unacked(Op::Delete)]),
            vec![start.clone(), State::Absent]
        );
    }

    #[test]
    fn an_unanswered_create_is_adopted_once_and_strangers_are_named() {
        let mut pending = vec![PendingNew {
            name: Some("a".to_owned()),
            connection: None,
            since: T,
        }];
        let v = stored("a", &[]);
        let adopted = State::Present(Profile {
            name: Some("a".to_owned()),
            created_within: (T, T + 10),
            connections: BTreeMap::new(),
        });
        assert_eq!(adopt(&mut pending, &v, T + 10), Ok(adopted));
        assert_eq!(pending, vec![]);
        assert_eq!(
            adopt(&mut pending, &v, T + 10),
            Err(format!(
                "a profile that no request created (or more than were sent) is stored: {v}"
            ))
        );
    }

    #[test]
    fn an_unanswered_connect_is_matched_to_the_latest_request_it_can_be() {
        let pending = |since: i64| PendingNew {
            name: None,
            connection: Some((Platform::Bluesky, bluesky("x.bsky.social", since))),
            // The stored profile was created at T: each request started before.
            since: since - 10,
        };
        // Connected at T + 5: of requests sent at T and at T + 3, the later one is taken,
        // leaving the earlier for a profile connected at T + 1..T + 2.
        let mut both = vec![pending(T), pending(T + 3)];
        let mut v = stored("x", &["x.bsky.social"]);
        v["profileName"] = Value::Null;
        let Ok(State::Present(p)) = adopt(&mut both, &v, T + 10) else {
            panic!("the profile is adopted");
        };
        assert_eq!(p.connections[&Platform::Bluesky].since, T + 3);
        assert_eq!(both, vec![pending(T)]);
    }
}
