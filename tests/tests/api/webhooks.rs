//! `/webhooks` (api.md §5.7, issue 13): create with the secret shown once, list without
//! secrets, delete, test (a queued `ping`), rotate-secret; tenancy, the SSRF guard, bad
//! bodies, and the routing answers of the new paths.

use base64::Engine as _;
use postcore_store::ExposeSecret as _;
use postcore_store::testing::retired;
use postcore_store::webhooks::{DeliveryStatus, WebhookEventKind};
use postcore_tests::app::{
    SEED_NOW, TestApp, at, exactly, spawn_app, spawn_app_with_settings, status_and_json,
};
use serde_json::{Value, json};

/// The exact 404 of an unknown, malformed, deleted or other account's endpoint id.
fn webhook_not_found_exactly() -> (u16, String, Vec<u8>) {
    let body = br#"{"error":"WEBHOOK_NOT_FOUND","message":"Webhook endpoint not found"}"#;
    (404, "application/json".to_owned(), body.to_vec())
}

/// `method path` with `key` and, when given, a JSON body.
async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    key: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.address))
        .header("x-api-key", key);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

/// Checks a shown secret: `whsec_` + standard base64 of 32 random bytes.
fn assert_secret(secret: &str) {
    let encoded = secret.strip_prefix("whsec_").expect("a whsec_ prefix");
    let key = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("base64");
    assert_eq!(key.len(), 32, "{secret}");
}

/// Creates an endpoint with `key` as a fixture: asserts 201 and the exact body but for the
/// random id and secret (checked for shape), and returns both.
async fn create_as(app: &TestApp, key: &str, body: Value, expected: Value) -> (String, String) {
    let (status, mut got) =
        status_and_json(send(app, "POST", "/webhooks", key, Some(&body)).await).await;
    assert_eq!(status, 201, "{got}");
    let id = got["id"].as_str().expect("an id").to_owned();
    let secret = got["secret"].as_str().expect("a secret").to_owned();
    let rest = id.strip_prefix("we_").expect("a we_ id");
    assert!(
        rest.len() == 16
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{id}"
    );
    assert_secret(&secret);
    got["id"] = json!("ID");
    got["secret"] = json!("SECRET");
    assert_eq!(got, expected);
    (id, secret)
}

/// The endpoint as listed, with `id`, created at the seed's now, never failing.
fn listed(id: &str, url: &str, events: Value, description: Value) -> Value {
    json!({
        "id": id, "url": url, "events": events, "description": description,
        "createdAt": SEED_NOW, "disabled": false, "disabledAt": null, "disabledReason": null,
        "consecutiveFailures": 0
    })
}

/// `listed` with the create answer's placeholders and the secret.
fn created(url: &str, events: Value, description: Value) -> Value {
    let mut body = listed("ID", url, events, description);
    body["secret"] = json!("SECRET");
    body
}

#[tokio::test]
async fn an_endpoint_is_created_with_its_secret_once_and_listed_without_it() {
    let app = spawn_app().await;
    let url = "https://hooks.example.com/postcore?token=abc";
    let body = json!({
        "url": url,
        "events": ["connection.expired", "connection.expiring", "connection.expired"],
        "description": "production"
    });
    let events = json!(["connection.expiring", "connection.expired"]);
    let (id, secret) = create_as(
        &app,
        &app.api_key,
        body,
        created(url, events.clone(), json!("production")),
    )
    .await;
    let (other, other_secret) = create_as(
        &app,
        &app.api_key,
        json!({"url": "https://b.example.com/h"}),
        created("https://b.example.com/h", Value::Null, Value::Null),
    )
    .await;
    assert_ne!(secret, other_secret);

    let response = app.get("/webhooks").await;
    let (status, _, bytes) = exactly(response).await;
    assert_eq!(status, 200);
    let text = String::from_utf8(bytes).unwrap();
    assert!(!text.contains(&secret) && !text.contains(&other_secret) && !text.contains("whsec_"));
    let mut expected = vec![
        (id.clone(), listed(&id, url, events, json!("production"))),
        (
            other.clone(),
            listed(&other, "https://b.example.com/h", Value::Null, Value::Null),
        ),
    ];
    // Same creation instant: by id.
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    let expected: Vec<Value> = expected.into_iter().map(|(_, v)| v).collect();
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({ "webhooks": expected })
    );

    // The stored secret is the one shown.
    let stored = app
        .store
        .webhook_signing_secrets(&id, at(SEED_NOW))
        .await
        .unwrap();
    assert_eq!(stored.current.expose_secret(), secret);
    assert!(stored.retired.is_empty());
}

