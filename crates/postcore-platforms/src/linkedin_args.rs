//! `LinkedInArgs`: the LinkedIn OAuth settings `postcore serve` and `postcore-admin` share,
//! as flags and env vars (feature `clap`). The client secret is never a flag: it comes from
//! `POSTCORE_LINKEDIN_CLIENT_SECRET` or a file.

use crate::linkedin::{
    DEFAULT_AUTHORIZE_URL, DEFAULT_REVOKE_URL, DEFAULT_SCOPES, DEFAULT_TOKEN_URL,
    DEFAULT_USERINFO_URL, LinkedInConfig,
};
use secrecy::SecretString;
use std::path::PathBuf;

/// The env var holding the LinkedIn client secret itself (env only, never a flag).
pub const LINKEDIN_CLIENT_SECRET_ENV: &str = "POSTCORE_LINKEDIN_CLIENT_SECRET";
/// The path of the OAuth callback, appended to the public URL to make the redirect URI.
pub const LINKEDIN_CALLBACK_PATH: &str = "/oauth/linkedin/callback";

/// LinkedIn's OAuth settings. Without a client id LinkedIn is not configured (its routes
/// answer 501 `NOT_CONFIGURED`); with one, the secret and the public URL are required.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct LinkedInArgs {
    /// Base URL where browsers reach this server (e.g. `https://postcore.example.com`); the OAuth redirect URI is it + `/oauth/linkedin/callback`
    #[arg(long, env = "POSTCORE_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// LinkedIn app client id; unset: LinkedIn is not configured
    #[arg(long, env = "POSTCORE_LINKEDIN_CLIENT_ID", value_name = "ID")]
    pub linkedin_client_id: Option<String>,
    /// File holding the LinkedIn client secret; POSTCORE_LINKEDIN_CLIENT_SECRET, env only and never a flag, wins over it
    #[arg(
        long,
        env = "POSTCORE_LINKEDIN_CLIENT_SECRET_FILE",
        value_name = "PATH"
    )]
    pub linkedin_client_secret_file: Option<PathBuf>,
    /// OAuth scopes to ask LinkedIn for, space-separated
    #[arg(long, env = "POSTCORE_LINKEDIN_SCOPES", value_name = "SCOPES",
          default_value = DEFAULT_SCOPES)]
    pub linkedin_scopes: String,
    /// LinkedIn's authorization endpoint
    #[arg(long, env = "POSTCORE_LINKEDIN_AUTHORIZE_URL", value_name = "URL",
          default_value = DEFAULT_AUTHORIZE_URL)]
    pub linkedin_authorize_url: String,
    /// LinkedIn's token endpoint
    #[arg(long, env = "POSTCORE_LINKEDIN_TOKEN_URL", value_name = "URL",
          default_value = DEFAULT_TOKEN_URL)]
    pub linkedin_token_url: String,
    /// LinkedIn's OpenID Connect userinfo endpoint
    #[arg(long, env = "POSTCORE_LINKEDIN_USERINFO_URL", value_name = "URL",
          default_value = DEFAULT_USERINFO_URL)]
    pub linkedin_userinfo_url: String,
    /// LinkedIn's token revocation endpoint, called on disconnect (empty: none)
    #[arg(long, env = "POSTCORE_LINKEDIN_REVOKE_URL", value_name = "URL",
          default_value = DEFAULT_REVOKE_URL)]
    pub linkedin_revoke_url: String,
}

