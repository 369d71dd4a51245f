//! The rate limits of the real `postcore serve`, set by its flag and its env var: a key's
//! third request in a minute is refused with the exact 429, and an address's failed
//! authentication refuses its good key. The server runs on the system clock, so values
//! that depend on the instant are checked against the instants the test read around the
//! requests (equal whenever the requests take under a second).

use postcore_tests::server::Server;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Now, as Unix time.
fn unix_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
}

/// `d` in whole seconds, rounded up.
fn ceil_seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// `GET /profiles` with `key` through `client`: status, the named headers (`None` when
/// absent) and the body.
async fn list(
    client: &reqwest::Client,
    server: &Server,
    key: &str,
) -> (u16, [Option<String>; 4], serde_json::Value) {
    let response = server.get(client, "/profiles", key).await;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let headers = [
        header("x-ratelimit-limit"),
        header("x-ratelimit-remaining"),
        header("x-ratelimit-reset"),
        header("retry-after"),
    ];
    let status = response.status().as_u16();
    (status, headers, response.json().await.unwrap())
}

#[tokio::test]
async fn the_server_takes_its_limits_from_the_flag_and_the_env_var_and_answers_429_over_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with_env(
        &dir.path().join("postcore.db"),
        &["--rate-limit-per-minute", "2"],
        &[("POSTCORE_AUTH_FAILURE_LIMIT_PER_MINUTE", "1")],
    );
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let some = |s: &str| Some(s.to_owned());

    let before = unix_now();
    let (status, [limit, remaining, _, retry], _) = list(&client, &server, &server.key).await;
    assert_eq!(
        (status, limit, remaining, retry),
        (200, some("2"), some("1"), None)
    );
    let (status, [limit, remaining, _, retry], _) = list(&client, &server, &server.key).await;
    assert_eq!(
        (status, limit, remaining, retry),
        (200, some("2"), some("0"), None)
    );
    let (status, [limit, remaining, reset, retry], body) =
        list(&client, &server, &server.key).await;
    let after = unix_now();
    let retry_after: u64 = retry.unwrap().parse().unwrap();
    assert_eq!(
        (status, limit, remaining, body),
        (
            429,
            some("2"),
            some("0"),
            serde_json::json!({
                "error": "RATE_LIMIT_EXCEEDED",
                "message": format!("Rate limit exceeded. Try again in {retry_after} seconds"),
                "retry_after": retry_after,
            })
        )
    );
    // The first request came back 30 s after it was made, the second 30 s after that.
    let waited = ceil_seconds(after - before);
    assert!(
        (30 - waited.min(29)..=30).contains(&retry_after),
        "retry after {retry_after} s, {waited} s after the first request"
    );
    let full = reset.unwrap().parse::<u64>().unwrap();
    let window = Duration::from_secs(60);
    assert!(
        (ceil_seconds(before + window)..=ceil_seconds(after + window)).contains(&full),
        "reset at {full}, requests between {before:?} and {after:?}"
    );

    // From another address: one unknown key spends its failures, and then its good key is
    // refused before it is looked at (no key allowance in the answer).
    let elsewhere = reqwest::Client::builder()
        .no_proxy()
        .local_address("127.0.0.2".parse().ok())
        .build()
        .unwrap();
    let unknown = format!("pc_live_{}", "Z".repeat(32));
    let (status, headers, _) = list(&elsewhere, &server, &unknown).await;
    assert_eq!((status, headers), (401, [None, None, None, None]));
    let (status, [limit, remaining, reset, retry], body) =
        list(&elsewhere, &server, &server.key).await;
    let retry_after: u64 = retry.unwrap().parse().unwrap();
    assert_eq!(
        (status, limit, remaining, reset, body["error"].as_str()),
        (429, None, None, None, Some("RATE_LIMIT_EXCEEDED"))
    );
    assert!((59..=60).contains(&retry_after), "{retry_after}");
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
}
