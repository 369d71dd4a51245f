//! Creating, reading and deleting profiles (api.md §5.2–§5.4).

use postcore_domain::{Connection, Platform, ProfileKey};
use postcore_store::{Credentials, Entity, StoreError};
use postcore_tests::app::{SEED_NOW, at, spawn_app, status_and_json};
use serde_json::{Value, json};

/// Checks that `key` is a generated profile key: `prof_` + 16 lowercase letters or digits.
fn assert_generated_key(key: &Value) {
    let key = key.as_str().expect("profileKey is a string");
    let rest = key
        .strip_prefix("prof_")
        .expect("profileKey starts with prof_");
    assert_eq!(rest.len(), 16, "{key}");
    assert!(
        rest.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{key}"
    );
}

#[tokio::test]
async fn creating_a_named_profile_answers_201_with_its_key_and_trimmed_name() {
    let app = spawn_app().await;
    let response = app
        .create_profile(Some(json!({"profileName": "  User: ann@example.com "})))
        .await;
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 201);
    assert_generated_key(&body["profileKey"]);
    assert_eq!(
        body,
        json!({"profileKey": body["profileKey"], "profileName": "User: ann@example.com"})
    );

    let path = format!("/profiles/{}", body["profileKey"].as_str().unwrap());
    let (status, read) = status_and_json(app.get(&path).await).await;
    assert_eq!(status, 200);
    let expected = json!({
        "profile": {"profileKey": body["profileKey"], "profileName": "User: ann@example.com", "createdAt": SEED_NOW},
        "connectedPlatforms": [],
    });
    assert_eq!(read, expected);
}

#[tokio::test]
async fn creating_a_profile_without_a_body_or_with_a_null_name_gives_a_null_name() {
    let app = spawn_app().await;
    for body in [None, Some(json!({})), Some(json!({"profileName": null}))] {
        let (status, created) = status_and_json(app.create_profile(body.clone()).await).await;
        assert_eq!(status, 201, "{body:?}");
        assert_generated_key(&created["profileKey"]);
        assert_eq!(created["profileName"], Value::Null, "{body:?}");
    }
    let (_, list) = status_and_json(app.get("/profiles").await).await;
    assert_eq!(list["profiles"].as_array().unwrap().len(), 3);
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
    assert_eq!((status, &body["profileName"]), (201, &Value::Null));
}

#[tokio::test]
async fn names_need_not_be_unique_and_get_distinct_keys() {
    let app = spawn_app().await;
    let name = json!({"profileName": "same"});
    let (_, first) = status_and_json(app.create_profile(Some(name.clone())).await).await;
    let (_, second) = status_and_json(app.create_profile(Some(name)).await).await;
    assert_ne!(first["profileKey"], second["profileKey"]);
    assert_eq!(first["profileName"], second["profileName"]);
}

#[tokio::test]
async fn deleting_a_profile_removes_it_with_its_connections_and_a_second_delete_is_not_found() {
    let app = spawn_app().await;
    let (_, created) = status_and_json(app.create_profile(None).await).await;
    let key_text = created["profileKey"].as_str().unwrap().to_owned();
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
    let (_, created) = status_and_json(app.create_profile(None).await).await;
    let path = format!("/profiles/{}", created["profileKey"].as_str().unwrap());
    let (_, read) = status_and_json(app.get(&path).await).await;
    assert_eq!(read["profile"]["createdAt"], "2025-02-03T04:05:06Z");
}
