//! The seed document's examples (`../shared/spec/seed-profiles.txt`) reproduced exactly.
//!
//! The JSON below is copied verbatim from the seed. One normalisation is applied before
//! comparing: the seed lists `linkedin` before `bluesky`, while api.md §1 (which rules
//! where it adds to the seed) orders connections by platform name, `bluesky` first. The
//! server follows §1 — asserted separately — and `connectedPlatforms` is compared after
//! sorting both sides by platform name. Everything else is compared as parsed values.

use postcore_domain::{Connection, Platform, ProfileKey, ProfileName};
use postcore_store::Credentials;
use postcore_tests::app::{TestApp, at, spawn_app, status_and_json};
use serde_json::{Value, json};

/// The seed's `GET /profiles` response, verbatim.
const SEED_LIST: &str = r#"{
"profiles": [
{
"profileKey": "prof_abc123def456",
"profileName": "User: john@example.com",
"createdAt": "2025-01-01T12:00:00Z",
"connectedPlatforms": [
{
"platform": "linkedin",
"displayName": "John Doe",
"username": "johndoe",
"connectedAt": "2025-01-01T12:30:00Z",
"expiresAt": "2025-03-02T12:30:00Z",
"daysUntilExpiry": 55,
"needsReconnect": false
},
{
"platform": "bluesky",
"displayName": "johndoe.bsky.social",
"username": "johndoe.bsky.social",
"connectedAt": "2025-01-02T10:00:00Z",
"expiresAt": null,
"daysUntilExpiry": null,
"needsReconnect": false
}
]
}
]
}"#;

/// The seed's `GET /profiles/prof_abc123` response, verbatim.
const SEED_SINGLE: &str = r#"{
"profile": {
"profileKey": "prof_abc123",
"profileName": "User: john@example.com",
"createdAt": "2025-01-01T12:00:00Z"
},
"connectedPlatforms": [
{
"platform": "linkedin",
"displayName": "John Doe",
"username": "johndoe",
"connectedAt": "2025-01-01T12:30:00Z",
"expiresAt": "2025-03-02T12:30:00Z",
"daysUntilExpiry": 55,
"needsReconnect": false
}
]
}"#;

/// Inserts the seed's profile under `key`, with LinkedIn and, when asked, Bluesky.
pub(crate) async fn insert_seed_profile(app: &TestApp, key: &str, with_bluesky: bool) {
    let store = &app.store;
    let key = ProfileKey::parse(key).unwrap();
    let name = ProfileName::parse("User: john@example.com").unwrap();
    store
        .create_profile(
            app.account,
            Some(key.clone()),
            Some(name),
            at("2025-01-01T12:00:00Z"),
        )
        .await
        .unwrap();
    let linkedin = Connection::new(
        Platform::LinkedIn,
        "John Doe",
        "johndoe",
        at("2025-01-01T12:30:00Z"),
    );
    store
        .connect(app.account, &key, linkedin, Credentials::default())
        .await
        .unwrap();
    if with_bluesky {
        let handle = "johndoe.bsky.social";
        let bluesky = Connection::new(
            Platform::Bluesky,
            handle,
            handle,
            at("2025-01-02T10:00:00Z"),
        );
        store
            .connect(app.account, &key, bluesky, Credentials::default())
            .await
            .unwrap();
    }
}

/// Sorts every `connectedPlatforms` array in `value` by platform name (api.md §1).
fn by_platform_name(mut value: Value) -> Value {
    fn sort(platforms: &mut Value) {
        if let Some(list) = platforms.as_array_mut() {
            list.sort_by_key(|p| p["platform"].as_str().unwrap_or_default().to_owned());
        }
    }
    sort(&mut value["connectedPlatforms"]);
    if let Some(profiles) = value["profiles"].as_array_mut() {
        profiles
            .iter_mut()
            .for_each(|p| sort(&mut p["connectedPlatforms"]));
    }
    value
}

fn platforms_of(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["platform"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn listing_the_seed_profile_answers_the_seed_document() {
    let app = spawn_app().await;
    insert_seed_profile(&app, "prof_abc123def456", true).await;
    let (status, body) = status_and_json(app.get("/profiles").await).await;
    assert_eq!(status, 200);
    assert_eq!(
        platforms_of(&body["profiles"][0]["connectedPlatforms"]),
        ["bluesky", "linkedin"]
    );
    let seed: Value = serde_json::from_str(SEED_LIST).unwrap();
    assert_eq!(by_platform_name(body), by_platform_name(seed));
}

#[tokio::test]
async fn reading_the_seed_profile_answers_its_seed_object_and_platforms() {
    let app = spawn_app().await;
    insert_seed_profile(&app, "prof_abc123def456", true).await;
    let (status, body) = status_and_json(app.get("/profiles/prof_abc123def456").await).await;
    assert_eq!(status, 200);
    let seed: Value = serde_json::from_str(SEED_LIST).unwrap();
    let listed = &seed["profiles"][0];
    let expected = json!({
        "profile": {
            "profileKey": listed["profileKey"],
            "profileName": listed["profileName"],
            "createdAt": listed["createdAt"],
        },
        "connectedPlatforms": listed["connectedPlatforms"],
    });
    assert_eq!(
        platforms_of(&body["connectedPlatforms"]),
        ["bluesky", "linkedin"]
    );
    assert_eq!(by_platform_name(body), by_platform_name(expected));
}

#[tokio::test]
async fn reading_a_single_profile_answers_the_seed_single_profile_example_exactly() {
    let app = spawn_app().await;
    insert_seed_profile(&app, "prof_abc123", false).await;
    let (status, body) = status_and_json(app.get("/profiles/prof_abc123").await).await;
    assert_eq!(status, 200);
    assert_eq!(body, serde_json::from_str::<Value>(SEED_SINGLE).unwrap());
}

#[tokio::test]
async fn an_account_without_profiles_lists_the_seed_empty_response() {
    let app = spawn_app().await;
    let response = app.get("/profiles").await;
    assert_eq!(
        status_and_json(response).await,
        (200, json!({"profiles": []}))
    );
}
