//! `POST /profiles/connect` for Bluesky (api.md §5.5), against a stand-in service on
//! 127.0.0.1 that plays `com.atproto.server.createSession`.

use postcore_domain::Platform;
use postcore_store::ExposeSecret as _;
use postcore_tests::app::{TestApp, at, spawn_app_with_bluesky, status_and_json};
use postcore_tests::bluesky::{BlueskyStandIn, Failure};
use serde_json::{Value, json};

const HANDLE: &str = "alice.bsky.social";
const DID: &str = "did:plc:alice";
const APP_PASSWORD: &str = "abcd-efgh-ijkl-mnop";
const NOW: &str = "2025-01-06T12:30:00Z";

/// A server whose Bluesky service is a fresh stand-in knowing alice's app password.
async fn setup() -> (TestApp, BlueskyStandIn) {
    let standin = BlueskyStandIn::start().await;
    standin.add_account(HANDLE, DID, APP_PASSWORD);
    let app = spawn_app_with_bluesky(&standin.url()).await;
    (app, standin)
}

/// `POST /profiles/connect` with `body` as the default key.
async fn connect(app: &TestApp, body: Value) -> (u16, Value) {
    status_and_json(app.post_json("/profiles/connect", &body).await).await
}

/// The Bluesky connect body for `handle` and `password`, on `profile` when given.
fn body(profile: Option<&str>, handle: &str, password: &str) -> Value {
    let mut body = json!({
        "platform": "bluesky",
        "credentials": {"handle": handle, "appPassword": password}
    });
    if let Some(key) = profile {
        body["profileKey"] = json!(key);
    }
    body
}

/// The answer of a successful connect of `handle` to profile `key` at [`NOW`].
fn connected(key: &str, handle: &str) -> Value {
    json!({
        "profileKey": key, "platform": "bluesky", "displayName": handle, "username": handle,
        "connectedAt": NOW, "expiresAt": null, "daysUntilExpiry": null, "needsReconnect": false
    })
}

/// `GET /profiles/{key}`'s connected platforms.
async fn platforms_of(app: &TestApp, key: &str) -> Value {
    let (status, body) = status_and_json(app.get(&format!("/profiles/{key}")).await).await;
    assert_eq!(status, 200);
    body["connectedPlatforms"].clone()
}

/// The app password stored for Bluesky on profile `key` of the default account.
async fn stored_app_password(app: &TestApp, key: &str) -> String {
    let profile = postcore_domain::ProfileKey::parse(key).unwrap();
    let secrets = app
        .store
        .credentials(app.account, &profile, Platform::Bluesky)
        .await
        .unwrap();
    secrets.app_password.unwrap().expose_secret().to_owned()
}

fn invalid_credentials(message: &str) -> (u16, Value) {
    (
        400,
        json!({"error": "INVALID_CREDENTIALS", "message": message}),
    )
}

#[tokio::test]
async fn a_valid_app_password_connects_bluesky_to_the_named_profile() {
    let (app, standin) = setup().await;
    let key = app.new_profile(None).await;
    let answer = connect(&app, body(Some(&key), HANDLE, APP_PASSWORD)).await;
    assert_eq!(answer, (200, connected(&key, HANDLE)));
    assert_eq!(standin.calls(), 1);
    let mut expected = connected(&key, HANDLE);
    expected.as_object_mut().unwrap().remove("profileKey");
    assert_eq!(platforms_of(&app, &key).await, json!([expected]));
    let profile = postcore_domain::ProfileKey::parse(&key).unwrap();
    let stored = app
        .store
        .get_profile(app.account, &profile)
        .await
        .unwrap()
        .connections;
    assert_eq!(stored[0].did(), Some(DID));
    assert_eq!(stored_app_password(&app, &key).await, APP_PASSWORD);
}

#[tokio::test]
async fn without_a_profile_key_a_profile_is_created_with_the_connection() {
    let (app, _standin) = setup().await;
    let (status, answer) = connect(&app, body(None, HANDLE, APP_PASSWORD)).await;
    assert_eq!(status, 200);
    let key = answer["profileKey"].as_str().unwrap().to_owned();
    assert_eq!(answer, connected(&key, HANDLE));
    let list = app.get_ok("/profiles").await;
    let mut connection = connected(&key, HANDLE);
    connection.as_object_mut().unwrap().remove("profileKey");
    assert_eq!(
        list,
        json!({"profiles": [{
            "profileKey": key, "profileName": null, "createdAt": NOW,
            "connectedPlatforms": [connection]
        }]})
    );
}

