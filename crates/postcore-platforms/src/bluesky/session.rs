//! Reading a 200 answer of createSession: DID, handle, account status and the scope of the
//! access token, which tells an app password from the account's main password.
//!
//! Sources: the lexicon `com.atproto.server.createSession` (output `did`, `handle`,
//! `accessJwt`, `refreshJwt`, `active`, `status` ∈ takendown/suspended/deactivated) and the
//! PDS's `auth-scope.ts`/`formatScope`: an app password gets `com.atproto.appPass` (or
//! `com.atproto.appPassPrivileged`), the main password `com.atproto.access`.

use super::{BlueskySession, PLATFORM, rejected};
use crate::{PlatformError, ProtocolError, RejectReason};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use postcore_domain::{BlueskyHandle, is_valid_did};
use secrecy::{ExposeSecret, SecretString};

/// The fields of the answer PostCore reads. `refreshJwt` is not read at all, and the
/// access token is a secret that is dropped once its scope is known.
#[derive(serde::Deserialize)]
struct Answer {
    did: Option<String>,
    handle: Option<String>,
    #[serde(rename = "accessJwt")]
    access_jwt: Option<SecretString>,
    active: Option<bool>,
    status: Option<String>,
}

/// The claims of the access token PostCore reads.
#[derive(serde::Deserialize)]
struct Claims {
    scope: Option<String>,
    sub: Option<String>,
}

/// base64url, with or without padding (JWTs have none; be lenient).
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn protocol(detail: &str) -> PlatformError {
    ProtocolError::error(PLATFORM, detail)
}

/// The session in a 200 body, or why it does not sign the account in with an app password.
pub(super) fn parse(body: &[u8]) -> Result<BlueskySession, PlatformError> {
    // serde's error text could quote the body: never kept.
    let answer: Answer = serde_json::from_slice(body)
        .map_err(|_| protocol("the createSession answer is not the JSON object of its lexicon"))?;
    let did = answer
        .did
        .ok_or_else(|| protocol("the createSession answer has no did"))?;
    if !is_valid_did(&did) {
        return Err(protocol(
            "the createSession answer's did is not a valid DID",
        ));
    }
    // `handle.invalid` (the PDS's placeholder for a handle that no longer resolves) is
    // refused here too: there is no handle to show.
    let handle = answer
        .handle
        .ok_or_else(|| protocol("the createSession answer has no handle"))
        .and_then(|h| {
            BlueskyHandle::parse(&h)
                .map_err(|_| protocol("the createSession answer's handle is not a valid handle"))
        })?;
    let token = answer
        .access_jwt
        .ok_or_else(|| protocol("the createSession answer has no accessJwt"))?;
    let claims = claims(&token)?;
    drop(token);
    if claims.sub.as_deref().is_some_and(|sub| sub != did) {
        return Err(protocol(
            "the access token is for another DID than the answer's",
        ));
    }
    if answer.active == Some(false) {
        return Err(rejected(match answer.status.as_deref() {
            Some("takendown") => RejectReason::AccountTakenDown,
            Some("suspended") => RejectReason::AccountSuspended,
            Some("deactivated") => RejectReason::AccountDeactivated,
            _ => RejectReason::AccountUnusable,
        }));
    }
    match claims.scope.as_deref() {
        Some("com.atproto.appPass" | "com.atproto.appPassPrivileged") => Ok(BlueskySession {
            did,
            display_name: handle.as_str().to_owned(),
            handle,
        }),
        Some("com.atproto.takendown") => Err(rejected(RejectReason::AccountTakenDown)),
        Some("com.atproto.signupQueued") => Err(rejected(RejectReason::AccountUnusable)),
        Some(_) => Err(rejected(RejectReason::NotAnAppPassword)),
        None => Err(protocol("the access token has no scope")),
    }
}

/// The payload of the access token, decoded without checking its signature: the token is
/// signed with the service's own secret (HS256), which PostCore cannot know, and it came
/// straight from the service PostCore asked, over the connection PostCore opened (TLS in
/// production). PostCore reads its scope to classify the password and never presents the
/// token to anyone, so a forged token could only misclassify its own sender's answer.
fn claims(token: &SecretString) -> Result<Claims, PlatformError> {
    let not_a_jwt = || protocol("the access token is not a JWT");
    let mut parts = token.expose_secret().split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(not_a_jwt());
    };
    let json = BASE64URL.decode(payload).map_err(|_| not_a_jwt())?;
    serde_json::from_slice(&json).map_err(|_| not_a_jwt())
}
