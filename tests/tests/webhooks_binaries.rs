//! Webhooks through the real `postcore` binary (issue 13): its worker on a fixed clock (the
//! hidden `--test-clock-file` of the `test-clock` feature, rewritten by the test to move
//! time), receivers on 127.0.0.1 (wiremock, which records every request), and the
//! signature checked with the Standard Webhooks reference library, not PostCore's code.
//!
//! Each test runs once per backend ([`on_each_backend!`]): `…::sqlite` on a database file in
//! a temporary directory, `…::postgres` on a fresh database of the server named by
//! `POSTCORE_TEST_POSTGRES_URL` (without it, one "skipped: …" line and a pass).
//!
//! Endpoints are created by opening the server's database with `postcore_store` beside the
//! running server (the HTTP routes and CLI are another branch's).

use postcore_domain::{AccountName, Connection, Platform, Timestamp, format_timestamp};
use postcore_store::testing::{PgTestDatabase, TEST_SECRET_KEY};
use postcore_store::webhooks::{DeliveryReport, DeliveryStatus, NewWebhookEndpoint};
use postcore_store::{AccountId, Credentials, Repository, SecretString, StoreConfig};
use postcore_tests::app::at;
use postcore_tests::server::{Server, admin_on};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A test-only signing secret: `whsec_` + base64 of 32 bytes.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAAAAAAAAAAA=";

/// Where the server keeps its data.
#[derive(Clone, Copy, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

/// Two `#[tokio::test]`s of `body(Backend)` in a module named `name`: `name::sqlite` and
/// `name::postgres`, so that a failure names its backend. `#[$attr]` is the runtime's.
macro_rules! on_each_backend {
    (#[$attr:meta] $name:ident => $body:ident) => {
        mod $name {
            #[$attr]
            async fn sqlite() {
                super::$body(super::Backend::Sqlite).await;
            }

            #[$attr]
            async fn postgres() {
                super::$body(super::Backend::Postgres).await;
            }
        }
    };
}

/// The server's database: a file beside the clock (its secret key file is made beside it
/// on the first start), or a fresh PostgreSQL database (dropped with this value) whose
/// secret key is given as `POSTCORE_SECRET_KEY`.
enum Database {
    Sqlite(PathBuf),
    Postgres(PgTestDatabase),
}

/// The server's secret key on PostgreSQL (SQLite keeps its own beside the file).
const PG_ENV: [(&str, &str); 1] = [("POSTCORE_SECRET_KEY", TEST_SECRET_KEY)];

/// The database, the clock file and the server's flags.
struct World {
    database: Database,
    clock: PathBuf,
    _dir: tempfile::TempDir,
}

impl World {
    /// A world on `backend` with the clock at `start`; `None` on PostgreSQL when
    /// `POSTCORE_TEST_POSTGRES_URL` is unset (after the one "skipped: …" line).
    async fn new(backend: Backend, start: &str) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let database = match backend {
            Backend::Sqlite => Database::Sqlite(dir.path().join("postcore.db")),
            Backend::Postgres => Database::Postgres(PgTestDatabase::create().await?),
        };
        let world = Self {
            database,
            clock: dir.path().join("clock"),
            _dir: dir,
        };
        world.set_clock(start);
        Some(world)
    }

    /// Moves the server's clock (written beside and renamed, so a read never sees half).
    fn set_clock(&self, instant: &str) {
        let tmp = self.clock.with_extension("tmp");
        std::fs::write(&tmp, instant).unwrap();
        std::fs::rename(&tmp, &self.clock).unwrap();
    }

    fn start(&self, extra: &[&str]) -> Server {
        let clock = self.clock.to_string_lossy().into_owned();
        let mut args = vec![
            "--test-clock-file",
            &clock,
            "--webhook-scheduler-interval",
            "1",
            "--webhook-allow-private",
            "--log-level",
            "postcore_http::webhook_worker=debug,info",
        ];
        args.extend_from_slice(extra);
        match &self.database {
            Database::Sqlite(path) => Server::start_with(path, &args),
            Database::Postgres(db) => Server::start_on(db.url(), &args, &PG_ENV),
        }
    }

    /// Runs `postcore-admin args` on the server's database, asserts exit 0, and returns
    /// its standard output.
    fn admin(&self, args: &[&str]) -> String {
        let (url, env) = match &self.database {
            Database::Sqlite(path) => (path.to_string_lossy(), &[][..]),
            Database::Postgres(db) => (db.url().into(), &PG_ENV[..]),
        };
        let (code, out, err) = admin_on(&url, env, args);
        assert_eq!(code, Some(0), "{args:?}: {out}{err}");
        out
    }

    async fn store(&self) -> (Arc<dyn Repository>, AccountId) {
        let store = match &self.database {
            Database::Sqlite(path) => {
                postcore_store::open(StoreConfig::new(path.display().to_string()))
                    .await
                    .unwrap()
            }
            Database::Postgres(db) => db.open_store().await,
        };
        let account = store
            .find_account(&AccountName::parse("default").unwrap())
            .await
            .unwrap()
            .id;
        (store, account)
    }
}

/// Waits for the worker's scheduler pass at `now` (a bound for a broken server only).
fn wait_for_pass(server: &mut Server, now: &str) {
    let needle = format!("\"now\":\"{now}\"");
    loop {
        let line = server.wait_for("webhook scheduler pass");
        if line.contains(&needle) {
            return;
        }
    }
}

/// Polls `check` until it holds: waiting for the worker to do something, bounded at 60 s
/// for a broken server (not a measure of time).
async fn until<F: AsyncFnMut() -> bool>(what: &str, mut check: F) {
    for _ in 0..600 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never: {what}");
}

