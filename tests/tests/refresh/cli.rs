//! `postcore-admin connections refresh` as a process on the world's database, against the
//! stand-in: the table, `--json`, `--dry-run`, the exit codes, and LinkedIn not configured.

use crate::harness::{DAY, World, t};
use postcore_tests::linkedin::{LinkedInStandIn, TokenFailure};
use postcore_tests::server::admin_output;
use serde_json::json;

/// `connections refresh` at `now` with the stand-in's settings and `extra` arguments.
fn refresh(w: &World, now: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let secret = w.database.with_file_name("linkedin.secret");
    std::fs::write(&secret, LinkedInStandIn::CLIENT_SECRET).unwrap();
    let token_url = w.li.token_url();
    let mut args = vec![
        "--now",
        now,
        "connections",
        "refresh",
        "--linkedin-client-id",
        LinkedInStandIn::CLIENT_ID,
        "--linkedin-client-secret-file",
        secret.to_str().unwrap(),
        "--public-url",
        "http://127.0.0.1:8080",
        "--linkedin-token-url",
        &token_url,
    ];
    args.extend_from_slice(extra);
    admin_output(&w.database, &args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refreshes_once_reports_and_exits_3_when_any_was_marked() {
    let w = World::new().await;
    w.connect("prof_gone", t(0), t(365 * DAY)).await;
    w.li.revoke_refresh_tokens();
    w.connect("prof_ok", t(0), t(365 * DAY)).await;
    let day_55 = "2025-02-25T00:00:00Z";

    let (code, stdout, stderr) = refresh(&w, day_55, &["--dry-run"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert_eq!(
        stdout,
        "ACCOUNT  PROFILE KEY  EXPIRES AT            RESULT\n\
         acme     prof_gone    2025-03-02T00:00:00Z  due (dry run)\n\
         acme     prof_ok      2025-03-02T00:00:00Z  due (dry run)\n\
         LinkedIn connections due: 2 (dry run: nothing claimed, called or changed)\n"
    );
    assert_eq!(w.li.counts().token_refresh, 0);

    let (code, stdout, stderr) = refresh(&w, day_55, &[]);
    assert_eq!(code, Some(3), "{stdout}{stderr}");
    assert_eq!(
        stdout,
        "ACCOUNT  PROFILE KEY  EXPIRES AT            RESULT\n\
         acme     prof_gone    2025-03-02T00:00:00Z  rejected: marked (reconnect)\n\
         acme     prof_ok      2025-04-26T00:00:00Z  refreshed\n\
         LinkedIn connections due: 2; 1 refreshed, 1 marked as needing a reconnect, \
         0 to retry later (unchanged), 0 taken by another refresher\n"
    );
    assert_eq!(w.li.counts().token_refresh, 2);
    assert!(w.connection("prof_gone").await.is_revoked());
    let ok = w.connection("prof_ok").await;
    assert_eq!(
        (ok.expires_at(), ok.is_revoked()),
        (Some(t(115 * DAY)), false)
    );

    // Nothing is due any more in the account; renewed tokens never show.
    let (code, stdout, _) = refresh(&w, day_55, &["--account", "acme", "--json"]);
    assert_eq!(code, Some(0));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report, json!({"connections": []}));
    let (code, _, stderr) = refresh(&w, day_55, &["--account", "nobody"]);
    assert_eq!(code, Some(4), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_is_reported_in_json_and_changes_nothing() {
    let w = World::new().await;
    w.connect("prof_busy", t(0), t(365 * DAY)).await;
    w.li.token_failure(Some(TokenFailure::Status(503)));
    let (code, stdout, stderr) = refresh(&w, "2025-02-25T00:00:00Z", &["--json"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        report,
        json!({"connections": [{
            "account": "acme",
            "profileKey": "prof_busy",
            "platform": "linkedin",
            "expiresAt": "2025-03-02T00:00:00Z",
            "result": "retry-later",
            "retryAt": "2025-02-25T00:01:00Z",
            "needsReconnect": false,
        }]})
    );
    assert!(!w.connection("prof_busy").await.is_revoked());
}

#[tokio::test]
async fn without_a_linkedin_client_id_it_is_bad_input() {
    let w = World::new().await;
    let (code, stdout, stderr) = admin_output(&w.database, &["connections", "refresh"]);
    assert_eq!((code, stdout.as_str()), (Some(2), ""));
    assert_eq!(
        stderr,
        "error: LinkedIn is not configured: set POSTCORE_LINKEDIN_CLIENT_ID (with its secret), \
         as for `postcore serve`\n"
    );
    assert_eq!(w.li.counts().token_refresh, 0);
}
