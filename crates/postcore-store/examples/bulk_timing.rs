//! Times inserting N profiles (default 100,000) with a LinkedIn and a Bluesky connection
//! each through the repository, then streaming them back.
//!
//! `cargo run --release -p postcore-store --example bulk_timing -- [N]`

use futures::TryStreamExt as _;
use postcore_domain::{Connection, Platform, Profile, ProfileKey};
use postcore_store::ProfileRecord;
use std::time::Instant;

mod common;

/// Profiles per import transaction.
const BATCH: usize = 10_000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = common::profile_count()?;
    let now = chrono::Utc::now();
    let (_dir, repo, account) = common::fresh_store("bulk.db", now).await?;

    let started = Instant::now();
    let mut done = 0;
    while done < n {
        let batch: Vec<ProfileRecord> = (done..n.min(done + BATCH))
            .map(|i| ProfileRecord {
                profile: Profile::new(ProfileKey::generate(), None, now),
                connections: vec![
                    Connection::new(
                        Platform::Bluesky,
                        format!("u{i}.bsky.social"),
                        format!("u{i}.bsky.social"),
                        now,
                    ),
                    Connection::new(
                        Platform::LinkedIn,
                        format!("User {i}"),
                        format!("user{i}"),
                        now,
                    ),
                ],
            })
            .collect();
        done += batch.len();
        repo.import_profiles(account, batch, None).await?;
    }
    let inserted = started.elapsed();

    let started = Instant::now();
    let (count, connections) = postcore_store::stream_profile_pages(
        std::sync::Arc::clone(&repo),
        account,
        postcore_store::STREAM_PAGE_SIZE,
    )
    .try_fold((0usize, 0usize), |(p, c), page| async move {
        Ok((
            p + page.len(),
            c + page.iter().map(|r| r.connections.len()).sum::<usize>(),
        ))
    })
    .await?;
    let streamed = started.elapsed();
    assert_eq!((count, connections), (n, 2 * n));
    println!(
        "inserted {n} profiles with {} connections in {:.2} s ({:.0} profiles/s); streamed them back in {:.2} s ({:.0} profiles/s)",
        2 * n,
        inserted.as_secs_f64(),
        n as f64 / inserted.as_secs_f64(),
        streamed.as_secs_f64(),
        n as f64 / streamed.as_secs_f64()
    );
    Ok(())
}
