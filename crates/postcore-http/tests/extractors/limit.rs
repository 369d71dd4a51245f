//! `JsonBody`'s size limit: a declared length over it is refused unread, a chunked body at
//! the chunk that passes it, and a body that breaks off is a malformed request.

use crate::harness::{Chunks, Fixture, LIMIT, echoed, error, padded};
use actix_web::error::PayloadError;
use bytes::Bytes;
use futures::StreamExt as _;
use std::cell::Cell;
use std::rc::Rc;

/// The 413 answer of the probe app.
fn too_large() -> (u16, String) {
    let message = format!("Request body is too large: the limit is {LIMIT} bytes");
    (413, error("PAYLOAD_TOO_LARGE", &message))
}

/// `text` in chunks of `size` bytes, counting in `pulled` how many the reader took.
fn chunked(text: &str, size: usize, pulled: &Rc<Cell<usize>>) -> Chunks {
    let pulled = Rc::clone(pulled);
    let chunks: Vec<Bytes> = text
        .as_bytes()
        .chunks(size)
        .map(Bytes::copy_from_slice)
        .collect();
    Box::pin(futures::stream::iter(chunks).map(move |chunk| {
        pulled.set(pulled.get() + 1);
        Ok(chunk)
    }))
}

#[tokio::test]
async fn a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_too_large() {
    let fixture = Fixture::new().await;
    let json = ("content-type", "application/json");
    let at_limit = fixture
        .post()
        .insert_header(json)
        .set_payload(padded(LIMIT));
    let expected = echoed(&fixture, serde_json::json!({"name": "a", "count": 1}));
    assert_eq!(fixture.send(at_limit).await, expected);
    let over = fixture
        .post()
        .insert_header(json)
        .set_payload(padded(LIMIT + 1));
    assert_eq!(fixture.send(over).await, too_large());
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_any_byte_is_read() {
    let fixture = Fixture::new().await;
    let request = fixture
        .post()
        .insert_header(("content-type", "application/json"))
        .insert_header(("content-length", "1048576"));
    let untouched: Chunks = Box::pin(futures::stream::poll_fn(
        |_| -> std::task::Poll<Option<Result<Bytes, PayloadError>>> {
            panic!("the body was read although its declared length is over the limit")
        },
    ));
    assert_eq!(
        fixture.send_streamed(request, Some(untouched)).await,
        too_large()
    );
}

#[tokio::test]
async fn a_chunked_body_is_refused_at_the_chunk_that_passes_the_limit() {
    let fixture = Fixture::new().await;
    let json = ("content-type", "application/json");
    let pulled = Rc::new(Cell::new(0));
    let within = chunked(&padded(LIMIT), 8, &pulled);
    let expected = echoed(&fixture, serde_json::json!({"name": "a", "count": 1}));
    let request = fixture.post().insert_header(json);
    assert_eq!(fixture.send_streamed(request, Some(within)).await, expected);
    assert_eq!(pulled.get(), LIMIT / 8);

    let pulled = Rc::new(Cell::new(0));
    let huge = chunked(&padded(100 * LIMIT), 8, &pulled);
    let request = fixture.post().insert_header(json);
    assert_eq!(
        fixture.send_streamed(request, Some(huge)).await,
        too_large()
    );
    assert_eq!(pulled.get(), LIMIT / 8 + 1, "chunks read before refusing");
}

#[tokio::test]
async fn a_body_that_breaks_off_is_a_malformed_request() {
    let fixture = Fixture::new().await;
    let broken: Chunks = Box::pin(futures::stream::iter([
        Ok(Bytes::from_static(b"{\"name\"")),
        Err(PayloadError::Incomplete(None)),
    ]));
    let request = fixture
        .post()
        .insert_header(("content-type", "application/json"));
    assert_eq!(
        fixture.send_streamed(request, Some(broken)).await,
        (
            400,
            error(
                "MALFORMED_REQUEST",
                "Malformed HTTP request: it could not be read as HTTP/1.1"
            )
        )
    );
}
