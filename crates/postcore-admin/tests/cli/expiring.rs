//! `expiring`: the report of connections that expire soon or need a reconnect.

use crate::harness::Admin;
use crate::{NOW, json, with_account};
use serde_json::json as j;

/// Profiles at [`NOW`] = 2025-01-06T12:30:00Z, by the days their LinkedIn token has left.
fn seeded() -> Admin {
    let admin = with_account();
    admin.ok(&["accounts", "create", "beta"]);
    admin.ok(&["accounts", "create", "empty"]);
    let linkedin = |account: &str, key: &str, connected: &str, expires: &str| {
        admin.ok(&["profiles", "create", "--account", account, "--key", key]);
        let user = key.strip_prefix("prof_").unwrap();
        admin.ok(&[
            "connections",
            "add",
            key,
            "--platform",
            "linkedin",
            "--display-name",
            user,
            "--username",
            user,
            "--connected-at",
            connected,
            "--expires-at",
            expires,
        ]);
    };
    linkedin(
        "beta",
        "prof_gone",
        "2024-11-01T00:00:00Z",
        "2024-12-31T00:00:00Z",
    );
    linkedin(
        "acme",
        "prof_soon",
        "2024-11-10T13:30:00Z",
        "2025-01-09T13:30:00Z",
    );
    linkedin(
        "beta",
        "prof_seven",
        "2024-11-20T00:00:00Z",
        "2025-01-14T12:29:59Z",
    );
    linkedin(
        "beta",
        "prof_eight",
        "2024-11-20T00:00:00Z",
        "2025-01-14T12:30:00Z",
    );
    linkedin(
        "acme",
        "prof_ten",
        "2024-11-20T00:00:00Z",
        "2025-01-16T13:30:00Z",
    );
    linkedin("acme", "prof_fine", NOW, "2025-03-07T12:30:00Z");
    admin.ok(&[
        "profiles",
        "create",
        "--account",
        "acme",
        "--key",
        "prof_marked",
    ]);
    admin.ok(&[
        "connections",
        "add",
        "prof_marked",
        "--platform",
        "bluesky",
        "--handle",
        "m.bsky.social",
    ]);
    admin.ok(&[
        "connections",
        "mark-reconnect",
        "prof_marked",
        "--platform",
        "bluesky",
    ]);
    admin
}

/// One line of the report table, columns as wide as this report's widest cells + 2.
fn line(c: [&str; 7]) -> String {
    format!(
        "{:<9}{:<13}{:<10}{:<15}{:<22}{:<6}{}\n",
        c[0], c[1], c[2], c[3], c[4], c[5], c[6]
    )
}

const HEADER: [&str; 7] = [
    "ACCOUNT",
    "PROFILE KEY",
    "PLATFORM",
    "USERNAME",
    "EXPIRES AT",
    "DAYS",
    "RECONNECT",
];

