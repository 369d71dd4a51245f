//! LinkedIn by OAuth 2.0 (api.md §5.5): the two ways to start the authorization-code flow,
//! and the callback that finishes it (RFC 6749 §4.1).

use crate::auth::Authenticated;
use crate::extract::{InOrder, JsonBody};
use crate::oauth::{FlowError, STATE_LIFETIME_SECONDS, finish, new_state, state_digest};
use crate::routes::connect::named_profile;
use crate::{ApiError, AppState};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use postcore_api::{AuthorizationStart, LinkedInStartRequest};
use postcore_domain::{
    ApiKey, Connection, ConnectionError, Platform, ProfileKey, Timestamp, TokenExpiry,
    format_timestamp, refresh_token_expiry, token_expiry, whole_seconds,
};
use postcore_platforms::PlatformError;
use postcore_platforms::linkedin::{LinkedInClient, Member, TokenSet};
use postcore_store::{
    AccountId, Conflict, Credentials, Entity, OAuthState, SecretString, StoreError,
};
use std::collections::HashMap;

/// The answer when LinkedIn is not configured (api.md §4, 501).
pub(crate) const NOT_CONFIGURED: &str = "LinkedIn is not configured on this server: set \
     POSTCORE_LINKEDIN_CLIENT_ID, POSTCORE_LINKEDIN_CLIENT_SECRET (or \
     --linkedin-client-secret-file) and POSTCORE_PUBLIC_URL";

/// `POST /profiles/connect/linkedin` (recommended): with the `x-api-key` header and the
/// body `{"profileKey"?, "returnUrl"?}`, 200 `{"authorizationUrl", "expiresAt"}`. Send the
/// user's browser to `authorizationUrl`; no API key ever travels in a browser URL.
///
/// # Errors
/// 401; 501 `NOT_CONFIGURED`; 400 `VALIDATION_ERROR` for a bad body or a `returnUrl` not on
/// the account's allow-list; 404 `PROFILE_NOT_FOUND`.
#[utoipa::path(
    post,
    path = "/profiles/connect/linkedin",
    tag = "connections",
    security(("apiKey" = [])),
    request_body(content = postcore_api::LinkedInStartRequest, content_type = "application/json",
        description = "Optional; without a profileKey the callback creates a profile",
        example = json!({"profileKey": "prof_abc123def456", "returnUrl": "https://app.example.com/connected"})),
    responses(
        (status = 200, description = "Send the user's browser to authorizationUrl before expiresAt",
            body = postcore_api::AuthorizationStart,
            example = json!({"authorizationUrl": "https://www.linkedin.com/oauth/v2/authorization?response_type=code&client_id=…&state=…",
                "expiresAt": "2025-01-06T12:40:00Z"})),
        crate::openapi::errors::BadBody, crate::openapi::errors::BodyRefused, crate::openapi::errors::Unauthorized, crate::openapi::errors::ProfileMissing, crate::openapi::errors::RateLimited,
        crate::openapi::errors::Internal, crate::openapi::errors::NotConfigured,
    ),
)]
pub async fn start(
    InOrder(caller, JsonBody(body)): InOrder<
        Authenticated,
        JsonBody<serde_json::Map<String, serde_json::Value>>,
    >,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // Read as a JSON object first, so that an array is refused like any non-object body.
    let body: LinkedInStartRequest = match body {
        None => LinkedInStartRequest::default(),
        Some(object) => serde_json::from_value(serde_json::Value::Object(object))
            .map_err(|e| ApiError::Validation(format!("Invalid request body: {e}")))?,
    };
    let profile_key = body
        .profile_key
        .as_deref()
        .map(|k| ProfileKey::parse(k).ok());
    let (url, expires_at) = begin(&state, caller.account, profile_key, body.return_url).await?;
    Ok(HttpResponse::Ok().json(AuthorizationStart {
        authorization_url: url,
        expires_at: format_timestamp(expires_at),
    }))
}

