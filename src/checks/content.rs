//! Content identity. Every node is reduced to (labels, properties) and every relationship to
//! (type, properties, start node content, end node content); each gets a digest of its
//! canonical typed encoding, and the graph hash is the digest of all of them sorted, so it is
//! independent of ids and order. When the hashes differ, the exact differences are listed:
//! missing, extra, or changed (property, old typed value, new typed value) when business keys
//! are declared for a label.
//!
//! The hash is the graph floor's streaming hash ([`crate::graph::hash::stream_hash`]), both sides
//! at once. Only when the hashes differ are both graphs read again with their digests kept
//! ([`snapshot`], O(entities)) to list the exact differences.

use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256};

use super::{
    CheckData, CheckError, CheckKind, CheckOutcome, ContentDiff, ContentDifference, ContentNode,
    ContentRelationship,
};
use crate::engine::GraphConnection;
use crate::graph::export::{NodePager, RelationshipPager};
use crate::graph::hash::{node_digest, relationship_digest, stream_hash, Hash, NodeContent};
use crate::graph::is_internal_name;
use crate::scenario::ContentHashCheck;
use crate::value::Value;

/// A node's business key: its keyed label and (property, value) pairs.
type BusinessKey = (String, Vec<(String, String)>);
const DEFAULT_MAX_DIFFS: usize = 20;

/// Everything the check knows about one side.
#[derive(Debug, Default)]
pub struct Snapshot {
    nodes: Vec<(Hash, NodeContent)>,
    /// (digest, content) of every relationship; endpoints are indexes into `nodes`.
    relationships: Vec<(Hash, RelationshipContent)>,
    pub graph_hash: String,
}

/// A relationship's content, its endpoints by their place in [`Snapshot::nodes`].
#[derive(Debug)]
struct RelationshipContent {
    rel_type: String,
    properties: BTreeMap<String, Value>,
    start: usize,
    end: usize,
}

/// The typed node of a difference: its content and the business-key properties of its labels.
fn content_node(node: &NodeContent, keys: &BTreeMap<String, Vec<String>>) -> ContentNode {
    ContentNode {
        labels: node.labels.clone(),
        properties: node.properties.clone(),
        key: node
            .labels
            .iter()
            .filter_map(|l| keys.get(l))
            .flatten()
            .cloned()
            .collect(),
    }
}

/// Reads a whole graph and computes its content digests.
pub async fn snapshot(conn: &dyn GraphConnection, batch: u64) -> Result<Snapshot, CheckError> {
    let read_err = |source| CheckError::Read {
        check: "content_hash".into(),
        source,
    };
    let mut by_id: HashMap<i64, (Hash, usize)> = HashMap::new();
    let mut snap = Snapshot::default();
    let mut pager = NodePager::new(batch);
    loop {
        let page = pager.next_page(conn).await.map_err(read_err)?;
        if page.is_empty() {
            break;
        }
        for n in page {
            let mut labels: Vec<String> = n
                .labels
                .into_iter()
                .filter(|l| !is_internal_name(l))
                .collect();
            labels.sort();
            let properties = n
                .properties
                .into_iter()
                .filter(|(k, _)| !is_internal_name(k))
                .collect();
            let content = NodeContent { labels, properties };
            let h = node_digest(&content);
            by_id.insert(n.id, (h, snap.nodes.len()));
            snap.nodes.push((h, content));
        }
    }
    let mut pager = RelationshipPager::new(batch);
    loop {
        let page = pager.next_page(conn).await.map_err(read_err)?;
        if page.is_empty() {
            break;
        }
        for r in page {
            let (Some(&(sh, start)), Some(&(th, end))) = (by_id.get(&r.start), by_id.get(&r.end))
            else {
                continue; // an endpoint created while reading; not part of this snapshot
            };
            let properties: BTreeMap<String, Value> = r
                .properties
                .into_iter()
                .filter(|(k, _)| !is_internal_name(k))
                .collect();
            let h = relationship_digest(&r.rel_type, &properties, &sh, &th);
            snap.relationships.push((
                h,
                RelationshipContent {
                    rel_type: r.rel_type,
                    properties,
                    start,
                    end,
                },
            ));
        }
    }
    let mut all: Vec<&Hash> = snap
        .nodes
        .iter()
        .map(|(h, _)| h)
        .chain(snap.relationships.iter().map(|(h, _)| h))
        .collect();
    all.sort();
    let mut hasher = Sha256::new();
    for h in all {
        hasher.update(h);
    }
    snap.graph_hash = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(snap)
}

