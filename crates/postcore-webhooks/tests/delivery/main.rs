//! Deliveries to a real receiver on 127.0.0.1: what is sent and signed (checked by the
//! README's Python verifier and by the Standard Webhooks reference library, not by our own
//! code), and how each kind of failure is classified, within its bounds.

mod python;
mod receiver;

use postcore_domain::{Connection, Platform, ProfileKey, Timestamp, parse_timestamp};
use postcore_webhooks::{
    AddressClass, ConnectionEvent, Deliverer, DeliveryFailure, DeliveryOutcome, DeliverySettings,
    EventId, EventPayload, RetiredSecret, SigningKeys, TimedNotice, UrlRefusal, WebhookEvent,
    WebhookSecret, signing_secrets,
};
use receiver::{Answer, start};
use secrecy::ExposeSecret;
use std::time::Duration;

/// The attempt's instant: 2025-02-23T12:30:00Z, seven days before the seed token expires.
fn now() -> Timestamp {
    parse_timestamp("2025-02-23T12:30:00Z").unwrap()
}

fn deliverer(allow_private: bool, timeout: Duration) -> Deliverer {
    Deliverer::new(DeliverySettings {
        timeout,
        allow_private,
        ..DeliverySettings::default()
    })
    .unwrap()
}

/// The seven-day notice of the seed's LinkedIn token, as the README shows it.
fn expiring_event() -> WebhookEvent {
    let key = ProfileKey::parse("prof_abcdefghij012345").unwrap();
    let connection = Connection::new(
        Platform::LinkedIn,
        "John Doe",
        "johndoe",
        parse_timestamp("2025-01-01T12:30:00Z").unwrap(),
    );
    let expires = connection.expires_at().unwrap();
    let threshold = Duration::from_secs(7 * 86_400);
    let id = EventId::for_notice(
        &key,
        Platform::LinkedIn,
        expires,
        TimedNotice::Expiring { threshold },
    );
    WebhookEvent::connection(ConnectionEvent::Expiring, id, &key, &connection, now())
}

const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// One attempt of the README's event to `url`, signed with a fresh secret.
async fn attempt(deliverer: &Deliverer, url: &str) -> DeliveryOutcome {
    let secret = WebhookSecret::generate();
    deliverer
        .deliver(
            url,
            &SigningKeys::one(&secret),
            &expiring_event().payload(),
            now(),
        )
        .await
}

fn failed(outcome: DeliveryOutcome) -> DeliveryFailure {
    match outcome {
        DeliveryOutcome::Failed(failure) => failure,
        delivered => panic!("expected a failure, got {delivered:?}"),
    }
}

#[tokio::test]
async fn a_2xx_is_delivered_signed_with_the_three_headers_and_the_exact_body() {
    let receiver = start(Answer::Status(204, vec![])).await;
    let secret = WebhookSecret::generate();
    let payload = expiring_event().payload();
    let outcome = deliverer(true, Duration::from_secs(5))
        .deliver(
            &receiver.url("/hooks/postcore"),
            &SigningKeys::one(&secret),
            &payload,
            now(),
        )
        .await;
    assert_eq!(outcome, DeliveryOutcome::Delivered { status: 204 });

    let [request] = &receiver.received()[..] else {
        panic!("one request expected: {:?}", receiver.received());
    };
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/hooks/postcore")
    );
    assert_eq!(request.body, payload.body().as_bytes());
    let header = |name: &str| request.headers.get(name).map(String::as_str);
    assert_eq!(header("content-type"), Some("application/json"));
    assert_eq!(header("webhook-id"), Some(payload.id().as_str()));
    assert_eq!(header("webhook-timestamp"), Some("1740313800"));
    assert_eq!(
        header("user-agent"),
        Some(concat!("postcore-webhooks/", env!("CARGO_PKG_VERSION")))
    );

    // Independent check 1: the Standard Webhooks reference library's own signer.
    let text = secret.to_text();
    let reference = standardwebhooks::Webhook::new(text.expose_secret()).unwrap();
    let expected = reference
        .sign(payload.id().as_str(), 1_740_313_800, &request.body)
        .unwrap();
    assert_eq!(header("webhook-signature"), Some(expected.as_str()));

    // Independent check 2: the README's Python verifier, on the request as received.
    python::assert_verifies(text.expose_secret(), request, 1_740_313_800, true);
    let mut tampered = request.clone();
    tampered.body.push(b' ');
    python::assert_verifies(text.expose_secret(), &tampered, 1_740_313_800, false);
    // A replay outside the README's five-minute window is refused.
    python::assert_verifies(text.expose_secret(), request, 1_740_313_800 + 301, false);
}

