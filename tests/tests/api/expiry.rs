//! `daysUntilExpiry` and `needsReconnect` are computed at request time from the injected
//! clock (api.md §3), on both the list and the single-profile answers.

use crate::seed::insert_seed_profile;
use postcore_tests::app::{at, spawn_app, status_and_json};
use serde_json::json;

#[tokio::test]
async fn expiry_fields_follow_the_injected_clock() {
    let app = spawn_app().await;
    insert_seed_profile(&app, "prof_abc123", false).await;
    let cases = [
        ("2025-01-06T12:30:01Z", 54, false),
        ("2025-03-02T12:29:59Z", 0, false),
        ("2025-03-02T12:30:00Z", 0, true),
        ("2026-01-01T00:00:00Z", 0, true),
    ];
    for (now, days, reconnect) in cases {
        app.clock.set(at(now));
        let body = app.get_ok("/profiles/prof_abc123").await;
        let linkedin = &body["connectedPlatforms"][0];
        assert_eq!(linkedin["daysUntilExpiry"], json!(days), "at {now}");
        assert_eq!(linkedin["needsReconnect"], json!(reconnect), "at {now}");
        let list = app.get_ok("/profiles").await;
        assert_eq!(
            &list["profiles"][0]["connectedPlatforms"][0], linkedin,
            "at {now}"
        );
    }
}

/// The production clock has a fraction of a second: days are floored from the exact
/// difference (whole-second arithmetic would answer 55 and 1 on the first two), on both
/// answers, byte for byte the same connection.
#[tokio::test]
async fn a_clock_with_a_fraction_of_a_second_counts_from_the_exact_instant() {
    let app = spawn_app().await;
    insert_seed_profile(&app, "prof_abc123", false).await;
    let profile = json!({"profileKey": "prof_abc123", "profileName": "User: john@example.com",
        "createdAt": "2025-01-01T12:00:00Z"});
    let cases = [
        ("2025-01-06T12:30:00.5Z", 54, false),
        ("2025-03-01T12:30:00.5Z", 0, false),
        ("2025-03-02T12:29:59.999999999Z", 0, false),
        ("2025-03-02T12:30:00.5Z", 0, true),
    ];
    for (now, days, reconnect) in cases {
        app.clock.set(at(now));
        let linkedin = json!({"platform": "linkedin", "displayName": "John Doe",
            "username": "johndoe", "connectedAt": "2025-01-01T12:30:00Z",
            "expiresAt": "2025-03-02T12:30:00Z", "daysUntilExpiry": days,
            "needsReconnect": reconnect});
        assert_eq!(
            status_and_json(app.get("/profiles/prof_abc123").await).await,
            (
                200,
                json!({"profile": profile, "connectedPlatforms": [linkedin]})
            ),
            "at {now}"
        );
        let mut listed = profile.clone();
        listed["connectedPlatforms"] = json!([linkedin]);
        assert_eq!(
            status_and_json(app.get("/profiles").await).await,
            (200, json!({"profiles": [listed]})),
            "at {now}"
        );
    }
}
