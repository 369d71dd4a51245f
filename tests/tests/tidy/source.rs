//! Source scans for the invariants a manifest cannot show: the domain reads no clock and
//! does no IO; the webhook core reads no clock; SQL is written only in the store and its
//! migrations; only the store names a database driver. Each rule is a pure function of (path, text), tried on planted files.

use crate::dependencies::{DATABASE_DRIVERS, FORBIDDEN_IN_DOMAIN};
use crate::rust_text::{self, Path, Tokens};
use std::fmt;
use std::sync::OnceLock;

/// The rule a finding breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// The domain does no IO and never reads the clock (ARCHITECTURE.md).
    PureDomain,
    /// The webhook core takes `now` as an argument and never reads the clock.
    WebhooksTakeNow,
    /// Only the store names SQL.
    SqlInStore,
    /// Only the store names a database driver.
    DriverInStore,
}

/// One line of source against one rule.
#[derive(Debug, PartialEq)]
pub struct Finding {
    /// Relative to the workspace root, `/`-separated.
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// The rule it breaks.
    pub rule: Rule,
    /// What is wrong, e.g. "reads the clock (`Utc::now`)".
    pub what: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.what)
    }
}

/// The domain's source, held to [`Rule::PureDomain`] (its tests may use what they like).
const DOMAIN_SOURCE: &str = "crates/postcore-domain/src/";

/// The webhook core's source, held to [`Rule::WebhooksTakeNow`] (its tests may time
/// themselves).
const WEBHOOKS_SOURCE: &str = "crates/postcore-webhooks/src/";

/// Clocks whose `now` reads the system's time.
const CLOCKS: &[&str] = &["Utc", "Local", "SystemTime", "Instant"];

/// Modules of `std` that do IO (files, sockets, the environment, processes, threads).
const IO_MODULES: &[&str] = &["fs", "net", "io", "env", "process", "os", "thread"];

/// Where SQL may be written: the store (its tests included) and the migrations; and the
/// tidy test's own files, whose planted SQL tries the scanner. tests/ and xtask hold none:
/// they reach the database through the binaries (`postcore-admin check`, `import`) and the
/// store's API only.
fn may_hold_sql(file: &str) -> bool {
    ["crates/postcore-store/", "migrations/", "tests/tests/tidy/"]
        .iter()
        .any(|dir| file.starts_with(dir))
}

/// Where a database driver may be named: the store (design.md), and the store's
/// test-support crate `postcore-powerloss`, an SQLite VFS written on `rusqlite::ffi` that
/// only the store's tests use.
fn may_name_a_driver(file: &str) -> bool {
    ["crates/postcore-store/", "crates/postcore-powerloss/"]
        .iter()
        .any(|dir| file.starts_with(dir))
}

/// Every finding in the file `file` (relative path) holding `text`: `.rs` files are read
/// as Rust, `.sql` files count as SQL.
pub fn check(file: &str, text: &str) -> Vec<Finding> {
    let found = |line, rule, what: String| Finding {
        file: file.to_owned(),
        line,
        rule,
        what,
    };
    if file.ends_with(".sql") {
        return match may_hold_sql(file) {
            true => Vec::new(),
            false => vec![found(1, Rule::SqlInStore, "an SQL file".into())],
        };
    }
    let tokens = rust_text::read(text).unwrap_or_else(|e| panic!("{file} does not lex: {e}"));
    let mut findings = Vec::new();
    if file.starts_with(DOMAIN_SOURCE) {
        findings.extend(impurities(&tokens).map(|(l, w)| found(l, Rule::PureDomain, w)));
    }
    if file.starts_with(WEBHOOKS_SOURCE) {
        findings.extend(clock_reads(&tokens).map(|(l, w)| found(l, Rule::WebhooksTakeNow, w)));
    }
    if !may_hold_sql(file) {
        findings.extend(sql(&tokens).map(|(l, w)| found(l, Rule::SqlInStore, w)));
    }
    if !may_name_a_driver(file) {
        findings.extend(drivers(&tokens).map(|(l, w)| found(l, Rule::DriverInStore, w)));
    }
    findings.sort_by(|a, b| (a.line, &a.what).cmp(&(b.line, &b.what)));
    findings.dedup();
    findings
}

/// The crate a path names: the first segment of a path of two or more segments, or the
/// one segment after `use` or `extern crate`.
fn crates_named(paths: &[Path]) -> impl Iterator<Item = (usize, &str)> {
    paths.iter().enumerate().filter_map(|(i, path)| {
        let after_keyword =
            i > 0 && matches!(paths[i - 1].segments.as_slice(), [k] if k == "use" || k == "crate");
        (path.segments.len() > 1 || after_keyword).then(|| (path.line, path.segments[0].as_str()))
    })
}

