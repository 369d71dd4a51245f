//! `backup` of a PostgreSQL database: PostgreSQL's own tool, `pg_dump`, run with the
//! connection settings in its environment (never the password on its command line).

use crate::{Conflict, StoreError};
use std::path::Path;
use tokio_postgres::Config;

/// Writes a `pg_dump --format=custom` archive of the database to `dest` (created first,
/// mode 0600; `Conflict(FileExists)` when it exists). The archive is a consistent snapshot
/// taken while servers read and write; restore it with `pg_restore`. `pg_dump` must be
/// on `PATH` (the PostgreSQL client tools), of the server's major version or newer.
///
/// # Errors
/// `Conflict(FileExists)`; `Backend` naming `pg_dump` when it is missing or fails (with its
/// own message, which never holds the password), and then no file is left behind.
pub(crate) async fn pg_dump(config: &Config, dest: &Path) -> Result<(), StoreError> {
    let env = libpq_env(config);
    let dest = dest.to_owned();
    tokio::task::spawn_blocking(move || {
        crate::sqlite::create_private(&dest, true).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => StoreError::Conflict(Conflict::FileExists),
            _ => StoreError::backend_with(format!("backup to {}", dest.display()), e),
        })?;
        let ran = std::process::Command::new("pg_dump")
            .arg("--format=custom")
            .arg("--no-password")
            .arg("--file")
            .arg(&dest)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(env)
            .stdin(std::process::Stdio::null())
            .output();
        let failure = match ran {
            Ok(out) if out.status.success() => return Ok(()),
            Ok(out) => format!(
                "pg_dump failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "the backup of a PostgreSQL \
                database runs pg_dump, which is not on PATH: install the PostgreSQL client \
                tools, or run pg_dump against the database yourself"
                .to_owned(),
            Err(e) => format!("pg_dump could not be started: {e}"),
        };
        // No half-written copy is left to be mistaken for a backup.
        let _ = std::fs::remove_file(&dest);
        Err(StoreError::Backend(crate::BackendError::message(failure)))
    })
    .await
    .map_err(StoreError::backend)?
}

/// The environment of a `pg_dump` run that reaches the database of `config` without the
/// password on its command line (`PGPASSWORD` is in its environment only).
pub(crate) fn libpq_env(config: &Config) -> Vec<(&'static str, String)> {
    use tokio_postgres::config::Host;
    let mut env = Vec::new();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    if !hosts.is_empty() {
        env.push(("PGHOST", hosts.join(",")));
    }
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    if !ports.is_empty() {
        env.push(("PGPORT", ports.join(",")));
    }
    if let Some(user) = config.get_user() {
        env.push(("PGUSER", user.to_owned()));
    }
    if let Some(db) = config.get_dbname() {
        env.push(("PGDATABASE", db.to_owned()));
    }
    if let Some(password) = config.get_password() {
        env.push(("PGPASSWORD", String::from_utf8_lossy(password).into_owned()));
    }
    env
}
