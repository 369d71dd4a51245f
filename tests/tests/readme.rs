//! The README's settings tables are the clap definitions: `--help`, README and code agree.
//!
//! Each table is rendered from the binary's `clap::Command` (flag, env var, default, and
//! the help line as the meaning), plus the env-only `POSTCORE_SECRET_KEY` row after
//! `--secret-key-file`, and must equal the table under its README heading. When a setting
//! changes, paste the table this test prints into the README.

use clap::{ArgAction, CommandFactory as _};
use postcore_platforms::LINKEDIN_CLIENT_SECRET_ENV;
use postcore_store::settings::{SECRET_KEY_ENV, SECRET_KEY_ENV_HELP, SECRET_KEY_FILE_ENV};
use std::path::Path;

/// The meaning of the env-only LinkedIn client secret, as the README gives it.
const LINKEDIN_CLIENT_SECRET_HELP: &str = "The LinkedIn client secret itself: env only, never \
     a flag, so it never shows in a process list; set but blank is an error";

const HEADER: &str = "| flag | env var | default | meaning |\n|---|---|---|---|\n";

/// The settings of `command` as a Markdown table, in definition order.
fn settings_table(command: &clap::Command) -> String {
    let mut table = HEADER.to_owned();
    for arg in command.get_arguments() {
        let builtin = matches!(
            arg.get_action(),
            ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version
        );
        if builtin || arg.is_hide_set() {
            continue;
        }
        let flag = arg.get_long().expect("every setting has a long flag");
        let env = arg
            .get_env()
            .and_then(|e| e.to_str())
            .unwrap_or_else(|| panic!("--{flag} has no env var: every setting needs one"));
        let default = match arg.get_default_values() {
            [] => "none".to_owned(),
            values => {
                let values: Vec<_> = values.iter().map(|v| v.to_string_lossy()).collect();
                format!("`{}`", values.join(","))
            }
        };
        let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
        assert!(!help.is_empty(), "--{flag} has no help text");
        table.push_str(&format!("| `--{flag}` | `{env}` | {default} | {help} |\n"));
        if env == SECRET_KEY_FILE_ENV {
            table.push_str(&format!(
                "| (env only) | `{SECRET_KEY_ENV}` | none | {SECRET_KEY_ENV_HELP} |\n"
            ));
        }
        if env == "POSTCORE_LINKEDIN_CLIENT_SECRET_FILE" {
            table.push_str(&format!(
                "| (env only) | `{LINKEDIN_CLIENT_SECRET_ENV}` | none | {LINKEDIN_CLIENT_SECRET_HELP} |\n"
            ));
        }
    }
    table
}

/// The first table after the line `heading` in the workspace README.
fn readme_table(heading: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(path).expect("the README is readable");
    let section = readme
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("the README has no {heading:?}"))
        .1;
    let mut table = String::new();
    for line in section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
    {
        table.push_str(line);
        table.push('\n');
    }
    table
}

fn assert_table(heading: &str, expected: &str) {
    let found = readme_table(heading);
    assert!(
        found == expected,
        "the README table under {heading:?} differs from the clap definitions; \
         it should read:\n\n{expected}\nbut reads:\n\n{found}"
    );
}

#[test]
fn the_configuration_table_is_the_definition_of_postcore_serve() {
    let cli = postcore_http::cli::Cli::command();
    let serve = cli.find_subcommand("serve").expect("postcore serve exists");
    assert_table("## Configuration", &settings_table(serve));
}

#[test]
fn the_operations_table_is_the_definition_of_postcore_admin() {
    assert_table(
        "## Operations",
        &settings_table(&postcore_admin::Cli::command()),
    );
}

#[test]
fn the_renderer_lists_each_setting_once_with_the_env_only_key() {
    let table = settings_table(&postcore_admin::Cli::command());
    assert_eq!(
        table,
        format!(
            "{HEADER}\
             | `--database` | `POSTCORE_DATABASE` | `./postcore.db` | The database: an SQLite file (or `sqlite://PATH`), or `postgres://USER@HOST:PORT/DATABASE` (a password goes in `PGPASSWORD`, never on a command line) |\n\
             | `--secret-key-file` | `POSTCORE_SECRET_KEY_FILE` | none | File holding the base64 secret key (else, for SQLite, `<database>.key` beside the database; PostgreSQL needs this or `POSTCORE_SECRET_KEY`); `POSTCORE_SECRET_KEY`, env only and never a flag, wins over it |\n\
             | (env only) | `POSTCORE_SECRET_KEY` | none | The base64 32-byte secret key itself: env only, never a flag, so it never shows in a process list; set but blank is an error |\n"
        )
    );
}
