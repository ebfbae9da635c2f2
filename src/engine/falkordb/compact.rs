//! Parsing of FalkorDB's `--compact` reply: `[header, rows, stats]` (or `[stats]` for a
//! statement without RETURN). Every cell is `[type, value]`; nodes and edges refer to labels,
//! relationship types and property keys by id, resolved through a [`Schema`] snapshot.

use std::collections::BTreeMap;

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

/// Parses one whole reply frame, as the server sent it (RESP2 bytes), straight into the
/// harness's values. (Going through the redis crate's generic value tree first cost about 70%
/// of the client's CPU time in a whole-graph read: an owned vector per array and string.)
pub fn parse_reply(frame: &[u8], schema: &Schema) -> Result<Reply, ParseError> {
    let mut c = Cursor { buf: frame, pos: 0 };
    let parts = match c.next()? {
        Item::Array(Some(n)) => n,
        Item::Error(e) => return Err(ParseError::Server(lossy(e))),
        other => return Err(malformed(&format!("reply is not an array: {other:?}"))),
    };
    let reply = match parts {
        1 => Reply {
            stats: c.strings("statistics")?,
            ..Reply::default()
        },
        3 => {
            let mut columns = Vec::new();
            for _ in 0..c.array("header")? {
                if c.array("header column")? != 2 {
                    return Err(malformed("header column is not [type, name]"));
                }
                c.skip()?;
                columns.push(c.text()?);
            }
            let n = c.array("rows")?;
            let mut rows = Vec::with_capacity(n);
            for _ in 0..n {
                let cells = c.array("row")?;
                let mut row = Vec::with_capacity(cells);
                for _ in 0..cells {
                    row.push(c.scalar(schema)?);
                }
                rows.push(row);
            }
            Reply {
                columns,
                rows,
                stats: c.strings("statistics")?,
            }
        }
        n => {
            // A runtime error may come as the reply's last element.
            for _ in 0..n {
                if let Item::Error(e) = c.peek_error()? {
                    return Err(ParseError::Server(lossy(e)));
                }
                c.skip()?;
            }
            return Err(malformed(&format!("reply has {n} parts, expected 1 or 3")));
        }
    };
    if c.pos != frame.len() {
        return Err(malformed("bytes after the end of the reply"));
    }
    Ok(reply)
}

