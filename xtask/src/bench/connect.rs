//! Bench scenario 7's set-up: `POST /profiles/connect` (api.md §5.5) renewing Bluesky in
//! place on seeded profiles, each verified by the Bluesky stand-in — one createSession
//! call and one write per request.

use super::sample::Shape;
use super::seed::SeededAccount;
use super::wrk::Request;
use crate::process::Profile;
use crate::standin::{self, Account, StandIn};
use anyhow::{Context as _, Result};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The stand-in account of seeded profile `i`: the seed's Bluesky handle
/// `user{i}.bsky.social` (see `seed.rs`), DID `did:plc:bench{i}`. The seeded connection has
/// no DID, so the first connect matches it by handle and stores the DID; every later one
/// renews it in place by DID.
fn account(i: usize) -> Account {
    Account {
        handle: format!("user{i}.bsky.social"),
        did: format!("did:plc:bench{i}"),
        app_password: format!("bench-app-password-{i}"),
    }
}

/// Starts the stand-in with one account per profile of `seeded` (its stderr to
/// `work/standin.log`) and writes the connect bodies, one JSON line per profile, to
/// `work/connect.bodies`; returns the stand-in and that file.
pub fn start(profile: Profile, work: &Path, seeded: &SeededAccount) -> Result<(StandIn, PathBuf)> {
    let keys = std::fs::read_to_string(&seeded.keys_file)?;
    let keys: Vec<&str> = keys.lines().collect();
    anyhow::ensure!(
        !keys.is_empty(),
        "the connect scenario needs seeded profiles"
    );
    let accounts: Vec<Account> = (0..keys.len()).map(account).collect();
    let bodies_file = work.join("connect.bodies");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&bodies_file)?);
    for (key, account) in keys.iter().zip(&accounts) {
        writeln!(out, "{}", account.connect_body(Some(key)))?;
    }
    out.flush()?;
    let stand_in = standin::start(profile, &accounts, &work.join("standin.log"))
        .context("starting the Bluesky stand-in for scenario 7")?;
    Ok((stand_in, bodies_file))
}

/// After scenario 7: how many of the account's Bluesky connections were renewed (their
/// `connectedAt` is no longer the seed's); fails when none was, as the scenario then wrote
/// nothing.
pub fn renewed(base: &str, seeded: &SeededAccount) -> Result<usize> {
    let (status, body, _) = super::fetch(&format!("{base}/profiles"), &seeded.api_key)?;
    anyhow::ensure!(status == 200, "GET /profiles answered {status}");
    let v: serde_json::Value = serde_json::from_slice(&body)?;
    let renewed = v["profiles"]
        .as_array()
        .context("no profiles array")?
        .iter()
        .filter(|p| {
            p["connectedPlatforms"].as_array().is_some_and(|c| {
                c.iter().any(|c| {
                    c["platform"] == "bluesky" && c["connectedAt"] != super::seed::SEEDED_BLUESKY_AT
                })
            })
        })
        .count();
    anyhow::ensure!(renewed > 0, "scenario 7 renewed no Bluesky connection");
    Ok(renewed)
}

/// What scenario 7's sample answer must be: the connection of the sample body's handle on
/// its profile (`request` is a request of the scenario, its body one line of the bodies
/// file).
pub fn shape(request: &Request) -> Shape {
    let body: serde_json::Value = request
        .body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    Shape::Connected {
        key: text(&body["profileKey"]),
        handle: text(&body["credentials"]["handle"]),
    }
}
