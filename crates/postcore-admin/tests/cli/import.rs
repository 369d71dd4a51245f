//! `import FILE --account NAME`: the seed document's `GET /profiles` response, keys kept.

use crate::harness::{Admin, seed_list_response};
use crate::{NOW, at, json, with_account};
use postcore_domain::Platform;
use serde_json::json as j;

/// The seed's profile key, kept by the import.
const KEY: &str = "prof_abc123def456";

fn write(admin: &Admin, name: &str, text: &str) -> String {
    let path = admin.dir().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn the_seed_document_imports_with_its_key_and_fields_and_again_changes_nothing() {
    let admin = with_account();
    let file = write(&admin, "seed.json", &seed_list_response());
    let run = admin.run(&["--now", NOW, "import", &file, "--account", "acme"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (
            0,
            "imported into account acme: 1 created, 0 unchanged\n",
            ""
        )
    );

    let show = [
        "--now",
        NOW,
        "profiles",
        "show",
        "prof_abc123def456",
        "--json",
    ];
    let shown = admin.ok(&show);
    assert_eq!(
        json(&shown),
        j!({
            "account": "acme",
            "profile": {"profileKey": "prof_abc123def456", "profileName": "User: john@example.com",
                        "createdAt": "2025-01-01T12:00:00Z"},
            "connectedPlatforms": [
                {"platform": "bluesky", "displayName": "johndoe.bsky.social",
                 "username": "johndoe.bsky.social", "connectedAt": "2025-01-02T10:00:00Z",
                 "expiresAt": null, "daysUntilExpiry": null, "needsReconnect": true},
                {"platform": "linkedin", "displayName": "John Doe", "username": "johndoe",
                 "connectedAt": "2025-01-01T12:30:00Z", "expiresAt": "2025-03-02T12:30:00Z",
                 "daysUntilExpiry": 55, "needsReconnect": true},
            ],
        })
    );
    for platform in Platform::ALL {
        let creds = admin.credentials("acme", KEY, platform).await;
        assert!(creds.access_token.is_none() && creds.refresh_token.is_none());
        assert!(creds.app_password.is_none());
    }

    let again = admin.ok(&[
        "--now",
        "2025-02-01T00:00:00Z",
        "import",
        &file,
        "--account",
        "acme",
    ]);
    assert_eq!(
        again,
        "imported into account acme: 0 created, 1 unchanged\n"
    );
    assert_eq!(admin.ok(&show), shown);
    assert_eq!(
        json(&admin.ok(&["profiles", "list", "--json"]))["profiles"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn an_already_expired_connection_is_imported_without_a_revoked_mark() {
    let admin = with_account();
    let file = write(&admin, "seed.json", &seed_list_response());
    admin.ok(&[
        "--now",
        "2025-06-01T00:00:00Z",
        "import",
        &file,
        "--account",
        "acme",
    ]);
    let record = admin.profile("acme", KEY).await;
    let revoked: Vec<_> = record
        .connections
        .iter()
        .map(|c| (c.platform(), c.is_revoked()))
        .collect();
    assert_eq!(
        revoked,
        [(Platform::Bluesky, true), (Platform::LinkedIn, false)]
    );
    assert!(record.connections[1].needs_reconnect(at("2025-06-01T00:00:00Z")));
}

#[test]
fn malformed_files_are_bad_input_naming_the_field_and_nothing_is_written() {
    let admin = with_account();
    let bad = write(
        &admin,
        "bad.json",
        r#"{"profiles": [{"profileKey": "prof_a", "createdAt": "2025-01-01T00:00:00Z",
        "connectedPlatforms": [{"platform": "myspace", "displayName": "x", "username": "x",
        "connectedAt": "2025-01-01T00:00:00Z"}]}]}"#,
    );
    assert_eq!(
        admin.run(&["import", &bad, "--account", "acme"]).failed(2),
        format!(
            "error: FILE {bad}: profiles[0].connectedPlatforms[0].platform: unsupported platform \
             \"myspace\": supported platforms are bluesky, linkedin\n"
        )
    );
    let not_json = write(&admin, "notjson.json", "[]");
    let stderr = admin
        .run(&["import", &not_json, "--account", "acme"])
        .failed(2);
    assert!(
        stderr.starts_with(&format!(
            "error: FILE {not_json}: not a GET /profiles response ("
        )),
        "{stderr}"
    );
    assert_eq!(
        admin
            .run(&["import", "missing.json", "--account", "acme"])
            .code,
        2
    );
    let seed = write(&admin, "seed.json", &seed_list_response());
    assert_eq!(
        admin
            .run(&["import", &seed, "--account", "nobody"])
            .failed(4),
        "error: --account \"nobody\": account not found\n"
    );
    assert_eq!(
        json(&admin.ok(&["profiles", "list", "--json"])),
        j!({"profiles": []})
    );
}

#[test]
fn connections_that_break_the_contract_are_bad_input_naming_the_field() {
    let admin = with_account();
    let cases = [
        (
            r#"{"platform": "bluesky", "displayName": "", "username": "evil\u0000\u001b[31m",
            "connectedAt": "2025-01-01T00:00:00Z", "expiresAt": null}"#,
            "displayName: 1 to 255 characters, without surrounding spaces or control characters",
        ),
        (
            r#"{"platform": "bluesky", "displayName": "a", "username": "a.bsky.social",
            "connectedAt": "2025-01-01T00:00:00Z", "expiresAt": "2030-01-01T00:00:00Z"}"#,
            "expiresAt: bluesky credentials do not expire, so expiresAt must be null",
        ),
        (
            r#"{"platform": "linkedin", "displayName": "A", "username": "a",
            "connectedAt": "2025-01-01T00:00:00Z", "expiresAt": "2024-12-31T00:00:00Z"}"#,
            "expiresAt: must not be before connectedAt",
        ),
        // connectedAt + 60 days would be +10000-01-30T00:00:00Z, not RFC 3339.
        (
            r#"{"platform": "linkedin", "displayName": "A", "username": "a",
            "connectedAt": "9999-12-01T00:00:00Z", "expiresAt": null}"#,
            "connectedAt: expiresAt: must be from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z",
        ),
    ];
    for (i, (connection, message)) in cases.iter().enumerate() {
        let file = write(
            &admin,
            &format!("bad{i}.json"),
            &format!(
                r#"{{"profiles": [{{"profileKey": "prof_bad{i}", "profileName": null,
                "createdAt": "2025-01-01T00:00:00Z", "connectedPlatforms": [{connection}]}}]}}"#
            ),
        );
        assert_eq!(
            admin.run(&["import", &file, "--account", "acme"]).failed(2),
            format!("error: FILE {file}: profiles[0].connectedPlatforms[0].{message}\n")
        );
    }
    assert_eq!(
        json(&admin.ok(&["profiles", "list", "--json"])),
        j!({"profiles": []})
    );
}