async fn receiver(answer: ResponseTemplate) -> MockServer {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(answer)
        .mount(&mock)
        .await;
    mock
}

async fn add_endpoint(
    store: &dyn Repository,
    account: AccountId,
    url: String,
    now: Timestamp,
) -> String {
    store
        .create_webhook_endpoint(
            account,
            NewWebhookEndpoint {
                url,
                events: vec![],
                description: None,
                secret: SecretString::from(SECRET),
            },
            now,
        )
        .await
        .unwrap()
        .id
}

async fn deliveries(store: &dyn Repository, endpoint: &str) -> Vec<DeliveryReport> {
    let mut list = store
        .list_webhook_deliveries(None, Some(endpoint), 1000)
        .await
        .unwrap();
    list.reverse();
    list
}

/// The Standard Webhooks signature of `request` with `secret`, by the reference library.
fn sign(secret: &str, request: &Request) -> String {
    let header = |name: &str| request.headers[name].to_str().unwrap().to_owned();
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .sign(
            &header("webhook-id"),
            header("webhook-timestamp").parse().unwrap(),
            &request.body,
        )
        .unwrap()
}

/// The body of a received request, after checking its signature with the Standard
/// Webhooks reference library (an independent HMAC-SHA256 and base64).
fn verified(request: &Request) -> Value {
    let header = |name: &str| request.headers[name].to_str().unwrap().to_owned();
    let id = header("webhook-id");
    // Signed with SECRET (alone, or after a rotation beside the new secret).
    let expected = sign(SECRET, request);
    let signature = header("webhook-signature");
    assert!(
        signature.split(' ').any(|entry| entry == expected),
        "{signature}"
    );
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["id"], id.as_str());
    body
}

async fn bodies(mock: &MockServer) -> Vec<Value> {
    mock.received_requests()
        .await
        .unwrap()
        .iter()
        .map(verified)
        .collect()
}

async fn wait_for_requests(mock: &MockServer, n: usize) -> Vec<Value> {
    until(&format!("{n} requests"), async || {
        mock.received_requests().await.unwrap().len() >= n
    })
    .await;
    let all = bodies(mock).await;
    assert_eq!(all.len(), n, "{all:#?}");
    all
}

/// Connects John Doe's LinkedIn account (`johndoe`) on a new profile of `account` at
/// 2025-01-01T12:30:00Z, expiring at `expires` (RFC 3339) when given, with `credentials`;
/// returns the profile's key.
async fn connect_john_doe(
    store: &dyn Repository,
    account: AccountId,
    expires: Option<&str>,
    credentials: Credentials,
) -> postcore_domain::ProfileKey {
    let now = at("2025-01-01T12:30:00Z");
    let token = Connection::new(Platform::LinkedIn, "John Doe", "johndoe", now)
        .with_expires_at(expires.map(at));
    let profile = store
        .connect_new_profile(account, token, credentials, now)
        .await
        .unwrap();
    profile.key().clone()
}

fn connection_data(profile: &str, expires: &str, days: i64) -> Value {
    json!({
        "profileKey": profile,
        "platform": "linkedin",
        "displayName": "John Doe",
        "username": "johndoe",
        "connectedAt": "2025-01-01T12:30:00Z",
        "expiresAt": expires,
        "daysUntilExpiry": days,
        "needsReconnect": false,
    })
}

/// A server on `backend` with `extra` flags on a clock at 2025-01-01T12:30:00Z, its store,
/// the default account, and one endpoint of it at a receiver answering 200; `None` when
/// the backend is absent (see [`World::new`]).
async fn one_receiver(
    backend: Backend,
    extra: &[&str],
) -> Option<(
    World,
    Server,
    Arc<dyn Repository>,
    AccountId,
    MockServer,
    String,
)> {
    let world = World::new(backend, "2025-01-01T12:30:00Z").await?;
    let server = world.start(extra);
    let (store, account) = world.store().await;
    let mock = receiver(ResponseTemplate::new(200)).await;
    let endpoint = add_endpoint(
        &*store,
        account,
        format!("{}/hook", mock.uri()),
        at("2025-01-01T12:30:00Z"),
    )
    .await;
    Some((world, server, store, account, mock, endpoint))
}

on_each_backend! {
    #[tokio::test]
    expiry_notices_come_once_at_7_days_1_day_and_expiry_to_the_second => expiry_notices
}

/// Long enough that the retention of finished history removes nothing in the four months
/// [`expiry_notices`] spans (it counts every delivery so far).
const KEEP_A_YEAR: [&str; 2] = ["--webhook-retention-days", "365"];

