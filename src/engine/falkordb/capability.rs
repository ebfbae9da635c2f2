//! Which values FalkorDB can store as properties (measured on 4.14.11, 4.16.3 and 4.18.3 over
//! the Redis protocol; the rules are listed in `transfer/capability.rs` and docs/DUMP-FORMAT.md).

use chrono::Timelike;

use crate::value::Value;

/// Why a value kept as given would be kept changed, if it would: point coordinates become
/// 32-bit floats.
pub(crate) fn lossy(value: &Value) -> Option<String> {
    let Value::Point(p) = value else {
        return None;
    };
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

/// What FalkorDB keeps of a point coordinate it was given: the 32-bit float (measured on
/// 4.18.3: 12.345678901 is printed back as 12.3456792831421, which the reader rounds to that
/// f32 exactly). Values it returned itself are unchanged, so a FalkorDB -> FalkorDB copy is exact.
fn falkordb_point_coordinate(c: f64) -> f64 {
    f64::from(c as f32)
}

/// Whether FalkorDB stores `value` as a property (`top`: not inside a list): why not, if not.
pub(crate) fn storable(value: &Value, top: bool) -> Result<(), String> {
    match value {
        Value::Null if top => Ok(()),
        Value::Null => Err("FalkorDB refuses lists that hold null as property values".into()),
        // NaN, infinities and i64::MIN have no parameter literal, but FalkorDB stores them:
        // the copy rebuilds them server-side (engine::falkordb::construct).
        Value::Bool(_) | Value::String(_) | Value::Int(_) | Value::Float(_) => Ok(()),
        Value::List(items) => items.iter().try_for_each(|i| storable(i, false)),
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
