//! The settings of the real `postcore` binary: `--help` names each one, and a blank
//! `POSTCORE_SECRET_KEY` stops the server before it touches the database.

use std::process::{Command, Output};

/// The binary with every `POSTCORE_` variable of the caller removed.
fn postcore() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_postcore"));
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("POSTCORE_")) {
        command.env_remove(name);
    }
    command
}

/// Exit code, stdout and stderr of a finished run.
fn outcome(output: Output) -> (Option<i32>, String, String) {
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn serve_help_explains_every_setting_and_its_env_var() {
    let (code, help, _) = outcome(postcore().args(["serve", "--help"]).output().unwrap());
    assert_eq!(code, Some(0));
    for setting in [
        "--bind",
        "[env: POSTCORE_BIND=]",
        "[default: 127.0.0.1:8080]",
        "--database <PATH|URL>",
        // The value is never shown: it may be a URL holding a password.
        "[env: POSTCORE_DATABASE]",
        "[default: ./postcore.db]",
        "--secret-key-file <PATH>",
        "[env: POSTCORE_SECRET_KEY_FILE=]",
        "from POSTCORE_SECRET_KEY if set (env only, never a flag",
        "--log-level",
        "[env: POSTCORE_LOG=]",
        "--log-format",
        "[env: POSTCORE_LOG_FORMAT=]",
        "--shutdown-timeout",
        "[env: POSTCORE_SHUTDOWN_TIMEOUT=]",
    ] {
        assert!(
            help.contains(setting),
            "serve --help lacks {setting}:\n{help}"
        );
    }
}

#[test]
fn top_level_help_points_to_serve_help() {
    let (code, help, _) = outcome(postcore().arg("--help").output().unwrap());
    assert_eq!(code, Some(0));
    assert!(help.contains("`postcore serve --help`"), "{help}");
}

/// The same sentence `postcore-admin` prints after `error: ` (tests/tests/cli/usage.rs).
const BLANK_KEY: &str = "POSTCORE_SECRET_KEY is set but blank: set it to the base64 secret \
                         key, or unset it to use --secret-key-file or <database>.key";

#[test]
fn a_blank_secret_key_env_var_stops_the_server_before_it_touches_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("postcore.db");
    let key_file = dir.path().join("secret.key");
    std::fs::write(&key_file, "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n").unwrap();
    for blank in ["", " ", " \t\n"] {
        for file in [None, Some(&key_file)] {
            let mut command = postcore();
            command
                .args(["serve", "--bind", "127.0.0.1:0"])
                .env("POSTCORE_DATABASE", &database)
                .env("POSTCORE_SECRET_KEY", blank);
            if let Some(file) = file {
                command.env("POSTCORE_SECRET_KEY_FILE", file);
            }
            assert_eq!(
                outcome(command.output().unwrap()),
                (
                    Some(1),
                    String::new(),
                    format!("postcore: error: {BLANK_KEY}\n")
                ),
                "{blank:?} {file:?}"
            );
        }
    }
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["secret.key"], "no database and no key file made");
}