/// Reads of a clock (`Utc::now`, `Instant::now`, …).
fn clock_reads(tokens: &Tokens) -> impl Iterator<Item = (usize, String)> + '_ {
    tokens.paths.iter().flat_map(|path| {
        path.segments
            .windows(2)
            .filter(|w| CLOCKS.contains(&w[0].as_str()) && w[1] == "now")
            .map(|w| (path.line, format!("reads the clock (`{}::now`)", w[0])))
    })
}

/// Clock reads, IO modules and forbidden crates in the domain's code.
fn impurities(tokens: &Tokens) -> impl Iterator<Item = (usize, String)> {
    let clock_reads = clock_reads(tokens);
    let io = tokens
        .paths
        .iter()
        .filter_map(|path| match path.segments.as_slice() {
            [std, module, ..] if std == "std" && IO_MODULES.contains(&module.as_str()) => {
                Some((path.line, format!("does IO (`std::{module}`)")))
            }
            _ => None,
        });
    let crates = crates_named(&tokens.paths)
        .filter(|(_, name)| FORBIDDEN_IN_DOMAIN.contains(&name.replace('_', "-").as_str()))
        .map(|(line, name)| {
            (
                line,
                format!("names `{name}`, an IO, async, web or database crate"),
            )
        });
    clock_reads
        .chain(io)
        .chain(crates)
        .collect::<Vec<_>>()
        .into_iter()
}

/// Database drivers named in code.
fn drivers(tokens: &Tokens) -> impl Iterator<Item = (usize, String)> {
    crates_named(&tokens.paths)
        .filter(|(_, name)| DATABASE_DRIVERS.contains(&name.replace('_', "-").as_str()))
        .map(|(line, name)| (line, format!("names the database driver `{name}`")))
        .collect::<Vec<_>>()
        .into_iter()
}

/// String literals shaped like SQL.
fn sql(tokens: &Tokens) -> impl Iterator<Item = (usize, String)> {
    tokens
        .strings
        .iter()
        .filter_map(|s| sql_shape(&s.value).map(|shape| (s.line, format!("holds SQL ({shape})"))))
        .collect::<Vec<_>>()
        .into_iter()
}

/// What a schema statement acts on.
const SCHEMA_OBJECTS: &[&str] = &["TABLE", "INDEX", "TRIGGER", "VIEW"];

/// The first SQL shape in `text`, or `None`. Keywords count in capitals only, as the
/// project writes SQL (the store's own statements try the shapes, see below), so that an
/// HTTP method (`"DELETE"`) or prose never counts.
fn sql_shape(text: &str) -> Option<String> {
    if text.trim_end().ends_with(".sql") {
        return Some("names a `.sql` file".to_owned());
    }
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let at = |i: usize| words.get(i).copied().unwrap_or("");
    (0..words.len()).find_map(|i| {
        let (word, next) = (at(i), at(i + 1));
        let object = if SCHEMA_OBJECTS.contains(&next) {
            next
        } else if matches!(next, "UNIQUE" | "TEMP" | "TEMPORARY" | "VIRTUAL") {
            at(i + 2)
        } else {
            ""
        };
        let shape = match word {
            "SELECT" if words[i..].contains(&"FROM") => "SELECT … FROM",
            "INSERT" if next == "INTO" || (next == "OR" && at(i + 3) == "INTO") => "INSERT INTO",
            "REPLACE" if next == "INTO" => "REPLACE INTO",
            "DELETE" if next == "FROM" => "DELETE FROM",
            "UPDATE" if at(i + 2) == "SET" || at(i + 3) == "SET" => "UPDATE … SET",
            "CREATE" | "DROP" | "ALTER" if SCHEMA_OBJECTS.contains(&object) => {
                return Some(format!("{word} {object}"));
            }
            "PRAGMA" if !next.is_empty() => "PRAGMA",
            "BEGIN" if matches!(next, "IMMEDIATE" | "EXCLUSIVE" | "DEFERRED" | "TRANSACTION") => {
                "BEGIN"
            }
            _ => return None,
        };
        Some(shape.to_owned())
    })
}

/// Findings that the design allows, each with its reason: (rule, file, what, why). Each
/// must be found exactly once, so that a stale one fails too.
const EXCUSED: &[(Rule, &str, &str, &str)] = &[(
    Rule::PureDomain,
    "crates/postcore-domain/src/clock.rs",
    "reads the clock (`Utc::now`)",
    "`SystemClock`, the one clock the binaries hand in; no rule calls it (design.md, Time)",
)];

