//! The LinkedIn stand-in against the real `LinkedInClient`, in process and as the
//! `linkedin-standin` binary: the flow a browser and PostCore go through, and every
//! refusal and failure it can be told to give.

use postcore_domain::Platform;
use postcore_platforms::linkedin::{LinkedInClient, LinkedInConfig, Member, TokenSet};
use postcore_platforms::{HttpLimits, PlatformError, ProtocolError, RejectReason, Rejection};
use postcore_platforms::{RetryAfter, Transient, TransientReason};
use postcore_tests::linkedin::{Counts, LinkedInStandIn, TokenFailure, browse};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const REDIRECT_URI: &str = "http://127.0.0.1:8080/oauth/linkedin/callback";

fn client_for(urls: [String; 4], redirect_uri: &str, secret: &str) -> LinkedInClient {
    let [authorize_url, token_url, userinfo_url, revoke_url] = urls;
    let config = LinkedInConfig {
        authorize_url,
        token_url,
        userinfo_url,
        revoke_url: Some(revoke_url),
        ..LinkedInConfig::new(
            LinkedInStandIn::CLIENT_ID,
            SecretString::from(secret),
            redirect_uri,
        )
    };
    let limits = HttpLimits {
        total_timeout: Duration::from_millis(500),
        ..HttpLimits::default()
    };
    LinkedInClient::new(config, limits).unwrap()
}

fn urls(li: &LinkedInStandIn) -> [String; 4] {
    [
        li.authorize_url(),
        li.token_url(),
        li.userinfo_url(),
        li.revoke_url(),
    ]
}

fn client(li: &LinkedInStandIn) -> LinkedInClient {
    client_for(urls(li), REDIRECT_URI, LinkedInStandIn::CLIENT_SECRET)
}

