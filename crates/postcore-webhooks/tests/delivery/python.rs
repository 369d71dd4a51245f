//! Runs the README's Python verifier (the `python` block of "Webhooks (receiver side)")
//! with `python3` on a request as the receiver got it: an implementation that shares no
//! code with ours.

use crate::receiver::Received;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The README's Python snippet.
fn readme_snippet() -> &'static str {
    let readme = include_str!("../../../../README.md");
    let section = readme
        .split("## Webhooks (receiver side)")
        .nth(1)
        .expect("README has the receiver section");
    let start = section.find("```python\n").expect("a python block") + "```python\n".len();
    let end = start + section[start..].find("```").expect("the block ends");
    &section[start..end]
}

/// Whether `python3` runs here; when it does not, says so once (one line per test run).
fn python3_is_installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        let found = Command::new("python3").arg("--version").output().is_ok();
        if !found {
            eprintln!("python3 is not installed: the README's Python verifier is not run");
        }
        found
    })
}

/// Asserts that the README's `verify_webhook(secret, headers, body, now)` answers
/// `expected` for `request`; skipped, with one line, where `python3` is not installed.
pub fn assert_verifies(secret: &str, request: &Received, now: i64, expected: bool) {
    if !python3_is_installed() {
        return;
    }
    let program = format!(
        "{}\nimport json, sys\nd = json.load(sys.stdin)\nprint(verify_webhook(d['secret'], d['headers'], bytes(d['body']), now=d['now']))\n",
        readme_snippet()
    );
    let input = serde_json::json!({
        "secret": secret,
        "headers": request.headers,
        "body": request.body,
        "now": now,
    });
    let mut child = Command::new("python3")
        .args(["-c", &program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        if expected { "True" } else { "False" },
        "python3: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
