//! The gate's contract check: schemathesis (pinned, from PyPI, in a virtualenv under the
//! target directory) runs every check it has against the debug `postcore` server's own
//! `/openapi.json` (api.md §5.8), on a temporary database with one seeded API key, with
//! Bluesky verified by the stand-in and LinkedIn configured against a closed port (no
//! generated request can complete a LinkedIn flow, so nothing calls it). 0 failures.
//!
//! The API key goes to schemathesis in an env var that its config file names
//! (`${POSTCORE_SCHEMATHESIS_KEY}`): never on a command line, never printed; schemathesis
//! masks `x-api-key` and `apiKey` in what it prints.

use crate::process::{self, Profile, Server};
use anyhow::{Context as _, Result, bail};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The schemathesis release the gate installs (`pip install schemathesis==VERSION`).
pub const VERSION: &str = "4.32.5";

/// Test cases per operation and phase, and the seed: the same cases on every run, and a
/// run of about a minute on 2 cores.
pub const MAX_EXAMPLES: u32 = 30;
/// The fixed seed of the gate's run.
pub const SEED: u64 = 20261130;

/// The longest the run may take before the gate calls it failed.
const RUN_LIMIT: Duration = Duration::from_secs(600);

/// Whether the gate can run schemathesis here: it needs `python3` with `venv` (pip comes
/// with it). Like the bench smoke run without wrk, it is skipped, with the reason, when not.
#[derive(Debug, PartialEq, Eq)]
pub enum Contract {
    /// Run with this interpreter.
    Run(PathBuf),
    /// Skipped, with the reason printed on the skip line and in the summary.
    Skip(String),
}