#[tokio::test]
async fn an_account_without_endpoints_lists_none() {
    let app = spawn_app().await;
    assert_eq!(app.get_ok("/webhooks").await, json!({"webhooks": []}));
}

#[tokio::test]
async fn a_deleted_endpoint_is_gone_and_a_second_delete_is_not_found() {
    let app = spawn_app().await;
    let url = "https://a.example.com/h";
    let (id, _) = create_as(
        &app,
        &app.api_key,
        json!({"url": url}),
        created(url, Value::Null, Value::Null),
    )
    .await;
    let path = format!("/webhooks/{id}");
    let response = app.delete_with_key(&path, &app.api_key).await;
    assert_eq!(
        status_and_json(response).await,
        (
            200,
            json!({"message": "Webhook endpoint deleted successfully"})
        )
    );
    assert_eq!(app.get_ok("/webhooks").await, json!({"webhooks": []}));
    let again = exactly(app.delete_with_key(&path, &app.api_key).await).await;
    assert_eq!(again, webhook_not_found_exactly());
}

#[tokio::test]
async fn a_test_queues_one_ping_for_that_endpoint() {
    let app = spawn_app().await;
    let url = "https://a.example.com/h";
    let (id, _) = create_as(
        &app,
        &app.api_key,
        json!({"url": url, "events": ["profile.deleted"]}),
        created(url, json!(["profile.deleted"]), Value::Null),
    )
    .await;
    let (status, body) = status_and_json(
        send(
            &app,
            "POST",
            &format!("/webhooks/{id}/test"),
            &app.api_key,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let event_id = body["eventId"].as_str().expect("an eventId").to_owned();
    assert_eq!(body, json!({"eventId": event_id}));
    let hex = event_id.strip_prefix("evt_").expect("an evt_ id");
    assert!(
        hex.len() == 32
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );

    let deliveries = app
        .store
        .list_webhook_deliveries(Some(app.account), Some(&id), 10)
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 1);
    let d = &deliveries[0];
    assert_eq!(
        (
            d.event_id.as_str(),
            d.kind,
            d.endpoint_id.as_str(),
            d.created_at,
            d.attempts,
            d.status
        ),
        (
            event_id.as_str(),
            WebhookEventKind::Ping,
            id.as_str(),
            at(SEED_NOW),
            0,
            DeliveryStatus::Pending
        )
    );
}

#[tokio::test]
async fn a_rotation_shows_a_new_secret_and_the_old_one_signs_for_24_hours() {
    let app = spawn_app().await;
    let url = "https://a.example.com/h";
    let (id, old) = create_as(
        &app,
        &app.api_key,
        json!({"url": url}),
        created(url, Value::Null, Value::Null),
    )
    .await;
    let (status, mut body) = status_and_json(
        send(
            &app,
            "POST",
            &format!("/webhooks/{id}/rotate-secret"),
            &app.api_key,
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let new = body["secret"].as_str().expect("a secret").to_owned();
    assert_secret(&new);
    assert_ne!(new, old);
    body["secret"] = json!("SECRET");
    let mut expected = listed(&id, url, Value::Null, Value::Null);
    expected["secret"] = json!("SECRET");
    assert_eq!(body, expected);

    let signing = app
        .store
        .webhook_signing_secrets(&id, at(SEED_NOW))
        .await
        .unwrap();
    assert_eq!(signing.current.expose_secret(), new);
    assert_eq!(
        retired(&signing),
        [(old.as_str(), at("2025-01-07T12:30:00Z"))]
    );
    let later = app
        .store
        .webhook_signing_secrets(&id, at("2025-01-07T12:30:00Z"))
        .await
        .unwrap();
    assert_eq!(retired(&later), []);
}

#[tokio::test]
async fn another_accounts_endpoint_is_answered_as_an_unknown_one() {
    let app = spawn_app().await;
    let (_, other_key) = app.add_account("other").await;
    let url = "https://a.example.com/h";
    let (theirs, secret) = create_as(
        &app,
        &other_key,
        json!({"url": url}),
        created(url, Value::Null, Value::Null),
    )
    .await;
    assert_eq!(app.get_ok("/webhooks").await, json!({"webhooks": []}));
    for id in [
        theirs.as_str(),
        "we_0000000000000000",
        "we_TOOSHORT",
        "nothing",
    ] {
        for (method, path) in [
            ("DELETE", format!("/webhooks/{id}")),
            ("POST", format!("/webhooks/{id}/test")),
            ("POST", format!("/webhooks/{id}/rotate-secret")),
            ("POST", format!("/webhooks/{id}/enable")),
        ] {
            let got = exactly(send(&app, method, &path, &app.api_key, None).await).await;
            assert_eq!(got, webhook_not_found_exactly(), "{method} {path}");
        }
    }
    // Untouched: still listed for its owner, its secret unchanged, no ping queued.
    let (status, body) = status_and_json(app.get_with_key("/webhooks", &other_key).await).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"webhooks": [listed(&theirs, url, Value::Null, Value::Null)]})
        )
    );
    let signing = app
        .store
        .webhook_signing_secrets(&theirs, at(SEED_NOW))
        .await
        .unwrap();
    assert_eq!(signing.current.expose_secret(), secret);
    assert!(
        app.store
            .list_webhook_deliveries(None, Some(&theirs), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn every_route_needs_a_key_first() {
    let app = spawn_app().await;
    let missing =
        br#"{"error":"MISSING_API_KEY","message":"API key is required in x-api-key header"}"#;
    for (method, path) in [
        ("GET", "/webhooks"),
        ("POST", "/webhooks"),
        ("DELETE", "/webhooks/nothing"),
        ("POST", "/webhooks/nothing/test"),
        ("POST", "/webhooks/nothing/rotate-secret"),
        ("POST", "/webhooks/nothing/enable"),
    ] {
        let got = exactly(app.request(method, path, None).await).await;
        assert_eq!(
            got,
            (401, "application/json".to_owned(), missing.to_vec()),
            "{method} {path}"
        );
    }
}

/// The 400 `VALIDATION_ERROR` body with `message`.
fn invalid(message: &str) -> (u16, Value) {
    (
        400,
        json!({"error": "VALIDATION_ERROR", "message": message}),
    )
}

/// `POST /webhooks` with `body` on `app`: status and JSON.
async fn create_answer(app: &TestApp, body: &Value) -> (u16, Value) {
    status_and_json(send(app, "POST", "/webhooks", &app.api_key, Some(body)).await).await
}

#[tokio::test]
async fn bad_bodies_are_refused_naming_the_field() {
    let app = spawn_app().await;
    let types = "connection.expiring, connection.expired, connection.needs_reconnect, \
                 connection.connected, connection.disconnected, profile.deleted";
    let cases = [
        (json!({}), "url is required".to_owned()),
        (
            json!([]),
            "Request body must be a JSON object, not an array".to_owned(),
        ),
        (
            json!({"url": 1}),
            "url must be a string, not a number".to_owned(),
        ),
        (
            json!({"url": "https://a.example.com", "secret": "whsec_x"}),
            "Unknown field in the body: expected url, events, description".to_owned(),
        ),
        (
            json!({"url": "https://a.example.com", "events": []}),
            "events must not be empty: leave it out (or null) for every event type".to_owned(),
        ),
        (
            json!({"url": "https://a.example.com", "events": ["connection.expiring", "connection.renewed"]}),
            format!("events[1] must be one of: {types}"),
        ),
        (
            json!({"url": "https://a.example.com", "events": ["ping"]}),
            format!("events[0] must be one of: {types}"),
        ),
        (
            json!({"url": "https://a.example.com", "events": [true]}),
            "events[0] must be a string, not a boolean".to_owned(),
        ),
        (
            json!({"url": "https://a.example.com", "description": 5}),
            "description must be a string, not a number".to_owned(),
        ),
        (
            json!({"url": "https://a.example.com", "description": "   "}),
            "description must not be blank".to_owned(),
        ),
        (
            json!({"url": "https://a.example.com", "description": "prod\u{202E}noitcudorp"}),
            "description must not hold control or invisible formatting characters".to_owned(),
        ),
        (
            json!({"url": "https://a.example.com", "description": "pro\u{200B}d"}),
            "description must not hold control or invisible formatting characters".to_owned(),
        ),
        (
            json!({"url": "https://a.example.com", "description": "a\tb"}),
            "description must not hold control or invisible formatting characters".to_owned(),
        ),
    ];
    for (body, message) in cases {
        assert_eq!(
            create_answer(&app, &body).await,
            invalid(&message),
            "{body}"
        );
    }
    // An empty body, and one that is not JSON.
    let empty = app
        .client
        .post(format!("{}/webhooks", app.address))
        .header("x-api-key", &app.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(status_and_json(empty).await, invalid("url is required"));
    assert_eq!(app.get_ok("/webhooks").await, json!({"webhooks": []}));
}

/// The refusal of `url` for `reason`.
fn refused(reason: &str) -> (u16, Value) {
    invalid(&format!("url is refused: {reason}"))
}

#[tokio::test]
async fn urls_into_the_operators_network_are_refused_without_allow_private() {
    let app = spawn_app().await;
    let loopback = "the URL's host is a loopback address, where webhooks are not sent";
    let private = "the URL's host is a private address, where webhooks are not sent";
    let link_local = "the URL's host is a link-local address, where webhooks are not sent";
    let https_only = "the URL must use https (http only to a loopback or private address or a host name, when the operator allows them)";
    let cases = [
        ("http://hooks.example.com/h", https_only),
        (
            "ftp://hooks.example.com/h",
            "the URL's scheme must be https",
        ),
        ("https://127.0.0.1/h", loopback),
        ("http://127.0.0.1:9000/h", loopback),
        ("https://localhost/h", loopback),
        ("https://[::1]/h", loopback),
        ("https://2130706433/h", loopback),
        ("https://0x7f.1/h", loopback),
        ("https://10.1.2.3/h", private),
        ("https://192.168.0.10/h", private),
        ("https://169.254.169.254/latest/meta-data", link_local),
        (
            "https://user:pw@hooks.example.com/h",
            "the URL must not hold a user name or password",
        ),
        (
            "not a url",
            "the URL holds whitespace or control characters",
        ),
        ("hooks.example.com", "not an absolute URL"),
    ];
    for (url, reason) in cases {
        let answer = create_answer(&app, &json!({"url": url})).await;
        assert_eq!(answer, refused(reason), "{url}");
        assert!(!answer.1.to_string().contains("pw@"), "{url}");
    }
    assert_eq!(app.get_ok("/webhooks").await, json!({"webhooks": []}));
}

#[tokio::test]
async fn with_allow_private_loopback_and_http_to_it_are_accepted_but_metadata_never() {
    let app = spawn_app_with_settings(|s| s.webhook_allow_private = true).await;
    for url in [
        "http://127.0.0.1:9000/h",
        "https://10.1.2.3/h",
        "http://[::1]:8080/h",
        // A name on the closed network: its addresses are checked at each delivery.
        "http://app:3000/h",
    ] {
        create_as(
            &app,
            &app.api_key,
            json!({"url": url}),
            created(url, Value::Null, Value::Null),
        )
        .await;
    }
    let link_local = "the URL's host is a link-local address, where webhooks are not sent";
    let https_only = "the URL must use https (http only to a loopback or private address or a host name, when the operator allows them)";
    assert_eq!(
        create_answer(&app, &json!({"url": "https://169.254.169.254/h"})).await,
        refused(link_local)
    );
    assert_eq!(
        create_answer(&app, &json!({"url": "http://93.184.215.14/h"})).await,
        refused(https_only)
    );
    let unspecified = "the URL's host is an unspecified address, where webhooks are not sent";
    assert_eq!(
        create_answer(&app, &json!({"url": "https://0.0.0.0/h"})).await,
        refused(unspecified)
    );
}

#[tokio::test]
async fn the_new_paths_answer_head_and_405_with_their_methods() {
    let app = spawn_app().await;
    let head = app.request("HEAD", "/webhooks", Some(&app.api_key)).await;
    assert_eq!(head.status().as_u16(), 200);
    assert_eq!(head.headers()["content-type"], "application/json");
    assert!(head.bytes().await.unwrap().is_empty());
    for (method, path, allowed) in [
        ("PUT", "/webhooks", "GET, HEAD, POST"),
        ("DELETE", "/webhooks", "GET, HEAD, POST"),
        ("GET", "/webhooks/we_0000000000000000", "DELETE"),
        ("HEAD", "/webhooks/we_0000000000000000", "DELETE"),
        ("GET", "/webhooks/we_0000000000000000/test", "POST"),
        (
            "DELETE",
            "/webhooks/we_0000000000000000/rotate-secret",
            "POST",
        ),
        ("GET", "/webhooks/we_0000000000000000/enable", "POST"),
        ("HEAD", "/webhooks/we_0000000000000000/enable", "POST"),
        ("PUT", "/webhooks/we_0000000000000000/enable", "POST"),
    ] {
        let response = app.request(method, path, Some(&app.api_key)).await;
        assert_eq!(response.headers()["allow"], allowed, "{method} {path}");
        let (status, _, body) = exactly(response).await;
        assert_eq!(status, 405, "{method} {path}");
        if method != "HEAD" {
            let expected = json!({"error": "METHOD_NOT_ALLOWED",
                "message": format!("Method not allowed. Allowed methods: {allowed}")});
            assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), expected);
        }
    }
}

/// Creates an endpoint for every event type at `https://a.example.com/h` with the app's
/// key (checking the answer as [`create_as`] does); returns its URL, id and secret.
async fn create_plain(app: &TestApp) -> (&'static str, String, String) {
    let url = "https://a.example.com/h";
    let body = created(url, Value::Null, Value::Null);
    let (id, secret) = create_as(app, &app.api_key, json!({"url": url}), body).await;
    (url, id, secret)
}

/// `POST path` with the app's key and no body: status and JSON.
async fn post(app: &TestApp, path: &str) -> (u16, Value) {
    status_and_json(send(app, "POST", path, &app.api_key, None).await).await
}

#[tokio::test]
async fn every_retired_secret_signs_for_its_own_24_hours_and_a_fourth_is_refused() {
    let app = spawn_app().await;
    let (url, id, s0) = create_plain(&app).await;
    let rotate = format!("/webhooks/{id}/rotate-secret");
    // Rotations at the seed's now, one hour later and two hours later.
    let mut secrets = vec![s0];
    for instant in [SEED_NOW, "2025-01-06T13:30:00Z", "2025-01-06T14:30:00Z"] {
        app.clock.set(at(instant));
        let (status, body) = post(&app, &rotate).await;
        assert_eq!(status, 200, "{body}");
        secrets.push(body["secret"].as_str().unwrap().to_owned());
    }
    let signing = |now: &'static str| {
        let store = app.store.clone();
        let id = id.clone();
        async move { store.webhook_signing_secrets(&id, at(now)).await.unwrap() }
    };
    let set = signing("2025-01-07T12:29:59Z").await;
    assert_eq!(set.current.expose_secret(), secrets[3]);
    assert_eq!(
        retired(&set),
        [
            (secrets[2].as_str(), at("2025-01-07T14:30:00Z")),
            (secrets[1].as_str(), at("2025-01-07T13:30:00Z")),
            (secrets[0].as_str(), at("2025-01-07T12:30:00Z")),
        ]
    );
    let set = signing("2025-01-07T12:30:00Z").await;
    assert_eq!(
        retired(&set).len(),
        2,
        "the first secret's own 24 h are over"
    );

    // A fourth rotation while three still sign: refused, naming the rule and the instant.
    app.clock.set(at("2025-01-07T12:29:59Z"));
    let refused = json!({"error": "VALIDATION_ERROR", "message":
        "rotate-secret is refused: at most 3 retired secrets sign beside the current one, each \
         for 24 hours after its rotation; the oldest stops signing at 2025-01-07T12:30:00Z, and \
         the secret can be rotated again from then"});
    assert_eq!(post(&app, &rotate).await, (400, refused));
    let set = signing("2025-01-07T12:29:59Z").await;
    assert_eq!(set.current.expose_secret(), secrets[3], "nothing changed");
    assert_eq!(retired(&set).len(), 3);
    // From the instant the oldest stops, a rotation is accepted.
    app.clock.set(at("2025-01-07T12:30:00Z"));
    let (status, mut body) = post(&app, &rotate).await;
    assert_eq!(status, 200, "{body}");
    body["secret"] = json!("SECRET");
    let mut expected = listed(&id, url, Value::Null, Value::Null);
    expected["secret"] = json!("SECRET");
    assert_eq!(body, expected);
}

