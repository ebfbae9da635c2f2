//! What a target engine can store, checked per property before a copy writes it.
//!
//! A value the target cannot store (or that the connection cannot send to it) is left out of the
//! written row and recorded as a [`Finding`] per label set / relationship type, property and
//! reason, so a copy never crashes on it and never drops it silently, and each kind of value
//! gets its own reason (a list of dates is blamed on dates, not on whatever else the property
//! held elsewhere). The rules for FalkorDB were measured on 4.14.11, 4.16.3 and 4.18.3 over the
//! Redis protocol (docs/DUMP-FORMAT.md lists them):
//!
//! - maps, and lists holding null or maps, are refused as property values by the server;
//! - NaN, +/-Infinity, -9223372036854775808, points, vectors, dates, local times, local
//!   datetimes and whole-second durations are stored, also inside lists; the ones without a
//!   parameter literal are rebuilt server-side (`engine::falkordb::construct`);
//! - byte arrays do not exist in FalkorDB; there are no zoned times or datetimes; local times
//!   keep whole seconds; a duration is one number of seconds (no months or days of its own,
//!   no fraction);
//! - points are WGS-84 2D only (SRID 4326 without z), stored as 32-bit floats. A point whose
//!   coordinates a 32-bit float cannot hold exactly is still written, and recorded as a
//!   *changed* finding (`lossy`).
//!
//! Neo4j targets refuse maps, lists holding null and lists mixing types; a vector is written
//! as a list of floats and recorded as *changed* (Neo4j has no vecf32 type).

use std::collections::BTreeMap;

use chrono::Timelike;

use crate::engine::dialect::{Dialect, EngineKind};
pub use crate::graph::Finding;
use crate::value::Value;

/// Findings collected during a transfer, keyed by (entity, property, type).
#[derive(Debug, Clone, Default)]
pub struct Findings {
    /// (entity, property, type, lossy, reason) -> count: one finding per reason, so a property
    /// holding a list of dates on some entities and a list of maps on others gets both reasons.
    map: BTreeMap<(String, String, String, bool, String), u64>,
}

impl Findings {
    /// Records a value left out of the written entity.
    pub fn record(&mut self, entity: &str, property: &str, value: &Value, reason: String) {
        self.add(entity, property, value, reason, false);
    }

    fn add(&mut self, entity: &str, property: &str, value: &Value, reason: String, lossy: bool) {
        *self
            .map
            .entry((
                entity.to_owned(),
                property.to_owned(),
                value.type_name().to_owned(),
                lossy,
                reason,
            ))
            .or_insert(0) += 1;
    }

    pub fn into_vec(self) -> Vec<Finding> {
        self.map
            .into_iter()
            .map(
                |((entity, property, value_type, lossy, reason), count)| Finding {
                    entity,
                    property,
                    value_type,
                    reason,
                    count,
                    lossy,
                },
            )
            .collect()
    }

    /// Removes from `properties` what the target of `dialect` cannot store, recording each,
    /// and records (keeping them) the values it would store changed.
    pub fn filter(
        &mut self,
        dialect: &Dialect,
        entity: &str,
        properties: &mut BTreeMap<String, Value>,
    ) {
        let mut refused = Vec::new();
        for (k, v) in properties.iter() {
            match storable(dialect, v) {
                Err(reason) => refused.push((k.clone(), reason)),
                Ok(()) => {
                    if let Some(reason) = lossy(dialect, v) {
                        self.add(entity, k, v, reason, true);
                    }
                }
            }
        }
        for (k, reason) in refused {
            if let Some(v) = properties.remove(&k) {
                self.record(entity, &k, &v, reason);
            }
        }
    }
}

/// `(:A:B)` for a node's labels (in the order given), `(no label)` with none.
pub fn node_entity(labels: &[String]) -> String {
    if labels.is_empty() {
        return "(no label)".into();
    }
    let l: String = labels.iter().map(|l| format!(":{l}")).collect();
    format!("({l})")
}

pub fn relationship_entity(rel_type: &str) -> String {
    format!("[:{rel_type}]")
}

/// Whether a property value can be stored on (and sent to) a target of `dialect`.
pub fn storable(dialect: &Dialect, value: &Value) -> Result<(), String> {
    match dialect.engine {
        EngineKind::Falkordb => falkordb(value, true),
        EngineKind::Neo4j => neo4j(value, true),
    }
}

/// Why a storable value would be kept changed by a target of `dialect`, if it would.
pub fn lossy(dialect: &Dialect, value: &Value) -> Option<String> {
    match (dialect.engine, value) {
        (EngineKind::Falkordb, Value::Point(p)) => {
            let (x, y) = (
                falkordb_point_coordinate(p.x),
                falkordb_point_coordinate(p.y),
            );
            (x != p.x || y != p.y).then(|| {
                format!(
                    "FalkorDB keeps point coordinates as 32-bit floats: longitude {} latitude {} are read back as {x} {y}",
                    p.x, p.y
                )
            })
        }
        (EngineKind::Neo4j, Value::Vector(_)) => Some(
            "Neo4j has no vecf32 type: the vector is stored as a LIST<FLOAT> of its elements (a FalkorDB vector index would not cover it after a copy back)".into(),
        ),
        _ => None,
    }
}

