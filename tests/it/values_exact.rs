//! Every value type FalkorDB stores survives a copy bit-exact, as an independent reader sees it,
//! and a change in a double's 17th significant digit makes the content hash fail by name.
//!
//! The source is written with raw RESP commands (`support::raw_resp`), and both graphs are read
//! by `tests/readers/read_graph.py`: the official `redis` Python client over RESP3, with its own
//! way of recovering exact doubles (no harness code). Only the copy
//! (`transfer::logical::copy`) and the content check are the harness's. The reader's venv comes
//! from `scripts/setup-readers.sh` (run by `scripts/setup.sh`); without it the test fails with
//! that hint, because the suite must never pass by not running.

use crate::support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use migration_harness::checks::content;
use migration_harness::engine::dialect::{Dialect, EngineKind, Version};
use migration_harness::engine::falkordb::FalkorConnection;
use migration_harness::engine::GraphConnection;
use migration_harness::scenario::ContentHashCheck;
use migration_harness::transfer;
use support::{raw_resp, ExternalServer};

const GRAPH: &str = "values";

/// The reader venv's python (scripts/setup-readers.sh).
fn reader_python() -> PathBuf {
    let python = migration_harness::engine::launcher::cache_dir()
        .join("py-readers")
        .join("bin")
        .join("python");
    assert!(
        python.exists(),
        "the independent reader is not installed at {}; run scripts/setup.sh readers",
        python.display()
    );
    python
}

