//! Converting between neo4rs 0.8's `BoltType` and the harness's typed [`Value`].
//!
//! Reading goes through `decode` (neo4rs's serde interface, field by field), so
//! [`bolt_to_value`] and [`row_to_values`] share one path: null, booleans, integers, floats,
//! strings, bytes, lists, maps, nodes, relationships, unbounded relationships, paths, 2D/3D
//! points with their SRID, dates, times with offset, local times, datetimes with offset,
//! datetimes with a zone id, local datetimes and durations (months, days, seconds, nanoseconds
//! kept apart).
//!
//! # Zoned datetimes and Bolt versions
//!
//! neo4rs 0.8 negotiates Bolt 4.1 or 4.0 only (`Version::supported_versions` offers 0x0104 and
//! 0x0004), so it never gets the Bolt 4.4 `utc` patch nor Bolt 5's UTC-based structures. Both
//! the server and neo4rs therefore use the legacy encoding:
//!
//! - `DateTime` (0x46) carries the *local* wall-clock time as seconds since the epoch plus the
//!   offset; neo4rs's `From<DateTime<FixedOffset>>` writes exactly that (`timestamp + offset`).
//! - `DateTimeZoneId` (0x66) carries the local wall-clock seconds plus the zone id; neo4rs's
//!   `From<(NaiveDateTime, &str)>` writes the naive local time as if it were UTC, which is that.
//!
//! So values round-trip as (local datetime, zone) — which is what [`Value::DateTime`] stores.
//! The legacy encoding has no offset for zone-id datetimes: during a DST fall-back overlap the
//! two instants of `2024-10-27T02:30[Europe/Paris]` (+02:00 and +01:00) arrive identical, and a
//! parameter is resolved by the server (Java picks the earlier offset). The harness cannot see
//! that difference through neo4rs 0.8. (neo4rs's own `TryFrom<&BoltDateTimeZoneId> for
//! DateTime<FixedOffset>` guesses `.earliest()` for the same reason; it is not used here.)
//!
//! Values chrono cannot hold (years beyond ±262143, offsets beyond a day) are reported as
//! errors, never clamped.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use neo4rs::{
    BoltBoolean, BoltDuration, BoltFloat, BoltInteger, BoltList, BoltMap, BoltNull, BoltPoint2D,
    BoltPoint3D, BoltString, BoltType, Row,
};

use super::decode::{durations_in_debug, fold_duration_seconds, Raw, RawRow};
use crate::value::{Node, Point, Relationship, Value, Zone};

/// A value that cannot be converted; the connection turns it into `EngineError::Unsupported`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError(pub String);

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConvertError {}

fn err<T>(message: impl Into<String>) -> Result<T, ConvertError> {
    Err(ConvertError(message.into()))
}

/// Converts one neo4rs value.
pub fn bolt_to_value(bolt: &BoltType) -> Result<Value, ConvertError> {
    let holder: BoltMap = [(BoltString::from("v"), bolt.clone())]
        .into_iter()
        .collect();
    let raw: Raw = holder
        .get("v")
        .map_err(|e| ConvertError(format!("cannot read the value: {e}")))?;
    let held = holder.value.get("v");
    let debug = || format!("{held:?}");
    Converter::new(&debug).value(raw)
}

/// Converts every column of one row, in neo4rs's (unordered) column order.
pub fn row_to_values(row: &Row) -> Result<Vec<(String, Value)>, ConvertError> {
    let RawRow(columns) = row
        .to_strict()
        .map_err(|e| ConvertError(format!("cannot read the row: {e}")))?;
    let debug = || format!("{row:?}");
    let mut converter = Converter::new(&debug);
    columns
        .into_iter()
        .map(|(name, raw)| Ok((name, converter.value(raw)?)))
        .collect()
}

/// Turns [`Raw`] values into [`Value`]s, visiting them in the order neo4rs's `Debug` prints them,
/// so durations can be matched with their exact fields.
struct Converter<'a> {
    debug: &'a dyn Fn() -> String,
    durations: Option<std::vec::IntoIter<Option<[i64; 4]>>>,
}

impl<'a> Converter<'a> {
    fn new(debug: &'a dyn Fn() -> String) -> Self {
        Converter {
            debug,
            durations: None,
        }
    }

