//! Comparing two result sets: typed equality (optionally with a float tolerance), multiset
//! diffs, and the first differing row of ordered results.

use std::collections::BTreeMap;

use super::render::{render_row, render_typed};
use crate::scenario::ComparisonMode;
use crate::value::{Node, Relationship, Value};

/// Columns and rows of one side.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    pub columns: &'a [String],
    pub rows: &'a [Vec<Value>],
}

/// What differs between two results. Empty when they are the same under the mode.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultDiff {
    /// `(source columns, target columns)` when the column names differ.
    pub columns: Option<(Vec<String>, Vec<String>)>,
    /// Rendered rows present on the source and not on the target (multiset difference), sorted.
    pub only_source: Vec<String>,
    /// Rendered rows present on the target and not on the source, sorted.
    pub only_target: Vec<String>,
    /// Ordered mode: the first index where the rows differ.
    pub first_difference: Option<OrderedDifference>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderedDifference {
    /// 0-based row index.
    pub index: usize,
    pub source: Option<String>,
    pub target: Option<String>,
    /// `column: old (TYPE) -> new (TYPE)` for each differing column, when both rows exist.
    pub changes: Vec<String>,
}

impl ResultDiff {
    pub fn is_empty(&self) -> bool {
        self.columns.is_none()
            && self.only_source.is_empty()
            && self.only_target.is_empty()
            && self.first_difference.is_none()
    }
}

/// Typed equality, with floats (also inside lists, maps, entities and points) equal when within
/// `tolerance`. An INTEGER never equals a FLOAT; internal ids of nodes and relationships are
/// ignored (they identify nothing across servers), as is the order of a node's labels.
pub fn values_match(a: &Value, b: &Value, tolerance: Option<f64>) -> bool {
    use Value::*;
    match (a, b) {
        (Float(x), Float(y)) => floats_match(*x, *y, tolerance),
        (List(x), List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| values_match(a, b, tolerance))
        }
        (Map(x), Map(y)) => props_match(x, y, tolerance),
        (Node(x), Node(y)) => nodes_match(x, y, tolerance),
        (Relationship(x), Relationship(y)) => rels_match(x, y, tolerance),
        (
            Path {
                nodes: n1,
                relationships: r1,
            },
            Path {
                nodes: n2,
                relationships: r2,
            },
        ) => {
            n1.len() == n2.len()
                && r1.len() == r2.len()
                && n1.iter().zip(n2).all(|(a, b)| nodes_match(a, b, tolerance))
                && r1.iter().zip(r2).all(|(a, b)| rels_match(a, b, tolerance))
        }
        (Point(p), Point(q)) => {
            p.srid == q.srid
                && floats_match(p.x, q.x, tolerance)
                && floats_match(p.y, q.y, tolerance)
                && match (p.z, q.z) {
                    (Some(a), Some(b)) => floats_match(a, b, tolerance),
                    (None, None) => true,
                    _ => false,
                }
        }
        _ => a == b,
    }
}

fn floats_match(x: f64, y: f64, tolerance: Option<f64>) -> bool {
    if Value::Float(x) == Value::Float(y) {
        return true;
    }
    match tolerance {
        Some(t) if x.is_finite() && y.is_finite() => (x - y).abs() <= t,
        _ => false,
    }
}

fn props_match(
    x: &BTreeMap<String, Value>,
    y: &BTreeMap<String, Value>,
    tolerance: Option<f64>,
) -> bool {
    x.len() == y.len()
        && x.iter()
            .zip(y)
            .all(|((ka, va), (kb, vb))| ka == kb && values_match(va, vb, tolerance))
}

fn nodes_match(x: &Node, y: &Node, tolerance: Option<f64>) -> bool {
    let mut lx: Vec<&String> = x.labels.iter().collect();
    let mut ly: Vec<&String> = y.labels.iter().collect();
    lx.sort();
    ly.sort();
    lx == ly && props_match(&x.properties, &y.properties, tolerance)
}

fn rels_match(x: &Relationship, y: &Relationship, tolerance: Option<f64>) -> bool {
    x.rel_type == y.rel_type && props_match(&x.properties, &y.properties, tolerance)
}

pub fn rows_match(a: &[Value], b: &[Value], tolerance: Option<f64>) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| values_match(x, y, tolerance))
}

