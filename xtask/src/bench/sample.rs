//! The checked sample of each load scenario: one request of the scenario, sent over a plain
//! TCP connection just before its load, whose status, `Content-Type` and body shape are
//! verified (api.md §2, §4, §5) and whose bytes on the wire (head and body) are counted.

use super::wrk::Request;
use anyhow::{Context as _, Result, bail};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

/// Longest the sample exchange may wait for the server (connect, write, each read).
const SAMPLE_LIMIT: Duration = Duration::from_secs(60);
/// The most bytes a sample answer may take, head and body (the largest sample, the list of
/// 100 profiles, is about 50 KiB): a longer one is an error, never an unbounded read.
const MAX_ANSWER_BYTES: u64 = 16 * 1024 * 1024;

/// One HTTP/1.1 answer as it came over the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The status line, the header lines and the blank line, each ending in CRLF, as sent.
    pub head: String,
    /// Header names in lower case, values trimmed, in the order sent.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked when it came chunked.
    pub body: Vec<u8>,
    /// Bytes of the body on the wire (with the chunk framing when chunked).
    pub body_wire_bytes: usize,
}

impl Answer {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The header names, sorted (the framework's header map has no fixed order).
    pub fn header_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names
    }
}

/// Sends `request` to `base_url` (`http://host:port`) on a fresh connection, with `Host`
/// and, with a body, `Content-Length` (as wrk's `wrk.format` adds them), and reads the
/// answer.
///
/// # Errors
/// When the connection fails, times out (60 s) or the answer is not well-formed HTTP/1.1.
pub fn exchange(base_url: &str, request: &Request) -> Result<Answer> {
    let authority = base_url
        .strip_prefix("http://")
        .with_context(|| format!("not an http:// URL: {base_url}"))?;
    let mut stream =
        TcpStream::connect(authority).with_context(|| format!("connecting to {authority}"))?;
    stream.set_read_timeout(Some(SAMPLE_LIMIT))?;
    stream.set_write_timeout(Some(SAMPLE_LIMIT))?;
    let mut message = format!(
        "{} {} HTTP/1.1\r\nHost: {authority}\r\n",
        request.method, request.path
    );
    for (name, value) in &request.headers {
        message.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = &request.body {
        message.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    message.push_str("\r\n");
    message.push_str(request.body.as_deref().unwrap_or(""));
    stream.write_all(message.as_bytes())?;
    read_answer(&mut BufReader::new(stream.take(MAX_ANSWER_BYTES)))
        .with_context(|| format!("reading the answer to {} {}", request.method, request.path))
}

/// Reads one answer: status line, headers, then a body of `Content-Length` bytes or in
/// chunks (RFC 9112 §6, §7.1).
///
/// # Errors
/// When the stream ends early, a line is not UTF-8, the status line or a header line is
/// malformed, or the answer has neither length.
pub fn read_answer(r: &mut impl BufRead) -> Result<Answer> {
    let mut head = String::new();
    let status_line = read_line(r)?;
    let status = match status_line.split(' ').collect::<Vec<_>>()[..] {
        ["HTTP/1.1", code, ..] => code.parse::<u16>().ok(),
        _ => None,
    }
    .with_context(|| format!("not an HTTP/1.1 status line: {status_line:?}"))?;
    head.push_str(&status_line);
    let mut headers = Vec::new();
    loop {
        let line = read_line(r)?;
        head.push_str(&line);
        if line == "\r\n" {
            break;
        }
        let (name, value) = line
            .trim_end_matches("\r\n")
            .split_once(':')
            .with_context(|| format!("not a header line: {line:?}"))?;
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut answer = Answer {
        status,
        head,
        headers,
        body: Vec::new(),
        body_wire_bytes: 0,
    };
    if let Some(length) = answer.header("content-length") {
        let length: usize = length
            .parse()
            .with_context(|| format!("Content-Length {length:?}"))?;
        anyhow::ensure!(
            length as u64 <= MAX_ANSWER_BYTES,
            "Content-Length {length} is above the sample limit of {MAX_ANSWER_BYTES} bytes"
        );
        answer.body = vec![0; length];
        r.read_exact(&mut answer.body)?;
        answer.body_wire_bytes = length;
    } else if answer.header("transfer-encoding") == Some("chunked") {
        loop {
            let size_line = read_line(r)?;
            answer.body_wire_bytes += size_line.len();
            let size = size_line.trim_end_matches("\r\n");
            let size = size.split(';').next().unwrap_or(size);
            let size = usize::from_str_radix(size.trim(), 16)
                .with_context(|| format!("not a chunk size: {size_line:?}"))?;
            if size == 0 {
                loop {
                    let trailer = read_line(r)?;
                    answer.body_wire_bytes += trailer.len();
                    if trailer == "\r\n" {
                        break;
                    }
                }
                break;
            }
            anyhow::ensure!(
                (answer.body.len() + size) as u64 <= MAX_ANSWER_BYTES,
                "the chunked body passes the sample limit of {MAX_ANSWER_BYTES} bytes"
            );
            let mut chunk = vec![0; size + 2];
            r.read_exact(&mut chunk)?;
            anyhow::ensure!(chunk.ends_with(b"\r\n"), "a chunk does not end in CRLF");
            answer.body.extend_from_slice(&chunk[..size]);
            answer.body_wire_bytes += chunk.len();
        }
    } else {
        bail!("the answer has neither Content-Length nor chunked Transfer-Encoding");
    }
    Ok(answer)
}

/// One line with its CRLF; an error at the end of the stream.
fn read_line(r: &mut impl BufRead) -> Result<String> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 || !line.ends_with("\r\n") {
        bail!("the answer ended early (after {line:?})");
    }
    Ok(line)
}

/// What a scenario's sample answer must hold besides its status and `Content-Type:
/// application/json` (api.md §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// `GET /profiles/{key}` (api.md §5.2) of a seeded profile: `{"profile": {"profileKey":
    /// key, "profileName", "createdAt"}, "connectedPlatforms": [bluesky, linkedin]}`, each
    /// connection with exactly the fields of §2.
    Profile { key: String },
    /// `GET /profiles` (§5.1) of a seeded account: `{"profiles": [...]}` with exactly
    /// `count` profiles, each with the four Profile fields and the seeded bluesky and
    /// linkedin connections.
    List { count: usize },
    /// `POST /profiles/create` (§5.3): `{"profileKey": "prof_" + 16 of [a-z0-9],
    /// "profileName": name}`.
    Created { name: String },
    /// `POST /profiles/connect` for Bluesky (§5.5): `{"profileKey": key, …}` with the
    /// Connected Platform fields of `handle` (`displayName` and `username` the handle,
    /// `expiresAt` and `daysUntilExpiry` null, `needsReconnect` false).
    Connected { key: String, handle: String },
    /// Exactly these bytes: the 401 body of §4, or the limit server's copy of scenario 2's.
    Bytes(Vec<u8>),
}

/// The §4 body of a 401 for an unknown API key.
pub const INVALID_API_KEY_BODY: &str = r#"{"error":"INVALID_API_KEY","message":"Invalid API key"}"#;

/// The fields of a Connected Platform (api.md §2), sorted.
const CONNECTION_FIELDS: [&str; 7] = [
    "connectedAt",
    "daysUntilExpiry",
    "displayName",
    "expiresAt",
    "needsReconnect",
    "platform",
    "username",
];

/// Whether `answer` has status `expected`, `Content-Type: application/json` and `shape`.
///
/// # Errors
/// What differs, with the start of the body (no request header is quoted: they hold the
/// API key).
pub fn check(answer: &Answer, expected: u16, shape: &Shape) -> Result<(), String> {
    if answer.status != expected {
        return Err(format!(
            "status {}, expected {expected}; body {}",
            answer.status,
            excerpt(&answer.body)
        ));
    }
    match answer.header("content-type") {
        Some("application/json") => {}
        other => return Err(format!("Content-Type {other:?}, expected application/json")),
    }
    if let Shape::Bytes(bytes) = shape {
        return if &answer.body == bytes {
            Ok(())
        } else {
            Err(format!(
                "body {} differs from the expected {}",
                excerpt(&answer.body),
                excerpt(bytes)
            ))
        };
    }
    let v: Value = serde_json::from_slice(&answer.body)
        .map_err(|e| format!("body is not JSON ({e}): {}", excerpt(&answer.body)))?;
    match shape {
        Shape::Profile { key } => {
            fields(&v, "the answer", &["connectedPlatforms", "profile"])?;
            fields(
                &v["profile"],
                "profile",
                &["createdAt", "profileKey", "profileName"],
            )?;
            equal(&v["profile"]["profileKey"], key, "profile.profileKey")?;
            seeded_connections(&v["connectedPlatforms"])
        }
        Shape::List { count } => {
            fields(&v, "the answer", &["profiles"])?;
            let profiles = v["profiles"].as_array().ok_or("profiles is not an array")?;
            if profiles.len() != *count {
                return Err(format!("{} profiles, expected {count}", profiles.len()));
            }
            for p in profiles {
                fields(
                    p,
                    "a profile",
                    &[
                        "connectedPlatforms",
                        "createdAt",
                        "profileKey",
                        "profileName",
                    ],
                )?;
                seeded_connections(&p["connectedPlatforms"])?;
            }
            Ok(())
        }
        Shape::Created { name } => {
            fields(&v, "the answer", &["profileKey", "profileName"])?;
            equal(&v["profileName"], name, "profileName")?;
            let key = v["profileKey"].as_str().unwrap_or_default();
            let tail = key.strip_prefix("prof_").unwrap_or_default();
            if tail.len() == 16
                && tail
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            {
                Ok(())
            } else {
                Err(format!(
                    "profileKey {} is not prof_ + 16 of [a-z0-9]",
                    v["profileKey"]
                ))
            }
        }
        Shape::Connected { key, handle } => {
            let mut expected_fields = CONNECTION_FIELDS.to_vec();
            expected_fields.push("profileKey");
            expected_fields.sort_unstable();
            fields(&v, "the answer", &expected_fields)?;
            equal(&v["profileKey"], key, "profileKey")?;
            equal(&v["platform"], "bluesky", "platform")?;
            equal(&v["displayName"], handle, "displayName")?;
            equal(&v["username"], handle, "username")?;
            if !v["connectedAt"].is_string() {
                return Err(format!("connectedAt {} is not a string", v["connectedAt"]));
            }
            for (field, value) in [
                ("expiresAt", Value::Null),
                ("daysUntilExpiry", Value::Null),
                ("needsReconnect", Value::Bool(false)),
            ] {
                if v[field] != value {
                    return Err(format!("{field} {}, expected {value}", v[field]));
                }
            }
            Ok(())
        }
        Shape::Bytes(_) => unreachable!("handled above"),
    }
}

/// `v` is an object with exactly `expected` (sorted) fields.
fn fields(v: &Value, what: &str, expected: &[&str]) -> Result<(), String> {
    let object = v
        .as_object()
        .ok_or_else(|| format!("{what} is not an object: {v}"))?;
    let mut names: Vec<&str> = object.keys().map(String::as_str).collect();
    names.sort_unstable();
    if names == expected {
        Ok(())
    } else {
        Err(format!(
            "{what} has fields {names:?}, expected {expected:?}"
        ))
    }
}

/// `v` is the string `expected`.
fn equal(v: &Value, expected: &str, what: &str) -> Result<(), String> {
    if v.as_str() == Some(expected) {
        Ok(())
    } else {
        Err(format!("{what} {v}, expected {expected:?}"))
    }
}

/// `v` is the seeded connections (see `seed.rs`): a bluesky then a linkedin one, each with
/// exactly the Connected Platform fields.
fn seeded_connections(v: &Value) -> Result<(), String> {
    let connections = v
        .as_array()
        .ok_or_else(|| format!("connectedPlatforms is not an array: {v}"))?;
    let platforms: Vec<&Value> = connections.iter().map(|c| &c["platform"]).collect();
    if platforms != [&Value::from("bluesky"), &Value::from("linkedin")] {
        return Err(format!(
            "connectedPlatforms are {platforms:?}, expected bluesky then linkedin"
        ));
    }
    connections
        .iter()
        .try_for_each(|c| fields(c, "a connection", &CONNECTION_FIELDS))
}

/// The start of `body` (at most 160 characters), for messages.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(160) {
        Some((i, _)) => format!("{:?}…", &text[..i]),
        None => format!("{text:?}"),
    }
}

