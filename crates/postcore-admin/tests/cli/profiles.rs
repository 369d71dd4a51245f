//! `profiles create|list|show|rename|delete`.

use crate::{NOW, json, with_account};
use postcore_domain::ProfileKey;
use serde_json::json as j;

const KEY: &str = "prof_abc123def456";

#[test]
fn a_created_profile_prints_its_key_alone_and_shows_as_json_and_as_a_table() {
    let admin = with_account();
    let args = ["--now", NOW, "profiles", "create", "--account", "acme"];
    let made = admin.ok(&[
        &args[..],
        &["--name", " User: john@example.com ", "--key", KEY],
    ]
    .concat());
    assert_eq!(made, format!("{KEY}\n"));

    let generated = admin.ok(&args);
    let generated = ProfileKey::parse(generated.trim_end()).unwrap();
    assert_eq!(generated.as_str().len(), "prof_".len() + 16);

    assert_eq!(
        json(&admin.ok(&["profiles", "show", KEY, "--json"])),
        j!({
            "account": "acme",
            "profile": {"profileKey": KEY, "profileName": "User: john@example.com", "createdAt": NOW},
            "connectedPlatforms": [],
        })
    );
    assert_eq!(
        admin.ok(&["profiles", "show", KEY]),
        format!(
            "profile   {KEY}\nname      User: john@example.com\naccount   acme\ncreated   {NOW}\n\n\
             PLATFORM  DISPLAY NAME  USERNAME  CONNECTED  EXPIRES  DAYS  RECONNECT\n"
        )
    );
}

#[test]
fn profiles_of_every_account_are_listed_in_order() {
    let admin = with_account();
    admin.ok(&["accounts", "create", "beta"]);
    let create = |account: &str, key: &str, now: &str| {
        admin.ok(&[
            "--now",
            now,
            "profiles",
            "create",
            "--account",
            account,
            "--key",
            key,
        ]);
    };
    create("beta", "prof_b1", "2025-01-01T00:00:00Z");
    create("acme", "prof_a2", "2025-01-03T00:00:00Z");
    create("acme", "prof_a1", "2025-01-02T00:00:00Z");
    admin.ok(&["profiles", "rename", "prof_a1", "First"]);

    assert_eq!(
        admin.ok(&["profiles", "list"]),
        "PROFILE KEY  ACCOUNT  NAME   CREATED               PLATFORMS\n\
         prof_a1      acme     First  2025-01-02T00:00:00Z  -\n\
         prof_a2      acme     -      2025-01-03T00:00:00Z  -\n\
         prof_b1      beta     -      2025-01-01T00:00:00Z  -\n"
    );
    let profile = |account: &str, key: &str, name: Option<&str>, created: &str| {
        j!({"account": account, "profileKey": key, "profileName": name,
            "createdAt": created, "connectedPlatforms": []})
    };
    assert_eq!(
        json(&admin.ok(&["profiles", "list", "--account", "acme", "--json"])),
        j!({"profiles": [
            profile("acme", "prof_a1", Some("First"), "2025-01-02T00:00:00Z"),
            profile("acme", "prof_a2", None, "2025-01-03T00:00:00Z"),
        ]})
    );
    assert_eq!(
        json(&admin.ok(&["profiles", "list", "--account", "beta", "--json"])),
        j!({"profiles": [profile("beta", "prof_b1", None, "2025-01-01T00:00:00Z")]})
    );
}

#[test]
fn a_profile_is_renamed() {
    let admin = with_account();
    admin.ok(&["profiles", "create", "--account", "acme", "--key", KEY]);
    assert_eq!(
        admin.ok(&["profiles", "rename", KEY, "  New name "]),
        format!("renamed profile {KEY} to \"New name\"\n")
    );
    assert_eq!(
        json(&admin.ok(&["profiles", "show", KEY, "--json"]))["profile"]["profileName"],
        j!("New name")
    );
    let stderr = admin.run(&["profiles", "rename", KEY, "  "]).failed(2);
    assert_eq!(
        stderr,
        "error: invalid value '  ' for '<NAME>': profileName must not be empty\n"
    );
}

#[test]
fn deleting_needs_yes_and_a_second_delete_is_not_found() {
    let admin = with_account();
    admin.ok(&["profiles", "create", "--account", "acme", "--key", KEY]);
    let stderr = admin.run(&["profiles", "delete", KEY]).failed(2);
    assert_eq!(
        stderr,
        format!(
            "error: --yes: deleting the profile {KEY} cannot be undone; repeat with --yes to \
             confirm (nothing was changed)\n"
        )
    );
    admin.ok(&["profiles", "show", KEY]);

    assert_eq!(
        admin.ok(&["profiles", "delete", KEY, "--yes"]),
        format!("deleted profile {KEY}\n")
    );
    let not_found = format!("error: KEY {KEY}: profile not found\n");
    assert_eq!(
        admin.run(&["profiles", "delete", KEY, "--yes"]).failed(4),
        not_found
    );
    assert_eq!(admin.run(&["profiles", "show", KEY]).failed(4), not_found);
}

#[test]
fn malformed_taken_and_foreign_keys_are_refused() {
    let admin = with_account();
    admin.ok(&["accounts", "create", "other"]);
    admin.ok(&["profiles", "create", "--account", "acme", "--key", KEY]);

    assert_eq!(
        admin.run(&["profiles", "show", "abc"]).failed(2),
        "error: invalid value 'abc' for '<KEY>': a profile key starts with `prof_`\n"
    );
    assert_eq!(
        admin
            .run(&["profiles", "create", "--account", "other", "--key", KEY])
            .failed(5),
        format!("error: --key {KEY}: conflict: a profile with this key already exists\n")
    );
    assert_eq!(
        admin
            .run(&["profiles", "show", KEY, "--account", "other"])
            .failed(4),
        format!("error: KEY {KEY}: profile not found\n")
    );
    assert_eq!(
        admin
            .run(&["profiles", "create", "--account", "nobody"])
            .failed(4),
        "error: --account \"nobody\": account not found\n"
    );
}
