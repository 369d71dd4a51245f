//! The stand-in's answers: createSession's success and refusals as the PDS gives them, and
//! the injected failures.

use super::{Failure, State};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::{Request, Respond, ResponseTemplate};

/// The DID of the account whose handle or DID is `identifier` (case-insensitive).
pub(super) fn find(state: &State, identifier: &str) -> Option<String> {
    let identifier = identifier.to_ascii_lowercase();
    state
        .accounts
        .iter()
        .find(|(did, a)| did.to_ascii_lowercase() == identifier || a.handle == identifier)
        .map(|(did, _)| did.clone())
}

/// A JWT as the PDS makes one (`scope`, `sub`, `exp`) with a fake signature.
fn jwt(scope: &str, did: &str) -> String {
    let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        part(json!({"typ": "at+jwt", "alg": "HS256"})),
        part(json!({"scope": scope, "sub": did, "exp": 1_900_000_000})),
        URL_SAFE_NO_PAD.encode("sig")
    )
}

fn xrpc_error(status: u16, name: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": name, "message": message}))
}

impl Failure {
    fn answer(&self) -> ResponseTemplate {
        match self {
            Self::RateLimited { retry_after_secs } => {
                xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded")
                    .insert_header("retry-after", retry_after_secs.to_string())
            }
            Self::Status(code) => xrpc_error(*code, "InternalServerError", "Internal Server Error"),
            Self::Hang => ResponseTemplate::new(200).set_delay(Duration::from_secs(3600)),
            Self::Garbage => ResponseTemplate::new(200).set_body_string("<html>oops</html>"),
            Self::Huge(bytes) => ResponseTemplate::new(200).set_body_bytes(vec![b'a'; *bytes]),
        }
    }
}

pub(super) struct Responder(pub(super) Arc<Mutex<State>>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().expect("stand-in state");
        state.calls += 1;
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        if state.record_bodies {
            state.bodies.push(body.clone());
        }
        if let Some(failure) = state.next_failure.take().or_else(|| state.failure.clone()) {
            return failure.answer();
        }
        let (Some(identifier), Some(password)) =
            (body["identifier"].as_str(), body["password"].as_str())
        else {
            return xrpc_error(
                400,
                "InvalidRequest",
                "Input must have the property \"identifier\" and \"password\"",
            );
        };
        sign_in(&state, identifier, password)
    }
}

/// createSession's answer for an identifier and password.
fn sign_in(state: &State, identifier: &str, password: &str) -> ResponseTemplate {
    let invalid = || {
        xrpc_error(
            401,
            "AuthenticationRequired",
            "Invalid identifier or password",
        )
    };
    let Some(did) = find(state, identifier) else {
        return invalid();
    };
    let account = &state.accounts[&did];
    let scope = if account.main_password.as_deref() == Some(password) {
        "com.atproto.access"
    } else if account.app_passwords.iter().any(|p| p == password) {
        "com.atproto.appPass"
    } else {
        return invalid();
    };
    if account.status.as_deref() == Some("takendown") {
        return xrpc_error(401, "AccountTakedown", "Account has been taken down");
    }
    if scope == "com.atproto.access" && account.second_factor {
        return xrpc_error(
            401,
            "AuthFactorTokenRequired",
            "A sign in code has been sent to your email address",
        );
    }
    let mut answer = json!({
        "accessJwt": jwt(scope, &did),
        "refreshJwt": jwt("com.atproto.refresh", &did),
        "did": did,
        "handle": account.handle,
        "active": account.status.is_none(),
    });
    if let Some(status) = &account.status {
        answer["status"] = json!(status);
    }
    ResponseTemplate::new(200).set_body_json(answer)
}
