//! What both PostCore command lines (`postcore`, `postcore-admin`) have besides their own
//! commands, written once: `completions SHELL`, a shell completion script on stdout
//! (`clap_complete`), and the hidden `man DIR`, one man page per command and subcommand
//! (`clap_mangen`), which `cargo xtask man` runs on the built binaries. Both are generated
//! from the binary's own `clap::Command`, so they never drift from it.
//!
//! Each binary adds the two subcommands to its command enum:
//!
//! ```text
//! /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
//! #[command(after_help = postcore_cli_extras::install_help("postcore"))]
//! Completions(postcore_cli_extras::CompletionsArgs),
//! #[command(hide = true)]
//! Man(postcore_cli_extras::ManArgs),
//! ```
//!
//! and runs them with [`print_completions`] and [`write_man_pages`]. No internal crate is
//! needed here: only clap and its two generators.

use std::io::Write as _;
use std::path::{Path, PathBuf};

pub use clap_complete::Shell;

/// `completions SHELL`.
#[derive(Debug, Clone, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `man DIR` (hidden; `cargo xtask man` runs it).
#[derive(Debug, Clone, clap::Args)]
pub struct ManArgs {
    /// Directory to write the pages to (created if missing).
    pub dir: PathBuf,
}

/// How to install the completion script of `bin`, per shell: the end of
/// `BIN completions --help`.
pub fn install_help(bin: &str) -> String {
    format!(
        "Install (then open a new shell):\n  \
         bash        {bin} completions bash > ~/.local/share/bash-completion/completions/{bin}\n  \
         zsh         {bin} completions zsh > ~/.zfunc/_{bin}\n              \
         (with `fpath+=~/.zfunc` before `compinit` in ~/.zshrc)\n  \
         fish        {bin} completions fish > ~/.config/fish/completions/{bin}.fish\n  \
         elvish      {bin} completions elvish >> ~/.config/elvish/rc.elv\n  \
         powershell  {bin} completions powershell >> $PROFILE"
    )
}

/// Writes the completion script of `cmd`, installed as `bin`, for `args.shell` to stdout.
/// Hidden subcommands of `cmd` (such as `man`) are not offered.
///
/// # Errors
/// When stdout cannot be written (a closed pipe, say): an error, not a panic.
pub fn print_completions(
    args: &CompletionsArgs,
    cmd: clap::Command,
    bin: &str,
) -> std::io::Result<()> {
    // Into memory first: clap_complete panics on a failed write.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut without_hidden(cmd), bin, &mut script);
    if args.shell == Shell::Bash {
        script = bash_dispatch_fixed(&script, bin);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()
}

/// Mends clap_complete's bash script for a binary whose name has a hyphen
/// (clap-rs/clap#6421, open in clap_complete 4.6): the script tracks the command line in
/// `cmd` as `postcore__admin__subcmd__keys` but names the branch of each subcommand
/// `postcore__subcmd__admin__subcmd__keys`, so no subcommand of `postcore-admin` found
/// its words. The branches are renamed to what `cmd` holds; other scripts are unchanged.
fn bash_dispatch_fixed(script: &[u8], bin: &str) -> Vec<u8> {
    let tracked = format!("{}__subcmd__", bin.replace('-', "__"));
    let branch = format!("{}__subcmd__", bin.replace('-', "__subcmd__"));
    if tracked == branch {
        return script.to_vec();
    }
    String::from_utf8_lossy(script)
        .replace(&branch, &tracked)
        .into_bytes()
}

/// `cmd` with its arguments and visible subcommands only: clap_complete's generators
/// offer hidden subcommands too (clap-rs/clap#1335), and `Command` cannot remove one, so
/// the root is put together again from its own parts. Only what a completion script
/// shows is kept (name, about, version, arguments, subcommands).
fn without_hidden(cmd: clap::Command) -> clap::Command {
    let mut root = clap::Command::new(cmd.get_name().to_owned())
        .args(cmd.get_arguments().cloned())
        .subcommands(cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned())
        .subcommand_required(cmd.is_subcommand_required_set());
    if let Some(about) = cmd.get_about() {
        root = root.about(about.clone());
    }
    if let Some(version) = cmd.get_version() {
        root = root.version(version.to_owned());
    }
    root
}

/// Writes one man page (section 1, roff) per command into `dir`, created if missing: the
/// binary's (`postcore-admin.1`), then one per visible subcommand at every depth
/// (`postcore-admin-keys.1`, `postcore-admin-keys-import.1`, …); hidden subcommands and
/// clap's `help` get none. Each page's `.TH` line names its command, with the source
/// `PostCore VERSION` and the manual `PostCore Manual`. Returns the files written, in
/// that order.
///
/// # Errors
/// When the directory or a page cannot be written.
pub fn write_man_pages(cmd: clap::Command, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut cmd = cmd.disable_help_subcommand(true);
    // Built once at the top: clap then names every subcommand in full (its display name,
    // `postcore-admin-keys-import`), which is each page's title and file name.
    cmd.build();
    let source = format!("PostCore {}", cmd.get_version().unwrap_or_default());
    let mut written = Vec::new();
    write_pages(&cmd, dir, &source, &mut written)?;
    Ok(written)
}

/// The page of `cmd`, then those of its visible subcommands.
fn write_pages(
    cmd: &clap::Command,
    dir: &Path,
    source: &str,
    written: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    let page = clap_mangen::Man::new(cmd.clone())
        .source(source)
        .manual("PostCore Manual");
    written.push(page.generate_to(dir)?);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, source, written)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small command line shaped like the admin's: nested, one hidden subcommand.
    fn tool() -> clap::Command {
        clap::Command::new("tool")
            .version("1.2.3")
            .about("Does things.")
            .subcommand(
                clap::Command::new("keys")
                    .about("Keys.")
                    .subcommand(clap::Command::new("import").about("Import a key.")),
            )
            .subcommand(clap::Command::new("secret").hide(true))
    }

    #[test]
    fn one_page_per_visible_command_each_titled_with_its_full_name() {
        let dir = tempfile::tempdir().unwrap();
        let written = write_man_pages(tool(), &dir.path().join("man")).unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["tool.1", "tool-keys.1", "tool-keys-import.1"]);
        let mut on_disk: Vec<String> = std::fs::read_dir(dir.path().join("man"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        assert_eq!(on_disk, ["tool-keys-import.1", "tool-keys.1", "tool.1"]);
        let page = std::fs::read_to_string(&written[2]).unwrap();
        let th = page.lines().find(|l| l.starts_with(".TH ")).unwrap();
        assert_eq!(
            th,
            r#".TH tool-keys-import 1  "PostCore 1.2.3" "PostCore Manual""#
        );
        assert!(page.contains("Import a key."), "{page}");
    }

    #[test]
    fn completion_scripts_offer_visible_subcommands_and_arguments_only() {
        let tool = tool().arg(clap::Arg::new("verbose").long("verbose").global(true));
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::Elvish,
            Shell::PowerShell,
        ] {
            let mut script = Vec::new();
            clap_complete::generate(
                shell,
                &mut without_hidden(tool.clone()),
                "tool",
                &mut script,
            );
            let script = String::from_utf8(script).unwrap();
            for word in ["keys", "import", "verbose"] {
                assert!(script.contains(word), "{shell}: no {word} in {script}");
            }
            assert!(!script.contains("secret"), "{shell}: {script}");
        }
    }

    #[test]
    fn install_help_names_the_binary_for_every_shell() {
        let help = install_help("postcore-admin");
        for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
            assert!(
                help.contains(&format!("postcore-admin completions {shell} >")),
                "{shell}: {help}"
            );
        }
    }
}
