//! LinkedIn by OAuth (api.md §5.5), in process against a LinkedIn stand-in on 127.0.0.1: a
//! real HTTP client follows the redirects from the authorization URL through the stand-in
//! to the callback, and stops at the app's return URL.

use postcore_domain::{Platform, ProfileKey};
use postcore_store::ExposeSecret as _;
use postcore_tests::app::{TestApp, at, spawn_app, spawn_app_with_linkedin, status_and_json};
use postcore_tests::linkedin::{
    LinkedInStandIn, TokenFailure, browse, browser, invalid_state_page, server_page,
};
use serde_json::{Value, json};

const RETURN_URL: &str = "https://app.example.com/done";
const NOW: &str = "2025-01-06T12:30:00Z";

/// An app with LinkedIn against a fresh stand-in, and `RETURN_URL` allowed.
async fn setup() -> (TestApp, LinkedInStandIn) {
    let standin = LinkedInStandIn::start().await;
    let app = spawn_app_with_linkedin(&standin).await;
    app.store
        .allow_return_url(app.account, RETURN_URL, at(NOW))
        .await
        .unwrap();
    (app, standin)
}

/// `POST /profiles/connect/linkedin` with `body`: status and JSON.
async fn start(app: &TestApp, body: Value) -> (u16, Value) {
    status_and_json(app.post_json("/profiles/connect/linkedin", &body).await).await
}

/// Where the browser ends after opening `url`: the app's URL it was sent to (a 302
/// `Location`), or the status and body of the page it stopped on.
async fn open(url: &str) -> Result<String, (u16, String)> {
    let response = browser().get(url).send().await.unwrap();
    match response.status().as_u16() {
        302 => Ok(response.headers()["location"].to_str().unwrap().to_owned()),
        status => Err((status, response.text().await.unwrap())),
    }
}

/// Starts a flow for `body`, asserting 200: the authorization URL.
async fn authorization_url(app: &TestApp, body: Value) -> String {
    let (status, started) = start(app, body).await;
    assert_eq!(status, 200, "{started}");
    started["authorizationUrl"].as_str().unwrap().to_owned()
}

/// Starts a flow for `body` and follows it to its end.
async fn flow(app: &TestApp, body: Value) -> Result<String, (u16, String)> {
    open(&authorization_url(app, body).await).await
}

async fn platforms_of(app: &TestApp, key: &str) -> Value {
    let (status, body) = status_and_json(app.get(&format!("/profiles/{key}")).await).await;
    assert_eq!(status, 200);
    body["connectedPlatforms"].clone()
}

fn done(key: &str) -> String {
    format!("{RETURN_URL}?profileKey={key}&platform=linkedin")
}

fn failed(code: &str) -> String {
    format!("{RETURN_URL}?error={code}")
}

/// The connection the stand-in's default member makes at `NOW` with `expires_at`.
fn member_connection(expires_at: &str, days: i64) -> Value {
    json!({
        "platform": "linkedin", "displayName": "John Doe",
        "username": format!("{}@members.example", LinkedInStandIn::DEFAULT_SUB),
        "connectedAt": NOW, "expiresAt": expires_at, "daysUntilExpiry": days,
        "needsReconnect": false
    })
}

#[tokio::test]
async fn the_recommended_flow_connects_linkedin_to_the_named_profile() {
    let (app, standin) = setup().await;
    let key = app.new_profile(None).await;
    let (status, started) = start(&app, json!({"profileKey": key, "returnUrl": RETURN_URL})).await;
    let url = started["authorizationUrl"].as_str().unwrap_or_default();
    assert_eq!(
        (status, &started),
        (
            200,
            &json!({"authorizationUrl": url, "expiresAt": "2025-01-06T12:40:00Z"})
        )
    );
    assert!(url.starts_with(&standin.authorize_url()), "{url}");
    assert!(!url.contains(&app.api_key));
    assert_eq!(open(url).await, Ok(done(&key)));
    assert_eq!(
        platforms_of(&app, &key).await,
        json!([member_connection("2025-03-07T12:30:00Z", 60)])
    );
    let profile = ProfileKey::parse(&key).unwrap();
    let stored = app.store.get_profile(app.account, &profile).await.unwrap();
    assert_eq!(
        stored.connections[0].platform_account_id(),
        Some(LinkedInStandIn::DEFAULT_SUB)
    );
    let creds = app
        .store
        .credentials(app.account, &profile, Platform::LinkedIn)
        .await
        .unwrap();
    let access = creds
        .access_token
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_owned();
    assert!(standin.is_live(&access));
    let refresh = creds.refresh_token.as_ref().map(|t| t.expose_secret());
    assert!(standin.is_live_refresh_token(refresh.unwrap_or_default()));
    assert_eq!(
        creds.refresh_token_expires_at,
        Some(at("2026-01-06T12:30:00Z"))
    );
    let counts = standin.counts();
    assert_eq!((counts.token_exchange, counts.userinfo), (1, 1));
}

