//! The dependency rules of `../shared/design.md`, checked on every manifest and on the
//! resolved graph: which internal crates each crate may use, and which crates each must
//! never name or reach. Each rule is also tried on a planted violation.

use crate::graph::{ALL_KINDS, Declared, Graph, Kind, workspace};
use std::collections::{BTreeMap, BTreeSet};

/// Internal crates each crate may depend on (normal, build and dev dependencies; a crate
/// may also name itself as a dev-dependency, to test with a feature on), from
/// `../shared/design.md`: domain → nothing; api → domain; store → domain;
/// platforms → domain; refresh → domain, store, platforms; http → domain, api, store,
/// platforms, refresh, cli-extras; admin → domain, api, store, platforms, refresh,
/// cli-extras; cli-extras (completions and man pages from a clap definition) → none;
/// tests → all; xtask → none (`cargo xtask man` runs the binaries' hidden `man`).
/// powerloss (test support, an SQLite VFS) → none; only the store's tests use it.
fn allowed_edges() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let layer = ["postcore-domain", "postcore-api", "postcore-store"];
    let services = [
        &layer[..],
        &[
            "postcore-platforms",
            "postcore-refresh",
            "postcore-cli-extras",
        ],
    ]
    .concat();
    let everything = [&services[..], &["postcore-http", "postcore-admin"]].concat();
    BTreeMap::from([
        ("postcore-domain", BTreeSet::new()),
        ("postcore-api", BTreeSet::from(["postcore-domain"])),
        (
            "postcore-store",
            BTreeSet::from(["postcore-domain", "postcore-powerloss"]),
        ),
        ("postcore-powerloss", BTreeSet::new()),
        ("postcore-cli-extras", BTreeSet::new()),
        ("postcore-platforms", BTreeSet::from(["postcore-domain"])),
        (
            "postcore-refresh",
            BTreeSet::from(["postcore-domain", "postcore-store", "postcore-platforms"]),
        ),
        ("postcore-http", services.iter().copied().collect()),
        ("postcore-admin", services.iter().copied().collect()),
        ("postcore-tests", everything.iter().copied().collect()),
        ("xtask", BTreeSet::new()),
    ])
}

/// The only crates postcore-domain may name in its manifest (normal, build or optional
/// dependencies), from `../shared/design.md`: anything else needs the design changed first.
const DOMAIN_MAY_DEPEND_ON: &[&str] = &["chrono", "thiserror", "getrandom", "serde", "uuid"];

/// The only crates postcore-api may name in its manifest (normal, build or optional
/// dependencies), from `../shared/design.md`: the wire JSON is the domain plus serde, so
/// that any service (or a client) can use it without the store or a web stack; `secrecy`
/// holds the app password of a connect request, so that it never reaches a `Debug` line;
/// `utoipa`, optional (feature `openapi`), derives the OpenAPI schemas of the same types for
/// the server's document.
const API_MAY_DEPEND_ON: &[&str] = &["postcore-domain", "serde", "secrecy", "utoipa"];

/// Database drivers, SQLite's and Postgres's: design.md, "postcore-store is the only crate
/// that names rusqlite or a Postgres driver".
pub const DATABASE_DRIVERS: &[&str] = &[
    "rusqlite",
    "libsqlite3-sys",
    "r2d2_sqlite",
    "rusqlite_migration",
    "sqlite",
    "sqlite3-sys",
    "tokio-postgres",
    "postgres",
    "postgres-types",
    "postgres-protocol",
    "deadpool-postgres",
    "bb8-postgres",
    // The Postgres backend's migration runner drives the driver itself.
    "refinery",
    "refinery-core",
    "sqlx",
    "sqlx-core",
    "sqlx-sqlite",
    "sqlx-postgres",
    "diesel",
];

