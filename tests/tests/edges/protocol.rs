//! Requests refused at the protocol level (the sweep's reproducers among them): never a
//! 5xx, never held open, the server keeps answering others, and the log gets neither
//! ERROR lines nor backtraces, only a few rate-limited WARN lines.

use crate::wire::{exchange, status, still_serving};
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

/// What a case is, its bytes, and the statuses it may get.
type Case = (&'static str, Vec<u8>, &'static [Option<u16>]);

/// Each malformed request and the statuses it may get (`None`: closed without an answer).
/// actix-http 3.20.0 drops the connection on a header name over 64 KiB; on a bad chunk it
/// either closes without writing the 400 it queued or lets the handler answer the API's
/// `400 VALIDATION_ERROR`, whichever of the two sees the error first.
fn cases(key: &str) -> Vec<Case> {
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
            &[Some(431)],
        ),
        (
            "64 KiB header name",
            request(
                "GET /health HTTP/1.1",
                &[format!("{}: x", "a".repeat(65_536))],
                b"",
            ),
            &[None],
        ),
        (
            "200 headers",
            request(
                "GET /health HTTP/1.1",
                &(0..200).map(|i| format!("X-H{i}: v")).collect::<Vec<_>>(),
                b"",
            ),
            &[Some(431)],
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
            &[Some(400)],
        ),
        (
            "chunk size not hex",
            chunked(b"zz\r\n{}\r\n0\r\n\r\n"),
            &[None, Some(400)],
        ),
        (
            "chunk size overflowing",
            chunked(b"fffffffffffffffffffff\r\n{}\r\n0\r\n\r\n"),
            &[None, Some(400)],
        ),
        (
            "chunk without its CRLF",
            chunked(b"2\r\n{}XX0\r\n\r\n"),
            &[None, Some(400)],
        ),
        (
            "100 KiB path",
            request(
                &format!("GET /{} HTTP/1.1", "a".repeat(100 * 1024)),
                &[],
                b"",
            ),
            &[Some(400)],
        ),
        (
            "bad request line",
            b"GARBAGE\r\n\r\n".to_vec(),
            &[Some(400)],
        ),
    ]
}

#[tokio::test]
async fn malformed_requests_get_4xx_or_a_close_and_the_log_stays_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(&dir.path().join("postcore.db"), &["--header-timeout", "1"]);
    let mut sent = 0;
    for round in 0..20 {
        for (what, bytes, expected) in cases(&server.key) {
            let response = exchange(&server.address, &bytes).await;
            assert!(
                expected.contains(&status(&response)),
                "{what} (round {round}): {:?}",
                String::from_utf8_lossy(&response[..response.len().min(300)])
            );
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