/// `GET /profiles/connect?apiKey=…&platform=linkedin&profileKey=…&returnUrl=…`
/// (hosted-compatible): 302 to LinkedIn's authorization URL. The API key travels in the
/// URL, so the request log never records query strings; prefer [`start`].
///
/// # Errors
/// As [`start`], as JSON, before any redirect: 401 (`apiKey` missing or invalid), 429 (over
/// a rate limit), 400 (`platform` not `linkedin`, a `returnUrl` not on the allow-list),
/// 404, 501.
#[utoipa::path(
    get,
    path = "/profiles/connect",
    tag = "connections",
    security(("apiKeyQuery" = [])),
    params(
        ("platform" = String, Query, pattern = "^linkedin$", description = "Must be `linkedin`"),
        ("profileKey" = Option<String>, Query, description = "The profile to connect; absent: the callback creates one"),
        ("returnUrl" = Option<String>, Query, description = "Where the browser goes back to; must be on the account's allow-list"),
    ),
    responses(
        (status = 302, description = "To LinkedIn's authorization page",
            headers(("Location" = String, description = "LinkedIn's authorization URL with a single-use state"))),
        crate::openapi::errors::BadQuery, crate::openapi::errors::Unauthorized, crate::openapi::errors::ProfileMissing, crate::openapi::errors::RateLimited, crate::openapi::errors::Internal,
        crate::openapi::errors::NotConfigured,
    ),
)]
pub async fn start_in_browser(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // An address over its failed-authentication limit is refused before any key is read.
    state.limits.admit_address(&req)?;
    let (query, repeated) = query_pairs(&req);
    // Two keys would make the caller ambiguous (api.md §1, as for two x-api-key headers).
    if repeated.iter().any(|name| name == "apiKey") {
        return Err(ApiError::InvalidApiKey);
    }
    if let Some(name) = repeated.first() {
        let name: String = name.chars().take(64).collect();
        return Err(ApiError::Validation(format!(
            "query parameter {name} is given more than once"
        )));
    }
    let key = query
        .get("apiKey")
        .ok_or(ApiError::MissingApiKey)
        .and_then(|k| ApiKey::parse(k).map_err(|_| ApiError::InvalidApiKey))?;
    let account = state
        .store
        .authenticate(&key, state.clock.now())
        .await?
        .ok_or(ApiError::InvalidApiKey)?;
    state.limits.admit_key(&req, &key)?;
    match query.get("platform").map(String::as_str) {
        Some("linkedin") => {}
        Some("bluesky") => {
            return Err(ApiError::Validation(
                "platform: Bluesky connects with POST /profiles/connect and an app password".into(),
            ));
        }
        _ => {
            return Err(ApiError::Validation(
                "platform must be linkedin for the browser flow".into(),
            ));
        }
    }
    let profile_key = query.get("profileKey").map(|k| ProfileKey::parse(k).ok());
    let return_url = query.get("returnUrl").cloned();
    let (url, _) = begin(&state, account, profile_key, return_url).await?;
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, url))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .finish())
}

/// The query string's parameters, and the names given more than once.
fn query_pairs(req: &HttpRequest) -> (HashMap<String, String>, Vec<String>) {
    let mut pairs = HashMap::new();
    let mut repeated = Vec::new();
    for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()).into_owned() {
        if pairs.contains_key(&name) {
            repeated.push(name.clone());
        }
        pairs.insert(name, value);
    }
    (pairs, repeated)
}

/// Checks and records a new flow; returns LinkedIn's authorization URL and when the state
/// expires. Nothing is stored on a refusal.
async fn begin(
    state: &AppState,
    account: AccountId,
    profile_key: Option<Option<ProfileKey>>,
    return_url: Option<String>,
) -> Result<(String, Timestamp), ApiError> {
    let linkedin = state
        .linkedin
        .as_ref()
        .ok_or(ApiError::NotConfigured(NOT_CONFIGURED))?;
    let profile_key = named_profile(state, account, profile_key).await?;
    if let Some(url) = &return_url
        && !state.store.is_return_url_allowed(account, url).await?
    {
        return Err(ApiError::Validation(
            "returnUrl is not on this account's allow-list: an operator adds it with \
             `postcore-admin accounts allow-return-url ACCOUNT URL`"
                .into(),
        ));
    }
    let now = whole_seconds(state.clock.now());
    let expires_at = now + chrono::Duration::seconds(STATE_LIFETIME_SECONDS);
    let secret_state = new_state();
    state
        .store
        .save_oauth_state(OAuthState {
            digest: state_digest(&secret_state),
            account,
            platform: Platform::LinkedIn,
            profile_key,
            return_url,
            created_at: now,
            expires_at,
        })
        .await?;
    Ok((linkedin.authorization_url(&secret_state), expires_at))
}

