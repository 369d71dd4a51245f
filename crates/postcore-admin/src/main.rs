//! The `postcore-admin` binary: a thin shim over [`postcore_admin::main`].

fn main() -> std::process::ExitCode {
    postcore_admin::main()
}
