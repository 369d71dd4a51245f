//! The streamed body of `GET /profiles`: `{"profiles":[` … `]}` built profile by profile.

use crate::ApiError;
use crate::dto::ListedProfile;
use bytes::Bytes;
use futures::stream::{self, BoxStream, Stream, StreamExt as _};
use postcore_domain::Timestamp;
use postcore_store::{ProfileRecord, StoreError};

/// Profiles serialised into one chunk of the body, at most (fewer when the store has
/// fewer ready): bounds both memory and the number of chunks.
const PROFILES_PER_CHUNK: usize = 64;

/// The JSON body `{"profiles":[…]}` of `records`, as they arrive, with
/// `daysUntilExpiry`/`needsReconnect` computed at `now`.
///
/// Memory holds one chunk of at most [`PROFILES_PER_CHUNK`] profiles at a time. When the
/// store fails mid-way the error is logged (inside the request's span) and the stream
/// ends with an error, which makes the server abort the response: the closing `]}` is
/// never sent, so a client cannot take a cut-off list for a complete one.
pub(crate) fn profiles_body(
    records: BoxStream<'static, Result<ProfileRecord, StoreError>>,
    now: Timestamp,
) -> impl Stream<Item = Result<Bytes, ApiError>> + 'static {
    let span = tracing::Span::current();
    let items = records
        .ready_chunks(PROFILES_PER_CHUNK)
        .enumerate()
        .map(move |(index, batch)| {
            let _entered = span.enter();
            encode_batch(index == 0, batch, now).map_err(|e| {
                tracing::error!(error = %e, "listing profiles failed mid-stream; aborting the response");
                e
            })
        });
    stream::once(async { Ok(Bytes::from_static(b"{\"profiles\":[")) })
        .chain(items)
        .chain(stream::once(async { Ok(Bytes::from_static(b"]}")) }))
}

/// One chunk: the profiles of `batch`, comma-separated, with a leading comma unless it is
/// the first chunk.
fn encode_batch(
    first: bool,
    batch: Vec<Result<ProfileRecord, StoreError>>,
    now: Timestamp,
) -> Result<Bytes, ApiError> {
    let mut out = Vec::with_capacity(batch.len() * 256);
    for (i, record) in batch.into_iter().enumerate() {
        let record = record?;
        if !(first && i == 0) {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, &ListedProfile::new(&record, now))
            .map_err(ApiError::internal)?;
    }
    Ok(Bytes::from(out))
}
