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
        // Tag 18 (17 is a path): the element count, then each element's f32 bits (every NaN
        // as one, as for doubles).
        Value::Vector(items) => {
            tag(out, 18);
            out.extend_from_slice(&(items.len() as u64).to_be_bytes());
            for x in items {
                out.extend_from_slice(&super::model::f32_bits(*x).to_be_bytes());
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

/// Why bytes are not a canonical encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to decode a canonical value at byte {at}: {what}")]
pub struct DecodeError {
    pub at: usize,
    pub what: String,
}

/// Decodes one value encoded by [`encode`]; the inverse for every property value (graph
/// entities decode with id 0, their ids are not part of the encoding).
/// The encoding of a `Value::String`, from a borrowed `str` (same bytes as [`encode`]).
pub fn encode_str(s: &str, out: &mut Vec<u8>) {
    out.push(4);
    out.extend_from_slice(&(s.len() as u64).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// The encoding of a `Value::List` of strings, from borrowed items (same bytes as [`encode`]).
pub fn encode_str_list<'a>(items: impl ExactSizeIterator<Item = &'a str>, out: &mut Vec<u8>) {
    out.push(6);
    out.extend_from_slice(&(items.len() as u64).to_be_bytes());
    for item in items {
        encode_str(item, out);
    }
}

/// The encoding of a `Value::Map`, from borrowed entries in key order (same bytes as
/// [`encode`]), so hashing needs no copy of an entity's properties.
pub fn encode_map_entries<'a>(
    entries: impl ExactSizeIterator<Item = (&'a String, &'a Value)>,
    out: &mut Vec<u8>,
) {
    out.push(7);
    out.extend_from_slice(&(entries.len() as u64).to_be_bytes());
    for (k, v) in entries {
        out.extend_from_slice(&(k.len() as u64).to_be_bytes());
        out.extend_from_slice(k.as_bytes());
        encode(v, out);
    }
}

pub fn decode(bytes: &[u8]) -> Result<Value, DecodeError> {
    let mut r = Reader { bytes, at: 0 };
    let v = r.value()?;
    if r.at != bytes.len() {
        return Err(r.err("trailing bytes"));
    }
    Ok(v)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn err(&self, what: &str) -> DecodeError {
        DecodeError {
            at: self.at,
            what: what.to_owned(),
        }
    }
    fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| self.err("unexpected end"))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn u64(&mut self) -> Result<u64, DecodeError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(b))
    }
    fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(self.u64()? as i64)
    }
    fn i32(&mut self) -> Result<i32, DecodeError> {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4)?);
        Ok(i32::from_be_bytes(b))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(self.i32()? as u32)
    }
    fn f64(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_bits(self.u64()?))
    }
    fn len(&mut self) -> Result<usize, DecodeError> {
        let n = self.u64()?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.bytes.len() - self.at)
            .ok_or_else(|| self.err("length out of range"))
    }
    fn bytes(&mut self) -> Result<Vec<u8>, DecodeError> {
        let n = self.len()?;
        Ok(self.take(n)?.to_vec())
    }
    fn text(&mut self) -> Result<String, DecodeError> {
        let b = self.bytes()?;
        String::from_utf8(b).map_err(|_| self.err("text is not UTF-8"))
    }
    fn parsed<T>(
        &mut self,
        parse: impl Fn(&str) -> Result<T, chrono::ParseError>,
    ) -> Result<T, DecodeError> {
        let t = self.text()?;
        parse(&t).map_err(|e| self.err(&format!("bad temporal text {t:?}: {e}")))
    }
    fn props(&mut self) -> Result<std::collections::BTreeMap<String, Value>, DecodeError> {
        match self.value()? {
            Value::Map(m) => Ok(m),
            _ => Err(self.err("expected a map")),
        }
    }
    fn value(&mut self) -> Result<Value, DecodeError> {
        use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
        const TIME: &str = "%H:%M:%S%.9f";
        const DT: &str = "%Y-%m-%dT%H:%M:%S%.9f";
        let tag = self.u8()?;
        Ok(match tag {
            0 => Value::Null,
            1 => Value::Bool(self.u8()? != 0),
            2 => Value::Int(self.i64()?),
            3 => Value::Float(self.f64()?),
            4 => Value::String(self.text()?),
            5 => Value::Bytes(self.bytes()?),
            6 => {
                let n = self.len()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value()?);
                }
                Value::List(items)
            }
            7 => {
                let n = self.len()?;
                let mut map = std::collections::BTreeMap::new();
                for _ in 0..n {
                    let k = self.text()?;
                    map.insert(k, self.value()?);
                }
                Value::Map(map)
            }
            8 => Value::Date(self.parsed(|t| t.parse::<NaiveDate>())?),
            9 => Value::LocalTime(self.parsed(|t| NaiveTime::parse_from_str(t, TIME))?),
            10 => Value::Time {
                time: self.parsed(|t| NaiveTime::parse_from_str(t, TIME))?,
                offset_seconds: self.i32()?,
            },
            11 => Value::LocalDateTime(self.parsed(|t| NaiveDateTime::parse_from_str(t, DT))?),
            12 => {
                let local = self.parsed(|t| NaiveDateTime::parse_from_str(t, DT))?;
                let zone = match self.u8()? {
                    0 => Zone::Offset(self.i32()?),
                    1 => Zone::Id(self.text()?),
                    _ => return Err(self.err("bad zone tag")),
                };
                Value::DateTime { local, zone }
            }
            13 => Value::Duration {
                months: self.i64()?,
                days: self.i64()?,
                seconds: self.i64()?,
                nanoseconds: i32::try_from(self.i64()?)
                    .map_err(|_| self.err("nanoseconds out of range"))?,
            },
            14 => {
                let srid = self.u32()?;
                let x = self.f64()?;
                let y = self.f64()?;
                let z = match self.u8()? {
                    0 => None,
                    _ => Some(self.f64()?),
                };
                Value::Point(super::Point { srid, x, y, z })
            }
            15 => {
                let labels = match self.value()? {
                    Value::List(l) => l
                        .into_iter()
                        .filter_map(|v| match v {
                            Value::String(s) => Some(s),
                            _ => None,
                        })
                        .collect(),
                    _ => return Err(self.err("expected labels")),
                };
                Value::Node(super::Node {
                    id: 0,
                    labels,
                    properties: self.props()?,
                })
            }
            16 => Value::Relationship(super::Relationship {
                id: 0,
                start: 0,
                end: 0,
                rel_type: self.text()?,
                properties: self.props()?,
            }),
            18 => {
                let n = self.u64()?;
                let n = usize::try_from(n)
                    .ok()
                    .filter(|n| {
                        n.checked_mul(4)
                            .is_some_and(|b| b <= self.bytes.len() - self.at)
                    })
                    .ok_or_else(|| self.err("vector length out of range"))?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(f32::from_bits(self.u32()?));
                }
                Value::Vector(items)
            }
            _ => return Err(self.err(&format!("unknown type tag {tag}"))),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn borrowed_encoders_give_the_same_bytes_as_encode() {
        use std::collections::BTreeMap;
        let map = BTreeMap::from([
            ("a".to_string(), Value::Int(1)),
            ("ключ".to_string(), Value::List(vec![Value::Float(-0.0)])),
        ]);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        encode(&Value::Map(map.clone()), &mut a);
        encode_map_entries(map.iter(), &mut b);
        assert_eq!(a, b);
        let labels = ["A".to_string(), "Bé".to_string()];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        encode(
            &Value::List(labels.iter().cloned().map(Value::String).collect()),
            &mut a,
        );
        encode_str_list(labels.iter().map(String::as_str), &mut b);
        assert_eq!(a, b);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        encode(&Value::String("KNOWS".into()), &mut a);
        encode_str("KNOWS", &mut b);
        assert_eq!(a, b);
    }

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
        assert_ne!(
            enc(&Value::Vector(vec![1.0])),
            enc(&Value::List(vec![Value::Float(1.0)]))
        );
    }

    #[test]
    fn vectors_round_trip_bit_for_bit() {
        let v = Value::Vector(vec![f32::from_bits(1), -0.0, f32::MAX, 0.1, f32::INFINITY]);
        assert_eq!(decode(&enc(&v)), Ok(v));
        let mut truncated = enc(&Value::Vector(vec![1.0, 2.0]));
        truncated.pop();
        assert!(decode(&truncated).is_err());
    }
}
