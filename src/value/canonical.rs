//! A stable, typed byte encoding of values for hashing: equal values (by [`Value`]'s typed
//! equality) encode to equal bytes, and values of different types never collide.

use super::{Value, Zone};

/// Appends the canonical encoding of `value` to `out`.
pub fn encode(value: &Value, out: &mut Vec<u8>) {
    fn tag(out: &mut Vec<u8>, t: u8) {
        out.push(t);
    }
    fn bytes(out: &mut Vec<u8>, b: &[u8]) {
        out.extend_from_slice(&(b.len() as u64).to_be_bytes());
        out.extend_from_slice(b);
    }
    fn float(out: &mut Vec<u8>, f: f64) {
        let bits = if f.is_nan() {
            f64::NAN.to_bits()
        } else {
            f.to_bits()
        };
        out.extend_from_slice(&bits.to_be_bytes());
    }
    match value {
        Value::Null => tag(out, 0),
        Value::Bool(b) => {
            tag(out, 1);
            out.push(u8::from(*b));
        }
        Value::Int(i) => {
            tag(out, 2);
            out.extend_from_slice(&i.to_be_bytes());
        }
        Value::Float(f) => {
            tag(out, 3);
            float(out, *f);
        }
        Value::String(s) => {
            tag(out, 4);
            bytes(out, s.as_bytes());
        }
        Value::Bytes(b) => {
            tag(out, 5);
            bytes(out, b);
        }
        Value::List(items) => {
            tag(out, 6);
            out.extend_from_slice(&(items.len() as u64).to_be_bytes());
            for item in items {
                encode(item, out);
            }
        }
        Value::Map(map) => {
            tag(out, 7);
            out.extend_from_slice(&(map.len() as u64).to_be_bytes());
            for (k, v) in map {
                bytes(out, k.as_bytes());
                encode(v, out);
            }
        }
        // Temporal values encode their exact fields via their ISO text, which chrono renders
        // losslessly (nanoseconds included); the type tag keeps kinds apart.
        Value::Date(d) => {
            tag(out, 8);
            bytes(out, d.to_string().as_bytes());
        }
        Value::LocalTime(t) => {
            tag(out, 9);
            bytes(out, t.format("%H:%M:%S%.9f").to_string().as_bytes());
        }
        Value::Time {
            time,
            offset_seconds,
        } => {
            tag(out, 10);
            bytes(out, time.format("%H:%M:%S%.9f").to_string().as_bytes());
            out.extend_from_slice(&offset_seconds.to_be_bytes());
        }
        Value::LocalDateTime(dt) => {
            tag(out, 11);
            bytes(
                out,
                dt.format("%Y-%m-%dT%H:%M:%S%.9f").to_string().as_bytes(),
            );
        }
        Value::DateTime { local, zone } => {
            tag(out, 12);
            bytes(
                out,
                local.format("%Y-%m-%dT%H:%M:%S%.9f").to_string().as_bytes(),
            );
            match zone {
                Zone::Offset(o) => {
                    out.push(0);
                    out.extend_from_slice(&o.to_be_bytes());
                }
                Zone::Id(id) => {
                    out.push(1);
                    bytes(out, id.as_bytes());
                }
            }
        }
        Value::Duration {
            months,
            days,
            seconds,
            nanoseconds,
        } => {
            tag(out, 13);
            for n in [*months, *days, *seconds, i64::from(*nanoseconds)] {
                out.extend_from_slice(&n.to_be_bytes());
            }
        }
        Value::Point(p) => {
            tag(out, 14);
            out.extend_from_slice(&p.srid.to_be_bytes());
            float(out, p.x);
            float(out, p.y);
            match p.z {
                Some(z) => {
                    out.push(1);
                    float(out, z);
                }
                None => out.push(0),
            }
        }
        // Graph entities are hashed by content elsewhere; here only their own content counts.
        Value::Node(n) => {
            tag(out, 15);
            let mut labels = n.labels.clone();
            labels.sort();
            encode(
                &Value::List(labels.into_iter().map(Value::String).collect()),
                out,
            );
            encode(&Value::Map(n.properties.clone()), out);
        }
        Value::Relationship(r) => {
            tag(out, 16);
            bytes(out, r.rel_type.as_bytes());
            encode(&Value::Map(r.properties.clone()), out);
        }
        Value::Path {
            nodes,
            relationships,
        } => {
            tag(out, 17);
            encode(
                &Value::List(nodes.iter().cloned().map(Value::Node).collect()),
                out,
            );
            encode(
                &Value::List(
                    relationships
                        .iter()
                        .cloned()
                        .map(Value::Relationship)
                        .collect(),
                ),
                out,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        encode(v, &mut out);
        out
    }

    #[test]
    fn types_never_collide() {
        assert_ne!(enc(&Value::Int(1)), enc(&Value::Float(1.0)));
        assert_ne!(enc(&Value::String("1".into())), enc(&Value::Int(1)));
        assert_ne!(
            enc(&Value::List(vec![Value::String("ab".into())])),
            enc(&Value::List(vec![
                Value::String("a".into()),
                Value::String("b".into())
            ]))
        );
        assert_eq!(enc(&Value::Float(f64::NAN)), enc(&Value::Float(-f64::NAN)));
    }
}
