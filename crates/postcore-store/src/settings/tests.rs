//! The secret-key rule: env beats file beats beside the database; a blank env is an error.

use super::{SecretKeySource, SettingsError};
use secrecy::ExposeSecret as _;
use std::ffi::OsString;
use std::path::PathBuf;

const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// The source as comparable text (the key itself is shown: these are test values).
fn describe(source: Result<SecretKeySource, SettingsError>) -> Result<String, SettingsError> {
    source.map(|s| match s {
        SecretKeySource::Base64(key) => format!("base64 {}", key.expose_secret()),
        SecretKeySource::File(path) => format!("file {}", path.display()),
        SecretKeySource::BesideDatabase => "beside the database".to_owned(),
    })
}

fn resolve(env: Option<&str>, file: Option<&str>) -> Result<String, SettingsError> {
    describe(SecretKeySource::resolve(
        env.map(OsString::from),
        file.map(PathBuf::from),
    ))
}

#[test]
fn the_env_key_wins_over_a_key_file() {
    assert_eq!(
        resolve(Some(KEY), Some("/etc/postcore.key")),
        Ok(format!("base64 {KEY}"))
    );
    assert_eq!(resolve(Some(KEY), None), Ok(format!("base64 {KEY}")));
}

#[test]
fn a_key_file_wins_over_the_file_beside_the_database() {
    assert_eq!(
        resolve(None, Some("/etc/postcore.key")),
        Ok("file /etc/postcore.key".to_owned())
    );
}

#[test]
fn without_either_the_key_is_beside_the_database() {
    assert_eq!(resolve(None, None), Ok("beside the database".to_owned()));
}

#[test]
fn a_blank_env_key_is_an_error_even_with_a_key_file() {
    for blank in ["", " ", "\t\n", "   "] {
        for file in [None, Some("/etc/postcore.key")] {
            assert_eq!(
                resolve(Some(blank), file),
                Err(SettingsError::BlankSecretKey),
                "{blank:?} {file:?}"
            );
        }
    }
    assert_eq!(
        SettingsError::BlankSecretKey.to_string(),
        "POSTCORE_SECRET_KEY is set but blank: set it to the base64 secret key, or unset it \
         to use --secret-key-file or <database>.key"
    );
}

#[cfg(unix)]
#[test]
fn a_non_utf8_env_key_is_an_error() {
    use std::os::unix::ffi::OsStringExt as _;
    let value = OsString::from_vec(vec![0x66, 0xff, 0x6f]);
    assert_eq!(
        describe(SecretKeySource::resolve(Some(value), None)),
        Err(SettingsError::SecretKeyNotUnicode)
    );
    assert_eq!(
        SettingsError::SecretKeyNotUnicode.to_string(),
        "POSTCORE_SECRET_KEY is not valid UTF-8: set it to the base64 secret key"
    );
}

#[test]
fn a_key_with_surrounding_whitespace_is_kept_for_the_decoder_to_trim() {
    let padded = format!(" {KEY}\n");
    assert_eq!(resolve(Some(&padded), None), Ok(format!("base64 {padded}")));
}

#[cfg(feature = "clap")]
#[test]
fn database_args_parse_both_flags_and_name_their_env_vars() {
    use super::DatabaseArgs;
    use clap::{Args as _, FromArgMatches as _};
    let command = DatabaseArgs::augment_args(clap::Command::new("t"));
    command.clone().debug_assert();
    let envs: Vec<_> = command
        .get_arguments()
        .map(|a| (a.get_id().as_str(), a.get_env().and_then(|e| e.to_str())))
        .collect();
    assert_eq!(
        envs,
        [
            ("database", Some("POSTCORE_DATABASE")),
            ("secret_key_file", Some("POSTCORE_SECRET_KEY_FILE")),
        ]
    );
    let matches = command
        .try_get_matches_from(["t", "--database", "sqlite://a.db", "--secret-key-file", "k"])
        .unwrap();
    let args = DatabaseArgs::from_arg_matches(&matches).unwrap();
    assert_eq!(
        args,
        DatabaseArgs {
            database: "sqlite://a.db".to_owned(),
            secret_key_file: Some(PathBuf::from("k")),
        }
    );
    assert_eq!(args.database_file().unwrap(), PathBuf::from("a.db"));
}
