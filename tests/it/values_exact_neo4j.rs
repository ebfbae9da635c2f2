//! Every value type Neo4j stores survives a 5.26 -> 2026.08 copy bit-exact, as an independent
//! reader sees it, and a change in a double's last bit (its 17th significant digit) makes the
//! content hash fail by name.
//!
//! Both servers are started by the process launcher with a password this test chooses
//! (`ProcessLauncher::launch` with a `Secret` of its own), so that `tests/readers/read_neo4j.py`
//! (the official `neo4j` Python driver, no harness code) can read them. The source is seeded
//! through Bolt parameters (doubles, byte arrays) and Cypher temporal/point functions; only the
//! copy (`transfer::logical::copy`) and the content check are the harness's. The reader's venv
//! comes from `scripts/setup-readers.sh`; without it the test fails with that hint.

use crate::support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use migration_harness::checks::content;
use migration_harness::engine::descriptor::descriptor;
use migration_harness::engine::dialect::EngineKind;
use migration_harness::engine::launcher::{process::ProcessLauncher, Launched, Launcher};
use migration_harness::engine::secret::Secret;
use migration_harness::engine::server::ServerRequest;
use migration_harness::engine::{GraphConnection, Query, ServerRole};
use migration_harness::scenario::ContentHashCheck;
use migration_harness::transfer;
use migration_harness::value::Value;

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

