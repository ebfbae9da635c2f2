//! `export` / `import` through the binary against real FalkorDB servers: a scenario's seeded
//! source is exported to a JSONL dump, loaded into an external server, exported again from it
//! with the same content hash; a non-empty target is refused without --allow-destructive, and a
//! re-run with it starts over without duplicating anything.

use crate::support;

use std::process::Command;

const VERSION: &str = "4.18.3";

fn bin() -> Command {
    support::harness()
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
            "scenarios/quickstart-falkordb.yaml",
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

// ---------------------------------------------------------------------------------------------
// Import safety: a bad dump is refused before the target is touched; a failed load leaves the
// target as it was (FalkorDB: staged under another key, renamed over the target when complete).

fn graph_query(port: u16, graph: &str, cypher: &str) -> String {
    let reply = support::raw_resp(port, &["GRAPH.QUERY", graph, cypher]);
    let text = String::from_utf8_lossy(&reply).into_owned();
    assert!(!text.starts_with('-'), "{cypher}: {text}");
    text
}

/// Exports graph `graph` of the server at `port` to `path` through the binary.
fn export_graph(port: u16, graph: &str, path: &std::path::Path) {
    let out = bin()
        .args(["export", &format!("redis://127.0.0.1:{port}")])
        .arg(path)
        .args(["--graph", graph])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn import_into(port: u16, path: &std::path::Path, extra: &[&str]) -> (Option<i32>, String) {
    let out = bin()
        .arg("import")
        .arg(path)
        .arg(format!("redis://127.0.0.1:{port}"))
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A target holding a graph of its own (a node and an index) under the default key `harness`.
fn seed_target(port: u16) {
    graph_query(port, "harness", "CREATE (:Keep {x: 1})");
    graph_query(port, "harness", "CREATE INDEX FOR (k:Keep) ON (k.x)");
}

#[tokio::test]
async fn a_bad_dump_is_refused_naming_its_line_and_the_target_is_untouched() {
    support::require_falkordb_images(&[VERSION]).await;
    let server = support::ExternalServer::start(VERSION);
    let port = server.port;
    // 31 people (the last one alone), 29 KNOWS between consecutive ones.
    graph_query(
        port,
        "src",
        "UNWIND range(0, 30) AS i CREATE (:Person {id: i, name: 'p' + toString(i)})",
    );
    graph_query(
        port,
        "src",
        "MATCH (a:Person), (b:Person) WHERE b.id = a.id + 1 AND b.id < 30 CREATE (a)-[:KNOWS {w: a.id}]->(b)",
    );
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.jsonl");
    export_graph(port, "src", &good);
    support::raw_resp(port, &["GRAPH.DELETE", "src"]);
    seed_target(port);
    let before = support::falkordb_state(port);

    let text = std::fs::read_to_string(&good).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 1 + 31 + 29);
    let join = |ls: &[String]| ls.join("\n") + "\n";
    let with_line = |n: usize, f: &dyn Fn(&mut serde_json::Value)| {
        let mut ls = lines.clone();
        let mut j: serde_json::Value = serde_json::from_str(&ls[n - 1]).unwrap();
        f(&mut j);
        ls[n - 1] = j.to_string();
        join(&ls)
    };
    let node_id = |n: usize| {
        serde_json::from_str::<serde_json::Value>(&lines[n - 1]).unwrap()["node"].clone()
    };
    let lonely = lines
        .iter()
        .position(|l| l.contains("\"id\":30"))
        .expect("the lonely node");
    let mut moved = lines.clone();
    let node = moved.remove(lonely);
    moved.push(node);
    let mut cut = join(&lines[..40]);
    cut.push_str(&lines[40][..lines[40].len() / 2]);
    // Line 7 with a byte that is not UTF-8 inside its name ("p\xff5").
    let mut bad_utf8 = join(&lines[..6]).into_bytes();
    let (head, tail) = lines[6].split_at(lines[6].rfind("\"p").unwrap() + 2);
    bad_utf8.extend(head.as_bytes());
    bad_utf8.push(0xff);
    bad_utf8.extend(tail.as_bytes());
    bad_utf8.push(b'\n');
    bad_utf8.extend(join(&lines[7..]).into_bytes());
    let mut extra = lines.clone();
    extra.push(lines[60].clone());

    let cases: Vec<(&str, Vec<u8>, Vec<String>)> = vec![
        (
            "truncated",
            join(&lines[..55]).into_bytes(),
            vec!["line 56".into(), "truncated".into()],
        ),
        (
            "cut mid-line",
            cut.into_bytes(),
            vec!["line 41".into(), "column".into()],
        ),
        (
            "not JSON",
            {
                let mut ls = lines.clone();
                ls[9] = "{\"node\": 8, \"labels\": [".into();
                join(&ls).into_bytes()
            },
            vec!["line 10".into()],
        ),
        (
            "duplicate node id",
            with_line(5, &|j| j["node"] = node_id(4)).into_bytes(),
            vec!["line 5".into(), "twice".into(), "line 4".into()],
        ),
        (
            "relationship to a missing node",
            with_line(40, &|j| j["start"] = 999.into()).into_bytes(),
            vec!["line 40".into(), "999".into()],
        ),
        (
            "changed content",
            with_line(3, &|j| j["properties"]["name"] = "someone else".into()).into_bytes(),
            vec!["hash".into(), "line 1".into()],
        ),
        (
            "node after the relationships",
            join(&moved).into_bytes(),
            vec!["line 61".into(), "after the relationships".into()],
        ),
        (
            "one line more than the header says",
            join(&extra).into_bytes(),
            vec!["line 62".into(), "header".into()],
        ),
        (
            "invalid UTF-8",
            bad_utf8,
            vec!["line 7".into(), "UTF-8".into()],
        ),
    ];
    for (name, content, expected) in cases {
        let path = dir.path().join("bad.jsonl");
        std::fs::write(&path, content).unwrap();
        for extra in [
            &["--allow-destructive"][..],
            &["--graph", "fresh"][..],
            &[][..],
        ] {
            let (code, stderr) = import_into(port, &path, extra);
            assert_eq!(code, Some(2), "{name} {extra:?}: {stderr}");
            for e in &expected {
                assert!(
                    stderr.contains(e.as_str()),
                    "{name} {extra:?}: no {e:?} in {stderr}"
                );
            }
            assert!(
                !stderr.contains("appeared after the nodes were read"),
                "{name}: misleading hint: {stderr}"
            );
            assert!(
                support::falkordb_state(port) == before,
                "{name} {extra:?}: the target changed: {stderr}"
            );
        }
    }
}

#[tokio::test]
async fn a_dump_with_a_byte_order_mark_is_named_and_accepted() {
    support::require_falkordb_images(&[VERSION]).await;
    let server = support::ExternalServer::start(VERSION);
    let port = server.port;
    graph_query(port, "src", "UNWIND range(1, 5) AS i CREATE (:N {i: i})");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom.jsonl");
    export_graph(port, "src", &path);
    let mut content = b"\xEF\xBB\xBF".to_vec();
    content.extend(std::fs::read(&path).unwrap());
    std::fs::write(&path, content).unwrap();
    let (code, stderr) = import_into(port, &path, &["--graph", "copy"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("byte order mark"), "{stderr}");
    assert!(stderr.contains("imported 5 nodes"), "{stderr}");
}

/// A load that fails half way (here: the server reaches its memory limit) leaves the target
/// exactly as it was, also with --allow-destructive, and leaves no staging graph behind; once
/// the server has room, the same import replaces the graph.
#[tokio::test]
async fn a_load_that_fails_half_way_leaves_the_target_as_it_was() {
    support::require_falkordb_images(&[VERSION]).await;
    let server = support::ExternalServer::start(VERSION);
    let port = server.port;
    graph_query(
        port,
        "src",
        "UNWIND range(1, 40000) AS i CREATE (:Big {i: i, s: 'a fairly long string that makes every node weigh a few hundred bytes in the server, more or less'})",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    export_graph(port, "src", &path);
    support::raw_resp(port, &["GRAPH.DELETE", "src"]);
    seed_target(port);
    let before = support::falkordb_state(port);

    let info = String::from_utf8_lossy(&support::raw_resp(port, &["INFO", "memory"])).into_owned();
    let used: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let limit = (used + 2_000_000).to_string();
    support::raw_resp(port, &["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    support::raw_resp(port, &["CONFIG", "SET", "maxmemory", &limit]);
    let (code, stderr) = import_into(port, &path, &["--allow-destructive"]);
    support::raw_resp(port, &["CONFIG", "SET", "maxmemory", "0"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("left as it was"), "{stderr}");
    let after = support::falkordb_state(port);
    assert!(
        after == before,
        "the target changed: {stderr}\n{}\n{}",
        String::from_utf8_lossy(&before),
        String::from_utf8_lossy(&after)
    );

    let (code, stderr) = import_into(port, &path, &["--allow-destructive"]);
    assert_eq!(code, Some(0), "{stderr}");
    let keys = String::from_utf8_lossy(&support::raw_resp(port, &["KEYS", "*"])).into_owned();
    assert!(
        !keys.contains("__mh_import"),
        "a staging graph is left: {keys}"
    );
    let count = graph_query(port, "harness", "MATCH (n) RETURN count(n)");
    assert!(count.contains("40000"), "{count}");
    assert!(
        !graph_query(port, "harness", "MATCH (k:Keep) RETURN count(k)").contains(":1\r\n"),
        "the old graph was not replaced"
    );
}

/// A dump carries the graph's indexes (format version 2): import recreates them and compares
/// the target's schema with the dump's; a version 1 dump (no schema) still imports.
#[tokio::test]
async fn indexes_travel_in_the_dump() {
    support::require_falkordb_images(&[VERSION]).await;
    let server = support::ExternalServer::start(VERSION);
    let port = server.port;
    graph_query(
        port,
        "src",
        "UNWIND range(1, 10) AS i CREATE (:Person {id: i})",
    );
    graph_query(port, "src", "CREATE INDEX FOR (p:Person) ON (p.id)");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("indexed.jsonl");
    export_graph(port, "src", &path);
    let h = header(&path);
    assert_eq!(h["format_version"], 2, "{h}");
    assert!(h["schema"].to_string().contains("Person"), "{h}");

    let (code, stderr) = import_into(port, &path, &["--graph", "copy"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("schema"), "{stderr}");
    let indexes = graph_query(
        port,
        "copy",
        "CALL db.indexes() YIELD label, properties RETURN label, properties",
    );
    assert!(
        indexes.contains("Person") && indexes.contains("id"),
        "{indexes}"
    );

    // The same dump as format version 1 (no schema): imported, without indexes.
    let text = std::fs::read_to_string(&path).unwrap();
    let (first, rest) = text.split_once('\n').unwrap();
    let mut old: serde_json::Value = serde_json::from_str(first).unwrap();
    old["format_version"] = 1.into();
    old.as_object_mut().unwrap().remove("schema");
    let v1 = dir.path().join("v1.jsonl");
    std::fs::write(&v1, format!("{old}\n{rest}")).unwrap();
    let (code, stderr) = import_into(port, &v1, &["--graph", "old"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("imported 10 nodes"), "{stderr}");
}

/// An export killed with SIGKILL cannot remove its temporary file; its name carries the
/// export's pid, and the next export into the same directory removes it (its process is dead),
/// leaving temporary files of live exports and other files alone.
#[tokio::test]
async fn a_later_export_removes_the_temp_file_of_a_killed_one() {
    support::require_falkordb_images(&[VERSION]).await;
    let server = support::ExternalServer::start(VERSION);
    let port = server.port;
    graph_query(
        port,
        "harness",
        "UNWIND range(1, 30000) AS i CREATE (:N {i: i, s: 'text to export'})",
    );
    let dir = tempfile::tempdir().unwrap();
    // Small pages: many progress lines, and the export still runs long after the first one.
    let mut killed = bin()
        .args(["export", &format!("redis://127.0.0.1:{port}")])
        .arg(dir.path().join("big.jsonl"))
        .args(["--batch-size", "200"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let temp_files = || -> Vec<String> {
        std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".big.jsonl"))
            .collect()
    };
    // The moment to kill: the first page written to the temporary file (the export hashes the
    // whole graph first, which on a loaded machine takes long: no fixed deadline, but the
    // export ending first is an error that shows what it said).
    let stderr = killed.stderr.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    loop {
        match lines.recv() {
            Ok(line) if line.trim_start().starts_with("nodes: ") => break,
            Ok(line) => seen.push(line),
            Err(_) => panic!(
                "the export ended before writing a page ({:?}):\n{}",
                killed.wait(),
                seen.join("\n")
            ),
        }
    }
    let pid = killed.id();
    killed.kill().unwrap();
    killed.wait().unwrap();
    let left = temp_files();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].contains(&format!("-{pid}-")), "no pid in {left:?}");
    // A temporary file of a live export (this test's pid) and an unrelated hidden file.
    let live = format!(".other.jsonl.mh-export-{}-abcdef.tmp", std::process::id());
    std::fs::write(dir.path().join(&live), "x").unwrap();
    std::fs::write(dir.path().join(".notes.tmp"), "x").unwrap();

    graph_query(port, "small", "CREATE (:One)");
    export_graph(port, "small", &dir.path().join("small.jsonl"));
    assert!(temp_files().is_empty(), "left: {:?}", temp_files());
    assert!(
        dir.path().join(&live).exists(),
        "a live export's file was removed"
    );
    assert!(dir.path().join(".notes.tmp").exists());
}
