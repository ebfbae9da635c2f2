//! Values a FalkorDB target cannot store (or the connection cannot send to it) are reported per
//! label/type and property, the rest of the graph is copied, and the run fails on it: never a
//! crash, never a silent drop. The source is a real FalkorDB 4.16.3, which stores NaN, +/-Inf,
//! -2^63, dates and local datetimes (written as expressions, not parameters).

mod support;

use migration_harness::checks::content::stream_hash;
use migration_harness::engine::{GraphConnection, Query};
use migration_harness::transfer;

const SOURCE: &str = "4.16.3";
const TARGET: &str = "4.18.3";

const FIXTURE: &str = "CREATE (a:Reading {id: 1, value: 0.0/0.0, low: -9223372036854775807 - 1, day: date('2024-01-02')}), \
(b:Reading {id: 2, value: 1.5, at: localdatetime('2024-01-02T03:04:05'), places: [point({latitude: 1.0, longitude: 2.0})]}), \
(a)-[:NEXT {gap: 1.0/0.0, ok: true}]->(b)";

#[tokio::test]
async fn unstorable_values_become_findings_per_property() {
    let (source, target) = support::start_pair(SOURCE, TARGET).await;
    let (src, tgt): (&dyn GraphConnection, &dyn GraphConnection) =
        (source.connection.as_ref(), target.connection.as_ref());
    src.execute(&Query::new(FIXTURE)).await.unwrap();

    let stats = transfer::logical::copy(src, tgt, 10, &|_| {})
        .await
        .unwrap();
    assert_eq!((stats.nodes, stats.relationships), (2, 1));
    // The target graph did not exist: what GRAPH.BULK can carry went through it.
    assert_eq!(stats.bulk_loaded, 3, "{stats:?}");
    let shown: Vec<String> = stats.findings.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "(:Reading) property at (LOCAL DATETIME): not stored on 1 entity: FalkorDB cannot take a LOCAL DATETIME as a parameter literal (and keeps whole seconds only, without zones)",
            "(:Reading) property day (DATE): not stored on 1 entity: FalkorDB cannot take a DATE as a parameter literal (and keeps whole seconds only, without zones)",
            "(:Reading) property low (INTEGER): not stored on 1 entity: FalkorDB stores -9223372036854775808 but cannot take it as a parameter literal",
            "(:Reading) property places (LIST): not stored on 1 entity: FalkorDB cannot parse points inside a parameter literal; the copy sends top-level points only",
            "(:Reading) property value (FLOAT): not stored on 1 entity: FalkorDB stores NaN but cannot take it as a parameter literal",
            "[:NEXT] property gap (FLOAT): not stored on 1 entity: FalkorDB stores Infinity but cannot take it as a parameter literal",
        ]
    );
    // Everything else arrived.
    let left = tgt
        .execute(&Query::new(
            "MATCH (a:Reading {id: 1})-[r:NEXT]->(b:Reading {id: 2}) RETURN r.ok, b.value",
        ))
        .await
        .unwrap();
    assert_eq!(left.rows.len(), 1, "{left:?}");
    assert_ne!(
        stream_hash(src, 10).await.unwrap().graph_hash,
        stream_hash(tgt, 10).await.unwrap().graph_hash
    );
    drop((source, target));
}

/// A point written with more precision than FalkorDB keeps (a Neo4j source, or a dump from one)
/// is still written, and reported as changed: the server really keeps 32-bit coordinates.
#[tokio::test]
async fn points_beyond_float32_are_written_and_reported_as_changed() {
    use std::collections::BTreeMap;

    use migration_harness::transfer::export::ExportedNode;
    use migration_harness::value::{Point, Value};

    let (_source, target) = support::start_pair(SOURCE, TARGET).await;
    let tgt = target.connection.as_ref();
    let loc = Point {
        srid: 4326,
        x: 12.345678901,
        y: 55.1,
        z: None,
    };
    let mut writer = transfer::logical::Writer::start(tgt, 10).await.unwrap();
    writer
        .write_nodes(vec![ExportedNode {
            id: 0,
            labels: vec!["Place".into()],
            properties: BTreeMap::from([("loc".to_owned(), Value::Point(loc.clone()))]),
        }])
        .await
        .unwrap();
    let stats = writer.finish(&|_| {}).await.unwrap();
    let shown: Vec<String> = stats.findings.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        ["(:Place) property loc (POINT): changed on 1 entity: FalkorDB keeps point coordinates as 32-bit floats: longitude 12.345678901 latitude 55.1 are read back as 12.34567928314209 55.099998474121094"]
    );
    let stored = tgt
        .execute(&Query::new("MATCH (p:Place) RETURN p.loc"))
        .await
        .unwrap();
    let Some(Value::Point(p)) = stored.single() else {
        panic!("no point stored: {stored:?}");
    };
    // The server keeps the 32-bit value (printed to 15 significant digits, which the reader
    // rounds back to that f32), as predicted.
    assert_eq!((p.x, p.y), (f64::from(12.345_679_f32), f64::from(55.1f32)));
}

/// Through the binary: the run fails with a `capabilities` check naming each property.
#[test]
fn a_run_reports_capability_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fixture.cypher"), format!("{FIXTURE};\n")).unwrap();
    let scenario = dir.path().join("capabilities.yaml");
    std::fs::write(
        &scenario,
        format!(
            "name: capabilities\nsource:\n  engine: falkordb\n  version: \"{SOURCE}\"\ntarget:\n  engine: falkordb\n  version: \"{TARGET}\"\nfixtures:\n  - file: fixture.cypher\nchecks:\n  - counts: {{}}\n"
        ),
    )
    .unwrap();
    let out = support::harness()
        .args(["run", &scenario.display().to_string()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("capabilities"), "{stderr}");
    assert!(
        stderr.contains("(:Reading) property value (FLOAT): not stored on 1 entity"),
        "{stderr}"
    );
    assert!(stderr.contains("[:NEXT] property gap (FLOAT)"), "{stderr}");
}