/// `GET /oauth/linkedin/callback?code=…&state=…` (or `?error=…&state=…`): LinkedIn sends
/// the browser here. The state is taken (single use); then the code is exchanged (one
/// call, with the redirect URI of the first leg), the member read from userinfo, and the
/// connection stored — only when all of it succeeded. The browser goes to the flow's
/// `returnUrl` with `profileKey` and `platform=linkedin`, or with `error=CODE`; without one
/// it gets a small page. A missing, forged, replayed or expired state makes no call to
/// LinkedIn at all.
#[utoipa::path(
    get,
    path = "/oauth/linkedin/callback",
    tag = "connections",
    params(
        ("state" = Option<String>, Query, description = "The flow's single-use state"),
        ("code" = Option<String>, Query, description = "LinkedIn's authorization code"),
        ("error" = Option<String>, Query, description = "LinkedIn's error, e.g. `user_cancelled_authorize`"),
        ("error_description" = Option<String>, Query, description = "LinkedIn's explanation of `error`"),
    ),
    responses(
        (status = 302, description = "Back to the flow's returnUrl with `profileKey` and `platform=linkedin`, or with `error`",
            headers(("Location" = String, description = "returnUrl?profileKey=…&platform=linkedin, or returnUrl?error=CODE"))),
        (status = 200, description = "Connected, and the flow had no returnUrl: a small page",
            content_type = "text/html", body = String),
        (status = 400, description = "Not connected, and the flow had no returnUrl (or the state is unknown): a small page saying why",
            content_type = "text/html", body = String),
        crate::openapi::errors::NotConfigured,
    ),
)]
pub async fn callback(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let Some(linkedin) = state.linkedin.as_ref() else {
        return actix_web::ResponseError::error_response(&ApiError::NotConfigured(NOT_CONFIGURED));
    };
    let (query, _) = query_pairs(&req);
    let now = whole_seconds(state.clock.now());
    let flow = match query.get("state").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match state.store.take_oauth_state(state_digest(s), now).await {
            Ok(flow) => flow.filter(|f| f.platform == Platform::LinkedIn),
            Err(e) => {
                tracing::error!(
                    error = format!("{:#}", anyhow::Error::new(e)),
                    "reading an OAuth state failed"
                );
                return finish(None, Err(FlowError::ServerError));
            }
        },
    };
    let Some(flow) = flow else {
        tracing::info!(
            platform = "linkedin",
            "OAuth callback with an unknown, used or expired state"
        );
        return finish(None, Err(FlowError::InvalidState));
    };
    let outcome = complete(&state, linkedin, &flow, &query, now).await;
    if let Err(e) = outcome {
        tracing::info!(
            platform = "linkedin",
            error = e.code(),
            "LinkedIn not connected"
        );
    }
    finish(flow.return_url.as_deref(), outcome.as_ref().map_err(|e| *e))
}

/// The callback's work once the state is known: LinkedIn's answer, the code exchange, the
/// member, the store.
async fn complete(
    state: &AppState,
    linkedin: &LinkedInClient,
    flow: &OAuthState,
    query: &HashMap<String, String>,
    now: Timestamp,
) -> Result<ProfileKey, FlowError> {
    if let Some(error) = query.get("error") {
        // LinkedIn sends `user_cancelled_authorize` / `user_cancelled_login` when the
        // member declines; RFC 6749 §4.1.2.1 says `access_denied`.
        return Err(match error.as_str() {
            "access_denied" | "user_cancelled_authorize" | "user_cancelled_login" => {
                FlowError::AccessDenied
            }
            _ => FlowError::AuthorizationFailed,
        });
    }
    let code = query
        .get("code")
        .filter(|c| !c.is_empty())
        .ok_or(FlowError::InvalidRequest)?;
    let tokens = linkedin
        .exchange_code(&code.clone().into())
        .await
        .map_err(flow_error)?;
    let member = linkedin
        .userinfo(&tokens.access_token)
        .await
        .map_err(flow_error)?;
    let revocable = tokens.access_token.clone();
    let (connection, credentials) = match connection_of(&member, tokens, now) {
        Ok(made) => made,
        Err(e) => {
            revoke_unused(linkedin, &revocable).await;
            return Err(e);
        }
    };
    let stored = match &flow.profile_key {
        Some(key) => state
            .store
            .connect(flow.account, key, connection, credentials)
            .await
            .map(|outcome| (key.clone(), format!("{outcome:?}").to_lowercase())),
        None => state
            .store
            .connect_new_profile(flow.account, connection, credentials, now)
            .await
            .map(|p| (p.key().clone(), "created with a new profile".to_owned())),
    };
    match stored {
        Ok((key, outcome)) => {
            tracing::info!(profile.key = %key, platform = "linkedin", outcome = %outcome, "platform connected");
            Ok(key)
        }
        Err(e) => {
            // The grant is not kept: give it back to LinkedIn (best effort).
            revoke_unused(linkedin, &revocable).await;
            match e {
                StoreError::Conflict(Conflict::PlatformAlreadyConnected) => {
                    Err(FlowError::PlatformAlreadyConnected)
                }
                StoreError::NotFound(Entity::Profile) => Err(FlowError::ProfileNotFound),
                e => {
                    tracing::error!(
                        error = format!("{:#}", anyhow::Error::new(e)),
                        "storing a LinkedIn connection failed"
                    );
                    Err(FlowError::ServerError)
                }
            }
        }
    }
}

