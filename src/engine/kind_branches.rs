//! Guards the rule of docs/ARCHITECTURE.md: every branch on the engine kind lives under
//! `src/engine/` (the descriptors, the dialect, the engines' own modules). Code elsewhere asks
//! the descriptor (`descriptor(kind)`) or the `Dialect`; tests may name engine kinds to set up
//! fixtures.

use std::path::{Path, PathBuf};

/// Where a branch on the engine kind may live: engine/, and kinds.rs, which names the kinds.
const ALLOWED: &[&str] = &["src/engine/", "src/kinds.rs"];

/// Spellings of a branch on the engine kind.
const BRANCHES: &[&str] = &[
    "EngineKind::",
    "== \"neo4j\"",
    "== \"falkordb\"",
    "\"neo4j\" =>",
    "\"falkordb\" =>",
];

/// The lines (1-based number, text) of `source` that branch on the engine kind outside test
/// code: comment lines and everything from the first `#[cfg(test)]` module on are left out.
fn branches(source: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        let test_module = code.starts_with("#[cfg(test)]")
            && lines
                .get(i + 1)
                .is_some_and(|next| next.trim_start().starts_with("mod "));
        if test_module {
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        if BRANCHES.iter().any(|b| code.contains(b)) {
            out.push((i + 1, code.to_owned()));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_scan_finds_branches_and_skips_tests_and_comments() {
    let source = "use x;\n// EngineKind::Neo4j in a comment\nfn f(k: EngineKind) -> u16 {\n    match k {\n        EngineKind::Neo4j => 1,\n        _ => 2,\n    }\n}\nfn g(e: &str) -> bool {\n    e == \"neo4j\"\n}\n#[cfg(test)]\nmod tests {\n    const K: EngineKind = EngineKind::Falkordb;\n}\n";
    assert_eq!(
        branches(source),
        [
            (5, "EngineKind::Neo4j => 1,".to_owned()),
            (10, "e == \"neo4j\"".to_owned())
        ]
    );
}

#[test]
fn no_engine_kind_branch_outside_the_engine_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let relative = file
            .strip_prefix(root)
            .expect("under the crate root")
            .to_string_lossy()
            .replace('\\', "/");
        if ALLOWED.iter().any(|a| relative.starts_with(a)) {
            continue;
        }
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        for (line, code) in branches(&text) {
            found.push(format!("{relative}:{line}: {code}"));
        }
    }
    assert!(
        found.is_empty(),
        "engine-kind branches outside {ALLOWED:?} (move them behind the engine's descriptor or \
         the Dialect):\n{}",
        found.join("\n")
    );
}
