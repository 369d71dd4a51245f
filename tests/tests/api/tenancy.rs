//! Tenancy (api.md §1): a key sees and changes only its own account's profiles, and another
//! account's profile is answered with the same bytes as an unknown one.

use postcore_tests::app::{
    SEED_NOW, TestApp, exactly, profile_keys, profile_not_found_exactly, spawn_app, status_and_json,
};
use serde_json::json;

/// The profile keys `key` lists.
async fn listed(app: &TestApp, key: &str) -> Vec<String> {
    let (status, body) = status_and_json(app.get_with_key("/profiles", key).await).await;
    assert_eq!(status, 200);
    profile_keys(&body)
}

#[tokio::test]
async fn no_endpoint_reads_lists_or_deletes_another_accounts_profiles() {
    let app = spawn_app().await;
    let (_, other_key) = app.add_account("other").await;
    let mine = app.new_profile(None).await;
    let theirs = app.new_profile_as(&other_key, None).await;
    let unknown = "/profiles/prof_0000000000000000";

    for (key, own, foreign) in [(&app.api_key, &mine, &theirs), (&other_key, &theirs, &mine)] {
        assert_eq!(listed(&app, key).await, vec![own.clone()]);
        let foreign_path = format!("/profiles/{foreign}");
        for path in [unknown, &foreign_path] {
            let got = exactly(app.get_with_key(path, key).await).await;
            assert_eq!(got, profile_not_found_exactly(), "GET {path}");
            let deleted = exactly(app.delete_with_key(path, key).await).await;
            assert_eq!(deleted, profile_not_found_exactly(), "DELETE {path}");
        }
    }

    // Both profiles survived the other account's attempts, and each owner still reads its own.
    assert_eq!(listed(&app, &app.api_key).await, vec![mine.clone()]);
    assert_eq!(listed(&app, &other_key).await, vec![theirs.clone()]);
    let expected = json!({
        "profile": {"profileKey": mine, "profileName": null, "createdAt": SEED_NOW},
        "connectedPlatforms": []
    });
    assert_eq!(app.get_ok(&format!("/profiles/{mine}")).await, expected);
}

#[tokio::test]
async fn a_profile_created_with_one_key_is_visible_to_every_key_of_the_same_account() {
    let app = spawn_app().await;
    let (second_key, _) = app
        .store
        .create_api_key(
            app.account,
            Some(&postcore_domain::KeyLabel::parse("second").unwrap()),
            postcore_tests::app::at("2025-01-06T00:00:00Z"),
        )
        .await
        .unwrap();
    let created = app.new_profile_as(second_key.expose_secret(), None).await;
    assert_eq!(listed(&app, &app.api_key).await, vec![created]);
}
