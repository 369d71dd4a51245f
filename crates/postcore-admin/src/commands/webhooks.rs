//! `webhooks add|list|remove|enable|deliveries|prune`: an account's webhook endpoints
//! (issue 13), as `POST/GET/DELETE /webhooks` and `POST /webhooks/{id}/enable` manage them,
//! the state of their deliveries, and the retention of finished history.

use super::Format;
use crate::context::{Context, Globals, Open};
use crate::exit::{Code, bad_input, conflict, not_found};
use crate::input::confirm;
use crate::output::{print_json, print_table, text, ts};
use anyhow::Context as _;
use postcore_api::{WebhookEndpointObject, WebhookEndpointWithSecret, WithAccount};
use postcore_domain::{AccountName, format_timestamp};
use postcore_store::webhooks::{
    DeliveryReport, NewWebhookEndpoint, PruneCounts, WebhookEndpoint, WebhookEventKind,
    prune_all_webhook_history,
};
use postcore_store::{AccountId, Conflict, Entity, ExposeSecret as _, StoreError};
use postcore_webhooks::{Retention, WebhookSecret, check_url};
use serde::Serialize;
use std::collections::HashMap;

/// `webhooks` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add an endpoint to an account; prints its id and its signing secret, shown this once.
    ///
    /// The URL must be https to a public address; loopback and private addresses (and http
    /// to them and to host names) only with --allow-private. Link-local (cloud metadata),
    /// multicast, unspecified and reserved (documentation, benchmarking, …) addresses never.
    /// An account has at most 20 endpoints (disabled ones count): a 21st is refused
    /// (exit 5) until one is removed.
    Add {
        /// The account whose events it receives.
        #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
        account: AccountName,
        /// Where events are POSTed.
        #[arg(long, value_name = "URL")]
        url: String,
        /// An event type to receive (repeat for more); none: every type.
        #[arg(long = "event", value_name = "TYPE", value_parser = event_kind)]
        events: Vec<WebhookEventKind>,
        /// A note for operators (1–255 characters).
        #[arg(long, value_name = "TEXT")]
        description: Option<String>,
        /// Allow loopback and private addresses, and http to them and to host names, as the server's
        /// --webhook-allow-private does.
        #[arg(long, env = "POSTCORE_WEBHOOK_ALLOW_PRIVATE", default_value_t = false)]
        allow_private: bool,
        #[command(flatten)]
        format: Format,
    },
    /// List endpoints by age, with their state (enabled, or disabled since when and why);
    /// never their secrets.
    List {
        /// Only this account's endpoints.
        #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
        account: Option<AccountName>,
        #[command(flatten)]
        format: Format,
    },
    /// Remove an endpoint with its pending and past deliveries.
    Remove {
        /// The account it belongs to.
        #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
        account: AccountName,
        /// The endpoint's id, `we_…`.
        id: String,
        /// Confirm: removing cannot be undone.
        #[arg(long)]
        yes: bool,
    },
    /// Enable a disabled endpoint again, as `POST /webhooks/{id}/enable` does: clears its
    /// disabling and its failures in a row; an enabled one is left as it is.
    ///
    /// Events that happened while it was disabled were not queued for it and are not sent;
    /// deliveries queued before it was disabled go out again. Check the receiver first
    /// with a test ping (`POST /webhooks/{id}/test`: pings reach disabled endpoints).
    Enable {
        /// The account it belongs to; without it, the endpoint is found in any account.
        #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
        account: Option<AccountName>,
        /// The endpoint's id, `we_…`.
        id: String,
        #[command(flatten)]
        format: Format,
    },
    /// List deliveries, newest event first: event, type, endpoint, attempts, status, next
    /// attempt and last error.
    Deliveries {
        /// Only this account's deliveries.
        #[arg(long, value_name = "NAME", value_parser = AccountName::parse)]
        account: Option<AccountName>,
        /// Only this endpoint's deliveries.
        #[arg(long, value_name = "ID")]
        endpoint: Option<String>,
        /// At most N deliveries (1–1000).
        #[arg(long, value_name = "N", default_value_t = 50,
              value_parser = clap::value_parser!(u32).range(1..=1000))]
        limit: u32,
        #[command(flatten)]
        format: Format,
    },
    /// Remove finished webhook history older than the retention, as the server's scheduler
    /// pass does (this works whether or not the server's webhooks are on).
    ///
    /// Removed: delivered and failed deliveries whose event is older than the cutoff (now,
    /// or --now, minus the retention), then events older than it with no delivery left, and
    /// the records of expiry notices sent for tokens that no longer exist (renewed,
    /// disconnected, or their profile deleted) recorded before it. Kept however old: a
    /// pending delivery and its event, and the notice record of a token that still exists
    /// (so that it is never sent twice). Prints the counts.
    Prune {
        /// Keep this many days of history (0: keep everything and remove nothing; at most
        /// 3650), as the server's --webhook-retention-days.
        #[arg(long, value_name = "DAYS", env = "POSTCORE_WEBHOOK_RETENTION_DAYS",
              default_value = "30", value_parser = Retention::parse)]
        retention_days: Retention,
        #[command(flatten)]
        format: Format,
    },
}

