//! `GET /profiles` at scale: every profile, in order, as one valid JSON document (api.md §1, §5.1).

use postcore_domain::{Profile, ProfileKey};
use postcore_store::ProfileRecord;
use postcore_tests::app::{at, spawn_app, status_and_json};
use serde_json::json;

#[tokio::test]
async fn five_thousand_profiles_are_listed_in_order_as_valid_json() {
    let app = spawn_app().await;
    let start = at("2025-01-01T00:00:00Z");
    // Three profiles share each creation second, so ties are ordered by key.
    let records: Vec<ProfileRecord> = (0..5_000)
        .map(|i: i64| ProfileRecord {
            profile: Profile::new(
                ProfileKey::generate(),
                None,
                start + chrono::Duration::seconds(i / 3),
            ),
            connections: Vec::new(),
        })
        .collect();
    let mut expected: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            let created = postcore_domain::format_timestamp(r.profile.created_at());
            (created, r.profile.key().as_str().to_owned())
        })
        .collect();
    expected.sort();
    app.store
        .import_profiles(app.account, records, None)
        .await
        .unwrap();

    let (status, body) = status_and_json(app.get("/profiles").await).await;
    assert_eq!(status, 200);
    let listed: Vec<(String, String)> = body["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert_eq!(p["connectedPlatforms"], json!([]));
            let created = p["createdAt"].as_str().unwrap().to_owned();
            (created, p["profileKey"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(listed.len(), 5_000);
    assert_eq!(listed, expected);
}
