//! Fixtures: the app's settings and secrets, answers shaped like LinkedIn's, one call of
//! any of the four kinds, and its outcome in a comparable form.

use postcore_domain::Platform;
use postcore_platforms::linkedin::{LinkedInClient, LinkedInConfig, Member, TokenSet};
use postcore_platforms::{HttpLimits, PlatformError, ProtocolError, RejectReason, Rejection};
use postcore_platforms::{RetryAfter, Transient, TransientReason};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::time::Duration;

pub const CLIENT_ID: &str = "86client4id";
pub const CLIENT_SECRET: &str = "WPL_AP1.cl1ent-s3cret";
pub const CODE: &str = "AQTcode-s3cret-0123";
pub const ACCESS_TOKEN: &str = "AQVaccess-s3cret-4567";
pub const REFRESH_TOKEN: &str = "AQWrefresh-s3cret-89ab";
pub const NEW_REFRESH_TOKEN: &str = "AQWrefresh-s3cret-cdef";
pub const REDIRECT_URI: &str = "http://127.0.0.1:8080/oauth/linkedin/callback";
pub const TOKEN_PATH: &str = "/oauth/v2/accessToken";
pub const USERINFO_PATH: &str = "/v2/userinfo";
pub const REVOKE_PATH: &str = "/oauth/v2/revoke";
pub const SUB: &str = "782bbtaQ";

/// The settings of a client whose endpoints are on `base` (`http://127.0.0.1:PORT`).
pub fn config(base: &str) -> LinkedInConfig {
    LinkedInConfig {
        authorize_url: format!("{base}/oauth/v2/authorization"),
        token_url: format!("{base}{TOKEN_PATH}"),
        userinfo_url: format!("{base}{USERINFO_PATH}"),
        revoke_url: Some(format!("{base}{REVOKE_PATH}")),
        ..LinkedInConfig::new(CLIENT_ID, SecretString::from(CLIENT_SECRET), REDIRECT_URI)
    }
}

/// Default limits, but 300 ms in all: enough for any answer on 127.0.0.1, short for a test
/// of a stand-in that never finishes.
pub fn limits() -> HttpLimits {
    HttpLimits {
        total_timeout: Duration::from_millis(300),
        ..HttpLimits::default()
    }
}

pub fn client(base: &str) -> LinkedInClient {
    LinkedInClient::new(config(base), limits()).unwrap()
}

/// A token answer as LinkedIn gives one to an app with programmatic refresh tokens.
pub fn token_answer() -> Value {
    json!({
        "access_token": ACCESS_TOKEN,
        "expires_in": 5_184_000,
        "refresh_token": REFRESH_TOKEN,
        "refresh_token_expires_in": 31_536_000,
        "scope": "email,openid,profile,w_member_social",
        "token_type": "Bearer",
    })
}

/// A userinfo answer as LinkedIn gives one (its `locale` is an object).
pub fn userinfo_answer() -> Value {
    json!({
        "sub": SUB,
        "email_verified": true,
        "name": "John Doe",
        "locale": {"country": "US", "language": "en"},
        "given_name": "John",
        "family_name": "Doe",
        "email": "doe@email.com",
        "picture": "https://media.licdn.com/dms/image/C4D03AQ/profile.jpg",
    })
}

pub fn oauth_error(status: u16, code: &str) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(status)
        .set_body_json(json!({"error": code, "error_description": format!("echo {CODE}")}))
}

/// Which of the client's calls a case makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Exchange,
    Refresh,
    Userinfo,
    Revoke,
}

/// A [`TokenSet`] with its secrets shown, to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    pub expires_in: Option<i64>,
    pub refresh_token: Option<String>,
    pub refresh_token_expires_in: Option<i64>,
    pub scope: Option<String>,
}

impl From<TokenSet> for Tokens {
    fn from(t: TokenSet) -> Self {
        Self {
            access_token: t.access_token.expose_secret().to_owned(),
            expires_in: t.expires_in,
            refresh_token: t.refresh_token.map(|r| r.expose_secret().to_owned()),
            refresh_token_expires_in: t.refresh_token_expires_in,
            scope: t.scope,
        }
    }
}

/// What any call gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Got {
    Tokens(Tokens),
    Member(Member),
    Revoked,
}

pub type Outcome = Result<Got, PlatformError>;

/// Makes `call` once with the client of `base`, with [`CODE`], [`REFRESH_TOKEN`] or
/// [`ACCESS_TOKEN`]; `debug` receives the `Debug` of a successful answer.
pub async fn make(client: &LinkedInClient, call: Call, debug: &mut String) -> Outcome {
    let secret = |s: &str| SecretString::from(s);
    match call {
        Call::Exchange | Call::Refresh => {
            let tokens = match call {
                Call::Exchange => client.exchange_code(&secret(CODE)).await,
                _ => client.refresh(&secret(REFRESH_TOKEN)).await,
            }?;
            *debug = format!("{tokens:?}");
            Ok(Got::Tokens(tokens.into()))
        }
        Call::Userinfo => Ok(Got::Member(client.userinfo(&secret(ACCESS_TOKEN)).await?)),
        Call::Revoke => client
            .revoke(&secret(ACCESS_TOKEN))
            .await
            .map(|()| Got::Revoked),
    }
}

/// The tokens of [`token_answer`], changed by `change`.
pub fn tokens(change: impl FnOnce(&mut Tokens)) -> Outcome {
    let mut tokens = Tokens {
        access_token: ACCESS_TOKEN.to_owned(),
        expires_in: Some(5_184_000),
        refresh_token: Some(REFRESH_TOKEN.to_owned()),
        refresh_token_expires_in: Some(31_536_000),
        scope: Some("email,openid,profile,w_member_social".to_owned()),
    };
    change(&mut tokens);
    Ok(Got::Tokens(tokens))
}

pub fn member() -> Outcome {
    Ok(Got::Member(Member {
        sub: SUB.to_owned(),
        name: Some("John Doe".to_owned()),
        given_name: Some("John".to_owned()),
        family_name: Some("Doe".to_owned()),
        email: Some("doe@email.com".to_owned()),
    }))
}

pub fn rejected(reason: RejectReason) -> Outcome {
    Err(PlatformError::Rejected(Rejection {
        platform: Platform::LinkedIn,
        reason,
    }))
}

pub fn transient(reason: TransientReason, retry_after: Option<RetryAfter>) -> Outcome {
    Err(PlatformError::Transient(Transient {
        platform: Platform::LinkedIn,
        reason,
        retry_after,
    }))
}

pub fn protocol(detail: &str) -> Outcome {
    Err(PlatformError::Protocol(ProtocolError {
        platform: Platform::LinkedIn,
        detail: detail.to_owned(),
    }))
}