/// Rows of each kind one prune call removes: each call is one transaction.
const PRUNE_BATCH: u32 = 1_000;

/// `webhooks prune --json`: the cutoff (null when nothing is pruned) and the counts.
#[derive(Serialize)]
struct PrunedJson {
    cutoff: Option<String>,
    deliveries: u32,
    events: u32,
    notices: u32,
}

/// An event type an endpoint may ask for: any but `ping`, which is sent to the endpoint
/// it is made for whatever its list.
fn event_kind(text: &str) -> Result<WebhookEventKind, String> {
    WebhookEventKind::parse(text)
        .filter(|k| *k != WebhookEventKind::Ping)
        .ok_or_else(|| {
            let names: Vec<_> = WebhookEventKind::ALL
                .into_iter()
                .filter(|k| *k != WebhookEventKind::Ping)
                .map(WebhookEventKind::as_str)
                .collect();
            format!("expected one of: {}", names.join(", "))
        })
}

/// The wire form of an endpoint, as `GET /webhooks` shows it.
fn object(e: &WebhookEndpoint) -> WebhookEndpointObject {
    WebhookEndpointObject::new(
        &e.id,
        &e.url,
        e.events.iter().map(|k| k.as_str()),
        e.description.as_deref(),
        e.created_at,
        e.disabled.as_ref().map(|d| (d.at, d.reason.as_str())),
        e.consecutive_failures,
    )
}

/// A delivery as `webhooks deliveries --json` prints it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryJson {
    event_id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    endpoint_id: String,
    created_at: String,
    attempts: u32,
    status: &'static str,
    next_attempt_at: Option<String>,
    last_status: Option<u16>,
    last_error: Option<String>,
}

impl From<DeliveryReport> for DeliveryJson {
    fn from(d: DeliveryReport) -> Self {
        Self {
            event_id: d.event_id,
            kind: d.kind.as_str(),
            endpoint_id: d.endpoint_id,
            created_at: format_timestamp(d.created_at),
            attempts: d.attempts,
            status: d.status.as_str(),
            next_attempt_at: d.next_attempt_at.map(format_timestamp),
            last_status: d.last_status,
            last_error: d.last_error,
        }
    }
}

/// `webhooks list --json`: `GET /webhooks`' body with each endpoint's account first.
#[derive(Serialize)]
struct EndpointsJson<'a> {
    webhooks: Vec<WithAccount<'a, WebhookEndpointObject>>,
}

#[derive(Serialize)]
struct DeliveriesJson {
    deliveries: Vec<DeliveryJson>,
}

/// The name of every account, by id.
async fn account_names(ctx: &Context) -> anyhow::Result<HashMap<AccountId, String>> {
    let accounts = ctx.store.list_accounts().await?;
    Ok(accounts
        .into_iter()
        .map(|a| (a.id, a.name.as_str().to_owned()))
        .collect())
}

