//! `webhooks add|list|remove|enable|deliveries|prune`: the secret is printed once and
//! never listed, the SSRF guard refuses what the server refuses, deliveries show their
//! state, a disabled endpoint is enabled again, and prune removes finished history past
//! the retention.

use crate::harness::Admin;
use crate::{NOW, at, json, with_account};
use postcore_store::ExposeSecret as _;
use serde_json::json as j;

/// Runs `webhooks add --account acme --url URL` at [`NOW`] with `extra` arguments.
fn add_run(admin: &Admin, url: &str, extra: &[&str]) -> crate::harness::Run {
    let mut args = vec![
        "--now",
        NOW,
        "webhooks",
        "add",
        "--account",
        "acme",
        "--url",
        url,
    ];
    args.extend_from_slice(extra);
    admin.run(&args)
}

/// Adds an endpoint to `acme` with `extra` arguments; returns its id and secret, checking
/// the exact output around them.
fn add(admin: &Admin, url: &str, extra: &[&str]) -> (String, String) {
    let run = add_run(admin, url, extra);
    assert_eq!(run.code, 0, "{run:?}");
    let mut lines = run.stdout.lines();
    let id = lines
        .next()
        .and_then(|l| l.strip_prefix("created webhook endpoint "))
        .and_then(|l| l.strip_suffix(" of account acme"))
        .expect("the first line names the endpoint")
        .to_owned();
    let secret = lines
        .next()
        .and_then(|l| l.strip_prefix("secret: whsec_"))
        .expect("the second line is the secret")
        .to_owned();
    assert_eq!(lines.next(), None);
    assert_eq!(
        run.stderr,
        "This signing secret is shown only once: store it now.\n"
    );
    (id, format!("whsec_{secret}"))
}

#[tokio::test]
async fn an_added_endpoint_is_listed_without_its_secret_and_its_secret_signs() {
    let admin = with_account();
    let url = "https://hooks.example.com/postcore";
    let (id, secret) = add(
        &admin,
        url,
        &[
            "--event",
            "connection.expired",
            "--event",
            "connection.expiring",
            "--description",
            "production",
        ],
    );
    let store = admin.store().await;
    let signing = store.webhook_signing_secrets(&id, at(NOW)).await.unwrap();
    assert_eq!(signing.current.expose_secret(), secret);

    let table = admin.ok(&["webhooks", "list"]);
    assert_eq!(
        table,
        format!(
            "ID                   ACCOUNT  URL                                 EVENTS                                  CREATED               STATUS   FAILURES\n\
             {id}  acme     {url}  connection.expiring,connection.expired  2025-01-06T12:30:00Z  enabled  0\n"
        )
    );
    let listed = admin.ok(&["webhooks", "list", "--account", "acme", "--json"]);
    assert!(!listed.contains(&secret) && !listed.contains("whsec_"));
    assert_eq!(
        json(&listed),
        j!({"webhooks": [{
            "account": "acme", "id": id, "url": url,
            "events": ["connection.expiring", "connection.expired"], "description": "production",
            "createdAt": NOW, "disabled": false, "disabledAt": null, "disabledReason": null,
            "consecutiveFailures": 0
        }]})
    );
}

