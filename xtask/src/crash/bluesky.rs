//! The crash run's HTTP Bluesky client: `POST /profiles/connect` (api.md §5.5) against the
//! stand-in's accounts, recording every 200 — new profiles, renewals in place, and
//! connections on profiles made by `POST /profiles/create`.

use super::{Ack, Acknowledged, Bluesky, HttpConnect, unix_now};
use crate::process;
use crate::standin::Account;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Stand-in accounts: handles `crash-N.bsky.social`, DIDs `did:plc:crashN`.
const ACCOUNTS: usize = 50;
/// Requests the client may send in a round, at most (the round's kill ends it first).
const MAX_REQUESTS: usize = 1_000_000;

/// The stand-in's accounts for the whole run.
pub fn accounts() -> Vec<Account> {
    (0..ACCOUNTS)
        .map(|n| Account {
            handle: format!("crash-{n}.bsky.social"),
            did: format!("did:plc:crash{n}"),
            app_password: format!("crash-app-password-{n}"),
        })
        .collect()
}

/// Claims an acknowledged profile with nothing connected for one connect (marking it
/// [`Bluesky::Pending`]), so that the admin and HTTP clients never connect the same one.
pub fn claim(acked: &Acknowledged) -> Option<String> {
    let mut acked = acked.lock().unwrap();
    let (key, ack) = acked
        .iter_mut()
        .find(|(_, ack)| matches!(ack.bluesky, Bluesky::None))?;
    ack.bluesky = Bluesky::Pending;
    Some(key.clone())
}

/// After the server that might still have committed an older request died: lets every
/// acknowledged renewal raise its profile's `since` again.
pub fn unfreeze(acked: &Acknowledged) {
    for ack in acked.lock().unwrap().values_mut() {
        if let Bluesky::Http(h) = &mut ack.bluesky {
            h.frozen = false;
        }
    }
}

/// What one request was for.
enum Target {
    /// No `profileKey`: a new profile.
    New,
    /// A profile connected over HTTP before, with the same account: a renewal in place.
    Renew(String),
    /// A claimed profile from `POST /profiles/create`, with nothing connected.
    Claimed(String),
}

/// One round's client, against the round's server.
pub struct Client {
    pub base: String,
    pub api_key: String,
    pub accounts: Arc<Vec<Account>>,
    pub acked: Acknowledged,
    /// Acknowledged connects (200s) over the whole run.
    pub connects: Arc<AtomicUsize>,
    pub stop: Arc<AtomicBool>,
}

impl Client {
    /// Sends connects one after another until `stop`, cycling through new profiles,
    /// renewals and claimed profiles.
    pub fn run(self) {
        let agent = process::agent(Duration::from_secs(5));
        // Profiles connected over HTTP so far, with their account.
        let mut renewable: Vec<(String, usize)> = {
            let acked = self.acked.lock().unwrap();
            acked
                .iter()
                .filter_map(|(key, ack)| match &ack.bluesky {
                    Bluesky::Http(h) => Some((key.clone(), self.account_of(&h.handle))),
                    _ => None,
                })
                .collect()
        };
        let mut i = 0;
        while !self.stop.load(Ordering::SeqCst) && i < MAX_REQUESTS {
            i += 1;
            let random = || process::random_u64() as usize;
            let (target, account) = match i % 3 {
                1 if !renewable.is_empty() => {
                    let (key, account) = renewable[random() % renewable.len()].clone();
                    (Target::Renew(key), account)
                }
                2 => match claim(&self.acked) {
                    Some(key) => (Target::Claimed(key), random() % self.accounts.len()),
                    None => (Target::New, random() % self.accounts.len()),
                },
                _ => (Target::New, random() % self.accounts.len()),
            };
            if let Some(key) = self.send(&agent, &target, account) {
                renewable.push((key, account));
            }
        }
    }

    fn account_of(&self, handle: &str) -> usize {
        self.accounts
            .iter()
            .position(|a| a.handle == handle)
            .expect("every HTTP connect uses a stand-in account")
    }

    /// Sends one connect and records its outcome; returns the key of a profile that became
    /// renewable.
    fn send(&self, agent: &ureq::Agent, target: &Target, account: usize) -> Option<String> {
        let account_ref = &self.accounts[account];
        let key = match target {
            Target::New => None,
            Target::Renew(key) | Target::Claimed(key) => Some(key.as_str()),
        };
        let before = unix_now();
        let resp = agent
            .post(&format!("{}/profiles/connect", self.base))
            .set("x-api-key", &self.api_key)
            .send_json(account_ref.connect_body(key));
        // Only a complete 200 with a parsed body naming the profile and handle counts.
        let answered_key = match resp {
            Ok(r) if r.status() == 200 => r
                .into_json::<Value>()
                .ok()
                .filter(|v| v["username"] == account_ref.handle.as_str())
                .and_then(|v| Some(v["profileKey"].as_str()?.to_owned()))
                .filter(|k| key.is_none_or(|key| key == k)),
            Err(ureq::Error::Transport(_)) => {
                if let Target::Renew(key) = target {
                    self.freeze(key);
                }
                None
            }
            // A definite refusal stores nothing; a claimed profile stays claimed.
            Ok(_) | Err(ureq::Error::Status(..)) => None,
        };
        let answered_key = answered_key?;
        self.connects.fetch_add(1, Ordering::SeqCst);
        let connect = HttpConnect {
            handle: account_ref.handle.clone(),
            since: before,
            frozen: false,
        };
        let mut acked = self.acked.lock().unwrap();
        match target {
            Target::New => {
                let ack = Ack {
                    name: None,
                    created_within: (before, unix_now()),
                    bluesky: Bluesky::Http(connect),
                };
                acked.insert(answered_key.clone(), ack);
                Some(answered_key)
            }
            Target::Claimed(_) => {
                let ack = acked.get_mut(&answered_key).expect("claimed key");
                ack.bluesky = Bluesky::Http(connect);
                Some(answered_key)
            }
            Target::Renew(_) => {
                if let Some(Ack {
                    bluesky: Bluesky::Http(h),
                    ..
                }) = acked.get_mut(&answered_key)
                    && !h.frozen
                {
                    h.since = h.since.max(before);
                }
                None
            }
        }
    }

    /// A request to `key` went unanswered: it may still commit while this server lives.
    fn freeze(&self, key: &str) {
        if let Some(Ack {
            bluesky: Bluesky::Http(h),
            ..
        }) = self.acked.lock().unwrap().get_mut(key)
        {
            h.frozen = true;
        }
    }
}