#[tokio::test]
async fn during_a_rotation_both_secrets_sign_and_each_verifies_independently() {
    let receiver = start(Answer::Status(200, vec![])).await;
    let current = WebhookSecret::generate();
    let rotated_at = now() - chrono::TimeDelta::hours(23);
    let previous = [RetiredSecret::rotated_at(
        WebhookSecret::parse(SPEC_SECRET).unwrap(),
        rotated_at,
    )];
    let secrets = signing_secrets(&current, &previous, now());
    let payload = EventPayload::new(EventId::random(), r#"{"hello":"world"}"#.to_owned());
    let outcome = deliverer(true, Duration::from_secs(5))
        .deliver(&receiver.url("/"), &secrets, &payload, now())
        .await;
    assert_eq!(outcome, DeliveryOutcome::Delivered { status: 200 });
    let request = receiver.received().pop().unwrap();
    let entries: Vec<String> = request.headers["webhook-signature"]
        .split(' ')
        .map(str::to_owned)
        .collect();
    let sign = |secret: &str| {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .sign(
                payload.id().as_str(),
                now().timestamp(),
                payload.body().as_bytes(),
            )
            .unwrap()
    };
    assert_eq!(
        entries,
        [sign(current.to_text().expose_secret()), sign(SPEC_SECRET)]
    );
    python::assert_verifies(SPEC_SECRET, &request, now().timestamp(), true);
    python::assert_verifies(
        current.to_text().expose_secret(),
        &request,
        now().timestamp(),
        true,
    );
    python::assert_verifies(
        WebhookSecret::generate().to_text().expose_secret(),
        &request,
        now().timestamp(),
        false,
    );
}

#[tokio::test]
async fn the_readme_example_is_exactly_what_is_sent() {
    let receiver = start(Answer::Status(200, vec![])).await;
    let secret = WebhookSecret::parse(SPEC_SECRET).unwrap();
    let payload = expiring_event().payload();
    deliverer(true, Duration::from_secs(5))
        .deliver(
            &receiver.url("/your/hook"),
            &SigningKeys::one(&secret),
            &payload,
            now(),
        )
        .await;
    let request = receiver.received().pop().unwrap();
    let readme = include_str!("../../../../README.md");
    let section = readme.split("## Webhooks (receiver side)").nth(1).unwrap();
    let example = section.split("```").nth(1).unwrap();
    let (head, body) = example.split_once("\n\n").unwrap();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let line = format!("{name}: {}", request.headers[name]);
        assert!(head.lines().any(|l| l == line), "README lacks {line}");
    }
    let one_line: String = body.lines().map(str::trim_start).collect();
    assert_eq!(one_line, String::from_utf8(request.body).unwrap());
}