/// The `x-request-id` the limit server sends: fixed, as long as a hyphenated UUID.
pub const FIXED_REQUEST_ID: &str = "00000000-0000-4000-8000-000000000000";

/// Headers the framework writes itself, so not passed to the limit server.
const FRAMEWORK_HEADERS: [&str; 4] = ["connection", "content-length", "date", "transfer-encoding"];

/// The headers file of the limit server (`name: value` lines): those of `answer` (scenario
/// 2's sample) except the framework's own, with `x-request-id` replaced by
/// [`FIXED_REQUEST_ID`].
///
/// # Errors
/// When `answer` has no `x-request-id` of a hyphenated UUID's length (36).
pub fn limit_headers(answer: &Answer) -> Result<String> {
    match answer.header("x-request-id") {
        Some(id) if id.len() == FIXED_REQUEST_ID.len() => {}
        other => bail!("scenario 2's answer has no x-request-id of 36 characters: {other:?}"),
    }
    Ok(answer
        .headers
        .iter()
        .filter(|(name, _)| !FRAMEWORK_HEADERS.contains(&name.as_str()))
        .map(|(name, value)| match name.as_str() {
            "x-request-id" => format!("{name}: {FIXED_REQUEST_ID}\n"),
            _ => format!("{name}: {value}\n"),
        })
        .collect())
}

#[cfg(test)]
mod tests;
