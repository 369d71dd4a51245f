//! Every kind of createSession answer and what the client makes of it, exactly.

use crate::harness::*;
use crate::raw::{self, Behaviour};
use postcore_platforms::RejectReason::*;
use postcore_platforms::TransientReason::*;
use postcore_platforms::bluesky::BlueskySession;
use postcore_platforms::{PlatformError, RetryAfter};
use serde_json::json;
use wiremock::ResponseTemplate;

/// Where a case's answer comes from.
pub enum Stand {
    Mock(ResponseTemplate),
    Raw(Behaviour),
    Refused,
}

pub struct Case {
    pub name: &'static str,
    pub stand: Stand,
    pub expected: Result<BlueskySession, PlatformError>,
}

fn case(name: &'static str, stand: Stand, expected: Result<BlueskySession, PlatformError>) -> Case {
    Case {
        name,
        stand,
        expected,
    }
}

fn answer_with(change: impl FnOnce(&mut serde_json::Value)) -> Stand {
    let mut body = answer(DID, HANDLE, "com.atproto.appPass");
    change(&mut body);
    Stand::Mock(ok(body))
}

fn inactive(status: Option<&str>) -> Stand {
    answer_with(|b| {
        b["active"] = json!(false);
        if let Some(status) = status {
            b["status"] = json!(status);
        }
    })
}