pub async fn run(
    spec: &ContentHashCheck,
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
    batch: u64,
) -> Result<CheckOutcome, CheckError> {
    let read_err = |source| CheckError::Read {
        check: "content_hash".into(),
        source,
    };
    // Both sides at once: each is bound by its own server's reads. The first side to fail
    // ends both (a dead server is reported at once, not when the other side has finished).
    let (sh, th) = tokio::try_join!(
        async { stream_hash(source, batch).await.map_err(read_err) },
        async { stream_hash(target, batch).await.map_err(read_err) }
    )?;
    let passed = sh.graph_hash == th.graph_hash;
    let mut differences = if passed {
        Vec::new()
    } else {
        // Only on a mismatch: read both again, keeping digests, for the exact differences.
        let s = snapshot(source, batch).await?;
        let t = snapshot(target, batch).await?;
        diff(&s, &t, &spec.keys)
    };
    let max = spec.max_diffs.unwrap_or(DEFAULT_MAX_DIFFS);
    let more = differences.len().saturating_sub(max);
    differences.truncate(max);
    Ok(outcome(ContentDiff {
        source_hash: sh.graph_hash,
        target_hash: th.graph_hash,
        source_nodes: sh.nodes,
        source_relationships: sh.relationships,
        target_nodes: th.nodes,
        target_relationships: th.relationships,
        differences,
        more,
    }))
}

/// The outcome for two hashes: summary and detail lines written from the typed data.
pub fn outcome(data: ContentDiff) -> CheckOutcome {
    let passed = data.source_hash == data.target_hash;
    let mut details: Vec<String> = data.differences.iter().map(ToString::to_string).collect();
    if data.more > 0 {
        details.push(format!("… and {} more difference(s)", data.more));
    }
    let short = |h: &str| h.get(..16).unwrap_or(h).to_owned();
    let summary = format!(
        "{} nodes + {} relationships hashed on each side: source {}, target {}",
        data.source_nodes,
        data.source_relationships,
        short(&data.source_hash),
        short(&data.target_hash)
    );
    CheckOutcome::new(CheckKind::ContentHash, passed, summary, details)
        .with_data(CheckData::Content(data))
}

/// The key of a node under the declared business keys: its first keyed label and that label's
/// key values. `None` when no key is declared for its labels or a key property is absent.
fn business_key(node: &NodeContent, keys: &BTreeMap<String, Vec<String>>) -> Option<BusinessKey> {
    node.labels.iter().find_map(|label| {
        let props = keys.get(label)?;
        let values = props
            .iter()
            .map(|p| node.properties.get(p).map(|v| (p.clone(), v.to_string())))
            .collect::<Option<Vec<_>>>()?;
        Some((label.clone(), values))
    })
}

fn diff(
    s: &Snapshot,
    t: &Snapshot,
    keys: &BTreeMap<String, Vec<String>>,
) -> Vec<ContentDifference> {
    let mut out = Vec::new();
    // Nodes: the multiset difference by digest, then pair up by business key where declared.
    let (missing, extra) = multiset_diff(
        s.nodes.iter().map(|(h, n)| (*h, n)),
        t.nodes.iter().map(|(h, n)| (*h, n)),
    );
    let mut extra_by_key: BTreeMap<BusinessKey, Vec<&NodeContent>> = BTreeMap::new();
    let mut extra_unkeyed = Vec::new();
    for n in &extra {
        match business_key(n, keys) {
            Some(k) => extra_by_key.entry(k).or_default().push(n),
            None => extra_unkeyed.push(*n),
        }
    }
    for n in &missing {
        let paired =
            business_key(n, keys).and_then(|k| extra_by_key.get_mut(&k).and_then(Vec::pop));
        out.push(match paired {
            Some(new) => ContentDifference::ChangedNode {
                source: content_node(n, keys),
                target: content_node(new, keys),
            },
            None => ContentDifference::MissingNode {
                node: content_node(n, keys),
            },
        });
    }
    for n in extra_by_key.values().flatten().chain(extra_unkeyed.iter()) {
        out.push(ContentDifference::ExtraNode {
            node: content_node(n, keys),
        });
    }
    // Relationships: multiset difference by digest (which includes both endpoints' content).
    let (missing, extra) = multiset_diff(
        s.relationships.iter().map(|(h, r)| (*h, r)),
        t.relationships.iter().map(|(h, r)| (*h, r)),
    );
    let typed = |snap: &Snapshot, r: &RelationshipContent| ContentRelationship {
        rel_type: r.rel_type.clone(),
        properties: r.properties.clone(),
        start: content_node(&snap.nodes[r.start].1, keys),
        end: content_node(&snap.nodes[r.end].1, keys),
    };
    out.extend(
        missing
            .iter()
            .map(|r| ContentDifference::MissingRelationship {
                relationship: typed(s, r),
            }),
    );
    out.extend(extra.iter().map(|r| ContentDifference::ExtraRelationship {
        relationship: typed(t, r),
    }));
    out
}