#[test]
fn a_key_owned_by_another_account_is_a_conflict_and_the_import_writes_nothing() {
    let admin = with_account();
    admin.ok(&["accounts", "create", "other"]);
    admin.ok(&[
        "profiles",
        "create",
        "--account",
        "other",
        "--key",
        "prof_abc123def456",
    ]);
    let two = seed_list_response().replacen(
        "\"profiles\": [",
        "\"profiles\": [{\"profileKey\": \"prof_first\", \"createdAt\": \"2024-01-01T00:00:00Z\"},",
        1,
    );
    let file = write(&admin, "two.json", &two);
    assert_eq!(
        admin.run(&["import", &file, "--account", "acme"]).failed(5),
        format!(
            "error: FILE {file}: conflict: profiles[1].profileKey: prof_abc123def456 is a \
             profile of another account\n"
        )
    );
    assert_eq!(
        json(&admin.ok(&["profiles", "list", "--account", "acme", "--json"])),
        j!({"profiles": []})
    );
}

#[test]
fn a_file_starting_with_a_byte_order_mark_imports() {
    let admin = with_account();
    let file = write(
        &admin,
        "bom.json",
        &format!("\u{feff}{}", seed_list_response()),
    );
    assert_eq!(
        admin.ok(&["--now", NOW, "import", &file, "--account", "acme"]),
        "imported into account acme: 1 created, 0 unchanged\n"
    );
    assert_eq!(
        json(&admin.ok(&["profiles", "list", "--json"]))["profiles"][0]["profileKey"],
        KEY
    );
}

#[test]
fn a_duplicate_field_names_its_record_and_its_place_in_the_file() {
    let admin = with_account();
    let file = write(
        &admin,
        "dup.json",
        "{\"profiles\": [\n  {\"profileKey\": \"prof_one\", \"createdAt\": \"2025-01-01T00:00:00Z\"},\n  \
         {\"profileKey\": \"prof_two\", \"profileKey\": \"prof_three\", \"createdAt\": \"2025-01-01T00:00:00Z\"}\n]}",
    );
    assert_eq!(
        admin.run(&["import", &file, "--account", "acme"]).failed(2),
        format!(
            "error: FILE {file}: profiles[1]: duplicate field `profileKey` at line 3 column 41\n"
        )
    );
    assert_eq!(
        json(&admin.ok(&["profiles", "list", "--json"])),
        j!({"profiles": []})
    );
}
