//! `DELETE /profiles/{profileKey}/connections/{platform}` (api.md §5.5): one platform goes
//! with its secrets; unknown platforms, absent connections and other accounts' profiles get
//! their own exact answers.

use postcore_domain::{Connection, Platform, ProfileKey};
use postcore_store::{Credentials, Entity, SecretString, StoreError};
use postcore_tests::app::{
    TestApp, at, exactly, profile_not_found_exactly, spawn_app, status_and_json,
};
use serde_json::{Value, json};

/// `GET /profiles/{key}`'s `connectedPlatforms` for [`profile_with_both`] at the seed's
/// instant: the LinkedIn connection, and the Bluesky one unless `without_bluesky`.
fn listed(without_bluesky: bool) -> Value {
    let bluesky = json!({
        "platform": "bluesky", "displayName": "john.bsky.social", "username": "john.bsky.social",
        "connectedAt": "2025-01-02T10:00:00Z", "expiresAt": null,
        "daysUntilExpiry": null, "needsReconnect": false
    });
    let linkedin = json!({
        "platform": "linkedin", "displayName": "John Doe", "username": "johndoe",
        "connectedAt": "2025-01-01T12:30:00Z", "expiresAt": "2025-03-02T12:30:00Z",
        "daysUntilExpiry": 55, "needsReconnect": false
    });
    match without_bluesky {
        true => json!([linkedin]),
        false => json!([bluesky, linkedin]),
    }
}

/// A profile of `app`'s account with LinkedIn and Bluesky connected (with secrets).
async fn profile_with_both(app: &TestApp) -> ProfileKey {
    let profile = app
        .store
        .create_profile(app.account, None, None, at("2025-01-01T00:00:00Z"))
        .await
        .unwrap();
    let key = profile.key().clone();
    let li = Connection::new(
        Platform::LinkedIn,
        "John Doe",
        "johndoe",
        at("2025-01-01T12:30:00Z"),
    );
    let li_creds = Credentials {
        access_token: Some(SecretString::from("li-access".to_owned())),
        ..Default::default()
    };
    app.store
        .connect(app.account, &key, li, li_creds)
        .await
        .unwrap();
    let bs = Connection::new(
        Platform::Bluesky,
        "john.bsky.social",
        "john.bsky.social",
        at("2025-01-02T10:00:00Z"),
    )
    .with_did(Some("did:plc:john".into()));
    let bs_creds = Credentials {
        app_password: Some(SecretString::from("bs-app-password".to_owned())),
        ..Default::default()
    };
    app.store
        .connect(app.account, &key, bs, bs_creds)
        .await
        .unwrap();
    key
}

#[tokio::test]
async fn disconnecting_removes_one_platform_and_its_secrets() {
    let app = spawn_app().await;
    let key = profile_with_both(&app).await;
    app.disconnect(key.as_str(), "bluesky").await;
    let body = app.get_ok(&format!("/profiles/{key}")).await;
    assert_eq!(body["connectedPlatforms"], listed(true));
    let secrets = app
        .store
        .credentials(app.account, &key, Platform::Bluesky)
        .await;
    assert!(
        matches!(secrets, Err(StoreError::NotFound(Entity::Connection))),
        "{secrets:?}"
    );
}

#[tokio::test]
async fn a_second_disconnect_is_404_connection_not_found() {
    let app = spawn_app().await;
    let key = profile_with_both(&app).await;
    app.disconnect(key.as_str(), "linkedin").await;
    let path = format!("/profiles/{key}/connections/linkedin");
    let (status, body) =
        status_and_json(app.request("DELETE", &path, Some(&app.api_key)).await).await;
    assert_eq!(
        (status, body),
        (
            404,
            json!({"error": "CONNECTION_NOT_FOUND", "message": "Connection not found"})
        )
    );
}

#[tokio::test]
async fn an_unknown_platform_is_400_naming_the_supported_ones() {
    let app = spawn_app().await;
    let key = profile_with_both(&app).await;
    for platform in ["twitter", "LinkedIn", "%00", "bluesky%20"] {
        let path = format!("/profiles/{key}/connections/{platform}");
        let (status, body) =
            status_and_json(app.request("DELETE", &path, Some(&app.api_key)).await).await;
        assert_eq!(
            (status, body),
            (
                400,
                json!({
                    "error": "VALIDATION_ERROR",
                    "message": "platform (in the path) must be one of: bluesky, linkedin"
                })
            ),
            "{platform}"
        );
    }
}

#[tokio::test]
async fn another_accounts_profile_is_answered_as_an_unknown_one() {
    let app = spawn_app().await;
    let key = profile_with_both(&app).await;
    let (_, other_key) = app.add_account("other").await;
    for path in [
        format!("/profiles/{key}/connections/linkedin"),
        "/profiles/prof_0000000000000000/connections/linkedin".to_owned(),
        "/profiles/not-a-key/connections/linkedin".to_owned(),
    ] {
        let response = app.request("DELETE", &path, Some(&other_key)).await;
        assert_eq!(
            exactly(response).await,
            profile_not_found_exactly(),
            "{path}"
        );
    }
    // Still connected for its owner.
    let body = app.get_ok(&format!("/profiles/{key}")).await;
    assert_eq!(body["connectedPlatforms"], listed(false));
}

#[tokio::test]
async fn disconnect_needs_a_valid_api_key_first_and_answers_only_delete() {
    let app = spawn_app().await;
    let path = "/profiles/not-a-key/connections/twitter";
    let (status, body) = status_and_json(app.request("DELETE", path, None).await).await;
    assert_eq!(
        (status, body),
        (
            401,
            json!({"error": "MISSING_API_KEY", "message": "API key is required in x-api-key header"})
        )
    );
    let (status, body) = status_and_json(
        app.request(
            "GET",
            "/profiles/prof_0000000000000000/connections/bluesky",
            Some(&app.api_key),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            405,
            json!({"error": "METHOD_NOT_ALLOWED", "message": "Method not allowed. Allowed methods: DELETE"})
        )
    );
}
