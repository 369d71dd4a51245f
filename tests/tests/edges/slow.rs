//! Slow, stalled and idle clients are cut off after the configured timeouts, and the
//! number of open connections is bounded while others are still answered.
//!
//! These tests wait for real, short timeouts (1 second, set by flags): the socket's
//! behaviour is what is under test. Nothing asserts on speed; [`BOUND`] only ends a wait
//! on a broken server.

use crate::wire::{
    BOUND, assert_closing_json, connect, create_head, exchange, json_body, read_until,
    read_until_closed, second_response, status, still_serving,
};
use postcore_tests::server::Server;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// One-second header, body and keep-alive timeouts.
const SHORT: [&str; 6] = [
    "--header-timeout",
    "1",
    "--body-timeout",
    "1",
    "--keep-alive",
    "1",
];

fn start(dir: &tempfile::TempDir, extra: &[&str]) -> Server {
    let args: Vec<&str> = SHORT.iter().chain(extra).copied().collect();
    Server::start_with(&dir.path().join("postcore.db"), &args)
}

/// The answer to a body that did not arrive within the one-second body timeout.
fn body_timed_out() -> serde_json::Value {
    serde_json::json!({"error": "REQUEST_TIMEOUT",
        "message": "Request body timed out: the whole body must arrive within 1 seconds of the request's head"})
}

#[tokio::test]
async fn a_head_sent_too_slowly_is_answered_408_and_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, &[]);
    let response = exchange(
        &server.address,
        b"POST /profiles/create HTTP/1.1\r\nHost: 127.0.0.1\r\n",
    )
    .await;
    // actix-http's own answer, with the API's body (the patched dispatcher).
    assert_closing_json(&response, 408, &head_timed_out(), "a slow head");
    still_serving(&server.address).await;
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_request_timeout_and_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, &[]);
    let mut stream = connect(&server.address).await;
    let mut request = create_head(&server.key, "application/json", 100);
    request.extend_from_slice(br#"{"profileN"#);
    stream.write_all(&request).await.unwrap();
    let response = read_until_closed(&mut stream).await;
    assert_eq!(status(&response), Some(408));
    assert_eq!(json_body(&response), body_timed_out());
    still_serving(&server.address).await;
}

/// The answer to a head that did not arrive within the one-second header timeout.
fn head_timed_out() -> serde_json::Value {
    serde_json::json!({"error": "REQUEST_TIMEOUT",
        "message": "Request head timed out: the request line and headers did not arrive \
            within the server's header timeout"})
}

const HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

#[tokio::test]
async fn a_later_head_sent_too_slowly_on_a_kept_alive_connection_is_answered_408_and_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, &[]);
    let mut stream = connect(&server.address).await;
    stream.write_all(HEALTH).await.unwrap();
    let first = read_until(&mut stream, br#"{"status":"ok"}"#).await;
    assert_eq!(status(&first), Some(200));
    // The second head starts and never ends (actix-http 3.20.0 timed the first head only).
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    let rest = read_until_closed(&mut stream).await;
    assert_closing_json(&rest, 408, &head_timed_out(), "a slow second head");
    still_serving(&server.address).await;
}

#[tokio::test]
async fn a_stalled_chunked_body_is_answered_408_and_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, &[]);
    let mut stream = connect(&server.address).await;
    let head = format!(
        "POST /profiles/create HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: {}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1c\r\n{{\"profileNa",
        server.key
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // Answered, then closed (actix-http 3.20.0 kept waiting for the rest of the body).
    let response = read_until_closed(&mut stream).await;
    assert_closing_json(&response, 408, &body_timed_out(), "a stalled chunked body");
    still_serving(&server.address).await;
}

