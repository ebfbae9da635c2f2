//! Exact doubles from FalkorDB.
//!
//! `GRAPH.QUERY --compact` prints every double with 15 significant digits (`1.0/3` comes back as
//! `0.333333333333333`, `0.1 + 0.2` as `0.3`, DBL_MAX as `1.79769313486232e+308`, which parses
//! as infinity), in RESP2 and RESP3 alike, so the reply's text cannot carry a double exactly.
//! Integers it does carry exactly (64 bits). So the readers that must be exact (the copy's and
//! the content hash's paging reads, `graph::export`) add one column, [`column`], that asks
//! the server for every Float of an entity's properties as an integer pair `[m, k]` with
//! `x == m * 2^-k` exactly, and [`apply`] puts those exact values in place of the rounded ones.
//!
//! How the server computes the pair: `k = 54 - floor(log2 |x|)` (the logarithm may be off by
//! one either way; the margin of 54 - 52 bits absorbs it), then `m = toInteger(x * 2^(k/2) *
//! 2^(k - k/2))`. Multiplying by a power of two is exact (FalkorDB's `^` gives exact powers of
//! two, measured on 4.14.11, 4.16.3 and 4.18.3), the scaling is split in two so `2^k` never
//! overflows (subnormals need k up to 1130), and the scaled value is an integer below 2^57, so
//! `toInteger` is exact. Zero (and -0), infinities and NaN come as `null`: their text (`0`,
//! `-0`, `inf`, `-inf`, `-nan`) is exact already.
//!
//! Floats inside lists get one entry per element, to a depth of two lists; a float nested
//! deeper is refused loudly ([`apply`] errors) instead of being read rounded. Points and
//! `vecf32` vectors are 32-bit on FalkorDB, which 15 (resp. 17) digits do carry exactly:
//! `compact` rounds them back to `f32`.
//!
//! That column costs the server far more than the read itself (its nested list comprehensions
//! made a page of nodes 30 times slower to answer), so the pagers first ask for a cheap one,
//! [`fraction_column`]: per property key known to hold floats, the fraction bits
//! `toInteger((x - toInteger(x)) * 2^62)`. Together with the reply's 15 digits they give the
//! double exactly whenever [`from_fraction`] says so (most magnitudes); the entities it cannot
//! settle (a float in a list, a magnitude outside its range) are read again with [`column`].

use std::collections::BTreeMap;

use crate::value::Value;

// FalkorDB evaluates every branch of a CASE (measured: `CASE WHEN typeOf(f) = 'Float' THEN
// abs(f) ELSE null END` fails on a string `f`), so the expressions below choose by list
// comprehension filters, which run their projection only for the elements that pass:
// `head([z IN [x] WHERE test(z) | f(z)])` is `f(x)` when `test(x)`, else null.

/// The pair `[m, k]` of Float expression `x`, or null when `x`'s text is exact already (zero,
/// infinite, NaN). `tag` keeps the variables of nested uses apart.
fn pair(x: &str, tag: &str) -> String {
    let (w, k) = (format!("mh_w{tag}"), format!("mh_k{tag}"));
    format!(
        "head([{w} IN [{x}] WHERE {w} <> 0.0 AND {w} = {w} AND abs({w}) < 1.0/0.0 | \
         [{k} IN [54 - toInteger(floor(log(abs({w})) / log(2)))] | \
         [toInteger(({w} * 2.0^({k} / 2)) * 2.0^({k} - {k} / 2)), {k}]][0]])"
    )
}

/// The per-element entries of List expression `list` at nesting `depth` (1 or 2): a pair for a
/// Float, the entries of a nested list, `'deep'` for a list nested deeper, null otherwise.
fn elements(list: &str, depth: u32) -> String {
    let (e, z) = (format!("mh_e{depth}"), format!("mh_z{depth}"));
    let nested = if depth < 2 {
        elements(&z, depth + 1)
    } else {
        "'deep'".to_owned()
    };
    format!(
        "[{e} IN {list} | head([{z} IN [{e}] WHERE typeOf({z}) = 'Float' | {}] + \
         [{z} IN [{e}] WHERE typeOf({z}) = 'List' | {nested}])]",
        pair(&z, &depth.to_string())
    )
}