/// Every case, with its exact outcome.
pub fn all() -> Vec<Case> {
    let app = |scope| Stand::Mock(ok(answer(DID, HANDLE, scope)));
    let status = |code| Stand::Mock(ResponseTemplate::new(code));
    let over = "response over 1048576 bytes";
    let reset = postcore_domain::parse_timestamp("2025-01-01T12:00:00Z").unwrap();
    vec![
        case(
            "app password",
            app("com.atproto.appPass"),
            session(DID, HANDLE),
        ),
        case(
            "privileged app password",
            app("com.atproto.appPassPrivileged"),
            session(DID, HANDLE),
        ),
        case(
            "the service's handle, normalised, wins",
            Stand::Mock(ok(answer(DID, "Alice2.Example.COM", "com.atproto.appPass"))),
            session(DID, "alice2.example.com"),
        ),
        case(
            "wrong password",
            Stand::Mock(xrpc_error(
                401,
                "AuthenticationRequired",
                "Invalid identifier or password",
            )),
            rejected(InvalidCredentials),
        ),
        case(
            "bad request",
            Stand::Mock(xrpc_error(400, "InvalidRequest", "x")),
            rejected(InvalidCredentials),
        ),
        case(
            "main password",
            app("com.atproto.access"),
            rejected(NotAnAppPassword),
        ),
        case(
            "unknown scope",
            app("com.example.other"),
            rejected(NotAnAppPassword),
        ),
        case(
            "second factor",
            Stand::Mock(xrpc_error(
                401,
                "AuthFactorTokenRequired",
                "A sign in code has been sent",
            )),
            rejected(SecondFactorRequired),
        ),
        case(
            "taken down",
            Stand::Mock(xrpc_error(
                401,
                "AccountTakedown",
                "Account has been taken down",
            )),
            rejected(AccountTakenDown),
        ),
        case(
            "takendown scope",
            app("com.atproto.takendown"),
            rejected(AccountTakenDown),
        ),
        case(
            "suspended",
            inactive(Some("suspended")),
            rejected(AccountSuspended),
        ),
        case(
            "deactivated",
            inactive(Some("deactivated")),
            rejected(AccountDeactivated),
        ),
        case(
            "inactive, takendown",
            inactive(Some("takendown")),
            rejected(AccountTakenDown),
        ),
        case(
            "inactive, no status",
            inactive(None),
            rejected(AccountUnusable),
        ),
        case(
            "inactive, other status",
            inactive(Some("archived")),
            rejected(AccountUnusable),
        ),
        case(
            "429 with Retry-After",
            Stand::Mock(
                xrpc_error(429, "RateLimitExceeded", "x").insert_header("retry-after", "30"),
            ),
            transient(RateLimited, Some(RetryAfter::Seconds(30))),
        ),
        case(
            "429 with RateLimit-Reset",
            Stand::Mock(
                xrpc_error(429, "RateLimitExceeded", "x")
                    .insert_header("ratelimit-reset", "1735732800"),
            ),
            transient(RateLimited, Some(RetryAfter::At(reset))),
        ),
        case("429 bare", status(429), transient(RateLimited, None)),
        case("500", status(500), transient(ServerError(500), None)),
        case(
            "502 with Retry-After",
            Stand::Mock(ResponseTemplate::new(502).insert_header("retry-after", "120")),
            transient(ServerError(502), Some(RetryAfter::Seconds(120))),
        ),
        case("503", status(503), transient(ServerError(503), None)),
        case(
            "hang",
            Stand::Raw(Behaviour::Hang),
            transient(Timeout, None),
        ),
        case(
            "stall mid-body",
            Stand::Raw(Behaviour::StallMidBody),
            transient(Timeout, None),
        ),
        case(
            "closed without answer",
            Stand::Raw(Behaviour::Close),
            transient(Interrupted, None),
        ),
        case("refused", Stand::Refused, transient(Connect, None)),
        case(
            "403",
            Stand::Mock(xrpc_error(403, "Forbidden", "x")),
            protocol("createSession answered status 403 without a known atproto error"),
        ),
        case(
            "404",
            status(404),
            protocol("createSession answered status 404"),
        ),
        case(
            "redirect",
            Stand::Mock(
                ResponseTemplate::new(302).insert_header("location", "http://127.0.0.1:9/"),
            ),
            protocol("createSession answered status 302"),
        ),
        case(
            "201",
            status(201),
            protocol("createSession answered status 201"),
        ),
        case(
            "garbage",
            Stand::Mock(ResponseTemplate::new(200).set_body_string("<html>hello</html>")),
            protocol("the createSession answer is not the JSON object of its lexicon"),
        ),
        case(
            "10 MiB with Content-Length",
            Stand::Mock(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; 10 << 20])),
            protocol(over),
        ),
        case(
            "10 MiB chunked",
            Stand::Raw(Behaviour::HugeChunked),
            protocol(over),
        ),
        case(
            "missing did",
            answer_with(|b| drop(b.as_object_mut().unwrap().remove("did"))),
            protocol("the createSession answer has no did"),
        ),
        case(
            "bad did",
            answer_with(|b| b["did"] = json!("plc:z72i7hdynmk6r22z27h6tvur")),
            protocol("the createSession answer's did is not a valid DID"),
        ),
        case(
            "did of the wrong type",
            answer_with(|b| b["did"] = json!(42)),
            protocol("the createSession answer is not the JSON object of its lexicon"),
        ),
        case(
            "missing handle",
            answer_with(|b| drop(b.as_object_mut().unwrap().remove("handle"))),
            protocol("the createSession answer has no handle"),
        ),
        case(
            "handle.invalid",
            answer_with(|b| b["handle"] = json!("handle.invalid")),
            protocol("the createSession answer's handle is not a valid handle"),
        ),
        case(
            "missing accessJwt",
            answer_with(|b| drop(b.as_object_mut().unwrap().remove("accessJwt"))),
            protocol("the createSession answer has no accessJwt"),
        ),
        case(
            "accessJwt not a JWT",
            answer_with(|b| b["accessJwt"] = json!("opaque-token")),
            protocol("the access token is not a JWT"),
        ),
        case(
            "token for another DID",
            answer_with(|b| b["accessJwt"] = json!(jwt("com.atproto.appPass", "did:plc:other"))),
            protocol("the access token is for another DID than the answer's"),
        ),
    ]
}

/// Starts the case's stand-in, signs in once, and checks the stand-in got exactly one request.
pub async fn run(stand: Stand) -> Result<BlueskySession, PlatformError> {
    match stand {
        Stand::Mock(template) => {
            let server = stand_in(template).await;
            let outcome = sign_in(&server.uri()).await;
            server.verify().await;
            outcome
        }
        Stand::Raw(behaviour) => {
            let server = raw::start(behaviour).await;
            let outcome = sign_in(&server.url).await;
            assert_eq!(server.accepted(), 1);
            outcome
        }
        Stand::Refused => sign_in(&raw::refused_url().await).await,
    }
}
