//! A deterministic, typed text rendering of result values, for diffs, multiset keys and
//! snapshots. `1`, `1.0` and `"1"` read differently; nodes and relationships show labels/type
//! and properties but never internal ids (ids are meaningful on one server only), labels sorted.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::value::{Node, Relationship, Value};

/// One value.
pub fn render_value(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

/// One row: `[v1, v2, ...]`.
pub fn render_row(row: &[Value]) -> String {
    let mut out = String::from("[");
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_value(v, &mut out);
    }
    out.push(']');
    out
}

/// A value with its Cypher type, for "changed" lines: `1990 (INTEGER)`.
pub fn render_typed(value: &Value) -> String {
    format!("{} ({})", render_value(value), value.type_name())
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::List(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(v, out);
            }
            out.push(']');
        }
        Value::Map(map) => write_props(map, out),
        Value::Node(n) => write_node(n, out),
        Value::Relationship(r) => write_rel(r, out),
        Value::Path {
            nodes,
            relationships,
        } => {
            out.push_str("path(");
            for (i, node) in nodes.iter().enumerate() {
                write_node(node, out);
                if let (Some(rel), Some(next)) = (relationships.get(i), nodes.get(i + 1)) {
                    let backwards =
                        rel.start == next.id && rel.end == node.id && rel.start != rel.end;
                    out.push_str(if backwards { "<-" } else { "-" });
                    write_rel(rel, out);
                    out.push_str(if backwards { "-" } else { "->" });
                }
            }
            out.push(')');
        }
        // Scalars: the value model's own Cypher-literal display is typed already.
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

fn write_props(props: &BTreeMap<String, Value>, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in props.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(k);
        out.push_str(": ");
        write_value(v, out);
    }
    out.push('}');
}

fn write_node(node: &Node, out: &mut String) {
    let mut labels: Vec<&String> = node.labels.iter().collect();
    labels.sort();
    out.push('(');
    for l in labels {
        out.push(':');
        out.push_str(l);
    }
    out.push(' ');
    write_props(&node.properties, out);
    out.push(')');
}

fn write_rel(rel: &Relationship, out: &mut String) {
    out.push_str("[:");
    out.push_str(&rel.rel_type);
    out.push(' ');
    write_props(&rel.properties, out);
    out.push(']');
}