    fn value(&mut self, raw: Raw) -> Result<Value, ConvertError> {
        Ok(match raw {
            Raw::Null => Value::Null,
            Raw::Bool(b) => Value::Bool(b),
            Raw::Int(i) => Value::Int(i),
            Raw::Float(f) => Value::Float(f),
            Raw::String(s) => Value::String(s),
            Raw::Bytes(b) => Value::Bytes(b),
            Raw::List(items) => Value::List(
                items
                    .into_iter()
                    .map(|r| self.value(r))
                    .collect::<Result<_, _>>()?,
            ),
            Raw::Map(entries) => Value::Map(self.map(entries)?),
            node @ Raw::Node { .. } => Value::Node(self.node(node)?),
            Raw::Relation {
                id,
                start,
                end,
                rel_type,
                properties,
            } => Value::Relationship(Relationship {
                id,
                start,
                end,
                rel_type,
                properties: self.map(properties)?,
            }),
            // Bolt sends these only inside paths, where `path` resolves their endpoints.
            Raw::UnboundedRelation {
                id,
                rel_type,
                properties,
            } => Value::Relationship(Relationship {
                id,
                start: -1,
                end: -1,
                rel_type,
                properties: self.map(properties)?,
            }),
            Raw::Path {
                nodes,
                relationships,
                indices,
            } => self.path(nodes, relationships, indices)?,
            Raw::Point { srid, x, y, z } => {
                let Ok(srid) = u32::try_from(srid) else {
                    return err(format!("point SRID {srid} is out of range"));
                };
                Value::Point(Point { srid, x, y, z })
            }
            Raw::Duration {
                folded_seconds,
                nanoseconds,
            } => self.duration(folded_seconds, nanoseconds)?,
            Raw::Date { days } => Value::Date(date_from_days(days)?),
            Raw::LocalTime { nanoseconds } => Value::LocalTime(time_from_nanos(nanoseconds)?),
            Raw::Time {
                nanoseconds,
                offset_seconds,
            } => Value::Time {
                time: time_from_nanos(nanoseconds)?,
                offset_seconds: offset(offset_seconds)?,
            },
            Raw::LocalDateTime {
                seconds,
                nanoseconds,
            } => Value::LocalDateTime(local_datetime(seconds, nanoseconds)?),
            Raw::DateTime {
                seconds,
                nanoseconds,
                offset_seconds,
            } => Value::DateTime {
                local: local_datetime(seconds, nanoseconds)?,
                zone: Zone::Offset(offset(offset_seconds)?),
            },
            Raw::DateTimeZoneId {
                seconds,
                nanoseconds,
                zone_id,
            } => Value::DateTime {
                local: local_datetime(seconds, nanoseconds)?,
                zone: Zone::Id(zone_id),
            },
        })
    }

    fn map(
        &mut self,
        entries: Vec<(String, Raw)>,
    ) -> Result<BTreeMap<String, Value>, ConvertError> {
        let mut map = BTreeMap::new();
        for (key, raw) in entries {
            let value = self.value(raw)?;
            map.insert(key, value);
        }
        Ok(map)
    }

    fn node(&mut self, raw: Raw) -> Result<Node, ConvertError> {
        let Raw::Node {
            id,
            labels,
            properties,
        } = raw
        else {
            return err(format!("expected a node in a path, got {}", raw_kind(&raw)));
        };
        let labels = labels
            .into_iter()
            .map(|label| match label {
                Raw::String(s) => Ok(s),
                other => err(format!(
                    "node label is a {}, not a string",
                    raw_kind(&other)
                )),
            })
            .collect::<Result<_, _>>()?;
        Ok(Node {
            id,
            labels,
            properties: self.map(properties)?,
        })
    }

