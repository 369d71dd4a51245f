//! What the store's timing examples share: the profile count argument and a fresh store.

use postcore_domain::Timestamp;
use postcore_store::{AccountId, Repository, SecretKeySource, StoreConfig};
use std::error::Error;
use std::sync::Arc;

/// The first command-line argument as a number of profiles, 100,000 when absent.
pub fn profile_count() -> Result<usize, Box<dyn Error>> {
    Ok(std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000))
}

/// A fresh store on `file` in a new temporary directory (kept alive by the returned value),
/// with an account `bulk` created at `now`.
pub async fn fresh_store(
    file: &str,
    now: Timestamp,
) -> Result<(tempfile::TempDir, Arc<dyn Repository>, AccountId), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let config = StoreConfig {
        database_url: dir.path().join(file).display().to_string(),
        secret_key: SecretKeySource::BesideDatabase,
    };
    let repo = postcore_store::open(config).await?;
    let account = repo
        .create_account(&postcore_domain::AccountName::parse("bulk")?, now)
        .await?
        .id;
    Ok((dir, repo, account))
}