/// The extra RETURN column for entity variable `var` (a node or relationship): a list of
/// `[key, entry]` for each property that holds a Float (entry: its pair), a list with a float
/// or list element (entry: per-element entries) or a `vecf32` vector (entry: `'f32'`, its
/// 32-bit elements come exact). Properties without floats add nothing, and lists without a
/// float or list element (string lists, say) are skipped before their elements are examined.
pub fn column(var: &str) -> String {
    let v = format!("{var}[mh_p]");
    format!(
        "[mh_p IN keys({var}) WHERE typeOf({v}) = 'Float' | [mh_p, {}]] + \
         [mh_p IN [mh_p IN keys({var}) WHERE typeOf({v}) = 'List'] \
         WHERE any(mh_y IN {v} WHERE typeOf(mh_y) IN ['Float', 'List']) | [mh_p, {}]] + \
         [mh_p IN keys({var}) WHERE typeOf({v}) = 'Vectorf32' | [mh_p, 'f32']]",
        pair(&v, "0"),
        elements(&v, 1)
    )
}

/// `2^62`, as a Cypher float literal.
const SCALE: &str = "4611686018427387904.0";

/// The cheap exact column of property `key` of entity `var`: the fraction bits
/// `toInteger((x - toInteger(x)) * 2^62)` of a Float `x` (0 for an Integer). FalkorDB's
/// `toInteger` rounds toward negative infinity (measured on 4.14.11, 4.16.3 and 4.18.3:
/// `toInteger(-2.75)` is -3), so the fraction is `x - floor(x)` in `[0, 1)`; the subtraction
/// is exact in the ranges [`from_fraction`] accepts, and scaling by a power of two is exact.
///
/// Unguarded, the expression fails the whole query ("Type mismatch") when `key` holds a
/// string, boolean, list, point, vector or temporal value in some row; `guarded` wraps it so
/// that such values give null (it costs the server about a quarter more).
pub fn fraction_column(var: &str, key: &str, guarded: bool) -> String {
    let x = format!("{var}.{}", crate::cypher::escape_name(key));
    if guarded {
        format!(
            "head([mh_f IN [{x}] WHERE typeOf(mh_f) = 'Float' | \
             toInteger((mh_f - toInteger(mh_f)) * {SCALE})])"
        )
    } else {
        format!("toInteger(({x} - toInteger({x})) * {SCALE})")
    }
}

/// Whether a double whose reply text parses to `approx` is settled by its fraction bits:
/// `x - floor(x)` (or `x - trunc(x)`) is computed exactly, and is a multiple of `2^-62`, when
/// `|x| >= 1`, `2^-10 <= x < 1` or `-1 < x <= -0.5` (Sterbenz); the integer part follows
/// from the 15 digits when `|x| < 2^45` (their error is then below 0.5). The bounds here leave
/// a margin for `approx` being off in its 15th digit.
fn settled_by_fraction(approx: f64) -> bool {
    approx.is_finite()
        && approx.abs() < 35_184_372_088_832.0 // 2^45
        && (approx >= 1.0 / 512.0 || approx <= -0.6)
}

/// The exact double from the reply's rounded `approx` and the cell of [`fraction_column`],
/// or `None` when they do not determine it (then read the entity with [`column`]). Zero and
/// NaN are exact in the reply already and come back unchanged; an infinity is not settled
/// here, since the largest doubles print as `1.79769313486232e+308`, which parses as one.
pub fn from_fraction(approx: f64, cell: &Value) -> Option<f64> {
    if approx == 0.0 || approx.is_nan() {
        return Some(approx);
    }
    let Value::Int(m) = cell else {
        return None;
    };
    if !settled_by_fraction(approx) || m.unsigned_abs() >= 1 << 62 {
        return None;
    }
    // m < 2^62 with at most 53 significant bits: exact as f64, and so is the scaling.
    let fraction = *m as f64 * pow2(-62);
    let whole = (approx - fraction).round();
    let exact = whole + fraction;
    agrees(approx, exact).then_some(exact)
}

/// `2^n` for `n` in the normal range, exactly.
fn pow2(n: i64) -> f64 {
    debug_assert!((-1022..=1023).contains(&n));
    f64::from_bits(((n + 1023) as u64) << 52)
}

/// `m * 2^-k`, exactly (two steps, so neither factor leaves the normal range).
fn from_pair(m: i64, k: i64) -> Result<f64, String> {
    if !(-1100..=1200).contains(&k) || m.unsigned_abs() >= 1 << 60 {
        return Err(format!("exact pair [{m}, {k}] out of range"));
    }
    let first = -k / 2;
    Ok(m as f64 * pow2(first) * pow2(-k - first))
}

/// Whether the 15-digit `approx` is the text form of `exact`: a guard against a misaligned
/// exact column (a wrong entry would be off by far more than the 15th digit).
fn agrees(approx: f64, exact: f64) -> bool {
    if approx == exact {
        return true;
    }
    if approx.is_infinite() {
        // DBL_MAX's 15 digits (1.79769313486232e+308) parse as infinity.
        return exact.abs() >= 1.797_693_134_862_31e308 && approx.signum() == exact.signum();
    }
    (approx - exact).abs() <= 1e-13 * exact.abs() + 1e-320
}

