//! The stand-in's token, userinfo and revoke endpoints, and the routing of requests to
//! them (authorize is in `authorize.rs`).

use super::authorize::{authorize, random_token};
use super::{Grant, Member, State, TokenFailure};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::{Request, Respond, ResponseTemplate};

/// Which endpoint a responder serves.
#[derive(Debug, Clone, Copy)]
pub(super) enum Route {
    Authorize,
    Token,
    Userinfo,
    Revoke,
}

pub(super) struct Responder {
    pub(super) state: Arc<Mutex<State>>,
    pub(super) route: Route,
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().expect("stand-in state");
        match self.route {
            Route::Authorize => authorize(&mut state, request),
            Route::Token => token(&mut state, &form(request)),
            Route::Userinfo => userinfo(&mut state, request),
            Route::Revoke => revoke(&mut state, &form(request)),
        }
    }
}

/// A request's `application/x-www-form-urlencoded` body.
fn form(request: &Request) -> HashMap<String, String> {
    form_urlencoded::parse(&request.body).into_owned().collect()
}

/// An OAuth error answer (RFC 6749 §5.2).
fn oauth_error(status: u16, error: &str, description: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"error": error, "error_description": description}))
}

impl TokenFailure {
    fn answer(&self) -> ResponseTemplate {
        match self {
            Self::InvalidGrant => {
                oauth_error(400, "invalid_grant", "The token has expired or was revoked")
            }
            Self::Status(code) => oauth_error(*code, "server_error", "Internal error"),
            Self::RateLimited { retry_after_secs } => {
                oauth_error(429, "rate_limited", "Too many requests")
                    .insert_header("retry-after", retry_after_secs.to_string())
            }
            Self::Hang => ResponseTemplate::new(200).set_delay(Duration::from_secs(3600)),
        }
    }
}

/// Whether the form names the stand-in's client with its secret.
fn client_ok(form: &HashMap<String, String>) -> bool {
    form.get("client_id").map(String::as_str) == Some(super::LinkedInStandIn::CLIENT_ID)
        && form.get("client_secret").map(String::as_str)
            == Some(super::LinkedInStandIn::CLIENT_SECRET)
}

fn invalid_client() -> ResponseTemplate {
    oauth_error(401, "invalid_client", "Client authentication failed")
}

/// POST token: the code exchange (RFC 6749 §4.1.3) and the refresh (§6).
fn token(state: &mut State, form: &HashMap<String, String>) -> ResponseTemplate {
    let grant_type = form.get("grant_type").map(String::as_str);
    match grant_type {
        Some("authorization_code") => state.counts.token_exchange += 1,
        Some("refresh_token") => state.counts.token_refresh += 1,
        _ => state.counts.token_other += 1,
    }
    if let Some(failure) = &state.token_failure {
        return failure.answer();
    }
    if !client_ok(form) {
        return invalid_client();
    }
    let invalid_grant = |why| oauth_error(400, "invalid_grant", why);
    match grant_type {
        Some("authorization_code") => {
            let Some(code) = form.get("code").and_then(|c| state.codes.get_mut(c)) else {
                return invalid_grant("The authorization code is unknown");
            };
            if code.used || code.expired {
                return invalid_grant("The authorization code was already used or has expired");
            }
            // RFC 6749 §4.1.3: byte for byte the redirect URI of the authorization request.
            if form.get("redirect_uri") != Some(&code.redirect_uri) {
                return invalid_grant("The redirect_uri does not match the authorization request");
            }
            code.used = true;
            let (member, scope) = (code.member.clone(), code.scope.clone());
            issue(state, member, &scope)
        }
        Some("refresh_token") => {
            let used = form.get("refresh_token").cloned().unwrap_or_default();
            let Some(member) = state
                .refresh_tokens
                .get(&used)
                .filter(|g| g.live)
                .map(|g| g.member.clone())
            else {
                return invalid_grant("The refresh token has expired or was revoked");
            };
            if state.issue_refresh_tokens {
                state
                    .refresh_tokens
                    .get_mut(&used)
                    .expect("found above")
                    .live = false;
            }
            issue(state, member, "openid,profile,email,w_member_social")
        }
        _ => oauth_error(
            400,
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        ),
    }
}

/// A token answer for `member`: a new access token, and a refresh token when configured.
fn issue(state: &mut State, member: Member, scope: &str) -> ResponseTemplate {
    let access_token = random_token("AQV");
    let mut answer = json!({"access_token": access_token, "scope": scope, "token_type": "Bearer"});
    if let Some(expires_in) = &state.expires_in {
        answer["expires_in"] = expires_in.clone();
    }
    if state.issue_refresh_tokens {
        let refresh_token = random_token("AQW");
        answer["refresh_token"] = json!(refresh_token);
        answer["refresh_token_expires_in"] = json!(31_536_000);
        let grant = Grant {
            member: member.clone(),
            live: true,
        };
        state.refresh_tokens.insert(refresh_token, grant);
    }
    state
        .access_tokens
        .insert(access_token, Grant { member, live: true });
    ResponseTemplate::new(200).set_body_json(answer)
}

/// GET userinfo (OpenID Connect Core §5.3): the member of a live bearer token, else 401.
fn userinfo(state: &mut State, request: &Request) -> ResponseTemplate {
    state.counts.userinfo += 1;
    let token = request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let revoke_now = std::mem::take(&mut state.userinfo_401_next);
    let grant = state.access_tokens.get_mut(token);
    let Some(grant) = grant.filter(|g| g.live && !revoke_now) else {
        if let Some(grant) = state.access_tokens.get_mut(token) {
            grant.live = false;
        }
        return ResponseTemplate::new(401)
            .insert_header("www-authenticate", "Bearer error=\"invalid_token\"")
            .set_body_json(json!({"serviceErrorCode": 65600, "message": "Invalid access token", "status": 401}));
    };
    let Member { sub, name } = &grant.member;
    let (given, family) = name.split_once(' ').unwrap_or((name, ""));
    ResponseTemplate::new(200).set_body_json(json!({
        "sub": sub,
        "email_verified": true,
        "name": name,
        "locale": {"country": "US", "language": "en"},
        "given_name": given,
        "family_name": family,
        "email": format!("{sub}@members.example"),
        "picture": "https://media.licdn.example/profile.jpg",
    }))
}

/// POST revoke (RFC 7009 §2): 200 for any token of the client, known or not.
fn revoke(state: &mut State, form: &HashMap<String, String>) -> ResponseTemplate {
    state.counts.revoke += 1;
    if !client_ok(form) {
        return invalid_client();
    }
    let token = form.get("token").map(String::as_str).unwrap_or_default();
    let grant = state
        .access_tokens
        .get_mut(token)
        .or(state.refresh_tokens.get_mut(token));
    if let Some(grant) = grant.filter(|g| g.live) {
        grant.live = false;
        state.revoked += 1;
    }
    ResponseTemplate::new(200)
}