/// Compares two results under a resolved mode (`ordered`, `multiset`; `none` and `auto` compare
/// nothing, the caller resolves `auto` first).
pub fn diff(
    mode: ComparisonMode,
    source: Rows<'_>,
    target: Rows<'_>,
    tolerance: Option<f64>,
) -> ResultDiff {
    let mut out = ResultDiff::default();
    if matches!(mode, ComparisonMode::None | ComparisonMode::Auto) {
        return out;
    }
    if source.columns != target.columns {
        out.columns = Some((source.columns.to_vec(), target.columns.to_vec()));
    }
    let (only_source, only_target) = multiset_difference(source.rows, target.rows, tolerance);
    out.only_source = only_source;
    out.only_target = only_target;
    if mode == ComparisonMode::Ordered {
        out.first_difference = first_difference(source, target, tolerance);
    }
    out
}

/// Rows on one side without a counterpart on the other, counting duplicates, rendered and
/// sorted. Exact matches are paired first (by rendering), then, with a tolerance, the leftovers
/// pairwise.
pub fn multiset_difference(
    source: &[Vec<Value>],
    target: &[Vec<Value>],
    tolerance: Option<f64>,
) -> (Vec<String>, Vec<String>) {
    let mut buckets: BTreeMap<String, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, row) in source.iter().enumerate() {
        buckets.entry(render_row(row)).or_default().0.push(i);
    }
    for (i, row) in target.iter().enumerate() {
        buckets.entry(render_row(row)).or_default().1.push(i);
    }
    let mut left_source = Vec::new();
    let mut left_target = Vec::new();
    for (s, t) in buckets.into_values() {
        let paired = s.len().min(t.len());
        left_source.extend_from_slice(&s[paired..]);
        left_target.extend_from_slice(&t[paired..]);
    }
    if tolerance.is_some() && !left_source.is_empty() && !left_target.is_empty() {
        let mut unmatched_target = left_target.clone();
        left_source.retain(|&si| {
            match unmatched_target
                .iter()
                .position(|&ti| rows_match(&source[si], &target[ti], tolerance))
            {
                Some(pos) => {
                    unmatched_target.remove(pos);
                    false
                }
                None => true,
            }
        });
        left_target = unmatched_target;
    }
    let mut only_source: Vec<String> = left_source
        .iter()
        .map(|&i| render_row(&source[i]))
        .collect();
    let mut only_target: Vec<String> = left_target
        .iter()
        .map(|&i| render_row(&target[i]))
        .collect();
    only_source.sort();
    only_target.sort();
    (only_source, only_target)
}

fn first_difference(
    source: Rows<'_>,
    target: Rows<'_>,
    tolerance: Option<f64>,
) -> Option<OrderedDifference> {
    let len = source.rows.len().max(target.rows.len());
    (0..len).find_map(|index| {
        let (s, t) = (source.rows.get(index), target.rows.get(index));
        match (s, t) {
            (Some(s), Some(t)) if rows_match(s, t, tolerance) => None,
            _ => Some(OrderedDifference {
                index,
                source: s.map(|r| render_row(r)),
                target: t.map(|r| render_row(r)),
                changes: match (s, t) {
                    (Some(s), Some(t)) => changed_columns(source.columns, s, t, tolerance),
                    _ => Vec::new(),
                },
            }),
        }
    })
}

