//! `--database postgres://…`: what needs no server — the SQLite-only commands say what to
//! use instead, a missing secret key is named, and the URL's password is never shown
//! (`--help` included). Commands against a live PostgreSQL run in `tests/tests/`.

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
fn backup_and_check_say_they_are_sqlite_only_and_what_to_use_instead() {
    let admin = Admin::new();
    assert_eq!(
        run(&admin, true, &["backup", "copy.db"]).failed(2),
        format!(
            "error: `backup` works on an SQLite database file only, and --database names a \
             PostgreSQL database ({SHOWN}): back it up with PostgreSQL's own tools, e.g. \
             `pg_dump --format=custom --file=postcore.dump DBNAME`, and keep the secret key \
             with the dump\n"
        )
    );
    assert_eq!(
        run(&admin, true, &["check"]).failed(2),
        format!(
            "error: `check` works on an SQLite database file only, and --database names a \
             PostgreSQL database ({SHOWN}): check it with PostgreSQL's own tools, e.g. \
             `pg_amcheck --heapallindexed DBNAME` (PostgreSQL 14 and later), or restore a \
             `pg_dump` of it\n"
        )
    );
    assert!(!admin.dir().join("copy.db").exists());
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
