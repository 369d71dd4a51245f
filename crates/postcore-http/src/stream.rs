//! The streamed body of `GET /profiles`: `{"profiles":[` … `]}` built profile by profile,
//! with `"nextCursor"` after the array when a page was asked for (api.md §5.1).

use crate::ApiError;
use bytes::Bytes;
use futures::stream::{self, BoxStream, Stream, StreamExt as _};
use postcore_api::ProfileObject;
use postcore_domain::Timestamp;
use postcore_store::{ProfileRecord, StoreError};

/// The JSON body `{"profiles":[…]}` of `pages`, one chunk per page as it arrives, with
/// `daysUntilExpiry`/`needsReconnect` computed at `now`; with `next_cursor` given (a page
/// of a `limit`ed listing), `{"profiles":[…],"nextCursor":string or null}`.
///
/// Memory holds one encoded page at a time (pages are bounded by the store's page size).
/// When the store fails mid-way the error is logged (inside the request's span) and the
/// stream ends with an error, which makes the server abort the response: the closing `]}`
/// is never sent, so a client cannot take a cut-off list for a complete one.
pub(crate) fn profiles_body(
    pages: BoxStream<'static, Result<Vec<ProfileRecord>, StoreError>>,
    now: Timestamp,
    next_cursor: Option<Option<String>>,
) -> impl Stream<Item = Result<Bytes, ApiError>> + 'static {
    let end = match next_cursor {
        None => Bytes::from_static(b"]}"),
        Some(cursor) => {
            let cursor = serde_json::Value::from(cursor);
            Bytes::from(format!("],\"nextCursor\":{cursor}}}"))
        }
    };
    let span = tracing::Span::current();
    let items = pages.enumerate().map(move |(index, page)| {
        let _entered = span.enter();
        page.map_err(ApiError::from)
            .and_then(|page| encode_page(index == 0, &page, now))
            .map_err(|e| {
                tracing::error!(error = %e, "listing profiles failed mid-stream; aborting the response");
                e
            })
    });
    stream::once(async { Ok(Bytes::from_static(b"{\"profiles\":[")) })
        .chain(items)
        .chain(stream::once(async { Ok(end) }))
        // Nothing after an error, not even the closing `]}`, whoever polls on.
        .scan(false, |failed, chunk| {
            let done = std::mem::replace(failed, chunk.is_err());
            std::future::ready((!done).then_some(chunk))
        })
}

/// Bytes one listed profile takes, about: a first guess for the page's buffer.
const BYTES_PER_PROFILE: usize = 512;

/// One chunk: the profiles of `page`, comma-separated, with a leading comma unless it is
/// the first page.
fn encode_page(first: bool, page: &[ProfileRecord], now: Timestamp) -> Result<Bytes, ApiError> {
    let mut out = Vec::with_capacity(page.len() * BYTES_PER_PROFILE);
    for (i, record) in page.iter().enumerate() {
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

    fn page() -> Result<Vec<ProfileRecord>, StoreError> {
        let created = postcore_domain::parse_timestamp("2025-01-01T12:00:00Z").unwrap();
        Ok(vec![
            ProfileRecord {
                profile: Profile::new(ProfileKey::parse("prof_abc").unwrap(), None, created),
                connections: Vec::new(),
            };
            2
        ])
    }

    #[tokio::test]
    async fn the_body_starts_before_an_endless_store_stream_ends() {
        // Were the body built in memory first, an endless stream would never yield a chunk.
        let endless = stream::repeat_with(page).boxed();
        let now = postcore_domain::parse_timestamp("2025-01-06T12:30:00Z").unwrap();
        let chunks: Vec<_> = profiles_body(endless, now, None).take(3).collect().await;
        let element = r#"{"profileKey":"prof_abc","profileName":null,"createdAt":"2025-01-01T12:00:00Z","connectedPlatforms":[]}"#;
        assert_eq!(chunks[0].as_ref().unwrap().as_ref(), b"{\"profiles\":[");
        let first = String::from_utf8(chunks[1].as_ref().unwrap().to_vec()).unwrap();
        let second = String::from_utf8(chunks[2].as_ref().unwrap().to_vec()).unwrap();
        assert_eq!(first, format!("{element},{element}"));
        assert_eq!(second, format!(",{element},{element}"));
    }

    #[tokio::test]
    async fn a_store_failure_ends_the_body_with_an_error_and_without_the_closing_bracket() {
        let gone = StoreError::Backend(postcore_store::BackendError::message("gone"));
        let failing = stream::iter([page(), Err(gone)]).boxed();
        let now = postcore_domain::parse_timestamp("2025-01-06T12:30:00Z").unwrap();
        let chunks: Vec<_> = profiles_body(failing, now, None).collect().await;
        assert_eq!(chunks.len(), 3, "{chunks:?}");
        assert!(
            matches!(&chunks[2], Err(ApiError::Internal(_))),
            "{chunks:?}"
        );
        assert!(chunks.iter().flatten().all(|c| c.as_ref() != b"]}"));
    }

    #[tokio::test]
    async fn a_page_ends_with_its_next_cursor_or_null() {
        let now = postcore_domain::parse_timestamp("2025-01-06T12:30:00Z").unwrap();
        for (cursor, end) in [
            (Some("MTp4".to_owned()), r#"],"nextCursor":"MTp4"}"#),
            (None, r#"],"nextCursor":null}"#),
        ] {
            let chunks: Vec<_> = profiles_body(stream::iter([page()]).boxed(), now, Some(cursor))
                .collect()
                .await;
            let bytes: Vec<u8> = chunks.into_iter().flat_map(|c| c.unwrap()).collect();
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.ends_with(end), "{text}");
            let read: postcore_api::ProfilePage = serde_json::from_str(&text).unwrap();
            assert_eq!(read.profiles.len(), 2);
        }
    }
}
