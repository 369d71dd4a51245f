//! Harness for end-to-end runs of the `postcore-admin` binary against temporary databases.
//!
//! [`Admin::new`] makes a temporary directory with a database path and a fixed secret key
//! (given to the binary as `POSTCORE_SECRET_KEY`, as an operator would); [`Admin::run`]
//! runs the real binary there and captures its exit code, stdout and stderr;
//! [`Admin::store`] opens the same database through `postcore-store` to check what the
//! binary wrote.

use postcore_domain::{Platform, ProfileKey};
use postcore_store::{
    AccountId, Credentials, ProfileRecord, Repository, SecretKeySource, SecretString, StoreConfig,
};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

/// The test secret key: base64 of 32 bytes.
pub const SECRET_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// The environment variables the binary reads; cleared so that the caller's do not leak in.
const ENV: [&str; 7] = [
    "POSTCORE_DATABASE",
    "POSTCORE_SECRET_KEY",
    "POSTCORE_SECRET_KEY_FILE",
    "POSTCORE_MIGRATE_TO",
    "POSTCORE_MIGRATE_TO_SECRET_KEY_FILE",
    "POSTCORE_WEBHOOK_ALLOW_PRIVATE",
    "POSTCORE_WEBHOOK_RETENTION_DAYS",
];

/// The `postcore-admin` executable cargo built for this test binary: cargo builds a
/// package's binaries before its integration tests and names each in `CARGO_BIN_EXE_<name>`.
const BINARY: &str = env!("CARGO_BIN_EXE_postcore-admin");

/// What one run of the binary did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
}

impl From<std::process::Output> for Run {
    fn from(out: std::process::Output) -> Self {
        Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }
}

impl Run {
    /// Asserts the exit code and that stdout is empty, and returns stderr.
    pub fn failed(self, code: i32) -> String {
        assert_eq!((self.code, self.stdout.as_str()), (code, ""), "{self:?}");
        self.stderr
    }
}

/// A temporary directory with a database path for the binary to work on.
#[derive(Debug)]
pub struct Admin {
    dir: tempfile::TempDir,
    database: PathBuf,
}

impl Default for Admin {
    fn default() -> Self {
        Self::new()
    }
}

impl Admin {
    /// A fresh directory; the database file does not exist yet.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let database = dir.path().join("postcore.db");
        Self { dir, database }
    }

    /// The temporary directory (the binary's working directory).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The database file.
    pub fn database(&self) -> &Path {
        &self.database
    }

    /// A command for the binary with `--database` and the secret key in the environment.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(BINARY);
        for var in ENV {
            cmd.env_remove(var);
        }
        cmd.env("POSTCORE_DATABASE", &self.database)
            .env("POSTCORE_SECRET_KEY", SECRET_KEY)
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    /// Runs the binary with `args`, stdin empty.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "")
    }

    /// Runs the binary with `args`, writing `stdin` to its standard input.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("postcore-admin starts");
        // A command that does not read stdin may exit first; a broken pipe is fine then.
        let _ = child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(stdin.as_bytes());
        Run::from(child.wait_with_output().expect("postcore-admin finishes"))
    }

    /// Runs the binary, asserts exit 0, and returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(run.code, 0, "postcore-admin {args:?} failed: {run:?}");
        run.stdout
    }

    /// Opens the database (or another file, e.g. a backup) through the store, with the
    /// test secret key.
    pub async fn open(path: &Path) -> Arc<dyn Repository> {
        Self::open_url(&path.display().to_string()).await
    }

    /// Opens the database at `url` (a path or a PostgreSQL URL) with the test secret key.
    pub async fn open_url(url: &str) -> Arc<dyn Repository> {
        postcore_store::open(StoreConfig {
            database_url: url.to_owned(),
            secret_key: SecretKeySource::Base64(SecretString::from(SECRET_KEY)),
        })
        .await
        .expect("the database opens")
    }

    /// The database through the store.
    pub async fn store(&self) -> Arc<dyn Repository> {
        Self::open(&self.database).await
    }

    /// The store with the account's id and the parsed profile key, for the readers below.
    async fn owner(
        &self,
        account: &str,
        key: &str,
    ) -> (Arc<dyn Repository>, AccountId, ProfileKey) {
        let store = self.store().await;
        let account = store
            .find_account(
                &postcore_domain::AccountName::parse(account).expect("fixture account name"),
            )
            .await
            .expect("the account exists");
        let key = ProfileKey::parse(key).expect("a well-formed profile key");
        (store, account.id, key)
    }

    /// The profile `key` of `account`, read through the store.
    pub async fn profile(&self, account: &str, key: &str) -> ProfileRecord {
        let (store, account, key) = self.owner(account, key).await;
        store
            .get_profile(account, &key)
            .await
            .expect("the profile exists")
    }

    /// The decrypted credentials of one connection, read through the store.
    pub async fn credentials(&self, account: &str, key: &str, platform: Platform) -> Credentials {
        let (store, account, key) = self.owner(account, key).await;
        let found = store.credentials(account, &key, platform).await;
        found.expect("the connection exists")
    }
}

/// The seed document's `GET /profiles` response, cut verbatim from
/// `crates/postcore-admin/tests/fixtures/seed-profiles.txt` (a byte-for-byte copy of `shared/spec/seed-profiles.txt`,
/// kept in the repository so that a clean clone tests without the shared folder).
pub fn seed_list_response() -> String {
    let text = include_str!("../fixtures/seed-profiles.txt");
    let start = text
        .find("{\n\"profiles\": [")
        .expect("the seed has a GET /profiles response");
    let len = text[start..]
        .find("Status Code:")
        .expect("the response is followed by its status code");
    text[start..start + len].to_owned()
}