/// Revokes an access token the flow obtained but does not keep; a failure is logged.
async fn revoke_unused(linkedin: &LinkedInClient, token: &SecretString) {
    if let Err(e) = linkedin.revoke(token).await {
        tracing::warn!(platform = "linkedin", error = %e, "revoking an unused LinkedIn token failed");
    }
}

/// A platform failure as the flow's error code: any rejection (`invalid_grant`, a grant
/// revoked right after the token) is `authorization_failed`.
fn flow_error(e: PlatformError) -> FlowError {
    match e {
        PlatformError::Rejected(_) => FlowError::AuthorizationFailed,
        other => {
            tracing::warn!(error = %other, "LinkedIn failed during the OAuth callback");
            FlowError::UpstreamError
        }
    }
}

/// The connection and secrets of `member`'s new tokens, issued at `now` (UTC).
/// `displayName` is the member's name (given and family names, else the member id);
/// `username` is the member's email, else the member id — LinkedIn's OpenID userinfo has
/// no vanity name. The member id (`sub`) is the platform account id.
pub fn connection_of(
    member: &Member,
    tokens: TokenSet,
    now: Timestamp,
) -> Result<(Connection, Credentials), FlowError> {
    let expiry =
        token_expiry(Platform::LinkedIn, now, tokens.expires_in).expect("LinkedIn tokens expire");
    if let TokenExpiry::Capped(_) = expiry {
        tracing::warn!(
            platform = "linkedin",
            expires_in = tokens.expires_in,
            "LinkedIn stated a token lifetime longer than 60 days: capped to 60 days"
        );
    }
    let display_name = member
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| {
            let parts: Vec<&str> = [&member.given_name, &member.family_name]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
        .unwrap_or_else(|| member.sub.clone());
    let username = member.email.clone().unwrap_or_else(|| member.sub.clone());
    let connection = Connection::new(Platform::LinkedIn, display_name.trim(), username, now)
        .with_expires_at(Some(expiry.at()))
        .with_platform_account_id(Some(member.sub.clone()));
    match connection.validate() {
        Ok(()) => {}
        // No instant here comes from the client: connectedAt is the clock's, and the expiry
        // at most 60 days later. Past 9999-12-31T23:59:59Z, the fault is the clock's.
        Err(e @ ConnectionError::OutOfRange(_)) => {
            tracing::error!(error = %e, "the clock is too late for an RFC 3339 expiry");
            return Err(FlowError::ServerError);
        }
        Err(e) => {
            tracing::warn!(error = %e, "LinkedIn's member cannot be stored as a connection");
            return Err(FlowError::UpstreamError);
        }
    }
    let refresh_token_expires_at = tokens
        .refresh_token
        .as_ref()
        .and_then(|_| refresh_token_expiry(now, tokens.refresh_token_expires_in));
    Ok((
        connection,
        Credentials {
            access_token: Some(tokens.access_token),
            refresh_token: tokens.refresh_token,
            app_password: None,
            refresh_token_expires_at,
        },
    ))
}
