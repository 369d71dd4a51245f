//! The `postcore-admin` operator CLI as a library: the clap definition ([`Cli`]) and [`run`].
//!
//! `src/main.rs` is a thin shim over [`main`]; the tests reach [`Cli`] to check the clap
//! definition. Each subcommand lives in its own module under `commands/`, with its
//! arguments beside the code that runs it.

mod cli;
mod commands;
mod context;
mod exit;
mod input;
mod output;

pub use cli::{Cli, Command};
/// The `import` command's document parser, public for the fuzz target (`fuzz/`).
pub use commands::import::parse_document as parse_import_document;
pub use exit::Code;

use clap::Parser as _;
use std::process::ExitCode;

/// Parses the process arguments, runs the command and returns its exit code (see [`Code`]).
///
/// Usage errors and malformed values exit 2 with clap's message; `--help` exits 0.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return exit::clap_error(&e),
    };
    ExitCode::from(run(cli) as u8)
}

/// Runs a parsed command line on a fresh single-threaded runtime and returns its [`Code`].
/// Errors are printed on stderr as one line, `error: …`.
pub fn run(cli: Cli) -> Code {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Code::Failure;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::code_of(&e)
        }
    }
}
