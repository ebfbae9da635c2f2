//! The content of one graph at one moment, read through two probe queries, and the exact
//! differences between two such states.
//!
//! Migration tests compare a graph with itself over time (before and after up, after up twice,
//! after up then down) and the final states of two servers. The graphs are the scenario's
//! fixtures plus what the scripts make of them, so a state is held in memory. The
//! `__Neo4jMigration` history nodes (and the harness's own `__MH_` names) are not content: they
//! are checked by `history`.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::engine::{Query, QueryResult};
use crate::value::{canonical, Value};

/// The history label, as Neo4j-Migrations writes it.
pub const HISTORY_LABEL: &str = "__Neo4jMigration";

/// The two queries that read a state: nodes, then relationships (with endpoint ids).
pub fn probes() -> Vec<Query> {
    vec![
        Query::new(format!(
            "MATCH (n) WHERE NOT n:{HISTORY_LABEL} RETURN id(n) AS id, labels(n) AS labels, properties(n) AS props"
        )),
        Query::new(format!(
            "MATCH (a)-[r]->(b) WHERE NOT a:{HISTORY_LABEL} AND NOT b:{HISTORY_LABEL} \
             RETURN id(r) AS id, type(r) AS type, properties(r) AS props, id(a) AS src, id(b) AS dst"
        )),
    ]
}

/// One node or relationship.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Labels (sorted) of a node, or the single type of a relationship.
    pub names: Vec<String>,
    pub props: BTreeMap<String, Value>,
    /// For a relationship: its endpoints' node ids.
    pub ends: Option<(i64, i64)>,
    /// Canonical typed encoding of the content (for relationships, with both endpoints' content).
    key: Vec<u8>,
    /// Content with the endpoints' ids instead of their content: what a re-created relationship
    /// on the same server matches.
    local: Vec<u8>,
    /// `(:Customer {id: 1})` or `(:A {..})-[:T {..}]->(:B {..})`.
    pub shown: String,
}

/// A graph's content at one moment, by internal id (ids are only compared within one server).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub nodes: BTreeMap<i64, Entity>,
    pub relationships: BTreeMap<i64, Entity>,
}

fn is_own(name: &str) -> bool {
    name.starts_with("__MH_") || name.starts_with("__mh_")
}

fn node_shown(names: &[String], props: &BTreeMap<String, Value>) -> String {
    let labels: String = names.iter().map(|l| format!(":{l}")).collect();
    if props.is_empty() {
        format!("({labels})")
    } else {
        format!("({labels} {})", Value::Map(props.clone()))
    }
}

