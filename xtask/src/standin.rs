//! The Bluesky stand-in (`bluesky-standin`, package `postcore-tests`) as a child process:
//! the service `postcore serve --bluesky-service` verifies connects against in crash and
//! bench runs, on 127.0.0.1 only.

use crate::process::{self, Profile};
use anyhow::{Context as _, Result, bail};
use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long the stand-in may take to print its address.
const START_LIMIT: Duration = Duration::from_secs(30);

/// One account of the stand-in: createSession with `handle` and `app_password` signs in
/// as `did` (scope `com.atproto.appPass`).
#[derive(Debug, Clone)]
pub struct Account {
    pub handle: String,
    pub did: String,
    pub app_password: String,
}

impl Account {
    /// The body of `POST /profiles/connect` (api.md §5.5) for this account, on the profile
    /// `profile_key` or, with `None`, on a new profile.
    pub fn connect_body(&self, profile_key: Option<&str>) -> serde_json::Value {
        let mut body = serde_json::json!({
            "platform": "bluesky",
            "credentials": {"handle": self.handle, "appPassword": self.app_password},
        });
        if let Some(key) = profile_key {
            body["profileKey"] = key.into();
        }
        body
    }
}

/// A running stand-in, killed when dropped. It keeps no request bodies (its binary starts
/// it with recording off), so a long run does not grow it.
pub struct StandIn {
    child: Child,
    url: String,
}

impl StandIn {
    /// `http://127.0.0.1:PORT`, for `--bluesky-service`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the stand-in of `profile` with `accounts` on a free port, its stderr to `log`, and
/// waits (at most 30 s) for its first stdout line, `listening on http://127.0.0.1:PORT`.
/// The accounts go on its command line, so keep them to a few thousand.
pub fn start(profile: Profile, accounts: &[Account], log: &Path) -> Result<StandIn> {
    let mut cmd = Command::new(process::binary(profile, "bluesky-standin"));
    cmd.args(["--listen", "127.0.0.1:0"]);
    for a in accounts {
        cmd.arg("--account")
            .arg(format!("{}:{}:{}", a.handle, a.did, a.app_password));
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log)?)
        .spawn()
        .context("starting bluesky-standin (built with `-p postcore-tests`)")?;
    let stdout = child.stdout.take().context("the stand-in's stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = std::io::BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(read.map(|_| line));
    });
    let mut stand_in = StandIn {
        child,
        url: String::new(),
    };
    let line = match rx.recv_timeout(START_LIMIT) {
        Ok(Ok(line)) => line,
        Ok(Err(e)) => bail!("reading the stand-in's address: {e}"),
        Err(_) => bail!(
            "the stand-in printed no address within {START_LIMIT:?}; see {}",
            log.display()
        ),
    };
    match line.trim().strip_prefix("listening on ") {
        Some(url) if url.starts_with("http://127.0.0.1:") => stand_in.url = url.to_owned(),
        _ => bail!(
            "the stand-in's first line is not `listening on http://127.0.0.1:PORT`: {:?}; see {}",
            line.trim(),
            log.display()
        ),
    }
    Ok(stand_in)
}