/// What FalkorDB keeps of a point coordinate it was given: the 32-bit float (measured on
/// 4.18.3: 12.345678901 is printed back as 12.3456792831421, which the reader rounds to that
/// f32 exactly). Values it returned itself are unchanged, so a FalkorDB -> FalkorDB copy is exact.
fn falkordb_point_coordinate(c: f64) -> f64 {
    f64::from(c as f32)
}

fn falkordb(value: &Value, top: bool) -> Result<(), String> {
    match value {
        Value::Null if top => Ok(()),
        Value::Null => Err("FalkorDB refuses lists that hold null as property values".into()),
        // NaN, infinities and i64::MIN have no parameter literal, but FalkorDB stores them:
        // the copy rebuilds them server-side (engine::falkordb::construct).
        Value::Bool(_) | Value::String(_) | Value::Int(_) | Value::Float(_) => Ok(()),
        Value::List(items) => items.iter().try_for_each(|i| falkordb(i, false)),
        Value::Map(_) => Err("FalkorDB refuses maps as property values".into()),
        Value::Bytes(_) => Err("FalkorDB has no byte arrays".into()),
        Value::Point(p) if p.srid == 4326 && p.z.is_none() => Ok(()),
        Value::Point(p) => Err(format!(
            "FalkorDB stores WGS-84 2D points (SRID 4326) only, not SRID {}{}",
            p.srid,
            if p.z.is_some() { " with z" } else { "" }
        )),
        Value::Vector(items) => match items.iter().find(|x| !x.is_finite()) {
            None => Ok(()),
            Some(x) => Err(format!(
                "FalkorDB's vecf32() takes numbers, and a vector element {} has no literal form",
                Value::Float(f64::from(*x))
            )),
        },
        Value::Date(_) => Ok(()),
        Value::LocalTime(t) if t.nanosecond() == 0 => Ok(()),
        Value::LocalDateTime(dt) if dt.nanosecond() == 0 => Ok(()),
        Value::LocalTime(_) | Value::LocalDateTime(_) => Err(format!(
            "FalkorDB keeps a {} to whole seconds only, and this one has a fraction of a second",
            value.type_name()
        )),
        Value::Time { .. } => Err(
            "FalkorDB has no zoned time type (localtime keeps neither the offset nor the instant)".into(),
        ),
        Value::DateTime { .. } => Err(
            "FalkorDB has no zoned datetime type (localdatetime keeps neither the zone nor the instant)".into(),
        ),
        Value::Duration { nanoseconds, .. } if *nanoseconds != 0 => Err(
            "FalkorDB does not store durations with fractional seconds (duration('PT1.5S') is null, duration({seconds: 1.5}) keeps 1 s)".into(),
        ),
        Value::Duration { months, days, .. } if *months != 0 || *days != 0 => Err(format!(
            "FalkorDB keeps a duration as one number of seconds (months and days become seconds counted from 1970-01-01), so {months} month(s) and {days} day(s) would not be kept as such"
        )),
        Value::Duration { seconds, .. }
            if seconds.unsigned_abs() > crate::engine::falkordb::construct::DURATION_LIMIT =>
        {
            Err(format!(
                "FalkorDB builds a duration from calendar components, which the copy rebuilds exactly only up to 10^12 s (measured); this one is {seconds} s"
            ))
        }
        Value::Duration { .. } => Ok(()),
        Value::Node(_) | Value::Relationship(_) | Value::Path { .. } => Err(format!(
            "a {} is not a property value",
            value.type_name()
        )),
    }
}

