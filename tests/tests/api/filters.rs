//! `GET /profiles` with filters and keyset pages (api.md §5.1, extension): exact bodies,
//! exact validation messages, and a cursor walk while another client changes the account.

use base64::Engine as _;
use postcore_domain::{Connection, Platform, Profile, ProfileKey, ProfileName};
use postcore_store::ProfileRecord;
use postcore_tests::app::{TestApp, at, profile_keys, spawn_app, status_and_json};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Six profiles, two per creation second: `a` has the seed's LinkedIn (55 days left at the
/// app's now, 2025-01-06T12:30:00Z); `b` a LinkedIn that expired 2024-12-31; `c` a
/// Bluesky; `d` a Bluesky marked revoked; `e` nothing; `f` a Bluesky and a LinkedIn with 3
/// days left.
async fn fixture(app: &TestApp) {
    let li = |connected: &str, expires: &str| {
        Connection::new(Platform::LinkedIn, "John Doe", "johndoe", at(connected))
            .with_expires_at(Some(at(expires)))
    };
    let bs = || {
        Connection::new(
            Platform::Bluesky,
            "jd.bsky.social",
            "jd.bsky.social",
            at("2025-01-02T10:00:00Z"),
        )
    };
    let profile = |key: &str, created: &str, connections| ProfileRecord {
        profile: Profile::new(
            ProfileKey::parse(key).unwrap(),
            Some(ProfileName::parse(&format!("User {key}")).unwrap()),
            at(created),
        ),
        connections,
    };
    let records = vec![
        profile(
            "prof_a",
            "2025-01-01T00:00:00Z",
            vec![li("2025-01-01T12:30:00Z", "2025-03-02T12:30:00Z")],
        ),
        profile(
            "prof_b",
            "2025-01-01T00:00:00Z",
            vec![li("2024-11-01T00:00:00Z", "2024-12-31T00:00:00Z")],
        ),
        profile("prof_c", "2025-01-02T00:00:00Z", vec![bs()]),
        profile("prof_d", "2025-01-02T00:00:00Z", vec![bs()]),
        profile("prof_e", "2025-01-03T00:00:00Z", vec![]),
        profile(
            "prof_f",
            "2025-01-03T00:00:00Z",
            vec![bs(), li("2024-11-10T12:30:00Z", "2025-01-09T12:30:00Z")],
        ),
    ];
    app.store
        .import_profiles(app.account, records, None)
        .await
        .unwrap();
    let d = ProfileKey::parse("prof_d").unwrap();
    app.store
        .mark_revoked(
            app.account,
            &d,
            Platform::Bluesky,
            postcore_domain::Clock::now(&*app.clock),
        )
        .await
        .unwrap();
}

/// The LinkedIn connection of the fixture as the API shows it at the app's now.
fn linkedin(connected: &str, expires: &str, days: i64, reconnect: bool) -> Value {
    json!({"platform": "linkedin", "displayName": "John Doe", "username": "johndoe",
           "connectedAt": connected, "expiresAt": expires, "daysUntilExpiry": days,
           "needsReconnect": reconnect})
}

fn bluesky(reconnect: bool) -> Value {
    json!({"platform": "bluesky", "displayName": "jd.bsky.social", "username": "jd.bsky.social",
           "connectedAt": "2025-01-02T10:00:00Z", "expiresAt": null, "daysUntilExpiry": null,
           "needsReconnect": reconnect})
}

/// Profile `key` of the fixture, exactly as listed at 2025-01-06T12:30:00Z.
fn listed(key: &str) -> Value {
    let (created, connections) = match key {
        "prof_a" => (
            "2025-01-01T00:00:00Z",
            json!([linkedin(
                "2025-01-01T12:30:00Z",
                "2025-03-02T12:30:00Z",
                55,
                false
            )]),
        ),
        "prof_b" => (
            "2025-01-01T00:00:00Z",
            json!([linkedin(
                "2024-11-01T00:00:00Z",
                "2024-12-31T00:00:00Z",
                0,
                true
            )]),
        ),
        "prof_c" => ("2025-01-02T00:00:00Z", json!([bluesky(false)])),
        "prof_d" => ("2025-01-02T00:00:00Z", json!([bluesky(true)])),
        "prof_e" => ("2025-01-03T00:00:00Z", json!([])),
        "prof_f" => (
            "2025-01-03T00:00:00Z",
            json!([
                bluesky(false),
                linkedin("2024-11-10T12:30:00Z", "2025-01-09T12:30:00Z", 3, false)
            ]),
        ),
        other => panic!("no fixture profile {other}"),
    };
    json!({"profileKey": key, "profileName": format!("User {key}"), "createdAt": created,
           "connectedPlatforms": connections})
}