/// The query of a redirect back to [`REDIRECT_URI`].
fn back_query(location: &str) -> HashMap<String, String> {
    let query = location
        .strip_prefix(&format!("{REDIRECT_URI}?"))
        .unwrap_or_else(|| panic!("not a redirect back: {location}"));
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// Authorizes with `state` and returns the code of the redirect back.
async fn code_for(client: &LinkedInClient, state: &str) -> SecretString {
    let (status, location) = browse(&client.authorization_url(state)).await;
    assert_eq!(status, 302, "{location}");
    let query = back_query(&location);
    assert_eq!(query["state"], state);
    assert_eq!(query.len(), 2, "{location}");
    assert!(query["code"].starts_with("AQT"), "{location}");
    SecretString::from(query["code"].clone())
}

fn rejected(reason: RejectReason) -> PlatformError {
    PlatformError::Rejected(Rejection {
        platform: Platform::LinkedIn,
        reason,
    })
}

/// What a token answer held, secrets as booleans: (access token issued, expires_in,
/// refresh token issued, refresh_token_expires_in).
fn shape(tokens: &TokenSet) -> (bool, Option<i64>, bool, Option<i64>) {
    (
        tokens.access_token.expose_secret().starts_with("AQV"),
        tokens.expires_in,
        tokens
            .refresh_token
            .as_ref()
            .is_some_and(|r| r.expose_secret().starts_with("AQW")),
        tokens.refresh_token_expires_in,
    )
}

#[tokio::test]
async fn the_whole_flow_connects_refreshes_and_revokes() {
    let li = LinkedInStandIn::start().await;
    li.set_member("abc123", "Ada Lovelace");
    let client = client(&li);
    let code = code_for(&client, "s1").await;
    let tokens = client.exchange_code(&code).await.unwrap();
    assert_eq!(
        shape(&tokens),
        (true, Some(5_184_000), true, Some(31_536_000))
    );
    assert_eq!(
        tokens.scope.as_deref(),
        Some("openid profile email w_member_social")
    );
    let member = client.userinfo(&tokens.access_token).await.unwrap();
    assert_eq!(
        member,
        Member {
            sub: "abc123".into(),
            name: Some("Ada Lovelace".into()),
            given_name: Some("Ada".into()),
            family_name: Some("Lovelace".into()),
            email: Some("abc123@members.example".into()),
        }
    );

    let old_refresh = tokens.refresh_token.unwrap();
    let renewed = client.refresh(&old_refresh).await.unwrap();
    assert_eq!(
        shape(&renewed),
        (true, Some(5_184_000), true, Some(31_536_000))
    );
    let access = renewed.access_token.expose_secret();
    assert_ne!(access, tokens.access_token.expose_secret());
    assert!(li.is_live(access));
    // The refresh token used was rotated out.
    let again = client.refresh(&old_refresh).await.unwrap_err();
    assert_eq!(again, rejected(RejectReason::InvalidGrant));

    // The code is single-use.
    let replay = client.exchange_code(&code).await.unwrap_err();
    assert_eq!(replay, rejected(RejectReason::InvalidGrant));

    client.revoke(&renewed.access_token).await.unwrap();
    client.revoke(&renewed.access_token).await.unwrap();
    assert_eq!(li.revoked_tokens(), 1);
    let revoked = client.userinfo(&renewed.access_token).await.unwrap_err();
    assert_eq!(revoked, rejected(RejectReason::AccessRevoked));
    assert_eq!(
        li.counts(),
        Counts {
            authorize: 1,
            token_exchange: 2,
            token_refresh: 2,
            token_other: 0,
            userinfo: 2,
            revoke: 2,
        }
    );
}

#[tokio::test]
async fn the_redirect_uri_must_be_byte_identical_and_codes_expire() {
    let li = LinkedInStandIn::start().await;
    let slash = client_for(
        urls(&li),
        &format!("{REDIRECT_URI}/"),
        LinkedInStandIn::CLIENT_SECRET,
    );
    let code = code_for(&client(&li), "s").await;
    let mismatch = slash.exchange_code(&code).await.unwrap_err();
    assert_eq!(mismatch, rejected(RejectReason::InvalidGrant));
    // The refused attempt did not use the code up.
    client(&li).exchange_code(&code).await.unwrap();

    let code = code_for(&client(&li), "s").await;
    li.expire_codes();
    let expired = client(&li).exchange_code(&code).await.unwrap_err();
    assert_eq!(expired, rejected(RejectReason::InvalidGrant));
    let unknown = client(&li)
        .exchange_code(&SecretString::from("AQTnope"))
        .await;
    assert_eq!(unknown.unwrap_err(), rejected(RejectReason::InvalidGrant));

    let code = code_for(&client(&li), "s").await;
    let wrong_secret = client_for(urls(&li), REDIRECT_URI, "not-the-secret");
    let refused = wrong_secret.exchange_code(&code).await.unwrap_err();
    assert_eq!(
        refused,
        PlatformError::Protocol(ProtocolError {
            platform: Platform::LinkedIn,
            detail: "the token endpoint refused PostCore's client (invalid_client): check POSTCORE_LINKEDIN_CLIENT_ID and POSTCORE_LINKEDIN_CLIENT_SECRET".into(),
        })
    );
}

#[tokio::test]
async fn authorize_denies_when_told_and_never_redirects_for_an_unknown_client() {
    let li = LinkedInStandIn::start().await;
    let client = client(&li);
    li.deny_next();
    let (status, location) = browse(&client.authorization_url("st ate")).await;
    assert_eq!(status, 302);
    assert_eq!(
        location,
        format!(
            "{REDIRECT_URI}?error=access_denied&error_description=The+member+refused+to+authorize+the+app&state=st+ate"
        )
    );
    code_for(&client, "next").await;

    let other = format!(
        "{}?response_type=code&client_id=other&redirect_uri=http%3A%2F%2Fevil.example%2F&state=s",
        li.authorize_url()
    );
    assert_eq!(
        browse(&other).await,
        (400, "LinkedIn stand-in: unknown client_id\n".to_owned())
    );
    let no_state = client.authorization_url("").replace("&state=", "&x=");
    let (status, location) = browse(&no_state).await;
    assert_eq!(
        (status, back_query(&location)["error"].as_str()),
        (302, "invalid_request")
    );
    assert_eq!(li.counts().authorize, 4);
}

#[tokio::test]
async fn token_answers_and_failures_are_as_configured() {
    let li = LinkedInStandIn::start().await;
    let client = client(&li);
    for (value, expected) in [
        (Some(json!("5184000")), Some(5_184_000)),
        (Some(json!(5_184_000_000_i64)), Some(5_184_000_000)),
        (Some(json!(0)), Some(0)),
        (None, None),
    ] {
        li.set_expires_in(value);
        let tokens = client
            .exchange_code(&code_for(&client, "s").await)
            .await
            .unwrap();
        assert_eq!(tokens.expires_in, expected);
    }

    li.set_refresh_tokens(false);
    let tokens = client
        .exchange_code(&code_for(&client, "s").await)
        .await
        .unwrap();
    assert_eq!(shape(&tokens), (true, None, false, None));
    li.set_refresh_tokens(true);
    let refresh = client
        .exchange_code(&code_for(&client, "s").await)
        .await
        .unwrap()
        .refresh_token
        .unwrap();
    li.set_refresh_tokens(false);
    // Without a new refresh token, the one used stays live.
    for _ in 0..2 {
        let renewed = client.refresh(&refresh).await.unwrap();
        assert_eq!(shape(&renewed), (true, None, false, None));
    }
    li.revoke_refresh_tokens();
    assert_eq!(
        client.refresh(&refresh).await.unwrap_err(),
        rejected(RejectReason::InvalidGrant)
    );

    let code = code_for(&client, "s").await;
    let transient = |reason, retry_after| {
        PlatformError::Transient(Transient {
            platform: Platform::LinkedIn,
            reason,
            retry_after,
        })
    };
    let failures = [
        (
            TokenFailure::InvalidGrant,
            rejected(RejectReason::InvalidGrant),
        ),
        (
            TokenFailure::Status(500),
            transient(TransientReason::ServerError(500), None),
        ),
        (
            TokenFailure::RateLimited {
                retry_after_secs: 30,
            },
            transient(TransientReason::RateLimited, Some(RetryAfter::Seconds(30))),
        ),
        (
            TokenFailure::Hang,
            transient(TransientReason::Timeout, None),
        ),
    ];
    for (failure, expected) in failures {
        li.token_failure(Some(failure));
        // Persistent: every call sees it.
        assert_eq!(client.exchange_code(&code).await.unwrap_err(), expected);
        assert_eq!(client.refresh(&refresh).await.unwrap_err(), expected);
    }
    li.token_failure(None);
    client.exchange_code(&code).await.unwrap();
}

#[tokio::test]
async fn userinfo_refuses_once_after_the_token_when_told() {
    let li = LinkedInStandIn::start().await;
    let client = client(&li);
    let tokens = client
        .exchange_code(&code_for(&client, "s").await)
        .await
        .unwrap();
    li.revoke_userinfo_after_token();
    let refused = client.userinfo(&tokens.access_token).await.unwrap_err();
    assert_eq!(refused, rejected(RejectReason::AccessRevoked));
    assert!(!li.is_live(tokens.access_token.expose_secret()));
    let next = client
        .exchange_code(&code_for(&client, "s").await)
        .await
        .unwrap();
    assert_eq!(
        client.userinfo(&next.access_token).await.unwrap().sub,
        LinkedInStandIn::DEFAULT_SUB
    );
}

#[tokio::test]
async fn the_binary_prints_its_settings_and_asks_in_interactive_mode() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linkedin-standin"))
        .args(["--listen", "127.0.0.1:0", "--interactive"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for _ in 0..7 {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        lines.push(line.trim_end().to_owned());
    }
    let url = lines[0]
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line {:?}", lines[0]))
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(
        lines[1..],
        [
            format!("POSTCORE_LINKEDIN_CLIENT_ID={}", LinkedInStandIn::CLIENT_ID),
            format!(
                "POSTCORE_LINKEDIN_CLIENT_SECRET={}",
                LinkedInStandIn::CLIENT_SECRET
            ),
            format!("POSTCORE_LINKEDIN_AUTHORIZE_URL={url}/oauth/v2/authorization"),
            format!("POSTCORE_LINKEDIN_TOKEN_URL={url}/oauth/v2/accessToken"),
            format!("POSTCORE_LINKEDIN_USERINFO_URL={url}/v2/userinfo"),
            format!("POSTCORE_LINKEDIN_REVOKE_URL={url}/oauth/v2/revoke"),
        ]
    );
    let urls = [
        format!("{url}/oauth/v2/authorization"),
        format!("{url}/oauth/v2/accessToken"),
        format!("{url}/v2/userinfo"),
        format!("{url}/oauth/v2/revoke"),
    ];
    let client = client_for(urls, REDIRECT_URI, LinkedInStandIn::CLIENT_SECRET);
    let authorize = client.authorization_url("s");
    let (status, page) = browse(&authorize).await;
    // A browser shows the page, not its source.
    let page_type = reqwest::get(&authorize).await.unwrap().headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(page_type, "text/html; charset=utf-8");
    let path = authorize.strip_prefix(&url).unwrap().replace('&', "&amp;");
    let allow = format!("<a href=\"{path}&amp;decision=allow\">Allow</a>");
    let deny = format!("<a href=\"{path}&amp;decision=deny\">Deny</a>");
    assert_eq!(status, 200);
    assert!(page.contains(&allow) && page.contains(&deny), "{page}");
    let (status, location) = browse(&format!("{authorize}&decision=deny")).await;
    assert_eq!(
        (status, back_query(&location)["error"].as_str()),
        (302, "access_denied")
    );
    let (status, location) = browse(&format!("{authorize}&decision=allow")).await;
    assert_eq!(status, 302);
    let code = SecretString::from(back_query(&location)["code"].clone());
    let tokens = client.exchange_code(&code).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        tokens
            .unwrap()
            .access_token
            .expose_secret()
            .starts_with("AQV")
    );
}

#[test]
fn the_binary_refuses_unknown_arguments() {
    let output = Command::new(env!("CARGO_BIN_EXE_linkedin-standin"))
        .arg("--bogus")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "usage: linkedin-standin [--listen ADDR] [--interactive]\n"
    );
}
