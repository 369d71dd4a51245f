//! `keys create|list|revoke`: the new key is printed once, alone, and authenticates.

use crate::harness::Run;
use crate::{NOW, at, json, with_account};
use postcore_domain::ApiKey;
use serde_json::json as j;

/// The id of the account `acme`.
async fn acme(store: &std::sync::Arc<dyn postcore_store::Repository>) -> postcore_store::AccountId {
    let name = postcore_domain::AccountName::parse("acme").unwrap();
    store.find_account(&name).await.unwrap().id
}

/// Creates a key and returns it, checking that stdout holds the key alone.
fn create_key(admin: &crate::harness::Admin, extra: &[&str]) -> ApiKey {
    let mut args = vec!["--now", NOW, "keys", "create", "--account", "acme"];
    args.extend_from_slice(extra);
    let run = admin.run(&args);
    assert_eq!(run.code, 0, "{run:?}");
    let text = run
        .stdout
        .strip_suffix('\n')
        .expect("a newline after the key");
    let key = ApiKey::parse(text).expect("stdout is exactly one API key");
    assert_eq!(
        run.stderr,
        format!(
            "This API key is shown only once: store it now. Only its prefix {} is kept.\n",
            key.display_prefix()
        )
    );
    key
}

#[tokio::test]
async fn a_created_key_is_printed_alone_and_authenticates_to_its_account() {
    let admin = with_account();
    let key = create_key(&admin, &[]);
    let store = admin.store().await;
    assert_eq!(
        store.authenticate(&key, at(NOW)).await.unwrap(),
        Some(acme(&store).await)
    );
}

#[test]
fn keys_are_listed_with_prefix_label_and_times_but_never_the_key() {
    let admin = with_account();
    let first = create_key(&admin, &["--label", "ci"]);
    let prefix = first.display_prefix().to_owned();

    let table = admin.ok(&["keys", "list"]);
    assert_eq!(
        table,
        format!(
            "PREFIX          ACCOUNT  LABEL  CREATED               LAST USED  REVOKED\n\
             {prefix}  acme     ci     2025-01-06T12:30:00Z  -          -\n"
        )
    );
    let listed = admin.ok(&["keys", "list", "--account", "acme", "--json"]);
    assert!(!listed.contains(first.expose_secret()));
    assert_eq!(
        json(&listed),
        j!({"keys": [{
            "account": "acme", "prefix": prefix, "label": "ci",
            "createdAt": NOW, "lastUsedAt": null, "revokedAt": null,
        }]})
    );
}

#[tokio::test]
async fn revoking_needs_yes_and_then_the_key_no_longer_authenticates() {
    let admin = with_account();
    let key = create_key(&admin, &[]);
    let prefix = key.display_prefix().to_owned();

    let stderr = admin.run(&["keys", "revoke", &prefix]).failed(2);
    assert_eq!(
        stderr,
        format!(
            "error: --yes: revoking the API key {prefix} cannot be undone; repeat with --yes \
             to confirm (nothing was changed)\n"
        )
    );
    let store = admin.store().await;
    assert_eq!(
        store.authenticate(&key, at(NOW)).await.unwrap(),
        Some(acme(&store).await)
    );

    let revoked = admin.ok(&[
        "--now",
        "2025-01-07T00:00:00Z",
        "keys",
        "revoke",
        &prefix,
        "--yes",
    ]);
    assert_eq!(
        revoked,
        format!("revoked API key {prefix} of account acme\n")
    );
    assert_eq!(store.authenticate(&key, at(NOW)).await.unwrap(), None);
    assert_eq!(
        json(&admin.ok(&["keys", "list", "--json"]))["keys"][0]["revokedAt"],
        j!("2025-01-07T00:00:00Z")
    );
}

#[test]
fn unknown_accounts_and_prefixes_are_not_found_and_short_prefixes_bad_input() {
    let admin = with_account();
    let run = admin.run(&["keys", "create", "--account", "nobody"]);
    assert_eq!(
        run.failed(4),
        "error: --account \"nobody\": account not found\n"
    );
    assert_eq!(
        admin
            .run(&["keys", "list", "--account", "nobody"])
            .failed(4),
        "error: --account \"nobody\": account not found\n"
    );
    assert_eq!(
        admin
            .run(&["keys", "revoke", "pc_live_zzzzzz", "--yes"])
            .failed(4),
        "error: PREFIX \"pc_live_zzzzzz\": API key not found\n"
    );
    // A whole key given by mistake never reaches the message: only its display prefix.
    let whole = "pc_live_zzzzzzABCDEFGHIJKLMNOPQRSTUVWXYZ01";
    assert_eq!(
        admin.run(&["keys", "revoke", whole, "--yes"]).failed(4),
        "error: PREFIX \"pc_live_zzzzzz…\": API key not found\n"
    );
    let Run { code, stderr, .. } = admin.run(&["keys", "revoke", "pc_", "--yes"]);
    assert_eq!(
        (code, stderr.as_str()),
        (
            2,
            "error: PREFIX \"pc_\": invalid data: give at least 10 characters of the key \
             prefix (as `keys list` shows it)\n"
        )
    );
}