/// The decision for a `PATH`-style list (`None` when `PATH` is unset): the first
/// executable `python3` whose `venv` module loads.
pub fn contract(path: Option<&OsStr>) -> Contract {
    let Some(python) = path
        .map(std::env::split_paths)
        .into_iter()
        .flatten()
        .map(|dir| dir.join("python3"))
        .find(|p| process::is_executable(p))
    else {
        return Contract::Skip("python3 not found on PATH".to_owned());
    };
    let venv = Command::new(&python)
        .args(["-c", "import venv, ensurepip"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match venv {
        Ok(status) if status.success() => Contract::Run(python),
        _ => Contract::Skip(format!(
            "{} has no venv/ensurepip module (Debian: apt-get install -y python3-venv)",
            python.display()
        )),
    }
}

/// The virtualenv's directory: `<target>/schemathesis-venv`.
fn venv_dir() -> PathBuf {
    process::target_dir().join("schemathesis-venv")
}

/// Creates the virtualenv and installs schemathesis [`VERSION`] into it, unless it is
/// already there; returns the `schemathesis` executable.
fn install(python: &Path) -> Result<PathBuf> {
    let venv = venv_dir();
    let st = venv.join("bin").join("schemathesis");
    let installed = Command::new(&st)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if installed.as_deref() == Some(&format!("schemathesis, version {VERSION}")) {
        return Ok(st);
    }
    eprintln!(
        "xtask ci: installing schemathesis {VERSION} into {}",
        venv.display()
    );
    run(Command::new(python)
        .args(["-m", "venv", "--clear"])
        .arg(&venv))?;
    run(Command::new(venv.join("bin").join("pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("schemathesis=={VERSION}"),
    ]))?;
    Ok(st)
}

/// Runs `cmd` to its end, failing on a non-zero exit.
fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd.status().with_context(|| format!("running {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

/// schemathesis's settings: the key by env var for both security schemes, and the
/// operations where a schema-valid request is refused by design (see
/// [`POSITIVE_DATA_EXCEPTIONS`]).
fn config() -> String {
    let mut config = String::from(
        "# Written by `cargo xtask ci` (xtask/src/schemathesis.rs).\n\
         # Every check schemathesis has (the CLI's `--checks all` would override the\n\
         # per-operation exceptions below, so it is said here).\n\
         [checks]\n\
         enabled = true\n\
         [auth.openapi.apiKey]\n\
         api_key = \"${POSTCORE_SCHEMATHESIS_KEY}\"\n\
         [auth.openapi.apiKeyQuery]\n\
         api_key = \"${POSTCORE_SCHEMATHESIS_KEY}\"\n",
    );
    for (method, path, why) in POSITIVE_DATA_EXCEPTIONS {
        config.push_str(&format!(
            "\n# {why}\n[[operations]]\ninclude-method = \"{method}\"\ninclude-path = \"{path}\"\n\
             checks.positive_data_acceptance.enabled = false\n"
        ));
    }
    config
}

/// Operations that answer 400 to some schema-valid requests by design (api.md §4), so
/// `positive_data_acceptance` cannot hold there; every other check still runs on them.
pub const POSITIVE_DATA_EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/profiles/connect",
        "A well-formed handle and app password that Bluesky refuses: 400 INVALID_CREDENTIALS.",
    ),
    (
        "POST",
        "/profiles/connect/linkedin",
        "A well-formed returnUrl that is not on the account's allow-list: 400 VALIDATION_ERROR.",
    ),
    (
        "GET",
        "/profiles/connect",
        "A well-formed returnUrl that is not on the account's allow-list: 400 VALIDATION_ERROR.",
    ),
    (
        "POST",
        "/webhooks",
        "A well-formed URL the SSRF guard refuses (http, or a loopback, private or link-local host): 400 VALIDATION_ERROR.",
    ),
    (
        "POST",
        "/webhooks/{id}/rotate-secret",
        "A rotation while three retired secrets of the endpoint still sign (each for 24 hours after its rotation): 400 VALIDATION_ERROR.",
    ),
    (
        "GET",
        "/oauth/linkedin/callback",
        "A state that no flow issued (a generated one): 400, the page saying the link expired.",
    ),
];

/// Installs schemathesis if needed, starts the debug server with its stand-ins, and runs
/// schemathesis against it with `max_examples` cases per operation and phase (the gate:
/// [`MAX_EXAMPLES`]). Fails on any schemathesis failure.
pub fn run_contract(python: &Path, max_examples: u32) -> Result<()> {
    let st = install(python)?;
    let work = process::target_dir().join("schemathesis");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let database = work.join("postcore.db");
    let db = process::Database::Sqlite(database.clone());
    process::admin(Profile::Debug, &db, &["accounts", "create", "schemathesis"])?;
    let key = process::admin(
        Profile::Debug,
        &db,
        &[
            "keys",
            "create",
            "--account",
            "schemathesis",
            "--label",
            "schemathesis",
        ],
    )?;
    let bluesky = crate::standin::start(
        Profile::Debug,
        // The account of the document's example connect body, so that its example connects.
        &[crate::standin::Account {
            handle: "johndoe.bsky.social".into(),
            did: "did:plc:johndoe0000000000000000".into(),
            app_password: "abcd-efgh-ijkl-mnop".into(),
        }],
        &work.join("bluesky-standin.log"),
    )?;
    let server = start_server(&database, &work.join("postcore.log"), bluesky.url())?;
    let config_file = work.join("schemathesis.toml");
    std::fs::write(&config_file, config())?;
    let mut child = Command::new(&st)
        .arg("--config-file")
        .arg(&config_file)
        .args(["run", &format!("{}/openapi.json", server.base_url())])
        .args(["--max-examples", &max_examples.to_string()])
        .args(["--seed", &SEED.to_string()])
        .args(["--workers", "2", "--request-timeout", "10"])
        .arg("--report-dir")
        .arg(work.join("report"))
        .args(["--report", "junit"])
        .env("POSTCORE_SCHEMATHESIS_KEY", &key)
        .env("NO_COLOR", "1")
        .current_dir(&work)
        .stdin(Stdio::null())
        .spawn()
        .context("starting schemathesis")?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            bail!("schemathesis ran longer than {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(server);
    if !status.success() {
        bail!(
            "schemathesis found failures ({status}); the server's log is {}",
            work.join("postcore.log").display()
        );
    }
    eprintln!(
        "xtask ci: schemathesis {VERSION}: 0 failures in {:.0?}",
        started.elapsed()
    );
    Ok(())
}

/// `postcore serve` on a free port for the run: Bluesky at the stand-in, LinkedIn
/// configured against closed loopback ports, rate limits off (the run sends thousands of
/// requests with one key, and a 429 would hide what is under it).
fn start_server(database: &Path, log: &Path, bluesky: &str) -> Result<Server> {
    let port = process::free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let closed = "http://127.0.0.1:9";
    let child = Command::new(process::binary(Profile::Debug, "postcore"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database",
        ])
        .arg(database)
        .args(["--bluesky-service", bluesky])
        .env("POSTCORE_LOG", "warn")
        .env("POSTCORE_PUBLIC_URL", &base)
        .env("POSTCORE_LINKEDIN_CLIENT_ID", "schemathesis")
        .env(
            "POSTCORE_LINKEDIN_CLIENT_SECRET",
            "schemathesis-not-a-secret",
        )
        .env(
            "POSTCORE_LINKEDIN_AUTHORIZE_URL",
            format!("{closed}/authorize"),
        )
        .env("POSTCORE_LINKEDIN_TOKEN_URL", format!("{closed}/token"))
        .env(
            "POSTCORE_LINKEDIN_USERINFO_URL",
            format!("{closed}/userinfo"),
        )
        .env("POSTCORE_LINKEDIN_REVOKE_URL", format!("{closed}/revoke"))
        // Read only where the server declares them (the rate limits of issue 12).
        .env("POSTCORE_RATE_LIMIT_PER_MINUTE", "0")
        .env("POSTCORE_AUTH_FAILURE_LIMIT_PER_MINUTE", "0")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log)?)
        .spawn()
        .context("starting postcore serve")?;
    let server = Server { child, port };
    process::wait_healthy(&server, Duration::from_secs(30))?;
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_names_the_key_by_env_var_and_turns_off_only_one_check_per_exception() {
        let config = config();
        assert_eq!(config.matches("${POSTCORE_SCHEMATHESIS_KEY}").count(), 2);
        assert!(!config.contains("pc_live_"));
        assert_eq!(
            config
                .matches("checks.positive_data_acceptance.enabled = false")
                .count(),
            POSITIVE_DATA_EXCEPTIONS.len()
        );
        // `[checks] enabled = true`, then one exception per entry.
        assert_eq!(
            config.matches("enabled = ").count(),
            1 + POSITIVE_DATA_EXCEPTIONS.len()
        );
        assert!(config.contains("[checks]\nenabled = true\n"));
    }
}
