//! The `postcore` server binary (a thin shim over the library).
fn main() {
    eprintln!("postcore: the server arrives with the HTTP issue");
    std::process::exit(2);
}