/// Crates that mean IO, async, networking, web or a database: never anywhere in
/// postcore-domain's resolved dependency graph, nor named in its source.
pub const FORBIDDEN_IN_DOMAIN: &[&str] = &[
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

/// Web servers: what "no actix" means in design.md, for admin, platforms and refresh.
const WEB_SERVERS: &[&str] = &[
    "actix-web",
    "actix-http",
    "actix-server",
    "actix-rt",
    "axum",
];

/// Crates postcore-admin must never reach (design.md: admin never depends on http or
/// actix-web), anywhere in its resolved graph, its tests' included. `hyper` is not among
/// them: it is the HTTP client beneath reqwest, which admin reaches through
/// postcore-platforms (design.md: admin → platforms, to re-verify stored credentials).
const FORBIDDEN_IN_ADMIN: &[&[&str]] = &[&["postcore-http"], WEB_SERVERS];

/// Crates postcore-platforms must never reach (design.md: platform clients know HTTP as
/// clients only: no store, no actix), anywhere in its resolved graph.
const FORBIDDEN_IN_PLATFORMS: &[&[&str]] = &[
    &["postcore-store", "postcore-http", "postcore-api"],
    WEB_SERVERS,
    DATABASE_DRIVERS,
];

/// Crates the token refresher must never reach (design.md: it runs in the server and the
/// admin CLI alike, so it knows neither), anywhere in its resolved graph. (Not clap: the
/// workspace graph unifies features, and admin turns on the store's `clap` feature.)
const FORBIDDEN_IN_REFRESH: &[&[&str]] = &[
    &["postcore-http", "postcore-admin", "postcore-api"],
    WEB_SERVERS,
];

/// Crates that `member` must neither name in its manifest nor reach in the graph.
struct Rule<'a> {
    member: &'a str,
    /// The forbidden crates, in groups.
    forbidden: &'a [&'a [&'a str]],
    /// The tables of `member`'s own manifest the rule covers; beyond `member`, the walk
    /// follows normal dependencies.
    tables: &'a [Kind],
    /// Crates through which a forbidden crate may be reached: reported if forbidden, never
    /// walked through.
    through: &'a [&'a str],
}

impl<'a> Rule<'a> {
    /// `member` itself (its normal and build dependencies, not its tests) must neither
    /// name nor reach `forbidden`.
    fn of_crate(member: &'a str, forbidden: &'a [&'a [&'a str]]) -> Self {
        Rule {
            member,
            forbidden,
            tables: &[Kind::Normal, Kind::Build],
            through: &[],
        }
    }

    /// What breaks the rule in `manifests` and `graph`, one line per forbidden crate.
    fn violations(&self, manifests: &BTreeMap<String, Declared>, graph: &Graph) -> Vec<String> {
        let member = self.member;
        let named = manifests[member]
            .iter()
            .filter(|(name, kind)| self.tables.contains(kind) && self.is_forbidden(name))
            .map(|(name, kind)| format!("{member}'s manifest names {name} ({kind:?})"));
        let reached = graph
            .reachable(member, self.tables, self.through)
            .into_iter()
            .filter(|name| self.is_forbidden(name))
            .map(|name| match self.through {
                [] => format!("{member} reaches {name}"),
                via => format!("{member} reaches {name} other than through {via:?}"),
            });
        named.chain(reached).collect()
    }

    fn is_forbidden(&self, name: &str) -> bool {
        self.forbidden.iter().any(|group| group.contains(&name))
    }
}

/// The crate names in `declared` (not dev-dependencies) outside `allowed`.
fn named_outside(declared: &Declared, allowed: &[&str]) -> Vec<String> {
    declared
        .iter()
        .filter(|(name, kind)| *kind != Kind::Dev && !allowed.contains(&name.as_str()))
        .map(|(name, _)| name.clone())
        .collect()
}

/// Internal edges (`member -> dependency`) that `allowed` does not list.
fn edges_against_design(
    manifests: &BTreeMap<String, Declared>,
    allowed: &BTreeMap<&str, BTreeSet<&str>>,
) -> Vec<String> {
    let mut wrong = Vec::new();
    for (member, declared) in manifests {
        for (dep, kind) in declared {
            let internal = manifests.contains_key(dep);
            let itself_for_tests = dep == member && *kind == Kind::Dev;
            if internal && !itself_for_tests && !allowed[member.as_str()].contains(dep.as_str()) {
                wrong.push(format!("{member} -> {dep}"));
            }
        }
    }
    wrong
}

