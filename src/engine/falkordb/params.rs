//! Parameters travel to FalkorDB as a `CYPHER name=value ...` prefix of the query text, so every
//! value must be rendered as a Cypher literal that parses back to exactly the same value.

use std::fmt::Write;

use crate::engine::dialect::escape_name;
use crate::value::Value;

/// Why a parameter could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrenderable {
    pub param: String,
    pub reason: String,
}

/// Prepends the parameters to `text` as `CYPHER a=1 b="x" <text>`.
pub fn with_params<'a>(
    text: &str,
    params: impl IntoIterator<Item = (&'a String, &'a Value)>,
) -> Result<String, Unrenderable> {
    let mut out = String::new();
    for (name, value) in params {
        if out.is_empty() {
            out.push_str("CYPHER ");
        }
        out.push_str(&escape_name(name));
        out.push('=');
        render(value, &mut out).map_err(|reason| Unrenderable {
            param: name.clone(),
            reason,
        })?;
        out.push(' ');
    }
    out.push_str(text);
    Ok(out)
}

/// Renders one value as a Cypher literal.
pub fn render(value: &Value, out: &mut String) -> Result<(), String> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) if *i == i64::MIN => {
            // FalkorDB reads the literal as a positive number and overflows; parameters must be
            // plain literals, so there is no expression to fall back on.
            return Err("FalkorDB cannot take -9223372036854775808 as a parameter literal".into());
        }
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) if !f.is_finite() => {
            return Err(format!(
                "FalkorDB cannot take {f} as a parameter: parameters must be literals"
            ));
        }
        Value::Float(f) => render_float(*f, out),
        Value::String(s) => render_string(s, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render(item, out)?;
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&escape_name(k));
                out.push(':');
                render(v, out)?;
            }
            out.push('}');
        }
        // Measured on 4.16.3 and 4.18.3: `CYPHER p=point({latitude:0.0,longitude:0.0})` answers
        // "Failed to parse query parameter 'p' value"; send a {latitude, longitude} map and call
        // point() in the query instead (as transfer::logical does).
        Value::Point(_) => return Err(
            "FalkorDB cannot parse a POINT parameter; pass {latitude, longitude} and call point()"
                .into(),
        ),
        other => {
            return Err(format!(
                "FalkorDB cannot take a {} parameter",
                other.type_name()
            ))
        }
    }
    Ok(())
}

/// Parameters must be literals (measured: `CYPHER x=(0.0/0.0)` is refused), so only finite floats.
fn render_float(f: f64, out: &mut String) {
    if f == 0.0 && f.is_sign_negative() {
        out.push_str("-0.0");
    } else {
        // `{:e}` is Rust's shortest round-trip representation in scientific form, e.g. `1.5e-10`,
        // which Cypher parses as a float; `{:?}` could print `1e16` style too, but this is uniform.
        let _ = write!(out, "{f:e}");
    }
}

fn render_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            _ => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn lit(v: Value) -> String {
        let mut s = String::new();
        render(&v, &mut s).unwrap();
        s
    }

    #[test]
    fn scalars_render_as_exact_literals() {
        assert_eq!(lit(Value::Int(-3)), "-3");
        assert_eq!(lit(Value::Int(i64::MIN + 1)), "-9223372036854775807");
        assert_eq!(lit(Value::Float(0.1234567891234)), "1.234567891234e-1");
        assert_eq!(lit(Value::Float(1.0)), "1e0");
        assert_eq!(lit(Value::Float(-0.0)), "-0.0");
        assert_eq!(
            lit(Value::String("it's \"q\" \\".into())),
            r#""it's \"q\" \\""#
        );
    }

    #[test]
    fn float_literals_carry_every_bit() {
        // `{:e}` is the shortest text that parses back to the same double (at most 17
        // significant digits); FalkorDB's parameter parser reads it back bit-exact, DBL_MAX and
        // subnormals included (tests/it/exact_doubles_falkordb.rs checks that on the servers,
        // through a copy that writes with parameters).
        for x in [
            0.1 + 0.2,
            1.0 / 3.0,
            9007199254740993.0,
            f64::MAX,
            -f64::MAX,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            f64::from_bits(0x000f_ffff_ffff_ffff),
        ] {
            let text = lit(Value::Float(x));
            assert_eq!(
                text.parse::<f64>().map(f64::to_bits),
                Ok(x.to_bits()),
                "{text}"
            );
        }
        assert_eq!(lit(Value::Float(0.1 + 0.2)), "3.0000000000000004e-1");
    }

    #[test]
    fn params_become_a_cypher_prefix() {
        let mut p = BTreeMap::new();
        p.insert(
            "rows".to_string(),
            Value::List(vec![Value::Map(BTreeMap::from([(
                "a b".to_string(),
                Value::Bool(true),
            )]))]),
        );
        p.insert("n".to_string(), Value::Int(5));
        assert_eq!(
            with_params("RETURN $n", &p).unwrap(),
            "CYPHER n=5 rows=[{`a b`:true}] RETURN $n"
        );
        assert_eq!(
            with_params("RETURN 1", &BTreeMap::new()).unwrap(),
            "RETURN 1"
        );
    }

    #[test]
    fn unsupported_values_are_refused_by_name() {
        let p = BTreeMap::from([("b".to_string(), Value::Bytes(vec![1]))]);
        let err = with_params("RETURN $b", &p).unwrap_err();
        assert_eq!(err.param, "b");
        assert!(err.reason.contains("BYTES"), "{}", err.reason);
        let nan = BTreeMap::from([("f".to_string(), Value::List(vec![Value::Float(f64::NAN)]))]);
        assert_eq!(with_params("RETURN $f", &nan).unwrap_err().param, "f");
    }
}