fn changed_columns(
    columns: &[String],
    s: &[Value],
    t: &[Value],
    tolerance: Option<f64>,
) -> Vec<String> {
    let width = s.len().max(t.len());
    (0..width)
        .filter_map(|j| {
            let name = columns
                .get(j)
                .cloned()
                .unwrap_or_else(|| format!("#{}", j + 1));
            match (s.get(j), t.get(j)) {
                (Some(a), Some(b)) if values_match(a, b, tolerance) => None,
                (a, b) => Some(format!(
                    "{name}: {} -> {}",
                    a.map(render_typed).unwrap_or_else(|| "(absent)".into()),
                    b.map(render_typed).unwrap_or_else(|| "(absent)".into())
                )),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn row(values: &[Value]) -> Vec<Value> {
        values.to_vec()
    }

    #[test]
    fn integer_never_equals_float_even_with_a_tolerance() {
        assert!(!values_match(&Value::Int(1), &Value::Float(1.0), Some(1.0)));
        assert!(values_match(
            &Value::Float(0.1 + 0.2),
            &Value::Float(0.3),
            Some(1e-9)
        ));
        assert!(!values_match(
            &Value::Float(0.1 + 0.2),
            &Value::Float(0.3),
            None
        ));
        assert!(values_match(
            &Value::Float(f64::NAN),
            &Value::Float(f64::NAN),
            None
        ));
        assert!(!values_match(
            &Value::Float(f64::INFINITY),
            &Value::Float(f64::NEG_INFINITY),
            Some(1e300)
        ));
        let nested = |f| {
            Value::List(vec![Value::Map(BTreeMap::from([(
                "x".into(),
                Value::Float(f),
            )]))])
        };
        assert!(values_match(&nested(1.0), &nested(1.0 + 1e-12), Some(1e-9)));
        assert!(!values_match(&nested(1.0), &nested(1.1), Some(1e-9)));
    }

    #[test]
    fn nodes_match_by_content_not_by_internal_id() {
        let node = |id, labels: &[&str]| {
            Value::Node(Node {
                id,
                labels: labels.iter().map(|s| s.to_string()).collect(),
                properties: BTreeMap::from([("id".into(), Value::Int(1))]),
            })
        };
        assert!(values_match(
            &node(3, &["A", "B"]),
            &node(9, &["B", "A"]),
            None
        ));
        assert!(!values_match(&node(3, &["A"]), &node(3, &["B"]), None));
    }

    #[test]
    fn multiset_diff_ignores_order_and_counts_duplicates() {
        let a = [
            row(&[Value::Int(1)]),
            row(&[Value::Int(2)]),
            row(&[Value::Int(2)]),
        ];
        let b = [
            row(&[Value::Int(2)]),
            row(&[Value::Int(1)]),
            row(&[Value::Float(2.0)]),
        ];
        let (s, t) = multiset_difference(&a, &b, None);
        assert_eq!(s, ["[2]"]);
        assert_eq!(t, ["[2.0]"]);
        let (s, t) = multiset_difference(&a[..2], &[b[1].clone(), b[0].clone()], None);
        assert!(s.is_empty() && t.is_empty());
    }

    #[test]
    fn multiset_diff_pairs_leftovers_within_the_tolerance() {
        let a = [row(&[Value::String("x".into()), Value::Float(0.3)])];
        let b = [row(&[Value::String("x".into()), Value::Float(0.1 + 0.2)])];
        let (s, t) = multiset_difference(&a, &b, Some(1e-9));
        assert!(s.is_empty() && t.is_empty());
        let (s, t) = multiset_difference(&a, &b, None);
        assert_eq!(s, ["[\"x\", 0.3]"]);
        assert_eq!(t, ["[\"x\", 0.30000000000000004]"]);
    }

    #[test]
    fn ordered_diff_names_the_first_differing_index_and_the_changed_values() {
        let c = cols(&["id", "name"]);
        let a = [
            row(&[Value::Int(1), Value::String("a".into())]),
            row(&[Value::Int(2), Value::String("b".into())]),
        ];
        let b = [
            row(&[Value::Int(1), Value::String("a".into())]),
            row(&[Value::Int(2), Value::String("B".into())]),
        ];
        let d = diff(
            ComparisonMode::Ordered,
            Rows {
                columns: &c,
                rows: &a,
            },
            Rows {
                columns: &c,
                rows: &b,
            },
            None,
        );
        let first = d.first_difference.unwrap();
        assert_eq!(first.index, 1);
        assert_eq!(first.changes, ["name: \"b\" (STRING) -> \"B\" (STRING)"]);
        assert_eq!(d.only_source, ["[2, \"b\"]"]);
        assert_eq!(d.only_target, ["[2, \"B\"]"]);

        // Same rows, other order: only the ordered comparison sees it.
        let swapped = [a[1].clone(), a[0].clone()];
        let ordered = diff(
            ComparisonMode::Ordered,
            Rows {
                columns: &c,
                rows: &a,
            },
            Rows {
                columns: &c,
                rows: &swapped,
            },
            None,
        );
        assert_eq!(ordered.first_difference.as_ref().map(|f| f.index), Some(0));
        assert!(ordered.only_source.is_empty());
        let multiset = diff(
            ComparisonMode::Multiset,
            Rows {
                columns: &c,
                rows: &a,
            },
            Rows {
                columns: &c,
                rows: &swapped,
            },
            None,
        );
        assert!(multiset.is_empty());
    }

    #[test]
    fn a_missing_tail_row_and_renamed_columns_are_differences() {
        let a = [row(&[Value::Int(1)]), row(&[Value::Int(2)])];
        let d = diff(
            ComparisonMode::Ordered,
            Rows {
                columns: &cols(&["x"]),
                rows: &a,
            },
            Rows {
                columns: &cols(&["y"]),
                rows: &a[..1],
            },
            None,
        );
        assert_eq!(d.columns, Some((cols(&["x"]), cols(&["y"]))));
        let first = d.first_difference.unwrap();
        assert_eq!((first.index, first.target), (1, None));
        assert_eq!(d.only_source, ["[2]"]);
    }
}