/// Checks `rule` on the workspace, after checking that the walk from its member reaches
/// `known` (so that an empty walk cannot pass).
fn holds(rule: &Rule, known: &[&str]) {
    let ws = workspace();
    let reached = ws.graph.reachable(rule.member, rule.tables, rule.through);
    let missing: Vec<_> = known.iter().filter(|k| !reached.contains(**k)).collect();
    assert!(
        missing.is_empty(),
        "the walk missed {missing:?}: {reached:?}"
    );
    let bad = rule.violations(&ws.manifests, &ws.graph);
    assert!(bad.is_empty(), "against the design: {bad:#?}");
}

#[test]
fn internal_crates_depend_only_in_the_documented_direction() {
    let ws = workspace();
    let allowed = allowed_edges();
    assert_eq!(
        ws.manifests.keys().map(String::as_str).collect::<Vec<_>>(),
        allowed.keys().copied().collect::<Vec<_>>(),
        "workspace members changed: update the tidy rules with the design"
    );
    let wrong = edges_against_design(&ws.manifests, &allowed);
    assert!(
        wrong.is_empty(),
        "dependency edges against the design: {wrong:?}"
    );
}

#[test]
fn the_domain_crate_has_no_io_async_web_or_database_dependency() {
    let declared = named_outside(
        &workspace().manifests["postcore-domain"],
        DOMAIN_MAY_DEPEND_ON,
    );
    assert!(
        declared.is_empty(),
        "postcore-domain names {declared:?}: not in the design's list"
    );
    holds(&domain_rule(), &["chrono", "thiserror"]);
}

fn domain_rule() -> Rule<'static> {
    Rule::of_crate("postcore-domain", &[FORBIDDEN_IN_DOMAIN])
}

#[test]
fn the_wire_types_depend_only_on_the_domain_serde_secrecy_and_utoipa() {
    let declared = named_outside(&workspace().manifests["postcore-api"], API_MAY_DEPEND_ON);
    assert!(
        declared.is_empty(),
        "postcore-api names {declared:?}: the wire JSON may use only {API_MAY_DEPEND_ON:?}"
    );
}

#[test]
fn the_admin_cli_and_its_tests_never_reach_the_web_stack() {
    holds(&admin_rule(), &["postcore-store", "tempfile"]);
}

fn admin_rule() -> Rule<'static> {
    Rule {
        member: "postcore-admin",
        forbidden: FORBIDDEN_IN_ADMIN,
        tables: ALL_KINDS,
        through: &[],
    }
}

#[test]
fn the_platform_clients_reach_no_store_and_no_web_server() {
    let rule = Rule::of_crate("postcore-platforms", FORBIDDEN_IN_PLATFORMS);
    holds(&rule, &["reqwest", "postcore-domain"]);
}

#[test]
fn the_refresher_reaches_no_web_server_and_no_binary() {
    let rule = Rule::of_crate("postcore-refresh", FORBIDDEN_IN_REFRESH);
    holds(&rule, &["postcore-store", "reqwest"]);
}

/// Members that may name a database driver: design.md, "postcore-store is the only crate
/// that names rusqlite or a Postgres driver"; and `postcore-powerloss`, the store's
/// test-support SQLite VFS on `rusqlite::ffi`, which only the store's dev-dependencies name
/// (`allowed_edges`).
const DRIVER_USERS: &[&str] = &["postcore-store", "postcore-powerloss"];

/// design.md: "postcore-store is the only crate that names rusqlite or a Postgres driver".
/// Every other member, its tests and build script included, names none in its manifest
/// and reaches one only through postcore-store. (Its source: `source.rs`.)
fn driver_rule(member: &str) -> Rule<'_> {
    Rule {
        member,
        forbidden: &[DATABASE_DRIVERS],
        tables: ALL_KINDS,
        through: &["postcore-store"],
    }
}

#[test]
fn only_the_store_names_or_reaches_a_database_driver() {
    let ws = workspace();
    let store = ws.graph.reachable("postcore-store", &[Kind::Normal], &[]);
    assert!(
        [
            "rusqlite",
            "libsqlite3-sys",
            "tokio-postgres",
            "deadpool-postgres",
            "refinery"
        ]
        .iter()
        .all(|driver| store.contains(*driver)),
        "the driver list names none of the store's drivers: {store:?}"
    );
    let bad: Vec<_> = ws
        .manifests
        .keys()
        .filter(|member| !DRIVER_USERS.contains(&member.as_str()))
        .flat_map(|member| driver_rule(member).violations(&ws.manifests, &ws.graph))
        .collect();
    assert!(
        bad.is_empty(),
        "database drivers outside the store: {bad:#?}"
    );
    assert!(
        ws.graph
            .reachable("postcore-http", ALL_KINDS, &["postcore-store"])
            .contains("postcore-store"),
        "the walk from postcore-http missed the store"
    );
}