#[test]
fn the_default_report_lists_seven_days_and_reconnects_soonest_first() {
    let admin = seeded();
    let expected = [
        HEADER,
        [
            "beta",
            "prof_gone",
            "linkedin",
            "gone",
            "2024-12-31T00:00:00Z",
            "0",
            "yes",
        ],
        [
            "acme",
            "prof_soon",
            "linkedin",
            "soon",
            "2025-01-09T13:30:00Z",
            "3",
            "no",
        ],
        [
            "beta",
            "prof_seven",
            "linkedin",
            "seven",
            "2025-01-14T12:29:59Z",
            "7",
            "no",
        ],
        [
            "acme",
            "prof_marked",
            "bluesky",
            "m.bsky.social",
            "-",
            "-",
            "yes",
        ],
    ]
    .map(line)
    .concat();
    assert_eq!(admin.ok(&["--now", NOW, "expiring"]), expected);

    let run = admin.run(&["--now", NOW, "expiring", "--fail-if-any"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (3, expected.as_str(), "")
    );
}

#[test]
fn the_json_report_honours_within_days_and_account() {
    let admin = seeded();
    let row = |key: &str, expires: &str, days: i64| {
        let user = key.strip_prefix("prof_").unwrap();
        j!({"account": "acme", "profileKey": key, "platform": "linkedin", "username": user,
            "expiresAt": expires, "daysUntilExpiry": days, "needsReconnect": false})
    };
    assert_eq!(
        json(&admin.ok(&[
            "--now",
            NOW,
            "expiring",
            "--within-days",
            "10",
            "--account",
            "acme",
            "--json",
        ])),
        j!({"connections": [
            row("prof_soon", "2025-01-09T13:30:00Z", 3),
            row("prof_ten", "2025-01-16T13:30:00Z", 10),
            {"account": "acme", "profileKey": "prof_marked", "platform": "bluesky",
             "username": "m.bsky.social", "expiresAt": null, "daysUntilExpiry": null,
             "needsReconnect": true},
        ]})
    );
}

/// The production clock has a fraction of a second: at 12:30:00.5, prof_eight's expiry 8
/// days after 12:30:00 is 7 days 23:59:59.5 away, so `profiles show` counts 7 days and the
/// report at `--within-days 7` must list it (a bound truncated to 12:30:00 left it out).
#[test]
fn a_fractional_now_reports_what_profiles_show_counts() {
    let admin = seeded();
    let now = "2025-01-06T12:30:00.5Z";
    let shown = json(&admin.ok(&["--now", now, "profiles", "show", "prof_eight", "--json"]));
    assert_eq!(shown["connectedPlatforms"][0]["daysUntilExpiry"], j!(7));
    let row = |account: &str, key: &str, expires: &str, days: i64, reconnect: bool| {
        let user = key.strip_prefix("prof_").unwrap();
        j!({"account": account, "profileKey": key, "platform": "linkedin", "username": user,
            "expiresAt": expires, "daysUntilExpiry": days, "needsReconnect": reconnect})
    };
    let marked = j!({"account": "acme", "profileKey": "prof_marked", "platform": "bluesky",
        "username": "m.bsky.social", "expiresAt": null, "daysUntilExpiry": null,
        "needsReconnect": true});
    assert_eq!(
        json(&admin.ok(&["--now", now, "expiring", "--within-days", "7", "--json"])),
        j!({"connections": [
            row("beta", "prof_gone", "2024-12-31T00:00:00Z", 0, true),
            row("acme", "prof_soon", "2025-01-09T13:30:00Z", 3, false),
            row("beta", "prof_seven", "2025-01-14T12:29:59Z", 7, false),
            row("beta", "prof_eight", "2025-01-14T12:30:00Z", 7, false),
            marked.clone(),
        ]})
    );
    // The widest window reaches past year 9999 without overflowing: every connection.
    assert_eq!(
        json(&admin.ok(&[
            "--now",
            now,
            "expiring",
            "--within-days",
            "4294967295",
            "--account",
            "acme",
            "--json",
        ])),
        j!({"connections": [
            row("acme", "prof_soon", "2025-01-09T13:30:00Z", 3, false),
            row("acme", "prof_ten", "2025-01-16T13:30:00Z", 10, false),
            row("acme", "prof_fine", "2025-03-07T12:30:00Z", 59, false),
            marked,
        ]})
    );
}

#[test]
fn an_empty_report_succeeds_even_with_fail_if_any() {
    let admin = seeded();
    let args = [
        "--now",
        NOW,
        "expiring",
        "--account",
        "empty",
        "--fail-if-any",
    ];
    assert_eq!(
        admin.ok(&args),
        "ACCOUNT  PROFILE KEY  PLATFORM  USERNAME  EXPIRES AT  DAYS  RECONNECT\n"
    );
    assert_eq!(
        json(&admin.ok(&[&args[..], &["--json"]].concat())),
        j!({"connections": []})
    );
}

#[test]
fn bad_arguments_are_bad_input_and_unknown_accounts_not_found() {
    let admin = seeded();
    assert_eq!(
        admin.run(&["expiring", "--within-days", "soon"]).failed(2),
        "error: invalid value 'soon' for '--within-days <N>': invalid digit found in string\n"
    );
    assert_eq!(
        admin.run(&["expiring", "--account", "nobody"]).failed(4),
        "error: --account \"nobody\": account not found\n"
    );
}
