//! Store failures: 500 `INTERNAL_ERROR` with a generic body, 503 from `/health`, and a
//! list cut off mid-stream that never looks complete.

use crate::faulty_store::{Faults, FaultyStore, INJECTED};
use postcore_domain::{Profile, ProfileKey};
use postcore_store::ProfileRecord;
use postcore_tests::app::{SEED_NOW, TestApp, at, spawn_app_with, status_and_json};
use serde_json::json;

fn internal_error() -> serde_json::Value {
    json!({"error": "INTERNAL_ERROR", "message": "Internal server error"})
}

/// Imports `n` profiles into the default account.
async fn import(app: &TestApp, n: usize) {
    let records = (0..n)
        .map(|_| ProfileRecord {
            profile: Profile::new(ProfileKey::generate(), None, at(SEED_NOW)),
            connections: Vec::new(),
        })
        .collect();
    app.store
        .import_profiles(app.account, records, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_failing_store_answers_a_generic_internal_error_without_its_cause() {
    let faults = Faults {
        authenticate: true,
        ..Faults::default()
    };
    let app = spawn_app_with(FaultyStore::wrap(faults)).await;
    for response in [app.get("/profiles").await, app.create_profile(None).await] {
        let bytes_free_of_cause = {
            let (status, body) = status_and_json(response).await;
            assert_eq!((status, &body), (500, &internal_error()));
            !body.to_string().contains(INJECTED)
        };
        assert!(bytes_free_of_cause);
    }
}

#[tokio::test]
async fn health_answers_503_when_the_database_does_not_answer() {
    let faults = Faults {
        health: true,
        ..Faults::default()
    };
    let app = spawn_app_with(FaultyStore::wrap(faults)).await;
    let response = app.request("GET", "/health", None).await;
    let expected = json!({
        "status": "unavailable",
        "error": "SERVICE_UNAVAILABLE",
        "message": "Database unavailable",
    });
    assert_eq!(status_and_json(response).await, (503, expected));
}

#[tokio::test]
async fn a_list_whose_store_fails_before_the_first_profile_answers_internal_error() {
    let faults = Faults {
        pages_before_failure: Some(0),
        ..Faults::default()
    };
    let app = spawn_app_with(FaultyStore::wrap(faults)).await;
    import(&app, 3).await;
    assert_eq!(
        status_and_json(app.get("/profiles").await).await,
        (500, internal_error())
    );
}

#[tokio::test]
async fn a_list_whose_store_fails_mid_stream_is_aborted_and_never_looks_complete() {
    let faults = Faults {
        pages_before_failure: Some(1),
        ..Faults::default()
    };
    let app = spawn_app_with(FaultyStore::wrap(faults)).await;
    import(&app, 2_000).await;
    let response = app.get("/profiles").await;
    assert_eq!(response.status().as_u16(), 200);
    let body = response.bytes().await;
    assert!(
        body.is_err(),
        "a cut-off list must end in a transport error, not a complete body"
    );
}
