//! Media types with the optional whitespace RFC 9110 §5.6.6 allows around `;`.

use crate::wire::{create_head, exchange, json_body, status};
use postcore_tests::server::Server;

#[tokio::test]
async fn json_with_whitespace_around_the_semicolon_is_accepted_and_other_types_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("postcore.db"));
    let body = br#"{"profileName":"spaced"}"#;
    for (content_type, expected) in [
        ("application/json ; charset=utf-8", 201),
        ("application/json\t;\tcharset=UTF-8", 201),
        ("application/json ;charset=\"utf-8\"", 201),
        ("application/json;  charset=utf-8", 201),
        ("application/json ; charset=latin1", 415),
        ("text/plain ; charset=utf-8", 415),
        ("application / json", 415),
    ] {
        let mut request = create_head(&server.key, content_type, body.len());
        request.extend_from_slice(body);
        let response = exchange(&server.address, &request).await;
        assert_eq!(status(&response), Some(expected), "{content_type:?}");
        let json = json_body(&response);
        if expected == 201 {
            assert_eq!(json["profileName"], "spaced", "{content_type:?}");
        } else {
            assert_eq!(
                json,
                serde_json::json!({"error": "UNSUPPORTED_MEDIA_TYPE",
                    "message": "Unsupported media type: send the body as application/json"}),
                "{content_type:?}"
            );
        }
    }
}
