use std::collections::BTreeMap;
use std::fmt;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// A time zone attached to a zoned time or datetime. A zone id is not an offset: `Europe/Paris`
/// and `+01:00` are different stored values even when they denote the same instant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Zone {
    /// Seconds east of UTC.
    Offset(i32),
    /// An IANA zone id such as `Europe/Stockholm`.
    Id(String),
}

/// A spatial point; `z` is present for 3D SRIDs (4979, 9157).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The coordinate reference system's id (e.g. 7203 cartesian, 4326 WGS-84).
    pub srid: u32,
    /// x (or longitude).
    pub x: f64,
    /// y (or latitude).
    pub y: f64,
    /// z (or height), for 3D points.
    pub z: Option<f64>,
}

/// A node as returned by a query. `id` is the server's internal id: meaningful only on the
/// server that returned it, never used to match entities across servers.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The engine's node id (not stable across servers).
    pub id: i64,
    /// Labels, in the order the server returned them.
    pub labels: Vec<String>,
    /// Properties by key.
    pub properties: BTreeMap<String, Value>,
}

/// A relationship as returned by a query (internal ids, see [`Node`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Relationship {
    /// The engine's relationship id (not stable across servers).
    pub id: i64,
    /// The start node's id.
    pub start: i64,
    /// The end node's id.
    pub end: i64,
    /// The relationship type.
    pub rel_type: String,
    /// Properties by key.
    pub properties: BTreeMap<String, Value>,
}

/// Any value a query can return.
///
/// Equality is typed: `Int(1) != Float(1.0)`, floats compare by their stored bits (so NaN equals
/// NaN and `-0.0 != 0.0`), and a zone id never equals an offset.
#[derive(Debug, Clone)]
pub enum Value {
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// A string.
    String(String),
    /// A byte array.
    Bytes(Vec<u8>),
    /// A list.
    List(Vec<Value>),
    /// A map with string keys.
    Map(BTreeMap<String, Value>),
    /// A date.
    Date(NaiveDate),
    /// A time without a zone.
    LocalTime(NaiveTime),
    /// A time with a UTC offset.
    Time {
        /// The local time.
        time: NaiveTime,
        /// The offset from UTC, in seconds.
        offset_seconds: i32,
    },
    /// A date and time without a zone.
    LocalDateTime(NaiveDateTime),
    /// A zoned datetime: the local wall-clock datetime and its zone.
    DateTime {
        /// The local date and time.
        local: NaiveDateTime,
        /// The zone (an offset or a named zone).
        zone: Zone,
    },
    /// A duration, in Cypher's four components.
    Duration {
        /// Months.
        months: i64,
        /// Days.
        days: i64,
        /// Seconds.
        seconds: i64,
        /// Nanoseconds (0..1e9).
        nanoseconds: i32,
    },
    /// A spatial point.
    Point(Point),
    /// A vector of 32-bit floats (FalkorDB's `vecf32`). Not a list: a vector index covers
    /// vectors only, so a copy that turned it into a list of floats would empty the index.
    Vector(Vec<f32>),
    /// A node.
    Node(Node),
    /// A relationship.
    Relationship(Relationship),
    /// A path: nodes and the relationships between them.
    Path {
        /// The nodes, in order.
        nodes: Vec<Node>,
        /// The relationships, in order.
        relationships: Vec<Relationship>,
    },
}

fn float_bits(f: f64) -> u64 {
    if f.is_nan() {
        f64::NAN.to_bits()
    } else {
        f.to_bits()
    }
}

