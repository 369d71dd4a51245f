//! `JsonBody`: the media type and serde's messages, each with its exact body; an empty body
//! is no body.

use crate::harness::{Fixture, bad, echoed, error};

#[tokio::test]
async fn a_body_not_declared_as_utf8_json_is_unsupported_media_type() {
    let fixture = Fixture::new().await;
    let body = r#"{"name":"a","count":1}"#;
    let expected = (
        415,
        error(
            "UNSUPPORTED_MEDIA_TYPE",
            "Unsupported media type: send the body as application/json",
        ),
    );
    let cases: [(&str, &[(&str, &str)]); 6] = [
        ("no content type", &[]),
        ("text/plain", &[("content-type", "text/plain")]),
        (
            "a form",
            &[("content-type", "application/x-www-form-urlencoded")],
        ),
        (
            "latin-1",
            &[("content-type", "application/json; charset=latin1")],
        ),
        (
            "gzip-encoded",
            &[
                ("content-type", "application/json"),
                ("content-encoding", "gzip"),
            ],
        ),
        (
            "two types",
            &[
                ("content-type", "application/json"),
                ("content-type", "text/plain"),
            ],
        ),
    ];
    for (what, headers) in cases {
        let mut request = fixture.post().set_payload(body);
        for &header in headers {
            request = request.append_header(header);
        }
        assert_eq!(fixture.send(request).await, expected, "{what}");
    }
}

#[tokio::test]
async fn json_variants_of_the_media_type_are_read() {
    let fixture = Fixture::new().await;
    let expected = echoed(&fixture, serde_json::json!({"name": "a", "count": 1}));
    for headers in [
        &[("content-type", "application/json; charset=UTF-8")][..],
        &[("content-type", "application/merge-patch+json")],
        &[
            ("content-type", "application/json"),
            ("content-encoding", "identity"),
        ],
    ] {
        let mut request = fixture.post().set_payload(r#"{"name":"a","count":1}"#);
        for &header in headers {
            request = request.append_header(header);
        }
        assert_eq!(fixture.send(request).await, expected, "{headers:?}");
    }
}

#[tokio::test]
async fn an_empty_or_blank_body_is_no_body_whatever_its_type() {
    let fixture = Fixture::new().await;
    let none = echoed(&fixture, serde_json::Value::Null);
    assert_eq!(fixture.send(fixture.post()).await, none, "no body at all");
    for (body, content_type) in [
        ("", "application/json"),
        (" \r\n\t", "application/json"),
        ("", "text/plain"),
    ] {
        let request = fixture
            .post()
            .insert_header(("content-type", content_type))
            .set_payload(body);
        assert_eq!(
            fixture.send(request).await,
            none,
            "{body:?} as {content_type}"
        );
    }
}

#[tokio::test]
async fn bad_json_gets_serdes_message_naming_the_place_and_the_field() {
    let fixture = Fixture::new().await;
    let cases = [
        (
            r#"{"name":"#,
            "Request body is not valid JSON: EOF while parsing a value at line 1 column 8",
        ),
        (
            r#"{"name":"a",}"#,
            "Request body is not valid JSON: trailing comma at line 1 column 13",
        ),
        (
            r#"{"name":"a","count":1} x"#,
            "Request body is not valid JSON: trailing characters at line 1 column 24",
        ),
        (
            "x=1",
            "Request body is not valid JSON: expected value at line 1 column 1",
        ),
        (
            r#"{"name":"a","count":1,"admin":true}"#,
            "Invalid request body: unknown field `admin`, expected `name` or `count` at line 1 column 29",
        ),
        (
            r#"{"name":"a","count":"1"}"#,
            r#"Invalid request body: invalid type: string "1", expected u8 at line 1 column 23"#,
        ),
        (
            r#"{"name":"a","count":300}"#,
            "Invalid request body: invalid value: integer `300`, expected u8 at line 1 column 23",
        ),
        (
            r#"{"name":"a"}"#,
            "Invalid request body: missing field `count` at line 1 column 12",
        ),
        (
            r#"{"name":"a","name":"b","count":1}"#,
            "Invalid request body: duplicate field `name` at line 1 column 18",
        ),
        (
            "[]",
            "Invalid request body: invalid length 0, expected struct Probe with 2 elements at line 1 column 2",
        ),
        (
            "null",
            "Invalid request body: invalid type: null, expected struct Probe at line 1 column 4",
        ),
    ];
    for (body, message) in cases {
        let request = fixture
            .post()
            .insert_header(("content-type", "application/json"))
            .set_payload(body);
        assert_eq!(fixture.send(request).await, bad(message), "{body}");
    }
}
