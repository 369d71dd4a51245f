//! The crash run's simple clients: profiles created over HTTP, and profiles renamed through
//! `postcore-admin profiles rename` (renames exist only there), against the same database.

use super::model::{Op, PendingNew, Profile as Fields};
use super::{MAX_REQUESTS_PER_CLIENT, Shared, unix_now};
use crate::process::Database;
use crate::process::{self, Profile, admin};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Creates profiles (`POST /profiles/create`, api.md §5.3) until `stop`, recording each 201
/// as a profile and each unanswered request as a profile that may or may not exist.
pub fn create_loop(
    base: &str,
    api_key: &str,
    round: usize,
    client: usize,
    world: &Shared,
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
        // Only a complete 201 with a parsed body naming the profile counts as acknowledged.
        let key = match resp {
            Ok(r) if r.status() == 201 => r
                .into_json::<serde_json::Value>()
                .ok()
                .filter(|v| v["profileName"] == name.as_str())
                .and_then(|v| Some(v["profileKey"].as_str()?.to_owned())),
            _ => None,
        };
        let mut world = world.lock().unwrap();
        match key {
            Some(key) => {
                world.counts.creates += 1;
                let fields = Fields {
                    name: Some(name),
                    created_within: (before, unix_now()),
                    connections: BTreeMap::new(),
                };
                world.add(key, fields);
            }
            None => {
                world.counts.unacknowledged += 1;
                world.pending.push(PendingNew {
                    name: Some(name),
                    connection: None,
                    since: before,
                });
            }
        }
    }
}

/// Renames random idle profiles with `postcore-admin profiles rename KEY NAME` until
/// `stop`; exit 0 is the acknowledgement.
pub fn rename_loop(
    profile: Profile,
    db: &Database,
    round: usize,
    world: &Shared,
    stop: &AtomicBool,
) {
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) && n < MAX_REQUESTS_PER_CLIENT {
        let Some((key, _)) = world.lock().unwrap().claim(|_| true) else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        n += 1;
        let name = format!("crash renamed r{round} #{n}");
        let done = admin(profile, db, &["profiles", "rename", &key, &name]).is_ok();
        world.lock().unwrap().record(&key, Op::Rename(name), done);
    }
}
