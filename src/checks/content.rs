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

use std::collections::{BTreeMap, BTreeSet, HashMap};

use sha2::{Digest, Sha256};

use super::{CheckData, CheckError, CheckKind, CheckOutcome, ContentDiff};
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
    /// (digest, description) of every relationship.
    relationships: Vec<(Hash, String)>,
    pub graph_hash: String,
}

fn describe_node(node: &NodeContent, keys: &BTreeMap<String, Vec<String>>) -> String {
    let labels: String = node.labels.iter().map(|l| format!(":{l}")).collect();
    let key_props: Vec<&String> = node
        .labels
        .iter()
        .filter_map(|l| keys.get(l))
        .flatten()
        .collect();
    let shown: Vec<String> = node
        .properties
        .iter()
        .filter(|(k, _)| key_props.is_empty() || key_props.contains(k))
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    let mut props = shown.join(", ");
    if props.chars().count() > 160 {
        props = props.chars().take(160).collect::<String>() + "…";
    }
    format!("({labels} {{{props}}})")
}

/// Reads a whole graph and computes its content digests.
pub async fn snapshot(
    conn: &dyn GraphConnection,
    batch: u64,
    keys: &BTreeMap<String, Vec<String>>,
) -> Result<Snapshot, CheckError> {
    let read_err = |source| CheckError::Read {
        check: "content_hash".into(),
        source,
    };
    let mut by_id: HashMap<i64, (Hash, String)> = HashMap::new();
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
            by_id.insert(n.id, (h, describe_node(&content, keys)));
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
            let (Some((sh, sd)), Some((th, td))) = (by_id.get(&r.start), by_id.get(&r.end)) else {
                continue; // an endpoint created while reading; not part of this snapshot
            };
            let properties: BTreeMap<String, Value> = r
                .properties
                .into_iter()
                .filter(|(k, _)| !is_internal_name(k))
                .collect();
            let h = relationship_digest(&r.rel_type, &properties, sh, th);
            let props: Vec<String> = properties
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            let description = format!("{sd}-[:{} {{{}}}]->{td}", r.rel_type, props.join(", "));
            snap.relationships.push((h, description));
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
        let s = snapshot(source, batch, &spec.keys).await?;
        let t = snapshot(target, batch, &spec.keys).await?;
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
    let mut details = data.differences.clone();
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

fn diff(s: &Snapshot, t: &Snapshot, keys: &BTreeMap<String, Vec<String>>) -> Vec<String> {
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
        match paired {
            Some(new) => out.push(format!(
                "changed node {}: {}",
                describe_node(n, keys),
                property_changes(n, new)
            )),
            None => out.push(format!(
                "missing on target: node {}",
                describe_node(n, keys)
            )),
        }
    }
    for n in extra_by_key.values().flatten().chain(extra_unkeyed.iter()) {
        out.push(format!("extra on target: node {}", describe_node(n, keys)));
    }
    // Relationships: multiset difference by digest (which includes both endpoints' content).
    let (missing, extra) = multiset_diff(
        s.relationships.iter().map(|(h, d)| (*h, d)),
        t.relationships.iter().map(|(h, d)| (*h, d)),
    );
    out.extend(
        missing
            .iter()
            .map(|d| format!("missing on target: relationship {d}")),
    );
    out.extend(
        extra
            .iter()
            .map(|d| format!("extra on target: relationship {d}")),
    );
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

fn property_changes(old: &NodeContent, new: &NodeContent) -> String {
    let mut changes = Vec::new();
    if old.labels != new.labels {
        changes.push(format!("labels {:?} -> {:?}", old.labels, new.labels));
    }
    let keys: BTreeSet<&String> = old.properties.keys().chain(new.properties.keys()).collect();
    for k in keys {
        match (old.properties.get(k), new.properties.get(k)) {
            (Some(a), Some(b)) if a != b => changes.push(format!(
                "property {k}: {a} ({}) -> {b} ({})",
                a.type_name(),
                b.type_name()
            )),
            (Some(a), None) => {
                changes.push(format!("property {k}: {a} ({}) -> absent", a.type_name()))
            }
            (None, Some(b)) => {
                changes.push(format!("property {k}: absent -> {b} ({})", b.type_name()))
            }
            _ => {}
        }
    }
    changes.join("; ")
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
            diff(&s, &t, &keys),
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
            diff(&s, &t, &BTreeMap::new()),
            [
                "missing on target: node (:A {x: 1})",
                "extra on target: node (:A {x: \"1\"})"
            ]
        );
    }
}
