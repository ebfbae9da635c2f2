//! The JSON Schema of scenario files, docs/scenario.schema.json: it is exactly what
//! `migration-harness schema` prints (`MH_OVERWRITE=1` rewrites the committed file), every
//! scenario the loader accepts in scenarios/ and tests/ is valid against it, and files with a
//! mistyped key or value are not. Validation is done by the `jsonschema` crate, which shares
//! no code with the loader.

use crate::support;

use std::path::{Path, PathBuf};

fn schema_path() -> PathBuf {
    support::repo_root().join("docs/scenario.schema.json")
}

fn printed_schema() -> String {
    let out = support::harness()
        .arg("schema")
        .current_dir(support::repo_root())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn yaml_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            into.push(path);
        }
    }
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(schema_path()).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the committed schema is a valid JSON Schema")
}

fn as_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_committed_schema_is_what_the_binary_prints() {
    let printed = printed_schema();
    if std::env::var_os("MH_OVERWRITE").is_some() {
        std::fs::write(schema_path(), &printed).unwrap();
    }
    let committed = std::fs::read_to_string(schema_path()).unwrap_or_default();
    assert!(
        committed == printed,
        "docs/scenario.schema.json is stale: run `MH_OVERWRITE=1 cargo test --test it -- scenario_schema::` and commit it"
    );
}

#[test]
fn every_scenario_the_loader_accepts_is_valid_against_the_schema() {
    let validator = validator();
    let root = support::repo_root();
    let mut files = Vec::new();
    yaml_files(&root.join("scenarios"), &mut files);
    yaml_files(&root.join("tests"), &mut files);
    let mut checked = 0;
    for path in files {
        // Only scenario files: what the loader reads as one (fixtures, snapshots and the
        // deliberately bad files under tests/validate/ are not).
        if migration_harness::scenario::load_file(&path).is_err() {
            continue;
        }
        let doc = as_json(&path);
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} scenario files found");
}

#[test]
fn mistyped_keys_and_values_are_invalid() {
    let validator = validator();
    let root = support::repo_root().join("tests/validate");
    for bad in [
        "typo-key.yaml",
        "schema-allow-typo.yaml",
        "allow-kind-typo.yaml",
        "allow-short-typo.yaml",
        "allow-when-typo.yaml",
        "stale-switch-typo.yaml",
        "source-not-a-map.yaml",
    ] {
        let doc = as_json(&root.join(bad));
        assert!(
            !validator.is_valid(&doc),
            "{bad} is refused by the loader and must be invalid against the schema"
        );
    }
    assert!(validator.is_valid(&as_json(&root.join("ok-minimal.yaml"))));
}
