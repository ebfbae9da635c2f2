//! The normalized rendering behind query snapshots and diffs, pinned with insta: typed values
//! (1, 1.0 and "1" read differently), entities without internal ids, multiset rows sorted.
//! `INSTA_UPDATE=always cargo test --test it -- queries_render::` (or `cargo insta review`) updates them.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDate;
use migration_harness::checks::queries::classify::evaluate;
use migration_harness::checks::queries::record::{Outcome, QueryFailure, SideRecord};
use migration_harness::checks::queries::snapshot::normalized;
use migration_harness::scenario::{ComparisonMode, QuerySpec};
use migration_harness::value::{Node, Point, Relationship, Value, Zone};

fn node(id: i64, labels: &[&str], props: &[(&str, Value)]) -> Node {
    Node {
        id,
        labels: labels.iter().map(|s| s.to_string()).collect(),
        properties: props
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

fn representative() -> Outcome {
    let alice = node(
        7,
        &["Person", "Admin"],
        &[("name", "Alice".into()), ("age", Value::Int(42))],
    );
    let movie = node(3, &["Movie"], &[("score", Value::Float(8.5))]);
    let rel = Relationship {
        id: 11,
        start: 7,
        end: 3,
        rel_type: "RATED".into(),
        properties: BTreeMap::from([("stars".to_string(), Value::Int(5))]),
    };
    let local = NaiveDate::from_ymd_opt(2024, 3, 1)
        .unwrap()
        .and_hms_opt(12, 30, 0)
        .unwrap();
    Outcome::Rows {
        columns: vec!["value".into(), "kind".into()],
        rows: vec![
            vec![Value::Int(1), "integer".into()],
            vec![Value::Float(1.0), "float".into()],
            vec![Value::String("1".into()), "string".into()],
            vec![Value::Null, "null".into()],
            vec![Value::Bool(true), "boolean".into()],
            vec![Value::Float(f64::NAN), "nan".into()],
            vec![Value::Float(-0.0), "negative zero".into()],
            vec![
                Value::List(vec![Value::Int(1), Value::Float(2.5), "x\"y".into()]),
                "list".into(),
            ],
            vec![
                Value::Map(BTreeMap::from([
                    ("b".to_string(), Value::Null),
                    ("a".to_string(), Value::List(vec![])),
                ])),
                "map".into(),
            ],
            vec![Value::Date(local.date()), "date".into()],
            vec![
                Value::DateTime {
                    local,
                    zone: Zone::Id("Europe/Paris".into()),
                },
                "zoned datetime".into(),
            ],
            vec![
                Value::Point(Point {
                    srid: 4326,
                    x: 13.4,
                    y: 52.5,
                    z: None,
                }),
                "point".into(),
            ],
            vec![Value::Node(alice.clone()), "node".into()],
            vec![Value::Relationship(rel.clone()), "relationship".into()],
            vec![
                Value::Path {
                    nodes: vec![alice, movie],
                    relationships: vec![rel],
                },
                "path".into(),
            ],
        ],
        notifications: vec![],
    }
}

#[test]
fn normalized_multiset_rendering() {
    insta::assert_snapshot!(normalized(ComparisonMode::Multiset, &representative()));
}

#[test]
fn normalized_ordered_rendering_keeps_the_row_order() {
    insta::assert_snapshot!(normalized(ComparisonMode::Ordered, &representative()));
}

#[test]
fn normalized_error_rendering() {
    let failed = Outcome::Failed(QueryFailure {
        code: Some("Neo.ClientError.Statement.SyntaxError".into()),
        message: "Invalid input 'RETRUN'".into(),
    });
    insta::assert_snapshot!(normalized(ComparisonMode::Ordered, &failed));
}

#[test]
fn detail_lines_of_an_ordered_difference() {
    let spec: QuerySpec = serde_saphyr::from_str(
        "name: people\ncypher: MATCH (p) RETURN p.id AS id, p.score AS score ORDER BY id\n",
    )
    .unwrap();
    let side = |rows: Vec<Vec<Value>>| SideRecord {
        outcome: Outcome::Rows {
            columns: vec!["id".into(), "score".into()],
            rows,
            notifications: vec![],
        },
        elapsed: Duration::from_millis(2),
    };
    let source = side(vec![
        vec![Value::Int(1), Value::Int(10)],
        vec![Value::Int(2), Value::Int(20)],
        vec![Value::Int(3), Value::Int(30)],
    ]);
    let target = side(vec![
        vec![Value::Int(1), Value::Int(10)],
        vec![Value::Int(2), Value::Float(20.0)],
    ]);
    let report = evaluate(&spec, ComparisonMode::Ordered, &source, &target);
    insta::assert_snapshot!(report.details.join("\n"));
}
