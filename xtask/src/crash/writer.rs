//! The crash run's HTTP writer: connects, renewals, disconnects and deletes on random idle
//! profiles, against the Bluesky and LinkedIn stand-ins.

use super::model::{Conn, Op, PendingNew, Platform, Profile as Fields};
use super::{MAX_REQUESTS_PER_CLIENT, Shared, unix_now};
use crate::process;
use crate::standin::{Account, LINKEDIN_DISPLAY_NAME, LINKEDIN_USERNAME};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Bluesky stand-in accounts: handles `crash-N.bsky.social`, DIDs `did:plc:crashN`.
const ACCOUNTS: usize = 50;

/// The Bluesky stand-in's accounts for the whole run.
pub fn accounts() -> Vec<Account> {
    (0..ACCOUNTS)
        .map(|n| Account {
            handle: format!("crash-{n}.bsky.social"),
            did: format!("did:plc:crash{n}"),
            app_password: format!("crash-app-password-{n}"),
        })
        .collect()
}

/// One round's writer, against the round's server.
pub struct Writer {
    pub base: String,
    pub api_key: String,
    pub accounts: Arc<Vec<Account>>,
    pub world: Shared,
    pub stop: Arc<AtomicBool>,
}

impl Writer {
    /// Sends writes one after another until `stop`, cycling through the kinds.
    pub fn run(self) {
        let agent = process::agent(Duration::from_secs(5));
        let mut i = 0;
        while !self.stop.load(Ordering::SeqCst) && i < MAX_REQUESTS_PER_CLIENT {
            i += 1;
            let sent = match i % 6 {
                0 => self.bluesky_new(&agent),
                1 => self.bluesky(&agent),
                2 => self.disconnect(&agent),
                3 => self.linkedin(&agent),
                4 => self.delete(&agent),
                _ => self.bluesky_renew(&agent),
            };
            if !sent {
                // Nothing suitable yet: let the creators make profiles.
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }

    fn random_account(&self) -> &Account {
        &self.accounts[process::random_u64() as usize % self.accounts.len()]
    }

    /// `POST /profiles/connect` (api.md §5.5); the answered `profileKey` of a complete 200
    /// naming `account`, `key` when given.
    fn connect(&self, agent: &ureq::Agent, account: &Account, key: Option<&str>) -> Option<String> {
        let resp = agent
            .post(&format!("{}/profiles/connect", self.base))
            .set("x-api-key", &self.api_key)
            .send_json(account.connect_body(key));
        match resp {
            Ok(r) if r.status() == 200 => r
                .into_json::<Value>()
                .ok()
                .filter(|v| v["username"] == account.handle.as_str())
                .and_then(|v| Some(v["profileKey"].as_str()?.to_owned()))
                .filter(|k| key.is_none_or(|key| key == k)),
            _ => None,
        }
    }

    fn bluesky_conn(account: &Account, since: i64) -> Conn {
        Conn {
            username: account.handle.clone(),
            display_name: account.handle.clone(),
            since,
        }
    }

    /// A Bluesky connect without `profileKey`: a new profile.
    fn bluesky_new(&self, agent: &ureq::Agent) -> bool {
        let account = self.random_account();
        let before = unix_now();
        let key = self.connect(agent, account, None);
        let conn = Self::bluesky_conn(account, before);
        let mut world = self.world.lock().unwrap();
        match key {
            Some(key) => {
                world.counts.connects += 1;
                *world
                    .connect_kinds
                    .entry("Bluesky, new profile")
                    .or_default() += 1;
                let fields = Fields {
                    name: None,
                    created_within: (before, unix_now()),
                    connections: BTreeMap::from([(Platform::Bluesky, conn)]),
                };
                world.add(key, fields);
            }
            None => {
                world.counts.unacknowledged += 1;
                world.pending.push(PendingNew {
                    name: None,
                    connection: Some((Platform::Bluesky, conn)),
                    since: before,
                });
            }
        }
        true
    }

    /// A Bluesky connect to an idle profile without one.
    fn bluesky(&self, agent: &ureq::Agent) -> bool {
        let claimed = self
            .world
            .lock()
            .unwrap()
            .claim(|p| !p.connections.contains_key(&Platform::Bluesky));
        let Some((key, _)) = claimed else {
            return false;
        };
        let account = self.random_account();
        self.connect_bluesky(agent, &key, account, "Bluesky, existing profile");
        true
    }

    /// A Bluesky renewal in place: the same account again.
    fn bluesky_renew(&self, agent: &ureq::Agent) -> bool {
        let claimed = self
            .world
            .lock()
            .unwrap()
            .claim(|p| p.connections.contains_key(&Platform::Bluesky));
        let Some((key, fields)) = claimed else {
            return false;
        };
        let handle = &fields.connections[&Platform::Bluesky].username;
        let account = self
            .accounts
            .iter()
            .find(|a| &a.handle == handle)
            .expect("every Bluesky connection uses a stand-in account");
        self.connect_bluesky(agent, &key, account, "Bluesky renewals");
        true
    }

    fn connect_bluesky(
        &self,
        agent: &ureq::Agent,
        key: &str,
        account: &Account,
        kind: &'static str,
    ) {
        let before = unix_now();
        let done = self.connect(agent, account, Some(key)).is_some();
        let mut world = self.world.lock().unwrap();
        if done {
            *world.connect_kinds.entry(kind).or_default() += 1;
        }
        let op = Op::Connect(Platform::Bluesky, Self::bluesky_conn(account, before));
        world.record(key, op, done);
    }

    /// A LinkedIn connect (or renewal: the stand-in has one member) to an idle profile,
    /// through the whole flow: `POST /profiles/connect/linkedin`, then the authorization
    /// URL, whose redirect the stand-in answers with a code for the server's callback, which
    /// answers 200 when connected (no `returnUrl`).
    fn linkedin(&self, agent: &ureq::Agent) -> bool {
        let Some((key, fields)) = self.world.lock().unwrap().claim(|_| true) else {
            return false;
        };
        let renewal = fields.connections.contains_key(&Platform::LinkedIn);
        let before = unix_now();
        let callback = format!("{}/oauth/linkedin/callback", self.base);
        let done = agent
            .post(&format!("{}/profiles/connect/linkedin", self.base))
            .set("x-api-key", &self.api_key)
            .send_json(serde_json::json!({ "profileKey": key }))
            .ok()
            .filter(|r| r.status() == 200)
            .and_then(|r| r.into_json::<Value>().ok())
            .and_then(|v| Some(v["authorizationUrl"].as_str()?.to_owned()))
            .and_then(|url| agent.get(&url).call().ok())
            .is_some_and(|r| r.status() == 200 && r.get_url().starts_with(&callback));
        let conn = Conn {
            username: LINKEDIN_USERNAME.to_owned(),
            display_name: LINKEDIN_DISPLAY_NAME.to_owned(),
            since: before,
        };
        let mut world = self.world.lock().unwrap();
        if done {
            let kind = if renewal {
                "LinkedIn renewals"
            } else {
                "LinkedIn"
            };
            *world.connect_kinds.entry(kind).or_default() += 1;
        }
        world.record(&key, Op::Connect(Platform::LinkedIn, conn), done);
        true
    }

    /// `DELETE /profiles/{key}/connections/{platform}` of one connected platform.
    fn disconnect(&self, agent: &ureq::Agent) -> bool {
        let claimed = self
            .world
            .lock()
            .unwrap()
            .claim(|p| !p.connections.is_empty());
        let Some((key, fields)) = claimed else {
            return false;
        };
        let platforms: Vec<Platform> = fields.connections.keys().copied().collect();
        let platform = platforms[process::random_u64() as usize % platforms.len()];
        let url = format!(
            "{}/profiles/{key}/connections/{}",
            self.base,
            platform.as_str()
        );
        let resp = agent.delete(&url).set("x-api-key", &self.api_key).call();
        let done = acknowledged(resp, "Platform disconnected successfully");
        self.world
            .lock()
            .unwrap()
            .record(&key, Op::Disconnect(platform), done);
        true
    }

    /// `DELETE /profiles/{key}` (api.md §5.4).
    fn delete(&self, agent: &ureq::Agent) -> bool {
        let Some((key, _)) = self.world.lock().unwrap().claim(|_| true) else {
            return false;
        };
        let url = format!("{}/profiles/{key}", self.base);
        let resp = agent.delete(&url).set("x-api-key", &self.api_key).call();
        let done = acknowledged(resp, "Profile deleted successfully");
        self.world.lock().unwrap().record(&key, Op::Delete, done);
        true
    }
}

/// A complete 200 with the body `{"message": message}`: the write is acknowledged.
fn acknowledged(resp: Result<ureq::Response, ureq::Error>, message: &str) -> bool {
    let body = match resp {
        Ok(r) if r.status() == 200 => r.into_json::<Value>().ok(),
        _ => None,
    };
    body == Some(serde_json::json!({ "message": message }))
}
