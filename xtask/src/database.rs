//! The database `bench` and `crash` run against: a fresh SQLite file, or with
//! `--database postgres://…` a fresh PostgreSQL database made on that server for the run
//! and dropped after it.
//!
//! xtask depends on no workspace crate and on no database driver: it makes and drops the
//! database with `psql` (the PostgreSQL client), as an operator would, and hands the
//! binaries the new database's URL and a fresh secret key in their environment
//! (`POSTCORE_DATABASE`, `POSTCORE_SECRET_KEY`): never on a command line, where a password
//! in the URL would show in a process list. `psql` gets the connection settings the same
//! way (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`).

use anyhow::{Context as _, Result, bail};
use base64::Engine as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Env var read for the PostgreSQL server when `--database` is not given: a URL with a
/// password stays off xtask's own command line.
pub const DATABASE_ENV: &str = "POSTCORE_XTASK_DATABASE";

/// Where a run keeps its data.
#[derive(Debug)]
pub enum Database {
    /// An SQLite file (its secret key is the file beside it).
    Sqlite(PathBuf),
    /// A PostgreSQL database made for the run.
    Postgres(FreshDatabase),
}

impl Database {
    /// `sqlite` or `postgres`, for file names and reports.
    pub fn backend(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }

    /// Points `cmd` (`postcore` or `postcore-admin`) at this database through its
    /// environment, the caller's own `POSTCORE_DATABASE` and key settings removed.
    pub fn configure(&self, cmd: &mut Command) {
        for var in [
            "POSTCORE_DATABASE",
            "POSTCORE_SECRET_KEY",
            "POSTCORE_SECRET_KEY_FILE",
        ] {
            cmd.env_remove(var);
        }
        match self {
            Database::Sqlite(path) => cmd.env("POSTCORE_DATABASE", path),
            Database::Postgres(db) => cmd
                .env("POSTCORE_DATABASE", &db.url)
                .env("POSTCORE_SECRET_KEY", &db.secret_key),
        };
    }
}

/// The `--database URL` of `args`, else [`DATABASE_ENV`]; `None` for SQLite. Only
/// `postgres://` and `postgresql://` URLs are accepted.
///
/// # Errors
/// `--database` without a value, or a value that is not a PostgreSQL URL.
pub fn server_url(args: &[String]) -> Result<Option<String>> {
    let url = match args.iter().position(|a| a == "--database") {
        Some(i) => Some(
            args.get(i + 1)
                .cloned()
                .context("--database needs a postgres:// URL")?,
        ),
        None => std::env::var(DATABASE_ENV).ok().filter(|v| !v.is_empty()),
    };
    match url {
        Some(url) if !is_postgres(&url) => {
            bail!("--database takes a postgres:// URL (SQLite is the default: a fresh file)")
        }
        other => Ok(other),
    }
}

fn is_postgres(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// The parts of a `postgres://[USER[:PASSWORD]@]HOST[:PORT][/DB][?QUERY]` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Url {
    /// `scheme://`.
    scheme: String,
    /// `USER[:PASSWORD]@`, as written (or empty).
    userinfo: String,
    /// `HOST[:PORT]`.
    hostport: String,
    /// The database, percent-decoded (empty: libpq's default).
    dbname: String,
    /// `?QUERY`, as written (or empty).
    query: String,
}

fn parse(url: &str) -> Result<Url> {
    let at = url.find("://").context("not a URL")? + 3;
    let (scheme, rest) = url.split_at(at);
    // The password may hold any character: the user information ends at the last '@'.
    let (userinfo, rest) = match rest.rfind('@') {
        Some(i) => (&rest[..=i], &rest[i + 1..]),
        None => ("", rest),
    };
    let (rest, query) = match rest.find('?') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (hostport, dbname) = match rest.find('/') {
        Some(i) => (&rest[..i], decode(&rest[i + 1..])?),
        None => (rest, String::new()),
    };
    Ok(Url {
        scheme: scheme.to_owned(),
        userinfo: userinfo.to_owned(),
        hostport: hostport.to_owned(),
        dbname,
        query: query.to_owned(),
    })
}

/// Percent-decoding (RFC 3986) of one URL part.
fn decode(text: &str) -> Result<String> {
    let mut out = Vec::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text
                .get(i + 1..i + 3)
                .context("a bad %-escape in the URL")?;
            out.push(u8::from_str_radix(hex, 16).context("a bad %-escape in the URL")?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).context("the URL decodes to something other than UTF-8")
}

