//! The crash run's webhook receiver: an actix-web server on 127.0.0.1 inside the xtask
//! process, so that it outlives every `kill -9` of `postcore serve`.
//!
//! It checks each delivery as a receiver should (the Standard Webhooks signature with the
//! endpoint's secret, by the specification's reference library `standardwebhooks`, an
//! implementation independent of the server's; the body's `id` equal to `webhook-id`) and
//! keeps each event once by `webhook-id`, counting redeliveries. To exercise the server's
//! retries and its recovery of attempts cut short by a kill, it answers 3 % of deliveries
//! `503` (not kept: a receiver that failed has not processed the event; each event at most
//! once, so its retry comes after the first backoff step), and holds every
//! answer 0–20 ms after keeping the event, so that a kill often falls between a receiver
//! having an event and the server having recorded it: the server must then send it again.

use crate::process;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::{Context as _, Result};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Percentage of deliveries answered `503 Service Unavailable`.
const REFUSE_PERCENT: u64 = 3;
/// Longest hold before an answer, in milliseconds.
const MAX_HOLD_MS: u64 = 20;
/// Largest body the receiver reads (the server sends a few hundred bytes).
const MAX_BODY: usize = 64 * 1024;

/// What the receiver has seen.
#[derive(Debug, Default)]
pub struct Received {
    /// The events kept, by `webhook-id`: the parsed body of the first delivery of each.
    pub events: HashMap<String, Value>,
    /// Deliveries of an event already kept (at-least-once: a redelivery after a kill).
    pub redeliveries: usize,
    /// Deliveries answered 503 on purpose.
    pub refused: usize,
    /// Deliveries being answered now (a kill that falls while this is above zero cut an
    /// attempt short).
    pub in_flight: usize,
    /// Deliveries that failed a check (bad signature, unparsable body, id mismatch): each a
    /// description. Any is a failure of the run.
    pub rejected: Vec<String>,
    /// The endpoint's signing secret (`whsec_…`), once the endpoint is registered.
    secret: Option<String>,
    /// Events refused once: their next delivery is taken, so a retry waits one backoff step
    /// (about 5 s), never the later ones (minutes) that would outlast the final run's wait.
    refused_once: HashSet<String>,
}

/// A running receiver; stopped when dropped.
pub struct Receiver {
    url: String,
    state: Arc<Mutex<Received>>,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    /// Starts the receiver on a free port of 127.0.0.1.
    pub fn start() -> Result<Self> {
        let state = Arc::new(Mutex::new(Received::default()));
        let data = web::Data::from(Arc::clone(&state));
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            let started = HttpServer::new(move || {
                App::new()
                    .app_data(data.clone())
                    .app_data(web::PayloadConfig::new(MAX_BODY))
                    .default_service(web::post().to(deliver))
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .map(|s| {
                let port = s.addrs()[0].port();
                let server = s.run();
                (port, server)
            });
            match started {
                Ok((port, server)) => {
                    let _ = tx.send(Ok((port, server.handle())));
                    let _ = system.block_on(server);
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        });
        let (port, handle) = rx
            .recv_timeout(Duration::from_secs(30))
            .context("the webhook receiver did not start")?
            .context("binding the webhook receiver")?;
        Ok(Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            state,
            handle,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT/hook`, the endpoint's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Sets the endpoint's signing secret (`whsec_…`, from `POST /webhooks`).
    pub fn set_secret(&self, secret: String) {
        self.state.lock().unwrap().secret = Some(secret);
    }

    /// Runs `f` on what the receiver has seen so far.
    pub fn with<T>(&self, f: impl FnOnce(&Received) -> T) -> T {
        f(&self.state.lock().unwrap())
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // Stopping returns a future; the server's own thread runs it.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Counts a delivery in flight while it lives (the future is dropped when the server's
/// connection is cut by a kill).
struct InFlight(Arc<Mutex<Received>>);

impl InFlight {
    fn new(state: &Arc<Mutex<Received>>) -> Self {
        state.lock().unwrap().in_flight += 1;
        Self(Arc::clone(state))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.lock().unwrap().in_flight -= 1;
    }
}

async fn deliver(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<Mutex<Received>>,
) -> HttpResponse {
    let state = state.into_inner();
    let _flight = InFlight::new(&state);
    let id = request
        .headers()
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let refuse = {
        let mut received = state.lock().unwrap();
        let refuse = process::random_u64() % 100 < REFUSE_PERCENT
            && !id.is_empty()
            && received.refused_once.insert(id);
        received.refused += usize::from(refuse);
        refuse
    };
    if !refuse {
        let mut received = state.lock().unwrap();
        match check(received.secret.as_deref(), &request, &body) {
            Ok((id, event)) => {
                if received.events.insert(id, event).is_some() {
                    received.redeliveries += 1;
                }
            }
            Err(what) => received.rejected.push(what),
        }
    }
    let hold = process::random_u64() % (MAX_HOLD_MS + 1);
    actix_web::rt::time::sleep(Duration::from_millis(hold)).await;
    if refuse {
        HttpResponse::ServiceUnavailable().finish()
    } else {
        HttpResponse::Ok().finish()
    }
}

/// Checks one delivery as a receiver should: its signature (one of the space-separated
/// `v1,…` entries of `webhook-signature` is the reference library's signature of
/// `webhook-id.webhook-timestamp.body` with `secret`) and its body (JSON whose `id` is
/// `webhook-id`). Returns the id and the body, or what is wrong.
fn check(
    secret: Option<&str>,
    request: &HttpRequest,
    body: &[u8],
) -> Result<(String, Value), String> {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| format!("a delivery without a readable {name} header"))
    };
    let (id, timestamp, signature) = (
        header("webhook-id")?,
        header("webhook-timestamp")?,
        header("webhook-signature")?,
    );
    let secret = secret.ok_or("a delivery before the endpoint was registered")?;
    let timestamp: i64 = timestamp
        .parse()
        .map_err(|_| format!("{id}: webhook-timestamp {timestamp:?} is not Unix seconds"))?;
    let expected = standardwebhooks::Webhook::new(secret)
        .and_then(|w| w.sign(&id, timestamp, body))
        .map_err(|e| format!("{id}: signing with the endpoint's secret: {e}"))?;
    if !signature.split(' ').any(|entry| entry == expected) {
        return Err(format!("{id}: no valid signature in {signature:?}"));
    }
    let event: Value =
        serde_json::from_slice(body).map_err(|e| format!("{id}: the body is not JSON: {e}"))?;
    if event["id"] != id.as_str() {
        return Err(format!("{id}: the body's id is {}", event["id"]));
    }
    Ok((id, event))
}