fn malformed(what: &str) -> ParseError {
    ParseError::Malformed(what.to_owned())
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One RESP item's header (and, for strings and numbers, its bytes).
#[derive(Debug)]
enum Item<'a> {
    /// `+...`, a bulk string (`$n`) or a RESP3 double/verbatim string: its bytes.
    Text(&'a [u8]),
    /// `$-1` or `*-1` (RESP2's nil), or RESP3's `_`.
    Nil,
    Int(i64),
    /// `-...`: a server error's text.
    Error(&'a [u8]),
    /// `*n`: the count of the elements that follow (`None` for a nil array).
    Array(Option<usize>),
}

/// A position in a reply frame.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn line(&mut self) -> Result<(u8, &'a [u8]), ParseError> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let end = rest
            .iter()
            .position(|&b| b == b'\r')
            .filter(|&i| rest.get(i + 1) == Some(&b'\n'))
            .ok_or_else(|| malformed("reply ends inside a line"))?;
        let (&kind, body) = rest[..end]
            .split_first()
            .ok_or_else(|| malformed("empty line in the reply"))?;
        self.pos += end + 2;
        Ok((kind, body))
    }

    fn next(&mut self) -> Result<Item<'a>, ParseError> {
        // Integers, lengths and counts (most of a reply's lines) in one pass over their digits;
        // anything else, malformed lines included, goes the general way below.
        if let Some(&kind @ (b':' | b'$' | b'*')) = self.buf.get(self.pos) {
            if let Some((n, end)) = int_line(self.buf, self.pos + 1) {
                let at = self.pos;
                self.pos = end;
                match kind {
                    b':' => return Ok(Item::Int(n)),
                    b'*' => return Ok(Item::Array(usize::try_from(n).ok())),
                    _ if n < 0 => return Ok(Item::Nil),
                    _ => {
                        let n = n as usize;
                        if let Some(bytes) = self
                            .buf
                            .get(end..end + n)
                            .filter(|_| self.buf.get(end + n..end + n + 2) == Some(b"\r\n"))
                        {
                            self.pos = end + n + 2;
                            return Ok(Item::Text(bytes));
                        }
                        self.pos = at;
                    }
                }
            }
        }
        self.next_general()
    }

    /// [`Cursor::next`] without its one-pass reading of integer lines.
    fn next_general(&mut self) -> Result<Item<'a>, ParseError> {
        let (kind, body) = self.line()?;
        Ok(match kind {
            b'+' | b',' => Item::Text(body),
            b'-' => Item::Error(body),
            b':' => Item::Int(int_of(body)?),
            b'_' => Item::Nil,
            b'$' | b'=' => {
                let n = int_of(body)?;
                if n < 0 {
                    return Ok(Item::Nil);
                }
                let n = n as usize;
                let bytes = self
                    .buf
                    .get(self.pos..self.pos + n)
                    .filter(|_| self.buf.get(self.pos + n..self.pos + n + 2) == Some(b"\r\n"))
                    .ok_or_else(|| malformed("reply ends inside a string"))?;
                self.pos += n + 2;
                Item::Text(bytes)
            }
            b'*' | b'~' | b'>' => {
                let n = int_of(body)?;
                Item::Array(usize::try_from(n).ok())
            }
            b'%' => Item::Array(usize::try_from(int_of(body)?).ok().map(|n| n * 2)),
            other => {
                return Err(malformed(&format!(
                    "unknown reply item type {:?}",
                    other as char
                )))
            }
        })
    }

    /// The next item if it is a server error, without consuming anything else.
    fn peek_error(&mut self) -> Result<Item<'a>, ParseError> {
        let at = self.pos;
        let item = self.next()?;
        self.pos = at;
        Ok(item)
    }

    /// Skips one whole item.
    fn skip(&mut self) -> Result<(), ParseError> {
        let mut pending = 1usize;
        while pending > 0 {
            pending -= 1;
            if let Item::Array(Some(n)) = self.next()? {
                pending += n;
            }
        }
        Ok(())
    }

    fn array(&mut self, what: &str) -> Result<usize, ParseError> {
        match self.next()? {
            Item::Array(Some(n)) => Ok(n),
            Item::Error(e) => Err(ParseError::Server(lossy(e))),
            other => Err(malformed(&format!("{what} is not an array: {other:?}"))),
        }
    }

    fn bytes(&mut self) -> Result<&'a [u8], ParseError> {
        match self.next()? {
            Item::Text(b) => Ok(b),
            Item::Error(e) => Err(ParseError::Server(lossy(e))),
            other => Err(malformed(&format!("expected a string, got {other:?}"))),
        }
    }

    fn text(&mut self) -> Result<String, ParseError> {
        match self.next()? {
            Item::Text(b) => std::str::from_utf8(b)
                .map(str::to_owned)
                .map_err(|_| malformed("string is not UTF-8")),
            Item::Int(i) => Ok(i.to_string()),
            Item::Error(e) => Err(ParseError::Server(lossy(e))),
            other => Err(malformed(&format!("expected a string, got {other:?}"))),
        }
    }

    fn strings(&mut self, what: &str) -> Result<Vec<String>, ParseError> {
        let n = self.array(what)?;
        (0..n).map(|_| self.text()).collect()
    }

    fn int(&mut self) -> Result<i64, ParseError> {
        match self.next()? {
            Item::Int(i) => Ok(i),
            Item::Text(b) => int_of(b),
            other => Err(malformed(&format!("expected an integer, got {other:?}"))),
        }
    }

    fn double(&mut self) -> Result<f64, ParseError> {
        let b = self.bytes()?;
        let t = std::str::from_utf8(b).map_err(|_| malformed("double is not UTF-8"))?;
        match t {
            "nan" | "-nan" | "NaN" => Ok(f64::NAN),
            "inf" | "Infinity" => Ok(f64::INFINITY),
            "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => t
                .parse()
                .map_err(|_| malformed(&format!("expected a double, got {t:?}"))),
        }
    }

    /// A 32-bit float printed as a double (point coordinates, vecf32 elements): exact after
    /// rounding to f32, whatever number of digits the reply used (9 identify an f32).
    fn single(&mut self) -> Result<f64, ParseError> {
        Ok(f64::from(self.double()? as f32))
    }

    /// One `[type, value]` cell.
    fn scalar(&mut self, schema: &Schema) -> Result<Value, ParseError> {
        if self.array("cell")? != 2 {
            return Err(malformed("cell is not [type, value]"));
        }
        let t = self.int()?;
        self.typed(t, schema)
    }

    fn typed(&mut self, t: i64, schema: &Schema) -> Result<Value, ParseError> {
        Ok(match t {
            T_NULL => {
                self.skip()?;
                Value::Null
            }
            T_STRING => Value::String(self.text()?),
            T_INTEGER => Value::Int(self.int()?),
            T_BOOLEAN => Value::Bool(self.bytes()? == b"true"),
            T_DOUBLE => Value::Float(self.double()?),
            T_ARRAY => {
                let n = self.array("array")?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.scalar(schema)?);
                }
                Value::List(items)
            }
            T_MAP => {
                let n = self.array("map")?;
                if n % 2 != 0 {
                    return Err(malformed("map has an odd number of items"));
                }
                let mut map = BTreeMap::new();
                for _ in 0..n / 2 {
                    let k = self.text()?;
                    map.insert(k, self.scalar(schema)?);
                }
                Value::Map(map)
            }
            // FalkorDB points are WGS-84 geographic: [latitude, longitude].
            // FalkorDB keeps coordinates as 32-bit floats (measured: latitude 0.1 comes back as
            // 0.100000001490116); 15 digits identify a 32-bit float, so rounding to f32 gives
            // the stored value exactly.
            T_POINT => {
                if self.array("point")? != 2 {
                    return Err(malformed("point is not [latitude, longitude]"));
                }
                let lat = self.single()?;
                let lon = self.single()?;
                Value::Point(Point {
                    srid: 4326,
                    x: lon,
                    y: lat,
                    z: None,
                })
            }
            T_NODE => Value::Node(self.node(schema)?),
            T_EDGE => Value::Relationship(self.edge(schema)?),
            T_PATH => {
                if self.array("path")? != 2 {
                    return Err(malformed("path is not [nodes, edges]"));
                }
                let nodes = match self.scalar(schema)? {
                    Value::List(items) => items
                        .into_iter()
                        .map(|n| match n {
                            Value::Node(n) => Ok(n),
                            _ => Err(malformed("path holds a non-node")),
                        })
                        .collect::<Result<_, _>>()?,
                    _ => return Err(malformed("path nodes are not a list")),
                };
                let relationships = match self.scalar(schema)? {
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
            T_VECTORF32 => {
                let n = self.array("vector")?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.double()? as f32);
                }
                Value::Vector(items)
            }
            T_DATETIME => Value::LocalDateTime(epoch(self.int()?)?.naive_utc()),
            T_DATE => Value::Date(epoch(self.int()?)?.date_naive()),
            T_TIME => Value::LocalTime(epoch(self.int()?)?.time()),
            T_DURATION => Value::Duration {
                months: 0,
                days: 0,
                seconds: self.int()?,
                nanoseconds: 0,
            },
            other => {
                let at = self.pos;
                self.skip()?;
                let v = String::from_utf8_lossy(&self.buf[at..self.pos]);
                return Err(malformed(&format!(
                    "unknown value type {other} (value {:?})",
                    v.trim_end()
                )));
            }
        })
    }

    fn properties(&mut self, schema: &Schema) -> Result<BTreeMap<String, Value>, ParseError> {
        let mut props = BTreeMap::new();
        for _ in 0..self.array("properties")? {
            if self.array("property")? != 3 {
                return Err(malformed("property is not [key, type, value]"));
            }
            let key = name(&schema.property_keys, self.int()?)?;
            let t = self.int()?;
            props.insert(key, self.typed(t, schema)?);
        }
        Ok(props)
    }

    fn node(&mut self, schema: &Schema) -> Result<Node, ParseError> {
        if self.array("node")? != 3 {
            return Err(malformed("node is not [id, labels, properties]"));
        }
        let id = self.int()?;
        let n = self.array("labels")?;
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            labels.push(name(&schema.labels, self.int()?)?);
        }
        Ok(Node {
            id,
            labels,
            properties: self.properties(schema)?,
        })
    }

    fn edge(&mut self, schema: &Schema) -> Result<Relationship, ParseError> {
        if self.array("edge")? != 5 {
            return Err(malformed("edge is not [id, type, src, dst, properties]"));
        }
        let id = self.int()?;
        let rel_type = name(&schema.relationship_types, self.int()?)?;
        let start = self.int()?;
        let end = self.int()?;
        Ok(Relationship {
            id,
            rel_type,
            start,
            end,
            properties: self.properties(schema)?,
        })
    }
}

