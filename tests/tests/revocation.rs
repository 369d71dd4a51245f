//! Revocation is immediate, against the real binaries: while `postcore serve` runs,
//! `postcore-admin keys revoke` returns, and the very next request with that key is 401;
//! another key of the same account goes on working.
//!
//! Both executables are those beside this test's (see [`postcore_tests::bins`]).

use postcore_tests::bins::binary;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// `binary` with the caller's `POSTCORE_*` variables removed and `database` set, so that
/// both binaries find the database and the secret key file beside it.
fn command(name: &str, database: &Path) -> Command {
    let mut command = Command::new(binary(name));
    for (var, _) in std::env::vars().filter(|(n, _)| n.starts_with("POSTCORE_")) {
        command.env_remove(var);
    }
    command.env("POSTCORE_DATABASE", database);
    command
}

/// A running `postcore serve`, killed on drop should the test fail before it stops it.
struct Server {
    child: Child,
    /// `127.0.0.1:PORT`, from its `listening` log line.
    address: String,
    /// The first start's API key, from its banner.
    key: String,
    /// Every stderr line read so far.
    seen: Vec<String>,
    lines: mpsc::Receiver<String>,
}

impl Server {
    /// Starts the server over a new `database` on a free port and waits for its
    /// `listening` line (the banner with the key comes before it).
    fn start(database: &Path) -> Self {
        let mut child = command("postcore", database)
            .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting postcore");
        let stderr = BufReader::new(child.stderr.take().expect("piped stderr"));
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut server = Self {
            child,
            address: String::new(),
            key: String::new(),
            seen: Vec::new(),
            lines,
        };
        loop {
            // A bound on a broken start, not a wait for timing: the line normally comes
            // within milliseconds.
            let line = server
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|e| panic!("no listening line ({e}); saw {:#?}", server.seen));
            server.seen.push(line.clone());
            if let Some(key) = find_key(&line) {
                server.key = key;
            }
            if line.contains("\"listening\"") {
                let log: serde_json::Value = serde_json::from_str(&line).unwrap();
                server.address = log["fields"]["address"].as_str().unwrap().to_owned();
                break;
            }
        }
        assert!(
            !server.key.is_empty(),
            "no key in the banner: {:#?}",
            server.seen
        );
        server
    }

    /// Sends SIGTERM and returns the exit code and every stderr line.
    fn terminate(mut self) -> (Option<i32>, String) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        self.seen.extend(self.lines.iter());
        (status.code(), self.seen.join("\n"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Already exited after `terminate`; otherwise the test failed midway.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first full API key (`pc_live_` + 32 letters or digits) in `text`, if any.
fn find_key(text: &str) -> Option<String> {
    text.match_indices("pc_live_").find_map(|(start, _)| {
        let key = text.get(start..start + 40)?;
        key[8..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
            .then(|| key.to_owned())
    })
}

/// Runs `postcore-admin args` on `database`, asserts exit 0, and returns stdout.
fn admin(database: &Path, args: &[&str]) -> String {
    let out = command("postcore-admin", database)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("running postcore-admin");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stdout}{stderr}");
    stdout
}

/// `GET /profiles` with `key`: the status and the body.
async fn list(client: &reqwest::Client, server: &Server, key: &str) -> (u16, String) {
    let response = client
        .get(format!("http://{}/profiles", server.address))
        .header("x-api-key", key)
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn a_key_revoked_by_the_cli_is_refused_by_the_running_server_on_the_very_next_request() {
    let dir = tempfile::tempdir().unwrap();
    let database: PathBuf = dir.path().join("postcore.db");
    let server = Server::start(&database);
    let first = server.key.clone();
    let second = admin(
        &database,
        &[
            "keys",
            "create",
            "--account",
            "default",
            "--label",
            "second",
        ],
    );
    let second = second.trim_end();
    assert!(find_key(second).as_deref() == Some(second), "{second:?}");

    // One client: its pooled connection carries the requests before and after.
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let empty = (200, r#"{"profiles":[]}"#.to_owned());
    assert_eq!(list(&client, &server, &first).await, empty);
    assert_eq!(list(&client, &server, second).await, empty);

    let prefix = &first[..14];
    assert_eq!(
        admin(&database, &["keys", "revoke", prefix, "--yes"]),
        format!("revoked API key {prefix} of account default\n")
    );

    let invalid = (
        401,
        r#"{"error":"INVALID_API_KEY","message":"Invalid API key"}"#.to_owned(),
    );
    assert_eq!(list(&client, &server, &first).await, invalid);
    assert_eq!(list(&client, &server, second).await, empty);
    let fresh = reqwest::Client::builder().no_proxy().build().unwrap();
    assert_eq!(list(&fresh, &server, &first).await, invalid);

    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(
        !log.contains(second),
        "the server logged the CLI's key:\n{log}"
    );
}