#[tokio::test]
async fn a_disabled_endpoint_gets_its_test_ping_and_is_enabled_again() {
    let app = spawn_app().await;
    let (url, id, _) = create_plain(&app).await;
    app.store
        .set_webhook_endpoint_disabled(
            app.account,
            &id,
            Some("5 consecutive deliveries failed".into()),
            at(SEED_NOW),
        )
        .await
        .unwrap();
    let mut disabled = listed(&id, url, Value::Null, Value::Null);
    disabled["disabled"] = json!(true);
    disabled["disabledAt"] = json!(SEED_NOW);
    disabled["disabledReason"] = json!("5 consecutive deliveries failed");
    assert_eq!(
        app.get_ok("/webhooks").await,
        json!({"webhooks": [disabled]})
    );

    // The test ping is queued and handed to the worker, disabled or not.
    let (status, body) = post(&app, &format!("/webhooks/{id}/test")).await;
    assert_eq!(status, 202, "{body}");
    let claimed = app
        .store
        .claim_webhook_deliveries(
            at(SEED_NOW),
            at("2025-01-06T12:31:00Z"),
            postcore_store::webhooks::ClaimLimits::uncapped(10),
        )
        .await
        .unwrap();
    let handed: Vec<_> = claimed
        .iter()
        .map(|d| (d.endpoint_id.as_str(), d.event.id.as_str(), d.event.kind))
        .collect();
    assert_eq!(
        handed,
        [(
            id.as_str(),
            body["eventId"].as_str().unwrap(),
            WebhookEventKind::Ping
        )]
    );

    // Enabled: 200 with the endpoint as listed; a second enable answers the same.
    app.clock.set(at("2025-01-06T13:00:00Z"));
    let enabled = listed(&id, url, Value::Null, Value::Null);
    for _ in 0..2 {
        let response = send(
            &app,
            "POST",
            &format!("/webhooks/{id}/enable"),
            &app.api_key,
            None,
        )
        .await;
        let (status, content_type, bytes) = exactly(response).await;
        assert_eq!((status, content_type.as_str()), (200, "application/json"));
        assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), enabled);
    }
    assert_eq!(
        app.get_ok("/webhooks").await,
        json!({"webhooks": [enabled]})
    );
}

