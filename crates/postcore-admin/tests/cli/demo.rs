//! `demo`: the seed document's example dated relative to now — 55 / 3 / expired.

use crate::harness::Admin;
use crate::{NOW, at, json};
use chrono::{DurationRound as _, Utc};
use postcore_domain::{ApiKey, Platform, ProfileKey, Timestamp};
use serde_json::json as j;

/// The LinkedIn `(name, daysUntilExpiry, needsReconnect)` of each profile at `now`.
async fn linkedin_at(
    admin: &Admin,
    account: &str,
    doc: &serde_json::Value,
    now: Timestamp,
) -> Vec<(String, i64, bool)> {
    let mut out = Vec::new();
    for key in keys_of(doc) {
        let record = admin.profile(account, key.as_str()).await;
        let li = record
            .connections
            .iter()
            .find(|c| c.platform() == Platform::LinkedIn)
            .unwrap();
        let name = record.profile.name().unwrap().to_string();
        out.push((
            name,
            li.days_until_expiry(now).unwrap(),
            li.needs_reconnect(now),
        ));
    }
    out
}

fn keys_of(doc: &serde_json::Value) -> Vec<ProfileKey> {
    doc["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| ProfileKey::parse(p["profileKey"].as_str().unwrap()).unwrap())
        .collect()
}

fn expected() -> Vec<(String, i64, bool)> {
    vec![
        ("User: john@example.com".to_owned(), 55, false),
        ("User: jane@example.com".to_owned(), 3, false),
        ("User: max@example.com".to_owned(), 0, true),
    ]
}

#[tokio::test]
async fn demo_data_at_a_fixed_now_is_the_seed_example_plus_expiring_and_expired() {
    let admin = Admin::new();
    let mut doc = json(&admin.ok(&["--now", NOW, "demo", "--json"]));
    let api_key = ApiKey::parse(doc["apiKey"].as_str().unwrap()).unwrap();
    let store = admin.store().await;
    let demo = store
        .find_account(&postcore_domain::AccountName::parse("demo").unwrap())
        .await
        .unwrap();
    assert_eq!(
        store.authenticate(&api_key, at(NOW)).await.unwrap(),
        Some(demo.id)
    );
    assert_eq!(linkedin_at(&admin, "demo", &doc, at(NOW)).await, expected());

    let li = |display: &str, user: &str, connected: &str, expires: &str, days: i64| {
        j!({"platform": "linkedin", "displayName": display, "username": user,
            "connectedAt": connected, "expiresAt": expires, "daysUntilExpiry": days,
            "needsReconnect": days == 0})
    };
    for p in doc["profiles"].as_array_mut().unwrap() {
        p["profileKey"] = j!("KEY");
    }
    doc["apiKey"] = j!("API_KEY");
    assert_eq!(
        doc,
        j!({"account": "demo", "apiKey": "API_KEY", "profiles": [
            {"profileKey": "KEY", "profileName": "User: john@example.com",
             "createdAt": "2025-01-01T13:00:00Z", "connectedPlatforms": [
                {"platform": "bluesky", "displayName": "johndoe.bsky.social",
                 "username": "johndoe.bsky.social", "connectedAt": "2025-01-02T11:00:00Z",
                 "expiresAt": null, "daysUntilExpiry": null, "needsReconnect": false},
                li("John Doe", "johndoe", "2025-01-01T13:30:00Z", "2025-03-02T13:30:00Z", 55),
            ]},
            {"profileKey": "KEY", "profileName": "User: jane@example.com",
             "createdAt": "2024-11-10T13:00:00Z", "connectedPlatforms": [
                li("Jane Roe", "janeroe", "2024-11-10T13:30:00Z", "2025-01-09T13:30:00Z", 3),
            ]},
            {"profileKey": "KEY", "profileName": "User: max@example.com",
             "createdAt": "2024-11-06T12:00:00Z", "connectedPlatforms": [
                li("Max Mustermann", "maxmustermann", "2024-11-06T12:30:00Z", "2025-01-05T12:30:00Z", 0),
            ]},
        ]})
    );
}

/// The element of the array `list` whose `field` is `value`.
fn element<'a>(list: &'a serde_json::Value, field: &str, value: &str) -> &'a serde_json::Value {
    let mut elements = list.as_array().unwrap().iter();
    elements.find(|e| e[field] == value).unwrap()
}

/// Without `--now` the demo is dated from the system clock: its `now` (read back from
/// john's LinkedIn connection, made 5 days minus 1 hour before it) lies between the clock
/// before and after the run, and at that `now` the data shows 55, 3 and expired.
#[tokio::test]
async fn demo_data_made_now_shows_55_3_and_expired_at_the_time_of_the_command() {
    let admin = Admin::new();
    let before = Utc::now()
        .duration_trunc(chrono::Duration::seconds(1))
        .unwrap();
    let doc = json(&admin.ok(&["demo", "--account", "trial", "--json"]));
    let after = Utc::now();
    assert_eq!(doc["account"], j!("trial"));
    let john = element(&doc["profiles"], "profileName", "User: john@example.com");
    let linkedin = element(&john["connectedPlatforms"], "platform", "linkedin");
    let now = at(linkedin["connectedAt"].as_str().unwrap()) + chrono::Duration::days(5)
        - chrono::Duration::hours(1);
    assert!(
        before <= now && now <= after,
        "{before} <= {now} <= {after}"
    );
    assert_eq!(linkedin_at(&admin, "trial", &doc, now).await, expected());
}

#[test]
fn demo_prints_what_it_made_and_the_key_to_use_and_can_run_again() {
    let admin = Admin::new();
    let out = admin.ok(&["--now", NOW, "demo"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Seeded account demo with 3 profiles:");
    assert_eq!(
        lines[1],
        "PROFILE KEY            NAME                    PLATFORM  USERNAME             EXPIRES AT            DAYS  RECONNECT"
    );
    let cells: Vec<Vec<&str>> = lines[2..6]
        .iter()
        .map(|l| {
            l.split("  ")
                .filter(|c| !c.is_empty())
                .map(str::trim)
                .collect()
        })
        .collect();
    let key = |row: usize| cells[row][0];
    assert_eq!(key(0), key(1));
    assert_eq!(
        cells.iter().map(|c| c[1..].to_vec()).collect::<Vec<_>>(),
        [
            vec![
                "User: john@example.com",
                "bluesky",
                "johndoe.bsky.social",
                "-",
                "-",
                "no"
            ],
            vec![
                "User: john@example.com",
                "linkedin",
                "johndoe",
                "2025-03-02T13:30:00Z",
                "55",
                "no"
            ],
            vec![
                "User: jane@example.com",
                "linkedin",
                "janeroe",
                "2025-01-09T13:30:00Z",
                "3",
                "no"
            ],
            vec![
                "User: max@example.com",
                "linkedin",
                "maxmustermann",
                "2025-01-05T12:30:00Z",
                "0",
                "yes"
            ],
        ]
    );
    let api_key = lines[6]
        .strip_prefix("API key (shown only once): ")
        .unwrap();
    ApiKey::parse(api_key).unwrap();
    assert_eq!(
        lines[7..],
        [format!(
            "Try: curl -H \"x-api-key: {api_key}\" http://127.0.0.1:8080/profiles"
        )]
    );
    assert_eq!(lines.len(), 8);

    admin.ok(&["--now", NOW, "demo"]);
    let listed = json(&admin.ok(&["profiles", "list", "--account", "demo", "--json"]));
    assert_eq!(listed["profiles"].as_array().unwrap().len(), 6);
    assert_eq!(
        json(&admin.ok(&["keys", "list", "--json"]))["keys"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