fn encode(names: &[String], props: &BTreeMap<String, Value>, out: &mut Vec<u8>) {
    canonical::encode_str_list(names.iter().map(String::as_str), out);
    canonical::encode(&Value::Map(props.clone()), out);
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn props(v: Option<&Value>) -> BTreeMap<String, Value> {
    match v {
        Some(Value::Map(m)) => m
            .iter()
            .filter(|(k, _)| !is_own(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => BTreeMap::new(),
    }
}

impl State {
    /// Builds a state from the results of [`probes`], in order.
    pub fn from_probes(results: &[QueryResult]) -> Result<State, String> {
        let [nodes, rels] = results else {
            return Err(format!("expected 2 probe results, got {}", results.len()));
        };
        let mut state = State::default();
        for row in &nodes.rows {
            let id = row
                .first()
                .and_then(Value::as_int)
                .ok_or_else(|| format!("a node row without an integer id: {row:?}"))?;
            let mut names = strings(row.get(1));
            if names.iter().any(|n| is_own(n)) {
                continue;
            }
            names.sort();
            let props = props(row.get(2));
            let mut key = vec![b'N'];
            encode(&names, &props, &mut key);
            let shown = node_shown(&names, &props);
            state.nodes.insert(
                id,
                Entity {
                    names,
                    props,
                    ends: None,
                    local: key.clone(),
                    key,
                    shown,
                },
            );
        }
        for row in &rels.rows {
            let int = |i: usize| row.get(i).and_then(Value::as_int);
            let (Some(id), Some(src), Some(dst)) = (int(0), int(3), int(4)) else {
                return Err(format!("a relationship row without integer ids: {row:?}"));
            };
            let names = strings(row.get(1));
            if names.iter().any(|n| is_own(n)) {
                continue;
            }
            let (Some(a), Some(b)) = (state.nodes.get(&src), state.nodes.get(&dst)) else {
                continue; // an endpoint is the harness's own
            };
            let props = props(row.get(2));
            let mut key = vec![b'R'];
            encode(&names, &props, &mut key);
            let mut local = key.clone();
            local.extend_from_slice(&src.to_be_bytes());
            local.extend_from_slice(&dst.to_be_bytes());
            key.extend_from_slice(&a.key);
            key.extend_from_slice(&b.key);
            let rel = if props.is_empty() {
                format!(":{}", names.join(""))
            } else {
                format!(":{} {}", names.join(""), Value::Map(props.clone()))
            };
            let shown = format!("{}-[{rel}]->{}", a.shown, b.shown);
            state.relationships.insert(
                id,
                Entity {
                    names,
                    props,
                    ends: Some((src, dst)),
                    local,
                    key,
                    shown,
                },
            );
        }
        Ok(state)
    }

    fn keys(&self) -> Vec<&[u8]> {
        let mut keys: Vec<&[u8]> = self
            .nodes
            .values()
            .chain(self.relationships.values())
            .map(|e| e.key.as_slice())
            .collect();
        keys.sort();
        keys
    }

    /// Whether both hold the same content (ids aside): the same multiset of nodes and of
    /// relationships with their endpoints' content.
    pub fn same_content(&self, other: &State) -> bool {
        self.keys() == other.keys()
    }

    /// A short content hash (16 hex digits), independent of ids and order.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        for k in self.keys() {
            h.update((k.len() as u64).to_le_bytes());
            h.update(k);
        }
        h.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// `12 nodes, 9 relationships`.
    pub fn size(&self) -> String {
        format!(
            "{} nodes, {} relationships",
            self.nodes.len(),
            self.relationships.len()
        )
    }
}

/// What changed between two states of one server, counted like Neo4j's result counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    pub nodes_created: usize,
    pub nodes_deleted: usize,
    pub relationships_created: usize,
    pub relationships_deleted: usize,
    pub properties_set: usize,
    pub properties_removed: usize,
    pub labels_added: usize,
    pub labels_removed: usize,
}

impl Counters {
    pub fn is_empty(&self) -> bool {
        *self == Counters::default()
    }
}

impl std::fmt::Display for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = [
            (self.nodes_created, "node(s) created"),
            (self.nodes_deleted, "node(s) deleted"),
            (self.relationships_created, "relationship(s) created"),
            (self.relationships_deleted, "relationship(s) deleted"),
            (self.properties_set, "propert(y/ies) set"),
            (self.properties_removed, "propert(y/ies) removed"),
            (self.labels_added, "label(s) added"),
            (self.labels_removed, "label(s) removed"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            f.write_str("no change")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// The changes from `before` to `after` (one server): counters, and one line per change,
/// entity by entity. Deleted and created entities with equal content (a relationship
/// re-created by a down script) cancel out; entities kept under the same id are compared
/// property by property and label by label.
pub fn changes(before: &State, after: &State) -> (Counters, Vec<String>) {
    let mut c = Counters::default();
    let mut lines = Vec::new();
    for (kind, b, a) in [
        ("node", &before.nodes, &after.nodes),
        ("relationship", &before.relationships, &after.relationships),
    ] {
        let mut gone: Vec<&Entity> = b
            .iter()
            .filter(|(id, _)| !a.contains_key(id))
            .map(|(_, e)| e)
            .collect();
        let mut new: Vec<&Entity> = a
            .iter()
            .filter(|(id, _)| !b.contains_key(id))
            .map(|(_, e)| e)
            .collect();
        // Count every change (as the server would), then list only what differs in content.
        if kind == "node" {
            c.nodes_created += new.len();
            c.nodes_deleted += gone.len();
            c.labels_added += new.iter().map(|e| e.names.len()).sum::<usize>();
        } else {
            c.relationships_created += new.len();
            c.relationships_deleted += gone.len();
        }
        c.properties_set += new.iter().map(|e| e.props.len()).sum::<usize>();
        gone.retain(|g| match new.iter().position(|n| n.local == g.local) {
            Some(i) => {
                new.remove(i);
                false
            }
            None => true,
        });
        for e in &gone {
            lines.push(format!("{kind} deleted: {}", e.shown));
        }
        for e in &new {
            lines.push(format!("{kind} created: {}", e.shown));
        }
        for (id, old) in b {
            let Some(now) = a.get(id) else { continue };
            if kind == "node" {
                for l in now.names.iter().filter(|l| !old.names.contains(l)) {
                    c.labels_added += 1;
                    lines.push(format!("{kind} {}: label :{l} added", old.shown));
                }
                for l in old.names.iter().filter(|l| !now.names.contains(l)) {
                    c.labels_removed += 1;
                    lines.push(format!("{kind} {}: label :{l} removed", old.shown));
                }
            }
            for (k, v) in &now.props {
                match old.props.get(k) {
                    None => {
                        c.properties_set += 1;
                        lines.push(format!("{kind} {}: property {k} set to {v}", old.shown));
                    }
                    Some(was) if was != v => {
                        c.properties_set += 1;
                        lines.push(format!(
                            "{kind} {}: property {k} changed {was} ({}) -> {v} ({})",
                            old.shown,
                            was.type_name(),
                            v.type_name()
                        ));
                    }
                    _ => {}
                }
            }
            for (k, was) in &old.props {
                if !now.props.contains_key(k) {
                    c.properties_removed += 1;
                    lines.push(format!(
                        "{kind} {}: property {k} removed (was {was})",
                        old.shown
                    ));
                }
            }
        }
    }
    (c, lines)
}

/// The content only one of two servers holds (ids differ across servers, so by content).
pub fn content_difference(a: &State, a_name: &str, b: &State, b_name: &str) -> Vec<String> {
    fn count(s: &State) -> BTreeMap<&[u8], (usize, &str)> {
        let mut m: BTreeMap<&[u8], (usize, &str)> = BTreeMap::new();
        for e in s.nodes.values().chain(s.relationships.values()) {
            m.entry(e.key.as_slice()).or_insert((0, e.shown.as_str())).0 += 1;
        }
        m
    }
    let (ca, cb) = (count(a), count(b));
    let mut lines = Vec::new();
    for (k, (n, shown)) in &ca {
        let m = cb.get(k).map_or(0, |x| x.0);
        if *n > m {
            lines.push(format!("only on {a_name} ({}x): {shown}", n - m));
        }
    }
    for (k, (n, shown)) in &cb {
        let m = ca.get(k).map_or(0, |x| x.0);
        if *n > m {
            lines.push(format!("only on {b_name} ({}x): {shown}", n - m));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestNode<'a> = (i64, &'a str, &'a [(&'a str, Value)]);

    fn state(nodes: &[TestNode<'_>], rels: &[(i64, &str, i64, i64)]) -> State {
        let node_rows = nodes
            .iter()
            .map(|(id, label, props)| {
                vec![
                    Value::Int(*id),
                    Value::List(vec![Value::String(label.to_string())]),
                    Value::Map(
                        props
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.clone()))
                            .collect(),
                    ),
                ]
            })
            .collect();
        let rel_rows = rels
            .iter()
            .map(|(id, t, a, b)| {
                vec![
                    Value::Int(*id),
                    Value::String(t.to_string()),
                    Value::Map(BTreeMap::new()),
                    Value::Int(*a),
                    Value::Int(*b),
                ]
            })
            .collect();
        let r = |rows| QueryResult {
            columns: vec![],
            rows,
            notifications: vec![],
        };
        State::from_probes(&[r(node_rows), r(rel_rows)]).unwrap()
    }

    #[test]
    fn changes_are_counted_and_listed_entity_by_entity() {
        let before = state(
            &[
                (1, "C", &[("name", Value::String("a".into()))]),
                (2, "O", &[]),
            ],
            &[(10, "PLACED", 1, 2)],
        );
        let after = state(
            &[
                (
                    1,
                    "C",
                    &[
                        ("name", Value::String("a".into())),
                        ("status", Value::String("x".into())),
                    ],
                ),
                (2, "O", &[]),
                (3, "L", &[]),
            ],
            &[(11, "PLACED", 1, 2)],
        );
        let (c, lines) = changes(&before, &after);
        assert_eq!(c.nodes_created, 1);
        assert_eq!(c.properties_set, 1);
        assert_eq!(c.relationships_created, 1);
        assert_eq!(c.relationships_deleted, 1);
        // The re-created relationship has the same content: not listed.
        assert_eq!(
            lines,
            vec![
                "node created: (:L)".to_string(),
                "node (:C {name: \"a\"}): property status set to \"x\"".to_string()
            ]
        );
        assert!(!before.same_content(&after));
        let moved = state(
            &[
                (5, "C", &[("name", Value::String("a".into()))]),
                (6, "O", &[]),
            ],
            &[(7, "PLACED", 5, 6)],
        );
        assert!(before.same_content(&moved));
        assert_eq!(before.hash(), moved.hash());
    }

    #[test]
    fn typed_values_differ_and_are_named() {
        let a = state(
            &[(1, "P", &[("born", Value::String("2020-01-02".into()))])],
            &[],
        );
        let b = state(&[(1, "P", &[("born", Value::Int(2020))])], &[]);
        let (_, lines) = changes(&a, &b);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].contains("(STRING) -> 2020 (INTEGER)"), "{lines:?}");
        let d = content_difference(&a, "source", &b, "target");
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].starts_with("only on source"), "{d:?}");
    }
}
