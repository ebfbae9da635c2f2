//! proptest strategies shared by the round-trip suites: values of every storable type, and
//! random graphs restricted to what a FalkorDB target stores.
#![allow(dead_code)]

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use migration_harness::value::{Point, Value, Zone};
use proptest::prelude::*;

/// Any double, by its bit pattern: every exponent (subnormals, the extremes) and every
/// significand are as likely as each other, so most draws need all 17 significant digits.
fn any_bits() -> impl Strategy<Value = f64> {
    any::<u64>().prop_map(f64::from_bits)
}

/// A finite double across the whole range: any finite bit pattern, -0.0, the subnormal and
/// normal extremes, and doubles that 15 significant digits cannot tell from a neighbour.
pub fn finite_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any_bits().prop_filter("finite", |f| f.is_finite()),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()),
        1 => prop::sample::select(vec![
            -0.0,
            0.0,
            f64::from_bits(1),
            -f64::from_bits(1),
            f64::from_bits(0x000f_ffff_ffff_ffff),
            f64::MIN_POSITIVE,
            f64::MAX,
            -f64::MAX,
            0.1 + 0.2,
            1.0 / 3.0,
            9007199254740993.0,
            0.1234567891234,
            1e-10,
        ]),
        1 => (1i64..100_000).prop_map(|i| i as f64 / 7.0),
    ]
}

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any_bits(),
        finite_float(),
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(0.0),
        Just(f64::MIN_POSITIVE),
        Just(f64::MAX),
    ]
}

fn int() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        Just(i64::MIN),
        Just(i64::MAX),
        Just(0),
        -5i64..5
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        Just(String::new()),
        Just("it's \"q\" \\ \\n 😀 ü 汉".to_owned()),
        "\\PC{0,12}",
    ]
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (-9999i32..=9999, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default())
}

fn time() -> impl Strategy<Value = NaiveTime> {
    (0u32..86_400, 0u32..1_000_000_000)
        .prop_map(|(s, n)| NaiveTime::from_num_seconds_from_midnight_opt(s, n).unwrap_or_default())
}

fn datetime() -> impl Strategy<Value = NaiveDateTime> {
    (date(), time()).prop_map(|(d, t)| d.and_time(t))
}

fn offset() -> impl Strategy<Value = i32> {
    -64_800i32..=64_800
}

fn zone() -> impl Strategy<Value = Zone> {
    prop_oneof![
        offset().prop_map(Zone::Offset),
        prop::sample::select(vec![
            "Europe/Stockholm",
            "America/New_York",
            "UTC",
            "Asia/Kolkata"
        ])
        .prop_map(|z| Zone::Id(z.to_owned())),
    ]
}

fn point() -> impl Strategy<Value = Point> {
    (
        prop::sample::select(vec![4326u32, 4979, 7203, 9157]),
        float(),
        float(),
        float(),
    )
        .prop_map(|(srid, x, y, z)| Point {
            srid,
            x,
            y,
            z: matches!(srid, 4979 | 9157).then_some(z),
        })
}

/// A scalar of every storable type.
pub fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        int().prop_map(Value::Int),
        float().prop_map(Value::Float),
        text().prop_map(Value::String),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(Value::Bytes),
        date().prop_map(Value::Date),
        time().prop_map(Value::LocalTime),
        (time(), offset()).prop_map(|(time, offset_seconds)| Value::Time {
            time,
            offset_seconds
        }),
        datetime().prop_map(Value::LocalDateTime),
        (datetime(), zone()).prop_map(|(local, zone)| Value::DateTime { local, zone }),
        (
            any::<i64>(),
            any::<i64>(),
            any::<i64>(),
            0i32..1_000_000_000
        )
            .prop_map(|(months, days, seconds, nanoseconds)| Value::Duration {
                months,
                days,
                seconds,
                nanoseconds
            }),
        point().prop_map(Value::Point),
        // Any f32 bit patterns: subnormals, -0.0, NaN, infinities, the extremes.
        prop::collection::vec(any::<u32>().prop_map(f32::from_bits), 0..5).prop_map(Value::Vector),
    ]
}

/// Any property value: a scalar, or a homogeneous list of one scalar type (built by repeating
/// the type of a first element), plus null.
pub fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => scalar(),
        1 => Just(Value::Null),
        2 => prop::collection::vec(scalar(), 0..4).prop_map(|items| {
            let first = items.first().map(Value::type_name);
            Value::List(items.into_iter().filter(|i| Some(i.type_name()) == first).collect())
        }),
    ]
}