/// Runs the reader against 127.0.0.1:`port` with `args`, returning what it printed.
fn reader(port: u16, password: &Secret, args: &[&str]) -> String {
    let out = std::process::Command::new(reader_python())
        .arg(support::repo_path("tests/readers/read_neo4j.py"))
        .arg(port.to_string())
        .arg(password.expose())
        .args(args)
        .output()
        .expect("run tests/readers/read_neo4j.py");
    assert!(
        out.status.success(),
        "the reader failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A Neo4j server started with a password the test knows; dropping it stops the server.
struct Started {
    port: u16,
    password: Secret,
    connection: Arc<dyn GraphConnection>,
    _launched: Launched,
}

async fn start(role: ServerRole, version: &str) -> Started {
    let request = ServerRequest {
        role,
        startup_timeout: std::time::Duration::from_secs(300),
        ..ServerRequest::for_tests(EngineKind::Neo4j, version)
    };
    let engine = descriptor(EngineKind::Neo4j);
    let password = Secret::new(format!("values-exact-{role}-{}", std::process::id()));
    let launched = ProcessLauncher
        .launch(&request, engine, &password)
        .await
        .unwrap_or_else(|e| panic!("start neo4j {version}: {e}"));
    let connection = engine
        .connect_started(&request, &launched.host, launched.port, &password)
        .await
        .unwrap_or_else(|e| panic!("connect to neo4j {version}: {e}"));
    Started {
        port: launched.port,
        password,
        connection,
        _launched: launched,
    }
}

async fn run(c: &dyn GraphConnection, q: Query) {
    c.execute(&q).await.unwrap_or_else(|e| panic!("{q:?}: {e}"));
}

/// One node of every kind of value Neo4j stores, relationships holding some of them, and 200
/// doubles `i / 7` that need 17 significant digits.
async fn build_source(c: &dyn GraphConnection) {
    let f = |x: f64| Value::Float(x);
    let bytes: Vec<u8> = (0..=255u8).collect();
    run(
        c,
        Query::new(
            "CREATE (a:V {i: 0, seventeen: $seventeen, third: $third, big: $big, max: $max, \
             nmax: $nmax, tiny: $tiny, subnormal: $subnormal, minpos: $minpos, negzero: $negzero, \
             nan: $nan, pinf: $pinf, ninf: $ninf, imin: $imin, imax: $imax, \
             s: 'é \"q\" \\\\ \\u0000 😀', empty: '', t: true, f: false, \
             bytes: $bytes, nobytes: $nobytes, \
             ints: [$imin, 0, $imax], floats: [$seventeen, $max, $tiny, $negzero, $nan], \
             strings: ['a', '', 'ß'], bools: [true, false], \
             p2: point({x: $third, y: $nmax}), p3: point({x: $tiny, y: -1.5, z: $seventeen}), \
             g2: point({longitude: $third, latitude: -45.123456789012345}), \
             g3: point({longitude: 179.99999999999997, latitude: $seventeen, height: $big}), \
             pts: [point({x: 1.0, y: $third}), point({x: $max, y: $negzero})], \
             d: date('2024-02-29'), dfirst: date('0001-01-01'), dlast: date('9999-12-31'), \
             t1: time('12:34:56.123456789+01:30'), t2: time('00:00:00-18:00'), \
             lt: localtime('23:59:59.999999999'), \
             dtz: datetime('2024-06-01T12:00:00.123456789[Europe/Berlin]'), \
             dtutc: datetime('2038-01-19T03:14:08Z'), \
             du: duration('P1Y2M3DT4H5M6.123456789S'), \
             dates: [date('2024-01-02'), date('1900-03-01')], \
             times: [localtime('00:00:01'), localtime('12:34:56.5')], \
             when: [localdatetime('2000-01-01T00:00'), localdatetime('2038-01-19T03:14:08')], \
             zoned: [datetime('2000-01-01T00:00[Asia/Kolkata]'), datetime('2000-01-01T00:00+14:00')], \
             durations: [duration({seconds: 1}), duration('P30D')]}) \
             CREATE (b:V {i: 1, v: $third}) \
             CREATE (:V {i: 2, small: [-1, -5, -16, -17, -128, -129], neg: -1, neg16: -16, ldt: localdatetime('1969-12-31T23:59:59.000000001'), \
                     dto: datetime('1969-12-31T23:59:59.999999999-05:00'), \
                     duneg: duration({seconds: -5, nanoseconds: 1})}) \
             CREATE (a)-[:HAS {w: $seventeen, bytes: $nobytes, d: date('2020-01-01'), n: $pinf, \
                               p: point({x: $tiny, y: $subnormal})}]->(b) \
             CREATE (b)-[:HAS {w: $tiny, floats: [$max, $minpos]}]->(a)",
        )
        .param("seventeen", f(0.1 + 0.2))
        .param("third", f(1.0 / 3.0))
        .param("big", f(9007199254740993.0))
        .param("max", f(f64::MAX))
        .param("nmax", f(-f64::MAX))
        .param("tiny", f(f64::from_bits(1)))
        .param("subnormal", f(f64::from_bits(0x000f_ffff_ffff_ffff)))
        .param("minpos", f(f64::MIN_POSITIVE))
        .param("negzero", f(-0.0))
        .param("nan", f(f64::NAN))
        .param("pinf", f(f64::INFINITY))
        .param("ninf", f(f64::NEG_INFINITY))
        .param("imin", Value::Int(i64::MIN))
        .param("imax", Value::Int(i64::MAX))
        .param("bytes", Value::Bytes(bytes))
        .param("nobytes", Value::Bytes(Vec::new())),
    )
    .await;
    run(
        c,
        Query::new(
            "UNWIND range(1, 200) AS i CREATE (:D {i: i, v: i / 7.0, w: [i / 3.0, i * $sub]})",
        )
        .param("sub", f(1.0e-310)),
    )
    .await;
    run(
        c,
        Query::new("MATCH (a:D), (b:D) WHERE b.i = a.i + 1 CREATE (a)-[:NEXT {r: a.v / b.v}]->(b)"),
    )
    .await;
    // Enough nodes of one label set in one page for the copy to write them as transactions
    // side by side (`Dialect::concurrent_node_writes`), a second label set in the same page,
    // and relationships between far-apart nodes: each endpoint must map to its own copy.
    run(
        c,
        Query::new(
            "UNWIND range(0, 5999) AS i CREATE (n:Many {i: i, v: i / 3.0}) \
             WITH collect(n) AS ns UNWIND range(0, 5999) AS i \
             WITH ns[i] AS a, ns[(i * 7 + 1) % 6000] AS b CREATE (a)-[:TO {i: a.i}]->(b)",
        ),
    )
    .await;
    run(
        c,
        Query::new("MATCH (n:Many) WHERE n.i % 3 = 0 SET n:Third"),
    )
    .await;
}

/// What the reader must have seen on the source for the test to mean anything.
const EXPECTED_FORMS: &[&str] = &[
    "f:3fd3333333333334", // 0.1 + 0.2
    "f:3fd5555555555555", // 1/3
    "f:4340000000000000", // 9007199254740993.0 as stored (2^53)
    "f:7fefffffffffffff", // DBL_MAX
    "f:ffefffffffffffff", // -DBL_MAX
    "f:0000000000000001", // the smallest subnormal
    "f:000fffffffffffff", // the largest subnormal
    "f:0010000000000000", // the smallest normal
    "f:8000000000000000", // -0.0
    "f:nan",              // NaN
    "f:7ff0000000000000", // +inf
    "f:fff0000000000000", // -inf
    "i:-9223372036854775808",
    "i:9223372036854775807",
    "\"s\": \"s:\\\"é \\\\\\\"q\\\\\\\" \\\\\\\\ \\\\u0000 😀\\\"\"",
    "\"empty\": \"s:\\\"\\\"\"",
    "\"t\": \"b:true\"",
    "\"f\": \"b:false\"",
    "y:000102",
    "\"nobytes\": \"y:\"",
    "[i:-9223372036854775808,i:0,i:9223372036854775807]",
    "[f:3fd3333333333334,f:7fefffffffffffff,f:0000000000000001,f:8000000000000000,f:nan]",
    "[b:true,b:false]",
    "p:7203:3fd5555555555555,ffefffffffffffff",
    "p:9157:0000000000000001,bff8000000000000,3fd3333333333334",
    "p:4326:3fd5555555555555,",
    "p:4979:",
    "[p:7203:",
    "date:2024-02-29",
    "date:0001-01-01",
    "date:9999-12-31",
    "time:12:34:56.123456789+5400",
    "time:00:00:00.000000000-64800",
    "localtime:23:59:59.999999999",
    "localdatetime:1969-12-31T23:59:59.000000001",
    "datetime:1969-12-31T23:59:59.999999999@-18000[]",
    "datetime:2024-06-01T12:00:00.123456789@+7200[Europe/Berlin]",
    "datetime:2038-01-19T03:14:08.000000000@+0[",
    "duration:14,3,14706,123456789",
    "duration:0,0,-4,-999999999", // -5 s + 1 ns, as the Python driver normalises it
    "[date:2024-01-02,date:1900-03-01]",
    "[localtime:",
    "[localdatetime:",
    "[datetime:2000-01-01T00:00:00.000000000@+19800[Asia/Kolkata],datetime:2000-01-01T00:00:00.000000000@+50400[]]",
    "[duration:0,0,1,0,duration:0,30,0,0]",
];

#[test]
fn every_value_copies_bit_exact_5_26_to_2026_08() {
    let started = std::time::Instant::now();
    reader_python();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (s, t) = rt.block_on(async {
        tokio::join!(
            start(ServerRole::Source, "5.26"),
            start(ServerRole::Target, "2026.08")
        )
    });
    let (src, tgt) = (s.connection.as_ref(), t.connection.as_ref());
    rt.block_on(async {
        src.wipe().await.unwrap();
        tgt.wipe().await.unwrap();
        build_source(src).await;
    });

    let stats = rt
        .block_on(transfer::logical::copy(src, tgt, 64, &|_| {}))
        .expect("copy");
    assert!(stats.findings.is_empty(), "{:#?}", stats.findings);
    assert_eq!(
        (stats.nodes, stats.relationships),
        (6203, 6201),
        "{stats:?}"
    );

    let spec = ContentHashCheck {
        keys: BTreeMap::from([
            ("D".to_owned(), vec!["i".to_owned()]),
            ("V".to_owned(), vec!["i".to_owned()]),
        ]),
        max_diffs: Some(10),
    };
    let before = reader(s.port, &s.password, &["dump"]);
    let missing: Vec<&&str> = EXPECTED_FORMS
        .iter()
        .filter(|form| !before.contains(**form))
        .collect();
    assert!(
        missing.is_empty(),
        "the source as read has none of {missing:?}:\n{}",
        before
            .lines()
            .filter(|l| l.contains("(V "))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let after = reader(t.port, &t.password, &["dump"]);

    // Node V {i: 2} holds the small negative integers -1..-16 (Bolt's one-byte TINY_INT range),
    // alone and in a list, and temporals whose seconds field is such a number. neo4rs 0.8.0
    // read them as 256 + n (-1 -> 255) on both sides, so the copy changed them and the content
    // hash passed; vendor/neo4rs fixes the read. The source must hold them as written, and the
    // comparison below then covers them like every other node.
    let source2 = before
        .lines()
        .find(|l| l.starts_with("node (V {") && l.contains("\"i\": \"i:2\""))
        .unwrap_or_else(|| panic!("no node V {{i: 2}} in:\n{before}"))
        .to_owned();
    for form in [
        "\"duneg\": \"duration:0,0,-4,-999999999\"",
        "\"small\": \"[i:-1,i:-5,i:-16,i:-17,i:-128,i:-129]\"",
        "\"neg\": \"i:-1\"",
        "\"neg16\": \"i:-16\"",
        "\"ldt\": \"localdatetime:1969-12-31T23:59:59.000000001\"",
        "\"dto\": \"datetime:1969-12-31T23:59:59.999999999@-18000[]\"",
    ] {
        assert!(source2.contains(form), "source lacks {form}: {source2}");
    }

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

    let check = || {
        rt.block_on(content::run(&spec, src, tgt, 64))
            .expect("content check runs")
    };
    let same = check();
    assert!(same.passed, "{}\n{:?}", same.summary, same.details);

    // One value changed in its last bit (the 17th significant digit), by the reader's driver.
    let x: f64 = 100.0 / 7.0;
    let changed = f64::from_bits(x.to_bits() + 1);
    assert_eq!(
        format!("{x:.15e}"),
        format!("{changed:.15e}"),
        "same to 16 digits"
    );
    assert_ne!(format!("{x:.16e}"), format!("{changed:.16e}"), "not to 17");
    let nudged = reader(t.port, &t.password, &["nudge", "D", "i", "100", "v"]);
    assert!(
        nudged.starts_with(&format!(
            "f:{:016x} f:{:016x}",
            x.to_bits(),
            changed.to_bits()
        )),
        "{nudged}"
    );
    assert_ne!(
        reader(t.port, &t.password, &["dump"]).trim_end(),
        before,
        "the reader missed the 17th-digit change"
    );
    let differs = check();
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
        "neo4j 5.26 -> 2026.08: {} entities read identically; took {:.1}s",
        before.lines().count(),
        started.elapsed().as_secs_f64()
    );
}