/// What `rule` reports when its member's manifest is `declared` (every other member's
/// empty) and the graph is `edges`.
fn reported(rule: &Rule, declared: &[(&str, Kind)], edges: &[(&str, &str, Kind)]) -> Vec<String> {
    let mut manifests: BTreeMap<String, Declared> = allowed_edges()
        .keys()
        .map(|m| (m.to_string(), Vec::new()))
        .collect();
    manifests.insert(
        rule.member.to_owned(),
        declared.iter().map(|(n, k)| (n.to_string(), *k)).collect(),
    );
    rule.violations(&manifests, &Graph::from_edges(edges))
}

/// A planted violation: the rule, its member's manifest, the graph, and what is reported.
type Planted<'a> = (
    Rule<'a>,
    &'a [(&'a str, Kind)],
    &'a [(&'a str, &'a str, Kind)],
    &'a [&'a str],
);

#[test]
fn every_rule_reports_its_planted_violations() {
    let http = || driver_rule("postcore-http");
    let cases: [Planted; 6] = [
        // A driver in http's manifest, whichever table names it.
        (
            http(),
            &[("rusqlite", Kind::Normal)],
            &[],
            &["postcore-http's manifest names rusqlite (Normal)"],
        ),
        (
            http(),
            &[("rusqlite", Kind::Dev)],
            &[],
            &["postcore-http's manifest names rusqlite (Dev)"],
        ),
        (
            http(),
            &[("sqlx", Kind::Build)],
            &[],
            &["postcore-http's manifest names sqlx (Build)"],
        ),
        // A driver reached through another crate than the store; the store's own is fine.
        (
            http(),
            &[],
            &[
                ("postcore-http", "postcore-store", Kind::Normal),
                ("postcore-store", "rusqlite", Kind::Normal),
                ("postcore-http", "pool", Kind::Normal),
                ("pool", "tokio-postgres", Kind::Normal),
            ],
            &[r#"postcore-http reaches tokio-postgres other than through ["postcore-store"]"#],
        ),
        // actix in admin's tests, named or reached.
        (
            admin_rule(),
            &[("actix-rt", Kind::Dev)],
            &[
                ("postcore-admin", "helper", Kind::Dev),
                ("helper", "actix-web", Kind::Normal),
            ],
            &[
                "postcore-admin's manifest names actix-rt (Dev)",
                "postcore-admin reaches actix-web",
            ],
        ),
        // IO under the domain, deep in the graph or in its build script.
        (
            domain_rule(),
            &[("tempfile", Kind::Build)],
            &[
                ("postcore-domain", "chrono", Kind::Normal),
                ("chrono", "innocent", Kind::Normal),
                ("innocent", "tokio", Kind::Normal),
            ],
            &[
                "postcore-domain's manifest names tempfile (Build)",
                "postcore-domain reaches tokio",
            ],
        ),
    ];
    for (rule, declared, edges, expected) in &cases {
        assert_eq!(
            reported(rule, declared, edges),
            *expected,
            "{declared:?} {edges:?}"
        );
    }
    let declared = vec![("tempfile".to_owned(), Kind::Build)];
    assert_eq!(named_outside(&declared, DOMAIN_MAY_DEPEND_ON), ["tempfile"]);
}

#[test]
fn an_internal_edge_against_the_design_is_reported() {
    let mut manifests: BTreeMap<String, Declared> = allowed_edges()
        .keys()
        .map(|m| (m.to_string(), Vec::new()))
        .collect();
    manifests.insert(
        "postcore-admin".to_owned(),
        vec![
            ("postcore-store".to_owned(), Kind::Normal),
            ("postcore-http".to_owned(), Kind::Dev),
        ],
    );
    assert_eq!(
        edges_against_design(&manifests, &allowed_edges()),
        ["postcore-admin -> postcore-http"]
    );
}
