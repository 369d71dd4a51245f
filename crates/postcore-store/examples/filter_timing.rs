//! Times filtered listings (api.md §5.1) over N profiles (default 100,000), each with a
//! LinkedIn connection (1 in 100 marked revoked, 1 in 50 expiring within a week) and, for
//! every second profile, a Bluesky one: the first page and a whole walk of each filter.
//!
//! `cargo run --release -p postcore-store --example filter_timing -- [N]`

use postcore_domain::{Connection, Platform, Profile, ProfileFilter, ProfileKey};
use postcore_store::{ProfileCursor, ProfileRecord, Repository};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

/// Profiles per import transaction.
const BATCH: usize = 10_000;
const DAY: i64 = 86_400;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = common::profile_count()?;
    let now = postcore_domain::parse_timestamp("2025-01-06T12:30:00Z")?;
    let (_dir, repo, account) = common::fresh_store("filters.db", now).await?;
    let mut done = 0;
    while done < n {
        let batch: Vec<ProfileRecord> = (done..n.min(done + BATCH))
            .map(|i| {
                let days = if i % 50 == 0 { 3 } else { 40 };
                let expires = now + chrono::Duration::seconds(days * DAY);
                let mut connections = Vec::new();
                if i % 2 == 0 {
                    connections.push(Connection::new(
                        Platform::Bluesky,
                        format!("u{i}.bsky.social"),
                        format!("u{i}.bsky.social"),
                        now,
                    ));
                }
                connections.push(
                    Connection::new(Platform::LinkedIn, format!("U {i}"), format!("u{i}"), now)
                        .with_expires_at(Some(expires))
                        .with_revoked(i % 100 == 7),
                );
                ProfileRecord {
                    profile: Profile::new(
                        ProfileKey::generate(),
                        None,
                        now - chrono::Duration::seconds((n - i) as i64 / 4),
                    ),
                    connections,
                }
            })
            .collect();
        done += batch.len();
        repo.import_profiles(account, batch, None).await?;
    }
    println!("{n} profiles");
    let cases = [
        ("everything", ProfileFilter::default()),
        (
            "platform=bluesky",
            ProfileFilter {
                platform: Some(Platform::Bluesky),
                ..ProfileFilter::default()
            },
        ),
        (
            "needsReconnect=true",
            ProfileFilter {
                needs_reconnect: Some(true),
                ..ProfileFilter::default()
            },
        ),
        (
            "needsReconnect=false",
            ProfileFilter {
                needs_reconnect: Some(false),
                ..ProfileFilter::default()
            },
        ),
        (
            "expiringWithinDays=7",
            ProfileFilter {
                expiring_within_days: Some(7),
                ..ProfileFilter::default()
            },
        ),
    ];
    for (name, filter) in cases {
        for limit in [100, 1000] {
            let (first, pages, total, found) = walk(&repo, account, &filter, now, limit).await?;
            println!(
                "{name:<22} limit {limit:>4}: first page {:>8.2} ms; {pages:>4} pages, {found:>6} profiles in {:>8.1} ms",
                ms(first),
                ms(total)
            );
        }
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Walks every page: (first page's time, pages, total time, profiles found).
async fn walk(
    repo: &Arc<dyn Repository>,
    account: postcore_store::AccountId,
    filter: &ProfileFilter,
    now: postcore_domain::Timestamp,
    limit: u32,
) -> Result<(Duration, usize, Duration, usize), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut first = None;
    let (mut pages, mut found, mut after) = (0, 0, None);
    loop {
        let page = repo
            .list_profiles_page(account, filter, now, after.take(), limit)
            .await?;
        first.get_or_insert(started.elapsed());
        pages += 1;
        found += page.len();
        after = page.last().map(|r| ProfileCursor::after(&r.profile));
        if page.len() < limit as usize {
            break;
        }
    }
    Ok((first.unwrap_or_default(), pages, started.elapsed(), found))
}
