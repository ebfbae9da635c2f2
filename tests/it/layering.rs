//! Layering: the modules of src/ depend on each other one way only.
//!
//! A module "imports" another when one of its files names `crate::<other>` (src/main.rs, the
//! binary's shim, names the library as `migration_harness::` and counts as `cli`, whose entry
//! point `cli_main` it calls). Comment lines
//! are left out. The floors below (docs/ARCHITECTURE.md, "What may depend on what") say which
//! imports are allowed: a module may import any module of a lower floor, and of its own floor
//! only what `SAME_FLOOR` lists. Inside one module, files must not import each other in a
//! circle either (as far as `super::<file>` and `crate::<module>::<file>` paths say).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Bottom to top.
const FLOORS: &[&[&str]] = &[
    &["kinds", "value", "cypher", "io_error"],
    &["engine"],
    &["migrations"],
    &["scenario"],
    &["graph"],
    // Movers and checks: neither imports the other.
    &["transfer", "checks"],
    &["run"],
    &["report"],
    &["cli"],
];

/// Imports allowed between modules of one floor.
const SAME_FLOOR: &[(&str, &str)] = &[];

/// Imports that break the floors today and are being removed on other branches: (file, the
/// path it names). Each must still occur (the test fails when one is gone, so that it is taken
/// off this list).
const PENDING: &[(&str, &str)] = &[];

/// One file of src/: its path relative to src/ and its text.
struct Source {
    path: String,
    text: String,
}

fn read_sources() -> Vec<Source> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<Source>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("failed to read {}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("failed to read {}: {e}", path.display()));
                let rel = path.strip_prefix(root).expect("under src/");
                out.push(Source {
                    path: rel.to_string_lossy().replace('\\', "/"),
                    text,
                });
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

/// The top-level module a file belongs to (`run/native.rs` -> `run`; the binary is `cli`).
fn module_of(path: &str) -> String {
    let first = path.split('/').next().unwrap_or(path);
    match first.strip_suffix(".rs").unwrap_or(first) {
        "main" => "cli".to_owned(),
        m => m.to_owned(),
    }
}

/// Every `<prefix>::a::b::...` path in the file's non-comment lines, as its identifiers.
fn paths<'t>(text: &'t str, prefix: &str) -> Vec<Vec<&'t str>> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        let mut rest = line;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().next_back();
            let after = &rest[at + prefix.len()..];
            rest = after;
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let mut idents = Vec::new();
            let mut tail = after;
            while let Some(next) = tail.strip_prefix("::") {
                let len = next
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(next.len());
                if len == 0 {
                    break;
                }
                idents.push(&next[..len]);
                tail = &next[len..];
            }
            if !idents.is_empty() {
                out.push(idents);
            }
        }
    }
    out
}

fn floor_of(module: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&module))
}

fn allowed(from: &str, to: &str) -> bool {
    match (floor_of(from), floor_of(to)) {
        (Some(a), Some(b)) => b < a || (a == b && SAME_FLOOR.contains(&(from, to))),
        _ => false,
    }
}

/// The module imports of `sources`: (from, to) -> the files that make it, pending ones left out;
/// and which `PENDING` entries occurred.
type Edges = BTreeMap<(String, String), BTreeSet<String>>;

fn module_edges(sources: &[Source]) -> (Edges, BTreeSet<usize>) {
    let mut edges = Edges::new();
    let mut seen_pending = BTreeSet::new();
    for s in sources {
        let from = module_of(&s.path);
        let prefix = if s.path == "main.rs" {
            "migration_harness"
        } else {
            "crate"
        };
        for idents in paths(&s.text, prefix) {
            // The library's `cli_main` is the cli module's entry point.
            let to = if idents[0] == "cli_main" {
                "cli"
            } else {
                idents[0]
            };
            if to == from {
                continue;
            }
            let full = format!("crate::{}", idents.join("::"));
            let pending = PENDING
                .iter()
                .position(|(file, path)| *file == s.path && full.starts_with(path));
            if let Some(i) = pending {
                seen_pending.insert(i);
                continue;
            }
            edges
                .entry((from.clone(), to.to_owned()))
                .or_default()
                .insert(s.path.clone());
        }
    }
    (edges, seen_pending)
}

/// What breaks the floors, one line per import.
fn violations(edges: &Edges) -> Vec<String> {
    edges
        .iter()
        .filter(|((from, to), _)| !allowed(from, to))
        .map(|((from, to), files)| {
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            format!("{from} -> {to} (in {})", files.join(", "))
        })
        .collect()
}

