//! Stand-ins on raw sockets for answers wiremock cannot give: none at all, one that stops
//! half-way, an endless chunked body, a dropped connection, and a refused connection.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the raw stand-in treats each connection, once it has read the request head.
#[derive(Clone, Copy)]
pub enum Behaviour {
    /// Accepts and never answers.
    Hang,
    /// Sends the status line, headers and 6 bytes of a 1,000-byte body, then nothing.
    StallMidBody,
    /// Sends a chunked 200 (no `Content-Length`) of 10 MiB, in 64 KiB chunks.
    HugeChunked,
    /// Closes the connection without a byte.
    Close,
}

/// A running raw stand-in.
pub struct Raw {
    pub url: String,
    accepted: Arc<AtomicUsize>,
}

impl Raw {
    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

pub async fn start(behaviour: Behaviour) -> Raw {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(stream, behaviour));
        }
    });
    Raw { url, accepted }
}

async fn serve(mut stream: TcpStream, behaviour: Behaviour) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    match behaviour {
        Behaviour::Hang => std::future::pending().await,
        Behaviour::StallMidBody => {
            let head =
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n";
            let _ = stream
                .write_all(format!("{head}{{\"did\"").as_bytes())
                .await;
            std::future::pending().await
        }
        Behaviour::HugeChunked => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = format!("10000\r\n{}\r\n", "a".repeat(0x10000));
            for _ in 0..160 {
                if stream.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
            }
            let _ = stream.write_all(b"0\r\n\r\n").await;
        }
        Behaviour::Close => drop(stream),
    }
}

/// A URL on 127.0.0.1 where nothing listens: a port bound, then released.
pub async fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}
