//! The workspace's manifests and resolved dependency graph by crate name, read once, and
//! the walks over them: plain data, so that every rule also runs on a planted graph.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// The table a dependency is declared in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `[dependencies]`: the crate itself.
    Normal,
    /// `[dev-dependencies]`: its tests, examples and benches.
    Dev,
    /// `[build-dependencies]`: its build script.
    Build,
}

/// Every table: what a crate's tests and build script use as well as the crate.
pub const ALL_KINDS: &[Kind] = &[Kind::Normal, Kind::Dev, Kind::Build];

/// A manifest's dependencies: (crate name, table), optional and target-specific ones
/// included, renamed ones under their real name.
pub type Declared = Vec<(String, Kind)>;

/// A resolved graph: crate name → (dependency name → the tables it is reached through).
/// Versions of one crate share a node: the rules are about names.
#[derive(Debug, Default)]
pub struct Graph(BTreeMap<String, BTreeMap<String, BTreeSet<Kind>>>);

impl Graph {
    /// A graph of `(from, to, table)` edges: planted graphs, for the rules' own tests.
    pub fn from_edges(edges: &[(&str, &str, Kind)]) -> Self {
        let mut graph = Graph::default();
        for &(from, to, kind) in edges {
            graph.add(from, to, kind);
        }
        graph
    }

    fn add(&mut self, from: &str, to: &str, kind: Kind) {
        self.0
            .entry(from.to_owned())
            .or_default()
            .entry(to.to_owned())
            .or_default()
            .insert(kind);
    }

    /// Every crate reachable from `member`: through `first` tables out of `member`, then
    /// through normal dependencies (what those crates are built with). A crate in
    /// `stop_at` is reported but not walked through.
    pub fn reachable(&self, member: &str, first: &[Kind], stop_at: &[&str]) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![member.to_owned()];
        while let Some(name) = stack.pop() {
            let Some(deps) = self.0.get(&name) else {
                continue;
            };
            for (dep, kinds) in deps {
                let follow = kinds
                    .iter()
                    .any(|k| *k == Kind::Normal || (name == member && first.contains(k)));
                if follow && seen.insert(dep.clone()) && !stop_at.contains(&dep.as_str()) {
                    stack.push(dep.clone());
                }
            }
        }
        seen
    }
}

/// The workspace as the dependency rules see it.
pub struct Workspace {
    /// Each member's manifest.
    pub manifests: BTreeMap<String, Declared>,
    /// The graph resolved for the host platform (dependencies of other targets, such as
    /// wasm, would otherwise show up).
    pub graph: Graph,
}

/// The workspace, read once per test binary from `cargo metadata`.
pub fn workspace() -> &'static Workspace {
    static WORKSPACE: OnceLock<Workspace> = OnceLock::new();
    WORKSPACE.get_or_init(read_workspace)
}

fn kind(kind: cargo_metadata::DependencyKind) -> Kind {
    match kind {
        cargo_metadata::DependencyKind::Development => Kind::Dev,
        cargo_metadata::DependencyKind::Build => Kind::Build,
        // Unknown kinds are held to the strictest rules.
        _ => Kind::Normal,
    }
}

fn read_workspace() -> Workspace {
    let meta = cargo_metadata::MetadataCommand::new()
        .manifest_path(crate::workspace_root().join("Cargo.toml"))
        .other_options(vec!["--filter-platform".to_owned(), host_triple()])
        .exec()
        .unwrap();
    let manifests = meta
        .workspace_packages()
        .iter()
        .map(|p| {
            let declared = p
                .dependencies
                .iter()
                .map(|d| (d.name.clone(), kind(d.kind)))
                .collect();
            (p.name.to_string(), declared)
        })
        .collect();
    let mut graph = Graph::default();
    for node in &meta.resolve.as_ref().unwrap().nodes {
        for dep in &node.deps {
            for k in &dep.dep_kinds {
                graph.add(&meta[&node.id].name, &meta[&dep.pkg].name, kind(k.kind));
            }
        }
    }
    Workspace { manifests, graph }
}

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

#[test]
fn a_walk_follows_the_first_tables_from_the_member_and_normal_ones_beyond() {
    let graph = Graph::from_edges(&[
        ("member", "lib", Kind::Normal),
        ("member", "test-helper", Kind::Dev),
        ("lib", "deep", Kind::Normal),
        ("lib", "lib-test-helper", Kind::Dev),
        ("lib", "stop", Kind::Normal),
        ("stop", "beyond", Kind::Normal),
    ]);
    let names = |set: BTreeSet<String>| set.into_iter().collect::<Vec<_>>();
    assert_eq!(
        names(graph.reachable("member", &[Kind::Normal], &[])),
        ["beyond", "deep", "lib", "stop"]
    );
    assert_eq!(
        names(graph.reachable("member", ALL_KINDS, &["stop"])),
        ["deep", "lib", "stop", "test-helper"]
    );
}
