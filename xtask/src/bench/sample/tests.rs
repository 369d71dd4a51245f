//! Tests of the sample answer's reading, its checks and the limit server's headers.

use super::*;

/// A `GET /profiles/{key}` answer of a seeded profile, as `postcore serve` sends it.
const PROFILE_BODY: &str = r#"{"profile":{"profileKey":"prof_aaaabbbbccccdddd","profileName":"Bench user 0","createdAt":"2025-01-01T12:00:00Z"},"connectedPlatforms":[{"platform":"bluesky","displayName":"user0.bsky.social","username":"user0.bsky.social","connectedAt":"2025-01-02T10:00:00Z","expiresAt":null,"daysUntilExpiry":null,"needsReconnect":false},{"platform":"linkedin","displayName":"User 0","username":"user0","connectedAt":"2026-11-01T12:30:00Z","expiresAt":"2026-12-31T12:30:00Z","daysUntilExpiry":30,"needsReconnect":false}]}"#;

const HEAD: &str = "HTTP/1.1 200 OK\r\ncontent-length: 55\r\nx-request-id: 10806be2-29c5-4af3-9367-661b435d5475\r\ncontent-type: application/json\r\ndate: Mon, 30 Nov 2026 07:37:39 GMT\r\n\r\n";

/// An answer of `status` with `body`, as read from the wire with a Content-Length.
fn answer(status: u16, body: &str) -> Answer {
    Answer {
        status,
        head: String::new(),
        headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        body: body.as_bytes().to_vec(),
        body_wire_bytes: body.len(),
    }
}

#[test]
fn an_answer_with_a_length_is_read_with_its_head_as_sent() {
    let wire = format!("{HEAD}{INVALID_API_KEY_BODY}");
    let a = read_answer(&mut wire.as_bytes()).unwrap();
    assert_eq!(
        a,
        Answer {
            status: 200,
            head: HEAD.to_owned(),
            headers: vec![
                ("content-length".to_owned(), "55".to_owned()),
                (
                    "x-request-id".to_owned(),
                    "10806be2-29c5-4af3-9367-661b435d5475".to_owned()
                ),
                ("content-type".to_owned(), "application/json".to_owned()),
                (
                    "date".to_owned(),
                    "Mon, 30 Nov 2026 07:37:39 GMT".to_owned()
                ),
            ],
            body: INVALID_API_KEY_BODY.as_bytes().to_vec(),
            body_wire_bytes: 55,
        }
    );
    assert_eq!(
        a.header_names(),
        ["content-length", "content-type", "date", "x-request-id"]
    );
}

