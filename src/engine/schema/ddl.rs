//! Cypher pieces the engines' schema statements share (quoting, option literals, the pattern
//! and properties of an item).

use super::model::{EntityType, SchemaItem};
use crate::engine::dialect::escape_name;

/// `text` as a single-quoted Cypher string.
pub(crate) fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// An option value as a Cypher literal: numbers and booleans bare, lists as given, text quoted.
pub(crate) fn literal(value: &str) -> String {
    let bare = value.parse::<f64>().is_ok()
        || matches!(value, "true" | "false")
        || (value.starts_with('[') && value.ends_with(']'));
    if bare {
        if value.starts_with('[') {
            let inner = value.trim_start_matches('[').trim_end_matches(']');
            let parts: Vec<String> = inner
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(literal)
                .collect();
            format!("[{}]", parts.join(", "))
        } else {
            value.to_owned()
        }
    } else {
        quote(value)
    }
}

pub(crate) fn pattern(item: &SchemaItem) -> String {
    let labels: Vec<String> = item.labels.iter().map(|l| escape_name(l)).collect();
    match item.entity {
        EntityType::Node => format!("(n:{})", labels.join("|")),
        EntityType::Relationship => format!("()-[n:{}]-()", labels.join("|")),
    }
}

pub(crate) fn props(item: &SchemaItem) -> Vec<String> {
    item.properties
        .iter()
        .map(|p| format!("n.{}", escape_name(p)))
        .collect()
}
