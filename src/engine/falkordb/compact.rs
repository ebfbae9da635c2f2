//! Parsing of FalkorDB's `--compact` reply: `[header, rows, stats]` (or `[stats]` for a
//! statement without RETURN). Every cell is `[type, value]`; nodes and edges refer to labels,
//! relationship types and property keys by id, resolved through a [`Schema`] snapshot.

use std::collections::BTreeMap;

use redis::Value as Resp;

use crate::value::{Node, Point, Relationship, Value};

/// Label, relationship type and property key names by id, as `db.labels()` & co. list them.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    pub labels: Vec<String>,
    pub relationship_types: Vec<String>,
    pub property_keys: Vec<String>,
}

/// What went wrong while reading a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The reply names an id the schema snapshot does not know: refresh it and parse again.
    UnknownSchemaId,
    /// The server reported an error (e.g. a runtime error as the reply's last element).
    Server(String),
    /// The reply does not have the documented shape.
    Malformed(String),
}

/// A parsed reply.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub stats: Vec<String>,
}

// Scalar type tags of the compact format (FalkorDB's ResultSetScalarTypes).
const T_NULL: i64 = 1;
const T_STRING: i64 = 2;
const T_INTEGER: i64 = 3;
const T_BOOLEAN: i64 = 4;
const T_DOUBLE: i64 = 5;
const T_ARRAY: i64 = 6;
const T_EDGE: i64 = 7;
const T_NODE: i64 = 8;
const T_PATH: i64 = 9;
const T_MAP: i64 = 10;
const T_POINT: i64 = 11;
const T_VECTORF32: i64 = 12;
// Temporal values (FalkorDB 4.x), measured on 4.14.11 and 4.18.3: seconds since the Unix epoch;
// a local time comes as 1900-01-01 plus the time of day; a duration as total seconds.
const T_DATETIME: i64 = 13;
const T_DATE: i64 = 14;
const T_TIME: i64 = 15;
const T_DURATION: i64 = 16;