    /// Rebuilds a path from Bolt's compact form: distinct nodes, distinct unbounded
    /// relationships, and `indices` as (relationship, node) pairs. A relationship index is
    /// 1-based and negative when the relationship is traversed against its direction.
    fn path(
        &mut self,
        nodes: Vec<Raw>,
        relationships: Vec<Raw>,
        indices: Vec<Raw>,
    ) -> Result<Value, ConvertError> {
        let nodes: Vec<Node> = nodes
            .into_iter()
            .map(|n| self.node(n))
            .collect::<Result<_, _>>()?;
        let mut rels = Vec::with_capacity(relationships.len());
        for rel in relationships {
            let Raw::UnboundedRelation {
                id,
                rel_type,
                properties,
            } = rel
            else {
                return err(format!(
                    "expected a relationship in a path, got {}",
                    raw_kind(&rel)
                ));
            };
            rels.push((id, rel_type, self.map(properties)?));
        }
        let indices = indices
            .into_iter()
            .map(|i| match i {
                Raw::Int(i) => Ok(i),
                other => err(format!(
                    "path index is a {}, not an integer",
                    raw_kind(&other)
                )),
            })
            .collect::<Result<Vec<i64>, _>>()?;
        if indices.len() % 2 != 0 {
            return err("path has an odd number of indices");
        }
        let Some(first) = nodes.first() else {
            return err("path has no nodes");
        };
        let mut sequence = vec![first.clone()];
        let mut traversed = Vec::with_capacity(indices.len() / 2);
        for pair in indices.chunks_exact(2) {
            let (rel_index, node_index) = (pair[0], pair[1]);
            let rel = usize::try_from(rel_index.unsigned_abs())
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| rels.get(i));
            let next = usize::try_from(node_index).ok().and_then(|i| nodes.get(i));
            let (Some((id, rel_type, properties)), Some(next)) = (rel, next) else {
                return err(format!(
                    "path index pair ({rel_index}, {node_index}) is out of range"
                ));
            };
            let previous = sequence.last().map_or(first.id, |n| n.id);
            let (start, end) = if rel_index > 0 {
                (previous, next.id)
            } else {
                (next.id, previous)
            };
            traversed.push(Relationship {
                id: *id,
                start,
                end,
                rel_type: rel_type.clone(),
                properties: properties.clone(),
            });
            sequence.push(next.clone());
        }
        Ok(Value::Path {
            nodes: sequence,
            relationships: traversed,
        })
    }

    fn duration(&mut self, folded_seconds: i64, nanoseconds: i64) -> Result<Value, ConvertError> {
        let debug = self.debug;
        let exact = self
            .durations
            .get_or_insert_with(|| durations_in_debug(&debug()).into_iter())
            .next()
            .flatten();
        let Some([months, days, seconds, nanos]) = exact else {
            return err("cannot read the months/days/seconds of a DURATION from neo4rs");
        };
        if fold_duration_seconds(months, days, seconds) != folded_seconds || nanos != nanoseconds {
            return err("a DURATION read from neo4rs does not match its total; refusing to guess");
        }
        let Ok(nanoseconds) = i32::try_from(nanos) else {
            return err(format!("duration nanoseconds {nanos} are out of range"));
        };
        Ok(Value::Duration {
            months,
            days,
            seconds,
            nanoseconds,
        })
    }
}

fn raw_kind(raw: &Raw) -> &'static str {
    match raw {
        Raw::Null => "null",
        Raw::Bool(_) => "boolean",
        Raw::Int(_) => "integer",
        Raw::Float(_) => "float",
        Raw::String(_) => "string",
        Raw::Bytes(_) => "byte array",
        Raw::List(_) => "list",
        Raw::Map(_) => "map",
        Raw::Node { .. } => "node",
        Raw::Relation { .. } | Raw::UnboundedRelation { .. } => "relationship",
        Raw::Path { .. } => "path",
        Raw::Point { .. } => "point",
        Raw::Duration { .. } => "duration",
        Raw::Date { .. } => "date",
        Raw::Time { .. } => "time",
        Raw::LocalTime { .. } => "local time",
        Raw::DateTime { .. } | Raw::DateTimeZoneId { .. } => "datetime",
        Raw::LocalDateTime { .. } => "local datetime",
    }
}

/// Days between 0001-01-01 (day 1 of the common era) and 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;
const NANOS_PER_SECOND: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;

fn date_from_days(days: i64) -> Result<NaiveDate, ConvertError> {
    days.checked_add(UNIX_EPOCH_DAYS_FROM_CE)
        .and_then(|d| i32::try_from(d).ok())
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or_else(|| {
            ConvertError(format!(
                "date {days} days from 1970-01-01 is outside the supported range"
            ))
        })
}

fn time_from_nanos(nanos: i64) -> Result<NaiveTime, ConvertError> {
    if !(0..NANOS_PER_DAY).contains(&nanos) {
        return err(format!("time of day {nanos} ns is out of range"));
    }
    let (seconds, fraction) = (nanos / NANOS_PER_SECOND, nanos % NANOS_PER_SECOND);
    u32::try_from(seconds)
        .ok()
        .zip(u32::try_from(fraction).ok())
        .and_then(|(s, f)| NaiveTime::from_num_seconds_from_midnight_opt(s, f))
        .ok_or_else(|| ConvertError(format!("time of day {nanos} ns is out of range")))
}

fn offset(seconds: i64) -> Result<i32, ConvertError> {
    i32::try_from(seconds)
        .map_err(|_| ConvertError(format!("UTC offset of {seconds} s is out of range")))
}