async fn expiry_notices(backend: Backend) {
    let Some((world, mut server, store, account, mock, endpoint)) =
        one_receiver(backend, &KEEP_A_YEAR).await
    else {
        return;
    };

    // A LinkedIn connection made now, expiring 2025-03-02T12:30:00Z: connection.connected.
    let expires = "2025-03-02T12:30:00Z";
    let profile_key =
        connect_john_doe(&*store, account, Some(expires), Credentials::default()).await;
    let key = profile_key.as_str().to_owned();
    let got = wait_for_requests(&mock, 1).await;
    assert_eq!(got[0]["type"], "connection.connected");
    assert_eq!(got[0]["createdAt"], "2025-01-01T12:30:00Z");
    assert_eq!(got[0]["data"], connection_data(&key, expires, 60));

    // Each threshold to the second: one second before, a pass writes nothing; at it, one
    // event, created at exactly that instant. Between the 7-day and the 1-day notices, two
    // more passes and a restart write nothing more.
    let steps = [
        ("2025-02-23T12:30:00Z", "connection.expiring", 7),
        ("2025-03-01T12:30:00Z", "connection.expiring", 1),
        ("2025-03-02T12:30:00Z", "connection.expired", 0),
    ];
    let mut seven_days = Value::Null;
    for (told, (instant, kind, days)) in (1..).zip(steps) {
        let before = format_timestamp(secs(instant, -1));
        world.set_clock(&before);
        wait_for_pass(&mut server, &before);
        assert_eq!(deliveries(&*store, &endpoint).await.len(), told);
        world.set_clock(instant);
        let got = wait_for_requests(&mock, told + 1).await;
        assert_eq!(got[told]["type"], kind, "{got:#?}");
        assert_eq!(got[told]["createdAt"], instant);
        let mut data = connection_data(&key, expires, days);
        // An expired token needs a reconnect (api.md §3).
        data["needsReconnect"] = json!(days == 0);
        assert_eq!(got[told]["data"], data);
        if told == 1 {
            seven_days = got[told]["id"].clone();
            world.set_clock("2025-02-24T00:00:00Z");
            wait_for_pass(&mut server, "2025-02-24T00:00:00Z");
            wait_for_pass(&mut server, "2025-02-24T00:00:00Z");
            let (code, _) = server.terminate();
            assert_eq!(code, Some(0));
            server = world.start(&KEEP_A_YEAR);
            wait_for_pass(&mut server, "2025-02-24T00:00:00Z");
            assert_eq!(deliveries(&*store, &endpoint).await.len(), 2);
        }
    }

    // A renewal: connection.connected, and the new token's notices start afresh.
    world.set_clock("2025-03-03T00:00:00Z");
    let renewed_expiry = "2025-05-02T00:00:00Z";
    let renewed = Connection::new(
        Platform::LinkedIn,
        "John Doe",
        "johndoe",
        at("2025-03-03T00:00:00Z"),
    )
    .with_expires_at(Some(at(renewed_expiry)));
    store
        .connect(account, &profile_key, renewed, Credentials::default())
        .await
        .unwrap();
    let got = wait_for_requests(&mock, 5).await;
    assert_eq!(got[4]["type"], "connection.connected");
    assert_eq!(got[4]["data"]["expiresAt"], renewed_expiry);
    world.set_clock("2025-04-25T00:00:00Z");
    let got = wait_for_requests(&mock, 6).await;
    assert_eq!(got[5]["type"], "connection.expiring");
    assert_eq!(got[5]["createdAt"], "2025-04-25T00:00:00Z");
    assert_ne!(got[5]["id"], seven_days);
    wait_for_pass(&mut server, "2025-04-25T00:00:00Z");
    // The receiver has answered; the worker records that right after.
    until("six delivered", async || {
        let all = deliveries(&*store, &endpoint).await;
        all.len() == 6 && all.iter().all(|d| d.status == DeliveryStatus::Delivered)
    })
    .await;
    assert_eq!(mock.received_requests().await.unwrap().len(), 6);

    // Marked as needing a reconnect: connection.needs_reconnect, and then nothing more for
    // that token, neither its 1-day notice nor its expiry.
    store
        .mark_revoked(
            account,
            &profile_key,
            Platform::LinkedIn,
            at("2025-04-25T00:00:00Z"),
        )
        .await
        .unwrap();
    let got = wait_for_requests(&mock, 7).await;
    assert_eq!(got[6]["type"], "connection.needs_reconnect");
    assert_eq!(got[6]["createdAt"], "2025-04-25T00:00:00Z");
    assert_eq!(got[6]["data"]["expiresAt"], renewed_expiry);
    assert_eq!(got[6]["data"]["needsReconnect"], true);
    for instant in ["2025-05-01T00:00:00Z", "2025-05-02T00:00:00Z"] {
        world.set_clock(instant);
        wait_for_pass(&mut server, instant);
        assert_eq!(
            deliveries(&*store, &endpoint).await.len(),
            7,
            "at {instant}"
        );
    }
}

/// A port nothing listens on.
fn refused_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn secs(at_: &str, plus: i64) -> Timestamp {
    at(at_) + chrono::Duration::seconds(plus)
}

on_each_backend! {
    #[tokio::test]
    failures_retry_on_the_backoff_schedule_then_fail_and_disable_without_blocking_others =>
        failures_retry
}

