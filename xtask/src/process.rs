//! Starting and stopping the real binaries for bench and crash: ports, health, memory.

pub use crate::database::Database;
use anyhow::{Context as _, Result, bail};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Which cargo profile's binaries to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// `target/debug` (smoke runs in the gate, which already built it).
    Debug,
    /// `target/release` (real measurements).
    Release,
}

impl Profile {
    pub fn dir(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
        }
    }
}

/// The workspace root (the parent of xtask's manifest directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// The cargo that runs xtask (`$CARGO`), else `cargo` from the `PATH`.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Builds the binaries the tools run: `postcore`, `postcore-admin`, the Bluesky stand-in
/// (`bluesky-standin`, package `postcore-tests`) and xtask itself.
pub fn build(profile: Profile) -> Result<()> {
    let mut cmd = Command::new(cargo());
    cmd.args([
        "build",
        "--quiet",
        "--locked",
        "-p",
        "postcore-http",
        "-p",
        "postcore-admin",
        "-p",
        "postcore-tests",
        "-p",
        "xtask",
    ]);
    if profile == Profile::Release {
        cmd.arg("--release");
    }
    eprintln!("building {} binaries…", profile.dir());
    let status = cmd.status().context("running cargo build")?;
    if !status.success() {
        bail!("cargo build failed ({status})");
    }
    Ok(())
}

/// The target directory: `$CARGO_TARGET_DIR`, else `target/` in the workspace.
/// The target directory: `CARGO_TARGET_DIR`, else `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Path of a workspace binary in the profile's target directory.
pub fn binary(profile: Profile, name: &str) -> PathBuf {
    target_dir().join(profile.dir()).join(name)
}

/// Whether `file` is a regular file with an execute bit (for tools looked up on `PATH`).
pub fn is_executable(file: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    file.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// A free loopback port (bound and released; the race is acceptable for local tools).
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running server process that is killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, then reap.
    pub fn kill(mut self) -> Result<()> {
        self.child.kill().context("killing the server")?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The upstream services a crash or bench server talks to.
#[derive(Debug, Clone, Default)]
pub struct Upstreams {
    /// `--bluesky-service`: a Bluesky stand-in's URL.
    pub bluesky: Option<String>,
    /// `POSTCORE_LINKEDIN_*` variables pointing at a LinkedIn stand-in (they go in the
    /// environment: the client secret never goes on a command line); when given, the
    /// server's `POSTCORE_PUBLIC_URL` is its own loopback address, so that the stand-in
    /// sends the browser back to its callback.
    pub linkedin_env: Vec<(String, String)>,
    /// Webhooks to a receiver on 127.0.0.1: `--webhook-allow-private`;
    /// `--webhook-timeout 2` (seconds), so that an attempt cut short by a kill is leased
    /// for 64 s rather than 80 s; and 8 attempts in flight for the run's one endpoint
    /// (`--webhook-endpoint-concurrency 8`), so that the few attempts a kill cuts short,
    /// whose leases still count, do not hold every place of its endpoint.
    pub webhooks_to_loopback: bool,
}

/// Starts `postcore serve` on a free port against `database` (named in its environment),
/// logging to `log`, with
/// `--bluesky-service bluesky` when given (a stand-in's URL), and waits (at most 30 s) until
/// `GET /health` answers 200.
pub fn start_server(
    profile: Profile,
    database: &Database,
    log: &Path,
    bluesky: Option<&str>,
) -> Result<Server> {
    let upstreams = Upstreams {
        bluesky: bluesky.map(str::to_owned),
        ..Upstreams::default()
    };
    start_server_with(profile, database, log, &upstreams)
}

/// [`start_server`] against the stand-ins in `upstreams`.
pub fn start_server_with(
    profile: Profile,
    database: &Database,
    log: &Path,
    upstreams: &Upstreams,
) -> Result<Server> {
    let port = free_port()?;
    let log_file = std::fs::File::create(log)?;
    let mut cmd = Command::new(binary(profile, "postcore"));
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")]);
    database.configure(&mut cmd);
    if let Some(url) = &upstreams.bluesky {
        cmd.args(["--bluesky-service", url]);
    }
    if !upstreams.linkedin_env.is_empty() {
        cmd.envs(upstreams.linkedin_env.iter().map(|(k, v)| (k, v)))
            .env("POSTCORE_PUBLIC_URL", format!("http://127.0.0.1:{port}"));
    }
    if upstreams.webhooks_to_loopback {
        cmd.args([
            "--webhook-allow-private",
            "--webhook-timeout",
            "2",
            "--webhook-endpoint-concurrency",
            "8",
        ]);
    }
    // Both rate limits off: the bench drives one key at over 10,000 requests a second and
    // sends unknown keys at tens of thousands a second from one address, and the crash
    // tool's clients share one key; either limit would turn its load into 429s.
    cmd.args([
        "--rate-limit-per-minute",
        "0",
        "--auth-failure-limit-per-minute",
        "0",
    ]);
    let child = cmd
        .env("POSTCORE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .context("starting postcore serve")?;
    let server = Server { child, port };
    wait_healthy(&server, Duration::from_secs(30))?;
    Ok(server)
}

/// Polls `GET /health` until it answers 200 or `limit` passes.
pub fn wait_healthy(server: &Server, limit: Duration) -> Result<()> {
    let started = Instant::now();
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(2))
        .build();
    while started.elapsed() < limit {
        if let Ok(r) = agent.get(&format!("{}/health", server.base_url())).call()
            && r.status() == 200
        {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("the server did not become healthy within {limit:?}")
}

/// A process's resident memory high-water mark and current size, in KiB (Linux `/proc`).
pub fn memory_kib(pid: u32) -> Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("{name} missing from /proc/{pid}/status"))
    };
    Ok((field("VmHWM:")?, field("VmRSS:")?))
}

/// Runs `postcore-admin` with `args` against `database` (named in its environment);
/// returns stdout, failing on a non-zero exit with its stderr.
pub fn admin(profile: Profile, database: &Database, args: &[&str]) -> Result<String> {
    let mut cmd = Command::new(binary(profile, "postcore-admin"));
    database.configure(&mut cmd);
    let mut child = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running postcore-admin")?;
    let started = Instant::now();
    while child.try_wait()?.is_none() {
        if started.elapsed() > ADMIN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "postcore-admin {} took more than {ADMIN_LIMIT:?}",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "postcore-admin {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}

/// An HTTP client whose every request gives up after `limit` (connect, read and write).
pub fn agent(limit: Duration) -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(limit).build()
}

/// Longest a `postcore-admin` run may take (an import of 100,000 profiles takes seconds).
const ADMIN_LIMIT: Duration = Duration::from_secs(300);

/// A random u64 from the OS.
pub fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("OS random source");
    u64::from_le_bytes(b)
}
