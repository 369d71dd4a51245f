//! Where the workspace's binaries are, for tests that drive both `postcore` and `postcore-admin`.
//!
//! Cargo names a package's own binaries to its integration tests (`CARGO_BIN_EXE_<name>`),
//! and a test that needs one binary lives with it (`crates/postcore-http/tests`,
//! `crates/postcore-admin/tests`). This crate owns neither, so a test here that drives both
//! finds them beside its own executable: `cargo test --workspace` (and so `cargo xtask ci`)
//! builds every binary before it runs any test, because both packages have integration
//! tests. Nothing here runs cargo.

use std::path::{Path, PathBuf};

/// The executable `name` (`"postcore"` or `"postcore-admin"`) of this build:
/// `target/<profile>/<name>`, beside the test executables in `target/<profile>/deps/`.
///
/// `cargo test -p postcore-tests` alone builds no other package's binaries: it uses those
/// of the last `cargo build` or `cargo test --workspace`, as they are.
///
/// # Panics
/// When the executable is missing, naming the command that builds it.
pub fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    // target/<profile>/deps/<test> → target/<profile>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executables live in target/<profile>/deps");
    let path = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "no {name} at {}: build the binaries first with `cargo build --workspace --bins` \
         (`cargo test --workspace` and `cargo xtask ci` do)",
        path.display()
    );
    path
}
