//! Usage, exit codes and secret-key settings shared by every command.

use crate::harness::{Admin, Run};

#[test]
fn help_documents_the_exit_codes() {
    let admin = Admin::new();
    let help = admin.ok(&["--help"]);
    assert!(
        help.ends_with(
            "Exit codes:\n\
             \x20 0  success\n\
             \x20 1  any other failure (database unreadable, wrong secret key, IO error)\n\
             \x20 2  bad input: usage error, malformed value, or a destructive command without --yes\n\
             \x20    (nothing was changed)\n\
             \x20 3  `expiring --fail-if-any` found connections that expire soon or need a reconnect\n\
             \x20 4  not found: account, API key, profile, connection or database\n\
             \x20 5  conflict: name or key taken, platform connected to another account, file exists\n"
        ),
        "{help}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let admin = Admin::new();
    let stderr = admin.run(&["frobnicate"]).failed(2);
    assert!(
        stderr.starts_with("error: unrecognized subcommand 'frobnicate'\n"),
        "{stderr}"
    );
    assert_eq!(admin.run(&[]).code, 2);
}

#[test]
fn the_secret_key_comes_from_a_file_and_a_wrong_key_is_refused_with_1() {
    let admin = Admin::new();
    admin.ok(&["accounts", "create", "acme"]);

    let key_file = admin.dir().join("secret.key");
    std::fs::write(&key_file, format!("{}\n", crate::harness::SECRET_KEY)).unwrap();
    let mut cmd = admin.command();
    cmd.env_remove("POSTCORE_SECRET_KEY").args([
        "--secret-key-file",
        key_file.to_str().unwrap(),
        "accounts",
        "list",
    ]);
    let run = Run::from(cmd.output().unwrap());
    assert_eq!((run.code, run.stdout.lines().count()), (0, 2), "{run:?}");

    let wrong = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
    let mut cmd = admin.command();
    cmd.env("POSTCORE_SECRET_KEY", wrong)
        .args(["accounts", "list"]);
    let stderr = Run::from(cmd.output().unwrap()).failed(1);
    assert!(
        stderr.starts_with("error: cannot open the database "),
        "{stderr}"
    );
    assert!(
        stderr.contains("the secret key does not match this database"),
        "{stderr}"
    );
    assert!(!stderr.contains(wrong));
    assert_eq!(stderr.lines().count(), 1);
}
