//! `connections add|remove|mark-reconnect`: secrets only from files or stdin.

use crate::harness::Admin;
use crate::{NOW, at, json, with_account};
use postcore_domain::Platform;
use postcore_store::ExposeSecret as _;
use serde_json::json as j;

const KEY: &str = "prof_abc123def456";
const TOKEN: &str = "AQX-secret-access-token";

fn with_profile() -> Admin {
    let admin = with_account();
    admin.ok(&[
        "--now",
        NOW,
        "profiles",
        "create",
        "--account",
        "acme",
        "--key",
        KEY,
    ]);
    admin
}

fn linkedin<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--now",
        NOW,
        "connections",
        "add",
        KEY,
        "--platform",
        "linkedin",
        "--display-name",
        "John Doe",
        "--username",
        "johndoe",
    ];
    args.extend_from_slice(extra);
    args
}

#[tokio::test]
async fn a_linkedin_connection_takes_its_token_from_a_file_and_normalises_timestamps() {
    let admin = with_profile();
    let token_file = admin.dir().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let refresh_file = admin.dir().join("refresh");
    std::fs::write(&refresh_file, "refresh-secret").unwrap();
    let run = admin.run(&linkedin(&[
        "--connected-at",
        "2025-01-01T13:30:00.750+01:00",
        "--access-token-file",
        token_file.to_str().unwrap(),
        "--refresh-token-file",
        refresh_file.to_str().unwrap(),
    ]));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, format!("connected linkedin on profile {KEY}\n"));
    assert!(!run.stderr.contains(TOKEN));

    assert_eq!(
        json(&admin.ok(&["--now", NOW, "profiles", "show", KEY, "--json"]))["connectedPlatforms"],
        j!([{
            "platform": "linkedin", "displayName": "John Doe", "username": "johndoe",
            "connectedAt": "2025-01-01T12:30:00Z", "expiresAt": "2025-03-02T12:30:00Z",
            "daysUntilExpiry": 55, "needsReconnect": false,
        }])
    );
    let creds = admin.credentials("acme", KEY, Platform::LinkedIn).await;
    assert_eq!(creds.access_token.unwrap().expose_secret(), TOKEN);
    assert_eq!(
        creds.refresh_token.unwrap().expose_secret(),
        "refresh-secret"
    );
}

#[tokio::test]
async fn tokens_and_app_passwords_are_read_from_stdin() {
    let admin = with_profile();
    let run = admin.run_with_stdin(
        &linkedin(&[
            "--expires-at",
            "2025-02-01T00:00:00-05:00",
            "--access-token-stdin",
        ]),
        &format!("{TOKEN}\n"),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let run = admin.run_with_stdin(
        &[
            "--now",
            NOW,
            "connections",
            "add",
            KEY,
            "--platform",
            "bluesky",
            "--handle",
            "johndoe.bsky.social",
            "--did",
            "did:plc:abc",
            "--app-password-stdin",
        ],
        "abcd-efgh-ijkl-mnop",
    );
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, format!("connected bluesky on profile {KEY}\n").as_str())
    );

    assert_eq!(
        json(&admin.ok(&["--now", NOW, "profiles", "show", KEY, "--json"]))["connectedPlatforms"],
        j!([
            {"platform": "bluesky", "displayName": "johndoe.bsky.social",
             "username": "johndoe.bsky.social", "connectedAt": NOW, "expiresAt": null,
             "daysUntilExpiry": null, "needsReconnect": false},
            {"platform": "linkedin", "displayName": "John Doe", "username": "johndoe",
             "connectedAt": NOW, "expiresAt": "2025-02-01T05:00:00Z",
             "daysUntilExpiry": 25, "needsReconnect": false},
        ])
    );
    let li = admin.credentials("acme", KEY, Platform::LinkedIn).await;
    assert_eq!(li.access_token.unwrap().expose_secret(), TOKEN);
    let bs = admin.credentials("acme", KEY, Platform::Bluesky).await;
    assert_eq!(
        bs.app_password.unwrap().expose_secret(),
        "abcd-efgh-ijkl-mnop"
    );
    let record = admin.profile("acme", KEY).await;
    assert_eq!(record.connections[0].did(), Some("did:plc:abc"));
}

