//! `migrate [--status]`.

use crate::harness::Admin;
use crate::json;
use postcore_store::sqlite::LATEST_VERSION;
use serde_json::json as j;

#[test]
fn migrate_creates_the_database_at_the_latest_schema_version() {
    let admin = Admin::new();
    let expected = format!("schema version {LATEST_VERSION} of {LATEST_VERSION}: up to date\n");
    assert_eq!(admin.ok(&["migrate"]), expected);
    assert!(admin.database().exists());
    assert_eq!(admin.ok(&["migrate"]), expected);
    assert_eq!(admin.ok(&["migrate", "--status"]), expected);
    assert_eq!(
        json(&admin.ok(&["migrate", "--status", "--json"])),
        j!({"current": LATEST_VERSION, "latest": LATEST_VERSION})
    );
}

#[tokio::test]
async fn the_status_of_a_missing_database_is_not_found_and_creates_nothing() {
    let admin = Admin::new();
    let stderr = admin.run(&["migrate", "--status"]).failed(4);
    assert!(
        stderr.starts_with("error: --database: no database at "),
        "{stderr}"
    );
    assert!(!admin.database().exists());

    admin.ok(&["migrate"]);
    let status = admin.store().await.migration_status().await.unwrap();
    assert_eq!(
        (status.current, status.latest),
        (LATEST_VERSION, LATEST_VERSION)
    );
}

#[test]
fn the_status_of_an_out_of_date_database_shows_pending_migrations_and_changes_nothing() {
    let admin = Admin::new();
    // An SQLite file that no migration has touched yet: schema version 0.
    std::fs::write(admin.database(), b"").unwrap();
    let expected = format!("schema version 0 of {LATEST_VERSION}: migrations pending\n");
    assert_eq!(admin.ok(&["migrate", "--status"]), expected);
    assert_eq!(std::fs::read(admin.database()).unwrap(), b"");
    admin.ok(&["migrate"]);
    assert_eq!(
        json(&admin.ok(&["migrate", "--status", "--json"])),
        j!({"current": LATEST_VERSION, "latest": LATEST_VERSION})
    );
}

#[test]
fn check_reports_a_sound_database_as_ok_and_a_missing_one_as_not_found() {
    let admin = Admin::new();
    let stderr = admin.run(&["check"]).failed(4);
    assert!(
        stderr.starts_with("error: --database: no database at "),
        "{stderr}"
    );
    admin.ok(&["migrate"]);
    assert_eq!(admin.ok(&["check"]), "ok\n");
}