impl Url {
    /// libpq's environment for this server and `dbname`.
    fn libpq_env(&self, dbname: &str) -> Result<Vec<(&'static str, String)>> {
        let mut env = Vec::new();
        let info = self.userinfo.trim_end_matches('@');
        if !info.is_empty() {
            let (user, password) = match info.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (info, None),
            };
            env.push(("PGUSER", decode(user)?));
            if let Some(p) = password {
                env.push(("PGPASSWORD", decode(p)?));
            }
        }
        // `[v6 address]:port` or `host:port`, the port optional.
        let (host, port) = match self.hostport.strip_prefix('[') {
            Some(v6) => match v6.split_once(']') {
                Some((h, rest)) => (h, rest.strip_prefix(':')),
                None => bail!("an unclosed [ in the URL's host"),
            },
            None => match self.hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (self.hostport.as_str(), None),
            },
        };
        if !host.is_empty() {
            env.push(("PGHOST", decode(host)?));
        }
        if let Some(port) = port.filter(|p| !p.is_empty()) {
            env.push(("PGPORT", port.to_owned()));
        }
        if !dbname.is_empty() {
            env.push(("PGDATABASE", dbname.to_owned()));
        }
        Ok(env)
    }

    /// This URL naming the database `name` instead.
    fn with_database(&self, name: &str) -> String {
        format!(
            "{}{}{}/{name}{}",
            self.scheme, self.userinfo, self.hostport, self.query
        )
    }
}

/// A PostgreSQL database made for one run, dropped (`WITH (FORCE)`) when this is dropped.
#[derive(Debug)]
pub struct FreshDatabase {
    server: Url,
    name: String,
    /// The new database's URL (the given one, its database replaced).
    pub url: String,
    /// A fresh base64 secret key for the run.
    pub secret_key: String,
}

impl FreshDatabase {
    /// Makes `postcore_<purpose>_<pid>_<random>` on the server of `url` (connecting to the
    /// database `url` names, as a user that may create databases).
    ///
    /// # Errors
    /// A malformed URL, `psql` missing, or the server refusing.
    pub fn create(url: &str, purpose: &str) -> Result<Self> {
        let server = parse(url)?;
        let name = format!(
            "postcore_{purpose}_{}_{}",
            std::process::id(),
            crate::process::random_u64() % 1_000_000
        );
        psql(&server, &format!("CREATE DATABASE {name}"))?;
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("OS random source");
        Ok(Self {
            url: server.with_database(&name),
            secret_key: base64::engine::general_purpose::STANDARD.encode(key),
            server,
            name,
        })
    }

    /// The new database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = psql(&self.server, &sql) {
            eprintln!("xtask: could not drop the database {}: {e:#}", self.name);
        }
    }
}

/// Runs one statement with `psql` on the database `server` names.
fn psql(server: &Url, sql: &str) -> Result<()> {
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .envs(server.libpq_env(&server.dbname)?)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => anyhow::anyhow!(
                "psql is not on PATH: install the PostgreSQL client (apt-get install -y \
                 postgresql-client)"
            ),
            _ => anyhow::Error::new(e).context("running psql"),
        })?;
    if !out.status.success() {
        bail!(
            "psql `{sql}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_libpq_settings_and_a_new_database() {
        let url = parse(
            "postgres://post%40core:p%3Ass@w/rd@db.example.com:6432/postcore?sslmode=disable",
        )
        .unwrap();
        assert_eq!(
            url.libpq_env(&url.dbname).unwrap(),
            [
                ("PGUSER", "post@core".to_owned()),
                ("PGPASSWORD", "p:ss@w/rd".to_owned()),
                ("PGHOST", "db.example.com".to_owned()),
                ("PGPORT", "6432".to_owned()),
                ("PGDATABASE", "postcore".to_owned()),
            ]
        );
        assert_eq!(
            url.with_database("fresh"),
            "postgres://post%40core:p%3Ass@w/rd@db.example.com:6432/fresh?sslmode=disable"
        );
        let bare = parse("postgresql://127.0.0.1").unwrap();
        assert_eq!(
            bare.libpq_env("").unwrap(),
            [("PGHOST", "127.0.0.1".to_owned())]
        );
        assert_eq!(bare.with_database("x"), "postgresql://127.0.0.1/x");
    }

    #[test]
    fn only_postgres_urls_are_taken() {
        let args = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            server_url(&args(&["bench", "--database", "postgres://h/db"])).unwrap(),
            Some("postgres://h/db".to_owned())
        );
        assert!(server_url(&args(&["bench", "--database", "x.db"])).is_err());
        assert!(server_url(&args(&["bench", "--database"])).is_err());
    }
}
