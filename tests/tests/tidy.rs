//! Tidy checks over the whole workspace: file headers and crate dependency direction.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_starts_with_a_module_doc_line() {
    let root = workspace_root();
    let mut files = Vec::new();
    for dir in ["crates", "tests", "xtask"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10, "found only {} files", files.len());
    let offenders: Vec<_> = files
        .iter()
        .filter(|f| !std::fs::read_to_string(f).unwrap().starts_with("//!"))
        .map(|f| f.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "files without a leading `//!` line: {offenders:?}"
    );
}

/// Internal crates each crate may depend on (normal, build and dev dependencies; a crate
/// may also name itself as a dev-dependency, to test with a feature on), from
/// `../shared/design.md`: domain → nothing; api → domain; store → domain;
/// platforms → domain; refresh → domain, store, platforms; http → domain, api, store,
/// platforms, refresh; admin → domain, api, store, platforms, refresh; tests → all;
/// xtask → none. powerloss (test support, an SQLite VFS) → none; only the store's tests use it.
fn allowed_edges() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    BTreeMap::from([
        ("postcore-domain", BTreeSet::new()),
        ("postcore-api", BTreeSet::from(["postcore-domain"])),
        (
            "postcore-store",
            BTreeSet::from(["postcore-domain", "postcore-powerloss"]),
        ),
        ("postcore-powerloss", BTreeSet::new()),
        ("postcore-platforms", BTreeSet::from(["postcore-domain"])),
        (
            "postcore-refresh",
            BTreeSet::from(["postcore-domain", "postcore-store", "postcore-platforms"]),
        ),
        (
            "postcore-http",
            BTreeSet::from([
                "postcore-domain",
                "postcore-api",
                "postcore-store",
                "postcore-platforms",
                "postcore-refresh",
            ]),
        ),
        (
            "postcore-admin",
            BTreeSet::from([
                "postcore-domain",
                "postcore-api",
                "postcore-store",
                "postcore-platforms",
                "postcore-refresh",
            ]),
        ),
        (
            "postcore-tests",
            BTreeSet::from([
                "postcore-domain",
                "postcore-api",
                "postcore-store",
                "postcore-http",
                "postcore-admin",
                "postcore-platforms",
                "postcore-refresh",
            ]),
        ),
        ("xtask", BTreeSet::new()),
    ])
}

/// The only crates postcore-domain may name in its manifest (normal, build or optional
/// dependencies), from `../shared/design.md`: anything else needs the design changed first.
const DOMAIN_MAY_DEPEND_ON: &[&str] = &["chrono", "thiserror", "getrandom", "serde", "uuid"];

/// The only crates postcore-api may name in its manifest (normal, build or optional
/// dependencies), from `../shared/design.md`: the wire JSON is the domain plus serde, so
/// that any service (or a client) can use it without the store or a web stack; `secrecy`
/// holds the app password of a connect request, so that it never reaches a `Debug` line.
const API_MAY_DEPEND_ON: &[&str] = &["postcore-domain", "serde", "secrecy"];

/// Crates that mean IO, async, networking, web or a database: never anywhere in
/// postcore-domain's resolved dependency graph.
const FORBIDDEN_IN_DOMAIN: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "futures",
    "futures-util",
    "futures-io",
    "futures-core",
    "async-trait",
    "mio",
    "socket2",
    "http",
    "http-body",
    "h2",
    "hyper",
    "hyper-util",
    "tower",
    "actix-web",
    "actix-rt",
    "actix-http",
    "actix-server",
    "axum",
    "reqwest",
    "ureq",
    "rusqlite",
    "libsqlite3-sys",
    "sqlx",
    "postgres",
    "tokio-postgres",
    "diesel",
    "r2d2",
    "r2d2_sqlite",
    "deadpool",
    "tracing",
    "log",
    "tempfile",
    "walkdir",
];

/// Web crates postcore-admin must never reach (design.md: admin never depends on http or
/// actix-web), anywhere in its resolved graph. `hyper` is not among them: it is the HTTP
/// client beneath reqwest, which admin reaches through postcore-platforms (design.md:
/// admin → platforms, to re-verify stored credentials).
const FORBIDDEN_IN_ADMIN: &[&str] = &[
    "postcore-http",
    "actix-web",
    "actix-http",
    "actix-server",
    "actix-rt",
    "axum",
];