#[tokio::test]
async fn the_hosted_flow_starts_from_a_browser_url_and_creates_a_profile() {
    let (app, _standin) = setup().await;
    let url = format!(
        "{}/profiles/connect?apiKey={}&platform=linkedin&returnUrl={}",
        app.address, app.api_key, "https%3A%2F%2Fapp.example.com%2Fdone"
    );
    let location = open(&url).await.unwrap();
    let key = location
        .strip_prefix(&format!("{RETURN_URL}?profileKey="))
        .and_then(|rest| rest.strip_suffix("&platform=linkedin"))
        .unwrap_or_else(|| panic!("{location}"));
    assert_eq!(
        platforms_of(&app, key).await,
        json!([member_connection("2025-03-07T12:30:00Z", 60)])
    );
}

#[tokio::test]
async fn without_a_return_url_the_flow_ends_on_a_small_page() {
    let (app, _standin) = setup().await;
    let connected = server_page(
        "LinkedIn connected",
        "LinkedIn is connected. You can close this window.",
    );
    assert_eq!(flow(&app, json!({})).await, Err((200, connected)));
    let list = app.get_ok("/profiles").await;
    let key = list["profiles"][0]["profileKey"]
        .as_str()
        .unwrap_or_default();
    let expected = json!({"profiles": [{
        "profileKey": key, "profileName": null, "createdAt": NOW,
        "connectedPlatforms": [member_connection("2025-03-07T12:30:00Z", 60)]
    }]});
    assert_eq!(list, expected);
}

#[tokio::test]
async fn a_user_who_declines_is_sent_back_with_access_denied_and_nothing_is_stored() {
    let (app, standin) = setup().await;
    standin.deny_next();
    assert_eq!(
        flow(&app, json!({"returnUrl": RETURN_URL})).await,
        Ok(failed("access_denied"))
    );
    assert_eq!(standin.counts().token_exchange, 0);
    let list = app.get_ok("/profiles").await;
    assert_eq!(list, json!({"profiles": []}));
}

#[tokio::test]
async fn forged_missing_replayed_and_expired_states_make_no_token_call() {
    let (app, standin) = setup().await;
    let callback = format!("{}/oauth/linkedin/callback", app.address);
    let invalid = |ended: (u16, String)| assert_eq!(ended, (400, invalid_state_page()));
    invalid(
        open(&format!("{callback}?code=abc&state=forged"))
            .await
            .unwrap_err(),
    );
    invalid(open(&format!("{callback}?code=abc")).await.unwrap_err());
    assert_eq!(standin.counts().token_exchange, 0);

    // Replayed: the first use connects, the same callback again is refused.
    let url = authorization_url(&app, json!({"returnUrl": RETURN_URL})).await;
    let (status, callback_url) = browse(&url).await;
    assert_eq!(status, 302, "{callback_url}");
    assert!(open(&callback_url).await.unwrap().contains("profileKey="));
    invalid(open(&callback_url).await.unwrap_err());
    assert_eq!(standin.counts().token_exchange, 1);

    // Expired: 10 minutes and 1 second later.
    let url = authorization_url(&app, json!({"returnUrl": RETURN_URL})).await;
    app.clock.set(at("2025-01-06T12:40:01Z"));
    invalid(open(&url).await.unwrap_err());
    assert_eq!(standin.counts().token_exchange, 1);
}

#[tokio::test]
async fn a_return_url_off_the_allow_list_is_400_before_any_redirect() {
    let (app, standin) = setup().await;
    let refused = json!({
        "error": "VALIDATION_ERROR",
        "message": "returnUrl is not on this account's allow-list: an operator adds it with `postcore-admin accounts allow-return-url ACCOUNT URL`"
    });
    for url in [
        "https://evil.example/steal",
        "https://app.example.com/done/",
    ] {
        assert_eq!(
            start(&app, json!({"returnUrl": url})).await,
            (400, refused.clone())
        );
        let browser_url = format!(
            "{}/profiles/connect?apiKey={}&platform=linkedin&returnUrl={url}",
            app.address, app.api_key
        );
        let response = browser().get(browser_url).send().await.unwrap();
        assert_eq!(status_and_json(response).await, (400, refused.clone()));
    }
    assert_eq!(standin.counts().authorize, 0);
}