#[test]
fn bad_timestamps_and_flags_of_the_other_platform_are_bad_input() {
    let admin = with_profile();
    assert_eq!(
        admin
            .run(&linkedin(&["--connected-at", "2025-01-01 12:00"]))
            .failed(2),
        "error: invalid value '2025-01-01 12:00' for '--connected-at <TS>': not an RFC 3339 \
         timestamp such as 2025-01-01T12:00:00Z (premature end of input)\n"
    );
    assert_eq!(
        admin
            .run(&linkedin(&["--handle", "x.bsky.social"]))
            .failed(2),
        "error: --handle: only for --platform bluesky\n"
    );
    assert_eq!(
        admin
            .run(&linkedin(&["--connected-at", NOW, "--expires-at", NOW]))
            .failed(2),
        "error: --expires-at: must be after --connected-at\n"
    );
    assert_eq!(
        admin.run(&linkedin(&["--access-token-stdin"])).failed(2),
        "error: --access-token: the secret is empty\n"
    );
    let bluesky = [
        "connections",
        "add",
        KEY,
        "--platform",
        "bluesky",
        "--handle",
        "h",
    ];
    admin.ok(&bluesky);
    let stderr = admin
        .run(&[&bluesky[..], &["--username", "u"]].concat())
        .failed(2);
    assert_eq!(stderr, "error: --username: only for --platform linkedin\n");
    let stderr = admin
        .run(&["connections", "add", KEY, "--platform", "linkedin"])
        .failed(2);
    assert!(stderr.starts_with("error: the following required arguments were not provided:\n  --display-name <TEXT>\n  --username <TEXT>\n"), "{stderr}");
    assert_eq!(
        json(&admin.ok(&["profiles", "show", KEY, "--json"]))["connectedPlatforms"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// An expiry past 9999-12-31T23:59:59Z cannot be written as RFC 3339 (it would show as
/// `+10000-…`, which `import` refuses): a `--connected-at` that puts the default expiry
/// there is bad input naming it, and nothing is written; the last second still fits.
#[test]
fn a_connected_at_whose_expiry_passes_year_9999_is_bad_input() {
    let admin = with_profile();
    for late in ["9999-12-01T00:00:00Z", "9999-11-02T00:00:00Z"] {
        assert_eq!(
            admin.run(&linkedin(&["--connected-at", late])).failed(2),
            "error: --connected-at: expiresAt: must be from 0000-01-01T00:00:00Z to \
             9999-12-31T23:59:59Z\n",
            "{late}"
        );
    }
    assert_eq!(
        json(&admin.ok(&["--now", NOW, "profiles", "show", KEY, "--json"]))["connectedPlatforms"],
        j!([])
    );
    admin.ok(&linkedin(&["--connected-at", "9999-11-01T23:59:59Z"]));
    assert_eq!(
        json(&admin.ok(&["--now", NOW, "profiles", "show", KEY, "--json"]))["connectedPlatforms"],
        j!([{
            "platform": "linkedin", "displayName": "John Doe", "username": "johndoe",
            "connectedAt": "9999-11-01T23:59:59Z", "expiresAt": "9999-12-31T23:59:59Z",
            "daysUntilExpiry": 2_912_802, "needsReconnect": false,
        }])
    );
}

#[test]
fn another_account_on_a_connected_platform_is_a_conflict_and_the_same_one_renews() {
    let admin = with_profile();
    admin.ok(&linkedin(&["--connected-at", "2025-01-01T00:00:00Z"]));
    let other = admin
        .run(&[
            "connections",
            "add",
            KEY,
            "--platform",
            "linkedin",
            "--display-name",
            "X",
            "--username",
            "other",
        ])
        .failed(5);
    assert_eq!(
        other,
        "error: --platform linkedin: conflict: this platform is already connected to another \
         account on this profile\n"
    );
    assert_eq!(
        admin.ok(&linkedin(&["--connected-at", "2025-01-05T00:00:00Z"])),
        format!("renewed linkedin on profile {KEY}\n")
    );
    assert_eq!(
        json(&admin.ok(&["profiles", "show", KEY, "--json"]))["connectedPlatforms"][0]["connectedAt"],
        j!("2025-01-05T00:00:00Z")
    );
}

#[tokio::test]
async fn a_connection_is_marked_for_reconnect_and_removed_with_yes() {
    let admin = with_profile();
    admin.ok(&linkedin(&[]));
    assert_eq!(
        admin.ok(&[
            "connections",
            "mark-reconnect",
            KEY,
            "--platform",
            "linkedin"
        ]),
        format!("marked linkedin of profile {KEY} as needing a reconnect\n")
    );
    let record = admin.profile("acme", KEY).await;
    assert!(record.connections[0].needs_reconnect(at(NOW)));

    let remove = ["connections", "remove", KEY, "--platform", "linkedin"];
    assert_eq!(
        admin.run(&remove).failed(2),
        format!(
            "error: --yes: removing linkedin from {KEY} cannot be undone; repeat with --yes to \
             confirm (nothing was changed)\n"
        )
    );
    assert_eq!(admin.profile("acme", KEY).await.connections.len(), 1);
    let with_yes = [&remove[..], &["--yes"]].concat();
    assert_eq!(
        admin.ok(&with_yes),
        format!("removed linkedin from profile {KEY}\n")
    );
    assert_eq!(
        admin.run(&with_yes).failed(4),
        "error: --platform linkedin: connection not found\n"
    );
    assert_eq!(
        admin
            .run(&[
                "connections",
                "mark-reconnect",
                KEY,
                "--platform",
                "bluesky"
            ])
            .failed(4),
        "error: --platform bluesky: connection not found\n"
    );
    assert_eq!(
        admin
            .run(&[
                "connections",
                "mark-reconnect",
                "prof_nope",
                "--platform",
                "bluesky"
            ])
            .failed(4),
        "error: KEY prof_nope: profile not found\n"
    );
}

#[test]
fn the_help_says_why_secrets_are_never_arguments() {
    let admin = Admin::new();
    let help = admin.ok(&["connections", "add", "--help"]);
    assert!(
        help.contains("Secrets are never accepted as arguments: a command line is visible to"),
        "{help}"
    );
    for flag in [
        "--access-token-file",
        "--access-token-stdin",
        "--app-password-stdin",
    ] {
        assert!(help.contains(flag), "{flag} missing from {help}");
    }
}
