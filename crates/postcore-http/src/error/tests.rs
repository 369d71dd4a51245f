//! Each store error's answer: exact status and body, and the cause never in the body.

use super::*;
use postcore_store::{BackendError, Conflict};

/// Every `Entity`; the match fails to compile when a variant is added, so that the new
/// one gets a row in the tests below.
fn every_entity() -> [Entity; 7] {
    let all = [
        Entity::Account,
        Entity::ApiKey,
        Entity::Profile,
        Entity::Connection,
        Entity::Database,
        Entity::ReturnUrl,
        Entity::WebhookEndpoint,
    ];
    for entity in all {
        match entity {
            Entity::Account
            | Entity::ApiKey
            | Entity::Profile
            | Entity::Connection
            | Entity::Database
            | Entity::ReturnUrl
            | Entity::WebhookEndpoint => {}
        }
    }
    all
}

/// Every `Conflict`, held to exhaustiveness as [`every_entity`] is.
fn every_conflict() -> [Conflict; 11] {
    let all = [
        Conflict::AccountExists,
        Conflict::ProfileKeyExists,
        Conflict::PlatformAlreadyConnected,
        Conflict::AmbiguousKeyPrefix,
        Conflict::ApiKeyExists,
        Conflict::KeyPrefixTaken,
        Conflict::FileExists,
        Conflict::OAuthStateExists,
        Conflict::TooManyWebhookEndpoints,
        Conflict::ImportedProfileKeyExists {
            record: 0,
            key: postcore_domain::ProfileKey::parse("prof_a").unwrap(),
        },
        Conflict::TooManyRetiredSecrets {
            max: 3,
            next_at: postcore_domain::parse_timestamp("2025-01-07T12:30:00Z").unwrap(),
        },
    ];
    for conflict in &all {
        match conflict {
            Conflict::AccountExists
            | Conflict::ProfileKeyExists
            | Conflict::PlatformAlreadyConnected
            | Conflict::AmbiguousKeyPrefix
            | Conflict::ApiKeyExists
            | Conflict::KeyPrefixTaken
            | Conflict::FileExists
            | Conflict::OAuthStateExists
            | Conflict::TooManyWebhookEndpoints
            | Conflict::ImportedProfileKeyExists { .. }
            | Conflict::TooManyRetiredSecrets { .. } => {}
        }
    }
    all
}

/// The status, `Content-Type` and body of the answer to `error`, rendered as actix does.
async fn rendered(error: StoreError) -> (u16, String, String) {
    let response = ApiError::from(error).error_response();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map_or("", |v| v.to_str().unwrap())
        .to_owned();
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap();
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

const INTERNAL: &str = r#"{"error":"INTERNAL_ERROR","message":"Internal server error"}"#;

#[tokio::test]
async fn profiles_connections_and_webhooks_not_found_are_404_and_every_other_is_internal() {
    for entity in every_entity() {
        let expected = match entity {
            Entity::Profile => (
                404,
                r#"{"error":"PROFILE_NOT_FOUND","message":"Profile not found"}"#,
            ),
            Entity::Connection => (
                404,
                r#"{"error":"CONNECTION_NOT_FOUND","message":"Connection not found"}"#,
            ),
            Entity::WebhookEndpoint => (
                404,
                r#"{"error":"WEBHOOK_NOT_FOUND","message":"Webhook endpoint not found"}"#,
            ),
            _ => (500, INTERNAL),
        };
        let (status, content_type, body) = rendered(StoreError::NotFound(entity)).await;
        assert_eq!(
            (status, content_type.as_str(), body.as_str()),
            (expected.0, "application/json", expected.1),
            "{entity:?}"
        );
    }
}

#[tokio::test]
async fn a_rotation_past_the_retired_secrets_cap_is_400_naming_the_rule() {
    let conflict = every_conflict()
        .into_iter()
        .find(|c| matches!(c, Conflict::TooManyRetiredSecrets { .. }))
        .unwrap();
    let (status, content_type, body) = rendered(StoreError::Conflict(conflict)).await;
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (
            400,
            "application/json",
            "{\"error\":\"VALIDATION_ERROR\",\"message\":\"rotate-secret is refused: at most 3 \
             retired secrets sign beside the current one, each for 24 hours after its rotation; \
             the oldest stops signing at 2025-01-07T12:30:00Z, and the secret can be rotated \
             again from then\"}"
        )
    );
}

