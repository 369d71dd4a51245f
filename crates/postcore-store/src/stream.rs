//! The profiles of an account (all, or those a filter selects) as a stream of keyset
//! pages, for any backend.

use crate::{AccountId, ProfileCursor, ProfileRecord, Repository, StoreError};
use futures::stream::{self, BoxStream, StreamExt as _};
use postcore_domain::{ProfileFilter, Timestamp};
use std::sync::Arc;

/// Profiles per page when streaming a whole account: large enough that per-call costs
/// vanish, small enough that a page is a fraction of a megabyte of memory.
pub const STREAM_PAGE_SIZE: u32 = 1_000;

/// Pages fetched ahead of the consumer: the store reads page N+1 while the caller encodes
/// page N. Memory stays bounded by `PREFETCH + 2` pages whatever the account's size.
const PREFETCH: usize = 1;

/// Every profile of `account` in contract order (`createdAt`, then key; api.md §1), as
/// pages of at most `page_size` profiles: [`stream_matching_pages`] with no filter.
pub fn stream_profile_pages(
    store: Arc<dyn Repository>,
    account: AccountId,
    page_size: u32,
) -> BoxStream<'static, Result<Vec<ProfileRecord>, StoreError>> {
    // The instant is unused by a filter that selects everything.
    let now = Timestamp::UNIX_EPOCH;
    stream_matching_pages(
        store,
        account,
        ProfileFilter::default(),
        now,
        None,
        page_size,
    )
}

/// The profiles of `account` that `filter` selects at `now` (UTC), strictly after `after`
/// when given, in contract order (`createdAt`, then key; api.md §1), as pages of at most
/// `page_size` profiles read with [`Repository::list_profiles_page`].
///
/// Backend-neutral: a new backend gets streaming for free. A background task reads ahead
/// one page, so reading and encoding overlap; it stops as soon as the stream is dropped
/// (for example when the client disconnects). The stream ends after the first error,
/// which is its last item. Must be called inside a Tokio runtime.
pub fn stream_matching_pages(
    store: Arc<dyn Repository>,
    account: AccountId,
    filter: ProfileFilter,
    now: Timestamp,
    after: Option<ProfileCursor>,
    page_size: u32,
) -> BoxStream<'static, Result<Vec<ProfileRecord>, StoreError>> {
    let page_size = page_size.max(1);
    let (pages, receiver) = tokio::sync::mpsc::channel(PREFETCH);
    tokio::spawn(async move {
        let mut after = after;
        loop {
            let page = store
                .list_profiles_page(account, &filter, now, after.take(), page_size)
                .await;
            let last = match &page {
                Ok(records) if records.len() == page_size as usize => {
                    after = records.last().map(|r| ProfileCursor::after(&r.profile));
                    false
                }
                Ok(records) if records.is_empty() => return,
                _ => true,
            };
            if pages.send(page).await.is_err() || last {
                return;
            }
        }
    });
    stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|page| (page, receiver))
    })
    .boxed()
}