/// An f32's bits, every NaN as one (as [`float_bits`] does for doubles).
pub(crate) fn f32_bits(f: f32) -> u32 {
    if f.is_nan() {
        f32::NAN.to_bits()
    } else {
        f.to_bits()
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => float_bits(*a) == float_bits(*b),
            (String(a), String(b)) => a == b,
            (Bytes(a), Bytes(b)) => a == b,
            (List(a), List(b)) => a == b,
            (Map(a), Map(b)) => a == b,
            (Date(a), Date(b)) => a == b,
            (LocalTime(a), LocalTime(b)) => a == b,
            (
                Time {
                    time: t1,
                    offset_seconds: o1,
                },
                Time {
                    time: t2,
                    offset_seconds: o2,
                },
            ) => t1 == t2 && o1 == o2,
            (LocalDateTime(a), LocalDateTime(b)) => a == b,
            (
                DateTime {
                    local: l1,
                    zone: z1,
                },
                DateTime {
                    local: l2,
                    zone: z2,
                },
            ) => l1 == l2 && z1 == z2,
            (
                Duration {
                    months: m1,
                    days: d1,
                    seconds: s1,
                    nanoseconds: n1,
                },
                Duration {
                    months: m2,
                    days: d2,
                    seconds: s2,
                    nanoseconds: n2,
                },
            ) => m1 == m2 && d1 == d2 && s1 == s2 && n1 == n2,
            (Point(a), Point(b)) => {
                a.srid == b.srid
                    && float_bits(a.x) == float_bits(b.x)
                    && float_bits(a.y) == float_bits(b.y)
                    && a.z.map(float_bits) == b.z.map(float_bits)
            }
            (Vector(a), Vector(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| f32_bits(*x) == f32_bits(*y))
            }
            (Node(a), Node(b)) => a == b,
            (Relationship(a), Relationship(b)) => a == b,
            (
                Path {
                    nodes: n1,
                    relationships: r1,
                },
                Path {
                    nodes: n2,
                    relationships: r2,
                },
            ) => n1 == n2 && r1 == r2,
            _ => false,
        }
    }
}

impl Value {
    /// Whether this value is a float or holds one in its lists or maps (at any depth).
    pub fn has_float(&self) -> bool {
        match self {
            Value::Float(_) => true,
            Value::List(items) => items.iter().any(Value::has_float),
            Value::Map(m) => m.values().any(Value::has_float),
            _ => false,
        }
    }

    /// The Cypher type name of this value, as used in reports ("INTEGER", "FLOAT", ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "NULL",
            Value::Bool(_) => "BOOLEAN",
            Value::Int(_) => "INTEGER",
            Value::Float(_) => "FLOAT",
            Value::String(_) => "STRING",
            Value::Bytes(_) => "BYTES",
            Value::List(_) => "LIST",
            Value::Map(_) => "MAP",
            Value::Date(_) => "DATE",
            Value::LocalTime(_) => "LOCAL TIME",
            Value::Time { .. } => "ZONED TIME",
            Value::LocalDateTime(_) => "LOCAL DATETIME",
            Value::DateTime { .. } => "ZONED DATETIME",
            Value::Duration { .. } => "DURATION",
            Value::Point(_) => "POINT",
            Value::Vector(_) => "VECTOR",
            Value::Node(_) => "NODE",
            Value::Relationship(_) => "RELATIONSHIP",
            Value::Path { .. } => "PATH",
        }
    }

    /// The integer, when it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The string, when it is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v)
    }
}

fn fmt_float(f: &mut fmt::Formatter<'_>, v: f64) -> fmt::Result {
    if v.is_nan() {
        write!(f, "NaN")
    } else if v.is_infinite() {
        write!(f, "{}Infinity", if v < 0.0 { "-" } else { "" })
    } else {
        // `{:?}` is the shortest representation that round-trips and always shows a fraction
        // or exponent, so a float never prints like an integer.
        write!(f, "{v:?}")
    }
}

fn fmt_props(f: &mut fmt::Formatter<'_>, props: &BTreeMap<String, Value>) -> fmt::Result {
    write!(f, "{{")?;
    for (i, (k, v)) in props.iter().enumerate() {
        if i > 0 {
            write!(f, ", ")?;
        }
        write!(f, "{k}: {v}")?;
    }
    write!(f, "}}")
}