/// Every finding in the workspace's `.rs` and `.sql` files, excused ones included.
fn workspace_findings() -> &'static [Finding] {
    static FINDINGS: OnceLock<Vec<Finding>> = OnceLock::new();
    FINDINGS.get_or_init(|| {
        let files = crate::workspace_files(&["rs", "sql"]);
        assert!(files.len() > 100, "found only {} files", files.len());
        files
            .iter()
            .flat_map(|(name, path)| check(name, &std::fs::read_to_string(path).unwrap()))
            .collect()
    })
}

/// Asserts that the workspace breaks `rule` nowhere but where [`EXCUSED`] allows, and
/// that every excuse of `rule` is used exactly once.
fn holds(rule: Rule) {
    let excused = |f: &Finding| {
        EXCUSED
            .iter()
            .any(|(r, file, what, _)| *r == rule && f.file == *file && f.what == *what)
    };
    let findings: Vec<_> = workspace_findings()
        .iter()
        .filter(|f| f.rule == rule)
        .collect();
    let bad: Vec<_> = findings
        .iter()
        .filter(|f| !excused(f))
        .map(ToString::to_string)
        .collect();
    assert!(
        bad.is_empty(),
        "against ARCHITECTURE.md's invariants: {bad:#?}"
    );
    for (_, file, what, _) in EXCUSED.iter().filter(|(r, ..)| *r == rule) {
        let used = findings
            .iter()
            .filter(|f| f.file == *file && f.what == *what)
            .count();
        assert_eq!(
            used, 1,
            "{file}: `{what}` is excused, and found {used} times"
        );
    }
}

#[test]
fn the_domain_source_reads_no_clock_and_does_no_io() {
    holds(Rule::PureDomain);
}

#[test]
fn the_webhook_core_source_reads_no_clock() {
    holds(Rule::WebhooksTakeNow);
}

#[test]
fn a_clock_read_in_the_webhook_core_is_reported_and_its_tests_may_time_themselves() {
    let text = "//! Retry.\nfn next() { let _ = std::time::Instant::now(); chrono::Utc::now(); }\n";
    let expected = [
        (2, "reads the clock (`Instant::now`)".to_owned()),
        (2, "reads the clock (`Utc::now`)".to_owned()),
    ];
    assert_eq!(
        planted("crates/postcore-webhooks/src/retry.rs", text),
        expected
    );
    assert_eq!(
        planted("crates/postcore-webhooks/tests/delivery/main.rs", text),
        []
    );
}

#[test]
fn sql_is_written_only_in_the_store_and_the_migrations() {
    holds(Rule::SqlInStore);
    // The shapes find the project's real SQL: every statement module of the store.
    for module in [
        "accounts",
        "connections",
        "oauth",
        "profiles",
        "refresh",
        "writer",
    ] {
        let file = format!("crates/postcore-store/src/sqlite/{module}.rs");
        let text = std::fs::read_to_string(crate::workspace_root().join(&file)).unwrap();
        let found = sql(&rust_text::read(&text).unwrap()).count();
        assert!(
            found > 0,
            "no SQL found in {file}: the shapes miss the store's style"
        );
    }
}

#[test]
fn only_the_store_source_names_a_database_driver() {
    holds(Rule::DriverInStore);
    let text = std::fs::read_to_string(
        crate::workspace_root().join("crates/postcore-store/src/sqlite/schema.rs"),
    )
    .unwrap();
    let found: Vec<_> = drivers(&rust_text::read(&text).unwrap()).collect();
    assert!(
        found.iter().any(|(_, what)| what.contains("`rusqlite`")),
        "the scan finds no driver in the store: {found:?}"
    );
}

/// The findings of `text` planted at `file`, as `(line, what)`.
fn planted(file: &str, text: &str) -> Vec<(usize, String)> {
    check(file, text)
        .into_iter()
        .map(|f| (f.line, f.what))
        .collect()
}

const EXPIRY: &str = "crates/postcore-domain/src/expiry.rs";

#[test]
fn a_clock_read_or_io_in_the_domain_is_reported() {
    let text = "//! Expiry.\nfn days(now: T) -> i64 {\n    let _ = std::fs::read(\"x\");\n    \
                chrono::Utc::now().timestamp()\n}\n";
    let expected = [
        (3, "does IO (`std::fs`)".to_owned()),
        (4, "reads the clock (`Utc::now`)".to_owned()),
    ];
    assert_eq!(planted(EXPIRY, text), expected);
    // The same code is no business of this rule outside the domain's source.
    assert_eq!(planted("crates/postcore-http/src/cli.rs", text), []);
    assert_eq!(planted("crates/postcore-domain/tests/expiry.rs", text), []);
}

