//! Values FalkorDB stores but cannot take as a parameter literal, rebuilt server-side.
//!
//! Parameters travel as literals in a `CYPHER name=value ...` prefix ([`super::params`]), and
//! FalkorDB's parameter parser knows no temporal, point or vector literal and no NaN,
//! infinity or -9223372036854775808. Each such value is therefore sent as a tagged pair
//! `[tag, payload]` of plain literals, and the write query rebuilds it with a constructor:
//!
//! | value | tag | payload | rebuilt with |
//! |---|---|---|---|
//! | NaN, +inf, -inf | `n` | `0.0`, `1.0`, `-1.0` | `z[1] / 0.0` |
//! | -9223372036854775808 | `i` | -9223372036854775807 | `z[1] - 1` |
//! | point (WGS-84 2D) | `p` | `{latitude, longitude}` | `point(z[1])` |
//! | vector | `v` | its elements as doubles (each an exact f32) | `vecf32(z[1])` |
//! | date | `d` | `{year, month, day}` | `date(z[1])` |
//! | local time | `t` | `{hour, minute, second}` | `localtime(z[1])` |
//! | local datetime | `T` | both maps merged | `localdatetime(z[1])` |
//! | duration (up to 10^12 s) | `u` | `{weeks, days, seconds}` | `duration(z[1])` |
//! | list holding any of these | `l` | every element tagged (`=` for a plain one) | `[e IN z[1] \| ...]` |
//!
//! Measured on 4.14.11, 4.16.3 and 4.18.3 (write, then read back the compact reply): every
//! constructor above gives back exactly the stored value of the source (dates and local
//! datetimes are whole seconds since 1970-01-01, a local time is 1900-01-01 plus the time of
//! day, a duration is one number of seconds), lists of temporals, points and vectors are
//! stored, and `0.0/0.0`, `1.0/0.0` give NaN and infinity.
//!
//! FalkorDB evaluates every branch of a `CASE`, so the decoder chooses with list-comprehension
//! filters: `head([z IN [row.x.k] WHERE z[0] = 'd' | date(z[1])])` is null unless the tag
//! matches, and `coalesce` picks the one that does. A row without a value under `k` gives null,
//! which `SET n.k = null` ignores.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Timelike};

use crate::value::Value;

/// The largest duration (in seconds, either sign) the copy rebuilds: measured exact on 4.14.11
/// and 4.18.3 for 1,500 random durations up to 10^12 s (about 31,700 years); at 4 * 10^12 s a
/// negative one came back a day off.
pub const DURATION_LIMIT: u64 = 1_000_000_000_000;

/// The tags a property's values used across the rows of one write (elements of lists too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    own: BTreeSet<char>,
    elements: Option<Box<Tags>>,
}

impl Tags {
    pub fn is_empty(&self) -> bool {
        self.own.is_empty()
    }
}

/// Whether `value` can travel as a parameter literal as it is.
pub fn is_literal(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => true,
        Value::Int(i) => *i != i64::MIN,
        Value::Float(f) => f.is_finite(),
        Value::List(items) => items.iter().all(is_literal),
        _ => false,
    }
}

/// The tagged form of a value that is not a literal ([`is_literal`]), recording its tags in
/// `tags`; `None` for a value FalkorDB cannot store (the capability check names why first).
pub fn tagged(value: &Value, tags: &mut Tags) -> Option<Value> {
    let pair = |t: char, payload: Value| Value::List(vec![Value::String(t.into()), payload]);
    let map = |entries: &[(&str, i64)]| {
        Value::Map(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::Int(*v)))
                .collect::<BTreeMap<_, _>>(),
        )
    };
    let (tag, payload) = match value {
        Value::Float(f) if f.is_nan() => ('n', Value::Float(0.0)),
        Value::Float(f) if f.is_infinite() => ('n', Value::Float(f.signum())),
        Value::Int(i) if *i == i64::MIN => ('i', Value::Int(i64::MIN + 1)),
        Value::Point(p) if p.srid == 4326 && p.z.is_none() => (
            'p',
            Value::Map(BTreeMap::from([
                ("latitude".to_owned(), Value::Float(p.y)),
                ("longitude".to_owned(), Value::Float(p.x)),
            ])),
        ),
        Value::Vector(items) if items.iter().all(|x| x.is_finite()) => (
            'v',
            Value::List(items.iter().map(|x| Value::Float(f64::from(*x))).collect()),
        ),
        Value::Date(d) => (
            'd',
            map(&[
                ("year", i64::from(d.year())),
                ("month", i64::from(d.month())),
                ("day", i64::from(d.day())),
            ]),
        ),
        Value::LocalTime(t) if t.nanosecond() == 0 => (
            't',
            map(&[
                ("hour", i64::from(t.hour())),
                ("minute", i64::from(t.minute())),
                ("second", i64::from(t.second())),
            ]),
        ),
        Value::LocalDateTime(dt) if dt.nanosecond() == 0 => (
            'T',
            map(&[
                ("year", i64::from(dt.year())),
                ("month", i64::from(dt.month())),
                ("day", i64::from(dt.day())),
                ("hour", i64::from(dt.hour())),
                ("minute", i64::from(dt.minute())),
                ("second", i64::from(dt.second())),
            ]),
        ),
        Value::Duration {
            months: 0,
            days: 0,
            seconds,
            nanoseconds: 0,
        } if seconds.unsigned_abs() <= DURATION_LIMIT => {
            // FalkorDB keeps each component of a duration map as a 32-bit float (measured:
            // `duration({seconds: 36907506})` is 36907504 s), so the seconds travel as weeks,
            // days and seconds, each well below 2^24.
            let weeks = seconds.div_euclid(604_800);
            let rest = seconds.rem_euclid(604_800);
            (
                'u',
                map(&[
                    ("weeks", weeks),
                    ("days", rest / 86_400),
                    ("seconds", rest % 86_400),
                ]),
            )
        }
        Value::List(items) => {
            let elements = tags.elements.get_or_insert_with(Default::default);
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if is_literal(item) {
                    elements.own.insert('=');
                    out.push(pair('=', item.clone()));
                } else {
                    out.push(tagged(item, elements)?);
                }
            }
            ('l', Value::List(out))
        }
        _ => return None,
    };
    tags.own.insert(tag);
    Some(pair(tag, payload))
}