/// Replaces the Float `value` (or the floats in the list `value`) by the exact entry.
fn substitute(value: &mut Value, entry: &Value, path: &str) -> Result<(), String> {
    match (value, entry) {
        (Value::Float(f), Value::List(p)) => {
            let [Value::Int(m), Value::Int(k)] = p.as_slice() else {
                return Err(format!("{path}: exact entry {entry} is not [m, k]"));
            };
            let exact = from_pair(*m, *k).map_err(|e| format!("{path}: {e}"))?;
            if !agrees(*f, exact) {
                return Err(format!(
                    "{path}: exact value {exact:?} does not match the reply's {f:?}"
                ));
            }
            *f = exact;
            Ok(())
        }
        (Value::Float(f), Value::Null) if *f == 0.0 || !f.is_finite() => Ok(()),
        (Value::List(items), Value::List(entries)) if items.len() == entries.len() => {
            for (i, (item, entry)) in items.iter_mut().zip(entries).enumerate() {
                substitute(item, entry, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        // The compact reader already holds a vecf32 as 32-bit floats, exact.
        (Value::Vector(_), Value::String(s)) if s == "f32" => Ok(()),
        (v, Value::String(s)) if s == "deep" && !v.has_float() => Ok(()),
        (_, Value::String(s)) if s == "deep" => Err(format!(
            "{path}: a float nested in more than two lists cannot be read exactly from FalkorDB \
             (its replies print doubles with 15 significant digits)"
        )),
        (v, Value::Null) if !v.has_float() => Ok(()),
        (v, entry) => Err(format!(
            "{path}: exact entry {entry} does not fit the value {v}"
        )),
    }
}

/// Puts the exact values of `exact` (a cell of [`column`]) into `properties`, read from the
/// same row. Every float of `properties` must be covered, else the reply is refused: a value
/// the harness cannot read exactly fails the read instead of passing rounded.
pub fn apply(properties: &mut BTreeMap<String, Value>, exact: &Value) -> Result<(), String> {
    let Value::List(entries) = exact else {
        return Err(format!("exact column is not a list: {exact}"));
    };
    let mut covered = Vec::with_capacity(entries.len());
    for entry in entries {
        let Value::List(kv) = entry else {
            return Err(format!("exact column entry is not [key, value]: {entry}"));
        };
        let [Value::String(key), value_entry] = kv.as_slice() else {
            return Err(format!("exact column entry is not [key, value]: {entry}"));
        };
        let value = properties
            .get_mut(key)
            .ok_or_else(|| format!("exact column names property {key:?}, which the row lacks"))?;
        substitute(value, value_entry, key)?;
        covered.push(key.as_str());
    }
    if let Some((key, _)) = properties
        .iter()
        .find(|(k, v)| v.has_float() && !covered.contains(&k.as_str()))
    {
        return Err(format!(
            "property {key:?} holds a float the exact column did not cover"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair_of(x: f64) -> Value {
        // What the server computes, done here in exact arithmetic from the bits.
        let bits = x.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i64;
        let frac = (bits & ((1 << 52) - 1)) as i64;
        let (m, e) = if exp == 0 {
            (frac, -1074)
        } else {
            (frac | (1 << 52), exp - 1075)
        };
        let m = if x < 0.0 { -m } else { m };
        // x = m * 2^e = (m * 4) * 2^-(2 - e)
        Value::List(vec![Value::Int(m * 4), Value::Int(2 - e)])
    }

    fn rounded(x: f64) -> f64 {
        format!("{x:.14e}").parse().unwrap()
    }

    #[test]
    fn pairs_restore_every_double_including_the_extremes() {
        for x in [
            1.0 / 3.0,
            0.1 + 0.2,
            9007199254740993.0,
            f64::from_bits(1),
            f64::from_bits(0x000f_ffff_ffff_ffff),
            f64::MIN_POSITIVE,
            f64::MAX,
            -f64::MAX,
            -1.0 / 7.0,
        ] {
            let mut v = Value::Float(rounded(x));
            substitute(&mut v, &pair_of(x), "p").unwrap();
            assert_eq!(v, Value::Float(x), "{x:e}");
        }
    }

    #[test]
    fn apply_covers_properties_and_list_elements() {
        let mut props = BTreeMap::from([
            ("f".to_owned(), Value::Float(rounded(1.0 / 3.0))),
            (
                "l".to_owned(),
                Value::List(vec![
                    Value::Float(rounded(0.1 + 0.2)),
                    Value::Int(2),
                    Value::List(vec![Value::Float(rounded(2.0 / 3.0))]),
                ]),
            ),
            ("z".to_owned(), Value::Float(-0.0)),
            ("s".to_owned(), Value::String("x".into())),
        ]);
        let exact = Value::List(vec![
            Value::List(vec![Value::String("f".into()), pair_of(1.0 / 3.0)]),
            Value::List(vec![
                Value::String("l".into()),
                Value::List(vec![
                    pair_of(0.1 + 0.2),
                    Value::Null,
                    Value::List(vec![pair_of(2.0 / 3.0)]),
                ]),
            ]),
            Value::List(vec![Value::String("z".into()), Value::Null]),
        ]);
        apply(&mut props, &exact).unwrap();
        assert_eq!(props["f"], Value::Float(1.0 / 3.0));
        assert_eq!(
            props["l"],
            Value::List(vec![
                Value::Float(0.1 + 0.2),
                Value::Int(2),
                Value::List(vec![Value::Float(2.0 / 3.0)])
            ])
        );
        assert_eq!(props["z"], Value::Float(-0.0));
    }

    #[test]
    fn uncovered_deep_or_misaligned_floats_are_refused() {
        let mut props = BTreeMap::from([("f".to_owned(), Value::Float(0.5))]);
        assert!(apply(&mut props, &Value::List(vec![])).is_err());
        let wrong = Value::List(vec![Value::List(vec![
            Value::String("f".into()),
            pair_of(0.25),
        ])]);
        assert!(apply(&mut props, &wrong).is_err());
        let mut deep = BTreeMap::from([(
            "l".to_owned(),
            Value::List(vec![Value::List(vec![Value::List(vec![Value::Float(
                0.5,
            )])])]),
        )]);
        let entry = Value::List(vec![Value::List(vec![
            Value::String("l".into()),
            Value::List(vec![Value::List(vec![Value::String("deep".into())])]),
        ])]);
        let err = apply(&mut deep, &entry).unwrap_err();
        assert!(err.contains("more than two lists"), "{err}");
    }

    fn fraction_of(x: f64) -> Value {
        // What the server computes: (x - floor(x)) * 2^62, exactly where it is exact.
        Value::Int(((x - x.floor()) * 4611686018427387904.0) as i64)
    }

    #[test]
    fn fractions_restore_doubles_in_their_range_and_decline_elsewhere() {
        for x in [
            1.0 / 3.0 + 1.0,
            0.1 + 0.2,
            2.0 / 3.0,
            -2.75,
            -1.0 / 3.0 - 7.0,
            -0.7000000000000001,
            12345678901.000002,
            9007199254740.993,
            1.0 / 512.0 + 1.0 / 1024.0,
            -1.0,
            4.5,
        ] {
            let got = from_fraction(rounded(x), &fraction_of(x));
            assert_eq!(got, Some(x), "{x:e}");
        }
        for x in [1e-5, -0.1, -1e-300, 1e15 + 0.5, 9007199254740993.0, 1e300] {
            assert_eq!(from_fraction(rounded(x), &fraction_of(x)), None, "{x:e}");
        }
        for x in [0.0, -0.0] {
            let got = from_fraction(x, &Value::Int(i64::MIN)).unwrap();
            assert_eq!(got.to_bits(), x.to_bits());
        }
        assert!(from_fraction(f64::NAN, &Value::Null).unwrap().is_nan());
        // DBL_MAX's 15 digits parse as infinity: an infinity is never taken as read.
        for x in [f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(from_fraction(x, &Value::Int(i64::MIN)), None);
        }
        // A fraction from another value is caught by the 15-digit guard.
        assert_eq!(from_fraction(rounded(2.5), &fraction_of(3.75 + 1e-9)), None);
        assert_eq!(from_fraction(2.5, &Value::Null), None);
    }

    #[test]
    fn fraction_columns_quote_keys_and_guard_on_request() {
        assert_eq!(
            fraction_column("r", "weight", false),
            "toInteger((r.weight - toInteger(r.weight)) * 4611686018427387904.0)"
        );
        let g = fraction_column("n", "a b", true);
        assert!(g.contains("[n.`a b`]") && g.contains("typeOf(mh_f) = 'Float'"), "{g}");
    }

    #[test]
    fn the_column_names_only_its_variable() {
        let c = column("n");
        assert!(c.starts_with("[mh_p IN keys(n) WHERE"), "{c}");
        assert!(c.contains("n[mh_p]"));
    }
}