async fn failures_retry(backend: Backend) {
    let Some(world) = World::new(backend, "2025-01-01T12:30:00Z").await else {
        return;
    };
    let mut server = world.start(&["--webhook-timeout", "3", "--webhook-disable-after", "1"]);
    let (store, account) = world.store().await;
    let now = at("2025-01-01T12:30:00Z");
    let ok = receiver(ResponseTemplate::new(200)).await;
    let failing = receiver(ResponseTemplate::new(500)).await;
    let hanging = receiver(ResponseTemplate::new(200).set_delay(Duration::from_secs(600))).await;
    let ok_id = add_endpoint(&*store, account, format!("{}/ok", ok.uri()), now).await;
    let failing_id = add_endpoint(&*store, account, format!("{}/500", failing.uri()), now).await;
    let hanging_id = add_endpoint(&*store, account, format!("{}/hang", hanging.uri()), now).await;
    let refused_id = add_endpoint(
        &*store,
        account,
        format!("http://127.0.0.1:{}/refused", refused_port()),
        now,
    )
    .await;
    connect_john_doe(&*store, account, None, Credentials::default()).await;

    // The answering endpoint gets it while the hanging one is still waiting.
    wait_for_requests(&ok, 1).await;
    until("ok delivered", async || {
        deliveries(&*store, &ok_id).await[0].status == DeliveryStatus::Delivered
    })
    .await;
    assert_eq!(deliveries(&*store, &hanging_id).await[0].attempts, 0);

    // Each failure is retried 2.5–5 s later (5 s, equal jitter), then 15–30 s, then
    // 90–180 s, and so on; the test clock is moved past each.
    let failed = [
        (&failing_id, "HTTP 500", Some(500)),
        (&hanging_id, "timed out after 3000 ms", None),
        (&refused_id, "connection refused", None),
    ];
    let mut clock = 0;
    for (attempt, base) in [(1u32, 5i64), (2, 30), (3, 180)] {
        for (id, error, status) in failed {
            until(&format!("{id} attempt {attempt}"), async || {
                deliveries(&*store, id).await[0].attempts == attempt
            })
            .await;
            let d = &deliveries(&*store, id).await[0];
            assert_eq!(d.status, DeliveryStatus::Pending);
            assert_eq!(d.last_error.as_deref(), Some(error));
            assert_eq!(d.last_status, status);
            let next = d.next_attempt_at.unwrap();
            let now = secs("2025-01-01T12:30:00Z", clock);
            assert!(
                next >= now + chrono::Duration::seconds(base / 2 - 1)
                    && next <= now + chrono::Duration::seconds(base),
                "attempt {attempt} of {error}: next {next} at {now}"
            );
        }
        clock += base;
        world.set_clock(&format_timestamp(secs("2025-01-01T12:30:00Z", clock)));
    }
    for (id, _, _) in failed {
        until(&format!("{id} attempt 4"), async || {
            deliveries(&*store, id).await[0].attempts == 4
        })
        .await;
    }
    // Past the retry span (24 h): the next attempt is the last; failed, and disabled.
    world.set_clock("2025-01-02T12:30:01Z");
    for (id, error, _) in failed {
        until(&format!("{id} failed"), async || {
            deliveries(&*store, id).await[0].status == DeliveryStatus::Failed
        })
        .await;
        let d = &deliveries(&*store, id).await[0];
        assert_eq!((d.attempts, d.next_attempt_at), (5, None));
        assert_eq!(d.last_error.as_deref(), Some(error));
    }
    let endpoints = store.list_webhook_endpoints(Some(account)).await.unwrap();
    for endpoint in &endpoints {
        let disabled = endpoint.disabled.as_ref().map(|d| d.reason.as_str());
        if endpoint.id == ok_id {
            assert_eq!(disabled, None);
        } else {
            assert_eq!(disabled, Some("1 consecutive deliveries failed"));
        }
    }
    let line = server.wait_for("webhook endpoint disabled");
    assert!(line.contains("\"level\":\"WARN\""), "{line}");
    assert_eq!(ok.received_requests().await.unwrap().len(), 1);
    assert_eq!(failing.received_requests().await.unwrap().len(), 5);

    // Each failed attempt has its line: INFO while it will be retried, WARN at the last;
    // never the URL (it may hold a token) nor the secret.
    let first = logged(&mut server, "it will be retried", &failing_id);
    let fields = &first["fields"];
    assert_eq!(
        (
            &first["level"],
            &fields["attempt"],
            &fields["status"],
            &fields["error"]
        ),
        (&json!("INFO"), &json!(1), &json!(500), &json!("HTTP 500"))
    );
    let last = logged(&mut server, "no more attempts", &failing_id);
    let fields = &last["fields"];
    assert_eq!(
        (
            &last["level"],
            &fields["attempt"],
            &fields["status"],
            &fields["error"]
        ),
        (&json!("WARN"), &json!(5), &json!(500), &json!("HTTP 500"))
    );
    let url = format!("{}/500", failing.uri());
    for line in &server.seen {
        assert!(!line.contains(&url) && !line.contains(SECRET), "{line}");
    }
}

/// The first log line (parsed) that holds `needle` and `with`, among the lines seen so far
/// or still to come.
fn logged(server: &mut Server, needle: &str, with: &str) -> Value {
    let seen = server
        .seen
        .iter()
        .find(|l| l.contains(needle) && l.contains(with))
        .cloned();
    let line = seen.unwrap_or_else(|| {
        loop {
            let line = server.wait_for(needle);
            if line.contains(with) {
                break line;
            }
        }
    });
    serde_json::from_str(&line).unwrap()
}

