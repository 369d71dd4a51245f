//! The crash run's check after each restart: every acknowledged profile and connection is
//! stored with its exact fields.

use super::{Ack, Acknowledged, Bluesky, unix_now};
use crate::process;
use anyhow::{Context as _, Result};
use serde_json::Value;
use std::collections::HashMap;
use std::time::Duration;

/// Reads every profile back (`GET /profiles`, api.md §5.1) and describes each acknowledged
/// write that is missing or changed, naming the profile and, for a connection, its handle.
pub fn verify(base: &str, api_key: &str, acked: &Acknowledged) -> Result<Vec<String>> {
    let body: Value = process::agent(Duration::from_secs(120))
        .get(&format!("{base}/profiles"))
        .set("x-api-key", api_key)
        .call()
        .context("GET /profiles after restart")?
        .into_json()?;
    let now = unix_now();
    let stored: HashMap<&str, &Value> = body["profiles"]
        .as_array()
        .context("no profiles array")?
        .iter()
        .filter_map(|p| Some((p["profileKey"].as_str()?, p)))
        .collect();
    let mut lost = Vec::new();
    for (key, ack) in acked.lock().unwrap().iter() {
        let Some(p) = stored.get(key.as_str()) else {
            lost.push(format!("{key}: the profile is missing"));
            continue;
        };
        if !profile_holds(ack, p) {
            lost.push(format!(
                "{key}: the profile's name or createdAt changed: {p}"
            ));
        }
        if let Some(what) = bluesky_lost(&ack.bluesky, p, now) {
            lost.push(format!("{key}: {what} is missing or changed: {p}"));
        }
    }
    Ok(lost)
}

/// The profile's name and creation time as acknowledged.
fn profile_holds(ack: &Ack, p: &Value) -> bool {
    let created = p["createdAt"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp());
    let (from, to) = ack.created_within;
    p["profileName"] == Value::from(ack.name.clone())
        && created.is_some_and(|c| (from..=to).contains(&c))
}

/// The acknowledged Bluesky connection, exactly: a connection made by `postcore-admin
/// connections add --platform bluesky --handle H`, or one verified by the stand-in (whose
/// createSession gives no display name, so `displayName` is the handle) and connected at
/// or after the latest acknowledged request's start, and not after `now` (Unix seconds).
/// Describes the acknowledged connection when `p` lacks it.
fn bluesky_lost(state: &Bluesky, p: &Value, now: i64) -> Option<String> {
    let (handle, since, what) = match state {
        Bluesky::None | Bluesky::Pending => return None,
        Bluesky::Admin(h) => (h, None, format!("Bluesky {h} connected by postcore-admin")),
        Bluesky::Http(h) => (
            &h.handle,
            Some(h.since),
            format!(
                "Bluesky {} acknowledged by POST /profiles/connect (connectedAt ≥ {})",
                h.handle, h.since
            ),
        ),
    };
    let platforms = p["connectedPlatforms"].as_array();
    let holds = platforms.is_some_and(|platforms| {
        platforms.iter().any(|c| {
            let connected = c["connectedAt"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.timestamp());
            c["platform"] == "bluesky"
                && c["username"] == handle.as_str()
                && c["displayName"] == handle.as_str()
                && c["expiresAt"].is_null()
                && c["daysUntilExpiry"].is_null()
                && c["needsReconnect"] == false
                && since.is_none_or(|s| connected.is_some_and(|c| (s..=now).contains(&c)))
        })
    });
    (!holds).then_some(what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crash::HttpConnect;
    use serde_json::json;

    /// 2025-01-02T10:00:00Z in Unix seconds.
    const CONNECTED: i64 = 1_735_812_000;

    fn profile(username: &str, display_name: &str, connected_at: &str) -> Value {
        json!({"profileKey": "prof_aaaaaaaaaaaaaaaa", "profileName": null,
               "createdAt": "2025-01-02T10:00:00Z", "connectedPlatforms": [
            {"platform": "bluesky", "displayName": display_name, "username": username,
             "connectedAt": connected_at, "expiresAt": null, "daysUntilExpiry": null,
             "needsReconnect": false}]})
    }

    fn http(since: i64) -> Bluesky {
        Bluesky::Http(HttpConnect {
            handle: "crash-1.bsky.social".to_owned(),
            since,
            frozen: false,
        })
    }

    #[test]
    fn an_acknowledged_http_connect_holds_when_connected_since_its_request() {
        let p = profile(
            "crash-1.bsky.social",
            "crash-1.bsky.social",
            "2025-01-02T10:00:00Z",
        );
        assert_eq!(bluesky_lost(&http(CONNECTED), &p, CONNECTED + 5), None);
        assert_eq!(bluesky_lost(&http(CONNECTED - 60), &p, CONNECTED), None);
        assert_eq!(bluesky_lost(&Bluesky::Pending, &json!({}), CONNECTED), None);
    }

    #[test]
    fn a_lost_renewal_another_handle_or_a_missing_connection_is_named() {
        let expected = |since: i64| {
            Some(format!(
                "Bluesky crash-1.bsky.social acknowledged by POST /profiles/connect (connectedAt ≥ {since})"
            ))
        };
        let p = profile(
            "crash-1.bsky.social",
            "crash-1.bsky.social",
            "2025-01-02T10:00:00Z",
        );
        // The stored connection predates the acknowledged renewal: the renewal was lost.
        assert_eq!(
            bluesky_lost(&http(CONNECTED + 1), &p, CONNECTED + 5),
            expected(CONNECTED + 1)
        );
        let other = profile(
            "crash-2.bsky.social",
            "crash-2.bsky.social",
            "2025-01-02T10:00:00Z",
        );
        assert_eq!(
            bluesky_lost(&http(CONNECTED), &other, CONNECTED),
            expected(CONNECTED)
        );
        let admin = Bluesky::Admin("crash1-7.bsky.social".to_owned());
        assert_eq!(
            bluesky_lost(&admin, &json!({"connectedPlatforms": []}), CONNECTED),
            Some("Bluesky crash1-7.bsky.social connected by postcore-admin".to_owned())
        );
    }
}
