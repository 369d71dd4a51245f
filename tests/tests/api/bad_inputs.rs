//! A table of bad inputs, each answered with its exact status and body (api.md §4),
//! leaving the database exactly as it was.

use crate::raw::{self, RawResponse};
use futures::TryStreamExt as _;
use postcore_tests::app::{TestApp, spawn_app};

/// One bad request: what it is, its bytes, and the answer it must get: its status and
/// its body's error code and message, `None` for `HEAD`, whose answers carry no body.
struct Case {
    what: String,
    request: Vec<u8>,
    status: u16,
    body: Option<(&'static str, String)>,
}

/// Everything the store holds, as text: accounts, keys (without their last use, which
/// authentication records) and every profile with its connections.
async fn snapshot(app: &TestApp) -> String {
    let mut out = String::new();
    for account in app.store.list_accounts().await.unwrap() {
        let profiles: Vec<_> = postcore_store::stream_profile_pages(
            std::sync::Arc::clone(&app.store),
            account.id,
            postcore_store::STREAM_PAGE_SIZE,
        )
        .try_collect()
        .await
        .unwrap();
        out += &format!("{account:?}\n{profiles:?}\n");
    }
    for key in app.store.list_api_keys(None).await.unwrap() {
        out += &format!("{} {:?} {:?}\n", key.prefix, key.label, key.revoked_at);
    }
    out
}

/// The table: bodies, paths, headers, then every route with methods it does not serve.
#[rustfmt::skip]
fn cases(key: &str, profile: &str) -> Vec<Case> {
    let auth = format!("x-api-key: {key}");
    let auth = auth.as_bytes();
    let json = b"Content-Type: application/json".as_slice();
    let create = |body: &[u8]| raw::request(b"POST /profiles/create HTTP/1.1", &[auth, json], body);
    let typed = |header: &[u8], body: &[u8]| raw::request(b"POST /profiles/create HTTP/1.1", &[auth, header], body);
    let with = |head: &str, headers: &[&[u8]]| raw::request(head.as_bytes(), headers, b"");
    let get = |path: &str| with(&format!("GET {path} HTTP/1.1"), &[auth]);
    let delete = |path: &str| with(&format!("DELETE {path} HTTP/1.1"), &[auth]);
    let chunked_head = raw::request(b"POST /profiles/create HTTP/1.1", &[auth, json, b"Transfer-Encoding: chunked"], b"");
    let chunked = |body: &[u8]| [&chunked_head[..], format!("{:x}\r\n", body.len()).as_bytes(), body, b"\r\n0\r\n\r\n"].concat();
    let long_name = format!(r#"{{"profileName":"{}"}}"#, "x".repeat(10_000));
    let over_255 = format!(r#"{{"profileName":"{}"}}"#, "é".repeat(256));
    let over_limit = format!(r#"{{"profileName":"{}"}}"#, "x".repeat(64 * 1024));
    let one_mib = vec![b'{'; 1024 * 1024];
    let own = format!("/profiles/{profile}");
    let bearer = format!("x-api-key: Bearer {key}");
    let authorization = format!("Authorization: Bearer {key}");
    let case = |what: &str, request, status, body| Case { what: what.to_owned(), request, status, body };
    let error = |code, message: &str| Some((code, message.to_owned()));
    let bad = |message: &str| error("VALIDATION_ERROR", message);
    let json_err = |message: &str| bad(&format!("Request body is not valid JSON: {message}"));
    let data_err = |message: &str| bad(&format!("Invalid request body: {message}"));
    let not_a_string = || bad("profileName must be a string or null");
    let control = || bad("profileName must not contain control characters");
    let not_found = || error("PROFILE_NOT_FOUND", "Profile not found");
    let route = || error("NOT_FOUND", "Route not found");
    let invalid = || error("INVALID_API_KEY", "Invalid API key");
    let missing = || error("MISSING_API_KEY", "API key is required in x-api-key header");
    let too_large = || error("PAYLOAD_TOO_LARGE", "Request body is too large: the limit is 65536 bytes");
    let media = || error("UNSUPPORTED_MEDIA_TYPE", "Unsupported media type: send the body as application/json");
    let mut cases = vec![
        case("truncated JSON", create(br#"{"profileName":"#), 400, json_err("EOF while parsing a value at line 1 column 15")),
        case("not JSON at all", create(b"profileName=x"), 400, json_err("expected value at line 1 column 1")),
        case("trailing garbage", create(br#"{"profileName":"a"} x"#), 400, json_err("trailing characters at line 1 column 21")),
        case("invalid UTF-8", create(b"{\"profileName\":\"\xff\xfe\"}"), 400, json_err("invalid unicode code point at line 1 column 17")),
        case("a JSON array", create(b"[]"), 400, data_err("invalid type: sequence, expected a JSON object with an optional profileName at line 1 column 0")),
        case("a JSON string", create(br#""name""#), 400, data_err(r#"invalid type: string "name", expected a JSON object with an optional profileName at line 1 column 6"#)),
        case("JSON null", create(b"null"), 400, data_err("invalid type: null, expected a JSON object with an optional profileName at line 1 column 4")),
        case("name as a number", create(br#"{"profileName":42}"#), 400, not_a_string()),
        case("name as a boolean", create(br#"{"profileName":true}"#), 400, not_a_string()),
        case("name as an array", create(br#"{"profileName":["a"]}"#), 400, not_a_string()),
        case("name as an object", create(br#"{"profileName":{"a":1}}"#), 400, not_a_string()),
        case("unknown field", create(br#"{"profileName":"a","admin":true}"#), 400, data_err("unknown field `admin`, expected `profileName` at line 1 column 26")),
        case("field in the wrong case", create(br#"{"profilename":"a"}"#), 400, data_err("unknown field `profilename`, expected `profileName` at line 1 column 14")),
        case("duplicate field", create(br#"{"profileName":"a","profileName":"b"}"#), 400, data_err("duplicate field `profileName` at line 1 column 32")),
        case("empty name", create(br#"{"profileName":""}"#), 400, bad("profileName must not be empty")),
        case("blank name", create(br#"{"profileName":"   "}"#), 400, bad("profileName must not be empty")),
        case("escaped NUL in name", create(br#"{"profileName":"a\u0000b"}"#), 400, control()),
        case("escaped newline in name", create(br#"{"profileName":"a\nb"}"#), 400, control()),
        case("raw control byte in JSON", create(b"{\"profileName\":\"a\x01b\"}"), 400, json_err(r"control character (\u0000-\u001F) found while parsing a string at line 1 column 18")),
        case("C1 control in name", create(br#"{"profileName":"a\u009bb"}"#), 400, control()),
        case("10,000-character name", create(long_name.as_bytes()), 400, bad("profileName must be at most 255 characters, found 10000")),
        case("256-character name", create(over_255.as_bytes()), 400, bad("profileName must be at most 255 characters, found 256")),
        case("body just over 64 KiB", create(over_limit.as_bytes()), 413, too_large()),
        case("1 MiB body", create(&one_mib), 413, too_large()),
        case("chunked body over 64 KiB", chunked(over_limit.as_bytes()), 413, too_large()),
        case("text/plain body", typed(b"Content-Type: text/plain", br#"{"profileName":"a"}"#), 415, media()),
        case("form body", typed(b"Content-Type: application/x-www-form-urlencoded", b"profileName=a"), 415, media()),
        case("body without a content type", raw::request(b"POST /profiles/create HTTP/1.1", &[auth], b"{}"), 415, media()),
        case("two conflicting content types", raw::request(b"POST /profiles/create HTTP/1.1", &[auth, json, b"Content-Type: text/plain"], br#"{"profileName":"a"}"#), 415, media()),
        case("gzip content encoding on a plain body", raw::request(b"POST /profiles/create HTTP/1.1", &[auth, json, b"Content-Encoding: gzip"], br#"{"profileName":"a"}"#), 415, media()),
        case("a charset other than UTF-8", typed(b"Content-Type: application/json; charset=latin1", br#"{"profileName":"a"}"#), 415, media()),
        case("dot-segment traversal", get("/profiles/../../etc/passwd"), 404, route()),
        case("encoded traversal", get("/profiles/%2e%2e%2f%2e%2e%2fetc%2fpasswd"), 404, not_found()),
        case("delete with encoded traversal", delete("/profiles/..%2F..%2Fpostcore.db"), 404, not_found()),
        case("SQL-looking key", get("/profiles/prof_x'%20OR%20'1'='1"), 404, not_found()),
        case("SQL-looking delete", delete("/profiles/prof_x;DROP%20TABLE%20profiles;--"), 404, not_found()),
        case("SQL wildcard key", get("/profiles/prof_%25"), 404, not_found()),
        case("encoded NUL in key", get("/profiles/prof_abc%00"), 404, not_found()),
        case("invalid UTF-8 in key", get("/profiles/prof_%FF%FE"), 404, not_found()),
        case("upper-case prefix", get("/profiles/PROF_ABC123"), 404, not_found()),
        case("65-character key", get(&format!("/profiles/prof_{}", "a".repeat(65))), 404, not_found()),
        case("own key with an encoded space", get(&format!("{own}%20")), 404, not_found()),
        case("unknown query parameter on the list", get("/profiles?sort=name"), 400, bad("Unknown query parameter `sort`: GET /profiles takes platform, needsReconnect, expiringWithinDays, limit and cursor")),
        case("unknown platform on the list", get("/profiles?platform=twitter"), 400, bad("platform must be linkedin or bluesky")),
        case("duplicate x-api-key headers", with("GET /profiles HTTP/1.1", &[auth, auth]), 401, invalid()),
        case("duplicate keys on delete", with(&format!("DELETE {own} HTTP/1.1"), &[auth, auth]), 401, invalid()),
        case("key bytes not UTF-8", with("GET /profiles HTTP/1.1", &[b"x-api-key: pc_live_\xff\xfe"]), 401, invalid()),
        case("key as a bearer token", with("GET /profiles HTTP/1.1", &[bearer.as_bytes()]), 401, invalid()),
        case("key only in Authorization", with("GET /profiles HTTP/1.1", &[authorization.as_bytes()]), 401, missing()),
        case("unknown route under a profile", get(&format!("{own}/connections")), 404, route()),
    ];
    for (path, allowed) in [("/profiles", "GET, HEAD"), (own.as_str(), "GET, HEAD, DELETE"), ("/profiles/create", "POST"), ("/health", "GET, HEAD")] {
        // HEAD is served wherever GET is (RFC 9110 §9.3.2), and refused where it is not.
        let methods: &[&str] = if allowed.contains("HEAD") { &["PUT", "PATCH", "OPTIONS"] } else { &["PUT", "PATCH", "OPTIONS", "HEAD"] };
        for method in methods {
            // A HEAD answer has no body.
            let body = (*method != "HEAD").then(|| ("METHOD_NOT_ALLOWED", format!("Method not allowed. Allowed methods: {allowed}")));
            cases.push(case(&format!("{method} {path}"), with(&format!("{method} {path} HTTP/1.1"), &[auth]), 405, body));
        }
    }
    cases
}

#[tokio::test]
async fn bad_inputs_get_their_exact_status_and_code_and_change_nothing() {
    let app = spawn_app().await;
    let profile = app.new_profile(Some("keep me")).await;
    let before = snapshot(&app).await;
    let cases = cases(&app.api_key, &profile);
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    for case in cases {
        let response: RawResponse = raw::send(app.port, &case.request).await;
        let what = &case.what;
        assert_eq!(
            response.status,
            case.status,
            "{what}: {:?}",
            String::from_utf8_lossy(&response.body)
        );
        assert_eq!(
            response.header("content-type"),
            Some("application/json"),
            "{what}"
        );
        match case.body {
            Some((code, message)) => assert_eq!(
                response.json(),
                serde_json::json!({"error": code, "message": message}),
                "{what}"
            ),
            None => assert!(response.body.is_empty(), "{what}"),
        }
        assert_eq!(snapshot(&app).await, before, "{what} changed the database");
    }
}