/// `method path` on `server` with the API key, and the JSON answer (`null` when empty).
async fn call(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut request = client
        .request(method, format!("http://{}{path}", server.address))
        .header("x-api-key", &server.key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    changes_through_the_api_and_the_cli_send_their_events => changes_send_events
}

async fn changes_send_events(backend: Backend) {
    use postcore_tests::bluesky::BlueskyStandIn;
    use reqwest::Method;
    let standin = BlueskyStandIn::start().await;
    standin.add_account("alice.bsky.social", "did:plc:alice", "alic-eapp-pass-word");
    let Some((world, mut server, store, account, mock, endpoint)) =
        one_receiver(backend, &["--bluesky-service", &standin.url()]).await
    else {
        return;
    };
    let connect = json!({"platform": "bluesky",
        "credentials": {"handle": "alice.bsky.social", "appPassword": "alic-eapp-pass-word"}});

    // connection.connected: data is the profile key and the connection as GET shows it.
    let (status, answer) = call(&server, Method::POST, "/profiles/connect", Some(connect)).await;
    assert_eq!(status, 200, "{answer}");
    let key = answer["profileKey"].as_str().unwrap().to_owned();
    let (status, profile) = call(&server, Method::GET, &format!("/profiles/{key}"), None).await;
    assert_eq!(status, 200);
    let mut data = profile["connectedPlatforms"][0].clone();
    data.as_object_mut()
        .unwrap()
        .insert("profileKey".into(), json!(key));
    let got = wait_for_requests(&mock, 1).await;
    assert_eq!(got[0]["type"], "connection.connected");
    assert_eq!(got[0]["createdAt"], "2025-01-01T12:30:00Z");
    assert_eq!(got[0]["data"], data);

    // connection.needs_reconnect, by the operator's mark. `postcore-admin` runs on the
    // system's clock: its event is due at the real present, so the server's clock is
    // moved past it.
    world.admin(&[
        "connections",
        "mark-reconnect",
        &key,
        "--platform",
        "bluesky",
    ]);
    world.set_clock("2030-01-01T00:00:00Z");
    let got = wait_for_requests(&mock, 2).await;
    assert_eq!(got[1]["type"], "connection.needs_reconnect");
    data["needsReconnect"] = json!(true);
    assert_eq!(got[1]["data"], data);

    // connection.disconnected: its last state.
    world.set_clock("2030-01-01T01:00:00Z");
    let (status, _) = call(
        &server,
        Method::DELETE,
        &format!("/profiles/{key}/connections/bluesky"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let got = wait_for_requests(&mock, 3).await;
    assert_eq!(got[2]["type"], "connection.disconnected");
    assert_eq!(got[2]["createdAt"], "2030-01-01T01:00:00Z");
    assert_eq!(got[2]["data"]["profileKey"], key.as_str());
    assert_eq!(got[2]["data"]["platform"], "bluesky");

    // profile.deleted.
    world.set_clock("2030-01-01T02:00:00Z");
    let (status, _) = call(&server, Method::DELETE, &format!("/profiles/{key}"), None).await;
    assert_eq!(status, 200);
    let got = wait_for_requests(&mock, 4).await;
    assert_eq!(got[3]["type"], "profile.deleted");
    assert_eq!(got[3]["createdAt"], "2030-01-01T02:00:00Z");
    assert_eq!(got[3]["data"]["profileKey"], key.as_str());
    let ids: std::collections::BTreeSet<_> = got.iter().map(|b| b["id"].to_string()).collect();
    assert_eq!(ids.len(), 4);

    // A rotation: for 24 h each attempt is signed with the new secret and the old one.
    const NEW_SECRET: &str = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    store
        .rotate_webhook_secret(
            account,
            &endpoint,
            postcore_store::testing::rotation(NEW_SECRET, at("2030-01-01T02:00:00Z")),
        )
        .await
        .unwrap();
    store
        .enqueue_ping(account, &endpoint, at("2030-01-01T02:00:00Z"))
        .await
        .unwrap();
    let got = wait_for_requests(&mock, 5).await;
    assert_eq!(got[4]["type"], "ping");
    assert_eq!(got[4]["data"], json!({}));
    let requests = mock.received_requests().await.unwrap();
    assert_eq!(
        requests[4].headers["webhook-signature"].to_str().unwrap(),
        format!(
            "{} {}",
            sign(NEW_SECRET, &requests[4]),
            sign(SECRET, &requests[4])
        )
    );
    let _ = server.wait_for("webhook scheduler pass");
}

on_each_backend! {
    #[tokio::test]
    a_redirect_is_not_followed_410_disables_at_once_and_a_huge_answer_is_delivered =>
        answers_out_of_the_ordinary
}

/// Receivers that answer out of the ordinary, through the binary: a redirect is a failed
/// attempt, retried, and its target gets nothing; `410 Gone` fails the delivery at once and
/// disables the endpoint (the WARN line, and `postcore-admin webhooks list` says so); an
/// answer of 16 MiB is read no further than the bound and the delivery is done.
async fn answers_out_of_the_ordinary(backend: Backend) {
    let Some(world) = World::new(backend, "2025-01-01T12:30:00Z").await else {
        return;
    };
    let mut server = world.start(&[]);
    let (store, account) = world.store().await;
    let now = at("2025-01-01T12:30:00Z");
    let target = receiver(ResponseTemplate::new(200)).await;
    let redirecting = receiver(
        ResponseTemplate::new(307).insert_header("location", format!("{}/else", target.uri())),
    )
    .await;
    let gone = receiver(ResponseTemplate::new(410)).await;
    let huge = receiver(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 16 << 20])).await;
    let redirect_id = add_endpoint(&*store, account, format!("{}/r", redirecting.uri()), now).await;
    let gone_id = add_endpoint(&*store, account, format!("{}/g", gone.uri()), now).await;
    let huge_id = add_endpoint(&*store, account, format!("{}/h", huge.uri()), now).await;
    connect_john_doe(&*store, account, None, Credentials::default()).await;

    until("the redirect attempted", async || {
        deliveries(&*store, &redirect_id).await[0].attempts == 1
    })
    .await;
    let d = &deliveries(&*store, &redirect_id).await[0];
    assert_eq!(
        (d.status, d.last_status, d.last_error.as_deref()),
        (
            DeliveryStatus::Pending,
            Some(307),
            Some("HTTP 307: redirects are not followed")
        )
    );
    assert_eq!(redirecting.received_requests().await.unwrap().len(), 1);

    until("the 410 failed", async || {
        deliveries(&*store, &gone_id).await[0].status == DeliveryStatus::Failed
    })
    .await;
    let d = &deliveries(&*store, &gone_id).await[0];
    assert_eq!(
        (
            d.attempts,
            d.next_attempt_at,
            d.last_status,
            d.last_error.as_deref()
        ),
        (1, None, Some(410), Some("HTTP 410"))
    );
    let line = server.wait_for("webhook endpoint disabled");
    assert!(line.contains("\"level\":\"WARN\""), "{line}");
    assert!(line.contains(&gone_id), "{line}");
    let listed = world.admin(&["webhooks", "list"]);
    let disabled: Vec<Vec<&str>> = listed
        .lines()
        .filter(|l| l.contains("disabled since"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    let gone_url = format!("{}/g", gone.uri());
    let expected = [
        gone_id.as_str(),
        "default",
        &gone_url,
        "all",
        "2025-01-01T12:30:00Z",
        "disabled since 2025-01-01T12:30:00Z: the receiver answered 410 Gone",
        "1",
    ]
    .join(" ");
    assert_eq!(
        disabled,
        [expected.split(' ').collect::<Vec<_>>()],
        "{listed}"
    );

    until("the huge answer delivered", async || {
        deliveries(&*store, &huge_id).await[0].status == DeliveryStatus::Delivered
    })
    .await;
    let d = &deliveries(&*store, &huge_id).await[0];
    assert_eq!(
        (d.attempts, d.last_status, d.last_error.as_deref()),
        (1, Some(200), None)
    );
    // Nothing followed the redirect.
    assert_eq!(target.received_requests().await.unwrap().len(), 0);
}

on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    a_refused_refresh_sends_needs_reconnect => refused_refresh
}

/// `connection.needs_reconnect` when LinkedIn refuses a refresh, through the binary: a
/// token expiring in 8 days (due for refresh with a 10-day lead, not yet at the 7-day
/// notice) with a refresh token LinkedIn (the stand-in) does not know; the server's first
/// refresh pass is refused with `invalid_grant`, marks the connection, and the event goes
/// out with `needsReconnect: true`.
async fn refused_refresh(backend: Backend) {
    use postcore_tests::linkedin::{LinkedInStandIn, as_strs, linkedin_args};
    let Some(world) = World::new(backend, "2025-01-01T12:30:00Z").await else {
        return;
    };
    let standin = LinkedInStandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (_, mut args) = linkedin_args(&standin, dir.path());
    args.extend(["--token-refresh-lead-days", "10"].map(String::from));
    // A first start makes the database and its default account; its first scheduler pass
    // shows it is up (signal handlers too), so that it stops cleanly.
    let mut first = world.start(&[]);
    wait_for_pass(&mut first, "2025-01-01T12:30:00Z");
    let (code, log) = first.terminate();
    assert_eq!(code, Some(0), "{log}");
    let (store, account) = world.store().await;
    let mock = receiver(ResponseTemplate::new(200)).await;
    add_endpoint(
        &*store,
        account,
        format!("{}/hook", mock.uri()),
        at("2025-01-01T12:30:00Z"),
    )
    .await;
    let expires = "2025-01-09T12:30:00Z";
    let credentials = Credentials {
        access_token: Some(SecretString::from("an-access-token")),
        refresh_token: Some(SecretString::from("a-refresh-token-linkedin-never-issued")),
        ..Credentials::default()
    };
    let profile_key = connect_john_doe(&*store, account, Some(expires), credentials).await;
    let key = profile_key.as_str();

    let mut server = world.start(&as_strs(&args));
    let pass: Value = serde_json::from_str(&server.wait_for("token refresh pass")).unwrap();
    assert_eq!(
        (&pass["fields"]["due"], &pass["fields"]["refreshed"]),
        (&json!(1), &json!(0)),
        "{pass}"
    );
    assert_eq!(standin.counts().token_refresh, 1);
    let got = wait_for_requests(&mock, 2).await;
    assert_eq!(
        (got[0]["type"].as_str(), got[1]["type"].as_str()),
        (
            Some("connection.connected"),
            Some("connection.needs_reconnect")
        )
    );
    assert_eq!(got[1]["createdAt"], "2025-01-01T12:30:00Z");
    let mut data = connection_data(key, expires, 8);
    data["needsReconnect"] = json!(true);
    assert_eq!(got[1]["data"], data);
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
}

on_each_backend! {
    #[tokio::test]
    a_notice_found_late_is_dated_by_its_pass_and_counts_days_from_then => late_notice
}

/// A token that is connected 12 hours before it expires gets the 1-day notice (not the
/// 7-day one) from the next pass, dated by that pass (not 12 hours before the connection
/// existed), with `daysUntilExpiry` 0 as `GET /profiles` shows it then.
async fn late_notice(backend: Backend) {
    let Some((world, mut server, store, account, mock, _)) = one_receiver(backend, &[]).await
    else {
        return;
    };
    world.set_clock("2025-01-01T13:00:00Z");
    wait_for_pass(&mut server, "2025-01-01T13:00:00Z");
    let expires = "2025-01-02T00:30:00Z";
    let key = connect_john_doe(&*store, account, Some(expires), Credentials::default()).await;
    // Both are due at once; they may arrive in either order.
    let mut got = wait_for_requests(&mock, 2).await;
    got.sort_by_key(|e| e["type"].as_str().map(str::to_owned));
    assert_eq!(got[0]["type"], "connection.connected");
    assert_eq!(
        (got[1]["type"].as_str(), got[1]["createdAt"].as_str()),
        (Some("connection.expiring"), Some("2025-01-01T13:00:00Z"))
    );
    assert_eq!(got[1]["data"], connection_data(key.as_str(), expires, 0));
    wait_for_pass(&mut server, "2025-01-01T13:00:00Z");
    assert_eq!(mock.received_requests().await.unwrap().len(), 2);
}

on_each_backend! {
    #[tokio::test]
    finished_deliveries_go_after_the_retention_and_pending_ones_stay => retention_prunes
}

/// `--webhook-retention-days 30`: a delivered `connection.connected` is still listed 30
/// days after its event, to the second, and gone at the pass a second later (one INFO line
/// with the counts); a pending delivery of the same event stays: its endpoint failed once
/// and was then disabled, so it waits, never claimed, however old.
async fn retention_prunes(backend: Backend) {
    let Some((world, mut server, store, account, mock, endpoint)) =
        one_receiver(backend, &["--webhook-retention-days", "30"]).await
    else {
        return;
    };
    let start = at("2025-01-01T12:30:00Z");
    let failing = receiver(ResponseTemplate::new(500)).await;
    let off = add_endpoint(&*store, account, format!("{}/off", failing.uri()), start).await;
    connect_john_doe(&*store, account, None, Credentials::default()).await;
    let got = wait_for_requests(&mock, 1).await;
    until("delivered", async || {
        deliveries(&*store, &endpoint).await[0].status == DeliveryStatus::Delivered
    })
    .await;
    until("failed once", async || {
        deliveries(&*store, &off).await[0].attempts == 1
    })
    .await;
    store
        .set_webhook_endpoint_disabled(account, &off, Some("paused".into()), start)
        .await
        .unwrap();

    world.set_clock("2025-01-31T12:30:00Z");
    wait_for_pass(&mut server, "2025-01-31T12:30:00Z");
    let kept = deliveries(&*store, &endpoint).await;
    assert_eq!(
        kept.iter()
            .map(|d| (d.event_id.as_str(), d.status))
            .collect::<Vec<_>>(),
        vec![(got[0]["id"].as_str().unwrap(), DeliveryStatus::Delivered)]
    );

    world.set_clock("2025-01-31T12:30:01Z");
    let line = server.wait_for("webhook history pruned");
    let logged: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(logged["level"], "INFO");
    assert_eq!(
        logged["fields"],
        json!({"message": "webhook history pruned", "cutoff": "2025-01-01T12:30:01Z",
               "deliveries": 1, "events": 0, "notices": 0})
    );
    wait_for_pass(&mut server, "2025-01-31T12:30:01Z");
    assert_eq!(deliveries(&*store, &endpoint).await, vec![]);
    let pending = deliveries(&*store, &off).await;
    assert_eq!(
        pending
            .iter()
            .map(|d| (d.event_id.as_str(), d.status, d.attempts))
            .collect::<Vec<_>>(),
        vec![(got[0]["id"].as_str().unwrap(), DeliveryStatus::Pending, 1)]
    );
    assert_eq!(mock.received_requests().await.unwrap().len(), 1);
    assert_eq!(failing.received_requests().await.unwrap().len(), 1);
}

on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    after_two_rotations_a_delivery_carries_three_signatures_each_until_its_own_edge =>
        two_rotations
}

/// Two rotations through `POST /webhooks/{id}/rotate-secret` an hour apart: a ping then
/// carries three `v1,` signatures (new, previous, first), each the reference library's;
/// a ping after the first secret's own 24 h carries the other two; two more rotations are
/// accepted (the first secret is out of its window) and a fifth, while three retired
/// secrets still sign, is refused with 400.
async fn two_rotations(backend: Backend) {
    use reqwest::Method;
    let Some((world, server, _store, _account, mock, endpoint)) = one_receiver(backend, &[]).await
    else {
        return;
    };
    let rotate = format!("/webhooks/{endpoint}/rotate-secret");
    let mut secrets = vec![SECRET.to_owned()];
    for instant in ["2025-01-01T12:30:00Z", "2025-01-01T13:30:00Z"] {
        world.set_clock(instant);
        let (status, body) = call(&server, Method::POST, &rotate, None).await;
        assert_eq!(status, 200, "{body}");
        secrets.push(body["secret"].as_str().unwrap().to_owned());
    }
    let test = format!("/webhooks/{endpoint}/test");
    let (status, body) = call(&server, Method::POST, &test, None).await;
    assert_eq!(status, 202, "{body}");
    let got = wait_for_requests(&mock, 1).await;
    assert_eq!(
        (&got[0]["type"], &got[0]["id"]),
        (&json!("ping"), &body["eventId"])
    );
    let requests = mock.received_requests().await.unwrap();
    let header = |r: &Request| r.headers["webhook-signature"].to_str().unwrap().to_owned();
    let expected = |r: &Request, which: &[usize]| {
        which
            .iter()
            .map(|&i| sign(&secrets[i], r))
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(header(&requests[0]), expected(&requests[0], &[2, 1, 0]));

    // At the first secret's own edge (24 h after the first rotation), it no longer signs.
    world.set_clock("2025-01-02T12:30:00Z");
    let (status, _) = call(&server, Method::POST, &test, None).await;
    assert_eq!(status, 202);
    until("the second ping", async || {
        mock.received_requests().await.unwrap().len() == 2
    })
    .await;
    let requests = mock.received_requests().await.unwrap();
    assert_eq!(header(&requests[1]), expected(&requests[1], &[2, 1]));

    // Two more rotations are accepted; a fifth, while three retired secrets sign, is not.
    world.set_clock("2025-01-02T13:00:00Z");
    for _ in 0..2 {
        let (status, body) = call(&server, Method::POST, &rotate, None).await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = call(&server, Method::POST, &rotate, None).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"error": "VALIDATION_ERROR", "message":
                "rotate-secret is refused: at most 3 retired secrets sign beside the current \
                 one, each for 24 hours after its rotation; the oldest stops signing at \
                 2025-01-02T13:30:00Z, and the secret can be rotated again from then"})
        )
    );
}