fn list_of(keys: &[&str]) -> Value {
    json!({"profiles": keys.iter().map(|k| listed(k)).collect::<Vec<_>>()})
}

fn page_of(keys: &[&str], next: Option<&str>) -> Value {
    json!({"profiles": keys.iter().map(|k| listed(k)).collect::<Vec<_>>(), "nextCursor": next})
}

/// The cursor after profile `key` created at `created`: base64url of `seconds:key`.
fn cursor(created: &str, key: &str) -> String {
    let text = format!("{}:{key}", at(created).timestamp());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn each_filter_lists_exactly_the_matching_profiles() {
    let app = spawn_app().await;
    fixture(&app).await;
    let all = ["prof_a", "prof_b", "prof_c", "prof_d", "prof_e", "prof_f"];
    let cases: [(&str, &[&str]); 11] = [
        ("", &all),
        ("?platform=linkedin", &["prof_a", "prof_b", "prof_f"]),
        ("?platform=bluesky", &["prof_c", "prof_d", "prof_f"]),
        ("?needsReconnect=true", &["prof_b", "prof_d"]),
        (
            "?needsReconnect=false",
            &["prof_a", "prof_c", "prof_e", "prof_f"],
        ),
        ("?expiringWithinDays=2", &["prof_b", "prof_d"]),
        ("?expiringWithinDays=3", &["prof_b", "prof_d", "prof_f"]),
        ("?expiringWithinDays=0", &["prof_b", "prof_d"]),
        (
            "?platform=bluesky&needsReconnect=false",
            &["prof_c", "prof_f"],
        ),
        (
            "?platform=linkedin&needsReconnect=false&expiringWithinDays=55",
            &["prof_a", "prof_f"],
        ),
        ("?needsReconnect=false&expiringWithinDays=54", &["prof_f"]),
    ];
    for (query, keys) in cases {
        let body = app.get_ok(&format!("/profiles{query}")).await;
        assert_eq!(body, list_of(keys), "{query}");
    }
}

/// The filters are judged at the server's clock: when it passes `a`'s and `f`'s expiry,
/// they need a reconnect too.
#[tokio::test]
async fn the_filters_are_judged_at_the_injected_clock() {
    let app = spawn_app().await;
    fixture(&app).await;
    app.clock.set(at("2025-03-02T12:29:59Z"));
    let body = app.get_ok("/profiles?needsReconnect=true").await;
    assert_eq!(profile_keys(&body), ["prof_b", "prof_d", "prof_f"]);
    app.clock.set(at("2025-03-02T12:30:00Z"));
    let body = app.get_ok("/profiles?needsReconnect=true").await;
    assert_eq!(
        profile_keys(&body),
        ["prof_a", "prof_b", "prof_d", "prof_f"]
    );
}

#[tokio::test]
async fn pages_carry_the_cursor_of_the_next_page_and_null_after_the_last() {
    let app = spawn_app().await;
    fixture(&app).await;
    let after_b = cursor("2025-01-01T00:00:00Z", "prof_b");
    let after_d = cursor("2025-01-02T00:00:00Z", "prof_d");
    let body = app.get_ok("/profiles?limit=2").await;
    assert_eq!(body, page_of(&["prof_a", "prof_b"], Some(&after_b)));
    let body = app
        .get_ok(&format!("/profiles?limit=2&cursor={after_b}"))
        .await;
    assert_eq!(body, page_of(&["prof_c", "prof_d"], Some(&after_d)));
    // Exactly two remain: this page is the last, and says so.
    let body = app
        .get_ok(&format!("/profiles?cursor={after_d}&limit=2"))
        .await;
    assert_eq!(body, page_of(&["prof_e", "prof_f"], None));
    let body = app.get_ok("/profiles?limit=1000").await;
    let all = ["prof_a", "prof_b", "prof_c", "prof_d", "prof_e", "prof_f"];
    assert_eq!(body, page_of(&all, None));
    // Filters and pages together.
    let after_c = cursor("2025-01-02T00:00:00Z", "prof_c");
    let body = app.get_ok("/profiles?needsReconnect=false&limit=2").await;
    assert_eq!(body, page_of(&["prof_a", "prof_c"], Some(&after_c)));
    let next = format!("/profiles?needsReconnect=false&limit=2&cursor={after_c}");
    assert_eq!(
        app.get_ok(&next).await,
        page_of(&["prof_e", "prof_f"], None)
    );
    // A cursor without a limit streams the rest, without nextCursor.
    let body = app.get_ok(&format!("/profiles?cursor={after_d}")).await;
    assert_eq!(body, list_of(&["prof_e", "prof_f"]));
    // An account without profiles: an empty last page.
    let (_, other) = app.add_account("other").await;
    let response = app.get_with_key("/profiles?limit=5", &other).await;
    let empty = json!({"profiles": [], "nextCursor": null});
    assert_eq!(status_and_json(response).await, (200, empty));
}

#[tokio::test]
async fn bad_query_parameters_are_400_naming_the_parameter_after_the_key_is_checked() {
    let app = spawn_app().await;
    let limit = "limit must be a whole number from 1 to 1000";
    let days = "expiringWithinDays must be a whole number of days from 0 to 36500";
    let unknown = "Unknown query parameter `sort`: GET /profiles takes platform, needsReconnect, expiringWithinDays, limit and cursor";
    let bad_cursor = "cursor is malformed: pass a previous page's nextCursor unchanged";
    let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("0:not-a-key");
    let cases = [
        (
            "platform=twitter".to_owned(),
            "platform must be linkedin or bluesky",
        ),
        (
            "needsReconnect=yes".to_owned(),
            "needsReconnect must be true or false",
        ),
        ("expiringWithinDays=36501".to_owned(), days),
        ("expiringWithinDays=-1".to_owned(), days),
        ("limit=0".to_owned(), limit),
        ("limit=1001".to_owned(), limit),
        ("limit=ten".to_owned(), limit),
        ("cursor=abc%21".to_owned(), bad_cursor),
        (format!("cursor={forged}"), bad_cursor),
        ("sort=name".to_owned(), unknown),
        (
            "platform=linkedin&platform=bluesky".to_owned(),
            "query parameter `platform` is given more than once",
        ),
    ];
    for (query, message) in cases {
        let path = format!("/profiles?{query}");
        let expected = json!({"error": "VALIDATION_ERROR", "message": message});
        assert_eq!(
            status_and_json(app.get(&path).await).await,
            (400, expected),
            "{query}"
        );
        // Without a key the answer is 401, whatever the query.
        let response = app.request("GET", &path, None).await;
        assert_eq!(status_and_json(response).await.0, 401, "{query}");
    }
}

/// Walking all pages with a small `limit` while another client creates and deletes
/// profiles between pages returns every profile that existed throughout exactly once —
/// with 40 of them created in the same second (the app's clock stands still), so that
/// only the key orders them.
#[tokio::test]
async fn a_cursor_walk_returns_every_profile_that_lived_throughout_exactly_once() {
    let app = spawn_app().await;
    fixture(&app).await;
    let mut initial: Vec<String> = ["prof_a", "prof_b", "prof_c", "prof_d", "prof_e", "prof_f"]
        .map(str::to_owned)
        .to_vec();
    for _ in 0..40 {
        initial.push(app.new_profile(None).await);
    }
    let mut seen: Vec<String> = Vec::new();
    let mut deleted = BTreeSet::new();
    let mut created = Vec::new();
    let mut path = "/profiles?limit=3".to_owned();
    for round in 0.. {
        assert!(round < 100, "the walk does not end");
        let body = app.get_ok(&path).await;
        seen.extend(profile_keys(&body));
        // Another client: two new profiles (in the same second as the 40), one unseen
        // profile deleted and one already seen.
        created.push(app.new_profile(None).await);
        created.push(app.new_profile(None).await);
        let unseen = initial
            .iter()
            .rev()
            .find(|k| !seen.contains(k) && !deleted.contains(*k))
            .cloned();
        let gone_after_seen = seen.iter().find(|k| !deleted.contains(*k)).cloned();
        for victim in [unseen, gone_after_seen].into_iter().flatten() {
            app.delete_profile(&victim).await;
            deleted.insert(victim);
        }
        match body["nextCursor"].as_str() {
            Some(next) => path = format!("/profiles?limit=3&cursor={next}"),
            None => break,
        }
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a profile was listed twice");
    for key in &initial {
        let lived_throughout = !deleted.contains(key) || seen.contains(key);
        assert_eq!(seen.contains(key), lived_throughout, "{key}");
    }
    assert!(
        seen.iter()
            .all(|k| initial.contains(k) || created.contains(k))
    );
    assert!(
        deleted.len() > 10,
        "the walk saw too few changes: {deleted:?}"
    );
}