/// Why the LinkedIn settings cannot be used: names the settings, never a secret.
#[derive(Debug, thiserror::Error)]
pub enum LinkedInSettingsError {
    /// A client id without the other required settings.
    #[error("POSTCORE_LINKEDIN_CLIENT_ID is set, so {0} must be set too")]
    Missing(&'static str),
    /// The secret file could not be read, or is empty.
    #[error("--linkedin-client-secret-file {path}: {reason}")]
    SecretFile {
        /// The file named.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// `POSTCORE_LINKEDIN_CLIENT_SECRET` is set but blank.
    #[error("POSTCORE_LINKEDIN_CLIENT_SECRET is set but blank")]
    BlankSecret,
}

impl LinkedInArgs {
    /// The LinkedIn client configuration, or `None` when no client id is set. The redirect
    /// URI is `--public-url` (without a trailing slash) + `/oauth/linkedin/callback`;
    /// `fallback_public_url` (the server's own address) is used when none is set.
    ///
    /// # Errors
    /// [`LinkedInSettingsError`] when a client id is set without a secret or a public URL,
    /// or the secret file cannot be read.
    pub fn config(
        &self,
        fallback_public_url: Option<&str>,
    ) -> Result<Option<LinkedInConfig>, LinkedInSettingsError> {
        let Some(client_id) = self.linkedin_client_id.as_deref().map(str::trim) else {
            return Ok(None);
        };
        if client_id.is_empty() {
            return Ok(None);
        }
        let secret = self.secret()?;
        let public_url = self
            .public_url
            .as_deref()
            .or(fallback_public_url)
            .ok_or(LinkedInSettingsError::Missing("POSTCORE_PUBLIC_URL"))?;
        let redirect_uri = format!(
            "{}{LINKEDIN_CALLBACK_PATH}",
            public_url.trim().trim_end_matches('/')
        );
        let revoke = self.linkedin_revoke_url.trim();
        Ok(Some(LinkedInConfig {
            client_id: client_id.to_owned(),
            client_secret: secret,
            redirect_uri,
            scopes: self.linkedin_scopes.clone(),
            authorize_url: self.linkedin_authorize_url.clone(),
            token_url: self.linkedin_token_url.clone(),
            userinfo_url: self.linkedin_userinfo_url.clone(),
            revoke_url: (!revoke.is_empty()).then(|| revoke.to_owned()),
        }))
    }

    /// The client secret: the env var when set, else the file.
    fn secret(&self) -> Result<SecretString, LinkedInSettingsError> {
        if let Some(value) = std::env::var_os(LINKEDIN_CLIENT_SECRET_ENV) {
            let value = value.to_string_lossy();
            let value = value.trim();
            if value.is_empty() {
                return Err(LinkedInSettingsError::BlankSecret);
            }
            return Ok(SecretString::from(value.to_owned()));
        }
        let path =
            self.linkedin_client_secret_file
                .as_ref()
                .ok_or(LinkedInSettingsError::Missing(
                    "POSTCORE_LINKEDIN_CLIENT_SECRET or --linkedin-client-secret-file",
                ))?;
        let shown = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|e| LinkedInSettingsError::SecretFile {
                path: shown.clone(),
                reason: e.to_string(),
            })?;
        let text = text.trim();
        if text.is_empty() {
            return Err(LinkedInSettingsError::SecretFile {
                path: shown,
                reason: "the file is empty".into(),
            });
        }
        Ok(SecretString::from(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;
    use secrecy::ExposeSecret as _;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        linkedin: LinkedInArgs,
    }

    fn args(extra: &[&str]) -> LinkedInArgs {
        let mut argv = vec!["test"];
        argv.extend_from_slice(extra);
        Cli::try_parse_from(argv).unwrap().linkedin
    }

    #[test]
    fn without_a_client_id_linkedin_is_not_configured() {
        assert!(
            args(&[])
                .config(Some("http://127.0.0.1:8080"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn the_redirect_uri_is_the_public_url_and_the_callback_path_whatever_its_slash() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "s3cret\n").unwrap();
        let file = file.to_str().unwrap();
        for public in ["https://pc.example.com", "https://pc.example.com/"] {
            let config = args(&[
                "--linkedin-client-id",
                "id-1",
                "--linkedin-client-secret-file",
                file,
                "--public-url",
                public,
            ])
            .config(Some("http://127.0.0.1:8080"))
            .unwrap()
            .unwrap();
            assert_eq!(
                config.redirect_uri,
                "https://pc.example.com/oauth/linkedin/callback"
            );
            assert_eq!(config.client_secret.expose_secret(), "s3cret");
            assert_eq!(config.revoke_url.as_deref(), Some(DEFAULT_REVOKE_URL));
        }
    }

    #[test]
    fn a_client_id_without_a_secret_or_a_public_url_names_what_is_missing() {
        let missing = args(&["--linkedin-client-id", "id-1"])
            .config(Some("http://x"))
            .unwrap_err();
        assert_eq!(
            missing.to_string(),
            "POSTCORE_LINKEDIN_CLIENT_ID is set, so POSTCORE_LINKEDIN_CLIENT_SECRET or \
             --linkedin-client-secret-file must be set too"
        );
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, " \n").unwrap();
        let error = args(&[
            "--linkedin-client-id",
            "id-1",
            "--linkedin-client-secret-file",
            empty.to_str().unwrap(),
        ])
        .config(None)
        .unwrap_err();
        assert!(
            error.to_string().ends_with(": the file is empty"),
            "{error}"
        );
    }
}
