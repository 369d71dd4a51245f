//! Requests refused at the protocol level (the sweep's reproducers among them): never a
//! 5xx, never held open, the server keeps answering others, and the log gets neither
//! ERROR lines nor backtraces, only a few rate-limited WARN lines.

use crate::wire::{assert_closing_json, exchange, second_response, status, still_serving};
use postcore_tests::server::Server;

/// A request with `Connection: close` and the given extra head lines and body.
fn request(line: &str, headers: &[String], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n").into_bytes();
    for header in headers {
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// The answer every case must get: its status and its whole JSON body (api.md §4).
type Answer = (u16, serde_json::Value);

/// `400 MALFORMED_REQUEST`, from actix-http's dispatcher (patched, see
/// vendor/actix-http/POSTCORE-PATCH.md) or from the handler reading a broken body: the same
/// bytes whichever sees the fault first.
fn malformed() -> Answer {
    (
        400,
        serde_json::json!({
            "error": "MALFORMED_REQUEST",
            "message": "Malformed HTTP request: it could not be read as HTTP/1.1"
        }),
    )
}

/// `431 REQUEST_HEADERS_TOO_LARGE`, from actix-http's dispatcher.
fn too_large() -> Answer {
    (
        431,
        serde_json::json!({
            "error": "REQUEST_HEADERS_TOO_LARGE",
            "message": "Request headers are too large: at most 96 headers and 128 KiB in all"
        }),
    )
}

/// Each malformed request, its bytes and the one answer it must get.
fn cases(key: &str) -> Vec<(&'static str, Vec<u8>, Answer)> {
    let auth = format!("x-api-key: {key}");
    let json = "Content-Type: application/json".to_owned();
    let chunked = |body: &[u8]| {
        request(
            "POST /profiles/create HTTP/1.1",
            &[
                auth.clone(),
                json.clone(),
                "Transfer-Encoding: chunked".into(),
            ],
            body,
        )
    };
    vec![
        (
            "1 MiB header",
            request(
                "GET /health HTTP/1.1",
                &[format!("X-Big: {}", "a".repeat(1 << 20))],
                b"",
            ),
            too_large(),
        ),
        // The sweep's reproducer: actix-http 3.20.0 panicked on it (the patch refuses it).
        (
            "64 KiB header name",
            request(
                "GET /health HTTP/1.1",
                &[format!("{}: x", "a".repeat(65_536))],
                b"",
            ),
            malformed(),
        ),
        (
            "200 headers",
            request(
                "GET /health HTTP/1.1",
                &(0..200).map(|i| format!("X-H{i}: v")).collect::<Vec<_>>(),
                b"",
            ),
            too_large(),
        ),
        (
            "Content-Length with Transfer-Encoding",
            request(
                "POST /profiles/create HTTP/1.1",
                &[
                    auth.clone(),
                    json.clone(),
                    "Content-Length: 5".into(),
                    "Transfer-Encoding: chunked".into(),
                ],
                b"5\r\n{}{}{\r\n0\r\n\r\n",
            ),
            malformed(),
        ),
        // The sweep's reproducers: these were closed without any answer.
        (
            "chunk size not hex",
            chunked(b"zz\r\n{}\r\n0\r\n\r\n"),
            malformed(),
        ),
        (
            "chunk size overflowing",
            chunked(b"fffffffffffffffffffff\r\n{}\r\n0\r\n\r\n"),
            malformed(),
        ),
        (
            "chunk without its CRLF",
            chunked(b"2\r\n{}XX0\r\n\r\n"),
            malformed(),
        ),
        (
            "100 KiB path",
            request(
                &format!("GET /{} HTTP/1.1", "a".repeat(100 * 1024)),
                &[],
                b"",
            ),
            malformed(),
        ),
        ("bad request line", b"GARBAGE\r\n\r\n".to_vec(), malformed()),
    ]
}

#[tokio::test]
async fn malformed_requests_get_the_json_error_and_the_log_stays_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(&dir.path().join("postcore.db"), &["--header-timeout", "1"]);
    let mut sent = 0;
    for round in 0..20 {
        for (what, bytes, (code, body)) in cases(&server.key) {
            let response = exchange(&server.address, &bytes).await;
            // The whole rest of the connection is this one answer.
            assert_closing_json(&response, code, &body, &format!("{what} (round {round})"));
            sent += 1;
        }
        still_serving(&server.address).await;
    }
    let (_, log) = server.terminate();
    let lines: Vec<&str> = log.lines().collect();
    let errors: Vec<&&str> = lines
        .iter()
        .filter(|l| {
            l.contains("\"level\":\"ERROR\"") || l.contains("panicked") || l.contains("backtrace")
        })
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let told = lines
        .iter()
        .filter(|l| l.contains("\"level\":\"WARN\"") && l.contains("postcore_http::protocol"))
        .count();
    // Without the rate limit every one of the `sent` refusals would be a line.
    assert!(
        (1..sent / 4).contains(&told),
        "{told} WARN lines for {sent} refusals: {lines:#?}"
    );
}

#[tokio::test]
async fn a_refusal_after_a_pipelined_request_answers_both_and_says_it_closes() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(&dir.path().join("postcore.db"), &[]);
    let response = exchange(
        &server.address,
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGARBAGE\r\n\r\n",
    )
    .await;
    assert_eq!(status(&response), Some(200));
    let (code, body) = malformed();
    assert_closing_json(second_response(&response), code, &body, "pipelined garbage");
}