on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    a_disabled_endpoint_gets_its_test_ping_and_events_again_once_enabled => ping_and_enable
}

/// A disabled endpoint, through the binary: `POST /webhooks/{id}/test` reaches its
/// receiver (the defect: it was answered 202 and never sent); a change while it is
/// disabled writes no delivery for it; `POST /webhooks/{id}/enable` answers the endpoint
/// enabled, and the next change reaches it.
async fn ping_and_enable(backend: Backend) {
    use reqwest::Method;
    let Some((_world, server, store, account, mock, endpoint)) = one_receiver(backend, &[]).await
    else {
        return;
    };
    store
        .set_webhook_endpoint_disabled(
            account,
            &endpoint,
            Some("the receiver answered 410 Gone".into()),
            at("2025-01-01T12:30:00Z"),
        )
        .await
        .unwrap();
    let (status, body) = call(
        &server,
        Method::POST,
        &format!("/webhooks/{endpoint}/test"),
        None,
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let got = wait_for_requests(&mock, 1).await;
    assert_eq!(
        (&got[0]["type"], &got[0]["id"]),
        (&json!("ping"), &body["eventId"])
    );
    until("the ping recorded", async || {
        deliveries(&*store, &endpoint).await[0].status == DeliveryStatus::Delivered
    })
    .await;

    // While disabled, a connect writes no delivery for it.
    connect_john_doe(&*store, account, None, Credentials::default()).await;
    assert_eq!(deliveries(&*store, &endpoint).await.len(), 1);

    let (status, body) = call(
        &server,
        Method::POST,
        &format!("/webhooks/{endpoint}/enable"),
        None,
    )
    .await;
    let url = format!("{}/hook", mock.uri());
    assert_eq!(
        (status, body),
        (
            200,
            json!({"id": endpoint, "url": url, "events": null, "description": null,
                "createdAt": "2025-01-01T12:30:00Z", "disabled": false, "disabledAt": null,
                "disabledReason": null, "consecutiveFailures": 0})
        )
    );
    connect_john_doe(&*store, account, None, Credentials::default()).await;
    let got = wait_for_requests(&mock, 2).await;
    assert_eq!(got[1]["type"], "connection.connected");
    assert_eq!(deliveries(&*store, &endpoint).await.len(), 2);
}

on_each_backend! {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    receivers_that_never_answer_hold_their_accounts_places_and_delay_nobody_else => fair_places
}

/// Fairness through the binary, with the default caps (64 in all, 8 per account, 2 per
/// endpoint) and `--webhook-timeout 30`: the default account makes 6 endpoints at a
/// receiver that never answers (`POST /webhooks`, a 600 s delay) and 3 pings to each
/// (`POST /webhooks/{id}/test`); exactly 8 requests reach it (2 to each of the first 4
/// endpoints, none to the last 2) and every one of the 18 deliveries is still at 0
/// attempts. Then another account's ping is delivered while all of them still hang, and
/// the hanging receiver still has exactly those 8.
async fn fair_places(backend: Backend) {
    let Some(world) = World::new(backend, "2025-01-01T12:30:00Z").await else {
        return;
    };
    let server = world.start(&["--webhook-timeout", "30"]);
    let (store, _) = world.store().await;
    let hanging = receiver(ResponseTemplate::new(200).set_delay(Duration::from_secs(600))).await;
    let mut endpoints = Vec::new();
    for n in 0..6 {
        let body = json!({"url": format!("{}/a{n}", hanging.uri())});
        let (status, made) = call(&server, reqwest::Method::POST, "/webhooks", Some(body)).await;
        assert_eq!(status, 201, "{made}");
        endpoints.push(made["id"].as_str().unwrap().to_owned());
    }
    for id in &endpoints {
        for _ in 0..3 {
            let path = format!("/webhooks/{id}/test");
            let (status, queued) = call(&server, reqwest::Method::POST, &path, None).await;
            assert_eq!(status, 202, "{queued}");
        }
    }
    let per_path = async || {
        let requests = hanging.received_requests().await.unwrap();
        (0..6)
            .map(|n| {
                let path = format!("/a{n}");
                requests.iter().filter(|r| r.url.path() == path).count()
            })
            .collect::<Vec<_>>()
    };
    until("8 hanging attempts", async || {
        per_path().await.iter().sum::<usize>() >= 8
    })
    .await;

    let b = store
        .create_account(
            &AccountName::parse("other").unwrap(),
            at("2025-01-01T12:30:00Z"),
        )
        .await
        .unwrap()
        .id;
    let answering = receiver(ResponseTemplate::new(200)).await;
    let other = add_endpoint(
        &*store,
        b,
        format!("{}/hook", answering.uri()),
        at("2025-01-01T12:30:00Z"),
    )
    .await;
    store
        .enqueue_ping(b, &other, at("2025-01-01T12:30:00Z"))
        .await
        .unwrap();
    let got = wait_for_requests(&answering, 1).await;
    assert_eq!(got[0]["type"], "ping");
    until("the other account's ping recorded", async || {
        deliveries(&*store, &other).await[0].status == DeliveryStatus::Delivered
    })
    .await;
    let report = deliveries(&*store, &other).await;
    assert_eq!(
        report
            .iter()
            .map(|d| (d.attempts, d.status, d.last_status))
            .collect::<Vec<_>>(),
        [(1, DeliveryStatus::Delivered, Some(200))]
    );

    assert_eq!(per_path().await, [2, 2, 2, 2, 0, 0]);
    for id in &endpoints {
        let report = deliveries(&*store, id).await;
        assert_eq!(
            report
                .iter()
                .map(|d| (d.attempts, d.status))
                .collect::<Vec<_>>(),
            [(0, DeliveryStatus::Pending); 3],
            "{id}"
        );
    }
    let (code, log) = server.terminate();
    assert_eq!(code, Some(0), "{log}");
}
