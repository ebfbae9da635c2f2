//! Reading neo4rs 0.8 values field by field, without losing anything.
//!
//! neo4rs 0.8 hands rows out only through serde (`Row::get`, `Row::to_strict`), and its own
//! `Deserialize for BoltType` is not faithful: a point fails ("expected struct variant"), and a
//! duration comes back as a two-integer *list* `[seconds, nanoseconds]` with months and days
//! folded into the seconds. Most fields of the temporal structs are also `pub(crate)`, and the
//! chrono conversions it offers panic on out-of-range server data.
//!
//! So this module drives neo4rs's serde `Deserializer` itself: [`Raw`] asks for the internal
//! `BoltType` enum (the same entry point neo4rs uses, keyed by the enum's type name), reads the
//! variant tag (`"node"`, `"point2_d"`, `"date_time_zone_id"`, ...) and then every raw field
//! (`days`, `nano_seconds`, `tz_offset_seconds`, `tz_info`, element ids, ...). Maps keep the
//! order in which neo4rs visited them, which is the order its `Debug` output uses too.
//!
//! Durations are the one place serde cannot help: neo4rs only exposes the folded seconds. The
//! exact months/days/seconds are read from the `Debug` text of the same value (the fields are
//! private, but `BoltDuration` derives `Debug`), see [`durations_in_debug`]; every duration read
//! that way is checked against the folded seconds and nanoseconds serde reported.

use std::fmt;

use serde::de::{
    self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

/// One Bolt value as neo4rs holds it, with raw temporal fields and maps in visit order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Bytes(Vec<u8>),
    List(Vec<Raw>),
    Map(Vec<(String, Raw)>),
    Node {
        id: i64,
        labels: Vec<Raw>,
        properties: Vec<(String, Raw)>,
    },
    Relation {
        id: i64,
        start: i64,
        end: i64,
        rel_type: String,
        properties: Vec<(String, Raw)>,
    },
    UnboundedRelation {
        id: i64,
        rel_type: String,
        properties: Vec<(String, Raw)>,
    },
    Path {
        nodes: Vec<Raw>,
        relationships: Vec<Raw>,
        indices: Vec<Raw>,
    },
    Point {
        srid: i64,
        x: f64,
        y: f64,
        z: Option<f64>,
    },
    /// What serde exposes of a duration: `seconds + days * 86400 + months * 2629800`
    /// (saturating) and the nanoseconds.
    Duration {
        folded_seconds: i64,
        nanoseconds: i64,
    },
    Date {
        days: i64,
    },
    Time {
        nanoseconds: i64,
        offset_seconds: i64,
    },
    LocalTime {
        nanoseconds: i64,
    },
    /// Bolt 4.x (no `utc` patch): `seconds` is the local wall-clock time as seconds since the epoch.
    DateTime {
        seconds: i64,
        nanoseconds: i64,
        offset_seconds: i64,
    },
    LocalDateTime {
        seconds: i64,
        nanoseconds: i64,
    },
    /// Bolt 4.x (no `utc` patch): `seconds` is the local wall-clock time as seconds since the epoch.
    DateTimeZoneId {
        seconds: i64,
        nanoseconds: i64,
        zone_id: String,
    },
}

/// The columns of one row, in the order neo4rs visited them (its internal hash map order).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawRow(pub Vec<(String, Raw)>);

/// The variant tags of neo4rs 0.8's internal `BoltKind`, as its serde identifiers spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    String,
    Boolean,
    Map,
    Integer,
    Float,
    List,
    Node,
    Relation,
    UnboundedRelation,
    Point2D,
    Point3D,
    Bytes,
    Path,
    Duration,
    Date,
    Time,
    LocalTime,
    DateTime,
    LocalDateTime,
    DateTimeZoneId,
}

impl Kind {
    fn from_name(name: &str) -> Option<Kind> {
        Some(match name {
            "null" => Kind::Null,
            "string" => Kind::String,
            "boolean" => Kind::Boolean,
            "map" => Kind::Map,
            "integer" => Kind::Integer,
            "float" => Kind::Float,
            "list" => Kind::List,
            "node" => Kind::Node,
            "relation" => Kind::Relation,
            "unbounded_relation" => Kind::UnboundedRelation,
            "point2_d" => Kind::Point2D,
            "point3_d" => Kind::Point3D,
            "bytes" => Kind::Bytes,
            "path" => Kind::Path,
            "duration" => Kind::Duration,
            "date" => Kind::Date,
            "time" => Kind::Time,
            "local_time" => Kind::LocalTime,
            "date_time" => Kind::DateTime,
            "local_date_time" => Kind::LocalDateTime,
            "date_time_zone_id" => Kind::DateTimeZoneId,
            _ => return None,
        })
    }
}

