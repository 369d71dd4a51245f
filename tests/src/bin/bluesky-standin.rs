//! `bluesky-standin`: the Bluesky stand-in as a process, for the crash tool and the bench.
//!
//! `bluesky-standin [--listen 127.0.0.1:0] [--account HANDLE:DID:APP_PASSWORD]…` prints
//! `listening on http://127.0.0.1:PORT` as its first line on stdout and serves createSession
//! until killed. DIDs hold colons: the handle is the text before the first `:`, the app
//! password the text after the last. Passwords are never printed.

use postcore_tests::bluesky::BlueskyStandIn;
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "usage: bluesky-standin [--listen ADDR] [--account HANDLE:DID:APP_PASSWORD]...";

/// An account given as `HANDLE:DID:APP_PASSWORD`.
fn account(spec: &str) -> Option<(&str, &str, &str)> {
    let (handle, rest) = spec.split_once(':')?;
    let (did, password) = rest.rsplit_once(':')?;
    let valid = !handle.is_empty() && did.starts_with("did:") && !password.is_empty();
    valid.then_some((handle, did, password))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut listen = "127.0.0.1:0".to_owned();
    let mut accounts = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--listen", Some(address)) => listen = address,
            ("--account", Some(spec)) => accounts.push(spec),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let listener = match std::net::TcpListener::bind(&listen) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("bluesky-standin: cannot listen on {listen}: {error}");
            return ExitCode::from(1);
        }
    };
    let stand_in = BlueskyStandIn::start_on(listener, false).await;
    for spec in &accounts {
        let Some((handle, did, password)) = account(spec) else {
            // The spec holds a password: name the rule, not the value.
            eprintln!("bluesky-standin: an --account is not HANDLE:DID:APP_PASSWORD\n{USAGE}");
            return ExitCode::from(2);
        };
        stand_in.add_account(handle, did, password);
    }
    println!("listening on {}", stand_in.url());
    let _ = std::io::stdout().flush();
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