/// The graph on 127.0.0.1:`port` as the independent reader prints it.
fn read(port: u16) -> String {
    let out = std::process::Command::new(reader_python())
        .arg(support::repo_path("tests/readers/read_graph.py"))
        .args(["falkordb", &port.to_string(), GRAPH])
        .output()
        .expect("run tests/readers/read_graph.py");
    assert!(
        out.status.success(),
        "the reader failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Runs one Cypher statement with `GRAPH.QUERY`, failing on any error in the reply.
fn cypher(port: u16, text: &str) {
    let reply = raw_resp(port, &["GRAPH.QUERY", GRAPH, text, "--compact"]);
    let shown = String::from_utf8_lossy(&reply);
    assert!(
        !reply.starts_with(b"-") && !shown.contains("\r\n-"),
        "{text}: {shown}"
    );
}

/// Doubles as `CYPHER` parameters in their shortest round-trip form (the query-text parser
/// refuses DBL_MAX and subnormals; the parameter parser reads them exactly).
fn literal(x: f64) -> String {
    format!("{x:e}")
}

/// One node of every kind of value FalkorDB stores (the datetime one second before 1970 is
/// written from a map: `localdatetime('1969-12-31T23:59:59')` fails with "Failed to parse
/// datetime" on 4.14-4.18, its parser taking mktime's -1 for an error; the copy writes maps), relationships holding some of them, and
/// 200 doubles `i / 7` that need 17 significant digits.
fn build_source(port: u16) {
    let params = [
        ("seventeen", literal(0.1 + 0.2)),
        ("third", literal(1.0 / 3.0)),
        ("big", literal(9007199254740993.0)),
        ("max", literal(f64::MAX)),
        ("nmax", literal(-f64::MAX)),
        ("tiny", literal(f64::from_bits(1))),
        ("subnormal", literal(f64::from_bits(0x000f_ffff_ffff_ffff))),
        ("minpos", literal(f64::MIN_POSITIVE)),
    ];
    let prefix: String = params.iter().map(|(k, v)| format!("{k}={v} ")).collect();
    cypher(
        port,
        &format!(
            "CYPHER {prefix}CREATE (a:All {{key: 'all', seventeen: $seventeen, third: $third, big: $big, \
             max: $max, nmax: $nmax, tiny: $tiny, subnormal: $subnormal, minpos: $minpos, \
             negzero: -0.0, nan: 0.0/0.0, pinf: 1.0/0.0, ninf: -1.0/0.0, imin: -9223372036854775807 - 1, \
             imax: 9223372036854775807, s: 'é \"q\" \\\\', t: true, \
             floats: [$seventeen, $max, $tiny, -0.0], nested: [[$third], [1, 'x']], \
             vec: vecf32([0.1, -0.0, 1.0e-45, 3.4028234e38, -2.5]), vecs: [vecf32([1.5, 2.0])], \
             d: date('2024-02-29'), dfirst: date('0001-01-01'), \
             lt: localtime('23:59:59'), ldt: localdatetime({{year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59}}), \
             du: duration('P1Y2M3DT4H5M6S'), duneg: duration({{seconds: -5}}), \
             dates: [date('2024-01-02'), date('1900-03-01')], \
             times: [localtime('00:00:01'), localtime('12:34:56')], \
             when: [localdatetime('2000-01-01T00:00:00'), localdatetime('2038-01-19T03:14:08')], \
             durations: [duration({{seconds: 1}}), duration('P30D')], \
             mixed: [1, 2.5, 'three', date('2024-01-02'), vecf32([1.0]), 0.0/0.0], \
             pt: point({{latitude: 0.1, longitude: -0.2}}), \
             pts: [point({{latitude: 1.5, longitude: 2.5}})]}}) \
             CREATE (b:All {{key: 'other', v: $third}}) \
             CREATE (a)-[:HAS {{w: $seventeen, vec: vecf32([0.25]), d: date('2020-01-01'), n: 1.0/0.0}}]->(b) \
             CREATE (b)-[:HAS {{w: $tiny, floats: [$max, $minpos]}}]->(a)"
        ),
    );
    cypher(
        port,
        &format!(
            "CYPHER sub={} UNWIND range(1, 200) AS i CREATE (:D {{i: i, v: i / 7.0, w: [i / 3.0, i * $sub]}})",
            literal(1.0e-310)
        ),
    );
    cypher(
        port,
        "MATCH (a:D), (b:D) WHERE b.i = a.i + 1 CREATE (a)-[:NEXT {r: a.v / b.v}]->(b)",
    );
}

async fn open(server: &ExternalServer, version: &str) -> FalkorConnection {
    let endpoint = format!("redis://127.0.0.1:{}", server.port);
    let mut last = None;
    for _ in 0..50 {
        match FalkorConnection::open(
            &endpoint,
            GRAPH.to_owned(),
            Dialect::new(EngineKind::Falkordb, Version::parse_lenient(version)),
            format!("falkordb {version} at {endpoint}, graph {GRAPH:?}"),
        )
        .await
        {
            Ok(c) => return c,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("cannot connect to falkordb {version}: {last:?}");
}

/// What the reader must have seen on the source for the test to mean anything.
const EXPECTED_FORMS: &[&str] = &[
    "f:3fd3333333333334", // 0.1 + 0.2
    "f:7fefffffffffffff", // DBL_MAX
    "f:ffefffffffffffff", // -DBL_MAX
    "f:0000000000000001", // the smallest subnormal
    "f:000fffffffffffff", // the largest subnormal
    "f:8000000000000000", // -0.0
    "f:nan",              // NaN
    "f:7ff0000000000000", // +inf
    "f:fff0000000000000", // -inf
    "i:-9223372036854775808",
    "v:[3dcccccd,80000000,00000001,7f7fffff,c0200000]",
    "[v:[3fc00000,40000000]]",
    "\"d\": \"date:",
    "\"lt\": \"localtime:",
    "\"ldt\": \"localdatetime:-1\"",
    "\"du\": \"duration:",
    "\"duneg\": \"duration:-5\"",
    "[date:",
    "[localtime:",
    "[localdatetime:",
    "[duration:1,",
    "p:",
    "[p:",
];

/// Copies the graph from `source` to `target` through the harness; the independent reader must
/// print both identically; then one double on the target changes in its last bit and the
/// content hash must fail naming that node and property. `existing_target` makes the target
/// graph exist before the copy, so the copy writes through Cypher instead of GRAPH.BULK.
fn copy_is_bit_exact(source: &str, target: &str, existing_target: bool) {
    let started = std::time::Instant::now();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(support::require_falkordb_images(&[source, target]));
    reader_python();
    let (s, t) = (ExternalServer::start(source), ExternalServer::start(target));
    let (src, tgt) = rt.block_on(async { tokio::join!(open(&s, source), open(&t, target)) });
    build_source(s.port);
    if existing_target {
        cypher(t.port, "CREATE (:Scratch)");
        cypher(t.port, "MATCH (n:Scratch) DELETE n");
    }

    let stats = rt
        .block_on(transfer::logical::copy(&src, &tgt, 64, &|_| {}))
        .expect("copy");
    assert!(stats.findings.is_empty(), "{:#?}", stats.findings);
    if existing_target {
        assert_eq!(stats.bulk_loaded, 0, "meant to go through Cypher");
    } else {
        assert!(stats.bulk_loaded > 0, "meant to use GRAPH.BULK: {stats:?}");
    }

    let before = read(s.port);
    for form in EXPECTED_FORMS {
        assert!(
            before.contains(form),
            "the source as read has no {form}:\n{before}"
        );
    }
    let after = read(t.port);
    if before != after {
        let diff: Vec<String> = before
            .lines()
            .zip(after.lines())
            .filter(|(a, b)| a != b)
            .take(5)
            .map(|(a, b)| format!("source {a}\ntarget {b}"))
            .collect();
        panic!(
            "the target differs from the source ({} / {} lines):\n{}",
            before.lines().count(),
            after.lines().count(),
            diff.join("\n")
        );
    }

    let spec = ContentHashCheck {
        keys: BTreeMap::from([
            ("D".to_owned(), vec!["i".to_owned()]),
            ("All".to_owned(), vec!["key".to_owned()]),
        ]),
        max_diffs: Some(10),
    };
    let check = |src: &dyn GraphConnection, tgt: &dyn GraphConnection| {
        rt.block_on(content::run(&spec, src, tgt, 64))
            .expect("content check runs")
    };
    let same = check(&src, &tgt);
    assert!(same.passed, "{}\n{:?}", same.summary, same.details);

    // One value changed in its last bit (the 17th significant digit), written exactly.
    let x: f64 = 100.0 / 7.0;
    let changed = f64::from_bits(x.to_bits() + 1);
    assert_eq!(
        format!("{x:.15e}"),
        format!("{changed:.15e}"),
        "same to 16 digits"
    );
    assert_ne!(format!("{x:.16e}"), format!("{changed:.16e}"), "not to 17");
    cypher(
        t.port,
        &format!(
            "CYPHER x={} MATCH (n:D) WHERE n.i = 100 SET n.v = $x",
            literal(changed)
        ),
    );
    assert_ne!(
        read(t.port),
        before,
        "the reader missed the 17th-digit change"
    );
    let differs = check(&src, &tgt);
    assert!(
        !differs.passed,
        "a 17th-digit change passed: {}",
        differs.summary
    );
    let details = differs.details.join("\n");
    assert!(
        details.contains("i: 100") && details.contains("v:") && details.contains(&format!("{changed:?}")),
        "the difference does not name node i 100, property v and the new value {changed:?}: {details}"
    );
    println!(
        "{source} -> {target}: {} entities read identically; took {:.1}s",
        before.lines().count(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn every_value_copies_bit_exact_4_16_to_4_18_through_graph_bulk() {
    copy_is_bit_exact("4.16.3", "4.18.3", false);
}

#[test]
fn every_value_copies_bit_exact_4_14_to_4_16_through_cypher() {
    copy_is_bit_exact("4.14.11", "4.16.3", true);
}