/// Crates postcore-platforms must never reach (design.md: platform clients know HTTP as
/// clients only: no store, no actix), anywhere in its resolved graph.
const FORBIDDEN_IN_PLATFORMS: &[&str] = &[
    "postcore-store",
    "postcore-http",
    "postcore-api",
    "actix-web",
    "actix-http",
    "actix-server",
    "actix-rt",
    "axum",
    "rusqlite",
    "libsqlite3-sys",
    "tokio-postgres",
];

/// Crates the token refresher must never reach (design.md: it runs in the server and the
/// admin CLI alike, so it knows neither), anywhere in its resolved graph. (Not clap: the
/// workspace graph unifies features, and admin turns on the store's `clap` feature.)
const FORBIDDEN_IN_REFRESH: &[&str] = &[
    "postcore-http",
    "postcore-admin",
    "postcore-api",
    "actix-web",
    "actix-http",
    "actix-server",
    "actix-rt",
    "axum",
];

/// The host's target triple, from `rustc -vV`.
fn host_triple() -> String {
    let out = std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-vV")
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .unwrap()
}

/// Workspace metadata resolved for the host platform only (dependencies of other targets,
/// such as wasm, would otherwise show up in the graph).
fn metadata() -> cargo_metadata::Metadata {
    cargo_metadata::MetadataCommand::new()
        .manifest_path(workspace_root().join("Cargo.toml"))
        .other_options(vec!["--filter-platform".to_owned(), host_triple()])
        .exec()
        .unwrap()
}

#[test]
fn internal_crates_depend_only_in_the_documented_direction() {
    let meta = metadata();
    let allowed = allowed_edges();
    let members: BTreeSet<_> = meta
        .workspace_packages()
        .iter()
        .map(|p| p.name.to_string())
        .collect();
    assert_eq!(
        members,
        allowed.keys().map(|s| s.to_string()).collect(),
        "workspace members changed: update the tidy rules with the design"
    );
    let mut wrong = Vec::new();
    for pkg in meta.workspace_packages() {
        for dep in &pkg.dependencies {
            let internal = members.contains(&dep.name);
            let itself_for_tests = dep.name == pkg.name.as_str()
                && dep.kind == cargo_metadata::DependencyKind::Development;
            if internal
                && !itself_for_tests
                && !allowed[pkg.name.as_str()].contains(dep.name.as_str())
            {
                wrong.push(format!("{} -> {}", pkg.name, dep.name));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "dependency edges against the design: {wrong:?}"
    );
}

/// Names of every crate reachable from workspace member `member` through normal
/// dependencies in the resolved (host-platform) graph.
fn resolved_normal_dependencies(meta: &cargo_metadata::Metadata, member: &str) -> BTreeSet<String> {
    resolved_dependencies(meta, member, &[cargo_metadata::DependencyKind::Normal])
}

/// Names of every crate reachable from workspace member `member` in the resolved
/// (host-platform) graph: through the dependency kinds `first` from `member` itself, then
/// through normal dependencies (what those crates are built with).
fn resolved_dependencies(
    meta: &cargo_metadata::Metadata,
    member: &str,
    first: &[cargo_metadata::DependencyKind],
) -> BTreeSet<String> {
    let resolve = meta.resolve.as_ref().unwrap();
    let start = meta
        .workspace_packages()
        .into_iter()
        .find(|p| p.name.as_str() == member)
        .unwrap()
        .id
        .clone();
    let nodes: BTreeMap<_, _> = resolve.nodes.iter().map(|n| (n.id.clone(), n)).collect();
    let mut seen = BTreeSet::new();
    let mut stack = vec![start.clone()];
    while let Some(id) = stack.pop() {
        for dep in &nodes[&id].deps {
            let follow = dep.dep_kinds.iter().any(|k| {
                k.kind == cargo_metadata::DependencyKind::Normal
                    || (id == start && first.contains(&k.kind))
            });
            if follow && seen.insert(dep.pkg.clone()) {
                stack.push(dep.pkg.clone());
            }
        }
    }
    seen.iter().map(|id| meta[id].name.to_string()).collect()
}

/// The crates of `names` that are in `forbidden`.
fn among<'a>(names: &'a BTreeSet<String>, forbidden: &[&str]) -> Vec<&'a String> {
    names
        .iter()
        .filter(|n| forbidden.contains(&n.as_str()))
        .collect()
}

