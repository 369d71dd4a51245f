//! What every command needs: the opened store and the current instant.

use crate::exit::not_found;
use anyhow::Context as _;
use postcore_domain::AccountName;
use postcore_domain::{Clock, SystemClock, Timestamp};
use postcore_store::{Account, DatabaseArgs, Repository};
use std::path::PathBuf;
use std::sync::Arc;

/// Whether a command may create a missing database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// Create (and migrate) the database when the file does not exist.
    MayCreate,
    /// Fail with "not found" (exit 4) when the file does not exist.
    MustExist,
}

/// The global settings of one run.
#[derive(Debug, Clone)]
pub struct Globals {
    /// `--database` and `--secret-key-file`, shared with the server.
    pub store: DatabaseArgs,
    /// `--now`, else the system clock's reading at start.
    pub now: Timestamp,
}

/// An opened store with the run's `now`.
pub struct Context {
    /// The store.
    pub store: Arc<dyn Repository>,
    /// The instant the command acts at (UTC).
    pub now: Timestamp,
}

impl Globals {
    /// The settings of `cli`; `now` from `--now` or the system clock.
    pub fn new(store: DatabaseArgs, now: Option<Timestamp>) -> Self {
        Self {
            store,
            now: now.unwrap_or_else(|| SystemClock.now()),
        }
    }

    /// The database URL or path as given to `--database`.
    pub fn database(&self) -> &str {
        &self.store.database
    }

    /// `--database` as it may be shown in messages: a URL's password replaced.
    pub fn shown(&self) -> String {
        self.store.shown()
    }

    /// Whether `--database` names a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        self.store.is_postgres()
    }

    /// The database file named by `--database` (without a `sqlite:` scheme), parsed as the
    /// store parses it; an unsupported URL is kept as given, and the store's own open then
    /// refuses it with its message. Meaningful for SQLite only.
    pub fn database_file(&self) -> PathBuf {
        self.store
            .database_file()
            .unwrap_or_else(|_| PathBuf::from(&self.store.database))
    }

    /// Opens the store as the server does: migrations applied, the secret key chosen by the
    /// same rule ([`DatabaseArgs::store_config`]: `POSTCORE_SECRET_KEY`, then
    /// `--secret-key-file`, then the file beside the database).
    ///
    /// # Errors
    /// Bad input (exit 2) when `POSTCORE_SECRET_KEY` is set but blank, or missing for a
    /// PostgreSQL database; not found (exit 4) for a missing SQLite file under
    /// [`Open::MustExist`] (a PostgreSQL database that does not exist fails to connect);
    /// the store's errors.
    pub async fn open(&self, mode: Open) -> anyhow::Result<Context> {
        let config = self.store.store_config()?;
        if mode == Open::MustExist && !self.is_postgres() {
            let file = self.database_file();
            if !file.exists() {
                return Err(not_found(format!(
                    "--database: no database at {} (create one with `postcore-admin migrate`)",
                    file.display()
                )));
            }
        }
        let store = postcore_store::open(config)
            .await
            .with_context(|| format!("cannot open the database {}", self.shown()))?;
        Ok(Context {
            store,
            now: self.now,
        })
    }
}

impl Context {
    /// The account named by `--account`.
    pub async fn account(&self, name: &AccountName) -> anyhow::Result<Account> {
        self.store
            .find_account(name)
            .await
            .with_context(|| format!("--account {:?}", name.as_str()))
    }

    /// The account named by `--account`, if one was given.
    pub async fn optional_account(
        &self,
        name: Option<&AccountName>,
    ) -> anyhow::Result<Option<Account>> {
        match name {
            Some(n) => Ok(Some(self.account(n).await?)),
            None => Ok(None),
        }
    }
}

/// Finds the profile `key` in the account named `account`, or in any account when none is
/// named (profile keys are unique across accounts).
///
/// # Errors
/// Not found (exit 4) naming `KEY` or `--account`.
pub async fn locate_profile(
    ctx: &Context,
    key: &postcore_domain::ProfileKey,
    account: Option<&AccountName>,
) -> anyhow::Result<(Account, postcore_store::ProfileRecord)> {
    let accounts = match account {
        Some(name) => vec![ctx.account(name).await?],
        None => ctx.store.list_accounts().await?,
    };
    for account in accounts {
        match ctx.store.get_profile(account.id, key).await {
            Ok(record) => return Ok((account, record)),
            Err(postcore_store::StoreError::NotFound(postcore_store::Entity::Profile)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(not_found(format!("KEY {key}: profile not found")))
}
