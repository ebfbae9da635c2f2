use std::collections::BTreeMap;

use super::{
    CheckData, CheckError, CheckKind, CheckOutcome, CountDifference, CountsDiff, UnmetExpectation,
};
use crate::engine::{GraphConnection, Query};
use crate::graph::is_internal_name;
use crate::scenario::CountsCheck;
use crate::value::Value;

/// Node counts per label and relationship counts per type of one graph.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GraphCounts {
    /// All nodes.
    pub total_nodes: u64,
    /// All relationships.
    pub total_relationships: u64,
    /// Nodes per label.
    pub nodes: BTreeMap<String, u64>,
    /// Relationships per type.
    pub relationships: BTreeMap<String, u64>,
}

/// Counts one graph with three aggregate queries.
pub async fn count(conn: &dyn GraphConnection) -> Result<GraphCounts, CheckError> {
    let err = |source| CheckError::Engine {
        check: "counts".into(),
        source,
    };
    let total = |q: &'static str| async move {
        let r = conn.execute(&Query::new(q)).await.map_err(err)?;
        r.single_count(&conn.describe(), q).map_err(err)
    };
    // A row that is not (name, non-negative count) is an error: skipping it would read as 0
    // on both sides, a difference no one sees.
    let grouped = |q: &'static str| async move {
        let r = conn.execute(&Query::new(q)).await.map_err(err)?;
        let mut out = BTreeMap::new();
        for row in &r.rows {
            match row.as_slice() {
                [Value::String(name), Value::Int(n)] if *n >= 0 => {
                    if !is_internal_name(name) {
                        out.insert(name.clone(), *n as u64);
                    }
                }
                _ => {
                    return Err(err(crate::engine::EngineError::unexpected_reply(
                        &conn.describe(),
                        q,
                        "rows of a name and a non-negative count",
                        &format!("{row:?}"),
                    )))
                }
            }
        }
        Ok::<_, CheckError>(out)
    };
    Ok(GraphCounts {
        total_nodes: total("MATCH (n) RETURN count(n)").await?,
        total_relationships: total("MATCH ()-[r]->() RETURN count(r)").await?,
        nodes: grouped("MATCH (n) UNWIND labels(n) AS label RETURN label, count(*)").await?,
        relationships: grouped("MATCH ()-[r]->() RETURN type(r), count(*)").await?,
    })
}

pub async fn run(
    spec: &CountsCheck,
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
) -> Result<CheckOutcome, CheckError> {
    let (s, t) = (count(source).await?, count(target).await?);
    Ok(outcome(spec, s, t))
}

/// The outcome for both sides' counts: typed differences and unmet expectations, the detail
/// lines written from them.
pub fn outcome(spec: &CountsCheck, s: GraphCounts, t: GraphCounts) -> CheckOutcome {
    let differences = compare_side_by_side(&s, &t);
    let mut unmet = Vec::new();
    if let Some(expect) = &spec.expect {
        for (side, counts) in [("source", &s), ("target", &t)] {
            let mut check = |what: String, expected: u64, found: u64| {
                if expected != found {
                    unmet.push(UnmetExpectation {
                        side: side.to_owned(),
                        what,
                        expected,
                        found,
                    });
                }
            };
            if let Some(n) = expect.total_nodes {
                check("nodes in total".into(), n, counts.total_nodes);
            }
            if let Some(n) = expect.total_relationships {
                check(
                    "relationships in total".into(),
                    n,
                    counts.total_relationships,
                );
            }
            for (label, n) in &expect.nodes {
                check(
                    format!(":{label} nodes"),
                    *n,
                    counts.nodes.get(label).copied().unwrap_or(0),
                );
            }
            for (rel_type, n) in &expect.relationships {
                check(
                    format!(":{rel_type} relationships"),
                    *n,
                    counts.relationships.get(rel_type).copied().unwrap_or(0),
                );
            }
        }
    }
    let details: Vec<String> = differences
        .iter()
        .map(ToString::to_string)
        .chain(unmet.iter().map(ToString::to_string))
        .collect();
    let passed = details.is_empty();
    let summary = format!(
        "{} nodes / {} relationships on the source, {} / {} on the target{}",
        s.total_nodes,
        s.total_relationships,
        t.total_nodes,
        t.total_relationships,
        if passed {
            String::new()
        } else {
            format!(": {} difference(s)", details.len())
        }
    );
    CheckOutcome::new(CheckKind::Counts, passed, summary, details).with_data(CheckData::Counts(
        CountsDiff {
            source: s,
            target: t,
            differences,
            unmet_expectations: unmet,
        },
    ))
}