fn local_datetime(seconds: i64, nanos: i64) -> Result<NaiveDateTime, ConvertError> {
    if !(0..NANOS_PER_SECOND).contains(&nanos) {
        return err(format!("datetime nanoseconds {nanos} are out of range"));
    }
    u32::try_from(nanos)
        .ok()
        .and_then(|n| DateTime::from_timestamp(seconds, n))
        .map(|dt| dt.naive_utc())
        .ok_or_else(|| {
            ConvertError(format!(
                "datetime {seconds} s from 1970-01-01 is outside the supported range"
            ))
        })
}

/// Converts a query parameter. Nodes, relationships and paths cannot be sent as parameters.
pub fn value_to_bolt(value: &Value) -> Result<BoltType, ConvertError> {
    Ok(match value {
        Value::Null => BoltType::Null(BoltNull),
        Value::Bool(b) => BoltType::Boolean(BoltBoolean::new(*b)),
        Value::Int(i) => BoltType::Integer(BoltInteger::new(*i)),
        Value::Float(f) => BoltType::Float(BoltFloat::new(*f)),
        Value::String(s) => BoltType::String(BoltString::from(s.as_str())),
        Value::Bytes(b) => BoltType::from(b.clone()),
        Value::List(items) => BoltType::List(BoltList::from(
            items
                .iter()
                .map(value_to_bolt)
                .collect::<Result<Vec<_>, _>>()?,
        )),
        Value::Map(map) => {
            let mut bolt = BoltMap::with_capacity(map.len());
            for (key, item) in map {
                bolt.put(BoltString::from(key.as_str()), value_to_bolt(item)?);
            }
            BoltType::Map(bolt)
        }
        Value::Date(d) => BoltType::from(*d),
        Value::LocalTime(t) => BoltType::from(*t),
        Value::Time {
            time,
            offset_seconds,
        } => BoltType::from((*time, fixed_offset(*offset_seconds)?)),
        Value::LocalDateTime(dt) => BoltType::from(*dt),
        Value::DateTime {
            local,
            zone: Zone::Offset(seconds),
        } => {
            let Some(datetime) = local.and_local_timezone(fixed_offset(*seconds)?).single() else {
                return err(format!(
                    "datetime {local} with offset {seconds} s is out of range"
                ));
            };
            BoltType::from(datetime)
        }
        Value::DateTime {
            local,
            zone: Zone::Id(zone),
        } => BoltType::from((*local, zone.as_str())),
        Value::Duration {
            months,
            days,
            seconds,
            nanoseconds,
        } => BoltType::Duration(BoltDuration::new(
            BoltInteger::new(*months),
            BoltInteger::new(*days),
            BoltInteger::new(*seconds),
            BoltInteger::new(i64::from(*nanoseconds)),
        )),
        // Neo4j has no vecf32 type: a list of the elements as doubles (each exact).
        Value::Vector(items) => BoltType::List(BoltList::from(
            items
                .iter()
                .map(|x| BoltType::Float(BoltFloat::new(f64::from(*x))))
                .collect::<Vec<_>>(),
        )),
        Value::Point(p) => {
            let sr_id = BoltInteger::new(i64::from(p.srid));
            match p.z {
                None => BoltType::Point2D(BoltPoint2D {
                    sr_id,
                    x: BoltFloat::new(p.x),
                    y: BoltFloat::new(p.y),
                }),
                Some(z) => BoltType::Point3D(BoltPoint3D {
                    sr_id,
                    x: BoltFloat::new(p.x),
                    y: BoltFloat::new(p.y),
                    z: BoltFloat::new(z),
                }),
            }
        }
        Value::Node(_) | Value::Relationship(_) | Value::Path { .. } => {
            return err(format!(
                "a {} cannot be sent as a parameter; pass its properties or a business key instead",
                value.type_name()
            ));
        }
    })
}

