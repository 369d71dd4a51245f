//! Usage, exit codes and secret-key settings shared by every command.

use crate::harness::{Admin, Run, SECRET_KEY};

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
             \x20 3  `expiring --fail-if-any` found connections that expire soon or need a reconnect,\n\
             \x20    or `connections verify` left connections that need a reconnect,\n\
             \x20    or `connections refresh` marked connections as needing a reconnect\n\
             \x20 4  not found: account, API key, profile, connection, webhook endpoint or database\n\
             \x20 5  conflict: name or key taken, platform connected to another account, file exists,\n\
             \x20    migrate-to destination not empty\n"
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

/// The same sentence the server prints after `postcore: error: `
/// (`crates/postcore-http/tests/settings.rs`): both binaries apply one rule.
const BLANK_KEY: &str = "POSTCORE_SECRET_KEY is set but blank: set it to the base64 secret \
                         key, or unset it to use --secret-key-file or <database>.key";

#[test]
fn a_blank_secret_key_env_var_exits_2_before_the_database_is_touched() {
    let admin = Admin::new();
    let key_file = admin.dir().join("secret.key");
    std::fs::write(&key_file, SECRET_KEY).unwrap();
    let with_file = ["--secret-key-file", key_file.to_str().unwrap(), "migrate"];
    for blank in ["", " ", " \t\n"] {
        for args in [&["accounts", "create", "acme"][..], &with_file] {
            let mut cmd = admin.command();
            cmd.env("POSTCORE_SECRET_KEY", blank).args(args);
            assert_eq!(
                Run::from(cmd.output().unwrap()).failed(2),
                format!("error: {BLANK_KEY}\n"),
                "{blank:?} {args:?}"
            );
        }
    }
    assert!(!admin.database().exists());
    assert!(!admin.dir().join("postcore.db.key").exists());
}

#[test]
fn the_secret_key_comes_from_the_env_then_the_key_file_then_beside_the_database() {
    let admin = Admin::new();
    admin.ok(&["accounts", "create", "acme"]);
    let listing = admin.ok(&["accounts", "list", "--json"]);
    let wrong = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
    let refused = format!(
        "error: cannot open the database {}: the secret key does not match this database: \
         its credentials were encrypted with another key \
         (check POSTCORE_SECRET_KEY or the secret key file)\n",
        admin.database().display()
    );
    let key_file = admin.dir().join("secret.key");
    let beside_file = admin.dir().join("postcore.db.key");
    // `accounts list --json` with the key given in each place (or not), as stdout or stderr.
    let run = |env: Option<&str>, file: Option<&str>, beside: Option<&str>| {
        let mut cmd = admin.command();
        cmd.env_remove("POSTCORE_SECRET_KEY");
        if let Some(env) = env {
            cmd.env("POSTCORE_SECRET_KEY", env);
        }
        if let Some(file) = file {
            std::fs::write(&key_file, format!("{file}\n")).unwrap();
            cmd.env("POSTCORE_SECRET_KEY_FILE", &key_file);
        }
        match beside {
            Some(key) => std::fs::write(&beside_file, format!("{key}\n")).unwrap(),
            None => drop(std::fs::remove_file(&beside_file)),
        }
        let run = Run::from(cmd.args(["accounts", "list", "--json"]).output().unwrap());
        match run.code {
            0 => Ok(run.stdout),
            _ => Err(run.failed(1)),
        }
    };
    let (right, wrong) = (Some(SECRET_KEY), Some(wrong));
    // (env, key file, beside the database) → whether the right key was used.
    let cases = [
        // The env var wins over the key file and the file beside the database…
        ((right, wrong, wrong), true),
        ((wrong, right, right), false),
        // …then the key file wins over the file beside the database…
        ((None, right, wrong), true),
        ((None, wrong, right), false),
        // …then the file beside the database.
        ((None, None, right), true),
        ((None, None, wrong), false),
    ];
    for ((env, file, beside), opens) in cases {
        let expected = match opens {
            true => Ok(listing.clone()),
            false => Err(refused.clone()),
        };
        let found = run(env, file, beside);
        assert_eq!(found, expected, "{env:?} {file:?} {beside:?}");
    }
}