/// Items of `a` not matched in `b` and items of `b` not matched in `a`, counting duplicates.
fn multiset_diff<'a, T>(
    a: impl Iterator<Item = (Hash, &'a T)>,
    b: impl Iterator<Item = (Hash, &'a T)>,
) -> (Vec<&'a T>, Vec<&'a T>) {
    let mut counts: HashMap<Hash, (i64, Vec<&'a T>, Vec<&'a T>)> = HashMap::new();
    for (h, item) in a {
        let e = counts.entry(h).or_default();
        e.0 += 1;
        e.1.push(item);
    }
    for (h, item) in b {
        let e = counts.entry(h).or_default();
        e.0 -= 1;
        e.2.push(item);
    }
    let mut missing = Vec::new();
    let mut extra = Vec::new();
    let mut entries: Vec<_> = counts.into_iter().collect();
    entries.sort_by_key(|e| e.0);
    for (_, (n, left, right)) in entries {
        if n > 0 {
            missing.extend(left.into_iter().take(n as usize));
        } else if n < 0 {
            extra.extend(right.into_iter().take((-n) as usize));
        }
    }
    (missing, extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(labels: &[&str], props: &[(&str, Value)]) -> NodeContent {
        NodeContent {
            labels: labels.iter().map(|s| s.to_string()).collect(),
            properties: props
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        }
    }

    fn lines(d: &[ContentDifference]) -> Vec<String> {
        d.iter().map(ToString::to_string).collect()
    }

    fn snap(nodes: Vec<NodeContent>) -> Snapshot {
        Snapshot {
            nodes: nodes.into_iter().map(|n| (node_digest(&n), n)).collect(),
            ..Snapshot::default()
        }
    }

    #[test]
    fn a_type_change_is_reported_per_property_when_keys_are_declared() {
        let keys = BTreeMap::from([("Person".to_string(), vec!["id".to_string()])]);
        let s = snap(vec![node(
            &["Person"],
            &[("id", Value::Int(1)), ("age", Value::Int(42))],
        )]);
        let t = snap(vec![node(
            &["Person"],
            &[("id", Value::Int(1)), ("age", Value::Float(42.0))],
        )]);
        assert_eq!(
            lines(&diff(&s, &t, &keys)),
            ["changed node (:Person {id: 1}): property age: 42 (INTEGER) -> 42.0 (FLOAT)"]
        );
    }

    #[test]
    fn without_keys_differences_are_missing_and_extra_by_content() {
        let s = snap(vec![
            node(&["A"], &[("x", Value::Int(1))]),
            node(&["A"], &[("x", Value::Int(1))]),
        ]);
        let t = snap(vec![
            node(&["A"], &[("x", Value::Int(1))]),
            node(&["A"], &[("x", Value::String("1".into()))]),
        ]);
        assert_eq!(
            lines(&diff(&s, &t, &BTreeMap::new())),
            [
                "missing on target: node (:A {x: 1})",
                "extra on target: node (:A {x: \"1\"})"
            ]
        );
    }

    #[test]
    fn a_difference_serializes_both_sides_typed_and_its_line_is_its_display() {
        let keys = BTreeMap::from([("Person".to_string(), vec!["id".to_string()])]);
        let s = snap(vec![node(
            &["Person"],
            &[("id", Value::Int(1)), ("age", Value::Int(42))],
        )]);
        let t = snap(vec![node(
            &["Person"],
            &[("id", Value::Int(1)), ("age", Value::Float(42.0))],
        )]);
        let d = diff(&s, &t, &keys);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json[0]["kind"], "changed_node");
        assert_eq!(
            json[0]["source"]["properties"]["age"],
            serde_json::json!({"type": "INTEGER", "value": "42"})
        );
        assert_eq!(
            json[0]["target"]["properties"]["age"],
            serde_json::json!({"type": "FLOAT", "value": "42.0"})
        );
        assert_eq!(json[0]["source"]["key"], serde_json::json!(["id"]));
        let o = outcome(ContentDiff {
            source_hash: "a".into(),
            target_hash: "b".into(),
            differences: d,
            more: 2,
            ..ContentDiff::default()
        });
        assert_eq!(
            o.details,
            [
                "changed node (:Person {id: 1}): property age: 42 (INTEGER) -> 42.0 (FLOAT)",
                "… and 2 more difference(s)"
            ]
        );
    }
}
