//! The refresher's test world: a real SQLite store in a temporary directory, the LinkedIn
//! stand-in on 127.0.0.1, a `LinkedInClient` of it, and connections whose tokens come from
//! a real code exchange with the stand-in (so that it knows their refresh tokens).

use chrono::TimeZone;
use postcore_domain::{AccountName, Connection, Platform, ProfileKey, Timestamp};
use postcore_platforms::HttpLimits;
use postcore_platforms::linkedin::{LinkedInClient, LinkedInConfig};
use postcore_refresh::{RefreshReport, RefreshSettings, refresh_due};
use postcore_store::{AccountId, Credentials, Repository, StoreConfig};
use postcore_tests::linkedin::LinkedInStandIn;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;

/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// The redirect URI the code exchange uses.
const REDIRECT_URI: &str = "http://127.0.0.1:8080/oauth/linkedin/callback";

/// `2025-01-01T00:00:00Z` + `seconds`.
pub fn t(seconds: i64) -> Timestamp {
    chrono::Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::seconds(seconds)
}

/// A profile key from a literal.
pub fn key(text: &str) -> ProfileKey {
    ProfileKey::parse(text).unwrap()
}

/// The tokens a connection was stored with, as plain strings for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The access token.
    pub access: String,
    /// The refresh token, when one is stored.
    pub refresh: Option<String>,
    /// When the refresh token expires, when known.
    pub refresh_expires_at: Option<Timestamp>,
}

impl From<&Credentials> for Tokens {
    fn from(c: &Credentials) -> Self {
        Self {
            access: c.access_token.as_ref().unwrap().expose_secret().to_owned(),
            refresh: c
                .refresh_token
                .as_ref()
                .map(|r| r.expose_secret().to_owned()),
            refresh_expires_at: c.refresh_token_expires_at,
        }
    }
}

/// A store, the stand-in and a client of it, with one account `acme`.
pub struct World {
    /// The LinkedIn stand-in.
    pub li: LinkedInStandIn,
    /// A client of the stand-in (500 ms per call).
    pub client: LinkedInClient,
    /// The store.
    pub store: Arc<dyn Repository>,
    /// The account `acme`.
    pub account: AccountId,
    /// The database file.
    pub database: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

/// A client of `li` with a short total timeout (the hanging stand-in's bound).
pub fn client_of(li: &LinkedInStandIn) -> LinkedInClient {
    let config = LinkedInConfig {
        authorize_url: li.authorize_url(),
        token_url: li.token_url(),
        userinfo_url: li.userinfo_url(),
        revoke_url: Some(li.revoke_url()),
        ..LinkedInConfig::new(
            LinkedInStandIn::CLIENT_ID,
            SecretString::from(LinkedInStandIn::CLIENT_SECRET),
            REDIRECT_URI,
        )
    };
    let limits = HttpLimits {
        total_timeout: Duration::from_millis(500),
        ..HttpLimits::default()
    };
    LinkedInClient::new(config, limits).unwrap()
}

/// Opens (creating) the store at `database`, the secret key beside it.
pub async fn open(database: &std::path::Path) -> Arc<dyn Repository> {
    postcore_store::open(StoreConfig::new(database.display().to_string()))
        .await
        .unwrap()
}

impl World {
    /// A new database with the account `acme`, and a new stand-in.
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("postcore.db");
        let store = open(&database).await;
        let account = store
            .create_account(&AccountName::parse("acme").unwrap(), t(0))
            .await
            .unwrap()
            .id;
        let li = LinkedInStandIn::start().await;
        let client = client_of(&li);
        Self {
            li,
            client,
            store,
            account,
            database,
            _dir: dir,
        }
    }

    /// Creates profile `k` and connects LinkedIn to it at `at` with the tokens of a real
    /// authorization and code exchange: the access token expiring 60 days after `at`, the
    /// refresh token (when the stand-in issues one) expiring at `refresh_expires_at`.
    pub async fn connect(&self, k: &str, at: Timestamp, refresh_expires_at: Timestamp) -> Tokens {
        let location = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap()
            .get(self.client.authorization_url("state"))
            .send()
            .await
            .unwrap()
            .headers()["location"]
            .to_str()
            .unwrap()
            .to_owned();
        let code = reqwest::Url::parse(&location)
            .unwrap()
            .query_pairs()
            .find(|(name, _)| name == "code")
            .unwrap()
            .1
            .into_owned();
        let tokens = self
            .client
            .exchange_code(&SecretString::from(code))
            .await
            .unwrap();
        let credentials = Credentials {
            access_token: Some(tokens.access_token),
            refresh_token: tokens.refresh_token,
            app_password: None,
            refresh_token_expires_at: Some(refresh_expires_at),
        };
        let stored = Tokens::from(&credentials);
        self.store
            .create_profile(self.account, Some(key(k)), None, at)
            .await
            .unwrap();
        let connection =
            Connection::new(Platform::LinkedIn, "John Doe", "john@members.example", at)
                .with_platform_account_id(Some(LinkedInStandIn::DEFAULT_SUB.to_owned()));
        self.store
            .connect(self.account, &key(k), connection, credentials)
            .await
            .unwrap();
        Tokens {
            refresh_expires_at: stored.refresh.as_ref().map(|_| refresh_expires_at),
            ..stored
        }
    }

    /// One pass at `now` with the default settings over every account.
    pub async fn pass(&self, now: Timestamp, dry_run: bool) -> RefreshReport {
        refresh_due(
            &*self.store,
            &self.client,
            now,
            &RefreshSettings::default(),
            None,
            dry_run,
        )
        .await
        .unwrap()
    }

    /// The stored tokens of profile `k`'s LinkedIn connection.
    pub async fn tokens(&self, k: &str) -> Tokens {
        let c = self
            .store
            .credentials(self.account, &key(k), Platform::LinkedIn)
            .await
            .unwrap();
        Tokens::from(&c)
    }

    /// Profile `k`'s LinkedIn connection.
    pub async fn connection(&self, k: &str) -> Connection {
        let record = self.store.get_profile(self.account, &key(k)).await.unwrap();
        record.connections.into_iter().next().unwrap()
    }
}
