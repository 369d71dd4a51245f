//! The crash run's other clients: profiles created over HTTP, and Bluesky connected through
//! `postcore-admin` (the store path, no credentials).

use super::{Ack, Acknowledged, Bluesky, MAX_CONNECTS, MAX_REQUESTS_PER_CLIENT, bluesky, unix_now};
use crate::process::{self, Profile, admin};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Creates profiles (`POST /profiles/create`, api.md §5.3) until `stop`, recording each 201.
pub fn create_loop(
    base: &str,
    api_key: &str,
    round: usize,
    client: usize,
    acked: &Acknowledged,
    stop: &AtomicBool,
) {
    let agent = process::agent(Duration::from_secs(5));
    let mut i = 0;
    while !stop.load(Ordering::SeqCst) && i < MAX_REQUESTS_PER_CLIENT {
        i += 1;
        let name = format!("crash r{round} c{client} #{i}");
        let before = unix_now();
        let resp = agent
            .post(&format!("{base}/profiles/create"))
            .set("x-api-key", api_key)
            .send_json(serde_json::json!({ "profileName": name }));
        // Only a complete 201 with a parsed body counts as acknowledged.
        if let Ok(r) = resp
            && r.status() == 201
            && let Ok(v) = r.into_json::<serde_json::Value>()
            && let Some(key) = v["profileKey"].as_str()
        {
            let ack = Ack {
                name: Some(name),
                created_within: (before, unix_now()),
                bluesky: Bluesky::None,
            };
            acked.lock().unwrap().insert(key.to_owned(), ack);
        }
    }
}

/// Connects Bluesky (no credentials) through the admin CLI on acknowledged profiles that
/// have nothing connected, claiming each first so that the HTTP client leaves it alone.
pub fn connect_loop(profile: Profile, db: &Path, acked: &Acknowledged, stop: &AtomicBool) {
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) && n < MAX_CONNECTS {
        let Some(key) = bluesky::claim(acked) else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        n += 1;
        let handle = format!("crash{n}-{}.bsky.social", process::random_u64() % 1_000_000);
        let args = [
            "connections",
            "add",
            &key,
            "--platform",
            "bluesky",
            "--handle",
            &handle,
        ];
        // A failed run stored nothing: the profile may be claimed again.
        let state = match admin(profile, db, &args) {
            Ok(_) => Bluesky::Admin(handle),
            Err(_) => Bluesky::None,
        };
        acked
            .lock()
            .unwrap()
            .get_mut(&key)
            .expect("acknowledged key")
            .bluesky = state;
    }
}