#[tokio::test]
async fn token_and_userinfo_failures_send_the_user_back_with_a_code_and_store_nothing() {
    for (failure, code) in [
        (Some(TokenFailure::InvalidGrant), "authorization_failed"),
        (Some(TokenFailure::Status(500)), "upstream_error"),
        (Some(TokenFailure::Hang), "upstream_error"),
        (None, "authorization_failed"),
    ] {
        let (app, standin) = setup().await;
        match failure {
            Some(f) => standin.token_failure(Some(f)),
            None => standin.revoke_userinfo_after_token(),
        }
        assert_eq!(
            flow(&app, json!({"returnUrl": RETURN_URL})).await,
            Ok(failed(code)),
            "{code}"
        );
        let list = app.get_ok("/profiles").await;
        assert_eq!(list, json!({"profiles": []}), "{code}");
    }
}

#[tokio::test]
async fn expires_in_becomes_expires_at_by_the_sixty_day_policy() {
    for (expires_in, expires_at, days) in [
        (Some(json!(5_184_000)), "2025-03-07T12:30:00Z", 60),
        (Some(json!(5_183_999)), "2025-03-07T12:29:59Z", 59),
        (None, "2025-03-07T12:30:00Z", 60),
        (Some(json!(5_184_000_000_i64)), "2025-03-07T12:30:00Z", 60),
        (Some(json!(0)), NOW, 0),
    ] {
        let (app, standin) = setup().await;
        standin.set_expires_in(expires_in.clone());
        let key = app.new_profile(None).await;
        assert_eq!(
            flow(&app, json!({"profileKey": key, "returnUrl": RETURN_URL})).await,
            Ok(done(&key))
        );
        let mut expected = member_connection(expires_at, days);
        if days == 0 {
            expected["needsReconnect"] = json!(true);
        }
        assert_eq!(
            platforms_of(&app, &key).await,
            json!([expected]),
            "{expires_in:?}"
        );
    }
}

/// No client sends an instant: connectedAt is the clock's and expiresAt at most 60 days
/// later. A clock so late that the expiry would pass 9999-12-31T23:59:59Z (it would show as
/// `+10000-…`, not RFC 3339) is the server's fault: server_error, nothing stored, and the
/// unused token revoked.
#[tokio::test]
async fn a_clock_too_late_for_an_rfc_3339_expiry_stores_nothing() {
    let (app, standin) = setup().await;
    app.clock.set(at("9999-12-01T00:00:00Z"));
    assert_eq!(
        flow(&app, json!({"returnUrl": RETURN_URL})).await,
        Ok(failed("server_error"))
    );
    let (status, list) = status_and_json(app.get("/profiles").await).await;
    assert_eq!((status, list), (200, json!({"profiles": []})));
    let counts = standin.counts();
    assert_eq!((counts.token_exchange, counts.revoke), (1, 1));
}

#[tokio::test]
async fn the_same_member_renews_in_place_and_another_member_is_refused() {
    let (app, standin) = setup().await;
    standin.set_refresh_tokens(true);
    let key = app.new_profile(None).await;
    let body = json!({"profileKey": key, "returnUrl": RETURN_URL});
    assert_eq!(flow(&app, body.clone()).await, Ok(done(&key)));
    let profile = ProfileKey::parse(&key).unwrap();
    let first = app
        .store
        .credentials(app.account, &profile, Platform::LinkedIn)
        .await
        .unwrap();
    standin.set_refresh_tokens(false);
    app.clock.set(at("2025-01-07T12:30:00Z"));
    assert_eq!(flow(&app, body.clone()).await, Ok(done(&key)));
    let mut renewed = member_connection("2025-03-08T12:30:00Z", 60);
    renewed["connectedAt"] = json!("2025-01-07T12:30:00Z");
    renewed["daysUntilExpiry"] = json!(59);
    app.clock.set(at("2025-01-08T12:30:00Z"));
    assert_eq!(platforms_of(&app, &key).await, json!([renewed.clone()]));
    let second = app
        .store
        .credentials(app.account, &profile, Platform::LinkedIn)
        .await
        .unwrap();
    // A renewal without a refresh token keeps the one stored.
    assert_eq!(
        second
            .refresh_token
            .as_ref()
            .map(|s| s.expose_secret().to_owned()),
        first
            .refresh_token
            .as_ref()
            .map(|s| s.expose_secret().to_owned())
    );

    standin.set_member("other-member", "Jane Roe");
    assert_eq!(
        flow(&app, body).await,
        Ok(failed("platform_already_connected"))
    );
    assert_eq!(platforms_of(&app, &key).await, json!([renewed]));
}

#[tokio::test]
async fn unknown_and_other_accounts_profiles_are_404_before_linkedin() {
    let (app, standin) = setup().await;
    let not_found = (
        404,
        json!({"error": "PROFILE_NOT_FOUND", "message": "Profile not found"}),
    );
    for key in ["prof_0000000000000000", "nope"] {
        assert_eq!(start(&app, json!({"profileKey": key})).await, not_found);
    }
    assert_eq!(standin.counts().authorize, 0);
}