#[test]
fn every_clock_io_module_and_runtime_is_reported_however_it_is_imported() {
    let text = "use std::{net::TcpStream, time::{Instant, SystemTime}};\n\
                use chrono::Local;\n\
                fn f() { Local::now(); SystemTime::now(); Instant::now(); }\n\
                #[tokio::test]\nasync fn g() { std::env::var(\"X\"); }\n";
    let expected = [
        (1, "does IO (`std::net`)"),
        (3, "reads the clock (`Instant::now`)"),
        (3, "reads the clock (`Local::now`)"),
        (3, "reads the clock (`SystemTime::now`)"),
        (4, "names `tokio`, an IO, async, web or database crate"),
        (5, "does IO (`std::env`)"),
    ];
    assert_eq!(
        planted(EXPIRY, text),
        expected.map(|(l, w)| (l, w.to_owned()))
    );
}

#[test]
fn mentions_in_comments_doc_comments_and_strings_are_not_reported() {
    let text = "//! Never calls Utc::now() or std::fs.\n/// Not `tokio::spawn`: \
                SELECT x FROM y, rusqlite::Connection.\n// Utc::now()\n\
                const HINT: &str = \"std::fs::read and Utc::now() and rusqlite::Connection\";\n";
    assert_eq!(planted(EXPIRY, text), []);
}

#[test]
fn sql_outside_the_store_and_the_migrations_is_reported() {
    let text = r#"//! Routes.
const A: &str = "SELECT id, name FROM profiles WHERE id = ?1";
const B: &str = "INSERT OR IGNORE INTO t (x) VALUES (1)";
const C: &str = "UPDATE profiles SET name = ?1";
const D: &str = "DELETE FROM t";
const E: &str = "CREATE UNIQUE INDEX i ON t (x)";
const F: &str = "PRAGMA synchronous = OFF";
const G: &str = include_str!("../../migrations/sqlite/0001_initial.sql");
"#;
    let expected = [
        (2, "holds SQL (SELECT … FROM)"),
        (3, "holds SQL (INSERT INTO)"),
        (4, "holds SQL (UPDATE … SET)"),
        (5, "holds SQL (DELETE FROM)"),
        (6, "holds SQL (CREATE INDEX)"),
        (7, "holds SQL (PRAGMA)"),
        (8, "holds SQL (names a `.sql` file)"),
    ];
    let expected = expected.map(|(l, w)| (l, w.to_owned()));
    for file in [
        "crates/postcore-http/src/routes/x.rs",
        "tests/tests/api/x.rs",
        "xtask/src/x.rs",
    ] {
        assert_eq!(planted(file, text), expected, "{file}");
    }
    assert_eq!(planted("crates/postcore-store/src/sqlite/x.rs", text), []);
    assert_eq!(planted("crates/postcore-store/tests/x.rs", text), []);
    assert_eq!(
        planted("migrations/sqlite/0009_x.sql", "CREATE TABLE x (y);"),
        []
    );
    assert_eq!(
        planted("xtask/src/crash/check.sql", "SELECT 1;"),
        [(1, "an SQL file".to_owned())]
    );
}

#[test]
fn http_methods_and_prose_are_not_sql() {
    let text = r#"//! Tests.
/// Runs `PRAGMA integrity_check`.
fn f() {
    request("DELETE", "/profiles/x", None);
    request("SELECT", "/", None);
    let _ = "Select the profile to delete from the list, then update the name and set it.";
    let _ = "UPDATE";
}
"#;
    assert_eq!(planted("tests/tests/api/x.rs", text), []);
}

#[test]
fn a_database_driver_named_outside_the_store_is_reported() {
    let text = "//! Auth.\nuse rusqlite::Connection;\nuse tokio_postgres;\n\
                fn f() { let _ = sqlx::query(\"x\"); }\n";
    let expected = [
        (2, "names the database driver `rusqlite`"),
        (3, "names the database driver `tokio_postgres`"),
        (4, "names the database driver `sqlx`"),
    ];
    let expected = expected.map(|(l, w)| (l, w.to_owned()));
    assert_eq!(planted("crates/postcore-http/src/auth.rs", text), expected);
    assert_eq!(planted("tests/tests/api/x.rs", text), expected);
    assert_eq!(planted("crates/postcore-store/src/sqlite/x.rs", text), []);
}
