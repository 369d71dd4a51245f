//! `linkedin-standin`: the LinkedIn OAuth stand-in as a process, to click through the
//! connect flow in a real browser.
//!
//! `linkedin-standin [--listen 127.0.0.1:0] [--interactive]` prints `listening on
//! http://127.0.0.1:PORT` as its first line on stdout, then the settings that point
//! `postcore serve` at it (client id and secret, the four endpoint URLs) as
//! `NAME=value` lines, and serves until killed. With `--interactive` the authorize
//! endpoint shows a page with Allow and Deny links instead of redirecting straight back.
//! The client secret printed is the stand-in's own fixed test value, not a real one.

use postcore_tests::linkedin::LinkedInStandIn;
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "usage: linkedin-standin [--listen ADDR] [--interactive]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut listen = "127.0.0.1:0".to_owned();
    let mut interactive = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--interactive" => interactive = true,
            "--listen" => match args.next() {
                Some(address) => listen = address,
                None => return usage(),
            },
            _ => return usage(),
        }
    }
    let listener = match std::net::TcpListener::bind(&listen) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("linkedin-standin: cannot listen on {listen}: {error}");
            return ExitCode::from(1);
        }
    };
    let stand_in = LinkedInStandIn::start_on(listener, interactive).await;
    println!("listening on {}", stand_in.url());
    println!("POSTCORE_LINKEDIN_CLIENT_ID={}", LinkedInStandIn::CLIENT_ID);
    println!(
        "POSTCORE_LINKEDIN_CLIENT_SECRET={}",
        LinkedInStandIn::CLIENT_SECRET
    );
    println!(
        "POSTCORE_LINKEDIN_AUTHORIZE_URL={}",
        stand_in.authorize_url()
    );
    println!("POSTCORE_LINKEDIN_TOKEN_URL={}", stand_in.token_url());
    println!("POSTCORE_LINKEDIN_USERINFO_URL={}", stand_in.userinfo_url());
    println!("POSTCORE_LINKEDIN_REVOKE_URL={}", stand_in.revoke_url());
    let _ = std::io::stdout().flush();
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}
