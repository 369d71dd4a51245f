//! What the client sends: the authorization URL, the exact forms of the token and revoke
//! calls, the bearer token of userinfo; which settings it accepts; and the user-facing
//! texts of its rejections.

use crate::harness::*;
use postcore_domain::Platform;
use postcore_platforms::linkedin::{DEFAULT_AUTHORIZE_URL, LinkedInClient, LinkedInConfig};
use postcore_platforms::{HttpLimits, RejectReason, Rejection};
use secrecy::SecretString;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[test]
fn the_authorization_url_is_exact_and_percent_encoded() {
    let config = LinkedInConfig::new(
        CLIENT_ID,
        SecretString::from(CLIENT_SECRET),
        "https://postcore.example.com/oauth/linkedin/callback",
    );
    let client = LinkedInClient::new(config, HttpLimits::default()).unwrap();
    assert_eq!(
        client.authorization_url("st/at+e=1&x"),
        format!(
            "{DEFAULT_AUTHORIZE_URL}?response_type=code&client_id=86client4id\
             &redirect_uri=https%3A%2F%2Fpostcore.example.com%2Foauth%2Flinkedin%2Fcallback\
             &state=st%2Fat%2Be%3D1%26x&scope=openid%20profile%20email%20w_member_social"
        )
    );
}

/// A stand-in whose `route` answers `answer` only to a form body equal to `form`.
async fn expect_form(verb: &str, route: &str, form: &str, answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(route))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(header("accept", "application/json"))
        .and(body_string(form))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn the_code_exchange_sends_the_exact_form_with_the_redirect_uri_as_configured() {
    let form = "grant_type=authorization_code&code=AQTcode-s3cret-0123\
                &redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Foauth%2Flinkedin%2Fcallback\
                &client_id=86client4id&client_secret=WPL_AP1.cl1ent-s3cret";
    let answer = ResponseTemplate::new(200).set_body_json(token_answer());
    let server = expect_form("POST", TOKEN_PATH, form, answer).await;
    let mut debug = String::new();
    let outcome = make(&client(&server.uri()), Call::Exchange, &mut debug).await;
    assert_eq!(outcome, tokens(|_| ()));
    assert_eq!(
        debug,
        "TokenSet { access_token: SecretBox<str>([REDACTED]), expires_in: Some(5184000), \
         refresh_token: Some(SecretBox<str>([REDACTED])), refresh_token_expires_in: Some(31536000), \
         scope: Some(\"email,openid,profile,w_member_social\") }"
    );
    server.verify().await;
}

#[tokio::test]
async fn a_refresh_sends_the_exact_form() {
    let form = "grant_type=refresh_token&refresh_token=AQWrefresh-s3cret-89ab\
                &client_id=86client4id&client_secret=WPL_AP1.cl1ent-s3cret";
    let answer = ResponseTemplate::new(200).set_body_json(token_answer());
    let server = expect_form("POST", TOKEN_PATH, form, answer).await;
    let outcome = make(&client(&server.uri()), Call::Refresh, &mut String::new()).await;
    assert_eq!(outcome, tokens(|_| ()));
    server.verify().await;
}

#[tokio::test]
async fn a_revocation_sends_the_exact_form() {
    let form =
        "client_id=86client4id&client_secret=WPL_AP1.cl1ent-s3cret&token=AQVaccess-s3cret-4567";
    let server = expect_form("POST", REVOKE_PATH, form, ResponseTemplate::new(200)).await;
    let outcome = make(&client(&server.uri()), Call::Revoke, &mut String::new()).await;
    assert_eq!(outcome, Ok(Got::Revoked));
    server.verify().await;
}

#[tokio::test]
async fn without_a_revoke_url_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    for none in [None, Some(" ".to_owned())] {
        let config = LinkedInConfig {
            revoke_url: none,
            ..config(&server.uri())
        };
        let client = LinkedInClient::new(config, limits()).unwrap();
        let outcome = make(&client, Call::Revoke, &mut String::new()).await;
        assert_eq!(outcome, Ok(Got::Revoked));
    }
    server.verify().await;
}

#[tokio::test]
async fn userinfo_sends_the_access_token_as_a_bearer_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(USERINFO_PATH))
        .and(header("authorization", "Bearer AQVaccess-s3cret-4567"))
        .respond_with(ResponseTemplate::new(200).set_body_json(userinfo_answer()))
        .expect(1)
        .mount(&server)
        .await;
    let outcome = make(&client(&server.uri()), Call::Userinfo, &mut String::new()).await;
    assert_eq!(outcome, member());
    server.verify().await;
}

/// Sets one URL of a configuration.
type Setter = fn(&mut LinkedInConfig, String);

#[test]
fn every_url_setting_must_be_plain_http_or_https_and_is_named() {
    let base = "http://127.0.0.1:9";
    let settings: [(&str, Setter, &str); 5] = [
        (
            "POSTCORE_LINKEDIN_AUTHORIZE_URL",
            |c, v| c.authorize_url = v,
            DEFAULT_AUTHORIZE_URL,
        ),
        (
            "POSTCORE_LINKEDIN_TOKEN_URL",
            |c, v| c.token_url = v,
            "https://www.linkedin.com/oauth/v2/accessToken",
        ),
        (
            "POSTCORE_LINKEDIN_USERINFO_URL",
            |c, v| c.userinfo_url = v,
            "https://api.linkedin.com/v2/userinfo",
        ),
        (
            "POSTCORE_LINKEDIN_REVOKE_URL",
            |c, v| c.revoke_url = Some(v),
            "https://www.linkedin.com/oauth/v2/revoke",
        ),
        (
            "POSTCORE_PUBLIC_URL",
            |c, v| c.redirect_uri = v,
            "https://postcore.example.com",
        ),
    ];
    for (setting, set, example) in settings {
        for bad in [
            "linkedin.com",
            "ftp://x.example",
            "https://u:p@x.example/",
            "https://x.example/?a=1",
            "https://x.example/#f",
        ] {
            let mut config = config(base);
            set(&mut config, bad.to_owned());
            let error = LinkedInClient::new(config, limits()).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "{setting}: must be an http or https URL without user, password, query or fragment, such as {example}"
                ),
                "{setting} = {bad:?}"
            );
        }
    }
    let mut config = config(base);
    config.redirect_uri = "HTTP://127.0.0.1:8080/cb/".to_owned();
    let client = LinkedInClient::new(config, limits()).unwrap();
    assert_eq!(client.redirect_uri(), "HTTP://127.0.0.1:8080/cb/");
}

#[test]
fn rejections_tell_the_user_to_connect_linkedin_again() {
    let message = |reason| {
        Rejection {
            platform: Platform::LinkedIn,
            reason,
        }
        .message()
    };
    assert_eq!(
        message(RejectReason::InvalidGrant),
        "Invalid LinkedIn credentials: LinkedIn no longer accepts this authorization (it expired, was already used or was revoked). Connect LinkedIn again and allow access."
    );
    assert_eq!(
        message(RejectReason::AccessRevoked),
        "Invalid LinkedIn credentials: LinkedIn refused the access it had just granted (it was revoked or has expired). Connect LinkedIn again and allow access."
    );
}
