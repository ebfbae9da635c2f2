use std::collections::BTreeMap;

use super::{CheckError, CheckOutcome};
use crate::engine::{GraphConnection, Query};
use crate::graph::is_internal_name;
use crate::scenario::CountsCheck;
use crate::value::Value;

/// Node counts per label and relationship counts per type of one graph.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GraphCounts {
    pub total_nodes: u64,
    pub total_relationships: u64,
    pub nodes: BTreeMap<String, u64>,
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
        Ok::<u64, CheckError>(r.single().and_then(Value::as_int).unwrap_or(0).max(0) as u64)
    };
    let grouped = |q: &'static str| async move {
        let r = conn.execute(&Query::new(q)).await.map_err(err)?;
        let mut out = BTreeMap::new();
        for row in r.rows {
            if let [Value::String(name), Value::Int(n)] = row.as_slice() {
                if !is_internal_name(name) {
                    out.insert(name.clone(), (*n).max(0) as u64);
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
    let mut details = Vec::new();
    compare_side_by_side(&s, &t, &mut details);
    if let Some(expect) = &spec.expect {
        for (side, counts) in [("source", &s), ("target", &t)] {
            let mut check = |what: String, expected: u64, actual: u64| {
                if expected != actual {
                    details.push(format!(
                        "{side}: expected {expected} {what}, found {actual}"
                    ));
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
    Ok(CheckOutcome::new("counts", passed, summary, details))
}

fn compare_side_by_side(s: &GraphCounts, t: &GraphCounts, details: &mut Vec<String>) {
    if s.total_nodes != t.total_nodes {
        details.push(format!(
            "nodes in total: source {}, target {}",
            s.total_nodes, t.total_nodes
        ));
    }
    if s.total_relationships != t.total_relationships {
        details.push(format!(
            "relationships in total: source {}, target {}",
            s.total_relationships, t.total_relationships
        ));
    }
    for (kind, sm, tm) in [
        ("nodes", &s.nodes, &t.nodes),
        ("relationships", &s.relationships, &t.relationships),
    ] {
        let names: std::collections::BTreeSet<&String> = sm.keys().chain(tm.keys()).collect();
        for name in names {
            let (a, b) = (
                sm.get(name).copied().unwrap_or(0),
                tm.get(name).copied().unwrap_or(0),
            );
            if a != b {
                details.push(format!(":{name} {kind}: source {a}, target {b}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut d = Vec::new();
        compare_side_by_side(&s, &t, &mut d);
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