/// A value FalkorDB stores: every double and integer (NaN, infinities and i64::MIN are rebuilt
/// server-side by the copy), strings, booleans, vectors of finite f32s, dates, local times and
/// local datetimes to whole seconds, durations as seconds, WGS-84 2D points (FalkorDB keeps
/// them as 32-bit floats, so they are drawn from 32-bit values), and lists of these without
/// null.
pub fn falkordb_value() -> impl Strategy<Value = Value> {
    let whole = |t: NaiveTime| t.with_nanosecond(0).unwrap_or(t);
    let point = (-90.0f32..90.0, -180.0f32..180.0).prop_map(|(lat, lon)| {
        Value::Point(Point {
            srid: 4326,
            x: f64::from(lon),
            y: f64::from(lat),
            z: None,
        })
    });
    let scalar = prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        int().prop_map(Value::Int),
        float().prop_map(Value::Float),
        text().prop_map(Value::String),
        prop::collection::vec(
            any::<u32>()
                .prop_map(f32::from_bits)
                .prop_filter("finite", |x| x.is_finite()),
            0..4
        )
        .prop_map(Value::Vector),
        falkordb_date().prop_map(Value::Date),
        time().prop_map(move |t| Value::LocalTime(whole(t))),
        (falkordb_date(), time())
            .prop_map(move |(d, t)| Value::LocalDateTime(d.and_time(whole(t)))),
        (-1_000_000_000_000i64..=1_000_000_000_000).prop_map(|seconds| Value::Duration {
            months: 0,
            days: 0,
            seconds,
            nanoseconds: 0
        }),
        point,
    ];
    prop_oneof![
        4 => scalar.clone(),
        1 => prop::collection::vec(scalar, 0..4).prop_map(Value::List),
    ]
}

/// Dates FalkorDB stores as seconds since 1970 (years 1 to 9999 checked by the round trips).
fn falkordb_date() -> impl Strategy<Value = NaiveDate> {
    (1i32..=9999, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default())
}

/// A random graph: nodes as (labels, properties), relationships as (start index, end index,
/// type, properties). Names come from small pools (unicode, spaces) so duplicates, shared label
/// sets, empty label sets, self-loops and multi-edges are common.
#[derive(Debug, Clone)]
pub struct Graph {
    pub nodes: Vec<(Vec<String>, BTreeMap<String, Value>)>,
    pub relationships: Vec<(usize, usize, String, BTreeMap<String, Value>)>,
}

const LABELS: &[&str] = &["Person", "Ünïcødé", "标签", "Two Words"];
const KEYS: &[&str] = &["id", "name", "ключ", "键 key", "émoji😀"];
const TYPES: &[&str] = &["KNOWS", "ЛЮБИТ", "SELF_LOOP"];

fn props() -> impl Strategy<Value = BTreeMap<String, Value>> {
    prop::collection::btree_map(
        prop::sample::select(KEYS).prop_map(str::to_owned),
        falkordb_value(),
        0..4,
    )
}

pub fn graph(max_nodes: usize, max_rels: usize) -> impl Strategy<Value = Graph> {
    let node = (
        prop::sample::subsequence(LABELS, 0..=2)
            .prop_map(|l| l.into_iter().map(str::to_owned).collect::<Vec<_>>()),
        props(),
    );
    prop::collection::vec(node, 1..=max_nodes)
        .prop_flat_map(move |nodes| {
            let n = nodes.len();
            let rel = (
                0..n,
                0..n,
                prop::sample::select(TYPES).prop_map(str::to_owned),
                props(),
            );
            (
                Just(nodes),
                prop::collection::vec(rel, 0..=max_rels),
                any::<bool>(),
            )
        })
        .prop_map(|(mut nodes, relationships, duplicate)| {
            // An exact duplicate node (and, below, relationships may repeat too).
            if duplicate {
                if let Some(first) = nodes.first().cloned() {
                    nodes.push(first);
                }
            }
            let mut relationships = relationships;
            if let Some(r) = relationships.first().cloned() {
                relationships.push(r);
            }
            Graph {
                nodes,
                relationships,
            }
        })
}
