//! A minimal raw HTTP/1.1 client, for requests a normal client would tidy up: dot segments,
//! odd percent-encodings, bytes that are not UTF-8, repeated headers.

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// A response read to the end of the connection (requests say `Connection: close`).
#[derive(Debug)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// Header names (lowercase) and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes (responses to these requests are never chunked).
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// Builds a request: `head` is the request line, `headers` are sent as given (after
/// `Host` and `Connection: close`), and `Content-Length` is added when `body` is not empty.
pub fn request(head: &[u8], headers: &[&[u8]], body: &[u8]) -> Vec<u8> {
    let mut out = head.to_vec();
    out.extend_from_slice(b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for header in headers {
        out.extend_from_slice(header);
        out.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Sends `request` to `127.0.0.1:port` and reads the whole response.
pub async fn send(port: u16, request: &[u8]) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connecting");
    stream
        .write_all(request)
        .await
        .expect("writing the request");
    let mut bytes = Vec::new();
    stream
        .read_to_end(&mut bytes)
        .await
        .expect("reading the response");
    parse(&bytes)
}

/// Sends `request` and reads only until the response's `Content-Length` body is in,
/// without waiting for the server to close: for requests whose own body is never sent
/// (the server may hold such a connection open a while before closing it).
pub async fn answer(port: u16, request: &[u8]) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connecting");
    stream
        .write_all(request)
        .await
        .expect("writing the request");
    let mut bytes = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = parse(&bytes[..end + 4]);
            let length: usize = head
                .header("content-length")
                .expect("a Content-Length")
                .parse()
                .expect("a number");
            if bytes.len() >= end + 4 + length {
                return parse(&bytes);
            }
        }
        let n = stream
            .read(&mut buffer)
            .await
            .expect("reading the response");
        assert!(n > 0, "closed early: {:?}", String::from_utf8_lossy(&bytes));
        bytes.extend_from_slice(&buffer[..n]);
    }
}

fn parse(bytes: &[u8]) -> RawResponse {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(bytes)));
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    RawResponse {
        status,
        headers,
        body: bytes[split + 4..].to_vec(),
    }
}
