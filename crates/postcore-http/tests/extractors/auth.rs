//! `Authenticated`: a key to its own account, and every way a key is refused, each with its
//! exact body.

use crate::harness::{Fixture, error};
use actix_web::http::header::HeaderValue;
use actix_web::test::TestRequest;
use postcore_domain::{AccountName, parse_timestamp as at};

fn missing() -> String {
    error("MISSING_API_KEY", "API key is required in x-api-key header")
}

fn invalid() -> String {
    error("INVALID_API_KEY", "Invalid API key")
}

/// `POST /probe/prof_abc123` with a valid body and the given `x-api-key` values.
fn probe_with(keys: &[HeaderValue]) -> TestRequest {
    let mut request = TestRequest::post()
        .uri("/probe/prof_abc123")
        .insert_header(("content-type", "application/json"))
        .set_payload(r#"{"name":"a","count":1}"#);
    for key in keys {
        request = request.append_header(("x-api-key", key.clone()));
    }
    request
}

#[tokio::test]
async fn each_valid_key_reaches_the_handler_with_its_own_account() {
    let fixture = Fixture::new().await;
    let now = at("2025-01-06T12:30:00Z").unwrap();
    let other = fixture
        .store
        .create_account(&AccountName::parse("other").unwrap(), now)
        .await
        .unwrap()
        .id;
    let (other_key, _) = fixture
        .store
        .create_api_key(other, None, now)
        .await
        .unwrap();
    assert_ne!(other, fixture.account);
    for (key, account) in [
        (fixture.key.as_str(), fixture.account),
        (other_key.expose_secret(), other),
    ] {
        let expected = serde_json::json!({
            "account": account.get(),
            "body": {"name": "a", "count": 1},
            "profileKey": "prof_abc123",
        });
        let key = HeaderValue::from_str(key).unwrap();
        assert_eq!(
            fixture.send(probe_with(&[key])).await,
            (200, expected.to_string())
        );
    }
}

#[tokio::test]
async fn a_missing_key_is_missing_api_key() {
    let fixture = Fixture::new().await;
    assert_eq!(fixture.send(probe_with(&[])).await, (401, missing()));
}

#[tokio::test]
async fn an_empty_malformed_repeated_unknown_or_revoked_key_is_invalid_api_key_alike() {
    let fixture = Fixture::new().await;
    let (revoked, info) = fixture
        .store
        .create_api_key(fixture.account, None, at("2025-01-06T12:30:00Z").unwrap())
        .await
        .unwrap();
    fixture
        .store
        .revoke_api_key(&info.prefix, at("2025-01-06T12:31:00Z").unwrap())
        .await
        .unwrap();
    let good = HeaderValue::from_str(&fixture.key).unwrap();
    let text = |s: &str| HeaderValue::from_str(s).unwrap();
    let unknown = format!("pc_live_{}", "Z".repeat(32));
    let cases: Vec<(&str, Vec<HeaderValue>)> = vec![
        ("empty", vec![text("")]),
        ("malformed", vec![text("pc_live_short")]),
        (
            "wrong prefix",
            vec![text(&fixture.key.replace("pc_live_", "pc_test_"))],
        ),
        ("lower-cased", vec![text(&fixture.key.to_lowercase())]),
        (
            "as a bearer token",
            vec![text(&format!("Bearer {}", fixture.key))],
        ),
        (
            "not UTF-8",
            vec![HeaderValue::from_bytes(b"pc_live_\xff\xfe").unwrap()],
        ),
        ("sent twice", vec![good.clone(), good.clone()]),
        (
            "a good key and a bad one",
            vec![good.clone(), text("pc_live_short")],
        ),
        ("unknown", vec![text(&unknown)]),
        ("revoked", vec![text(revoked.expose_secret())]),
    ];
    for (what, keys) in cases {
        assert_eq!(
            fixture.send(probe_with(&keys)).await,
            (401, invalid()),
            "{what}"
        );
    }
}
