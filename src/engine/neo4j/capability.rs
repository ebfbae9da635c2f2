//! Which values Neo4j can store as properties: no maps, no lists holding null, no mixed or
//! nested lists; a vector is written as a list of floats (kept changed).

use crate::value::Value;

/// Why a value kept as given would be kept changed, if it would: Neo4j has no vector type.
pub(crate) fn lossy(value: &Value) -> Option<String> {
    matches!(value, Value::Vector(_)).then(|| {
        "Neo4j has no vecf32 type: the vector is stored as a LIST<FLOAT> of its elements (a FalkorDB vector index would not cover it after a copy back)".into()
    })
}

/// Whether Neo4j stores `value` as a property (`top`: not inside a list): why not, if not.
pub(crate) fn storable(value: &Value, top: bool) -> Result<(), String> {
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
            items.iter().try_for_each(|i| storable(i, false))
        }
        _ => Ok(()),
    }
}