#[tokio::test]
async fn a_handle_typed_with_at_and_capitals_is_normalised_before_the_call() {
    let (app, standin) = setup().await;
    let key = app.new_profile(None).await;
    let answer = connect(
        &app,
        body(Some(&key), "  @Alice.Bsky.Social ", APP_PASSWORD),
    )
    .await;
    assert_eq!(answer, (200, connected(&key, HANDLE)));
    let sent: Vec<Value> = standin
        .received_bodies()
        .iter()
        .map(|b| b["identifier"].clone())
        .collect();
    assert_eq!(sent, vec![json!(HANDLE)]);
}

#[tokio::test]
async fn an_invalid_handle_is_400_before_any_remote_call() {
    let (app, standin) = setup().await;
    let characters = "credentials.handle: only ASCII letters, digits, hyphens and dots are allowed, as in alice.bsky.social";
    for (handle, message) in [
        ("@@alice.bsky.social", characters),
        (
            "alice",
            "credentials.handle: must have at least two parts separated by dots, as in alice.bsky.social",
        ),
        ("bad_char.bsky.social", characters),
        (
            "a..b",
            "credentials.handle: each part between dots must be 1 to 63 characters",
        ),
        (
            "-a.com",
            "credentials.handle: a part between dots cannot start or end with a hyphen",
        ),
    ] {
        let answer = connect(&app, body(None, handle, APP_PASSWORD)).await;
        assert_eq!(
            answer,
            (
                400,
                json!({"error": "VALIDATION_ERROR", "message": message})
            ),
            "{handle}"
        );
    }
    assert_eq!(standin.calls(), 0);
    let list = app.get_ok("/profiles").await;
    assert_eq!(list, json!({"profiles": []}));
}

#[tokio::test]
async fn reconnecting_the_same_did_renews_in_place_and_follows_a_handle_change() {
    let (app, standin) = setup().await;
    let key = app.new_profile(None).await;
    assert_eq!(
        connect(&app, body(Some(&key), HANDLE, APP_PASSWORD)).await,
        (200, connected(&key, HANDLE))
    );
    standin.rename(DID, "alice.example.com");
    app.clock.set(at("2025-01-07T08:00:00Z"));
    let answer = connect(&app, body(Some(&key), "alice.example.com", APP_PASSWORD)).await;
    let mut expected = connected(&key, "alice.example.com");
    expected["connectedAt"] = json!("2025-01-07T08:00:00Z");
    assert_eq!(answer, (200, expected.clone()));
    expected.as_object_mut().unwrap().remove("profileKey");
    assert_eq!(platforms_of(&app, &key).await, json!([expected]));
}

#[tokio::test]
async fn a_reconnect_clears_an_operators_mark() {
    let (app, _standin) = setup().await;
    let key = app.new_profile(None).await;
    assert_eq!(
        connect(&app, body(Some(&key), HANDLE, APP_PASSWORD)).await,
        (200, connected(&key, HANDLE))
    );
    let profile = postcore_domain::ProfileKey::parse(&key).unwrap();
    app.store
        .mark_revoked(
            app.account,
            &profile,
            Platform::Bluesky,
            postcore_domain::Clock::now(&*app.clock),
        )
        .await
        .unwrap();
    let mut listed = connected(&key, HANDLE);
    listed.as_object_mut().unwrap().remove("profileKey");
    let mut marked = listed.clone();
    marked["needsReconnect"] = json!(true);
    assert_eq!(platforms_of(&app, &key).await, json!([marked]));
    assert_eq!(
        connect(&app, body(Some(&key), HANDLE, APP_PASSWORD)).await,
        (200, connected(&key, HANDLE))
    );
    assert_eq!(platforms_of(&app, &key).await, json!([listed]));
}

