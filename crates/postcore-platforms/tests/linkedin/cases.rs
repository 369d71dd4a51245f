//! Every kind of answer of the token, userinfo and revoke endpoints, and what the client
//! makes of it, exactly.

use crate::harness::*;
use crate::raw::{self, Behaviour};
use postcore_platforms::RejectReason::*;
use postcore_platforms::RetryAfter;
use postcore_platforms::TransientReason::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Where a case's answer comes from.
pub enum Stand {
    Mock(ResponseTemplate),
    Raw(Behaviour),
    Refused,
}

pub struct Case {
    pub name: &'static str,
    pub call: Call,
    pub stand: Stand,
    pub expected: Outcome,
}

fn case(name: &'static str, call: Call, stand: Stand, expected: Outcome) -> Case {
    Case {
        name,
        call,
        stand,
        expected,
    }
}

fn ok(body: Value) -> Stand {
    Stand::Mock(ResponseTemplate::new(200).set_body_json(body))
}

fn token_with(change: impl FnOnce(&mut Value)) -> Stand {
    let mut body = token_answer();
    change(&mut body);
    ok(body)
}

fn expires_in(value: Value) -> Stand {
    token_with(|b| b["expires_in"] = value)
}

fn without(field: &'static str) -> impl FnOnce(&mut Value) {
    move |b| drop(b.as_object_mut().unwrap().remove(field))
}

/// The answers every endpoint shares: the transient failures, and the bodies that are
/// too large.
fn common(call: Call, cases: &mut Vec<Case>) {
    let status = |code| Stand::Mock(ResponseTemplate::new(code));
    let over = "response over 1048576 bytes";
    let shared = [
        (
            "429 with Retry-After",
            Stand::Mock(oauth_error(429, "x").insert_header("retry-after", "30")),
            transient(RateLimited, Some(RetryAfter::Seconds(30))),
        ),
        ("429 bare", status(429), transient(RateLimited, None)),
        ("500", status(500), transient(ServerError(500), None)),
        (
            "503 with Retry-After",
            Stand::Mock(ResponseTemplate::new(503).insert_header("retry-after", "120")),
            transient(ServerError(503), Some(RetryAfter::Seconds(120))),
        ),
        (
            "hang",
            Stand::Raw(Behaviour::Hang),
            transient(Timeout, None),
        ),
        (
            "stall mid-body",
            Stand::Raw(Behaviour::StallMidBody),
            transient(Timeout, None),
        ),
        (
            "closed without answer",
            Stand::Raw(Behaviour::Close),
            transient(Interrupted, None),
        ),
        ("refused", Stand::Refused, transient(Connect, None)),
        (
            "10 MiB with Content-Length",
            Stand::Mock(ResponseTemplate::new(200).set_body_bytes(vec![b'a'; 10 << 20])),
            protocol(over),
        ),
        (
            "10 MiB chunked",
            Stand::Raw(Behaviour::HugeChunked),
            protocol(over),
        ),
    ];
    for (name, stand, expected) in shared {
        cases.push(case(name, call, stand, expected));
    }
}

