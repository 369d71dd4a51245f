//! Shell completions and man pages through the real binaries: `postcore completions SHELL`
//! and `postcore-admin completions SHELL` for every supported shell, an unknown shell as a
//! usage error, and the hidden `man DIR` that `cargo xtask man` runs.

use postcore_tests::bins::binary;
use std::process::{Command, Stdio};

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "elvish", "powershell"];

/// Runs `name args` with no stdin: exit code, stdout, stderr.
fn run(name: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(binary(name))
        .args(args)
        .env_remove("POSTCORE_DATABASE")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    )
}

#[test]
fn every_shell_gets_a_completion_script_naming_the_subcommands() {
    let cases: [(&str, &[&str]); 2] = [
        ("postcore", &["serve", "completions", "bind"]),
        (
            "postcore-admin",
            &[
                "keys",
                "import",
                "revoke",
                "accounts",
                "completions",
                "account",
            ],
        ),
    ];
    for (name, words) in cases {
        for shell in SHELLS {
            let (code, script, stderr) = run(name, &["completions", shell]);
            assert_eq!((code, stderr.as_str()), (Some(0), ""), "{name} {shell}");
            assert!(script.len() > 500, "{name} {shell}: {script}");
            for word in words {
                assert!(script.contains(word), "{name} {shell} lacks {word}");
            }
            // The hidden man-page subcommand is not offered.
            assert!(!script.contains("Write the man pages"), "{name} {shell}");
        }
    }
    let (_, bash, _) = run("postcore-admin", &["completions", "bash"]);
    assert!(bash.starts_with("_postcore__admin() {\n"), "{bash}");
    assert!(
        bash.contains("cmd=\"postcore__admin__subcmd__keys__subcmd__import\""),
        "{bash}"
    );
    assert!(
        bash.ends_with(
            "complete -F _postcore__admin -o bashdefault -o default postcore-admin\nfi\n"
        ),
        "{bash}"
    );
}

/// What bash offers for the words `line` (the last one being completed, maybe empty)
/// with `name`'s completion script loaded: the script's own function, called as bash's
/// programmable completion calls it.
fn bash_offers(name: &str, line: &[&str]) -> Vec<String> {
    let (_, script, _) = run(name, &["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("completion.bash");
    std::fs::write(&file, script).unwrap();
    let function = format!("_{}", name.replace('-', "__"));
    let words: Vec<String> = line.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; {function} '{name}' '{}' '{}'; \
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display(),
        words.join(" "),
        line.len() - 1,
        line[line.len() - 1],
        line[line.len() - 2],
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{out:?}");
    let mut offered: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    offered.sort();
    offered
}

/// Bash completes subcommands and their options at every depth, for both binaries (the
/// hyphen in `postcore-admin` once broke every level below the first, clap-rs/clap#6421).
#[test]
fn bash_completes_subcommands_and_options_below_the_first_word() {
    let offered = bash_offers("postcore-admin", &["postcore-admin", "keys", ""]);
    for word in ["create", "import", "list", "revoke"] {
        assert!(offered.iter().any(|w| w == word), "{word}: {offered:?}");
    }
    assert_eq!(
        bash_offers(
            "postcore-admin",
            &["postcore-admin", "keys", "import", "--acc"]
        ),
        ["--account"]
    );
    assert_eq!(
        bash_offers(
            "postcore-admin",
            &["postcore-admin", "accounts", "allow-ret"]
        ),
        ["allow-return-url"]
    );
    assert_eq!(
        bash_offers("postcore", &["postcore", "serve", "--rate-limit"]),
        ["--rate-limit-per-minute"]
    );
}

#[test]
fn an_unknown_shell_is_a_usage_error_exit_2() {
    assert_eq!(
        run("postcore", &["completions", "nushell"]),
        (
            Some(2),
            String::new(),
            "error: invalid value 'nushell' for '<SHELL>'\n  \
             [possible values: bash, elvish, fish, powershell, zsh]\n\n\
             For more information, try '--help'.\n"
                .to_owned()
        )
    );
    // The admin shows a malformed value as its one-line message (its exit-code rules).
    assert_eq!(
        run("postcore-admin", &["completions", "nushell"]),
        (
            Some(2),
            String::new(),
            "error: invalid value 'nushell' for '<SHELL>'\n".to_owned()
        )
    );
}

#[test]
fn completions_help_says_how_to_install_them() {
    for name in ["postcore", "postcore-admin"] {
        let (code, help, _) = run(name, &["completions", "--help"]);
        assert_eq!(code, Some(0));
        for line in [
            format!("  zsh         {name} completions zsh > ~/.zfunc/_{name}\n"),
            "(with `fpath+=~/.zfunc` before `compinit` in ~/.zshrc)\n".to_owned(),
            format!("  elvish      {name} completions elvish >> ~/.config/elvish/rc.elv\n"),
            format!("  powershell  {name} completions powershell >> $PROFILE\n"),
        ] {
            assert!(help.contains(&line), "{name}: {line:?} not in\n{help}");
        }
    }
}

#[test]
fn man_writes_one_page_per_command_each_titled_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man");
    for name in ["postcore", "postcore-admin"] {
        let (code, stdout, stderr) = run(name, &["man", out.to_str().unwrap()]);
        assert_eq!((code, stdout.as_str(), stderr.as_str()), (Some(0), "", ""));
    }
    let mut pages: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    pages.sort();
    for expected in [
        "postcore.1",
        "postcore-serve.1",
        "postcore-completions.1",
        "postcore-admin.1",
        "postcore-admin-keys.1",
        "postcore-admin-keys-import.1",
        "postcore-admin-connections-add.1",
        "postcore-admin-completions.1",
    ] {
        assert!(pages.iter().any(|p| p == expected), "{expected}: {pages:?}");
    }
    // Hidden subcommands and clap's `help` get no page.
    assert!(
        pages
            .iter()
            .all(|p| !p.ends_with("-man.1") && !p.ends_with("-help.1")),
        "{pages:?}"
    );
    let version = env!("CARGO_PKG_VERSION");
    for page in &pages {
        let command = page.strip_suffix(".1").expect("section 1");
        let text = std::fs::read_to_string(out.join(page)).unwrap();
        let head: Vec<&str> = text.lines().take(3).collect();
        assert_eq!(
            head,
            [
                r".ie \n(.g .ds Aq \(aq",
                ".el .ds Aq '",
                &format!(r#".TH {command} 1  "PostCore {version}" "PostCore Manual""#),
            ],
            "{page}"
        );
    }
    let import = std::fs::read_to_string(out.join("postcore-admin-keys-import.1")).unwrap();
    assert!(import.contains("read from standard input"), "{import}");
    let serve = std::fs::read_to_string(out.join("postcore-serve.1")).unwrap();
    assert!(serve.contains("POSTCORE_BIND"), "{serve}");
}
