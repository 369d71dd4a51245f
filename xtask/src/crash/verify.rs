//! The crash run's check after each restart: every profile key's stored state is one of
//! the outcomes of its recorded writes ([`model::check`]), every profile deleted this round
//! answers 404 `PROFILE_NOT_FOUND`, and every other stored profile is the outcome of one
//! unanswered create ([`model::adopt`]). The matched states become the next round's start.

use super::model::{self, Op, State};
use super::{Shared, unix_now};
use crate::process;
use anyhow::{Context as _, Result, bail};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// What one check found.
pub struct Outcome {
    /// Each loss, naming the profile key.
    pub lost: Vec<String>,
    /// Profiles stored now.
    pub stored: usize,
    /// Stored profiles made by unanswered requests.
    pub adopted: usize,
}

/// Reads every profile back (`GET /profiles`, api.md §5.1), checks them against `world`
/// and starts its next round from what it found.
pub fn verify(base: &str, api_key: &str, world: &Shared) -> Result<Outcome> {
    let agent = process::agent(Duration::from_secs(120));
    let body: Value = agent
        .get(&format!("{base}/profiles"))
        .set("x-api-key", api_key)
        .call()
        .context("GET /profiles after restart")?
        .into_json()?;
    let now = unix_now();
    let mut stored: HashMap<String, Value> = HashMap::new();
    for p in body["profiles"].as_array().context("no profiles array")? {
        let key = p["profileKey"]
            .as_str()
            .context("a profile without a key")?;
        if stored.insert(key.to_owned(), p.clone()).is_some() {
            bail!("GET /profiles lists {key} twice");
        }
    }
    let count = stored.len();
    let mut world = world.lock().unwrap();
    let world = &mut *world;
    let mut lost = Vec::new();
    let mut deleted_now = Vec::new();
    for (key, entry) in &mut world.profiles {
        let found = stored.remove(key);
        match model::check(&entry.start, &entry.history, found.as_ref(), now) {
            Ok(state) => {
                let deleted = entry
                    .history
                    .iter()
                    .any(|r| r.acknowledged && r.op == Op::Delete);
                if deleted {
                    deleted_now.push(key.clone());
                }
                entry.start = state;
            }
            Err(what) => lost.push(format!("{key}: {what}")),
        }
        entry.history.clear();
        entry.busy = false;
    }
    for key in &deleted_now {
        let resp = agent
            .get(&format!("{base}/profiles/{key}"))
            .set("x-api-key", api_key)
            .call();
        let answer = match resp {
            Err(ureq::Error::Status(status, r)) => (status, r.into_json::<Value>().ok()),
            Ok(r) => (r.status(), r.into_json::<Value>().ok()),
            Err(e) => return Err(e).with_context(|| format!("GET /profiles/{key}")),
        };
        let gone = json!({"error": "PROFILE_NOT_FOUND", "message": "Profile not found"});
        if answer != (404, Some(gone)) {
            lost.push(format!(
                "{key}: deleted, but GET /profiles/{key} answers {} {:?}",
                answer.0, answer.1
            ));
        }
    }
    let mut adopted = 0;
    for (key, p) in stored {
        match model::adopt(&mut world.pending, &p, now) {
            Ok(state) => {
                adopted += 1;
                // Its connect went unanswered: its event may or may not come.
                if let State::Present(p) = &state {
                    for (platform, conn) in &p.connections {
                        let op = Op::Connect(*platform, conn.clone());
                        world.ledger.record(&key, &op, false);
                    }
                }
                let entry = super::Entry {
                    start: state,
                    history: Vec::new(),
                    busy: false,
                };
                world.profiles.insert(key, entry);
            }
            Err(what) => lost.push(format!("{key}: {what}")),
        }
    }
    world.pending.clear();
    world.live = world
        .profiles
        .iter()
        .filter(|(_, e)| matches!(e.start, State::Present(_)))
        .map(|(k, _)| k.clone())
        .collect();
    Ok(Outcome {
        lost,
        stored: count,
        adopted,
    })
}
