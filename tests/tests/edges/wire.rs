//! Raw bytes on a TCP connection to the server, for requests no HTTP client would send:
//! slow, stalled, unfinished or malformed ones.

use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// A bound for a broken server, not a measure of speed: every wait of these tests ends
/// long before it when the server behaves.
pub const BOUND: Duration = Duration::from_secs(30);

/// Connects to `address` (`127.0.0.1:PORT`).
pub async fn connect(address: &str) -> TcpStream {
    TcpStream::connect(address).await.expect("connecting")
}

/// What the server did with a connection: the bytes it sent before closing it.
pub async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(BOUND, async {
        let mut buffer = [0; 8192];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server still holds the connection after {BOUND:?}; it sent {:?}",
        String::from_utf8_lossy(&bytes)
    );
    bytes
}

/// Sends `request` whole and returns everything the server sends before it closes.
pub async fn exchange(address: &str, request: &[u8]) -> Vec<u8> {
    let mut stream = connect(address).await;
    // The server may close before reading everything (a refused head): not an error here.
    let _ = stream.write_all(request).await;
    read_until_closed(&mut stream).await
}

/// The status code of a response's first line, `None` when nothing came back.
pub fn status(response: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(response);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// The body after the head, as JSON.
pub fn json_body(response: &[u8]) -> serde_json::Value {
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(response)));
    serde_json::from_slice(&response[split + 4..]).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {:?}",
            String::from_utf8_lossy(&response[split + 4..])
        )
    })
}

/// The value of header `name` (any case) in the response's head.
pub fn header(response: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(response);
    let head = text.split("\r\n\r\n").next()?;
    head.split("\r\n").skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

/// A `POST /profiles/create` head with `key`, `content_type` and `Connection: close`,
/// announcing `length` body bytes.
pub fn create_head(key: &str, content_type: &str, length: usize) -> Vec<u8> {
    format!(
        "POST /profiles/create HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         x-api-key: {key}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n\r\n"
    )
    .into_bytes()
}

/// `GET /health` answers 200 on a new connection: the server still serves others.
pub async fn still_serving(address: &str) {
    let response = exchange(
        address,
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(
        status(&response),
        Some(200),
        "{:?}",
        String::from_utf8_lossy(&response)
    );
}

/// Asserts that `response` is one closing JSON answer: status `code`, `Content-Type:
/// application/json`, `Connection: close`, and exactly `body` after the head (so no second
/// answer follows on the connection). `what` names the case in a failure.
pub fn assert_closing_json(response: &[u8], code: u16, body: &serde_json::Value, what: &str) {
    let shown = String::from_utf8_lossy(&response[..response.len().min(400)]);
    assert_eq!(status(response), Some(code), "{what}: {shown}");
    assert_eq!(
        header(response, "content-type").as_deref(),
        Some("application/json"),
        "{what}: {shown}"
    );
    assert_eq!(
        header(response, "connection").as_deref(),
        Some("close"),
        "{what}: {shown}"
    );
    assert_eq!(&json_body(response), body, "{what}: {shown}");
}

/// The bytes from the second response on (the first ends where the next status line
/// starts), for a connection that got two answers; panics when there is no second one.
pub fn second_response(response: &[u8]) -> &[u8] {
    let start = response
        .windows(9)
        .skip(1)
        .position(|w| w == b"HTTP/1.1 ")
        .unwrap_or_else(|| panic!("one answer only: {:?}", String::from_utf8_lossy(response)));
    &response[start + 1..]
}

/// Reads from `stream` until `marker` has arrived (the end of an expected answer).
pub async fn read_until(stream: &mut TcpStream, marker: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(BOUND, async {
        let mut buffer = [0; 8192];
        while !bytes.windows(marker.len()).any(|w| w == marker) {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no {marker:?} within {BOUND:?}");
    bytes
}
