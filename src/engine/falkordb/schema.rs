//! FalkorDB's schema: `CALL db.indexes()` / `CALL db.constraints()` read into the normalized
//! model (one RANGE or VECTOR item per property, one FULLTEXT item per label; rules in
//! `engine/schema/parse.rs`), the Cypher that creates an item, and the vector index probe.

use std::collections::BTreeMap;

use crate::engine::dialect::Dialect;
use crate::engine::schema::ddl::{literal, pattern, props, quote};
use crate::engine::schema::parse::{
    constraint_kind, entity_of, index_kind, is_internal, plain, rows, strings, EngineSchema,
};
use crate::engine::schema::{EntityType, IndexKind, ItemKind, SchemaItem};
use crate::engine::QueryResult;
use crate::value::Value;

/// FalkorDB's [`EngineSchema`].
pub struct FalkorSchema;

impl EngineSchema for FalkorSchema {
    fn queries(&self, _dialect: &Dialect) -> (&'static str, &'static str) {
        (
            "CALL db.indexes() YIELD label, properties, types, options, language, stopwords, entitytype, status",
            "CALL db.constraints()",
        )
    }

    fn parse_indexes(&self, result: &QueryResult) -> Result<Vec<SchemaItem>, String> {
        parse_falkordb_indexes(result)
    }

    fn parse_constraints(&self, result: &QueryResult) -> Result<Vec<SchemaItem>, String> {
        parse_falkordb_constraints(result)
    }

    fn create_statement(&self, item: &SchemaItem, _dialect: &Dialect) -> Result<String, String> {
        falkordb_statement(item)
    }

    /// `db.idx.vector.queryNodes(label, attribute, k, vecf32(zeros))` with `k` the number of
    /// nodes carrying the label returns every indexed node (measured on 4.16.3 and 4.18.3:
    /// nodes whose property is a plain list, or absent, are not returned).
    fn vector_entries_query(&self) -> Option<&'static str> {
        Some(
            "CALL db.idx.vector.queryNodes($label, $property, $k, vecf32($q)) \
             YIELD node RETURN count(node)",
        )
    }

    fn vector_count_query(&self, label: &str, property: &str) -> Option<String> {
        Some(format!(
            "MATCH (n:{}) WHERE typeOf(n.{}) = 'Vectorf32' RETURN count(n)",
            crate::cypher::escape_name(label),
            crate::cypher::escape_name(property)
        ))
    }
}

