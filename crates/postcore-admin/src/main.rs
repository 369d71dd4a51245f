//! The `postcore-admin` operator CLI.
fn main() {
    eprintln!("postcore-admin: the CLI arrives with the admin issue");
    std::process::exit(2);
}
