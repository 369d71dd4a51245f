//! Seeds a benchmark database through the store, with `postcore-admin` (not through HTTP).

use crate::process::{Database, Profile, admin, random_u64};
use anyhow::Result;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// One seeded account: its name, API key and profile keys (in a file, one per line).
pub struct SeededAccount {
    pub api_key: String,
    pub keys_file: PathBuf,
    pub profiles: usize,
}

fn profile_key() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut key = String::from("prof_");
    for _ in 0..16 {
        key.push(char::from(ALPHABET[(random_u64() % 36) as usize]));
    }
    key
}

/// `connectedAt` of every seeded Bluesky connection.
pub const SEEDED_BLUESKY_AT: &str = "2025-01-02T10:00:00Z";

/// Writes a hosted-API `GET /profiles` document with `n` profiles, each with a LinkedIn and
/// a Bluesky connection, and returns the keys.
fn write_import(path: &Path, n: usize) -> Result<Vec<String>> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut keys = Vec::with_capacity(n);
    out.write_all(b"{\"profiles\":[")?;
    for i in 0..n {
        let key = profile_key();
        if i > 0 {
            out.write_all(b",")?;
        }
        write!(
            out,
            r#"{{"profileKey":"{key}","profileName":"Bench user {i}","createdAt":"2025-01-01T12:00:00Z","connectedPlatforms":[{{"platform":"linkedin","displayName":"User {i}","username":"user{i}","connectedAt":"2026-11-01T12:30:00Z","expiresAt":"2026-12-31T12:30:00Z","daysUntilExpiry":30,"needsReconnect":false}},{{"platform":"bluesky","displayName":"user{i}.bsky.social","username":"user{i}.bsky.social","connectedAt":"{SEEDED_BLUESKY_AT}","expiresAt":null,"daysUntilExpiry":null,"needsReconnect":false}}]}}"#
        )?;
        keys.push(key);
    }
    out.write_all(b"]}")?;
    out.flush()?;
    Ok(keys)
}

/// Creates account `name` with `n` profiles and one API key.
pub fn account(
    profile: Profile,
    database: &Database,
    work: &Path,
    name: &str,
    n: usize,
) -> Result<SeededAccount> {
    admin(profile, database, &["accounts", "create", name])?;
    let api_key = admin(
        profile,
        database,
        &["keys", "create", "--account", name, "--label", "bench"],
    )?;
    let import = work.join(format!("{name}.json"));
    let keys = write_import(&import, n)?;
    if n > 0 {
        admin(
            profile,
            database,
            &["import", &import.display().to_string(), "--account", name],
        )?;
    }
    let keys_file = work.join(format!("{name}.keys"));
    std::fs::write(&keys_file, keys.join("\n") + "\n")?;
    Ok(SeededAccount {
        api_key,
        keys_file,
        profiles: n,
    })
}
