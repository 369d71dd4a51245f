//! The LinkedIn client: OAuth 2.0 authorization-code flow (RFC 6749 §4.1), refresh
//! (RFC 6749 §6), the OpenID Connect userinfo endpoint and token revocation (RFC 7009).
//!
//! Sources: LinkedIn's "Authorization Code Flow (3-legged OAuth)", "Sign In with LinkedIn
//! using OpenID Connect" and "Programmatic Refresh Tokens" pages.

mod answer;
mod calls;
mod member;
mod token;

use crate::http::{build_client, plain_url as endpoint};
use crate::{ClientBuildError, HttpLimits};
use postcore_domain::Platform;
use reqwest::Url;
use secrecy::SecretString;
use std::fmt;

pub use member::Member;
pub use token::TokenSet;

/// LinkedIn's authorization endpoint (the browser is sent there).
pub const DEFAULT_AUTHORIZE_URL: &str = "https://www.linkedin.com/oauth/v2/authorization";
/// LinkedIn's token endpoint (code exchange and refresh).
pub const DEFAULT_TOKEN_URL: &str = "https://www.linkedin.com/oauth/v2/accessToken";
/// LinkedIn's OpenID Connect userinfo endpoint.
pub const DEFAULT_USERINFO_URL: &str = "https://api.linkedin.com/v2/userinfo";
/// LinkedIn's token revocation endpoint.
pub const DEFAULT_REVOKE_URL: &str = "https://www.linkedin.com/oauth/v2/revoke";
/// The scopes PostCore asks for, space-separated: sign in with OpenID Connect (`openid
/// profile email`) and post as the member (`w_member_social`).
pub const DEFAULT_SCOPES: &str = "openid profile email w_member_social";

/// The platform of every error this module returns.
const PLATFORM: Platform = Platform::LinkedIn;

/// Everything the client needs. `Debug` never shows the secret.
#[derive(Debug, Clone)]
pub struct LinkedInConfig {
    /// The app's client id (`POSTCORE_LINKEDIN_CLIENT_ID`).
    pub client_id: String,
    /// The app's client secret (`POSTCORE_LINKEDIN_CLIENT_SECRET`).
    pub client_secret: SecretString,
    /// Where LinkedIn sends the browser back. Sent byte for byte as given, in the
    /// authorization URL and in the code exchange (RFC 6749 §4.1.3 requires them identical).
    pub redirect_uri: String,
    /// The scopes to ask for, space-separated (RFC 6749 §3.3).
    pub scopes: String,
    /// The authorization endpoint (`POSTCORE_LINKEDIN_AUTHORIZE_URL`).
    pub authorize_url: String,
    /// The token endpoint (`POSTCORE_LINKEDIN_TOKEN_URL`).
    pub token_url: String,
    /// The userinfo endpoint (`POSTCORE_LINKEDIN_USERINFO_URL`).
    pub userinfo_url: String,
    /// The revocation endpoint (`POSTCORE_LINKEDIN_REVOKE_URL`); `None` (or an empty
    /// string) revokes nothing.
    pub revoke_url: Option<String>,
}

impl LinkedInConfig {
    /// A configuration with LinkedIn's real endpoints and [`DEFAULT_SCOPES`].
    pub fn new(client_id: &str, client_secret: SecretString, redirect_uri: &str) -> Self {
        Self {
            client_id: client_id.to_owned(),
            client_secret,
            redirect_uri: redirect_uri.to_owned(),
            scopes: DEFAULT_SCOPES.to_owned(),
            authorize_url: DEFAULT_AUTHORIZE_URL.to_owned(),
            token_url: DEFAULT_TOKEN_URL.to_owned(),
            userinfo_url: DEFAULT_USERINFO_URL.to_owned(),
            revoke_url: Some(DEFAULT_REVOKE_URL.to_owned()),
        }
    }
}

/// A LinkedIn client for one app (client id and secret). Cheap to clone: clones share one
/// connection pool.
#[derive(Clone)]
pub struct LinkedInClient {
    http: reqwest::Client,
    client_id: String,
    client_secret: SecretString,
    redirect_uri: String,
    scopes: String,
    authorize_url: Url,
    token_url: Url,
    userinfo_url: Url,
    revoke_url: Option<Url>,
    limits: HttpLimits,
}

impl LinkedInClient {
    /// A client of `config`'s app and endpoints, with `limits` on every call.
    ///
    /// # Errors
    /// [`ClientBuildError::InvalidService`] naming the setting
    /// (`POSTCORE_LINKEDIN_AUTHORIZE_URL`, `…_TOKEN_URL`, `…_USERINFO_URL`, `…_REVOKE_URL`,
    /// or `POSTCORE_PUBLIC_URL` for the redirect URI) when a URL is not a plain http(s)
    /// URL; [`ClientBuildError::Http`] when the HTTP client cannot be initialised.
    pub fn new(config: LinkedInConfig, limits: HttpLimits) -> Result<Self, ClientBuildError> {
        let authorize_url = endpoint(
            &config.authorize_url,
            "POSTCORE_LINKEDIN_AUTHORIZE_URL",
            DEFAULT_AUTHORIZE_URL,
        )?;
        let token_url = endpoint(
            &config.token_url,
            "POSTCORE_LINKEDIN_TOKEN_URL",
            DEFAULT_TOKEN_URL,
        )?;
        let userinfo_url = endpoint(
            &config.userinfo_url,
            "POSTCORE_LINKEDIN_USERINFO_URL",
            DEFAULT_USERINFO_URL,
        )?;
        let revoke_url = match config.revoke_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => Some(endpoint(
                url,
                "POSTCORE_LINKEDIN_REVOKE_URL",
                DEFAULT_REVOKE_URL,
            )?),
        };
        // Checked, but kept as given: it must be sent byte for byte.
        endpoint(
            &config.redirect_uri,
            "POSTCORE_PUBLIC_URL",
            "https://postcore.example.com",
        )?;
        Ok(Self {
            http: build_client(limits)?,
            client_id: config.client_id,
            client_secret: config.client_secret,
            redirect_uri: config.redirect_uri,
            scopes: config.scopes,
            authorize_url,
            token_url,
            userinfo_url,
            revoke_url,
            limits,
        })
    }

    /// The redirect URI, exactly as configured.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The URL to send the browser to (RFC 6749 §4.1.1): the authorization endpoint with
    /// `response_type=code`, `client_id`, `redirect_uri`, `state` and `scope`, in that order,
    /// percent-encoded (spaces as `%20`, which every form decoder reads as `+` is read).
    pub fn authorization_url(&self, state: &str) -> String {
        let mut url = self.authorize_url.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("state", state)
            .append_pair("scope", &self.scopes);
        // The form encoder writes a space as `+` and a `+` as `%2B`: every `+` left is a space.
        let query = url.query().unwrap_or_default().replace('+', "%20");
        url.set_query(Some(&query));
        url.into()
    }
}

impl fmt::Debug for LinkedInClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkedInClient")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .field("authorize_url", &self.authorize_url.as_str())
            .field("token_url", &self.token_url.as_str())
            .field("userinfo_url", &self.userinfo_url.as_str())
            .field("revoke_url", &self.revoke_url.as_ref().map(Url::as_str))
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A rejection by LinkedIn.
fn rejected(reason: crate::RejectReason) -> crate::PlatformError {
    crate::PlatformError::Rejected(crate::Rejection {
        platform: PLATFORM,
        reason,
    })
}
