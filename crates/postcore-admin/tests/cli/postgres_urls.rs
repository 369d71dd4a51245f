//! `--database postgres://…`: a missing secret key is named, an unreachable server is named
//! without the password, and the URL's password is never shown (`--help` included); on a
//! live PostgreSQL (`POSTCORE_TEST_POSTGRES_URL`, else one skip line), `backup` and `check`
//! do PostgreSQL's equivalents and `migrate-to` moves an SQLite database there.

use crate::harness::{Admin, Run};

/// A URL with a password; `hunter2pw` must appear in no output.
const URL: &str = "postgres://postcore:hunter2pw@127.0.0.1:1/postcore";
const SHOWN: &str = "postgres://postcore:***@127.0.0.1:1/postcore";

fn run(admin: &Admin, key: bool, args: &[&str]) -> Run {
    let mut cmd = admin.command();
    cmd.env("POSTCORE_DATABASE", URL).args(args);
    if !key {
        cmd.env_remove("POSTCORE_SECRET_KEY");
    }
    let run = Run::from(cmd.output().unwrap());
    assert!(
        !run.stdout.contains("hunter2pw") && !run.stderr.contains("hunter2pw"),
        "{run:?}"
    );
    run
}

#[test]
fn a_postgres_database_without_a_secret_key_is_refused_naming_both_settings() {
    let admin = Admin::new();
    assert_eq!(
        run(&admin, false, &["accounts", "list"]).failed(2),
        "error: a PostgreSQL database needs its secret key from POSTCORE_SECRET_KEY or \
         --secret-key-file (POSTCORE_SECRET_KEY_FILE): there is no <database>.key beside it\n"
    );
}

#[test]
fn an_unreachable_postgres_database_is_named_without_its_password() {
    let admin = Admin::new();
    // Port 1: nothing listens, so the connection is refused at once.
    let stderr = run(&admin, true, &["accounts", "list"]).failed(1);
    assert!(
        stderr.starts_with(&format!("error: cannot open the database {SHOWN}: ")),
        "{stderr}"
    );
}

#[test]
fn help_never_shows_the_database_url_from_the_environment() {
    let admin = Admin::new();
    for args in [
        &["--help"][..],
        &["keys", "list", "--help"],
        &["migrate-to", "--help"],
    ] {
        let out = run(&admin, true, args);
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stdout.contains("POSTCORE_DATABASE"), "{}", out.stdout);
    }
}

/// A fresh database on the test server and its URL with a password added (the test
/// server trusts local connections, so any password is accepted); `None` when
/// `POSTCORE_TEST_POSTGRES_URL` is unset (one skip line is printed).
async fn live() -> Option<(postcore_store::testing::PgTestDatabase, String)> {
    let db = postcore_store::testing::PgTestDatabase::create().await?;
    let (scheme, rest) = db.url().split_once("://").expect("a URL");
    let (user, host) = rest
        .split_once('@')
        .expect("POSTCORE_TEST_POSTGRES_URL names a user (postgres://USER@HOST/DB)");
    let url = format!("{scheme}://{user}:hunter2pw@{host}");
    Some((db, url))
}

/// Runs the binary on `url` (from the env, never the command line).
fn on(admin: &Admin, url: &str, args: &[&str]) -> Run {
    let mut cmd = admin.command();
    cmd.env("POSTCORE_DATABASE", url).args(args);
    let run = Run::from(cmd.output().unwrap());
    assert!(
        !run.stdout.contains("hunter2pw") && !run.stderr.contains("hunter2pw"),
        "{run:?}"
    );
    run
}

#[tokio::test]
async fn backup_and_check_do_postgresqls_equivalents() {
    let Some((_db, url)) = live().await else {
        return;
    };
    let shown = url.replace(":hunter2pw@", ":***@");
    let admin = Admin::new();
    assert_eq!(on(&admin, &url, &["accounts", "create", "acme"]).code, 0);
    let check = on(&admin, &url, &["check"]);
    assert_eq!(
        (check.code, check.stdout.as_str(), check.stderr.as_str()),
        (
            0,
            "ok\n",
            "PostgreSQL: checked the schema version and the store's rules across rows; \
             PostgreSQL's pages and indexes are checked by its own tools \
             (`pg_amcheck --heapallindexed DBNAME`, PostgreSQL 14 and later)\n"
        )
    );
    let dump = admin.dir().join("postcore.dump");
    let backup = on(&admin, &url, &["backup", dump.to_str().unwrap()]);
    assert_eq!(
        (backup.code, backup.stdout),
        (
            0,
            format!(
                "backed up {shown} to {} (a pg_dump archive: restore it with pg_restore)\n",
                dump.display()
            )
        ),
        "{}",
        backup.stderr
    );
    let archive = std::fs::read(&dump).unwrap();
    assert_eq!(&archive[..5], b"PGDMP", "pg_dump's custom format");
    let again = on(&admin, &url, &["backup", dump.to_str().unwrap()]);
    assert_eq!(again.code, 5, "{again:?}");
}

#[tokio::test]
async fn migrate_to_moves_an_sqlite_database_to_postgresql_and_the_keys_and_webhooks_work_there() {
    let Some((_db, url)) = live().await else {
        return;
    };
    let shown = url.replace(":hunter2pw@", ":***@");
    let (admin, live_key, revoked, hooks) = crate::migrate_to::populated().await;
    let mut cmd = admin.command();
    cmd.env(postcore_admin_env::DESTINATION, &url)
        .arg("migrate-to");
    let run = Run::from(cmd.output().unwrap());
    assert!(!format!("{run:?}").contains("hunter2pw"), "{run:?}");
    crate::migrate_to::assert_migrated(&admin, &run, &shown);
    crate::migrate_to::assert_same_views(&admin, &url);
    // Endpoints, deliveries and secrets exactly as on SQLite; no notice told twice; the
    // delivery that was in flight is handed out by PostgreSQL.
    crate::migrate_to::assert_hooks_moved(&admin, &hooks, &url).await;
    let dest = Admin::open_url(&url).await;
    let acme = dest
        .find_account(&postcore_domain::AccountName::parse("acme").unwrap())
        .await
        .unwrap();
    let now = crate::at(crate::NOW);
    assert_eq!(
        dest.authenticate(&live_key, now).await.unwrap(),
        Some(acme.id)
    );
    assert_eq!(dest.authenticate(&revoked, now).await.unwrap(), None);
    dest.flush_last_use().await.unwrap();
    // A second run finds the destination taken and writes nothing.
    let mut cmd = admin.command();
    cmd.env(postcore_admin_env::DESTINATION, &url)
        .arg("migrate-to");
    let again = Run::from(cmd.output().unwrap());
    assert_eq!(again.code, 5, "{again:?}");
}

/// The env var of `migrate-to`'s destination, as the binary names it.
mod postcore_admin_env {
    pub const DESTINATION: &str = "POSTCORE_MIGRATE_TO";
}