#[tokio::test]
async fn a_chunked_body_that_no_route_reads_cannot_hold_the_connection() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, &[]);
    let mut stream = connect(&server.address).await;
    stream
        .write_all(
            b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        )
        .await
        .unwrap();
    // /health answers without reading the body; the rest of it never comes. The body and
    // the next head must come within the header timeout, else 408 and the close.
    let response = read_until_closed(&mut stream).await;
    assert_eq!(status(&response), Some(200));
    assert_closing_json(
        second_response(&response),
        408,
        &head_timed_out(),
        "an unread chunked body",
    );
    still_serving(&server.address).await;
}

#[tokio::test]
async fn a_dripping_body_is_cut_after_the_whole_body_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, &[]);
    let stream = connect(&server.address).await;
    let (mut reader, mut writer) = stream.into_split();
    let head = create_head(&server.key, "application/json", 10_000);
    // One byte every 100 ms: each read makes progress, the whole body never comes in time.
    let drip = tokio::spawn(async move {
        writer.write_all(&head).await.unwrap();
        let mut sent = 0;
        while writer.write_all(b" ").await.is_ok() && sent < 10_000 {
            sent += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        sent
    });
    let mut response = Vec::new();
    let read = tokio::time::timeout(BOUND, async {
        let mut buffer = [0; 4096];
        while let Ok(n @ 1..) = reader.read(&mut buffer).await {
            response.extend_from_slice(&buffer[..n]);
        }
    })
    .await;
    assert!(read.is_ok(), "still open after {BOUND:?}");
    assert_eq!(
        status(&response),
        Some(408),
        "{:?}",
        String::from_utf8_lossy(&response)
    );
    assert_eq!(json_body(&response), body_timed_out());
    let sent = drip.await.unwrap();
    assert!(sent < 10_000, "the whole body went through: {sent} bytes");
    still_serving(&server.address).await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, &[]);
    // The answer, then nothing more from the client: the server closes the connection.
    let response = exchange(
        &server.address,
        b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    )
    .await;
    assert_eq!(status(&response), Some(200));
    assert_eq!(
        crate::wire::header(&response, "connection"),
        None,
        "{:?}",
        String::from_utf8_lossy(&response)
    );
}

/// Open descriptors of process `pid` (sockets among them).
fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(Iterator::count)
        .unwrap_or(0)
}

#[tokio::test]
async fn a_thousand_stalled_bodies_are_bounded_and_others_are_still_answered() {
    // 1,000 stalled clients against a bound of 500: those over it wait in the kernel's
    // listen queue, or retry their SYN while it is full, until the body timeout frees
    // places (a lower bound only makes the test wait longer on SYN retries).
    const STALLED: usize = 1_000;
    const MAX: usize = 500;
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, &["--max-connections", "500"]);
    let before = open_files(server.pid());
    let mut request = create_head(&server.key, "application/json", 100);
    request.extend_from_slice(b"{");
    let (written_tx, mut written_rx) = tokio::sync::mpsc::channel(STALLED);
    let mut stalled = Vec::with_capacity(STALLED);
    for _ in 0..STALLED {
        let (request, address, written) =
            (request.clone(), server.address.clone(), written_tx.clone());
        stalled.push(tokio::spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(&address)
                .await
                .expect("connecting (is the open-files limit over 1,100?)");
            // A connection the server has not accepted yet is queued by the kernel.
            stream.write_all(&request).await.unwrap();
            let _ = written.send(()).await;
            read_until_closed(&mut stream).await
        }));
    }
    for _ in 0..STALLED {
        written_rx.recv().await.unwrap();
    }
    // Every stalled client is connected and has sent its head: the server holds at most
    // its bound of them (plus its own files), and still answers a new client.
    let held = open_files(server.pid()).saturating_sub(before);
    // The slack is the database connections the first requests open.
    assert!(
        held <= MAX + 32,
        "{held} descriptors over the {before} at start"
    );
    still_serving(&server.address).await;
    let mut answered = 0;
    for task in stalled {
        let response = task.await.unwrap();
        // Each was cut: answered 408 once accepted (none is held open for ever).
        assert_eq!(status(&response), Some(408));
        answered += 1;
    }
    assert_eq!(answered, STALLED);
    still_serving(&server.address).await;
}
