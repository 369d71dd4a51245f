//! `keys create|import|list|revoke`: a new key is printed once, alone, and authenticates;
//! an imported key is read from stdin and never shown.

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

/// A hosted-shaped key: `pc_live_` + `len` base62 characters, starting `Hosted`.
fn hosted_key(len: usize) -> String {
    let rest: String = "Hosted0123456789abcXYZ".chars().cycle().take(len).collect();
    format!("pc_live_{rest}")
}

/// Runs `keys import` for `acme` at [`NOW`] with `stdin` and `extra` arguments.
fn import(admin: &crate::harness::Admin, extra: &[&str], stdin: &str) -> Run {
    let mut args = vec!["--now", NOW, "keys", "import"];
    args.extend_from_slice(extra);
    admin.run_with_stdin(&args, stdin)
}

#[tokio::test]
async fn an_imported_key_from_stdin_authenticates_and_only_its_prefix_is_shown() {
    let admin = with_account();
    admin.ok(&["accounts", "create", "beta"]);
    let short = hosted_key(16);
    // Another display prefix: two keys never share one (see the test below).
    let long: String = "Moved0123456789".chars().cycle().take(128).collect();
    let long = format!("pc_live_{long}");
    let run = import(
        &admin,
        &["--account", "acme", "--label", "from hosted"],
        &format!("{short}\n"),
    );
    assert_eq!(
        run,
        Run {
            code: 0,
            stdout: "imported API key pc_live_Hosted of account acme\n".into(),
            stderr: String::new(),
        }
    );
    // Surrounding whitespace and a Windows line end are removed.
    let run = import(&admin, &["--account", "beta"], &format!("  {long} \r\n"));
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "imported API key pc_live_Moved0 of account beta\n", "")
    );
    let listed = admin.ok(&["keys", "list", "--json"]);
    assert_eq!(
        json(&listed),
        j!({"keys": [
            {"account": "acme", "prefix": "pc_live_Hosted", "label": "from hosted",
             "createdAt": NOW, "lastUsedAt": null, "revokedAt": null},
            {"account": "beta", "prefix": "pc_live_Moved0", "label": null,
             "createdAt": NOW, "lastUsedAt": null, "revokedAt": null},
        ]})
    );
    let store = admin.store().await;
    let beta = store
        .find_account(&postcore_domain::AccountName::parse("beta").unwrap())
        .await
        .unwrap()
        .id;
    let (short, long) = (
        ApiKey::parse(&short).unwrap(),
        ApiKey::parse(&long).unwrap(),
    );
    assert_eq!(
        store.authenticate(&short, at(NOW)).await.unwrap(),
        Some(acme(&store).await)
    );
    assert_eq!(
        store.authenticate(&long, at(NOW)).await.unwrap(),
        Some(beta)
    );
}

#[test]
fn importing_a_stored_key_again_is_a_conflict_and_writes_nothing() {
    let admin = with_account();
    admin.ok(&["accounts", "create", "beta"]);
    let key = hosted_key(40);
    import(&admin, &["--account", "acme"], &key);
    let before = admin.ok(&["keys", "list", "--json"]);
    for account in ["acme", "beta"] {
        let run = import(&admin, &["--account", account, "--label", "again"], &key);
        assert_eq!(
            run.failed(5),
            "error: the API key pc_live_Hosted…: conflict: this API key is already stored\n"
        );
    }
    assert_eq!(admin.ok(&["keys", "list", "--json"]), before);
}

/// Keys are listed and revoked by their display prefix: a second key with the same one
/// could never be revoked apart from the first, so it is refused and nothing is written.
#[test]
fn importing_a_key_whose_display_prefix_is_taken_is_a_conflict_and_writes_nothing() {
    let admin = with_account();
    import(&admin, &["--account", "acme"], &hosted_key(40));
    let before = admin.ok(&["keys", "list", "--json"]);
    let other = hosted_key(41);
    let run = import(&admin, &["--account", "acme"], &other);
    assert_eq!(
        run.failed(5),
        "error: the API key pc_live_Hosted…: conflict: another API key has the same display \
         prefix, so the two could not be told apart (in `keys list`, `keys revoke`)\n"
    );
    assert_eq!(admin.ok(&["keys", "list", "--json"]), before);
    // The one stored key is still revocable by its prefix.
    admin.ok(&["keys", "revoke", "pc_live_Hosted", "--yes"]);
}

#[test]
fn importing_for_an_unknown_account_or_database_is_not_found_and_writes_nothing() {
    let admin = with_account();
    let key = hosted_key(32);
    assert_eq!(
        import(&admin, &["--account", "nobody"], &key).failed(4),
        "error: --account \"nobody\": account not found\n"
    );
    assert_eq!(
        json(&admin.ok(&["keys", "list", "--json"])),
        j!({"keys": []})
    );

    let empty = crate::harness::Admin::new();
    let stderr = import(&empty, &["--account", "acme"], &key).failed(4);
    assert!(
        stderr.starts_with("error: --database: no database at "),
        "{stderr}"
    );
    assert!(!empty.database().exists());
}

#[test]
fn empty_several_line_or_malformed_input_is_bad_input_and_never_echoed() {
    let admin = with_account();
    let key = hosted_key(32);
    let empty = "error: standard input: no API key was given; pipe it in, e.g. printf '%s\\n' \
                 \"$KEY\" | postcore-admin keys import --account NAME\n";
    let malformed =
        "error: standard input: an API key is `pc_live_` followed by 16 to 128 letters or digits\n";
    for (stdin, expected) in [
        (String::new(), empty),
        ("\n \n".to_owned(), empty),
        (
            format!("{key}\n{key}\n"),
            "error: standard input: more than one line; give exactly one API key\n",
        ),
        (hosted_key(15), malformed),
        (hosted_key(129), malformed),
        (format!("{key}!"), malformed),
        (format!("x-api-key: {key}"), malformed),
        (hosted_key(5000), malformed),
    ] {
        let stderr = import(&admin, &["--account", "acme"], &stdin).failed(2);
        assert_eq!(stderr, expected, "{stdin:?}");
    }
    assert_eq!(
        json(&admin.ok(&["keys", "list", "--json"])),
        j!({"keys": []})
    );
}

#[test]
fn a_key_given_as_an_argument_is_a_usage_error_that_never_shows_it() {
    let admin = with_account();
    let key = hosted_key(32);
    let run = import(&admin, &["--account", "acme", &key], "");
    assert_eq!(
        run.failed(2),
        "error: unexpected argument 'pc_live_Hosted…' found\n\n\
         Usage: postcore-admin keys import [OPTIONS] --account <NAME>\n\n\
         For more information, try '--help'.\n"
    );
}
