//! `export` / `import` through the binary against real FalkorDB servers: a scenario's seeded
//! source is exported to a JSONL dump, loaded into an external server, exported again from it
//! with the same content hash; a non-empty target is refused without --allow-destructive, and a
//! re-run with it starts over without duplicating anything.

mod support;

use std::process::Command;

const VERSION: &str = "4.18.3";

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_migration-harness"));
    cmd.current_dir(support::repo_root());
    cmd
}

fn header(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(text.lines().next().unwrap()).unwrap()
}

#[tokio::test]
async fn export_import_export_keeps_the_content_hash() {
    support::require_falkordb_images(&["4.16.3", VERSION]).await;
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("quickstart.jsonl");
    let out = bin()
        .args([
            "export",
            "scenarios/quickstart.yaml",
            &first.display().to_string(),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let h = header(&first);
    assert_eq!(h["format"], "migration-harness-dump");
    assert_eq!(h["engine"], "falkordb");
    assert_eq!(
        (h["nodes"].as_u64(), h["relationships"].as_u64()),
        (Some(6), Some(6))
    );
    let lines = std::fs::read_to_string(&first).unwrap().lines().count();
    assert_eq!(lines, 1 + 6 + 6);
    // No temporary file left next to it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let external = support::ExternalServer::start(VERSION);
    let uri = format!("redis://127.0.0.1:{}", external.port);
    let import = |extra: &[&str]| {
        let mut cmd = bin();
        cmd.args(["import", &first.display().to_string(), &uri])
            .args(extra);
        cmd.output().unwrap()
    };
    let out = import(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("content hash matches the dump"), "{stderr}");

    // The target now holds data: refused without --allow-destructive, re-run cleanly with it.
    let out = import(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("--allow-destructive"), "{stderr}");
    let out = import(&["--allow-destructive"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("imported 6 nodes, 6 relationships"),
        "{stderr}"
    );

    // Export from the external server (read only) gives the same hash.
    let second = dir.path().join("again.jsonl");
    let out = bin()
        .args(["export", &uri, &second.display().to_string()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(header(&second)["hash"], h["hash"]);
    assert_eq!(header(&second)["nodes"], 6);
}

#[test]
fn a_file_that_is_not_a_dump_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.jsonl");
    std::fs::write(&path, "{\"hello\": 1}\n").unwrap();
    let out = bin()
        .args(["import", &path.display().to_string(), "redis://127.0.0.1:1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not a dump header"), "{stderr}");
}