/// Cypher-literal-like display, typed enough that `1` and `1.0` and `"1"` read differently.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(v) => fmt_float(f, *v),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Bytes(b) => {
                write!(f, "bytes[")?;
                for x in b {
                    write!(f, "{x:02x}")?;
                }
                write!(f, "]")
            }
            Value::List(items) => {
                write!(f, "[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{v}")?;
                }
                write!(f, "]")
            }
            Value::Map(m) => fmt_props(f, m),
            Value::Date(d) => write!(f, "date('{d}')"),
            Value::LocalTime(t) => write!(f, "localtime('{t}')"),
            Value::Time { time, offset_seconds } => {
                write!(f, "time('{time}{}')", fmt_offset(*offset_seconds))
            }
            Value::LocalDateTime(dt) => write!(f, "localdatetime('{}')", dt.format("%Y-%m-%dT%H:%M:%S%.f")),
            Value::DateTime { local, zone } => {
                let zone = match zone {
                    Zone::Offset(o) => fmt_offset(*o),
                    Zone::Id(id) => format!("[{id}]"),
                };
                write!(f, "datetime('{}{zone}')", local.format("%Y-%m-%dT%H:%M:%S%.f"))
            }
            Value::Duration { months, days, seconds, nanoseconds } => write!(
                f,
                "duration({{months: {months}, days: {days}, seconds: {seconds}, nanoseconds: {nanoseconds}}})"
            ),
            Value::Point(p) => {
                write!(f, "point({{srid: {}, x: ", p.srid)?;
                fmt_float(f, p.x)?;
                write!(f, ", y: ")?;
                fmt_float(f, p.y)?;
                if let Some(z) = p.z {
                    write!(f, ", z: ")?;
                    fmt_float(f, z)?;
                }
                write!(f, "}})")
            }
            Value::Vector(items) => {
                write!(f, "vecf32([")?;
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    fmt_float(f, f64::from(*x))?;
                }
                write!(f, "])")
            }
            Value::Node(n) => {
                write!(f, "(")?;
                for l in &n.labels {
                    write!(f, ":{l}")?;
                }
                write!(f, " ")?;
                fmt_props(f, &n.properties)?;
                write!(f, ")")
            }
            Value::Relationship(r) => {
                write!(f, "[:{} ", r.rel_type)?;
                fmt_props(f, &r.properties)?;
                write!(f, "]")
            }
            Value::Path { nodes, relationships } => write!(
                f,
                "path({} nodes, {} relationships)",
                nodes.len(),
                relationships.len()
            ),
        }
    }
}

fn fmt_offset(seconds: i32) -> String {
    if seconds == 0 {
        return "Z".into();
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, (s / 60) % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}:{m:02}:{sec:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_and_float_are_different_values() {
        assert_ne!(Value::Int(1), Value::Float(1.0));
        assert_eq!(Value::Int(1).to_string(), "1");
        assert_eq!(Value::Float(1.0).to_string(), "1.0");
    }

    #[test]
    fn nan_equals_itself_and_signed_zeros_differ() {
        assert_eq!(Value::Float(f64::NAN), Value::Float(-f64::NAN));
        assert_ne!(Value::Float(0.0), Value::Float(-0.0));
    }

    #[test]
    fn a_vector_is_not_a_list_of_floats() {
        let v = Value::Vector(vec![0.1, -0.0]);
        assert_ne!(
            v,
            Value::List(vec![Value::Float(0.1f32.into()), Value::Float(-0.0)])
        );
        assert_ne!(v, Value::Vector(vec![0.1, 0.0]));
        assert_eq!(
            Value::Vector(vec![f32::NAN]),
            Value::Vector(vec![-f32::NAN])
        );
        assert_eq!(v.type_name(), "VECTOR");
        assert_eq!(v.to_string(), "vecf32([0.10000000149011612, -0.0])");
    }

    #[test]
    fn zone_id_is_not_an_offset() {
        let local = NaiveDate::from_ymd_opt(2024, 3, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let a = Value::DateTime {
            local,
            zone: Zone::Offset(3600),
        };
        let b = Value::DateTime {
            local,
            zone: Zone::Id("Europe/Paris".into()),
        };
        assert_ne!(a, b);
        assert_eq!(a.to_string(), "datetime('2024-03-01T12:00:00+01:00')");
    }
}