#[tokio::test]
async fn disconnecting_linkedin_revokes_its_token_at_linkedin() {
    let (app, standin) = setup().await;
    let key = app.new_profile(None).await;
    assert_eq!(
        flow(&app, json!({"profileKey": key, "returnUrl": RETURN_URL})).await,
        Ok(done(&key))
    );
    app.disconnect(&key, "linkedin").await;
    // Both the access token and the refresh token are given back.
    assert_eq!(standin.counts().revoke, 2);
    assert_eq!(platforms_of(&app, &key).await, json!([]));
}

#[tokio::test]
async fn without_a_client_id_every_linkedin_route_is_501_naming_the_settings() {
    let app = spawn_app().await;
    let expected = json!({
        "error": "NOT_CONFIGURED",
        "message": "LinkedIn is not configured on this server: set POSTCORE_LINKEDIN_CLIENT_ID, POSTCORE_LINKEDIN_CLIENT_SECRET (or --linkedin-client-secret-file) and POSTCORE_PUBLIC_URL"
    });
    assert_eq!(start(&app, json!({})).await, (501, expected.clone()));
    let url = format!(
        "{}/profiles/connect?apiKey={}&platform=linkedin",
        app.address, app.api_key
    );
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(status_and_json(response).await, (501, expected.clone()));
    let response = app
        .client
        .get(format!(
            "{}/oauth/linkedin/callback?code=a&state=b",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(status_and_json(response).await, (501, expected));
}

#[tokio::test]
async fn a_failed_revoke_at_linkedin_still_disconnects() {
    let (app, standin) = setup().await;
    let key = app.new_profile(None).await;
    assert_eq!(
        flow(&app, json!({"profileKey": key, "returnUrl": RETURN_URL})).await,
        Ok(done(&key))
    );
    // LinkedIn is gone: the revoke call fails to connect.
    drop(standin);
    app.disconnect(&key, "linkedin").await;
    assert_eq!(platforms_of(&app, &key).await, json!([]));
}

/// The `state` inside an authorization URL.
fn state_of(authorization_url: &str) -> String {
    let query = authorization_url.split_once('?').unwrap().1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "state")
        .unwrap()
        .1
        .into_owned()
}

#[tokio::test]
async fn linkedins_own_answers_to_the_callback_map_to_documented_codes() {
    let (app, standin) = setup().await;
    let callback = format!("{}/oauth/linkedin/callback", app.address);
    for (query, code) in [
        ("", "invalid_request"),
        ("&error=user_cancelled_authorize", "access_denied"),
        ("&error=user_cancelled_login", "access_denied"),
        ("&error=server_error", "authorization_failed"),
    ] {
        let url = authorization_url(&app, json!({"returnUrl": RETURN_URL})).await;
        let state = state_of(&url);
        assert_eq!(
            open(&format!("{callback}?state={state}{query}")).await,
            Ok(failed(code)),
            "{query}"
        );
    }
    assert_eq!(standin.counts().token_exchange, 0);
}

#[tokio::test]
async fn a_profile_deleted_during_the_flow_ends_with_profile_not_found_and_the_token_revoked() {
    let (app, standin) = setup().await;
    let key = app.new_profile(None).await;
    let url = authorization_url(&app, json!({"profileKey": key, "returnUrl": RETURN_URL})).await;
    app.delete_profile(&key).await;
    assert_eq!(open(&url).await, Ok(failed("profile_not_found")));
    assert_eq!(standin.counts().revoke, 1);
    let list = app.get_ok("/profiles").await;
    assert_eq!(list, json!({"profiles": []}));
}

#[tokio::test]
async fn a_repeated_api_key_is_401_and_a_non_object_body_is_400() {
    let (app, standin) = setup().await;
    let url = format!(
        "{}/profiles/connect?apiKey=pc_live_00000000000000000000000000000000&apiKey={}&platform=linkedin",
        app.address, app.api_key
    );
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(
        status_and_json(response).await,
        (
            401,
            json!({"error": "INVALID_API_KEY", "message": "Invalid API key"})
        )
    );
    let sequence =
        "Invalid request body: invalid type: sequence, expected a map at line 1 column 0";
    for (body, message) in [
        (json!([]), sequence),
        (json!([null, RETURN_URL]), sequence),
        (
            json!("x"),
            "Invalid request body: invalid type: string \"x\", expected a map at line 1 column 3",
        ),
    ] {
        let answer = start(&app, body.clone()).await;
        assert_eq!(
            answer,
            (
                400,
                json!({"error": "VALIDATION_ERROR", "message": message})
            ),
            "{body}"
        );
    }
    assert_eq!(standin.counts().authorize, 0);
}