/// An identifier (variant tag or field name) as a string.
struct Ident(String);

impl<'de> Deserialize<'de> for Ident {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdentVisitor;
        impl Visitor<'_> for IdentVisitor {
            type Value = Ident;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an identifier")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Ident, E> {
                Ok(Ident(v.to_owned()))
            }
        }
        deserializer.deserialize_identifier(IdentVisitor)
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Ident(name) = Ident::deserialize(deserializer)?;
        Kind::from_name(&name)
            .ok_or_else(|| de::Error::custom(format!("unknown Bolt value kind `{name}`")))
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // neo4rs's deserializer hands out its tagged `BoltType` representation only when asked
        // for an enum with exactly this name; anything else gets the lossy plain-data view.
        deserializer.deserialize_enum(std::any::type_name::<neo4rs::BoltType>(), &[], RawVisitor)
    }
}

impl<'de> Deserialize<'de> for RawRow {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor).map(RawRow)
    }
}

/// A map of `String -> Raw`, in visit order.
struct Entries(Vec<(String, Raw)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor).map(Entries)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Vec<(String, Raw)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of Bolt values")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((key, value)) = map.next_entry::<String, Raw>()? {
            entries.push((key, value));
        }
        Ok(entries)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a tagged neo4rs BoltType")
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Raw, A::Error> {
        let (kind, variant): (Kind, _) = data.variant()?;
        match kind {
            Kind::Null
            | Kind::String
            | Kind::Boolean
            | Kind::Map
            | Kind::Integer
            | Kind::Float
            | Kind::List
            | Kind::Bytes => variant.tuple_variant(1, PlainVisitor),
            Kind::Node | Kind::Relation | Kind::UnboundedRelation | Kind::Path => {
                variant.tuple_variant(1, ElementVisitor(kind))
            }
            // The tuple length selects the fields: 3 is (srid, x, y), 4 is (srid, x, y, z).
            Kind::Point2D => variant.tuple_variant(3, PointVisitor { dims: 2 }),
            Kind::Point3D => variant.tuple_variant(4, PointVisitor { dims: 3 }),
            Kind::Duration => variant.tuple_variant(1, DurationVisitor),
            Kind::Date
            | Kind::Time
            | Kind::LocalTime
            | Kind::DateTime
            | Kind::LocalDateTime
            | Kind::DateTimeZoneId => variant.tuple_variant(1, TemporalVisitor(kind)),
        }
    }
}

/// Null, scalars, bytes, lists and maps.
struct PlainVisitor;

