//! `refresh_due`: one pass of the refresher over the connections that are due.

use crate::{RefreshReport, RefreshResult, RefreshRow, RefreshSettings, backoff};
use postcore_domain::{Connection, Platform, Timestamp, TokenExpiry, token_expiry};
use postcore_platforms::PlatformError;
use postcore_platforms::linkedin::{LinkedInClient, TokenSet};
use postcore_store::{
    AccountId, Credentials, RefreshCandidate, RefreshRelease, Repository, StoreError,
};

/// The only platform whose tokens are refreshed (Bluesky app passwords do not expire).
const PLATFORM: Platform = Platform::LinkedIn;

/// One pass at `now` (UTC): takes up to `settings.batch` LinkedIn connections that hold a
/// refresh token, are not marked, expire before `now + settings.lead` and are neither
/// leased nor backing off (soonest expiry first); for each, claims the refresh lease until
/// `now + settings.lease`, calls LinkedIn's token endpoint once (RFC 6749 §6), and ends the
/// lease in one of the ways of [`RefreshResult`]. A refresh token past its own expiry is
/// marked without a call.
///
/// `account`: only that account's connections (the store's candidates are filtered, so
/// with an account every due connection is read, and the batch applies to that account's).
/// `dry_run`: claims nothing, calls nothing, writes nothing; every due connection is
/// [`RefreshResult::WouldRefresh`].
///
/// Logs a warning per failure, with `profile.key` and `platform` fields and never a token.
///
/// # Errors
/// The store's errors; a lease taken before one stays until it runs out.
pub async fn refresh_due(
    store: &dyn Repository,
    linkedin: &LinkedInClient,
    now: Timestamp,
    settings: &RefreshSettings,
    account: Option<AccountId>,
    dry_run: bool,
) -> Result<RefreshReport, StoreError> {
    let limit = if account.is_some() {
        u32::MAX
    } else {
        settings.batch
    };
    let candidates = store
        .refresh_candidates(PLATFORM, now + settings.lead, now, limit)
        .await?;
    let mut report = RefreshReport::default();
    let due = candidates
        .into_iter()
        .filter(|c| account.is_none_or(|a| c.stored.account == a))
        .take(usize::try_from(settings.batch).unwrap_or(usize::MAX));
    for candidate in due {
        let mut row = RefreshRow {
            account_name: candidate.stored.account_name.clone(),
            profile_key: candidate.stored.profile_key.clone(),
            platform: PLATFORM,
            expires_at: candidate.stored.connection.expires_at(),
            result: RefreshResult::WouldRefresh,
        };
        if !dry_run {
            let (result, expires_at) =
                refresh_one(store, linkedin, now, settings, candidate).await?;
            row.result = result;
            row.expires_at = expires_at.or(row.expires_at);
        }
        report.rows.push(row);
    }
    Ok(report)
}

/// Claims, refreshes and ends the lease of one candidate: its result, and the new expiry
/// when it was renewed.
async fn refresh_one(
    store: &dyn Repository,
    linkedin: &LinkedInClient,
    now: Timestamp,
    settings: &RefreshSettings,
    candidate: RefreshCandidate,
) -> Result<(RefreshResult, Option<Timestamp>), StoreError> {
    let target = candidate.target();
    let key = &target.profile_key;
    if !store
        .claim_refresh(&target, now, now + settings.lease)
        .await?
    {
        return Ok((RefreshResult::LostRace, None));
    }
    let credentials = &candidate.stored.credentials;
    let expired = credentials
        .refresh_token_expires_at
        .is_some_and(|at| at <= now);
    let refresh_token = match &credentials.refresh_token {
        Some(token) if !expired => token,
        // A candidate always holds a refresh token; without one it cannot be renewed.
        _ => {
            tracing::warn!(
                profile.key = %key,
                platform = PLATFORM.as_str(),
                "the refresh token has expired: the connection needs a reconnect"
            );
            let released = store
                .release_refresh(&target, RefreshRelease::Rejected, now)
                .await?;
            return Ok((
                lost_unless(released, RefreshResult::RefreshTokenExpired),
                None,
            ));
        }
    };
    let (release, result) = match linkedin.refresh(refresh_token).await {
        Ok(tokens) => {
            let (connection, credentials) = renewed(&candidate, tokens, now);
            let expires_at = connection.expires_at();
            let done = store
                .complete_refresh(&target, connection, credentials)
                .await?;
            if done {
                tracing::debug!(profile.key = %key, platform = PLATFORM.as_str(), "token refreshed");
            }
            return Ok((lost_unless(done, RefreshResult::Refreshed), expires_at));
        }
        Err(PlatformError::Rejected(rejection)) => {
            tracing::warn!(
                profile.key = %key,
                platform = PLATFORM.as_str(),
                error = %rejection,
                "refresh refused: the connection needs a reconnect"
            );
            (RefreshRelease::Rejected, RefreshResult::Rejected)
        }
        Err(error) => {
            let at = backoff(settings, candidate.failures, error.retry_after(), now);
            tracing::warn!(
                profile.key = %key,
                platform = PLATFORM.as_str(),
                %error,
                retry_at = %postcore_domain::format_timestamp(at),
                "refresh failed; will retry"
            );
            (
                RefreshRelease::RetryAfter(at),
                RefreshResult::RetryLater(at),
            )
        }
    };
    let released = store.release_refresh(&target, release, now).await?;
    Ok((lost_unless(released, result), None))
}

/// `result` when the store applied it, else [`RefreshResult::LostRace`].
fn lost_unless(applied: bool, result: RefreshResult) -> RefreshResult {
    if applied {
        result
    } else {
        RefreshResult::LostRace
    }
}

/// The renewed connection and its new secrets: connected at `now`, the expiry from
/// `expires_in` by the platform's policy (issue 11 item 6), the stored display name,
/// username and member id kept; a refresh token (with its expiry) only when one was sent.
fn renewed(
    candidate: &RefreshCandidate,
    tokens: TokenSet,
    now: Timestamp,
) -> (Connection, Credentials) {
    let old = &candidate.stored.connection;
    let expiry = token_expiry(PLATFORM, now, tokens.expires_in);
    if let Some(TokenExpiry::Capped(_)) = expiry {
        tracing::warn!(
            profile.key = %candidate.stored.profile_key,
            platform = PLATFORM.as_str(),
            expires_in = tokens.expires_in,
            "expires_in is longer than the platform's token lifetime: capped to it"
        );
    }
    let connection = Connection::new(PLATFORM, old.display_name(), old.username(), now)
        .with_expires_at(expiry.map(TokenExpiry::at))
        .with_platform_account_id(old.platform_account_id().map(str::to_owned));
    let refresh_token_expires_at = tokens
        .refresh_token
        .as_ref()
        .and_then(|_| postcore_domain::refresh_token_expiry(now, tokens.refresh_token_expires_in));
    let credentials = Credentials {
        access_token: Some(tokens.access_token),
        refresh_token: tokens.refresh_token,
        app_password: None,
        refresh_token_expires_at,
    };
    (connection, credentials)
}