#[tokio::test]
async fn a_500_fails_with_its_status_and_a_503_keeps_its_retry_after() {
    let deliverer = deliverer(true, Duration::from_secs(5));
    let server_error = start(Answer::Status(500, vec![])).await;
    let failure = failed(attempt(&deliverer, &server_error.url("/")).await);
    assert_eq!(
        failure,
        DeliveryFailure::Status {
            status: 500,
            retry_after: None
        }
    );
    assert_eq!(failure.reason(deliverer.settings()), "HTTP 500");

    let busy = start(Answer::Status(503, vec![("retry-after", "120".to_owned())])).await;
    let failure = failed(attempt(&deliverer, &busy.url("/")).await);
    assert_eq!(
        failure,
        DeliveryFailure::Status {
            status: 503,
            retry_after: Some(Duration::from_secs(120))
        }
    );
    assert_eq!(failure.retry_after(), Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out_at_the_per_attempt_bound() {
    let hanging = start(Answer::Hang).await;
    let deliverer = deliverer(true, Duration::from_millis(300));
    let failure = failed(attempt(&deliverer, &hanging.url("/")).await);
    assert_eq!(failure, DeliveryFailure::Timeout);
    assert_eq!(
        failure.reason(deliverer.settings()),
        "timed out after 300 ms"
    );
    assert_eq!(hanging.received().len(), 1, "the request was sent whole");
}

#[tokio::test]
async fn a_closed_port_is_connection_refused() {
    let port = receiver::closed_port().await;
    let deliverer = deliverer(true, Duration::from_secs(5));
    let failure = failed(attempt(&deliverer, &format!("http://127.0.0.1:{port}/")).await);
    assert_eq!(failure, DeliveryFailure::ConnectionRefused);
    assert_eq!(failure.reason(deliverer.settings()), "connection refused");
}

#[tokio::test]
async fn https_to_a_receiver_without_tls_is_a_tls_failure() {
    // A plain HTTP server's answer to the client's hello: not TLS.
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = plain.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt as _;
        let (mut socket, _) = plain.accept().await.unwrap();
        let _ = socket
            .write_all(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
            .await;
    });
    let deliverer = deliverer(true, Duration::from_secs(5));
    let url = format!("https://127.0.0.1:{port}/");
    let failure = failed(attempt(&deliverer, &url).await);
    assert_eq!(failure, DeliveryFailure::Tls);
    assert_eq!(
        failure.reason(deliverer.settings()),
        "the TLS handshake failed: the receiver's certificate is not trusted, or it does not \
         speak TLS"
    );
}

#[tokio::test]
async fn a_redirect_is_a_failure_and_is_not_followed() {
    let target = start(Answer::Status(200, vec![])).await;
    let redirecting = start(Answer::Status(
        307,
        vec![("location", target.url("/elsewhere"))],
    ))
    .await;
    let deliverer = deliverer(true, Duration::from_secs(5));
    let failure = failed(attempt(&deliverer, &redirecting.url("/")).await);
    assert_eq!(failure, DeliveryFailure::Redirect { status: 307 });
    assert_eq!(
        failure.reason(deliverer.settings()),
        "HTTP 307: redirects are not followed"
    );
    assert_eq!((redirecting.received().len(), target.accepted()), (1, 0));
}

#[tokio::test]
async fn an_endless_or_huge_answer_is_not_read_past_the_bound() {
    let deliverer = deliverer(true, Duration::from_secs(5));
    for answer in [Answer::EndlessBody, Answer::HugeContentLength] {
        let receiver = start(answer).await;
        let outcome = attempt(&deliverer, &receiver.url("/")).await;
        // The status decides; the body is dropped after 64 KiB. Read on, the endless body
        // would have run into the 5 s bound and made this a timeout.
        assert_eq!(outcome, DeliveryOutcome::Delivered { status: 200 });
    }
}

#[tokio::test]
async fn loopback_is_refused_without_allow_private_and_nothing_is_sent() {
    let receiver = start(Answer::Status(200, vec![])).await;
    let deliverer = deliverer(false, Duration::from_secs(5));
    for url in [
        receiver.url("/"),
        format!("https://127.0.0.1:{}/", receiver.port),
        format!("https://2130706433:{}/", receiver.port),
        format!("https://[::ffff:127.0.0.1]:{}/", receiver.port),
        format!("https://localhost:{}/", receiver.port),
    ] {
        let failure = failed(attempt(&deliverer, &url).await);
        assert_eq!(
            failure,
            DeliveryFailure::UrlRefused(UrlRefusal::Address(AddressClass::Loopback)),
            "{url}"
        );
        assert_eq!(
            failure.reason(deliverer.settings()),
            "the URL's host is a loopback address, where webhooks are not sent"
        );
    }
    assert_eq!(receiver.accepted(), 0);
}

#[tokio::test]
async fn a_name_that_resolves_to_a_refused_address_is_refused_at_connect_time() {
    let receiver = start(Answer::Status(200, vec![])).await;
    let loopback = "127.0.0.1".parse().unwrap();
    let metadata = "169.254.169.254".parse().unwrap();
    let cases = [
        (false, loopback, AddressClass::Loopback),
        (true, metadata, AddressClass::LinkLocal),
    ];
    for (allow_private, address, class) in cases {
        let deliverer = Deliverer::new(DeliverySettings {
            allow_private,
            resolve_overrides: vec![("hooks.example.test".to_owned(), address)],
            ..DeliverySettings::default()
        })
        .unwrap();
        let url = format!("https://hooks.example.test:{}/", receiver.port);
        let failure = failed(attempt(&deliverer, &url).await);
        assert_eq!(failure, DeliveryFailure::AddressRefused(class));
        assert_eq!(
            failure.reason(deliverer.settings()),
            format!("the host resolves only to {class} addresses, where webhooks are not sent")
        );
    }
    assert_eq!(receiver.accepted(), 0);
}

#[tokio::test]
async fn a_secret_never_shows_in_an_outcome_or_a_debug_line() {
    let receiver = start(Answer::Status(500, vec![])).await;
    let secret = WebhookSecret::parse(SPEC_SECRET).unwrap();
    let deliverer = deliverer(true, Duration::from_secs(5));
    let outcome = deliverer
        .deliver(
            &receiver.url("/"),
            &SigningKeys::one(&secret),
            &expiring_event().payload(),
            now(),
        )
        .await;
    let shown = format!("{outcome:?} {secret:?} {deliverer:?}");
    assert!(
        !shown.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_receiver_that_never_answers_does_not_hold_up_another_endpoint() {
    let hanging = start(Answer::Hang).await;
    let healthy = start(Answer::Status(200, vec![])).await;
    let deliverer = deliverer(true, Duration::from_secs(3));
    let secret = WebhookSecret::generate();
    let payload = expiring_event().payload();
    let (hanging_url, secrets) = (hanging.url("/"), SigningKeys::one(&secret));
    let slow = deliverer.deliver(&hanging_url, &secrets, &payload, now());
    tokio::pin!(slow);
    // The healthy endpoint's attempt ends while the hanging one's is still waiting.
    let healthy_url = healthy.url("/");
    let quick = tokio::select! {
        quick = attempt(&deliverer, &healthy_url) => quick,
        slow = &mut slow => panic!("the hanging receiver's attempt ended first: {slow:?}"),
    };
    assert_eq!(quick, DeliveryOutcome::Delivered { status: 200 });
    assert_eq!(
        slow.await,
        DeliveryOutcome::Failed(DeliveryFailure::Timeout)
    );
}
