//! `accounts create|list`.

use crate::harness::Admin;
use crate::{NOW, json, with_account};
use serde_json::json as j;

#[test]
fn accounts_are_created_and_listed_by_name_as_a_table_and_as_json() {
    let admin = Admin::new();
    let created = admin.ok(&["--now", NOW, "accounts", "create", "zeta"]);
    assert_eq!(created, "created account zeta\n");
    admin.ok(&[
        "--now",
        "2025-01-07T00:00:00+02:00",
        "accounts",
        "create",
        "acme",
    ]);

    assert_eq!(
        admin.ok(&["accounts", "list"]),
        "NAME  CREATED\n\
         acme  2025-01-06T22:00:00Z\n\
         zeta  2025-01-06T12:30:00Z\n"
    );
    assert_eq!(
        json(&admin.ok(&["accounts", "list", "--json"])),
        j!({"accounts": [
            {"name": "acme", "createdAt": "2025-01-06T22:00:00Z"},
            {"name": "zeta", "createdAt": "2025-01-06T12:30:00Z"},
        ]})
    );
}

#[test]
fn a_taken_account_name_is_a_conflict_and_changes_nothing() {
    let admin = with_account();
    let stderr = admin
        .run(&[
            "--now",
            "2026-01-01T00:00:00Z",
            "accounts",
            "create",
            "acme",
        ])
        .failed(5);
    assert_eq!(
        stderr,
        "error: NAME \"acme\": conflict: an account with this name already exists\n"
    );
    assert_eq!(
        json(&admin.ok(&["accounts", "list", "--json"])),
        j!({"accounts": [{"name": "acme", "createdAt": NOW}]})
    );
}

#[test]
fn a_malformed_account_name_is_bad_input() {
    let admin = with_account();
    let stderr = admin.run(&["accounts", "create", " padded"]).failed(2);
    assert_eq!(
        stderr,
        "error: invalid value ' padded' for '<NAME>': an account name must not start or end \
         with whitespace\n"
    );
}

#[test]
fn listing_without_a_database_is_not_found_and_creates_none() {
    let admin = Admin::new();
    let stderr = admin.run(&["accounts", "list"]).failed(4);
    assert_eq!(
        stderr,
        format!(
            "error: --database: no database at {} (create one with `postcore-admin migrate`)\n",
            admin.database().display()
        )
    );
    assert!(!admin.database().exists());
}

#[test]
fn an_empty_account_list_is_a_bare_header_or_an_empty_array() {
    let admin = Admin::new();
    admin.ok(&["migrate"]);
    assert_eq!(admin.ok(&["accounts", "list"]), "NAME  CREATED\n");
    assert_eq!(
        json(&admin.ok(&["accounts", "list", "--json"])),
        j!({"accounts": []})
    );
}

#[test]
fn return_urls_are_allowed_listed_and_removed_per_account() {
    let admin = with_account();
    let url = "https://app.example.com/connected";
    assert_eq!(
        admin.ok(&["accounts", "allow-return-url", "acme", url]),
        format!("allowed: return URL {url} for account acme\n")
    );
    assert_eq!(
        admin.ok(&["accounts", "allow-return-url", "acme", url]),
        format!("already allowed: return URL {url} for account acme\n")
    );
    admin.ok(&[
        "accounts",
        "allow-return-url",
        "acme",
        "http://localhost:3000/done",
    ]);
    assert_eq!(
        admin.ok(&["accounts", "return-urls", "acme"]),
        format!("http://localhost:3000/done\n{url}\n")
    );
    assert_eq!(
        json(&admin.ok(&["accounts", "return-urls", "acme", "--json"])),
        j!({"account": "acme", "returnUrls": ["http://localhost:3000/done", url]})
    );
    let stderr = admin
        .run(&[
            "accounts",
            "allow-return-url",
            "acme",
            "http://evil.example/x",
        ])
        .failed(2);
    assert!(
        stderr.contains("http:// is only for localhost and 127.0.0.1; use https://"),
        "{stderr}"
    );
    assert_eq!(
        admin.ok(&["accounts", "remove-return-url", "acme", url]),
        format!("removed return URL {url} from account acme\n")
    );
    admin
        .run(&["accounts", "remove-return-url", "acme", url])
        .failed(4);
    admin.run(&["accounts", "return-urls", "nobody"]).failed(4);
    assert_eq!(
        admin.ok(&["accounts", "return-urls", "acme"]),
        "http://localhost:3000/done\n"
    );
}
