//! Scenario syntax of query suites (`queries:`), run on both sides after the transfer.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One query run on both sides.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuerySpec {
    pub name: String,
    pub cypher: String,
    #[serde(default)]
    pub params: BTreeMap<String, serde_json::Value>,
}