fn int_of(b: &[u8]) -> Result<i64, ParseError> {
    parse_int(b).ok_or_else(|| malformed(&format!("expected an integer, got {:?}", lossy(b))))
}

/// A decimal `i64` (optional `-`, then digits), as RESP writes lengths and integers; `None`
/// for anything else, or on overflow. (`str::parse` after a UTF-8 check cost a tenth of a
/// whole-graph read.)
pub(super) fn parse_int(b: &[u8]) -> Option<i64> {
    leading_int(b, 0).and_then(|(n, end)| (end == b.len()).then_some(n))
}

/// The decimal `i64` that starts at `at` and ends a line (`-`, digits, then CRLF), read in one
/// pass, and the position after the line; `None` for anything else (no digits, another byte
/// before the CR, no LF after it, overflow), which the general path then reports.
pub(super) fn int_line(buf: &[u8], at: usize) -> Option<(i64, usize)> {
    let (n, end) = leading_int(buf, at)?;
    (buf.get(end..end + 2) == Some(b"\r\n")).then_some((n, end + 2))
}

/// The decimal `i64` at `at` (optional `-`, then at least one digit) and the position of the
/// first byte after its digits; `None` without a digit or on overflow.
fn leading_int(buf: &[u8], at: usize) -> Option<(i64, usize)> {
    let mut i = at;
    let negative = buf.get(i) == Some(&b'-');
    if negative {
        i += 1;
    }
    let digits = i;
    // Accumulated with the sign, so i64::MIN parses too.
    let mut n: i64 = 0;
    while let Some(&d) = buf.get(i).filter(|d| d.is_ascii_digit()) {
        let d = i64::from(d - b'0');
        n = n
            .checked_mul(10)?
            .checked_add(if negative { -d } else { d })?;
        i += 1;
    }
    (i > digits).then_some((n, i))
}

