//! The streamed body of `GET /profiles`: `{"profiles":[` … `]}` built profile by profile.

use crate::ApiError;
use bytes::Bytes;
use futures::stream::{self, BoxStream, Stream, StreamExt as _};
use postcore_api::ProfileObject;
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
        // Nothing after an error, not even the closing `]}`, whoever polls on.
        .scan(false, |failed, chunk| {
            let done = std::mem::replace(failed, chunk.is_err());
            std::future::ready((!done).then_some(chunk))
        })
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
        serde_json::to_writer(
            &mut out,
            &ProfileObject::new(&record.profile, &record.connections, now),
        )
        .map_err(ApiError::internal)?;
    }
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use postcore_domain::{Profile, ProfileKey};

    fn record() -> Result<ProfileRecord, StoreError> {
        let created = postcore_domain::parse_timestamp("2025-01-01T12:00:00Z").unwrap();
        Ok(ProfileRecord {
            profile: Profile::new(ProfileKey::parse("prof_abc").unwrap(), None, created),
            connections: Vec::new(),
        })
    }

    #[tokio::test]
    async fn the_body_starts_before_an_endless_store_stream_ends() {
        // Were the body built in memory first, an endless stream would never yield a chunk.
        let endless = stream::repeat_with(record).boxed();
        let now = postcore_domain::parse_timestamp("2025-01-06T12:30:00Z").unwrap();
        let chunks: Vec<_> = profiles_body(endless, now).take(3).collect().await;
        let element = r#"{"profileKey":"prof_abc","profileName":null,"createdAt":"2025-01-01T12:00:00Z","connectedPlatforms":[]}"#;
        assert_eq!(chunks[0].as_ref().unwrap().as_ref(), b"{\"profiles\":[");
        let first = String::from_utf8(chunks[1].as_ref().unwrap().to_vec()).unwrap();
        let second = String::from_utf8(chunks[2].as_ref().unwrap().to_vec()).unwrap();
        assert!(first.starts_with(element) && !second.is_empty() && second.starts_with(','));
        assert!(first.len() <= PROFILES_PER_CHUNK * (element.len() + 1));
    }

    #[tokio::test]
    async fn a_store_failure_ends_the_body_with_an_error_and_without_the_closing_bracket() {
        let failing = stream::iter([record(), Err(StoreError::Backend("gone".into()))]).boxed();
        let now = postcore_domain::parse_timestamp("2025-01-06T12:30:00Z").unwrap();
        let chunks: Vec<_> = profiles_body(failing, now).collect().await;
        assert!(chunks.last().unwrap().is_err());
        assert!(chunks.iter().flatten().all(|c| c.as_ref() != b"]}"));
    }
}
