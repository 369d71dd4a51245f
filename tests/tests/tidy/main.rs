//! Tidy checks over the whole workspace: the invariants of ARCHITECTURE.md that a compiler
//! cannot check — file headers, dependency direction and forbidden crates (manifests and
//! the resolved graph), and source scans (the pure domain, SQL and drivers in the store).

mod dependencies;
mod graph;
mod rust_text;
mod source;

use std::path::{Path, PathBuf};

/// The workspace's root directory.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every file of the workspace whose extension is in `extensions`, as (path relative to
/// the root, `/`-separated; full path); hidden directories, `target` and `vendor` (patched
/// copies of other projects' crates, kept as released) are skipped.
fn workspace_files(extensions: &[&str]) -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "target" && name != "vendor" && !name.starts_with('.') {
                    walk(&path, extensions, out);
                }
            } else if path
                .extension()
                .is_some_and(|e| extensions.iter().any(|x| e == *x))
            {
                out.push(path);
            }
        }
    }
    let root = workspace_root();
    let mut files = Vec::new();
    walk(&root, extensions, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(&root).unwrap().components();
            let name: Vec<_> = relative.map(|c| c.as_os_str().to_string_lossy()).collect();
            (name.join("/"), path)
        })
        .collect()
}

#[test]
fn every_rust_file_starts_with_a_module_doc_line() {
    let files = workspace_files(&["rs"]);
    assert!(files.len() > 100, "found only {} files", files.len());
    let offenders: Vec<_> = files
        .iter()
        .filter(|(_, path)| !std::fs::read_to_string(path).unwrap().starts_with("//!"))
        .map(|(name, _)| name)
        .collect();
    assert!(
        offenders.is_empty(),
        "files without a leading `//!` line: {offenders:?}"
    );
}
