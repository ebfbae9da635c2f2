//! Scenario syntax of the `schema` check (`checks: - schema: {expect: equal, allow: [...]}`).

use serde::Deserialize;

/// Compare the normalized indexes and constraints of source and target.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaCheck {
    #[serde(default)]
    pub expect: SchemaExpectation,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemaExpectation {
    /// Every item must be the same on both sides, or an allowed change.
    #[default]
    Equal,
}