fn name(names: &[String], id: i64) -> Result<String, ParseError> {
    usize::try_from(id)
        .ok()
        .and_then(|i| names.get(i))
        .cloned()
        .ok_or(ParseError::UnknownSchemaId)
}

fn epoch(seconds: i64) -> Result<chrono::DateTime<chrono::Utc>, ParseError> {
    chrono::DateTime::from_timestamp(seconds, 0)
        .ok_or_else(|| malformed(&format!("timestamp {seconds} out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis::Value as Resp;

    /// The RESP2 bytes of `v`, as a server sends them.
    fn encode(v: &Resp, out: &mut Vec<u8>) {
        match v {
            Resp::Nil => out.extend_from_slice(b"$-1\r\n"),
            Resp::Int(i) => out.extend_from_slice(format!(":{i}\r\n").as_bytes()),
            Resp::BulkString(b) => {
                out.extend_from_slice(format!("${}\r\n", b.len()).as_bytes());
                out.extend_from_slice(b);
                out.extend_from_slice(b"\r\n");
            }
            Resp::SimpleString(s) => out.extend_from_slice(format!("+{s}\r\n").as_bytes()),
            Resp::Array(items) => {
                out.extend_from_slice(format!("*{}\r\n", items.len()).as_bytes());
                for i in items {
                    encode(i, out);
                }
            }
            other => panic!("no RESP2 encoding for {other:?}"),
        }
    }

    fn parse_reply(v: &Resp, schema: &Schema) -> Result<Reply, ParseError> {
        let mut bytes = Vec::new();
        encode(v, &mut bytes);
        super::parse_reply(&bytes, schema)
    }

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
        // Cut short anywhere, a reply is refused, never read in part.
        let mut whole = Vec::new();
        encode(&reply(&["s"], vec![vec![cell(T_STRING, bulk("abc"))]]), &mut whole);
        for end in 0..whole.len() {
            assert!(super::parse_reply(&whole[..end], &Schema::default()).is_err(), "{end}");
        }
        assert!(super::parse_reply(&whole, &Schema::default()).is_ok());
    }

    #[test]
    fn integers_parse_like_str_parse() {
        for t in [
            "0",
            "-0",
            "7",
            "-42",
            "9223372036854775807",
            "-9223372036854775808",
            "00000000000000000001",
        ] {
            assert_eq!(super::parse_int(t.as_bytes()), t.parse().ok(), "{t}");
        }
        for t in ["", "-", "+1", "1a", "9223372036854775808", "-9223372036854775809"] {
            assert_eq!(super::parse_int(t.as_bytes()), None, "{t}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        /// The one-pass reading of integer lines gives what the general path gives (item,
        /// position, error) for well-formed and malformed lines alike.
        #[test]
        fn integer_lines_read_in_one_pass_agree_with_the_general_path(
            kind in proptest::sample::select(vec![b':', b'$', b'*', b'+', b'-']),
            minus in proptest::bool::ANY,
            digits in "[0-9]{0,21}",
            end in proptest::sample::select(vec!["\r\n", "\r", "\rx", "x\r\n", "", "\n"]),
            rest in proptest::collection::vec(
                proptest::sample::select(b"0123456789-\r\nab".to_vec()),
                0..12,
            ),
        ) {
            let mut line = vec![kind];
            if minus {
                line.push(b'-');
            }
            line.extend_from_slice(digits.as_bytes());
            line.extend_from_slice(end.as_bytes());
            line.extend_from_slice(&rest);
            let mut fast = Cursor { buf: &line, pos: 0 };
            let mut general = Cursor { buf: &line, pos: 0 };
            let a = format!("{:?}", fast.next());
            let b = format!("{:?}", general.next_general());
            proptest::prop_assert_eq!(a, b);
            proptest::prop_assert_eq!(fast.pos, general.pos);
        }
    }

    #[test]
    fn server_errors_anywhere_in_the_reply_are_reported_as_such() {
        let e = super::parse_reply(b"-ERR Invalid input\r\n", &Schema::default());
        assert_eq!(e, Err(ParseError::Server("ERR Invalid input".into())));
        // A runtime error after the header and rows.
        let mut bytes = b"*3\r\n*0\r\n*0\r\n".to_vec();
        bytes.extend_from_slice(b"-Division by zero\r\n");
        assert_eq!(
            super::parse_reply(&bytes, &Schema::default()),
            Err(ParseError::Server("Division by zero".into()))
        );
    }
}
