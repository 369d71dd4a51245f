//! Creating, reading and deleting profiles (api.md §5.2–§5.4).

use postcore_domain::{Connection, Platform, ProfileKey};
use postcore_store::{Credentials, Entity, StoreError};
use postcore_tests::app::{SEED_NOW, assert_generated_key, at, spawn_app, status_and_json};
use serde_json::json;

#[tokio::test]
async fn creating_a_named_profile_answers_201_with_its_key_and_trimmed_name() {
    let app = spawn_app().await;
    let response = app
        .create_profile(Some(json!({"profileName": "  User: ann@example.com "})))
        .await;
    let (status, body) = status_and_json(response).await;
    let key = body["profileKey"].as_str().unwrap_or_default();
    assert_generated_key(key);
    assert_eq!(
        (status, &body),
        (
            201,
            &json!({"profileKey": key, "profileName": "User: ann@example.com"})
        )
    );

    let expected = json!({
        "profile": {"profileKey": key, "profileName": "User: ann@example.com", "createdAt": SEED_NOW},
        "connectedPlatforms": [],
    });
    assert_eq!(app.get_ok(&format!("/profiles/{key}")).await, expected);
}

#[tokio::test]
async fn creating_a_profile_without_a_body_or_with_a_null_name_gives_a_null_name() {
    let app = spawn_app().await;
    for body in [None, Some(json!({})), Some(json!({"profileName": null}))] {
        let (status, created) = status_and_json(app.create_profile(body.clone()).await).await;
        let key = created["profileKey"].as_str().unwrap_or_default();
        assert_generated_key(key);
        let expected = json!({"profileKey": key, "profileName": null});
        assert_eq!((status, &created), (201, &expected), "{body:?}");
    }
    let list = app.get_ok("/profiles").await;
    assert_eq!(list["profiles"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn an_empty_body_with_any_content_type_creates_a_profile_without_a_name() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/profiles/create", app.address))
        .header("x-api-key", &app.api_key)
        .header("content-type", "text/plain")
        .body("")
        .send()
        .await
        .unwrap();
    let (status, body) = status_and_json(response).await;
    let key = body["profileKey"].as_str().unwrap_or_default();
    assert_generated_key(key);
    assert_eq!(
        (status, &body),
        (201, &json!({"profileKey": key, "profileName": null}))
    );
}

#[tokio::test]
async fn names_need_not_be_unique_and_get_distinct_keys() {
    let app = spawn_app().await;
    let first = app.new_profile(Some("same")).await;
    let second = app.new_profile(Some("same")).await;
    assert_ne!(first, second);
    let names: Vec<_> = app.get_ok("/profiles").await["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["profileKey"].clone(), p["profileName"].clone()))
        .collect();
    let mut expected = [
        (json!(first), json!("same")),
        (json!(second), json!("same")),
    ];
    expected.sort_by_key(|(key, _)| key.to_string());
    assert_eq!(names, expected);
}

#[tokio::test]
async fn deleting_a_profile_removes_it_with_its_connections_and_a_second_delete_is_not_found() {
    let app = spawn_app().await;
    let key_text = app.new_profile(None).await;
    let key = ProfileKey::parse(&key_text).unwrap();
    let connection = Connection::new(Platform::LinkedIn, "Ann", "ann", at(SEED_NOW));
    app.store
        .connect(app.account, &key, connection, Credentials::default())
        .await
        .unwrap();
    let path = format!("/profiles/{key_text}");

    let deleted = app.delete_with_key(&path, &app.api_key).await;
    let expected = (200, json!({"message": "Profile deleted successfully"}));
    assert_eq!(status_and_json(deleted).await, expected);

    let not_found = (
        404,
        json!({"error": "PROFILE_NOT_FOUND", "message": "Profile not found"}),
    );
    assert_eq!(status_and_json(app.get(&path).await).await, not_found);
    let again = app.delete_with_key(&path, &app.api_key).await;
    assert_eq!(status_and_json(again).await, not_found);
    let credentials = app
        .store
        .credentials(app.account, &key, Platform::LinkedIn)
        .await;
    assert!(matches!(
        credentials,
        Err(StoreError::NotFound(Entity::Profile))
    ));
    assert_eq!(
        status_and_json(app.get("/profiles").await).await,
        (200, json!({"profiles": []}))
    );
}

#[tokio::test]
async fn created_profiles_take_their_creation_time_from_the_clock() {
    let app = spawn_app().await;
    app.clock.set(at("2025-02-03T04:05:06.789Z"));
    let key = app.new_profile(None).await;
    let read = app.get_ok(&format!("/profiles/{key}")).await;
    let expected =
        json!({"profileKey": key, "profileName": null, "createdAt": "2025-02-03T04:05:06Z"});
    assert_eq!(read["profile"], expected);
}
