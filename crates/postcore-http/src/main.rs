//! The `postcore` server binary: a thin shim over [`postcore_http::cli`].

use clap::Parser as _;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    match postcore_http::cli::run(postcore_http::cli::Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("postcore: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
