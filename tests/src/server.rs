//! The real binaries as processes: `postcore serve` on a free port, read from its JSON log,
//! and `postcore-admin` runs, both on one database (see [`crate::bins`] for where they are).

use crate::bins::binary;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// `binary` with the caller's `POSTCORE_*` variables removed and `database` set, so that
/// both binaries find the database and the secret key file beside it.
pub fn command(name: &str, database: &Path) -> Command {
    let mut command = Command::new(binary(name));
    for (var, _) in std::env::vars().filter(|(n, _)| n.starts_with("POSTCORE_")) {
        command.env_remove(var);
    }
    command.env("POSTCORE_DATABASE", database);
    command
}

/// A running `postcore serve`, killed on drop should the test fail before it stops it.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`, from its `listening` log line.
    pub address: String,
    /// The first start's API key, from its banner.
    pub key: String,
    /// Every stderr line read so far.
    pub seen: Vec<String>,
    lines: mpsc::Receiver<String>,
}

impl Server {
    /// Starts the server over `database` on a free port and waits for its `listening` line
    /// (on a new database the banner with the key comes before it; a restart has no key).
    pub fn start(database: &Path) -> Self {
        Self::start_with(database, &[])
    }

    /// [`Self::start`] with `extra` arguments after `serve`'s own (`--bind` among them
    /// replaces the free port).
    pub fn start_with(database: &Path, extra: &[&str]) -> Self {
        Self::start_with_env(database, extra, &[])
    }

    /// [`Self::start_with`] with `env` (`POSTCORE_…` variables, say) set for the server.
    pub fn start_with_env(database: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        Self::launch(database, Some(database.exists()), extra, env)
    }

    /// `postcore serve` on the database `url` (a PostgreSQL URL, say) with `env` and
    /// `extra` arguments, on a free port unless `extra` names `--bind`. No key banner is
    /// required: servers starting together on one new database show one key between them
    /// (see [`Self::key`], empty for the others).
    pub fn start_on(url: &str, extra: &[&str], env: &[(&str, &str)]) -> Self {
        Self::launch(Path::new(url), None, extra, env)
    }

    /// Starts the server; `restart` is whether the database existed before (`Some(false)`:
    /// the banner's key is required), `None` when that is not known.
    fn launch(
        database: &Path,
        restart: Option<bool>,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Self {
        // A free port unless the caller names one (an OAuth redirect URI must know it).
        let bind = if extra.contains(&"--bind") {
            &[][..]
        } else {
            &["--bind", "127.0.0.1:0"][..]
        };
        let mut child = command("postcore", database)
            .args(["serve", "--log-format", "json"])
            .args(bind)
            .args(extra)
            .envs(env.iter().copied())
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
        // Only a first start prints a key; a restart on the same database prints none.
        assert!(
            !server.key.is_empty() || restart != Some(false),
            "no key in the banner: {:#?}",
            server.seen
        );
        server
    }

    /// The server's process id (to read its open files under `/proc`, say).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the next log line containing `needle` and returns it (every line read is
    /// kept in `seen`). The bound is for a broken server, not a measure of time.
    ///
    /// # Panics
    /// When no such line comes within 60 seconds, or the server's stderr closes.
    pub fn wait_for(&mut self, needle: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|e| panic!("no line with {needle:?} ({e}); saw {:#?}", self.seen));
            self.seen.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// `GET path` on this server through `client`, with `key` as `x-api-key`.
    ///
    /// # Panics
    /// When the server does not answer.
    pub async fn get(&self, client: &reqwest::Client, path: &str, key: &str) -> reqwest::Response {
        client
            .get(format!("http://{}{path}", self.address))
            .header("x-api-key", key)
            .send()
            .await
            .expect("the server answers")
    }

    /// `POST path` on this server through `client`, with `key` as `x-api-key` and no body.
    ///
    /// # Panics
    /// When the server does not answer.
    pub async fn post(&self, client: &reqwest::Client, path: &str, key: &str) -> reqwest::Response {
        client
            .post(format!("http://{}{path}", self.address))
            .header("x-api-key", key)
            .send()
            .await
            .expect("the server answers")
    }

    /// Sends SIGTERM and returns the exit code and every stderr line.
    pub fn terminate(mut self) -> (Option<i32>, String) {
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

/// The first full generated API key (`pc_live_` + 32 letters or digits) in `text`, if any.
pub fn find_key(text: &str) -> Option<String> {
    text.match_indices("pc_live_").find_map(|(start, _)| {
        let key = text.get(start..start + 40)?;
        key[8..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
            .then(|| key.to_owned())
    })
}

/// Runs `postcore-admin args` on `database`, asserts exit 0, and returns stdout.
pub fn admin(database: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = admin_output(database, args);
    assert_eq!(code, Some(0), "{args:?}: {stdout}{stderr}");
    stdout
}

/// Runs `postcore-admin args` on `database`: its exit code, stdout and stderr.
pub fn admin_output(database: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = command("postcore-admin", database)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("running postcore-admin");
    outcome(out)
}

/// Runs `postcore-admin args` on the database `url` with `env` (the secret key of a
/// PostgreSQL database, say): its exit code, stdout and stderr.
pub fn admin_on(url: &str, env: &[(&str, &str)], args: &[&str]) -> (Option<i32>, String, String) {
    let out = command("postcore-admin", Path::new(url))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("running postcore-admin");
    outcome(out)
}

/// Runs `postcore-admin args` on `database` with `stdin` piped to it (a secret, as
/// `keys import` reads one): its exit code, stdout and stderr.
pub fn admin_with_stdin(
    database: &Path,
    args: &[&str],
    stdin: &str,
) -> (Option<i32>, String, String) {
    let mut child = command("postcore-admin", database)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running postcore-admin");
    // A command that exits before reading gives a broken pipe here; its exit code tells.
    let _ = child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(stdin.as_bytes());
    outcome(child.wait_with_output().expect("postcore-admin finishes"))
}

/// The exit code, stdout and stderr of a finished run.
fn outcome(out: std::process::Output) -> (Option<i32>, String, String) {
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