#[tokio::test]
async fn a_second_did_on_the_profile_is_refused_and_the_first_stays() {
    let (app, standin) = setup().await;
    standin.add_account("bob.bsky.social", "did:plc:bob", "bbbb-bbbb-bbbb-bbbb");
    let key = app.new_profile(None).await;
    assert_eq!(
        connect(&app, body(Some(&key), HANDLE, APP_PASSWORD)).await,
        (200, connected(&key, HANDLE))
    );
    let before = platforms_of(&app, &key).await;
    let answer = connect(
        &app,
        body(Some(&key), "bob.bsky.social", "bbbb-bbbb-bbbb-bbbb"),
    )
    .await;
    assert_eq!(
        answer,
        (
            400,
            json!({"error": "PROFILE_ALREADY_EXISTS", "message": "Profile for this platform already exists"})
        )
    );
    assert_eq!(platforms_of(&app, &key).await, before);
    assert_eq!(stored_app_password(&app, &key).await, APP_PASSWORD);
}

#[tokio::test]
async fn rejected_credentials_are_400_with_what_to_do_and_store_nothing() {
    let (app, standin) = setup().await;
    standin.add_main_password("carol.bsky.social", "did:plc:carol", "main-password-carol");
    standin.add_main_password("dave.bsky.social", "did:plc:dave", "main-password-dave");
    standin.require_second_factor("dave.bsky.social");
    standin.add_account("erin.bsky.social", "did:plc:erin", "eeee-eeee-eeee-eeee");
    standin.set_status("erin.bsky.social", Some("takendown"));
    standin.add_account("fred.bsky.social", "did:plc:fred", "ffff-ffff-ffff-ffff");
    standin.set_status("fred.bsky.social", Some("suspended"));
    standin.add_account("gina.bsky.social", "did:plc:gina", "gggg-gggg-gggg-gggg");
    standin.set_status("gina.bsky.social", Some("deactivated"));
    let where_ = "Settings → Privacy and security → App passwords";
    let cases = [
        (HANDLE, "wrong-password", format!(
            "Invalid Bluesky credentials: the handle or app password is wrong. Check the handle and create an app password in Bluesky under {where_}."
        )),
        ("carol.bsky.social", "main-password-carol", format!(
            "Invalid Bluesky credentials: this is the account's main password; connect with an app password instead (create one in Bluesky under {where_})."
        )),
        ("dave.bsky.social", "main-password-dave", format!(
            "Invalid Bluesky credentials: Bluesky asked for a sign-in code, so this is the account's main password; connect with an app password instead (create one in Bluesky under {where_})."
        )),
        ("erin.bsky.social", "eeee-eeee-eeee-eeee", "Invalid Bluesky credentials: the account has been taken down by Bluesky and cannot be connected.".to_owned()),
        ("fred.bsky.social", "ffff-ffff-ffff-ffff", "Invalid Bluesky credentials: the account is suspended and cannot be connected until the suspension ends.".to_owned()),
        ("gina.bsky.social", "gggg-gggg-gggg-gggg", "Invalid Bluesky credentials: the account is deactivated; reactivate it in Bluesky, then connect again.".to_owned()),
    ];
    for (handle, password, message) in &cases {
        let answer = connect(&app, body(None, handle, password)).await;
        assert_eq!(answer, invalid_credentials(message), "{handle}");
    }
    assert_eq!(standin.calls(), cases.len());
    let list = app.get_ok("/profiles").await;
    assert_eq!(list, json!({"profiles": []}));
}

/// Connects alice to a profile, then makes the service fail with `failure` and returns
/// the answer to a reconnect with another password, checking nothing changed.
async fn failing_reconnect(failure: Failure) -> (u16, Option<String>, Value) {
    let (app, standin) = setup().await;
    let key = app.new_profile(None).await;
    assert_eq!(
        connect(&app, body(Some(&key), HANDLE, APP_PASSWORD)).await,
        (200, connected(&key, HANDLE))
    );
    let before = platforms_of(&app, &key).await;
    standin.fail_next(failure);
    app.clock.set(at("2025-01-08T00:00:00Z"));
    let response = app
        .post_json(
            "/profiles/connect",
            &body(Some(&key), HANDLE, "zzzz-zzzz-zzzz-zzzz"),
        )
        .await;
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let (status, answer) = status_and_json(response).await;
    assert_eq!(platforms_of(&app, &key).await, before);
    assert_eq!(stored_app_password(&app, &key).await, APP_PASSWORD);
    (status, retry_after, answer)
}

fn upstream(message: &str) -> Value {
    json!({"error": "UPSTREAM_ERROR", "message": message})
}