/// A circle in a directed graph, if there is one.
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_owned(), 1);
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let at = stack.iter().position(|n| n == next).expect("on the stack");
                    let mut circle = stack[at..].to_vec();
                    circle.push(next.clone());
                    return Some(circle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(next, edges, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_owned(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in edges.keys() {
        if !state.contains_key(node.as_str()) {
            if let Some(c) = visit(node, edges, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

/// Imports between files of one top-level module (mod.rs files, which only declare and
/// re-export, left out), resolved to the longest path that is a file.
fn file_edges(sources: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
    let files: BTreeSet<&str> = sources.iter().map(|s| s.path.as_str()).collect();
    let resolve = |parts: &[&str]| -> Option<String> {
        let mut best = None;
        for i in 1..=parts.len() {
            let p = parts[..i].join("/");
            if files.contains(format!("{p}.rs").as_str()) {
                best = Some(format!("{p}.rs"));
            } else if files.contains(format!("{p}/mod.rs").as_str()) {
                best = Some(format!("{p}/mod.rs"));
            } else {
                break;
            }
        }
        best
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sources {
        if s.path.ends_with("mod.rs") || s.path == "lib.rs" || s.path == "main.rs" {
            continue;
        }
        let dir: Vec<&str> = s.path.split('/').collect();
        let dir = &dir[..dir.len() - 1];
        let mut targets: Vec<String> = paths(&s.text, "crate")
            .iter()
            .filter_map(|p| resolve(p))
            .collect();
        targets.extend(paths(&s.text, "super").iter().filter_map(|p| {
            let mut full = dir.to_vec();
            full.extend(p.iter().copied());
            resolve(&full)
        }));
        for t in targets {
            if t != s.path && !t.ends_with("mod.rs") && module_of(&t) == module_of(&s.path) {
                edges.entry(s.path.clone()).or_default().insert(t);
            }
        }
    }
    edges
}

#[test]
fn modules_import_only_lower_floors() {
    let sources = read_sources();
    assert!(
        sources.iter().any(|s| s.path == "lib.rs"),
        "src/ was not read"
    );
    let (edges, seen_pending) = module_edges(&sources);
    let bad = violations(&edges);
    assert!(
        bad.is_empty(),
        "imports against the floors (docs/ARCHITECTURE.md, \"What may depend on what\"):\n  {}",
        bad.join("\n  ")
    );
    let gone: Vec<String> = PENDING
        .iter()
        .enumerate()
        .filter(|(i, _)| !seen_pending.contains(i))
        .map(|(_, (file, path))| format!("{file}: {path}"))
        .collect();
    assert!(
        gone.is_empty(),
        "these pending imports are gone; take them off PENDING:\n  {}",
        gone.join("\n  ")
    );
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        graph.entry(from.clone()).or_default().insert(to.clone());
    }
    assert_eq!(find_cycle(&graph), None, "a circle between modules");
    for module in FLOORS.iter().flat_map(|f| f.iter()) {
        assert!(
            sources.iter().any(|s| module_of(&s.path) == *module),
            "FLOORS names {module}, which is not a module of src/"
        );
    }
    for s in &sources {
        let m = module_of(&s.path);
        assert!(
            m == "lib" || floor_of(&m).is_some(),
            "src/{} is in module {m}, which has no floor in FLOORS",
            s.path
        );
    }
}

#[test]
fn files_of_one_module_do_not_import_each_other_in_a_circle() {
    let edges = file_edges(&read_sources());
    assert!(
        edges.contains_key("run/native.rs"),
        "file imports were not found"
    );
    assert_eq!(
        find_cycle(&edges),
        None,
        "a circle between files of one module"
    );
}

fn fake(files: &[(&str, &str)]) -> Vec<Source> {
    files
        .iter()
        .map(|(path, text)| Source {
            path: (*path).to_owned(),
            text: (*text).to_owned(),
        })
        .collect()
}

#[test]
fn the_checks_catch_an_upward_import_and_a_circle() {
    let sources = fake(&[
        ("transfer/archive.rs", "use crate::run::RunOptions;\n"),
        (
            "transfer/dump.rs",
            "// crate::report in a comment\nuse crate::checks::content::x;\n",
        ),
        ("run/mod.rs", "mod a;\nmod b;\n"),
        ("run/a.rs", "use super::b::X;\n"),
        ("run/b.rs", "fn f() { crate::run::a::g() }\n"),
        (
            "cli/commands.rs",
            "use crate::run::X;\nuse crate::cli::exit;\n",
        ),
    ]);
    let (edges, _) = module_edges(&sources);
    let bad = violations(&edges);
    assert_eq!(
        bad,
        [
            "transfer -> checks (in transfer/dump.rs)",
            "transfer -> run (in transfer/archive.rs)"
        ]
    );
    assert!(edges.contains_key(&("cli".to_owned(), "run".to_owned())));
    let files = file_edges(&sources);
    assert_eq!(
        find_cycle(&files),
        Some(vec![
            "run/a.rs".to_owned(),
            "run/b.rs".to_owned(),
            "run/a.rs".to_owned()
        ])
    );
}