fn neo4j(value: &Value, top: bool) -> Result<(), String> {
    match value {
        Value::Null if top => Ok(()),
        Value::Null => Err("Neo4j refuses lists that hold null as property values".into()),
        Value::Vector(_) if !top => Err(
            "Neo4j has no vector type, and a vector inside a list would be a nested list, which Neo4j refuses".into(),
        ),
        Value::Map(_) => Err("Neo4j refuses maps as property values".into()),
        Value::Node(_) | Value::Relationship(_) | Value::Path { .. } => {
            Err(format!("a {} is not a property value", value.type_name()))
        }
        Value::List(items) => {
            if let Some(first) = items.first() {
                if items.iter().any(|i| i.type_name() != first.type_name()) {
                    return Err("Neo4j stores homogeneous lists only".into());
                }
                if matches!(first, Value::List(_)) {
                    return Err("Neo4j refuses nested lists as property values".into());
                }
            }
            items.iter().try_for_each(|i| neo4j(i, false))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Point;

    #[test]
    fn falkordb_refusals_are_recorded_per_entity_and_property() {
        let dialect = Dialect::new(EngineKind::Falkordb, None);
        let mut findings = Findings::default();
        for _ in 0..2 {
            let mut props = BTreeMap::from([
                ("ok".to_string(), Value::Int(1)),
                ("nan".to_string(), Value::Float(f64::NAN)),
                ("inf".to_string(), Value::Float(f64::NEG_INFINITY)),
                ("min".to_string(), Value::Int(i64::MIN)),
                ("v".to_string(), Value::Vector(vec![0.5])),
                ("b".to_string(), Value::Bytes(vec![1])),
                (
                    "l".to_string(),
                    Value::List(vec![Value::Int(1), Value::Null]),
                ),
                (
                    "p".to_string(),
                    Value::Point(Point {
                        srid: 7203,
                        x: 1.0,
                        y: 2.0,
                        z: None,
                    }),
                ),
            ]);
            findings.filter(&dialect, "(:A)", &mut props);
            assert_eq!(
                props.keys().collect::<Vec<_>>(),
                ["inf", "min", "nan", "ok", "v"]
            );
        }
        let all = findings.into_vec();
        assert_eq!(all.len(), 3);
        assert!(all.iter().all(|f| f.count == 2));
        assert_eq!(
            all[1].to_string(),
            "(:A) property l (LIST): not stored on 2 entities: FalkorDB refuses lists that hold null as property values"
        );
    }

    #[test]
    fn each_kind_of_value_gets_its_own_reason() {
        use chrono::NaiveDate;
        let falkordb = Dialect::new(EngineKind::Falkordb, None);
        let day = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
        let mut findings = Findings::default();
        let values = [
            Value::List(vec![Value::Date(day), Value::Date(day)]),
            Value::List(vec![Value::Map(BTreeMap::new())]),
            Value::LocalDateTime(day.and_hms_milli_opt(1, 2, 3, 500).unwrap()),
            Value::DateTime {
                local: day.and_hms_opt(1, 2, 3).unwrap(),
                zone: crate::value::Zone::Offset(3600),
            },
            Value::Duration {
                months: 1,
                days: 0,
                seconds: 0,
                nanoseconds: 0,
            },
            Value::Duration {
                months: 0,
                days: 0,
                seconds: 1,
                nanoseconds: 5,
            },
            Value::Vector(vec![f32::NAN]),
        ];
        for v in values {
            let mut props = BTreeMap::from([("k".to_string(), v)]);
            findings.filter(&falkordb, "(:A)", &mut props);
        }
        let reasons: Vec<String> = findings.into_vec().into_iter().map(|f| f.reason).collect();
        // The list of dates is stored; the list of maps is not, and says so.
        assert_eq!(reasons.len(), 6, "{reasons:#?}");
        for want in [
            "refuses maps",
            "whole seconds only",
            "no zoned datetime",
            "1 month(s) and 0 day(s)",
            "fractional seconds",
            "NaN has no literal form",
        ] {
            assert!(
                reasons.iter().any(|r| r.contains(want)),
                "no reason mentions {want:?}: {reasons:#?}"
            );
        }
        assert!(storable(&falkordb, &Value::Float(f64::MAX)).is_ok());
        let neo4j = Dialect::new(EngineKind::Neo4j, None);
        assert!(lossy(&neo4j, &Value::Vector(vec![1.0])).is_some_and(|r| r.contains("LIST<FLOAT>")));
    }

    #[test]
    fn points_beyond_f32_precision_are_written_and_reported_as_changed() {
        let dialect = Dialect::new(EngineKind::Falkordb, None);
        let point = |x: f64, y: f64| {
            Value::Point(Point {
                srid: 4326,
                x,
                y,
                z: None,
            })
        };
        let mut findings = Findings::default();
        let mut props = BTreeMap::from([
            ("exact".to_string(), point(12.5, -3.25)),
            ("fine".to_string(), point(12.345678901, 55.1)),
        ]);
        findings.filter(&dialect, "(:Place)", &mut props);
        assert_eq!(props.len(), 2, "both points are still written");
        let all = findings.into_vec();
        assert_eq!(all.len(), 1, "{all:?}");
        assert!(all[0].lossy);
        assert_eq!(all[0].property, "fine");
        assert!(
            all[0].to_string().starts_with(
                "(:Place) property fine (POINT): changed on 1 entity: FalkorDB keeps point coordinates as 32-bit floats: longitude 12.345678901 latitude 55.1 are read back as 12.34567928314209 55.099998474121094"
            ),
            "{}",
            all[0]
        );
        // What FalkorDB itself returned is stored unchanged.
        let f32_point = |x: f64, y: f64| point(f64::from(x as f32), f64::from(y as f32));
        assert_eq!(lossy(&dialect, &f32_point(12.345678901, 55.1)), None);
        assert_eq!(
            lossy(&dialect, &f32_point(-46.0224380493164, 1.05956840515137)),
            None
        );
        let neo4j = Dialect::new(EngineKind::Neo4j, None);
        assert_eq!(lossy(&neo4j, &point(12.345678901, 55.1)), None);
    }

    #[test]
    fn neo4j_refuses_mixed_lists_only() {
        let dialect = Dialect::new(EngineKind::Neo4j, None);
        assert!(storable(&dialect, &Value::Bytes(vec![])).is_ok());
        assert!(storable(&dialect, &Value::Float(f64::NAN)).is_ok());
        assert!(storable(
            &dialect,
            &Value::List(vec![Value::Int(1), Value::String("a".into())])
        )
        .is_err());
    }
}
