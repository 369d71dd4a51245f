//! `BlueskyClient::create_session` against real HTTP stand-ins on 127.0.0.1: wiremock for
//! whole answers, raw sockets for answers that never come or never end.

mod cases;
mod harness;
mod raw;
mod requests;

use cases::Case;
use harness::*;

#[tokio::test]
async fn every_answer_is_classified_exactly_after_one_request() {
    for Case {
        name,
        stand,
        expected,
    } in cases::all()
    {
        assert_eq!(cases::run(stand).await, expected, "{name}");
    }
}

#[tokio::test]
async fn the_password_does_reach_the_service() {
    // The other test looks for the right string: here it is, in the request body.
    let server = stand_in(ok(answer(DID, HANDLE, "com.atproto.appPass"))).await;
    assert_eq!(sign_in(&server.uri()).await, session(DID, HANDLE));
    let requests = server.received_requests().await.unwrap();
    let body = String::from_utf8(requests[0].body.clone()).unwrap();
    assert!(body.contains(APP_PASSWORD), "{body}");
    assert!(
        answer(DID, HANDLE, "x")["accessJwt"]
            .as_str()
            .unwrap()
            .starts_with("eyJ")
    );
}