#[tokio::test]
async fn a_rate_limited_service_is_502_with_its_retry_after_passed_on() {
    let answer = failing_reconnect(Failure::RateLimited {
        retry_after_secs: 30,
    })
    .await;
    assert_eq!(
        answer,
        (
            502,
            Some("30".to_owned()),
            upstream("Bluesky is limiting the rate of requests; try again in 30 seconds")
        )
    );
}

#[tokio::test]
async fn server_errors_are_502_and_change_nothing() {
    for code in [500, 502] {
        let answer = failing_reconnect(Failure::Status(code)).await;
        let message =
            format!("Bluesky answered with a server error (HTTP {code}); try again later");
        assert_eq!(answer, (502, None, upstream(&message)));
    }
}

#[tokio::test]
async fn a_service_that_never_answers_is_a_502_timeout() {
    let answer = failing_reconnect(Failure::Hang).await;
    assert_eq!(
        answer,
        (
            502,
            None,
            upstream("Bluesky did not answer in time; try again later")
        )
    );
}

#[tokio::test]
async fn garbage_and_huge_answers_are_502_and_change_nothing() {
    for failure in [Failure::Garbage, Failure::Huge(10 * 1024 * 1024)] {
        let answer = failing_reconnect(failure).await;
        assert_eq!(
            answer,
            (
                502,
                None,
                upstream("Bluesky gave an answer PostCore could not understand; try again later")
            )
        );
    }
}

#[tokio::test]
async fn another_accounts_or_an_unknown_profile_is_404_without_a_remote_call() {
    let (app, standin) = setup().await;
    let (_, other_key) = app.add_account("other").await;
    let theirs = &app.new_profile_as(&other_key, None).await;
    let not_found = (
        404,
        json!({"error": "PROFILE_NOT_FOUND", "message": "Profile not found"}),
    );
    for key in [theirs, "prof_0000000000000000", "not-a-key"] {
        assert_eq!(
            connect(&app, body(Some(key), HANDLE, APP_PASSWORD)).await,
            not_found,
            "{key}"
        );
    }
    assert_eq!(standin.calls(), 0);
}

#[tokio::test]
async fn linkedin_is_not_connected_by_this_request() {
    let (app, standin) = setup().await;
    let answer = connect(&app, json!({"platform": "linkedin"})).await;
    assert_eq!(
        answer,
        (
            400,
            json!({
                "error": "VALIDATION_ERROR",
                "message": "platform: LinkedIn is connected by OAuth in the browser, not with this request"
            })
        )
    );
    assert_eq!(standin.calls(), 0);
}

#[tokio::test]
async fn the_app_password_never_reaches_a_body_or_the_database_file() {
    let (app, standin) = setup().await;
    // Every kind of answer: success, rejection, validation error, upstream error.
    let mut bodies = vec![connect(&app, body(None, HANDLE, APP_PASSWORD)).await.1];
    bodies.push(
        connect(&app, body(None, HANDLE, "wrong-but-secret-password"))
            .await
            .1,
    );
    bodies.push(
        connect(&app, json!({"platform": "bluesky", "credentials": {"handle": HANDLE, "appPassword": APP_PASSWORD, "x": APP_PASSWORD}}))
            .await
            .1,
    );
    standin.fail_next(Failure::Status(500));
    bodies.push(connect(&app, body(None, HANDLE, APP_PASSWORD)).await.1);
    for body in &bodies {
        let text = body.to_string();
        assert!(!text.contains(APP_PASSWORD), "{text}");
        assert!(!text.contains("wrong-but-secret-password"), "{text}");
    }
    app.store.flush_last_use().await.unwrap();
    for file in app.database_files() {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes
                .windows(APP_PASSWORD.len())
                .any(|w| w == APP_PASSWORD.as_bytes()),
            "{} holds the app password",
            file.display()
        );
    }
}

#[tokio::test]
async fn a_did_too_long_to_store_is_502_and_stores_nothing() {
    let (app, standin) = setup().await;
    let did = format!("did:plc:{}", "a".repeat(300));
    standin.add_account("long.bsky.social", &did, "llll-llll-llll-llll");
    let answer = connect(&app, body(None, "long.bsky.social", "llll-llll-llll-llll")).await;
    assert_eq!(
        answer,
        (
            502,
            upstream("Bluesky gave an answer PostCore could not understand; try again later")
        )
    );
    let list = app.get_ok("/profiles").await;
    assert_eq!(list, json!({"profiles": []}));
}
