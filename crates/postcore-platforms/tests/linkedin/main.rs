//! `LinkedInClient` against real HTTP stand-ins on 127.0.0.1: wiremock for whole answers,
//! raw sockets for answers that never come or never end.

mod cases;
mod harness;
#[path = "../bluesky/raw.rs"]
mod raw;
mod requests;

use cases::Case;

#[tokio::test]
async fn every_answer_is_classified_exactly_after_one_request() {
    for Case {
        name,
        call,
        stand,
        expected,
    } in cases::all()
    {
        let mut debug = String::new();
        assert_eq!(
            cases::run(call, stand, &mut debug).await,
            expected,
            "{name}"
        );
    }
}
