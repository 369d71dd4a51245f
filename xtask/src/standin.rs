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
    let (stand_in, _) = spawn(cmd, log, 0)?;
    Ok(stand_in)
}

/// `username` of a LinkedIn connection made through the LinkedIn stand-in: its one
/// member's email (`postcore_tests::linkedin::LinkedInStandIn::DEFAULT_SUB` at
/// `members.example`).
pub const LINKEDIN_USERNAME: &str = "782bbtaQ@members.example";
/// `displayName` of a LinkedIn connection made through the LinkedIn stand-in.
pub const LINKEDIN_DISPLAY_NAME: &str = "John Doe";

/// Settings lines `linkedin-standin` prints after its address.
const LINKEDIN_SETTINGS: usize = 6;

/// A running LinkedIn stand-in and the settings that point `postcore serve` at it.
pub struct LinkedInStandIn {
    /// Killed when dropped.
    #[expect(
        dead_code,
        reason = "held only so that the stand-in lives as long as this"
    )]
    pub stand_in: StandIn,
    /// `POSTCORE_LINKEDIN_*` variables (client id and the stand-in's own test secret, the
    /// four endpoint URLs), for the server's environment — never its command line.
    pub env: Vec<(String, String)>,
}

/// Starts `linkedin-standin` (package `postcore-tests`) on a free port, its stderr to
/// `log`, and reads (at most 30 s) its address and settings lines. Its one member signs in
/// without a prompt.
pub fn start_linkedin(profile: Profile, log: &Path) -> Result<LinkedInStandIn> {
    let mut cmd = Command::new(process::binary(profile, "linkedin-standin"));
    cmd.args(["--listen", "127.0.0.1:0"]);
    let (stand_in, lines) = spawn(cmd, log, LINKEDIN_SETTINGS)?;
    let env = lines
        .iter()
        .map(|l| match l.trim().split_once('=') {
            Some((name, value)) if name.starts_with("POSTCORE_LINKEDIN_") => {
                Ok((name.to_owned(), value.to_owned()))
            }
            _ => bail!(
                "linkedin-standin printed {:?}, not a POSTCORE_LINKEDIN_ setting",
                l.trim()
            ),
        })
        .collect::<Result<_>>()?;
    Ok(LinkedInStandIn { stand_in, env })
}

/// Spawns a stand-in and waits (at most 30 s) for its first stdout line,
/// `listening on http://127.0.0.1:PORT`, and `more` lines after it.
fn spawn(mut cmd: Command, log: &Path, more: usize) -> Result<(StandIn, Vec<String>)> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log)?)
        .spawn()
        .context("starting a stand-in (built with `-p postcore-tests`)")?;
    let stdout = child.stdout.take().context("the stand-in's stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = std::io::BufReader::new(stdout);
        let mut lines = Vec::new();
        for _ in 0..=more {
            let mut line = String::new();
            if let Err(e) = reader.read_line(&mut line) {
                let _ = tx.send(Err(e));
                return;
            }
            lines.push(line);
        }
        let _ = tx.send(Ok(lines));
        // Keep reading so that the stand-in never blocks on a full pipe.
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    let mut stand_in = StandIn {
        child,
        url: String::new(),
    };
    let mut lines = match rx.recv_timeout(START_LIMIT) {
        Ok(Ok(lines)) => lines,
        Ok(Err(e)) => bail!("reading the stand-in's address: {e}"),
        Err(_) => bail!(
            "the stand-in printed no address within {START_LIMIT:?}; see {}",
            log.display()
        ),
    };
    let line = lines.remove(0);
    match line.trim().strip_prefix("listening on ") {
        Some(url) if url.starts_with("http://127.0.0.1:") => stand_in.url = url.to_owned(),
        _ => bail!(
            "the stand-in's first line is not `listening on http://127.0.0.1:PORT`: {:?}; see {}",
            line.trim(),
            log.display()
        ),
    }
    Ok((stand_in, lines))
}