fn compare_side_by_side(s: &GraphCounts, t: &GraphCounts) -> Vec<CountDifference> {
    let mut out = Vec::new();
    let mut differ = |what: String, source: u64, target: u64| {
        if source != target {
            out.push(CountDifference {
                what,
                source,
                target,
            });
        }
    };
    differ("nodes in total".into(), s.total_nodes, t.total_nodes);
    differ(
        "relationships in total".into(),
        s.total_relationships,
        t.total_relationships,
    );
    for (kind, sm, tm) in [
        ("nodes", &s.nodes, &t.nodes),
        ("relationships", &s.relationships, &t.relationships),
    ] {
        let names: std::collections::BTreeSet<&String> = sm.keys().chain(tm.keys()).collect();
        for name in names {
            differ(
                format!(":{name} {kind}"),
                sm.get(name).copied().unwrap_or(0),
                tm.get(name).copied().unwrap_or(0),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dialect::EngineKind;
    use crate::engine::{Dialect, EngineError, QueryResult, ServerInfo};

    /// A server that answers every statement with the same reply.
    struct Replies(Dialect, Vec<Vec<Value>>);

    #[async_trait::async_trait]
    impl GraphConnection for Replies {
        fn describe(&self) -> String {
            "target Neo4j 5.26 (fake)".into()
        }
        fn dialect(&self) -> &Dialect {
            &self.0
        }
        async fn execute(&self, _: &Query) -> Result<QueryResult, EngineError> {
            Ok(QueryResult {
                columns: vec!["count".into()],
                rows: self.1.clone(),
                notifications: vec![],
            })
        }
        async fn server_info(&self) -> Result<ServerInfo, EngineError> {
            Ok(ServerInfo::default())
        }
        async fn wipe(&self) -> Result<(), EngineError> {
            Ok(())
        }
    }

    fn replying(rows: Vec<Vec<Value>>) -> Replies {
        Replies(Dialect::new(EngineKind::Neo4j, None), rows)
    }

    #[tokio::test]
    async fn an_unreadable_count_is_an_error_naming_server_and_query_never_zero() {
        for rows in [
            vec![],
            vec![vec![Value::String("3".into())]],
            vec![vec![Value::Null]],
            vec![vec![Value::Int(-1)]],
            vec![vec![Value::Int(1)], vec![Value::Int(2)]],
        ] {
            let e = count(&replying(rows.clone()))
                .await
                .expect_err(&format!("{rows:?} must not count"));
            let shown = crate::io_error::error_chain(&e);
            assert!(shown.contains("target Neo4j 5.26 (fake)"), "{shown}");
            assert!(shown.contains("MATCH (n) RETURN count(n)"), "{shown}");
        }
    }

    #[tokio::test]
    async fn a_grouped_count_row_that_is_not_name_and_count_is_an_error() {
        // The totals read the first value of this reply; the grouped queries the whole row.
        struct Grouped(Dialect);
        #[async_trait::async_trait]
        impl GraphConnection for Grouped {
            fn describe(&self) -> String {
                "source FalkorDB (fake)".into()
            }
            fn dialect(&self) -> &Dialect {
                &self.0
            }
            async fn execute(&self, q: &Query) -> Result<QueryResult, EngineError> {
                let rows = if q.text.contains("labels(n)") {
                    vec![vec![Value::String("Person".into()), Value::Float(2.0)]]
                } else {
                    vec![vec![Value::Int(2)]]
                };
                Ok(QueryResult {
                    rows,
                    ..QueryResult::default()
                })
            }
            async fn server_info(&self) -> Result<ServerInfo, EngineError> {
                Ok(ServerInfo::default())
            }
            async fn wipe(&self) -> Result<(), EngineError> {
                Ok(())
            }
        }
        let e = count(&Grouped(Dialect::new(EngineKind::Falkordb, None)))
            .await
            .expect_err("a float count must not be skipped");
        let shown = crate::io_error::error_chain(&e);
        assert!(shown.contains("source FalkorDB (fake)"), "{shown}");
        assert!(shown.contains("UNWIND labels(n)"), "{shown}");
    }

    #[test]
    fn side_by_side_lists_every_differing_label_and_type() {
        let s = GraphCounts {
            total_nodes: 3,
            total_relationships: 1,
            nodes: BTreeMap::from([("A".into(), 2), ("B".into(), 1)]),
            relationships: BTreeMap::from([("R".into(), 1)]),
        };
        let t = GraphCounts {
            total_nodes: 2,
            nodes: BTreeMap::from([("A".into(), 2)]),
            ..GraphCounts::default()
        };
        let d: Vec<String> = compare_side_by_side(&s, &t)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            d,
            [
                "nodes in total: source 3, target 2",
                "relationships in total: source 1, target 0",
                ":B nodes: source 1, target 0",
                ":R relationships: source 1, target 0"
            ]
        );
    }
}