/// (property, index types) pairs of a FalkorDB `types` column, in property order.
fn falkor_types(properties: &[String], types: &Value) -> Vec<(String, Vec<String>)> {
    match types {
        Value::Map(m) => properties
            .iter()
            .map(|p| (p.clone(), m.get(p).map(strings).unwrap_or_default()))
            .collect(),
        // Text form `{a: [RANGE, FULLTEXT], b: [RANGE]}`.
        Value::String(s) => {
            let inner = s.trim().trim_start_matches('{').trim_end_matches('}');
            let mut out = Vec::new();
            for part in inner.split("],") {
                if let Some((prop, list)) = part.split_once(':') {
                    out.push((
                        prop.trim().to_owned(),
                        strings(&Value::String(list.trim().to_owned())),
                    ));
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

fn falkor_property_options(options: &Value, property: &str) -> BTreeMap<String, String> {
    match options {
        Value::Map(m) => match m.get(property) {
            Some(Value::Map(o)) => o.iter().map(|(k, v)| (k.clone(), plain(v))).collect(),
            _ => BTreeMap::new(),
        },
        _ => BTreeMap::new(),
    }
}

/// Parses `CALL db.indexes()` on FalkorDB (columns label, properties, types, options, language,
/// stopwords, entitytype, status, info).
pub fn parse_falkordb_indexes(result: &QueryResult) -> Result<Vec<SchemaItem>, String> {
    let mut out = Vec::new();
    for row in rows(result) {
        let label = row.required("label")?.to_owned();
        let entity = entity_of(row.string("entitytype"), "");
        let properties = strings(row.get("properties"));
        let mut fulltext = Vec::new();
        for (property, types) in falkor_types(&properties, row.get("types")) {
            for t in types {
                let kind = index_kind(&t);
                match kind {
                    IndexKind::Fulltext => fulltext.push(property.clone()),
                    _ => {
                        let options = if kind == IndexKind::Vector {
                            falkor_property_options(row.get("options"), &property)
                        } else {
                            BTreeMap::new()
                        };
                        out.push(SchemaItem {
                            kind: ItemKind::Index(kind),
                            entity,
                            labels: vec![label.clone()],
                            properties: vec![property.clone()],
                            options,
                            owned_by_constraint: false,
                            name: None,
                        });
                    }
                }
            }
        }
        if !fulltext.is_empty() {
            fulltext.sort();
            let mut options = BTreeMap::new();
            if let Some(lang) = row.string("language") {
                options.insert("language".to_owned(), lang.to_owned());
            }
            let mut stopwords = strings(row.get("stopwords"));
            if !stopwords.is_empty() {
                stopwords.sort();
                options.insert(
                    "stopwords".to_owned(),
                    format!("[{}]", stopwords.join(", ")),
                );
            }
            out.push(SchemaItem {
                kind: ItemKind::Index(IndexKind::Fulltext),
                entity,
                labels: vec![label.clone()],
                properties: fulltext,
                options,
                owned_by_constraint: false,
                name: None,
            });
        }
    }
    out.retain(|i| !is_internal(i));
    Ok(out)
}

/// Parses `CALL db.constraints()` on FalkorDB (columns type, label, properties, entitytype,
/// status).
pub fn parse_falkordb_constraints(result: &QueryResult) -> Result<Vec<SchemaItem>, String> {
    let mut out = Vec::new();
    for row in rows(result) {
        let type_name = row.required("type")?;
        let item = SchemaItem {
            kind: ItemKind::Constraint(constraint_kind(type_name)),
            entity: entity_of(row.string("entitytype"), ""),
            labels: vec![row.required("label")?.to_owned()],
            properties: strings(row.get("properties")),
            options: BTreeMap::new(),
            owned_by_constraint: false,
            name: None,
        };
        if !is_internal(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

fn falkordb_statement(item: &SchemaItem) -> Result<String, String> {
    let pat = pattern(item);
    let on = format!("({})", props(item).join(", "));
    match &item.kind {
        ItemKind::Constraint(_) => Err(
            "FalkorDB creates constraints only with GRAPH.CONSTRAINT CREATE, a Redis command the Cypher-only connection cannot send"
                .into(),
        ),
        ItemKind::Index(IndexKind::Range | IndexKind::Btree) => {
            Ok(format!("CREATE INDEX FOR {pat} ON {on}"))
        }
        ItemKind::Index(IndexKind::Fulltext) => match (item.entity, item.labels.as_slice()) {
            (EntityType::Node, [label]) => {
                let mut config = vec![format!("label: {}", quote(label))];
                if let Some(lang) = item.options.get("language") {
                    config.push(format!("language: {}", quote(lang)));
                }
                if let Some(stop) = item.options.get("stopwords") {
                    let words: Vec<String> = stop
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .split(',')
                        .map(str::trim)
                        .filter(|w| !w.is_empty())
                        .map(quote)
                        .collect();
                    config.push(format!("stopwords: [{}]", words.join(", ")));
                }
                let fields: Vec<String> = item.properties.iter().map(|p| quote(p)).collect();
                Ok(format!(
                    "CALL db.idx.fulltext.createNodeIndex({{{}}}, {})",
                    config.join(", "),
                    fields.join(", ")
                ))
            }
            (EntityType::Relationship, [_]) => {
                Ok(format!("CREATE FULLTEXT INDEX FOR {pat} ON {on}"))
            }
            _ => Err("FalkorDB full-text indexes cover one label or type".into()),
        },
        ItemKind::Index(IndexKind::Vector) => {
            let options: Vec<String> = item
                .options
                .iter()
                .filter_map(|(k, v)| {
                    let key = match k.as_str() {
                        "dimensions" | "dimension" => "dimension",
                        "similarity_function" | "similarityFunction" => "similarityFunction",
                        "M" | "efConstruction" | "efRuntime" => k.as_str(),
                        _ => return None,
                    };
                    Some(format!("{key}: {}", literal(v)))
                })
                .collect();
            Ok(format!(
                "CREATE VECTOR INDEX FOR {pat} ON {on} OPTIONS {{{}}}",
                options.join(", ")
            ))
        }
        ItemKind::Index(kind) => Err(format!("FalkorDB has no {} index", kind.keyword())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falkordb_text_forms_parse_too() {
        let t = falkor_types(
            &["a".into(), "b".into()],
            &Value::String("{a: [RANGE, FULLTEXT], b: [RANGE]}".into()),
        );
        assert_eq!(
            t,
            vec![
                (
                    "a".to_owned(),
                    vec!["RANGE".to_owned(), "FULLTEXT".to_owned()]
                ),
                ("b".to_owned(), vec!["RANGE".to_owned()])
            ]
        );
        assert_eq!(strings(&Value::String("[x, y]".into())), ["x", "y"]);
    }
}