/// Runs a `webhooks` subcommand.
pub async fn run(globals: &Globals, cmd: Command) -> anyhow::Result<Code> {
    match cmd {
        Command::Add {
            account,
            url,
            mut events,
            description,
            allow_private,
            format,
        } => {
            // The URL's refusal names the rule, never the URL (it may hold a token).
            let url = check_url(&url, allow_private)
                .map_err(|refusal| bad_input(format!("--url is refused: {refusal}")))?;
            if let Some(d) = &description
                && (d.is_empty()
                    || d.chars().count() > postcore_api::WEBHOOK_DESCRIPTION_MAX_CHARS
                    || postcore_api::description_problem(d).is_some())
            {
                return Err(bad_input(
                    "--description must be 1 to 255 characters, not blank, without control or \
                     invisible formatting characters",
                ));
            }
            events.sort_unstable();
            events.dedup();
            let ctx = globals.open(Open::MustExist).await?;
            let found = ctx.account(&account).await?;
            let secret = WebhookSecret::generate().to_text();
            let endpoint = ctx
                .store
                .create_webhook_endpoint(
                    found.id,
                    NewWebhookEndpoint {
                        url: url.as_str().to_owned(),
                        events,
                        description,
                        secret: secret.clone(),
                    },
                    ctx.now,
                )
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(rule @ Conflict::TooManyWebhookEndpoints) => {
                        conflict(format!("account {}: {rule}", account.as_str()))
                    }
                    other => other.into(),
                })?;
            if format.json {
                print_json(&WebhookEndpointWithSecret {
                    endpoint: object(&endpoint),
                    secret: secret.expose_secret().to_owned(),
                })?;
            } else {
                println!(
                    "created webhook endpoint {} of account {}\nsecret: {}",
                    endpoint.id,
                    account.as_str(),
                    secret.expose_secret()
                );
            }
            eprintln!("This signing secret is shown only once: store it now.");
        }
        Command::List { account, format } => {
            let ctx = globals.open(Open::MustExist).await?;
            let account = ctx.optional_account(account.as_ref()).await?;
            let endpoints = ctx
                .store
                .list_webhook_endpoints(account.map(|a| a.id))
                .await?;
            let names = account_names(&ctx).await?;
            let name = |e: &WebhookEndpoint| names.get(&e.account).cloned().unwrap_or_default();
            if format.json {
                let webhooks = endpoints
                    .iter()
                    .map(|e| WithAccount {
                        account: name(e).into(),
                        object: object(e),
                    })
                    .collect::<Vec<_>>();
                print_json(&EndpointsJson { webhooks })?;
            } else {
                print_table(
                    &[
                        "ID", "ACCOUNT", "URL", "EVENTS", "CREATED", "STATUS", "FAILURES",
                    ],
                    endpoints.iter().map(|e| {
                        let events = if e.events.is_empty() {
                            "all".to_owned()
                        } else {
                            e.events
                                .iter()
                                .map(|k| k.as_str())
                                .collect::<Vec<_>>()
                                .join(",")
                        };
                        let status = match &e.disabled {
                            None => "enabled".to_owned(),
                            Some(d) => {
                                format!("disabled since {}: {}", format_timestamp(d.at), d.reason)
                            }
                        };
                        vec![
                            e.id.clone(),
                            name(e),
                            shortened(&e.url),
                            events,
                            ts(Some(e.created_at)),
                            status,
                            e.consecutive_failures.to_string(),
                        ]
                    }),
                );
            }
        }
        Command::Remove { account, id, yes } => {
            confirm(yes, &format!("removing the webhook endpoint {id}"))?;
            let ctx = globals.open(Open::MustExist).await?;
            let found = ctx.account(&account).await?;
            ctx.store
                .delete_webhook_endpoint(found.id, &id)
                .await
                .with_context(|| format!("ID {id:?} in account {}", account.as_str()))?;
            println!(
                "removed webhook endpoint {id} of account {}",
                account.as_str()
            );
        }
        Command::Enable {
            account,
            id,
            format,
        } => {
            let ctx = globals.open(Open::MustExist).await?;
            let names = account_names(&ctx).await?;
            let owner = match &account {
                Some(name) => Some(ctx.account(name).await?.id),
                None => ctx
                    .store
                    .list_webhook_endpoints(None)
                    .await?
                    .into_iter()
                    .find(|e| e.id == id)
                    .map(|e| e.account),
            };
            let context = || match &account {
                Some(name) => format!("ID {id:?} in account {}", name.as_str()),
                None => format!("ID {id:?}"),
            };
            let endpoint = match owner {
                Some(owner) => ctx
                    .store
                    .set_webhook_endpoint_disabled(owner, &id, None, ctx.now)
                    .await
                    .with_context(context)?,
                None => {
                    return Err(
                        anyhow::Error::new(StoreError::NotFound(Entity::WebhookEndpoint))
                            .context(context()),
                    );
                }
            };
            let name = names.get(&endpoint.account).cloned().unwrap_or_default();
            if format.json {
                print_json(&WithAccount {
                    account: name.into(),
                    object: object(&endpoint),
                })?;
            } else {
                println!("enabled webhook endpoint {id} of account {name}");
            }
        }
        Command::Deliveries {
            account,
            endpoint,
            limit,
            format,
        } => {
            let ctx = globals.open(Open::MustExist).await?;
            let account = ctx.optional_account(account.as_ref()).await?;
            if let Some(id) = &endpoint {
                let endpoints = ctx
                    .store
                    .list_webhook_endpoints(account.as_ref().map(|a| a.id))
                    .await?;
                if !endpoints.iter().any(|e| &e.id == id) {
                    let whose = account.as_ref().map_or(String::new(), |a| {
                        format!(" in account {}", a.name.as_str())
                    });
                    return Err(not_found(format!(
                        "--endpoint {id:?}{whose}: webhook endpoint not found"
                    )));
                }
            }
            let deliveries = ctx
                .store
                .list_webhook_deliveries(account.map(|a| a.id), endpoint.as_deref(), limit)
                .await?;
            if format.json {
                let deliveries = deliveries.into_iter().map(DeliveryJson::from).collect();
                print_json(&DeliveriesJson { deliveries })?;
            } else {
                print_table(
                    &[
                        "EVENT",
                        "TYPE",
                        "ENDPOINT",
                        "CREATED",
                        "ATTEMPTS",
                        "STATUS",
                        "NEXT ATTEMPT",
                        "LAST RESULT",
                    ],
                    deliveries.into_iter().map(|d| {
                        // The error says it all (`HTTP 500`, `timed out after …`); a
                        // delivered attempt has only its status.
                        let last = match (d.last_status, d.last_error) {
                            (_, Some(e)) => e,
                            (Some(s), None) => format!("HTTP {s}"),
                            (None, None) => text(None),
                        };
                        vec![
                            d.event_id,
                            d.kind.as_str().to_owned(),
                            d.endpoint_id,
                            ts(Some(d.created_at)),
                            d.attempts.to_string(),
                            d.status.as_str().to_owned(),
                            ts(d.next_attempt_at),
                            last,
                        ]
                    }),
                );
            }
        }
        Command::Prune {
            retention_days,
            format,
        } => {
            let ctx = globals.open(Open::MustExist).await?;
            let cutoff = retention_days.cutoff(ctx.now);
            let removed = match cutoff {
                Some(cutoff) => prune_all_webhook_history(&*ctx.store, cutoff, PRUNE_BATCH).await?,
                None => PruneCounts::default(),
            };
            if format.json {
                print_json(&PrunedJson {
                    cutoff: cutoff.map(format_timestamp),
                    deliveries: removed.deliveries,
                    events: removed.events,
                    notices: removed.notices,
                })?;
            } else if let Some(cutoff) = cutoff {
                println!(
                    "removed webhook history older than {}: deliveries {}, events {}, \
                     notice records {}",
                    format_timestamp(cutoff),
                    removed.deliveries,
                    removed.events,
                    removed.notices
                );
            } else {
                println!("webhook retention is 0 days (keep everything): nothing removed");
            }
        }
    }
    Ok(Code::Success)
}

/// Longest URL the `list` table shows, in characters; `--json` shows it whole.
const URL_COLUMN: usize = 60;

/// `url` as the `list` table shows it: whole up to [`URL_COLUMN`] characters, else its
/// first ones and `…`, so that one long URL does not widen every row.
fn shortened(url: &str) -> String {
    if url.chars().count() <= URL_COLUMN {
        return url.to_owned();
    }
    let mut short: String = url.chars().take(URL_COLUMN - 1).collect();
    short.push('…');
    short
}