pub fn parse_reply(reply: &Resp, schema: &Schema) -> Result<Reply, ParseError> {
    let parts = array(reply, "reply")?;
    if let Some(Resp::ServerError(e)) = parts.last() {
        return Err(ParseError::Server(server_error_text(e)));
    }
    match parts {
        [stats] => Ok(Reply {
            stats: strings(stats)?,
            ..Reply::default()
        }),
        [header, rows, stats] => {
            let columns = array(header, "header")?
                .iter()
                .map(|col| match array(col, "header column")? {
                    [_, name] => text(name),
                    _ => Err(malformed("header column is not [type, name]")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let rows = array(rows, "rows")?
                .iter()
                .map(|row| {
                    array(row, "row")?
                        .iter()
                        .map(|cell| scalar(cell, schema))
                        .collect()
                })
                .collect::<Result<Vec<Vec<Value>>, _>>()?;
            Ok(Reply {
                columns,
                rows,
                stats: strings(stats)?,
            })
        }
        other => Err(malformed(&format!(
            "reply has {} parts, expected 1 or 3",
            other.len()
        ))),
    }
}

pub fn server_error_text(e: &redis::ServerError) -> String {
    match e.details() {
        Some(d) => format!("{} {d}", e.code()),
        None => e.code().to_owned(),
    }
}

fn malformed(what: &str) -> ParseError {
    ParseError::Malformed(what.to_owned())
}

fn array<'a>(v: &'a Resp, what: &str) -> Result<&'a [Resp], ParseError> {
    match v {
        Resp::Array(items) | Resp::Set(items) => Ok(items),
        Resp::ServerError(e) => Err(ParseError::Server(server_error_text(e))),
        other => Err(malformed(&format!("{what} is not an array: {other:?}"))),
    }
}

fn text(v: &Resp) -> Result<String, ParseError> {
    match v {
        Resp::BulkString(b) => {
            String::from_utf8(b.clone()).map_err(|_| malformed("string is not UTF-8"))
        }
        Resp::SimpleString(s) => Ok(s.clone()),
        Resp::VerbatimString { text, .. } => Ok(text.clone()),
        Resp::Okay => Ok("OK".into()),
        Resp::Int(i) => Ok(i.to_string()),
        other => Err(malformed(&format!("expected a string, got {other:?}"))),
    }
}

fn strings(v: &Resp) -> Result<Vec<String>, ParseError> {
    array(v, "statistics")?.iter().map(text).collect()
}

fn int(v: &Resp) -> Result<i64, ParseError> {
    match v {
        Resp::Int(i) => Ok(*i),
        other => text(other)?
            .parse()
            .map_err(|_| malformed(&format!("expected an integer, got {other:?}"))),
    }
}

fn double(v: &Resp) -> Result<f64, ParseError> {
    match v {
        Resp::Double(d) => Ok(*d),
        other => {
            let t = text(other)?;
            match t.as_str() {
                "nan" | "-nan" | "NaN" => Ok(f64::NAN),
                "inf" | "Infinity" => Ok(f64::INFINITY),
                "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
                _ => t
                    .parse()
                    .map_err(|_| malformed(&format!("expected a double, got {t:?}"))),
            }
        }
    }
}

/// A 32-bit float printed as a double (point coordinates, vecf32 elements): exact after
/// rounding to f32, whatever number of digits the reply used (9 identify an f32).
fn single(v: &Resp) -> Result<f64, ParseError> {
    Ok(f64::from(double(v)? as f32))
}

fn name(names: &[String], id: i64) -> Result<String, ParseError> {
    usize::try_from(id)
        .ok()
        .and_then(|i| names.get(i))
        .cloned()
        .ok_or(ParseError::UnknownSchemaId)
}

/// One `[type, value]` cell.
fn scalar(cell: &Resp, schema: &Schema) -> Result<Value, ParseError> {
    match array(cell, "cell")? {
        [t, v] => typed(int(t)?, v, schema),
        _ => Err(malformed("cell is not [type, value]")),
    }
}

fn typed(t: i64, v: &Resp, schema: &Schema) -> Result<Value, ParseError> {
    Ok(match t {
        T_NULL => Value::Null,
        T_STRING => Value::String(text(v)?),
        T_INTEGER => Value::Int(int(v)?),
        T_BOOLEAN => Value::Bool(text(v)? == "true"),
        T_DOUBLE => Value::Float(double(v)?),
        T_ARRAY => Value::List(
            array(v, "array")?
                .iter()
                .map(|c| scalar(c, schema))
                .collect::<Result<_, _>>()?,
        ),
        T_MAP => {
            let items = array(v, "map")?;
            let mut map = BTreeMap::new();
            for pair in items.chunks(2) {
                match pair {
                    [k, val] => {
                        map.insert(text(k)?, scalar(val, schema)?);
                    }
                    _ => return Err(malformed("map has an odd number of items")),
                }
            }
            Value::Map(map)
        }
        T_POINT => match array(v, "point")? {
            // FalkorDB points are WGS-84 geographic: [latitude, longitude].
            // FalkorDB keeps coordinates as 32-bit floats (measured: latitude 0.1 comes back as
            // 0.100000001490116); 15 digits identify a 32-bit float, so rounding to f32 gives
            // the stored value exactly.
            [lat, lon] => Value::Point(Point {
                srid: 4326,
                x: single(lon)?,
                y: single(lat)?,
                z: None,
            }),
            _ => return Err(malformed("point is not [latitude, longitude]")),
        },
        T_NODE => Value::Node(node(v, schema)?),
        T_EDGE => Value::Relationship(edge(v, schema)?),
        T_PATH => match array(v, "path")? {
            [nodes, edges] => {
                let nodes = match scalar(nodes, schema)? {
                    Value::List(items) => items
                        .into_iter()
                        .map(|n| match n {
                            Value::Node(n) => Ok(n),
                            _ => Err(malformed("path holds a non-node")),
                        })
                        .collect::<Result<_, _>>()?,
                    _ => return Err(malformed("path nodes are not a list")),
                };
                let relationships = match scalar(edges, schema)? {
                    Value::List(items) => items
                        .into_iter()
                        .map(|r| match r {
                            Value::Relationship(r) => Ok(r),
                            _ => Err(malformed("path holds a non-edge")),
                        })
                        .collect::<Result<_, _>>()?,
                    _ => return Err(malformed("path edges are not a list")),
                };
                Value::Path {
                    nodes,
                    relationships,
                }
            }
            _ => return Err(malformed("path is not [nodes, edges]")),
        },
        T_VECTORF32 => Value::Vector(
            array(v, "vector")?
                .iter()
                .map(|x| double(x).map(|d| d as f32))
                .collect::<Result<_, _>>()?,
        ),
        T_DATETIME => Value::LocalDateTime(epoch(int(v)?)?.naive_utc()),
        T_DATE => Value::Date(epoch(int(v)?)?.date_naive()),
        T_TIME => Value::LocalTime(epoch(int(v)?)?.time()),
        T_DURATION => Value::Duration {
            months: 0,
            days: 0,
            seconds: int(v)?,
            nanoseconds: 0,
        },
        other => {
            return Err(malformed(&format!(
                "unknown value type {other} (value {v:?})"
            )))
        }
    })
}

fn epoch(seconds: i64) -> Result<chrono::DateTime<chrono::Utc>, ParseError> {
    chrono::DateTime::from_timestamp(seconds, 0)
        .ok_or_else(|| malformed(&format!("timestamp {seconds} out of range")))
}

fn properties(v: &Resp, schema: &Schema) -> Result<BTreeMap<String, Value>, ParseError> {
    let mut props = BTreeMap::new();
    for prop in array(v, "properties")? {
        match array(prop, "property")? {
            [key, t, val] => {
                props.insert(
                    name(&schema.property_keys, int(key)?)?,
                    typed(int(t)?, val, schema)?,
                );
            }
            _ => return Err(malformed("property is not [key, type, value]")),
        }
    }
    Ok(props)
}

fn node(v: &Resp, schema: &Schema) -> Result<Node, ParseError> {
    match array(v, "node")? {
        [id, labels, props] => Ok(Node {
            id: int(id)?,
            labels: array(labels, "labels")?
                .iter()
                .map(|l| name(&schema.labels, int(l)?))
                .collect::<Result<_, _>>()?,
            properties: properties(props, schema)?,
        }),
        _ => Err(malformed("node is not [id, labels, properties]")),
    }
}

fn edge(v: &Resp, schema: &Schema) -> Result<Relationship, ParseError> {
    match array(v, "edge")? {
        [id, t, src, dst, props] => Ok(Relationship {
            id: int(id)?,
            rel_type: name(&schema.relationship_types, int(t)?)?,
            start: int(src)?,
            end: int(dst)?,
            properties: properties(props, schema)?,
        }),
        _ => Err(malformed("edge is not [id, type, src, dst, properties]")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Resp {
        Resp::BulkString(s.as_bytes().to_vec())
    }
    fn cell(t: i64, v: Resp) -> Resp {
        Resp::Array(vec![Resp::Int(t), v])
    }

    // Shape as documented for the compact result set (docs.falkordb.com/design/client_spec.html):
    // header of [column type, name], rows of [type, value] cells, then statistics.
    fn reply(columns: &[&str], rows: Vec<Vec<Resp>>) -> Resp {
        Resp::Array(vec![
            Resp::Array(
                columns
                    .iter()
                    .map(|c| Resp::Array(vec![Resp::Int(1), bulk(c)]))
                    .collect(),
            ),
            Resp::Array(rows.into_iter().map(Resp::Array).collect()),
            Resp::Array(vec![bulk(
                "Query internal execution time: 0.1 milliseconds",
            )]),
        ])
    }

    #[test]
    fn scalars_keep_their_types() {
        let r = reply(
            &["i", "f", "s", "b", "n"],
            vec![vec![
                cell(T_INTEGER, Resp::Int(1)),
                cell(T_DOUBLE, bulk("1")),
                cell(T_STRING, bulk("1")),
                cell(T_BOOLEAN, bulk("true")),
                cell(T_NULL, Resp::Nil),
            ]],
        );
        let parsed = parse_reply(&r, &Schema::default()).unwrap();
        assert_eq!(parsed.columns, ["i", "f", "s", "b", "n"]);
        assert_eq!(
            parsed.rows[0],
            vec![
                Value::Int(1),
                Value::Float(1.0),
                Value::String("1".into()),
                Value::Bool(true),
                Value::Null
            ]
        );
    }

    #[test]
    fn nodes_resolve_names_and_ask_for_a_refresh_on_unknown_ids() {
        let schema = Schema {
            labels: vec!["Person".into()],
            relationship_types: vec![],
            property_keys: vec!["name".into()],
        };
        let n = cell(
            T_NODE,
            Resp::Array(vec![
                Resp::Int(7),
                Resp::Array(vec![Resp::Int(0)]),
                Resp::Array(vec![Resp::Array(vec![
                    Resp::Int(0),
                    Resp::Int(T_STRING),
                    bulk("Ada"),
                ])]),
            ]),
        );
        let parsed = parse_reply(&reply(&["n"], vec![vec![n.clone()]]), &schema).unwrap();
        let Value::Node(node) = &parsed.rows[0][0] else {
            panic!("not a node")
        };
        assert_eq!(node.labels, ["Person"]);
        assert_eq!(node.properties["name"], Value::String("Ada".into()));
        assert_eq!(
            parse_reply(&reply(&["n"], vec![vec![n]]), &Schema::default()),
            Err(ParseError::UnknownSchemaId)
        );
    }

    #[test]
    fn temporal_values_as_measured_on_4_14_and_4_18() {
        // `RETURN date('2024-01-02'), localdatetime('2024-01-02T03:04:05'), duration('P1D'),
        // localtime('12:00:00')` answered [[14, 1704153600], [13, 1704164645], [16, 86400], [15, -2208945600]].
        let r = reply(
            &["d", "ldt", "dur", "lt"],
            vec![vec![
                cell(T_DATE, Resp::Int(1704153600)),
                cell(T_DATETIME, Resp::Int(1704164645)),
                cell(T_DURATION, Resp::Int(86400)),
                cell(T_TIME, Resp::Int(-2208945600)),
            ]],
        );
        let row = &parse_reply(&r, &Schema::default()).unwrap().rows[0];
        assert_eq!(row[0].to_string(), "date('2024-01-02')");
        assert_eq!(row[1].to_string(), "localdatetime('2024-01-02T03:04:05')");
        assert_eq!(
            row[2],
            Value::Duration {
                months: 0,
                days: 0,
                seconds: 86400,
                nanoseconds: 0
            }
        );
        assert_eq!(row[3].to_string(), "localtime('12:00:00')");
    }

    #[test]
    fn special_floats_as_measured() {
        // `RETURN 0.0/0.0, -0.0` answered [5, '-nan'], [5, '-0'].
        let r = reply(
            &["nan", "negzero"],
            vec![vec![
                cell(T_DOUBLE, bulk("-nan")),
                cell(T_DOUBLE, bulk("-0")),
            ]],
        );
        let row = &parse_reply(&r, &Schema::default()).unwrap().rows[0];
        assert_eq!(row[0], Value::Float(f64::NAN));
        assert_eq!(row[1], Value::Float(-0.0));
    }

    #[test]
    fn points_and_vectors_come_back_as_their_32_bit_values() {
        // `RETURN point({latitude: 0.1, longitude: 0.2}), vecf32([0.1])` answered
        // [11, ['0.100000001490116', '0.200000002980232']], [12, ['0.10000000149011612']].
        let r = reply(
            &["p", "v"],
            vec![vec![
                cell(
                    T_POINT,
                    Resp::Array(vec![bulk("0.100000001490116"), bulk("0.200000002980232")]),
                ),
                cell(T_VECTORF32, Resp::Array(vec![bulk("0.10000000149011612")])),
            ]],
        );
        let row = &parse_reply(&r, &Schema::default()).unwrap().rows[0];
        let Value::Point(p) = &row[0] else {
            panic!("{row:?}")
        };
        assert_eq!((p.y, p.x), (f64::from(0.1f32), f64::from(0.2f32)));
        assert_eq!(row[1], Value::Vector(vec![0.1f32]));
    }

    #[test]
    fn statistics_only_replies_and_malformed_replies() {
        let stats = Resp::Array(vec![Resp::Array(vec![bulk("Nodes created: 1")])]);
        assert_eq!(
            parse_reply(&stats, &Schema::default()).unwrap().stats,
            ["Nodes created: 1"]
        );
        assert!(matches!(
            parse_reply(&Resp::Int(3), &Schema::default()),
            Err(ParseError::Malformed(_))
        ));
    }
}