#[test]
fn a_chunked_answer_is_joined_and_its_framing_counted() {
    let wire = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{\"pro\r\n8;x=1\r\nfiles\":[\r\n2\r\n]}\r\n0\r\n\r\n";
    let a = read_answer(&mut wire.as_bytes()).unwrap();
    assert_eq!(
        (a.status, a.body.as_slice(), a.body_wire_bytes),
        (200, br#"{"profiles":[]}"#.as_slice(), 39)
    );
}

#[test]
fn an_answer_cut_short_is_an_error() {
    let e = read_answer(&mut "HTTP/1.1 200 OK\r\ncontent-le".as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"the answer ended early (after "content-le")"#
    );
    let e = read_answer(&mut "HTTP/1.1 200 OK\r\n\r\n".as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the answer has neither Content-Length nor chunked Transfer-Encoding"
    );
    let e = read_answer(&mut "HTTP/1.0 200 OK\r\n\r\n".as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"not an HTTP/1.1 status line: "HTTP/1.0 200 OK\r\n""#
    );
}

#[test]
fn a_500_where_a_401_is_expected_fails_the_check() {
    let internal = r#"{"error":"INTERNAL_ERROR","message":"Internal server error"}"#;
    assert_eq!(
        check(
            &answer(500, internal),
            401,
            &Shape::Bytes(INVALID_API_KEY_BODY.into())
        ),
        Err(format!("status 500, expected 401; body {internal:?}"))
    );
}

#[test]
fn the_401_must_be_the_exact_error_body() {
    let shape = Shape::Bytes(INVALID_API_KEY_BODY.into());
    assert_eq!(
        check(&answer(401, INVALID_API_KEY_BODY), 401, &shape),
        Ok(())
    );
    let missing =
        r#"{"error":"MISSING_API_KEY","message":"API key is required in x-api-key header"}"#;
    assert_eq!(
        check(&answer(401, missing), 401, &shape),
        Err(format!(
            "body {missing:?} differs from the expected {INVALID_API_KEY_BODY:?}"
        ))
    );
}

#[test]
fn an_answer_without_json_content_type_fails() {
    let mut a = answer(401, INVALID_API_KEY_BODY);
    a.headers[0].1 = "text/plain".to_owned();
    assert_eq!(
        check(&a, 401, &Shape::Bytes(INVALID_API_KEY_BODY.into())),
        Err(r#"Content-Type Some("text/plain"), expected application/json"#.to_owned())
    );
}

#[test]
fn a_seeded_profile_has_its_key_fields_and_connections() {
    let shape = Shape::Profile {
        key: "prof_aaaabbbbccccdddd".to_owned(),
    };
    assert_eq!(check(&answer(200, PROFILE_BODY), 200, &shape), Ok(()));
    let other = Shape::Profile {
        key: "prof_zzzzbbbbccccdddd".to_owned(),
    };
    assert_eq!(
        check(&answer(200, PROFILE_BODY), 200, &other),
        Err(
            r#"profile.profileKey "prof_aaaabbbbccccdddd", expected "prof_zzzzbbbbccccdddd""#
                .to_owned()
        )
    );
    let no_name = PROFILE_BODY.replace(r#""profileName":"Bench user 0","#, "");
    assert_eq!(
        check(&answer(200, &no_name), 200, &shape),
        Err(r#"profile has fields ["createdAt", "profileKey"], expected ["createdAt", "profileKey", "profileName"]"#.to_owned())
    );
    let secret = PROFILE_BODY.replace(
        r#""needsReconnect":false}]"#,
        r#""needsReconnect":false,"accessToken":"x"}]"#,
    );
    assert_eq!(
        check(&answer(200, &secret), 200, &shape),
        Err(r#"a connection has fields ["accessToken", "connectedAt", "daysUntilExpiry", "displayName", "expiresAt", "needsReconnect", "platform", "username"], expected ["connectedAt", "daysUntilExpiry", "displayName", "expiresAt", "needsReconnect", "platform", "username"]"#.to_owned())
    );
}

#[test]
fn a_list_must_hold_every_seeded_profile() {
    let profile = r#"{"profileKey":"prof_aaaabbbbccccdddd","profileName":"Bench user 0","createdAt":"2025-01-01T12:00:00Z","connectedPlatforms":[{"platform":"bluesky","displayName":"u","username":"u","connectedAt":"2025-01-02T10:00:00Z","expiresAt":null,"daysUntilExpiry":null,"needsReconnect":false},{"platform":"linkedin","displayName":"U","username":"u","connectedAt":"2026-11-01T12:30:00Z","expiresAt":"2026-12-31T12:30:00Z","daysUntilExpiry":30,"needsReconnect":false}]}"#;
    let body = format!(r#"{{"profiles":[{profile},{profile}]}}"#);
    assert_eq!(
        check(&answer(200, &body), 200, &Shape::List { count: 2 }),
        Ok(())
    );
    assert_eq!(
        check(&answer(200, &body), 200, &Shape::List { count: 3 }),
        Err("2 profiles, expected 3".to_owned())
    );
    let one_platform = body.replace(r#""platform":"linkedin""#, r#""platform":"bluesky""#);
    assert_eq!(
        check(&answer(200, &one_platform), 200, &Shape::List { count: 2 }),
        Err(r#"connectedPlatforms are [String("bluesky"), String("bluesky")], expected bluesky then linkedin"#.to_owned())
    );
}

#[test]
fn a_create_must_be_201_with_a_well_formed_key() {
    let shape = Shape::Created {
        name: "bench".to_owned(),
    };
    let created = r#"{"profileKey":"prof_k3v9x0q2m7d1w8za","profileName":"bench"}"#;
    assert_eq!(check(&answer(201, created), 201, &shape), Ok(()));
    assert_eq!(
        check(&answer(200, created), 201, &shape),
        Err(format!("status 200, expected 201; body {created:?}"))
    );
    let upper = created.replace("prof_k3v9", "prof_K3V9");
    assert_eq!(
        check(&answer(201, &upper), 201, &shape),
        Err(r#"profileKey "prof_K3V9x0q2m7d1w8za" is not prof_ + 16 of [a-z0-9]"#.to_owned())
    );
}

#[test]
fn a_bluesky_connect_names_the_profile_and_handle() {
    let shape = Shape::Connected {
        key: "prof_k3v9x0q2m7d1w8za".to_owned(),
        handle: "user0.bsky.social".to_owned(),
    };
    let body = r#"{"profileKey":"prof_k3v9x0q2m7d1w8za","platform":"bluesky","displayName":"user0.bsky.social","username":"user0.bsky.social","connectedAt":"2025-01-06T12:30:00Z","expiresAt":null,"daysUntilExpiry":null,"needsReconnect":false}"#;
    assert_eq!(check(&answer(200, body), 200, &shape), Ok(()));
    let marked = body.replace(r#""needsReconnect":false"#, r#""needsReconnect":true"#);
    assert_eq!(
        check(&answer(200, &marked), 200, &shape),
        Err("needsReconnect true, expected false".to_owned())
    );
    let other = body.replace(r#""username":"user0"#, r#""username":"user1"#);
    assert_eq!(
        check(&answer(200, &other), 200, &shape),
        Err(r#"username "user1.bsky.social", expected "user0.bsky.social""#.to_owned())
    );
}

#[test]
fn the_limit_server_gets_the_answers_headers_with_a_fixed_request_id() {
    let wire = format!("{HEAD}{INVALID_API_KEY_BODY}");
    let a = read_answer(&mut wire.as_bytes()).unwrap();
    assert_eq!(
        limit_headers(&a).unwrap(),
        "x-request-id: 00000000-0000-4000-8000-000000000000\ncontent-type: application/json\n"
    );
    let mut without = a.clone();
    without.headers.retain(|(n, _)| n != "x-request-id");
    assert_eq!(
        limit_headers(&without).unwrap_err().to_string(),
        "scenario 2's answer has no x-request-id of 36 characters: None"
    );
}

#[test]
fn an_answer_above_the_sample_limit_is_refused_before_it_is_read() {
    let head = "HTTP/1.1 200 OK\r\ncontent-length: 16777217\r\n\r\n";
    let e = read_answer(&mut head.as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Content-Length 16777217 is above the sample limit of 16777216 bytes"
    );
    let chunked = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1000001\r\n";
    let e = read_answer(&mut chunked.as_bytes()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the chunked body passes the sample limit of 16777216 bytes"
    );
}