#[tokio::test]
async fn a_refused_key_found_by_the_store_is_401_invalid_api_key() {
    let (status, content_type, body) = rendered(StoreError::Unauthenticated).await;
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (
            401,
            "application/json",
            r#"{"error":"INVALID_API_KEY","message":"Invalid API key"}"#
        )
    );
}

#[tokio::test]
async fn every_other_store_error_is_500_and_its_cause_never_reaches_the_body() {
    let disk = std::io::Error::other("disk on fire at /var/lib/postcore/secret.db");
    let mut errors: Vec<StoreError> = every_conflict()
        .into_iter()
        .filter(|c| {
            *c != Conflict::PlatformAlreadyConnected
                && *c != Conflict::TooManyWebhookEndpoints
                && !matches!(c, Conflict::TooManyRetiredSecrets { .. })
        })
        .map(StoreError::Conflict)
        .collect();
    errors.extend([
        StoreError::InvalidData("connection expires before it was made".into()),
        StoreError::WrongSecretKey,
        StoreError::SecretKey("not base64 of 32 bytes".into()),
        StoreError::DatabaseTooNew {
            found: 9,
            supported: 3,
        },
        StoreError::Backend(BackendError::new("reading a profile", disk)),
        StoreError::Backend(BackendError::message("a row without its account")),
    ]);
    for error in errors {
        let what = format!("{error:?}");
        let (status, content_type, body) = rendered(error).await;
        assert_eq!(
            (status, content_type.as_str(), body.as_str()),
            (500, "application/json", INTERNAL),
            "{what}"
        );
    }
}

#[tokio::test]
async fn another_platform_account_on_the_profile_is_400_profile_already_exists() {
    let (status, content_type, body) =
        rendered(StoreError::Conflict(Conflict::PlatformAlreadyConnected)).await;
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (
            400,
            "application/json",
            r#"{"error":"PROFILE_ALREADY_EXISTS","message":"Profile for this platform already exists"}"#
        )
    );
}

#[tokio::test]
async fn a_21st_webhook_endpoint_is_400_validation_error_naming_the_rule() {
    let (status, content_type, body) =
        rendered(StoreError::Conflict(Conflict::TooManyWebhookEndpoints)).await;
    assert_eq!(
        (status, content_type.as_str(), body.as_str()),
        (
            400,
            "application/json",
            r#"{"error":"VALIDATION_ERROR","message":"an account has at most 20 webhook endpoints; delete one first"}"#
        )
    );
}

#[tokio::test]
async fn an_upstream_error_passes_the_platforms_retry_after_on() {
    let error = ApiError::Upstream {
        message: "Bluesky is rate limiting requests".into(),
        retry_after: Some(30),
    };
    let response = error.error_response();
    assert_eq!(response.status().as_u16(), 502);
    assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "30");
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap();
    assert_eq!(
        body,
        r#"{"error":"UPSTREAM_ERROR","message":"Bluesky is rate limiting requests"}"#
    );
}

#[test]
fn an_internal_error_keeps_its_cause_for_the_log() {
    let cause = StoreError::Backend(BackendError::new(
        "reading a profile",
        std::io::Error::other("disk on fire"),
    ));
    let error = ApiError::from(cause);
    assert_eq!(
        error.to_string(),
        "INTERNAL_ERROR: database error: reading a profile: disk on fire"
    );
    assert_eq!(error.message(), "Internal server error");
}

#[tokio::test]
async fn a_refusal_over_a_rate_limit_is_429_with_retry_after_in_the_body_and_the_header() {
    let response = ApiError::RateLimitExceeded { retry_after: 7 }.error_response();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "7");
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap();
    assert_eq!(
        body,
        r#"{"error":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded. Try again in 7 seconds","retry_after":7}"#
    );
}
