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

use crate::engine::descriptor::descriptor;
use crate::engine::dialect::Dialect;
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

/// Whether a property value can be stored on (and sent to) a target of `dialect` (the
/// engine's rule: [`EngineDescriptor::storable`](crate::engine::descriptor::EngineDescriptor::storable)).
pub fn storable(dialect: &Dialect, value: &Value) -> Result<(), String> {
    descriptor(dialect.engine).storable(value)
}

/// Why a storable value would be kept changed by a target of `dialect`, if it would.
pub fn lossy(dialect: &Dialect, value: &Value) -> Option<String> {
    descriptor(dialect.engine).lossy(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dialect::EngineKind;
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