/// The expression that rebuilds, from the tagged value in `source` (e.g. `row.x.k`), every
/// kind recorded in `tags`.
pub fn rebuild(source: &str, tags: &Tags) -> String {
    rebuild_at(source, tags, 0)
}

fn rebuild_at(source: &str, tags: &Tags, depth: usize) -> String {
    let z = format!("__mh_z{depth}");
    let arms: Vec<String> = tags
        .own
        .iter()
        .map(|tag| {
            let value = format!("{z}[1]");
            let built = match tag {
                'n' => format!("{value} / 0.0"),
                'i' => format!("{value} - 1"),
                'p' => format!("point({value})"),
                'v' => format!("vecf32({value})"),
                'd' => format!("date({value})"),
                't' => format!("localtime({value})"),
                'T' => format!("localdatetime({value})"),
                'u' => format!("duration({value})"),
                'l' => {
                    let e = format!("__mh_e{depth}");
                    let inner = tags.elements.as_deref().cloned().unwrap_or_default();
                    format!("[{e} IN {value} | {}]", rebuild_at(&e, &inner, depth + 1))
                }
                _ => value,
            };
            format!("head([{z} IN [{source}] WHERE {z}[0] = '{tag}' | {built}])")
        })
        .collect();
    match arms.len() {
        1 => arms.into_iter().next().unwrap_or_default(),
        _ => format!("coalesce({})", arms.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::engine::falkordb::params::render;

    fn lit(v: &Value) -> String {
        let mut s = String::new();
        render(v, &mut s).unwrap();
        s
    }

    #[test]
    fn plain_values_stay_literals() {
        assert!(is_literal(&Value::List(vec![
            Value::Int(1),
            Value::Float(0.5)
        ])));
        assert!(!is_literal(&Value::Float(f64::NAN)));
        assert!(!is_literal(&Value::Int(i64::MIN)));
        assert!(!is_literal(&Value::Vector(vec![1.0])));
        assert!(!is_literal(&Value::List(vec![Value::Date(
            NaiveDate::from_ymd_opt(2024, 1, 2).unwrap()
        )])));
    }

    #[test]
    fn special_values_become_tagged_literals() {
        let mut tags = Tags::default();
        let cases = [
            (Value::Float(f64::NAN), r#"["n",0e0]"#),
            (Value::Float(f64::NEG_INFINITY), r#"["n",-1e0]"#),
            (Value::Int(i64::MIN), r#"["i",-9223372036854775807]"#),
            (
                Value::Vector(vec![0.1, -0.0]),
                r#"["v",[1.0000000149011612e-1,-0.0]]"#,
            ),
            (
                Value::Date(NaiveDate::from_ymd_opt(-5, 1, 2).unwrap()),
                r#"["d",{day:2,month:1,year:-5}]"#,
            ),
            (
                Value::Duration {
                    months: 0,
                    days: 0,
                    seconds: -5,
                    nanoseconds: 0,
                },
                r#"["u",{days:6,seconds:86395,weeks:-1}]"#,
            ),
        ];
        for (v, want) in cases {
            assert_eq!(lit(&tagged(&v, &mut tags).unwrap()), want, "{v}");
        }
        let date = Value::Date(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap());
        let mut list_tags = Tags::default();
        let list = tagged(&Value::List(vec![date, Value::Int(3)]), &mut list_tags).unwrap();
        assert_eq!(
            lit(&list),
            r#"["l",[["d",{day:2,month:1,year:2024}],["=",3]]]"#
        );
        assert_eq!(
            rebuild("row.x.k", &list_tags),
            "head([__mh_z0 IN [row.x.k] WHERE __mh_z0[0] = 'l' | [__mh_e0 IN __mh_z0[1] | \
             coalesce(head([__mh_z1 IN [__mh_e0] WHERE __mh_z1[0] = '=' | __mh_z1[1]]), \
             head([__mh_z1 IN [__mh_e0] WHERE __mh_z1[0] = 'd' | date(__mh_z1[1])]))]])"
        );
    }

    #[test]
    fn values_falkordb_cannot_store_have_no_tagged_form() {
        let mut tags = Tags::default();
        let fraction = NaiveDate::from_ymd_opt(2024, 1, 2)
            .unwrap()
            .and_hms_nano_opt(1, 2, 3, 5)
            .unwrap();
        for v in [
            Value::LocalDateTime(fraction),
            Value::Duration {
                months: 1,
                days: 0,
                seconds: 0,
                nanoseconds: 0,
            },
            Value::Bytes(vec![1]),
            Value::Vector(vec![f32::NAN]),
            Value::Duration {
                months: 0,
                days: 0,
                seconds: -1_000_000_000_001,
                nanoseconds: 0,
            },
        ] {
            assert_eq!(tagged(&v, &mut tags), None, "{v}");
        }
        assert!(tags.is_empty());
    }
}