#[tokio::test]
async fn an_account_has_at_most_20_endpoints_and_a_21st_is_refused_naming_the_rule() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for n in 0..20 {
        let url = format!("https://hooks.example.com/{n}");
        let (id, _) = create_as(
            &app,
            &app.api_key,
            json!({"url": url}),
            created(&url, Value::Null, Value::Null),
        )
        .await;
        ids.push(id);
    }
    let body = json!({"url": "https://hooks.example.com/20"});
    let (status, content_type, bytes) =
        exactly(send(&app, "POST", "/webhooks", &app.api_key, Some(&body)).await).await;
    assert_eq!(
        (status, content_type.as_str(), String::from_utf8(bytes).unwrap()),
        (
            400,
            "application/json",
            r#"{"error":"VALIDATION_ERROR","message":"an account has at most 20 webhook endpoints; delete one first"}"#
                .to_owned()
        )
    );
    let (status, list) = status_and_json(app.get("/webhooks").await).await;
    assert_eq!(
        (status, list["webhooks"].as_array().unwrap().len()),
        (200, 20)
    );

    // Another account is not concerned; deleting one makes room again.
    let (_, other_key) = app.add_account("other").await;
    create_as(
        &app,
        &other_key,
        body.clone(),
        created("https://hooks.example.com/20", Value::Null, Value::Null),
    )
    .await;
    let path = format!("/webhooks/{}", ids[0]);
    let (status, _) = status_and_json(send(&app, "DELETE", &path, &app.api_key, None).await).await;
    assert_eq!(status, 200);
    create_as(
        &app,
        &app.api_key,
        body,
        created("https://hooks.example.com/20", Value::Null, Value::Null),
    )
    .await;
}