#[test]
fn add_with_json_prints_the_apis_answer_with_the_secret() {
    let admin = with_account();
    let run = add_run(&admin, "https://a.example.com/h", &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let mut body = json(&run.stdout);
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let id = body["id"].as_str().unwrap().to_owned();
    body["secret"] = j!("SECRET");
    assert_eq!(
        body,
        j!({"id": id, "url": "https://a.example.com/h", "events": null, "description": null,
            "createdAt": NOW, "disabled": false, "disabledAt": null, "disabledReason": null,
            "consecutiveFailures": 0, "secret": "SECRET"})
    );
}

#[test]
fn private_addresses_need_allow_private_and_metadata_is_never_allowed() {
    let admin = with_account();
    let refused = |url: &str, extra: &[&str]| add_run(&admin, url, extra).failed(2);
    let loopback = "error: --url is refused: the URL's host is a loopback address, where webhooks are not sent\n";
    assert_eq!(refused("https://127.0.0.1/h", &[]), loopback);
    assert_eq!(refused("https://2130706433/h", &[]), loopback);
    assert_eq!(
        refused("https://10.0.0.7/h", &[]),
        "error: --url is refused: the URL's host is a private address, where webhooks are not sent\n"
    );
    assert_eq!(
        refused("https://169.254.169.254/h", &["--allow-private"]),
        "error: --url is refused: the URL's host is a link-local address, where webhooks are not sent\n"
    );
    assert_eq!(
        refused("http://93.184.215.14/h", &["--allow-private"]),
        "error: --url is refused: the URL must use https (http only to a loopback or private address or a host name, when the operator allows them)\n"
    );
    assert_eq!(
        json(&admin.ok(&["webhooks", "list", "--json"])),
        j!({"webhooks": []})
    );

    add(&admin, "http://127.0.0.1:9000/h", &["--allow-private"]);
    let run = admin
        .command()
        .env("POSTCORE_WEBHOOK_ALLOW_PRIVATE", "true")
        .args([
            "webhooks",
            "add",
            "--account",
            "acme",
            "--url",
            "https://10.0.0.7/h",
        ])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert_eq!(
        json(&admin.ok(&["webhooks", "list", "--json"]))["webhooks"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn unknown_event_types_accounts_and_bad_descriptions_are_refused() {
    let admin = with_account();
    let url = "https://a.example.com/h";
    let run = add_run(&admin, url, &["--event", "ping"]);
    assert_eq!(
        run.failed(2),
        "error: invalid value 'ping' for '--event <TYPE>': expected one of: connection.expiring, \
         connection.expired, connection.needs_reconnect, connection.connected, \
         connection.disconnected, profile.deleted\n"
    );
    let run = admin.run(&["webhooks", "add", "--account", "nobody", "--url", url]);
    assert_eq!(
        run.failed(4),
        "error: --account \"nobody\": account not found\n"
    );
    for description in ["", "   ", "prod\u{202E}noitcudorp"] {
        let run = add_run(&admin, url, &["--description", description]);
        assert_eq!(
            run.failed(2),
            "error: --description must be 1 to 255 characters, not blank, without control or \
             invisible formatting characters\n",
            "{description:?}"
        );
    }
}

#[tokio::test]
async fn removing_needs_yes_and_another_accounts_endpoint_is_not_found() {
    let admin = with_account();
    admin.ok(&["--now", NOW, "accounts", "create", "other"]);
    let (id, _) = add(&admin, "https://a.example.com/h", &[]);

    let stderr = admin
        .run(&["webhooks", "remove", "--account", "acme", &id])
        .failed(2);
    assert_eq!(
        stderr,
        format!(
            "error: --yes: removing the webhook endpoint {id} cannot be undone; repeat with \
             --yes to confirm (nothing was changed)\n"
        )
    );
    let stderr = admin
        .run(&["webhooks", "remove", "--account", "other", &id, "--yes"])
        .failed(4);
    assert_eq!(
        stderr,
        format!("error: ID \"{id}\" in account other: webhook endpoint not found\n")
    );
    assert_eq!(
        admin.ok(&["webhooks", "remove", "--account", "acme", &id, "--yes"]),
        format!("removed webhook endpoint {id} of account acme\n")
    );
    assert_eq!(
        json(&admin.ok(&["webhooks", "list", "--json"])),
        j!({"webhooks": []})
    );
}

/// `webhooks deliveries --json`'s entry for a ping made at [`NOW`], not yet tried.
fn untried_ping(event: &str, endpoint: &str) -> serde_json::Value {
    j!({
        "eventId": event, "type": "ping", "endpointId": endpoint, "createdAt": NOW,
        "attempts": 0, "status": "pending", "nextAttemptAt": NOW, "lastStatus": null,
        "lastError": null
    })
}

/// An endpoint of `acme` at `https://a.example.com/h`: the store, acme's id, its id.
async fn endpoint_of_acme(
    admin: &Admin,
) -> (
    std::sync::Arc<dyn postcore_store::Repository>,
    postcore_store::AccountId,
    String,
) {
    let (id, _) = add(admin, "https://a.example.com/h", &[]);
    let store = admin.store().await;
    let acme = store
        .find_account(&postcore_domain::AccountName::parse("acme").unwrap())
        .await
        .unwrap()
        .id;
    (store, acme, id)
}

#[tokio::test]
async fn deliveries_and_a_disabled_endpoint_show_their_state() {
    let admin = with_account();
    let (store, acme, id) = endpoint_of_acme(&admin).await;
    let ping = store.enqueue_ping(acme, &id, at(NOW)).await.unwrap();
    store
        .set_webhook_endpoint_disabled(
            acme,
            &id,
            Some("5 consecutive deliveries failed".into()),
            at("2025-01-07T00:00:00Z"),
        )
        .await
        .unwrap();

    let table = admin.ok(&["webhooks", "deliveries", "--account", "acme"]);
    assert_eq!(
        table,
        format!(
            "EVENT                                 TYPE  ENDPOINT             CREATED               ATTEMPTS  STATUS   NEXT ATTEMPT          LAST RESULT\n\
             {}  ping  {id}  2025-01-06T12:30:00Z  0         pending  2025-01-06T12:30:00Z  -\n",
            ping.id
        )
    );
    let listed = admin.ok(&[
        "webhooks",
        "deliveries",
        "--endpoint",
        &id,
        "--limit",
        "1",
        "--json",
    ]);
    assert_eq!(
        json(&listed),
        j!({"deliveries": [untried_ping(&ping.id, &id)]})
    );
    let list = admin.ok(&["webhooks", "list"]);
    let status = "disabled since 2025-01-07T00:00:00Z: 5 consecutive deliveries failed";
    assert_eq!(
        list,
        format!(
            "ID                   ACCOUNT  URL                      EVENTS  CREATED               {:<w$}  FAILURES\n\
             {id}  acme     https://a.example.com/h  all     2025-01-06T12:30:00Z  {status}  0\n",
            "STATUS",
            w = status.len()
        )
    );
    let run = admin.run(&["webhooks", "deliveries", "--limit", "0"]);
    assert_eq!(run.code, 2, "{run:?}");
    // An unknown endpoint, or one of another account, is not found (exit 4), not an empty
    // list.
    admin.ok(&["--now", NOW, "accounts", "create", "other"]);
    let run = admin.run(&[
        "webhooks",
        "deliveries",
        "--endpoint",
        "we_nosuchnosuchnosu",
    ]);
    assert_eq!(
        run.failed(4),
        "error: --endpoint \"we_nosuchnosuchnosu\": webhook endpoint not found\n"
    );
    let run = admin.run(&[
        "webhooks",
        "deliveries",
        "--account",
        "other",
        "--endpoint",
        &id,
    ]);
    assert_eq!(
        run.failed(4),
        format!("error: --endpoint \"{id}\" in account other: webhook endpoint not found\n")
    );
}

#[test]
fn a_long_url_is_shortened_in_the_table_and_whole_in_json() {
    let admin = with_account();
    let url = format!("https://a.example.com/{}", "x".repeat(200));
    add(&admin, &url, &[]);
    let table = admin.ok(&["webhooks", "list"]);
    let shown = format!("{}…", &url[..59]);
    let row = table.lines().nth(1).unwrap();
    assert_eq!(
        row.split_whitespace().nth(2),
        Some(shown.as_str()),
        "{table}"
    );
    let listed = json(&admin.ok(&["webhooks", "list", "--json"]));
    assert_eq!(listed["webhooks"][0]["url"], url.as_str());
}

#[tokio::test]
async fn prune_removes_finished_history_past_the_retention_and_keeps_pending() {
    use postcore_store::webhooks::{AttemptOutcome, DisableDecision};
    let admin = with_account();
    let (store, acme, id) = endpoint_of_acme(&admin).await;
    let done = store.enqueue_ping(acme, &id, at(NOW)).await.unwrap();
    let waiting = store.enqueue_ping(acme, &id, at(NOW)).await.unwrap();
    let claimed = claim_all(&*store).await;
    let delivered = claimed.iter().find(|d| d.event.id == done.id).unwrap();
    let disable = DisableDecision {
        after_consecutive_failures: 5,
        now: None,
    };
    store
        .record_webhook_attempt(
            delivered,
            at(NOW),
            AttemptOutcome::Delivered { status: 200 },
            disable,
        )
        .await
        .unwrap();

    // 30 days (the default) after the events, to the second: nothing is older yet.
    assert_eq!(
        admin.ok(&["--now", "2025-02-05T12:30:00Z", "webhooks", "prune"]),
        "removed webhook history older than 2025-01-06T12:30:00Z: deliveries 0, events 0, \
         notice records 0\n"
    );
    assert_eq!(
        admin.ok(&[
            "--now",
            "2030-01-01T00:00:00Z",
            "webhooks",
            "prune",
            "--retention-days",
            "0"
        ]),
        "webhook retention is 0 days (keep everything): nothing removed\n"
    );
    // A second later: the delivered one and its event go; the pending one stays.
    let pruned = admin.ok(&[
        "--now",
        "2025-02-05T12:30:01Z",
        "webhooks",
        "prune",
        "--json",
    ]);
    assert_eq!(
        json(&pruned),
        j!({"cutoff": "2025-01-06T12:30:01Z", "deliveries": 1, "events": 1, "notices": 0})
    );
    let listed = admin.ok(&["webhooks", "deliveries", "--json"]);
    assert_eq!(
        json(&listed),
        j!({"deliveries": [untried_ping(&waiting.id, &id)]})
    );
    // Years later, by the environment's retention: a pending delivery is never removed.
    let run = admin
        .command()
        .env("POSTCORE_WEBHOOK_RETENTION_DAYS", "1")
        .args([
            "--now",
            "2035-01-01T00:00:00Z",
            "webhooks",
            "prune",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert_eq!(
        json(&String::from_utf8(run.stdout).unwrap()),
        j!({"cutoff": "2034-12-31T00:00:00Z", "deliveries": 0, "events": 0, "notices": 0})
    );

    let run = admin.run(&["webhooks", "prune", "--retention-days", "3651"]);
    assert_eq!(
        run.failed(2),
        "error: invalid value '3651' for '--retention-days <DAYS>': 3651 is more than 3650 \
         days (use 0 to keep webhook history for ever)\n"
    );
    let run = admin.run(&["webhooks", "prune", "--retention-days", "30d"]);
    assert_eq!(
        run.failed(2),
        "error: invalid value '30d' for '--retention-days <DAYS>': \"30d\" is not a whole \
         number of days from 0 (keep for ever) to 3650\n"
    );
}

#[tokio::test]
async fn enable_clears_a_disabling_and_its_failures_and_another_accounts_id_is_not_found() {
    use postcore_store::webhooks::{AttemptOutcome, DisableDecision};
    let admin = with_account();
    admin.ok(&["--now", NOW, "accounts", "create", "other"]);
    let (store, acme, id) = endpoint_of_acme(&admin).await;
    // One failed delivery disables it (a threshold of 1): failures 1, disabled.
    store.enqueue_ping(acme, &id, at(NOW)).await.unwrap();
    let claimed = claim_all(&*store).await;
    let give_up = AttemptOutcome::GiveUp {
        status: Some(500),
        error: "HTTP 500".to_owned(),
    };
    let threshold = DisableDecision {
        after_consecutive_failures: 1,
        now: None,
    };
    store
        .record_webhook_attempt(&claimed[0], at(NOW), give_up, threshold)
        .await
        .unwrap();
    let listed = json(&admin.ok(&["webhooks", "list", "--json"]));
    assert_eq!(
        (
            &listed["webhooks"][0]["disabledReason"],
            &listed["webhooks"][0]["consecutiveFailures"]
        ),
        (&j!("1 consecutive deliveries failed"), &j!(1))
    );

    let stderr = admin
        .run(&["webhooks", "enable", "--account", "other", &id])
        .failed(4);
    assert_eq!(
        stderr,
        format!("error: ID \"{id}\" in account other: webhook endpoint not found\n")
    );
    let stderr = admin
        .run(&["webhooks", "enable", "we_0000000000000000"])
        .failed(4);
    assert_eq!(
        stderr,
        "error: ID \"we_0000000000000000\": webhook endpoint not found\n"
    );
    let enabled = j!({
        "account": "acme", "id": id, "url": "https://a.example.com/h", "events": null,
        "description": null, "createdAt": NOW, "disabled": false, "disabledAt": null,
        "disabledReason": null, "consecutiveFailures": 0
    });
    assert_eq!(
        admin.ok(&["webhooks", "enable", "--account", "acme", &id]),
        format!("enabled webhook endpoint {id} of account acme\n")
    );
    // Again, without --account (found in any account), as JSON: the same, nothing changed.
    assert_eq!(
        json(&admin.ok(&["webhooks", "enable", &id, "--json"])),
        enabled
    );
    assert_eq!(
        json(&admin.ok(&["webhooks", "list", "--json"])),
        j!({"webhooks": [enabled]})
    );
}

#[test]
fn a_21st_endpoint_of_an_account_is_refused_until_one_is_removed() {
    let admin = with_account();
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(add(&admin, &format!("https://hooks.example.com/{n}"), &[]).0);
    }
    let run = add_run(&admin, "https://hooks.example.com/20", &[]);
    assert_eq!(
        run.failed(5),
        "error: account acme: an account has at most 20 webhook endpoints; delete one first\n"
    );
    let listed = json(&admin.ok(&["webhooks", "list", "--account", "acme", "--json"]));
    assert_eq!(listed["webhooks"].as_array().map(Vec::len), Some(20));
    admin.ok(&["webhooks", "remove", "--account", "acme", &ids[0], "--yes"]);
    add(&admin, "https://hooks.example.com/20", &[]);
}

/// Every delivery due at `NOW`, leased for a minute (as a worker would claim them).
async fn claim_all(
    store: &dyn postcore_store::Repository,
) -> Vec<postcore_store::webhooks::ClaimedDelivery> {
    store
        .claim_webhook_deliveries(
            at(NOW),
            at("2025-01-06T12:31:00Z"),
            postcore_store::webhooks::ClaimLimits::uncapped(10),
        )
        .await
        .unwrap()
}
