//! Tenancy (api.md §1): a key sees and changes only its own account's profiles, and another
//! account's profile is answered with the same bytes as an unknown one.

use postcore_tests::app::{TestApp, spawn_app, status_and_json};
use serde_json::Value;

/// Creates a profile through the API with `key`, returning its key.
async fn create_with_key(app: &TestApp, key: &str) -> String {
    let response = app.request("POST", "/profiles/create", Some(key)).await;
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 201);
    body["profileKey"].as_str().unwrap().to_owned()
}

/// The status, content type and exact body bytes of a response.
async fn exact(response: reqwest::Response) -> (u16, String, Vec<u8>) {
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (
        status,
        content_type,
        response.bytes().await.unwrap().to_vec(),
    )
}

/// The profile keys `key` lists.
async fn listed(app: &TestApp, key: &str) -> Vec<String> {
    let (status, body) = status_and_json(app.get_with_key("/profiles", key).await).await;
    assert_eq!(status, 200);
    body["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["profileKey"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn no_endpoint_reads_lists_or_deletes_another_accounts_profiles() {
    let app = spawn_app().await;
    let (_, other_key) = app.add_account("other").await;
    let mine = create_with_key(&app, &app.api_key).await;
    let theirs = create_with_key(&app, &other_key).await;
    let unknown = "/profiles/prof_0000000000000000";

    for (key, own, foreign) in [(&app.api_key, &mine, &theirs), (&other_key, &theirs, &mine)] {
        assert_eq!(listed(&app, key).await, vec![own.clone()]);
        let not_found_get = exact(app.get_with_key(unknown, key).await).await;
        let not_found_delete = exact(app.delete_with_key(unknown, key).await).await;
        assert_eq!(not_found_get.0, 404);
        let foreign_path = format!("/profiles/{foreign}");
        assert_eq!(
            exact(app.get_with_key(&foreign_path, key).await).await,
            not_found_get
        );
        assert_eq!(
            exact(app.delete_with_key(&foreign_path, key).await).await,
            not_found_delete
        );
    }

    // Both profiles survived the other account's attempts, and each owner still reads its own.
    assert_eq!(listed(&app, &app.api_key).await, vec![mine.clone()]);
    assert_eq!(listed(&app, &other_key).await, vec![theirs.clone()]);
    let (status, body) = status_and_json(app.get(&format!("/profiles/{mine}")).await).await;
    assert_eq!(
        (status, &body["profile"]["profileKey"]),
        (200, &Value::from(mine.as_str()))
    );
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
    let created = create_with_key(&app, second_key.expose_secret()).await;
    assert_eq!(listed(&app, &app.api_key).await, vec![created]);
}