impl<'de> Visitor<'de> for PlainVisitor {
    type Value = Raw;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a plain Bolt value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        i64::try_from(v)
            .map(Raw::Int)
            .map_err(|_| E::custom(format!("integer {v} does not fit in 64 signed bits")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::String(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Raw, E> {
        Ok(Raw::Bytes(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element::<Raw>()? {
            items.push(item);
        }
        Ok(Raw::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Raw, A::Error> {
        EntriesVisitor.visit_map(map).map(Raw::Map)
    }
}

/// Nodes, relationships and paths, which neo4rs presents as a map of their fields.
struct ElementVisitor(Kind);

impl<'de> Visitor<'de> for ElementVisitor {
    type Value = Raw;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the fields of a Bolt {:?}", self.0)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut id = None;
        let mut start = None;
        let mut end = None;
        let mut rel_type = None;
        let mut labels = None;
        let mut properties = None;
        let mut nodes = None;
        let mut relationships = None;
        let mut indices = None;
        while let Some(Ident(key)) = map.next_key::<Ident>()? {
            match key.as_str() {
                "id" => id = Some(map.next_value::<i64>()?),
                "start_node_id" => start = Some(map.next_value::<i64>()?),
                "end_node_id" => end = Some(map.next_value::<i64>()?),
                "type" => rel_type = Some(map.next_value::<String>()?),
                "labels" => labels = Some(map.next_value::<Vec<Raw>>()?),
                "properties" => properties = Some(map.next_value::<Entries>()?.0),
                "nodes" => nodes = Some(map.next_value::<Vec<Raw>>()?),
                "relationships" => relationships = Some(map.next_value::<Vec<Raw>>()?),
                "indices" => indices = Some(map.next_value::<Vec<Raw>>()?),
                other => {
                    return Err(de::Error::custom(format!(
                        "unexpected field `{other}` in a Bolt {:?}",
                        self.0
                    )));
                }
            }
        }
        fn need<T, E: de::Error>(field: Option<T>, name: &'static str) -> Result<T, E> {
            field.ok_or_else(|| E::missing_field(name))
        }
        Ok(match self.0 {
            Kind::Node => Raw::Node {
                id: need(id, "id")?,
                labels: need(labels, "labels")?,
                properties: need(properties, "properties")?,
            },
            Kind::Relation => Raw::Relation {
                id: need(id, "id")?,
                start: need(start, "start_node_id")?,
                end: need(end, "end_node_id")?,
                rel_type: need(rel_type, "type")?,
                properties: need(properties, "properties")?,
            },
            Kind::UnboundedRelation => Raw::UnboundedRelation {
                id: need(id, "id")?,
                rel_type: need(rel_type, "type")?,
                properties: need(properties, "properties")?,
            },
            _ => Raw::Path {
                nodes: need(nodes, "nodes")?,
                relationships: need(relationships, "relationships")?,
                indices: need(indices, "indices")?,
            },
        })
    }
}

struct PointVisitor {
    dims: u8,
}

impl<'de> Visitor<'de> for PointVisitor {
    type Value = Raw;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the srid and {} coordinates of a point", self.dims)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        // Read exactly the fields asked for: neo4rs's point sequence never reports its end.
        let missing = || de::Error::custom("incomplete point");
        let srid = seq.next_element::<i64>()?.ok_or_else(missing)?;
        let x = seq.next_element::<f64>()?.ok_or_else(missing)?;
        let y = seq.next_element::<f64>()?.ok_or_else(missing)?;
        let z = if self.dims == 3 {
            Some(seq.next_element::<f64>()?.ok_or_else(missing)?)
        } else {
            None
        };
        Ok(Raw::Point { srid, x, y, z })
    }
}

struct DurationVisitor;

impl<'de> Visitor<'de> for DurationVisitor {
    type Value = Raw;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the seconds and nanoseconds of a duration")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let missing = || de::Error::custom("incomplete duration");
        let folded_seconds = seq.next_element::<i64>()?.ok_or_else(missing)?;
        let nanoseconds = seq.next_element::<i64>()?.ok_or_else(missing)?;
        Ok(Raw::Duration {
            folded_seconds,
            nanoseconds,
        })
    }
}

/// Dates, times and datetimes, which neo4rs presents as a map of their raw fields.
struct TemporalVisitor(Kind);

impl<'de> Visitor<'de> for TemporalVisitor {
    type Value = Raw;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the fields of a Bolt {:?}", self.0)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut seconds = None;
        let mut nanoseconds = None;
        let mut offset = None;
        let mut days = None;
        let mut zone = None;
        while let Some(Ident(key)) = map.next_key::<Ident>()? {
            match key.as_str() {
                "seconds" => seconds = Some(map.next_value::<i64>()?),
                "nano_seconds" => nanoseconds = Some(map.next_value::<i64>()?),
                "tz_offset_seconds" => offset = Some(map.next_value::<i64>()?),
                "days" => days = Some(map.next_value::<i64>()?),
                "tz_info" => zone = Some(map.next_value::<String>()?),
                other => {
                    return Err(de::Error::custom(format!(
                        "unexpected field `{other}` in a Bolt {:?}",
                        self.0
                    )));
                }
            }
        }
        fn need<T, E: de::Error>(field: Option<T>, name: &'static str) -> Result<T, E> {
            field.ok_or_else(|| E::missing_field(name))
        }
        Ok(match self.0 {
            Kind::Date => Raw::Date {
                days: need(days, "days")?,
            },
            Kind::Time => Raw::Time {
                nanoseconds: need(nanoseconds, "nano_seconds")?,
                offset_seconds: need(offset, "tz_offset_seconds")?,
            },
            Kind::LocalTime => Raw::LocalTime {
                nanoseconds: need(nanoseconds, "nano_seconds")?,
            },
            Kind::DateTime => Raw::DateTime {
                seconds: need(seconds, "seconds")?,
                nanoseconds: need(nanoseconds, "nano_seconds")?,
                offset_seconds: need(offset, "tz_offset_seconds")?,
            },
            Kind::LocalDateTime => Raw::LocalDateTime {
                seconds: need(seconds, "seconds")?,
                nanoseconds: need(nanoseconds, "nano_seconds")?,
            },
            _ => Raw::DateTimeZoneId {
                seconds: need(seconds, "seconds")?,
                nanoseconds: need(nanoseconds, "nano_seconds")?,
                zone_id: need(zone, "tz_info")?,
            },
        })
    }
}

/// The exact `(months, days, seconds, nanoseconds)` of every `BoltDuration` in a neo4rs `Debug`
/// text, in order of appearance; `None` for one whose text does not have the expected shape.
///
/// String and byte literals are skipped (Rust's `Debug` escapes `"` and `\` inside them), so a
/// string value that merely contains the words `BoltDuration {` is never taken for one.
pub(crate) fn durations_in_debug(text: &str) -> Vec<Option<[i64; 4]>> {
    const MARKER: &str = "BoltDuration {";
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
        } else if text.get(i..).is_some_and(|rest| rest.starts_with(MARKER)) {
            let (parsed, consumed) = parse_duration_debug(&text[i..]);
            found.push(parsed);
            i += consumed.max(MARKER.len());
        } else {
            i += 1;
        }
    }
    found
}

/// Parses `BoltDuration { months: BoltInteger { value: 1 }, days: ..., seconds: ..., nanoseconds: ... }`
/// at the start of `text`; returns the fields and the number of bytes read.
fn parse_duration_debug(text: &str) -> (Option<[i64; 4]>, usize) {
    let mut rest = text;
    let parsed = parse_duration_fields(&mut rest);
    (parsed, text.len() - rest.len())
}

fn parse_duration_fields(rest: &mut &str) -> Option<[i64; 4]> {
    fn expect(rest: &mut &str, literal: &str) -> Option<()> {
        *rest = rest.strip_prefix(literal)?;
        Some(())
    }
    let mut fields = [0i64; 4];
    expect(rest, "BoltDuration { ")?;
    for (i, name) in ["months", "days", "seconds", "nanoseconds"]
        .iter()
        .enumerate()
    {
        if i > 0 {
            expect(rest, ", ")?;
        }
        expect(rest, name)?;
        expect(rest, ": BoltInteger { value: ")?;
        let len = rest
            .char_indices()
            .find(|&(j, c)| !(c.is_ascii_digit() || (j == 0 && c == '-')))
            .map_or(rest.len(), |(j, _)| j);
        fields[i] = rest[..len].parse().ok()?;
        *rest = &rest[len..];
        expect(rest, " }")?;
    }
    expect(rest, " }")?;
    Some(fields)
}

/// neo4rs 0.8's `BoltDuration::seconds()`: what serde reports instead of the three fields.
pub(crate) fn fold_duration_seconds(months: i64, days: i64, seconds: i64) -> i64 {
    seconds
        .saturating_add(days.saturating_mul(24 * 3600))
        .saturating_add(months.saturating_mul(2_629_800))
}

#[cfg(test)]
mod tests {
    use super::*;
    use neo4rs::{BoltDuration, BoltMap, BoltString, BoltType};

    #[test]
    fn duration_debug_text_is_read_exactly_and_strings_are_skipped() {
        let d = BoltDuration::new((-14).into(), 3.into(), i64::MIN.into(), 999_999_999.into());
        let fake = "BoltDuration { months: BoltInteger { value: 7 }, days: BoltInteger { value: 7 }, seconds: BoltInteger { value: 7 }, nanoseconds: BoltInteger { value: 7 } } \"quoted\\\"";
        let map: BoltMap = [
            (BoltString::from("a"), BoltType::from(fake)),
            (BoltString::from("b"), BoltType::Duration(d)),
        ]
        .into_iter()
        .collect();
        let found = durations_in_debug(&format!("{map:?}"));
        assert_eq!(found, vec![Some([-14, 3, i64::MIN, 999_999_999])]);
    }

    #[test]
    fn malformed_duration_text_is_reported_not_guessed() {
        assert_eq!(durations_in_debug("BoltDuration { months: 1 }"), vec![None]);
        assert_eq!(durations_in_debug("no durations here"), vec![]);
    }
}
