//! End-to-end runs of the real `postcore` binary: first start, logs, SIGTERM.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running server: its process, its stderr lines as they come, and its address.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    address: String,
}

fn postcore() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_postcore"));
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("POSTCORE_")) {
        command.env_remove(name);
    }
    command
}

impl Server {
    /// Starts `postcore serve` on a free port over `database`, with JSON trace logs, and
    /// waits for its `listening` line.
    fn start(database: &Path) -> Server {
        let mut child = postcore()
            .args(["serve", "--bind", "127.0.0.1:0", "--log-format", "json"])
            .env("POSTCORE_DATABASE", database)
            .env("POSTCORE_LOG", "trace")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting postcore");
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut server = Server {
            child,
            lines,
            seen: Vec::new(),
            address: String::new(),
        };
        let listening = server.wait_for("\"listening\"");
        let log: serde_json::Value = serde_json::from_str(&listening).unwrap();
        server.address = log["fields"]["address"].as_str().unwrap().to_owned();
        server
    }

    /// The next stderr line containing `needle` (all lines are kept in `seen`).
    fn wait_for(&mut self, needle: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|e| panic!("no line with {needle} ({e}); saw {:#?}", self.seen));
            self.seen.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// The first line seen so far that contains `needle`.
    fn seen_line(&self, needle: &str) -> Option<&String> {
        self.seen.iter().find(|l| l.contains(needle))
    }

    /// Sends SIGTERM, waits for the exit, and returns its code and every stderr line.
    fn terminate(self) -> (Option<i32>, String) {
        self.stop("TERM")
    }

    /// Sends the signal `name` (`TERM`, `INT`), waits for the exit, and returns its code and
    /// every stderr line.
    fn stop(mut self, name: &str) -> (Option<i32>, String) {
        self.signal(name);
        let status = self.child.wait().unwrap();
        self.seen.extend(self.lines.iter());
        (status.code(), self.seen.join("\n"))
    }

    fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// `GET path` with `key`; returns the status line and the body.
    fn get(&self, path: &str, key: &str) -> (String, String) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        let request = format!("GET {path} HTTP/1.0\r\nHost: x\r\nx-api-key: {key}\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        (head.lines().next().unwrap().to_owned(), body.to_owned())
    }
}

/// The first full generated API key (`pc_live_` + 32 letters or digits) in `text`, if any.
fn find_key(text: &str) -> Option<String> {
    text.match_indices("pc_live_").find_map(|(start, _)| {
        let key = text.get(start..start + 40)?;
        key[8..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
            .then(|| key.to_owned())
    })
}

#[test]
fn the_first_start_prints_one_key_with_a_curl_line_and_later_starts_print_none() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("postcore.db");

    let first = Server::start(&database);
    let curl = first
        .seen_line("curl http://")
        .expect("a curl line before listening")
        .clone();
    let key = find_key(&curl).expect("the curl line holds the key");
    assert_eq!(
        curl.trim(),
        format!(
            "curl http://{}/profiles -H \"x-api-key: {key}\"",
            first.address
        )
    );
    assert_eq!(
        first.get("/profiles", &key),
        ("HTTP/1.0 200 OK".into(), r#"{"profiles":[]}"#.into())
    );
    let (code, log) = first.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(
        log.matches(&key).count(),
        2,
        "the banner shows the key twice and nothing else does:\n{log}"
    );

    let second = Server::start(&database);
    assert_eq!(
        second.get("/profiles", &key),
        ("HTTP/1.0 200 OK".into(), r#"{"profiles":[]}"#.into())
    );
    let (code, log) = second.terminate();
    assert_eq!(code, Some(0), "{log}");
    assert!(
        find_key(&log).is_none(),
        "a later start printed a key:\n{log}"
    );
}

#[test]
fn every_request_is_logged_with_id_method_path_status_and_latency_but_never_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(&dir.path().join("postcore.db"));
    let key = find_key(server.seen_line("curl http://").unwrap()).unwrap();
    server.seen.clear();
    assert_eq!(
        server.get("/profiles/prof_unknown1", &key),
        (
            "HTTP/1.0 404 Not Found".into(),
            r#"{"error":"PROFILE_NOT_FOUND","message":"Profile not found"}"#.into()
        )
    );
    let line = server.wait_for("request finished");
    let log: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(log["fields"]["status"], 404, "{line}");
    assert!(log["fields"]["latency_ms"].is_f64(), "{line}");
    let span = &log["span"];
    assert_eq!(
        (&span["method"], &span["path"]),
        (&"GET".into(), &"/profiles/prof_unknown1".into())
    );
    assert_eq!(
        span["request_id"].as_str().map(str::len),
        Some(36),
        "{line}"
    );
    let unknown = format!("pc_live_{}", "Z".repeat(32));
    let malformed = "pc_live_not-a-key-but-secret-looking";
    let refused = (
        "HTTP/1.0 401 Unauthorized".to_owned(),
        r#"{"error":"INVALID_API_KEY","message":"Invalid API key"}"#.to_owned(),
    );
    assert_eq!(server.get("/profiles", &unknown), refused);
    assert_eq!(server.get("/profiles", malformed), refused);
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0));
    for secret in [key.as_str(), &unknown, malformed] {
        assert!(!log.contains(secret), "a log line holds {secret}:\n{log}");
    }
}

/// Reads from `stream` up to the end of one response head (`\r\n\r\n`), byte by byte, so
/// that nothing after it is consumed.
fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0_u8];
        stream.read_exact(&mut byte).expect("a response head");
        head.push(byte[0]);
    }
    String::from_utf8(head).unwrap()
}

/// Both SIGINT (Ctrl-C) and SIGTERM stop gracefully: a request in flight when the signal
/// arrives is still answered, then the process exits 0. The request asks
/// `Expect: 100-continue`, so the server's `100 Continue` is the signal that it has read
/// the head and is running the request, waiting for its body (RFC 9110 §10.1.1).
#[test]
fn sigint_and_sigterm_let_in_flight_requests_finish_and_exit_zero() {
    for signal in ["INT", "TERM"] {
        let dir = tempfile::tempdir().unwrap();
        let mut server = Server::start(&dir.path().join("postcore.db"));
        let key = server
            .seen
            .iter()
            .find_map(|l| find_key(l))
            .expect("the first start prints a key");
        let mut stream = TcpStream::connect(&server.address).unwrap();
        let body = br#"{"profileName":"in flight"}"#;
        let head = format!(
            "POST /profiles/create HTTP/1.1\r\nHost: x\r\nx-api-key: {key}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\
             Expect: 100-continue\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        assert_eq!(read_head(&mut stream), "HTTP/1.1 100 Continue\r\n\r\n");
        server.signal(signal);
        server.wait_for("stopping");
        stream.write_all(body).unwrap();
        let status_line = read_head(&mut stream).lines().next().unwrap().to_owned();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let created: serde_json::Value = serde_json::from_str(&answer).unwrap();
        let profile_key = created["profileKey"].as_str().unwrap_or_default();
        assert_eq!(
            (status_line.as_str(), &created),
            (
                "HTTP/1.1 201 Created",
                &serde_json::json!({"profileKey": profile_key, "profileName": "in flight"})
            ),
            "SIG{signal}"
        );
        assert_eq!(profile_key.len(), 21, "SIG{signal}: {profile_key}");
        let status = server.child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "SIG{signal}");
    }
}
