//! Values a FalkorDB target cannot store (or the connection cannot send to it) are reported per
//! label/type, property and reason, the rest of the graph is copied, and the run fails on it:
//! never a crash, never a silent drop. What FalkorDB itself stores (NaN, +/-Inf, -2^63, dates,
//! local datetimes, points inside lists: the fixture writes them as expressions) is copied
//! FalkorDB -> FalkorDB without a finding; values only another engine or a dump can hold (zoned
//! datetimes, fractions of a second, durations with months, byte arrays) are the findings.

use crate::support;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use migration_harness::engine::{GraphConnection, Query};
use migration_harness::graph::export::ExportedNode;
use migration_harness::graph::hash::stream_hash;
use migration_harness::transfer;
use migration_harness::value::{Value, Zone};

const SOURCE: &str = "4.16.3";
const TARGET: &str = "4.18.3";

const FIXTURE: &str = "CREATE (a:Reading {id: 1, value: 0.0/0.0, low: -9223372036854775807 - 1, day: date('2024-01-02')}), \
(b:Reading {id: 2, value: 1.5, at: localdatetime('2024-01-02T03:04:05'), places: [point({latitude: 1.0, longitude: 2.0})]}), \
(a)-[:NEXT {gap: 1.0/0.0, ok: true}]->(b)";

#[tokio::test]
async fn what_falkordb_stores_is_copied_without_findings() {
    let (source, target) = support::start_pair(SOURCE, TARGET).await;
    let (src, tgt): (&dyn GraphConnection, &dyn GraphConnection) =
        (source.connection.as_ref(), target.connection.as_ref());
    src.execute(&Query::new(FIXTURE)).await.unwrap();

    let stats = transfer::logical::copy(src, tgt, 10, &|_| {})
        .await
        .unwrap();
    assert_eq!((stats.nodes, stats.relationships), (2, 1));
    assert!(stats.findings.is_empty(), "{:#?}", stats.findings);
    // Every entity holds a value without a parameter literal: all went through Cypher.
    assert_eq!(stats.bulk_loaded, 0, "{stats:?}");
    assert_eq!(
        stream_hash(src, 10).await.unwrap().graph_hash,
        stream_hash(tgt, 10).await.unwrap().graph_hash
    );
    drop((source, target));
}

/// Values a Neo4j source or a dump can hold and FalkorDB cannot: one finding per property and
/// reason, each naming the kind of value and which side cannot hold it.
#[tokio::test]
async fn unstorable_values_become_findings_per_property_and_kind() {
    let (_source, target) = support::start_pair(SOURCE, TARGET).await;
    let tgt = target.connection.as_ref();
    let day = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    let node = |id: i64, key: &str, v: Value| ExportedNode {
        id,
        labels: vec!["Reading".into()],
        properties: BTreeMap::from([("id".to_owned(), Value::Int(id)), (key.to_owned(), v)]),
    };
    let mut writer = transfer::logical::Writer::start(tgt, 10).await.unwrap();
    writer
        .write_nodes(vec![
            node(
                1,
                "at",
                Value::DateTime {
                    local: day.and_hms_opt(1, 2, 3).unwrap(),
                    zone: Zone::Id("Europe/Stockholm".into()),
                },
            ),
            node(
                2,
                "at",
                Value::LocalDateTime(day.and_hms_milli_opt(1, 2, 3, 500).unwrap()),
            ),
            node(
                3,
                "gap",
                Value::Duration {
                    months: 1,
                    days: 0,
                    seconds: 0,
                    nanoseconds: 0,
                },
            ),
            node(
                4,
                "gap",
                Value::Duration {
                    months: 0,
                    days: 0,
                    seconds: 1,
                    nanoseconds: 500,
                },
            ),
            node(5, "raw", Value::Bytes(vec![1, 2])),
            node(
                6,
                "days",
                Value::List(vec![Value::Date(day), Value::Date(day)]),
            ),
            node(7, "v", Value::Vector(vec![0.5, f32::NEG_INFINITY])),
            node(8, "nan", Value::Float(f64::NAN)),
        ])
        .await
        .unwrap();
    let stats = writer.finish(&|_| {}).await.unwrap();
    let shown: Vec<String> = stats.findings.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "(:Reading) property at (LOCAL DATETIME): not stored on 1 entity: FalkorDB keeps a LOCAL DATETIME to whole seconds only, and this one has a fraction of a second",
            "(:Reading) property at (ZONED DATETIME): not stored on 1 entity: FalkorDB has no zoned datetime type (localdatetime keeps neither the zone nor the instant)",
            "(:Reading) property gap (DURATION): not stored on 1 entity: FalkorDB does not store durations with fractional seconds (duration('PT1.5S') is null, duration({seconds: 1.5}) keeps 1 s)",
            "(:Reading) property gap (DURATION): not stored on 1 entity: FalkorDB keeps a duration as one number of seconds (months and days become seconds counted from 1970-01-01), so 1 month(s) and 0 day(s) would not be kept as such",
            "(:Reading) property raw (BYTES): not stored on 1 entity: FalkorDB has no byte arrays",
            "(:Reading) property v (VECTOR): not stored on 1 entity: FalkorDB's vecf32() takes numbers, and a vector element -Infinity has no literal form",
        ]
    );
    // The list of dates and the NaN were stored, as what they are.
    let stored = tgt
        .execute(&Query::new(
            "MATCH (a:Reading {id: 6}), (b:Reading {id: 8}) RETURN a.days, b.nan",
        ))
        .await
        .unwrap();
    assert_eq!(
        stored.rows,
        [vec![
            Value::List(vec![Value::Date(day), Value::Date(day)]),
            Value::Float(f64::NAN)
        ]]
    );
}

/// A point written with more precision than FalkorDB keeps (a Neo4j source, or a dump from one)
/// is still written, and reported as changed: the server really keeps 32-bit coordinates.
#[tokio::test]
async fn points_beyond_float32_are_written_and_reported_as_changed() {
    use migration_harness::value::Point;

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

/// Through the binary: a FalkorDB -> FalkorDB run of the fixture passes with no
/// `capabilities` finding (before, NaN, infinity, -2^63, dates and lists of points were left
/// out and the run failed on them).
#[test]
fn a_run_copies_every_value_falkordb_stores() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fixture.cypher"), format!("{FIXTURE};\n")).unwrap();
    let scenario = dir.path().join("capabilities.yaml");
    std::fs::write(
        &scenario,
        format!(
            "name: capabilities\nsource:\n  engine: falkordb\n  version: \"{SOURCE}\"\ntarget:\n  engine: falkordb\n  version: \"{TARGET}\"\nfixtures:\n  - file: fixture.cypher\nchecks:\n  - counts: {{}}\n  - content_hash: {{}}\n"
        ),
    )
    .unwrap();
    let out = support::harness()
        .args(["run", "-v", &scenario.display().to_string()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // Nothing the target could not store: the capabilities check passes.
    assert!(stderr.contains("check capabilities ok"), "{stderr}");
    assert!(stderr.contains("check content_hash ok"), "{stderr}");
}