/// The names in workspace member `member`'s manifest (normal, build and optional
/// dependencies; not dev-dependencies) that are not in `allowed`.
fn declared_dependencies_outside(
    meta: &cargo_metadata::Metadata,
    member: &str,
    allowed: &[&str],
) -> Vec<String> {
    let package = meta
        .workspace_packages()
        .into_iter()
        .find(|p| p.name.as_str() == member)
        .unwrap();
    assert!(
        !package.dependencies.is_empty(),
        "{member} declares no dependency at all: the check would be empty"
    );
    // Optional ones included: a feature could switch them on.
    package
        .dependencies
        .iter()
        .filter(|d| d.kind != cargo_metadata::DependencyKind::Development)
        .map(|d| d.name.clone())
        .filter(|n| !allowed.contains(&n.as_str()))
        .collect()
}

#[test]
fn the_domain_crate_has_no_io_async_web_or_database_dependency() {
    let meta = metadata();
    let declared = declared_dependencies_outside(&meta, "postcore-domain", DOMAIN_MAY_DEPEND_ON);
    assert!(
        declared.is_empty(),
        "postcore-domain names {declared:?}: not in the design's list"
    );
    let names = resolved_normal_dependencies(&meta, "postcore-domain");
    let bad = among(&names, FORBIDDEN_IN_DOMAIN);
    assert!(bad.is_empty(), "postcore-domain depends on {bad:?}");
    assert!(
        names.contains("chrono"),
        "the walk found nothing: {names:?}"
    );
}

#[test]
fn the_wire_types_depend_only_on_the_domain_serde_and_secrecy() {
    let meta = metadata();
    let declared = declared_dependencies_outside(&meta, "postcore-api", API_MAY_DEPEND_ON);
    assert!(
        declared.is_empty(),
        "postcore-api names {declared:?}: the wire JSON may use only {API_MAY_DEPEND_ON:?}"
    );
}

#[test]
fn the_admin_cli_never_reaches_the_web_stack() {
    let meta = metadata();
    let names = resolved_normal_dependencies(&meta, "postcore-admin");
    let bad = among(&names, FORBIDDEN_IN_ADMIN);
    assert!(bad.is_empty(), "postcore-admin depends on {bad:?}");
    assert!(
        names.contains("postcore-store"),
        "the walk found nothing: {names:?}"
    );
}

#[test]
fn the_admin_cli_tests_never_reach_the_web_stack() {
    let meta = metadata();
    let kinds = [
        cargo_metadata::DependencyKind::Normal,
        cargo_metadata::DependencyKind::Development,
        cargo_metadata::DependencyKind::Build,
    ];
    let names = resolved_dependencies(&meta, "postcore-admin", &kinds);
    let bad = among(&names, FORBIDDEN_IN_ADMIN);
    assert!(
        bad.is_empty(),
        "postcore-admin's tests or build depend on {bad:?}"
    );
    assert!(
        names.contains("tempfile"),
        "the walk missed the dev-dependencies: {names:?}"
    );
}

#[test]
fn the_platform_clients_reach_no_store_and_no_web_server() {
    let meta = metadata();
    let names = resolved_normal_dependencies(&meta, "postcore-platforms");
    let bad = among(&names, FORBIDDEN_IN_PLATFORMS);
    assert!(bad.is_empty(), "postcore-platforms depends on {bad:?}");
    assert!(
        names.contains("reqwest") && names.contains("postcore-domain"),
        "the walk found nothing: {names:?}"
    );
}

#[test]
fn the_refresher_reaches_no_web_server_and_no_binary() {
    let meta = metadata();
    let names = resolved_normal_dependencies(&meta, "postcore-refresh");
    let bad = among(&names, FORBIDDEN_IN_REFRESH);
    assert!(bad.is_empty(), "postcore-refresh depends on {bad:?}");
    assert!(
        names.contains("postcore-store") && names.contains("reqwest"),
        "the walk found nothing: {names:?}"
    );
}