fn fixed_offset(seconds: i32) -> Result<FixedOffset, ConvertError> {
    FixedOffset::east_opt(seconds)
        .ok_or_else(|| ConvertError(format!("UTC offset of {seconds} s is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use neo4rs::{BoltNode, BoltPath, BoltRelation, BoltUnboundedRelation};

    fn bolt_map(entries: Vec<(&str, BoltType)>) -> BoltMap {
        entries
            .into_iter()
            .map(|(k, v)| (BoltString::from(k), v))
            .collect()
    }

    fn props(entries: Vec<(&str, Value)>) -> BTreeMap<String, Value> {
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn hms_nano(h: u32, m: u32, s: u32, n: u32) -> NaiveTime {
        NaiveTime::from_hms_nano_opt(h, m, s, n).expect("valid test time")
    }

    fn offset_of(seconds: i32) -> FixedOffset {
        FixedOffset::east_opt(seconds).expect("valid test offset")
    }

    fn duration(months: i64, days: i64, seconds: i64, nanos: i64) -> BoltType {
        BoltType::Duration(BoltDuration::new(
            months.into(),
            days.into(),
            seconds.into(),
            nanos.into(),
        ))
    }

    fn convert(bolt: BoltType) -> Value {
        bolt_to_value(&bolt).expect("converts")
    }

    fn round_trip(value: Value) {
        let bolt = value_to_bolt(&value).expect("is a valid parameter");
        assert_eq!(
            bolt_to_value(&bolt).expect("converts back"),
            value,
            "via {bolt:?}"
        );
    }

    #[test]
    fn scalars_convert_to_their_typed_values() {
        assert_eq!(convert(BoltType::Null(BoltNull)), Value::Null);
        assert_eq!(convert(BoltType::from(true)), Value::Bool(true));
        assert_eq!(
            convert(BoltType::Integer(BoltInteger::new(i64::MIN))),
            Value::Int(i64::MIN)
        );
        assert_eq!(
            convert(BoltType::Integer(BoltInteger::new(i64::MAX))),
            Value::Int(i64::MAX)
        );
        assert_eq!(
            convert(BoltType::Float(BoltFloat::new(1.0))),
            Value::Float(1.0)
        );
        assert_ne!(convert(BoltType::Float(BoltFloat::new(1.0))), Value::Int(1));
        assert_eq!(convert(BoltType::from(f64::NAN)), Value::Float(f64::NAN));
        let negative_zero = convert(BoltType::from(-0.0f64));
        assert_eq!(negative_zero, Value::Float(-0.0));
        assert_ne!(negative_zero, Value::Float(0.0));
        assert_eq!(
            convert(BoltType::from(f64::NEG_INFINITY)),
            Value::Float(f64::NEG_INFINITY)
        );
        assert_eq!(convert(BoltType::from("")), Value::String(String::new()));
        assert_eq!(
            convert(BoltType::from("Grüße, 世界 🦀")),
            Value::String("Grüße, 世界 🦀".into())
        );
        assert_eq!(
            convert(BoltType::from(vec![0u8, 255, 34, 92])),
            Value::Bytes(vec![0, 255, 34, 92])
        );
        assert_eq!(
            convert(BoltType::from(Vec::<u8>::new())),
            Value::Bytes(vec![])
        );
    }

    #[test]
    fn lists_and_maps_convert_recursively() {
        let list = BoltType::List(BoltList::from(vec![
            BoltType::from(1i64),
            BoltType::from("a"),
            BoltType::Null(BoltNull),
            BoltType::List(BoltList::new()),
        ]));
        assert_eq!(
            convert(list),
            Value::List(vec![
                Value::Int(1),
                Value::String("a".into()),
                Value::Null,
                Value::List(vec![])
            ])
        );
        let map = BoltType::Map(bolt_map(vec![
            ("", BoltType::from(2.5f64)),
            (
                "ключ",
                BoltType::Map(bolt_map(vec![("x", BoltType::from(false))])),
            ),
        ]));
        assert_eq!(
            convert(map),
            Value::Map(props(vec![
                ("", Value::Float(2.5)),
                ("ключ", Value::Map(props(vec![("x", Value::Bool(false))]))),
            ]))
        );
    }

    fn person(id: i64, name: &str) -> BoltNode {
        BoltNode::new(
            id.into(),
            BoltList::from(vec![BoltType::from("Person"), BoltType::from("Admin")]),
            bolt_map(vec![("name", BoltType::from(name))]),
        )
    }

    fn person_value(id: i64, name: &str) -> Node {
        Node {
            id,
            labels: vec!["Person".into(), "Admin".into()],
            properties: props(vec![("name", Value::String(name.into()))]),
        }
    }

    #[test]
    fn nodes_and_relationships_keep_ids_labels_types_and_properties() {
        assert_eq!(
            convert(BoltType::Node(person(7, "Ada"))),
            Value::Node(person_value(7, "Ada"))
        );
        let rel = BoltRelation {
            id: 3.into(),
            start_node_id: 7.into(),
            end_node_id: 8.into(),
            typ: "KNOWS".into(),
            properties: bolt_map(vec![("since", BoltType::from(1999i64))]),
        };
        assert_eq!(
            convert(BoltType::Relation(rel)),
            Value::Relationship(Relationship {
                id: 3,
                start: 7,
                end: 8,
                rel_type: "KNOWS".into(),
                properties: props(vec![("since", Value::Int(1999))]),
            })
        );
        let unbounded = BoltUnboundedRelation::new(4.into(), "LIKES".into(), BoltMap::new());
        assert_eq!(
            convert(BoltType::UnboundedRelation(unbounded)),
            Value::Relationship(Relationship {
                id: 4,
                start: -1,
                end: -1,
                rel_type: "LIKES".into(),
                properties: BTreeMap::new(),
            })
        );
    }

    #[test]
    fn paths_are_rebuilt_in_traversal_order_with_directions() {
        // (a:7)-[:KNOWS 3]->(b:8)<-[:LIKES 4]-(c:9)
        let path = BoltPath {
            nodes: BoltList::from(vec![
                BoltType::Node(person(7, "a")),
                BoltType::Node(person(8, "b")),
                BoltType::Node(person(9, "c")),
            ]),
            rels: BoltList::from(vec![
                BoltType::UnboundedRelation(BoltUnboundedRelation::new(
                    3.into(),
                    "KNOWS".into(),
                    BoltMap::new(),
                )),
                BoltType::UnboundedRelation(BoltUnboundedRelation::new(
                    4.into(),
                    "LIKES".into(),
                    bolt_map(vec![("w", duration(1, 2, 3, 4))]),
                )),
            ]),
            indices: BoltList::from(vec![
                BoltType::from(1i64),
                BoltType::from(1i64),
                BoltType::from(-2i64),
                BoltType::from(2i64),
            ]),
        };
        let rel = |id, start, end, rel_type: &str, properties| Relationship {
            id,
            start,
            end,
            rel_type: rel_type.into(),
            properties,
        };
        assert_eq!(
            convert(BoltType::Path(path)),
            Value::Path {
                nodes: vec![
                    person_value(7, "a"),
                    person_value(8, "b"),
                    person_value(9, "c")
                ],
                relationships: vec![
                    rel(3, 7, 8, "KNOWS", BTreeMap::new()),
                    rel(
                        4,
                        9,
                        8,
                        "LIKES",
                        props(vec![(
                            "w",
                            Value::Duration {
                                months: 1,
                                days: 2,
                                seconds: 3,
                                nanoseconds: 4
                            }
                        )])
                    ),
                ],
            }
        );
        let single = BoltPath {
            nodes: BoltList::from(vec![BoltType::Node(person(7, "a"))]),
            rels: BoltList::new(),
            indices: BoltList::new(),
        };
        assert_eq!(
            convert(BoltType::Path(single)),
            Value::Path {
                nodes: vec![person_value(7, "a")],
                relationships: vec![]
            }
        );
    }

    #[test]
    fn malformed_paths_are_errors() {
        let path = BoltPath {
            nodes: BoltList::from(vec![BoltType::Node(person(7, "a"))]),
            rels: BoltList::new(),
            indices: BoltList::from(vec![BoltType::from(1i64), BoltType::from(5i64)]),
        };
        assert!(bolt_to_value(&BoltType::Path(path)).is_err());
    }

    #[test]
    fn points_keep_srid_and_dimensions() {
        let p2 = BoltPoint2D {
            sr_id: BoltInteger::new(4326),
            x: BoltFloat::new(12.5),
            y: BoltFloat::new(-0.0),
        };
        assert_eq!(
            convert(BoltType::Point2D(p2)),
            Value::Point(Point {
                srid: 4326,
                x: 12.5,
                y: -0.0,
                z: None
            })
        );
        let p3 = BoltPoint3D {
            sr_id: BoltInteger::new(9157),
            x: BoltFloat::new(1.0),
            y: BoltFloat::new(2.0),
            z: BoltFloat::new(f64::NAN),
        };
        assert_eq!(
            convert(BoltType::Point3D(p3)),
            Value::Point(Point {
                srid: 9157,
                x: 1.0,
                y: 2.0,
                z: Some(f64::NAN)
            })
        );
    }

    #[test]
    fn durations_keep_months_days_and_seconds_apart() {
        assert_eq!(
            convert(duration(14, -3, 7_200, 500)),
            Value::Duration {
                months: 14,
                days: -3,
                seconds: 7_200,
                nanoseconds: 500
            }
        );
        // Same total seconds, different values: P1D is not PT24H.
        let list = BoltType::List(BoltList::from(vec![
            duration(0, 1, 0, 0),
            duration(0, 0, 86_400, 0),
        ]));
        assert_eq!(
            convert(list),
            Value::List(vec![
                Value::Duration {
                    months: 0,
                    days: 1,
                    seconds: 0,
                    nanoseconds: 0
                },
                Value::Duration {
                    months: 0,
                    days: 0,
                    seconds: 86_400,
                    nanoseconds: 0
                },
            ])
        );
        assert_eq!(
            convert(duration(i64::MAX, i64::MIN, i64::MIN, 0)),
            Value::Duration {
                months: i64::MAX,
                days: i64::MIN,
                seconds: i64::MIN,
                nanoseconds: 0
            }
        );
    }

    #[test]
    fn temporal_values_convert_from_chrono_built_bolt_values() {
        let date = ymd(2024, 2, 29);
        assert_eq!(convert(BoltType::from(date)), Value::Date(date));
        assert_eq!(
            convert(BoltType::from(ymd(1, 1, 1))),
            Value::Date(ymd(1, 1, 1))
        );
        assert_eq!(
            convert(BoltType::from(ymd(1910, 12, 31))),
            Value::Date(ymd(1910, 12, 31))
        );

        let time = hms_nano(23, 59, 59, 999_999_999);
        assert_eq!(convert(BoltType::from(time)), Value::LocalTime(time));
        assert_eq!(
            convert(BoltType::from((time, offset_of(-(5 * 3600 + 30 * 60))))),
            Value::Time {
                time,
                offset_seconds: -(5 * 3600 + 30 * 60)
            }
        );
        assert_eq!(
            convert(BoltType::from((time, offset_of(0)))),
            Value::Time {
                time,
                offset_seconds: 0
            }
        );

        let local = ymd(1969, 12, 31).and_time(hms_nano(23, 0, 0, 1));
        assert_eq!(convert(BoltType::from(local)), Value::LocalDateTime(local));

        let with_offset =
            DateTime::parse_from_rfc3339("2024-03-01T12:00:00.5+01:00").expect("valid");
        assert_eq!(
            convert(BoltType::from(with_offset)),
            Value::DateTime {
                local: ymd(2024, 3, 1).and_time(hms_nano(12, 0, 0, 500_000_000)),
                zone: Zone::Offset(3600)
            }
        );

        // Inside a DST fall-back overlap: the wall clock and zone id survive unchanged.
        let ambiguous = ymd(2024, 10, 27).and_time(hms_nano(2, 30, 0, 0));
        assert_eq!(
            convert(BoltType::from((ambiguous, "Europe/Paris"))),
            Value::DateTime {
                local: ambiguous,
                zone: Zone::Id("Europe/Paris".into())
            }
        );
    }

    #[test]
    fn parameters_round_trip() {
        for value in [
            Value::Null,
            Value::Bool(false),
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::Int(0),
            Value::Float(f64::NAN),
            Value::Float(-0.0),
            Value::Float(f64::MAX),
            Value::String(String::new()),
            Value::String("naïve \"quoted\" \\ 🦀 BoltDuration { months:".into()),
            Value::Bytes(vec![1, 2, 3]),
            Value::List(vec![Value::Int(1), Value::Null, Value::List(vec![])]),
            Value::Map(props(vec![
                ("a", Value::Int(1)),
                ("b", Value::Map(BTreeMap::new())),
            ])),
            Value::Date(ymd(-44, 3, 15)),
            Value::LocalTime(hms_nano(0, 0, 0, 0)),
            Value::Time {
                time: hms_nano(7, 8, 9, 100),
                offset_seconds: 2 * 3600,
            },
            Value::LocalDateTime(ymd(2262, 4, 12).and_time(hms_nano(1, 2, 3, 4))),
            Value::DateTime {
                local: ymd(2024, 3, 31).and_time(hms_nano(2, 30, 0, 0)),
                zone: Zone::Offset(-3 * 3600),
            },
            Value::DateTime {
                local: ymd(2024, 10, 27).and_time(hms_nano(2, 30, 0, 0)),
                zone: Zone::Id("Europe/Paris".into()),
            },
            Value::Duration {
                months: -1,
                days: 40,
                seconds: -5,
                nanoseconds: 999_999_999,
            },
            Value::Point(Point {
                srid: 7203,
                x: 1.0,
                y: 2.0,
                z: None,
            }),
            Value::Point(Point {
                srid: 4979,
                x: 1.0,
                y: 2.0,
                z: Some(3.0),
            }),
            Value::List(vec![Value::Map(props(vec![(
                "d",
                Value::Duration {
                    months: 0,
                    days: 1,
                    seconds: 0,
                    nanoseconds: 0,
                },
            )]))]),
        ] {
            round_trip(value);
        }
    }

    #[test]
    fn entities_are_not_parameters() {
        let node = Value::Node(person_value(1, "a"));
        let e = value_to_bolt(&node).expect_err("nodes are no parameters");
        assert!(e.0.contains("NODE"), "{e}");
        assert!(value_to_bolt(&Value::List(vec![node])).is_err());
        assert!(value_to_bolt(&Value::Path {
            nodes: vec![],
            relationships: vec![]
        })
        .is_err());
    }

    #[test]
    fn out_of_range_values_are_errors_not_panics() {
        // Bolt can carry values chrono cannot hold (neo4rs's own conversions panic on some of
        // them); the raw-field helpers report them instead.
        assert!(time_from_nanos(NANOS_PER_DAY).is_err());
        assert!(time_from_nanos(-1).is_err());
        assert!(date_from_days(i64::MAX).is_err());
        assert!(local_datetime(i64::MAX, 0).is_err());
        assert!(local_datetime(0, NANOS_PER_SECOND).is_err());
        let bad_point = BoltType::Point2D(BoltPoint2D {
            sr_id: BoltInteger::new(-1),
            x: BoltFloat::new(0.0),
            y: BoltFloat::new(0.0),
        });
        assert!(bolt_to_value(&bad_point).is_err());
        assert!(value_to_bolt(&Value::Time {
            time: hms_nano(1, 0, 0, 0),
            offset_seconds: 90_000
        })
        .is_err());
    }

    #[test]
    fn durations_with_equal_totals_never_swap_places() {
        // P1D and PT24H fold to the same seconds; only the visit order tells them apart, and
        // hash maps visit in a random order. Many keys make a mismatch between the serde
        // visit and the Debug text show up.
        let entries: Vec<(String, BoltType)> = (0..32)
            .map(|i| {
                let d = if i % 2 == 0 {
                    duration(0, 1, 0, i)
                } else {
                    duration(0, 0, 86_400, i)
                };
                (format!("k{i}"), d)
            })
            .collect();
        let map: BoltMap = entries
            .iter()
            .map(|(k, v)| (BoltString::from(k.as_str()), v.clone()))
            .collect();
        let fields = BoltList::from(vec![BoltType::from("m"), BoltType::from("l")]);
        let list = BoltType::List(BoltList::from(
            entries.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(),
        ));
        let row = Row::new(fields, BoltList::from(vec![BoltType::Map(map), list]));
        let expected = |i: i64| {
            let (days, seconds) = if i % 2 == 0 { (1, 0) } else { (0, 86_400) };
            Value::Duration {
                months: 0,
                days,
                seconds,
                nanoseconds: i32::try_from(i).expect("small"),
            }
        };
        for (name, value) in row_to_values(&row).expect("converts") {
            match (name.as_str(), value) {
                ("m", Value::Map(m)) => {
                    for i in 0..32 {
                        assert_eq!(m.get(&format!("k{i}")), Some(&expected(i)));
                    }
                }
                ("l", Value::List(l)) => assert_eq!(l, (0..32).map(expected).collect::<Vec<_>>()),
                other => panic!("unexpected column {other:?}"),
            }
        }
    }

    #[test]
    fn rows_convert_every_column() {
        let fields = BoltList::from(vec![
            BoltType::from("n"),
            BoltType::from("d"),
            BoltType::from("p"),
        ]);
        let data = BoltList::from(vec![
            BoltType::Node(BoltNode::new(
                1.into(),
                BoltList::from(vec![BoltType::from("L")]),
                bolt_map(vec![
                    ("since", duration(0, 0, 86_400, 0)),
                    ("alias", duration(0, 1, 0, 0)),
                ]),
            )),
            duration(2, 0, 0, 0),
            BoltType::Point2D(BoltPoint2D {
                sr_id: BoltInteger::new(7203),
                x: BoltFloat::new(1.0),
                y: BoltFloat::new(2.0),
            }),
        ]);
        let row = Row::new(fields, data);
        let mut columns = row_to_values(&row).expect("converts");
        columns.sort_by(|a, b| a.0.cmp(&b.0));
        let dur = |months, days, seconds| Value::Duration {
            months,
            days,
            seconds,
            nanoseconds: 0,
        };
        assert_eq!(
            columns,
            vec![
                ("d".to_owned(), dur(2, 0, 0)),
                (
                    "n".to_owned(),
                    Value::Node(Node {
                        id: 1,
                        labels: vec!["L".into()],
                        properties: props(vec![
                            ("since", dur(0, 0, 86_400)),
                            ("alias", dur(0, 1, 0))
                        ]),
                    })
                ),
                (
                    "p".to_owned(),
                    Value::Point(Point {
                        srid: 7203,
                        x: 1.0,
                        y: 2.0,
                        z: None
                    })
                ),
            ]
        );
    }
}
