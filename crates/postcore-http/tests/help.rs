//! `postcore --help` and `postcore serve --help` name every setting and its env var.

use std::process::Command;

#[test]
fn help_explains_every_setting_and_its_env_var() {
    for args in [&["--help"][..], &["serve", "--help"]] {
        let output = Command::new(env!("CARGO_BIN_EXE_postcore"))
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success());
        let help = String::from_utf8(output.stdout).unwrap();
        for setting in [
            "--bind",
            "POSTCORE_BIND",
            "127.0.0.1:8080",
            "--database",
            "POSTCORE_DATABASE",
            "./postcore.db",
            "--secret-key-file",
            "POSTCORE_SECRET_KEY_FILE",
            "POSTCORE_SECRET_KEY",
            "--log-level",
            "POSTCORE_LOG",
            "--log-format",
            "POSTCORE_LOG_FORMAT",
            "--shutdown-timeout",
            "POSTCORE_SHUTDOWN_TIMEOUT",
        ] {
            assert!(
                help.contains(setting),
                "{args:?} does not mention {setting}:\n{help}"
            );
        }
    }
}
