//! The four remote calls of the LinkedIn client: each one request, no retry, logged once
//! with its status and the kind of its outcome.

use super::{LinkedInClient, Member, PLATFORM, TokenSet, answer, member, token};
use crate::http::{log_outcome, read_bounded, transient_status, transport_error};
use crate::{PlatformError, ProtocolError};
use secrecy::{ExposeSecret, SecretString};

/// An answer worth reading: 200, or a refusal (4xx other than 429), with its bounded body.
enum Answer {
    Ok(Vec<u8>),
    Refused(u16, Vec<u8>),
}

impl LinkedInClient {
    /// Exchanges an authorization code for tokens (RFC 6749 §4.1.3): `POST token_url` with
    /// the form `grant_type=authorization_code`, `code`, `redirect_uri` (the configured one,
    /// byte for byte), `client_id`, `client_secret`. One request, no retry.
    ///
    /// # Errors
    /// - [`PlatformError::Rejected`] with [`crate::RejectReason::InvalidGrant`]: the code is
    ///   expired, already used, revoked, or was issued for another redirect URI (RFC 6749
    ///   §5.2 `invalid_grant`);
    /// - [`PlatformError::Transient`]: timeout, connection failure, 429, 5xx (with
    ///   `Retry-After` when sent);
    /// - [`PlatformError::Protocol`]: `invalid_client` or `unauthorized_client` (check the
    ///   client id and secret), any other error answer or status, a body over the size
    ///   limit, or a 200 without a usable `access_token` (see [`TokenSet`]).
    pub async fn exchange_code(&self, code: &SecretString) -> Result<TokenSet, PlatformError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.expose_secret()),
            ("redirect_uri", &self.redirect_uri),
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        self.token_call("exchange_code", &form).await
    }

    /// Renews the access token with a refresh token (RFC 6749 §6): `POST token_url` with
    /// the form `grant_type=refresh_token`, `refresh_token`, `client_id`, `client_secret`.
    /// The answer may or may not hold a new refresh token. One request, no retry.
    ///
    /// # Errors
    /// As [`exchange_code`](Self::exchange_code); `invalid_grant` here means the refresh
    /// token is expired or revoked: the member must connect again.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet, PlatformError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        self.token_call("refresh", &form).await
    }

    async fn token_call(
        &self,
        call: &str,
        form: &[(&str, &str)],
    ) -> Result<TokenSet, PlatformError> {
        let request = self.http.post(self.token_url.clone()).form(form);
        let (status, answer) = self.send("token", request).await;
        let outcome = answer.and_then(|answer| match answer {
            Answer::Ok(body) => token::parse(&body),
            Answer::Refused(status, body) => Err(answer::refusal("token", status, &body)),
        });
        log_outcome(PLATFORM, call, status, &outcome);
        outcome
    }

    /// Reads the member the access token belongs to: `GET userinfo_url` with
    /// `Authorization: Bearer` (OpenID Connect Core §5.3). One request, no retry.
    ///
    /// # Errors
    /// - [`PlatformError::Rejected`] with [`crate::RejectReason::AccessRevoked`] on 401 (the
    ///   token is not, or no longer, valid: OpenID Connect Core §5.3.3, RFC 6750 §3.1);
    /// - [`PlatformError::Transient`]: timeout, connection failure, 429, 5xx;
    /// - [`PlatformError::Protocol`]: any other status (403 when the token lacks the
    ///   `openid` scope), a body over the size limit, an answer without `sub`.
    pub async fn userinfo(&self, access_token: &SecretString) -> Result<Member, PlatformError> {
        let request = self
            .http
            .get(self.userinfo_url.clone())
            .bearer_auth(access_token.expose_secret());
        let (status, answer) = self.send("userinfo", request).await;
        let outcome = answer.and_then(|answer| match answer {
            Answer::Ok(body) => member::parse(&body),
            Answer::Refused(401, _) => Err(super::rejected(crate::RejectReason::AccessRevoked)),
            Answer::Refused(status, _) => Err(ProtocolError::error(
                PLATFORM,
                format!("the userinfo endpoint answered status {status}"),
            )),
        });
        log_outcome(PLATFORM, "userinfo", status, &outcome);
        outcome
    }

    /// Revokes `token` (RFC 7009 §2.1): `POST revoke_url` with the form `client_id`,
    /// `client_secret`, `token`. `Ok(())` on 200 (which RFC 7009 §2.2 also answers for a
    /// token that was already invalid); without a revoke URL, `Ok(())` and no request.
    ///
    /// # Errors
    /// As [`exchange_code`](Self::exchange_code) for any answer but 200.
    pub async fn revoke(&self, token: &SecretString) -> Result<(), PlatformError> {
        let Some(url) = &self.revoke_url else {
            tracing::debug!(
                platform = "linkedin",
                "revoke: no revoke URL configured, skipped"
            );
            return Ok(());
        };
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("token", token.expose_secret()),
        ];
        let request = self.http.post(url.clone()).form(&form);
        let (status, answer) = self.send("revoke", request).await;
        let outcome = answer.and_then(|answer| match answer {
            Answer::Ok(_) => Ok(()),
            Answer::Refused(status, body) => Err(answer::refusal("revoke", status, &body)),
        });
        log_outcome(PLATFORM, "revoke", status, &outcome);
        outcome
    }

    /// Sends `request` and sorts the answer: 200 and 4xx (but 429) are read, bounded;
    /// 429, 5xx and transport failures are transient; any other status is a protocol error.
    async fn send(
        &self,
        endpoint: &str,
        request: reqwest::RequestBuilder,
    ) -> (Option<u16>, Result<Answer, PlatformError>) {
        tracing::debug!(platform = "linkedin", "{endpoint} endpoint: sending");
        let response = match request.header("accept", "application/json").send().await {
            Ok(response) => response,
            Err(error) => return (None, Err(transport_error(PLATFORM, &error))),
        };
        let status = response.status().as_u16();
        if let Some(error) = transient_status(PLATFORM, &response) {
            return (Some(status), Err(error));
        }
        let answer = match status {
            200 | 400..=499 => read_bounded(PLATFORM, response, self.limits.max_response_bytes)
                .await
                .map(|body| match status {
                    200 => Answer::Ok(body),
                    _ => Answer::Refused(status, body),
                }),
            other => Err(ProtocolError::error(
                PLATFORM,
                format!("the {endpoint} endpoint answered status {other}"),
            )),
        };
        (Some(status), answer)
    }
}