/// Every case, with its exact outcome.
pub fn all() -> Vec<Case> {
    use Call::*;
    let client_refused = |code: &str| {
        protocol(&format!(
            "the token endpoint refused PostCore's client ({code}): check POSTCORE_LINKEDIN_CLIENT_ID and POSTCORE_LINKEDIN_CLIENT_SECRET"
        ))
    };
    let not_seconds = protocol("the token answer's expires_in is not a whole number of seconds");
    let mut cases = vec![
        case("all fields", Exchange, ok(token_answer()), tokens(|_| ())),
        case(
            "expires_in as a string",
            Exchange,
            expires_in(json!("5184000")),
            tokens(|_| ()),
        ),
        case(
            "expires_in absent",
            Exchange,
            token_with(without("expires_in")),
            tokens(|t| t.expires_in = None),
        ),
        case(
            "expires_in 0",
            Exchange,
            expires_in(json!(0)),
            tokens(|t| t.expires_in = Some(0)),
        ),
        case(
            "expires_in negative",
            Exchange,
            expires_in(json!(-5)),
            tokens(|t| t.expires_in = Some(-5)),
        ),
        case(
            "expires_in in milliseconds",
            Exchange,
            expires_in(json!(5_184_000_000_i64)),
            tokens(|t| t.expires_in = Some(5_184_000_000)),
        ),
        case(
            "expires_in 5183999",
            Exchange,
            expires_in(json!(5_183_999)),
            tokens(|t| t.expires_in = Some(5_183_999)),
        ),
        case(
            "expires_in not a number",
            Exchange,
            expires_in(json!("soon")),
            not_seconds.clone(),
        ),
        case(
            "expires_in a fraction",
            Exchange,
            expires_in(json!(1.5)),
            not_seconds,
        ),
        case(
            "refresh_token_expires_in as a string",
            Exchange,
            token_with(|b| b["refresh_token_expires_in"] = json!("31536000")),
            tokens(|_| ()),
        ),
        case(
            "no refresh token",
            Exchange,
            token_with(|b| {
                without("refresh_token")(b);
                without("refresh_token_expires_in")(b);
            }),
            tokens(|t| {
                t.refresh_token = None;
                t.refresh_token_expires_in = None;
            }),
        ),
        case(
            "an empty refresh token is none",
            Exchange,
            token_with(|b| b["refresh_token"] = json!("")),
            tokens(|t| t.refresh_token = None),
        ),
        case(
            "no scope, no token_type",
            Exchange,
            token_with(|b| {
                without("scope")(b);
                without("token_type")(b);
            }),
            tokens(|t| t.scope = None),
        ),
        case(
            "token_type bearer in lower case",
            Exchange,
            token_with(|b| b["token_type"] = json!("bearer")),
            tokens(|_| ()),
        ),
        case(
            "token_type mac",
            Exchange,
            token_with(|b| b["token_type"] = json!("mac")),
            protocol("the token answer's token_type is not Bearer"),
        ),
        case(
            "no access_token",
            Exchange,
            token_with(without("access_token")),
            protocol("the token answer has no access_token"),
        ),
        case(
            "empty access_token",
            Exchange,
            token_with(|b| b["access_token"] = json!("")),
            protocol("the token answer has no access_token"),
        ),
        case(
            "garbage",
            Exchange,
            Stand::Mock(ResponseTemplate::new(200).set_body_string("<html>hello</html>")),
            protocol("the token answer is not the JSON object of RFC 6749 §5.1"),
        ),
        case(
            "invalid_grant",
            Exchange,
            Stand::Mock(oauth_error(400, "invalid_grant")),
            rejected(InvalidGrant),
        ),
        case(
            "invalid_client",
            Exchange,
            Stand::Mock(oauth_error(401, "invalid_client")),
            client_refused("invalid_client"),
        ),
        case(
            "unauthorized_client",
            Exchange,
            Stand::Mock(oauth_error(400, "unauthorized_client")),
            client_refused("unauthorized_client"),
        ),
        case(
            "invalid_request",
            Exchange,
            Stand::Mock(oauth_error(400, "invalid_request")),
            protocol("the token endpoint answered status 400 with invalid_request"),
        ),
        case(
            "bare 400",
            Exchange,
            Stand::Mock(ResponseTemplate::new(400)),
            protocol("the token endpoint answered status 400 without an OAuth error"),
        ),
        case(
            "redirect",
            Exchange,
            Stand::Mock(
                ResponseTemplate::new(302).insert_header("location", "http://127.0.0.1:9/"),
            ),
            protocol("the token endpoint answered status 302"),
        ),
        case(
            "refresh with a new refresh token",
            Refresh,
            token_with(|b| b["refresh_token"] = json!(NEW_REFRESH_TOKEN)),
            tokens(|t| t.refresh_token = Some(NEW_REFRESH_TOKEN.to_owned())),
        ),
        case(
            "refresh without a new refresh token",
            Refresh,
            token_with(without("refresh_token")),
            tokens(|t| t.refresh_token = None),
        ),
        case(
            "refresh invalid_grant",
            Refresh,
            Stand::Mock(oauth_error(400, "invalid_grant")),
            rejected(InvalidGrant),
        ),
        case("userinfo", Userinfo, ok(userinfo_answer()), member()),
        case(
            "userinfo with sub only",
            Userinfo,
            ok(json!({"sub": SUB, "name": ""})),
            Ok(Got::Member(postcore_platforms::linkedin::Member {
                sub: SUB.to_owned(),
                name: None,
                given_name: None,
                family_name: None,
                email: None,
            })),
        ),
        case(
            "userinfo 401",
            Userinfo,
            Stand::Mock(
                ResponseTemplate::new(401)
                    .insert_header("www-authenticate", "Bearer error=\"invalid_token\""),
            ),
            rejected(AccessRevoked),
        ),
        case(
            "userinfo 403",
            Userinfo,
            Stand::Mock(ResponseTemplate::new(403)),
            protocol("the userinfo endpoint answered status 403"),
        ),
        case(
            "userinfo without sub",
            Userinfo,
            ok({
                let mut b = userinfo_answer();
                without("sub")(&mut b);
                b
            }),
            protocol("the userinfo answer has no sub"),
        ),
        case(
            "userinfo with a numeric sub",
            Userinfo,
            ok(json!({"sub": 42})),
            protocol("the userinfo answer has no sub"),
        ),
        case(
            "userinfo garbage",
            Userinfo,
            Stand::Mock(ResponseTemplate::new(200).set_body_string("[1]")),
            protocol("the userinfo answer is not a JSON object"),
        ),
        case(
            "revoke",
            Revoke,
            Stand::Mock(ResponseTemplate::new(200)),
            Ok(Got::Revoked),
        ),
        case(
            "revoke invalid_client",
            Revoke,
            Stand::Mock(oauth_error(401, "invalid_client")),
            protocol(
                "the revoke endpoint refused PostCore's client (invalid_client): check POSTCORE_LINKEDIN_CLIENT_ID and POSTCORE_LINKEDIN_CLIENT_SECRET",
            ),
        ),
        case(
            "revoke 404",
            Revoke,
            Stand::Mock(ResponseTemplate::new(404)),
            protocol("the revoke endpoint answered status 404 without an OAuth error"),
        ),
    ];
    for call in [Exchange, Refresh, Userinfo, Revoke] {
        common(call, &mut cases);
    }
    cases
}

/// The method and path of `call`'s endpoint.
fn route(call: Call) -> (&'static str, &'static str) {
    match call {
        Call::Exchange | Call::Refresh => ("POST", TOKEN_PATH),
        Call::Userinfo => ("GET", USERINFO_PATH),
        Call::Revoke => ("POST", REVOKE_PATH),
    }
}

/// Starts the case's stand-in, makes the call once, and checks the stand-in got exactly
/// one request. `debug` receives the `Debug` of a successful token answer.
pub async fn run(call: Call, stand: Stand, debug: &mut String) -> Outcome {
    match stand {
        Stand::Mock(template) => {
            let server = MockServer::start().await;
            let (verb, route) = route(call);
            Mock::given(method(verb))
                .and(path(route))
                .respond_with(template)
                .expect(1)
                .mount(&server)
                .await;
            let outcome = make(&client(&server.uri()), call, debug).await;
            server.verify().await;
            outcome
        }
        Stand::Raw(behaviour) => {
            let server = raw::start(behaviour).await;
            let outcome = make(&client(&server.url), call, debug).await;
            assert_eq!(server.accepted(), 1);
            outcome
        }
        Stand::Refused => make(&client(&raw::refused_url().await), call, debug).await,
    }
}
