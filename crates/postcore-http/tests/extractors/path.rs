//! `ProfileKeyPath`: a malformed key is answered with the very bytes of an unknown one.

use crate::harness::{Fixture, error, read};
use actix_web::dev::Service as _;
use actix_web::test::{self, TestRequest};
use actix_web::{App, http::Method};
use postcore_http::routes;

/// Malformed keys as they appear in a path (percent-encoded where a client would encode).
const MALFORMED: [&str; 7] = [
    "PROF_ABC123",
    "prof_",
    "prof_abc%20def",
    "prof_%FF%FE",
    "prof_x'%20OR%20'1'='1",
    "abc123def456",
    "prof_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

/// The full answer to `method path` on the real routes: status, headers and body.
async fn answer(
    fixture: &Fixture,
    method: Method,
    path: &str,
) -> (u16, Vec<(String, String)>, String) {
    let app = test::init_service(
        App::new()
            .app_data(fixture.state.clone())
            .configure(routes::configure),
    )
    .await;
    let request = TestRequest::default()
        .method(method)
        .uri(path)
        .insert_header(("x-api-key", fixture.key.as_str()))
        .to_request();
    let response = app.call(request).await.unwrap();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    headers.sort();
    let (status, body) = read(response).await;
    (status, headers, body)
}

#[tokio::test]
async fn a_malformed_key_is_answered_byte_for_byte_as_an_unknown_one() {
    let fixture = Fixture::new().await;
    for method in [Method::GET, Method::DELETE] {
        let unknown = answer(&fixture, method.clone(), "/profiles/prof_abc123def456").await;
        let not_found = error("PROFILE_NOT_FOUND", "Profile not found");
        assert_eq!((unknown.0, unknown.2.as_str()), (404, not_found.as_str()));
        for key in MALFORMED {
            let path = format!("/profiles/{key}");
            assert_eq!(
                answer(&fixture, method.clone(), &path).await,
                unknown,
                "{method} {key}"
            );
        }
    }
}

#[tokio::test]
async fn a_malformed_key_on_the_probe_is_profile_not_found() {
    let fixture = Fixture::new().await;
    for key in MALFORMED {
        let request = TestRequest::post()
            .uri(&format!("/probe/{key}"))
            .insert_header(("x-api-key", fixture.key.as_str()));
        assert_eq!(
            fixture.send(request).await,
            (404, error("PROFILE_NOT_FOUND", "Profile not found")),
            "{key}"
        );
    }
}
