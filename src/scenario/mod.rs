//! The scenario file format (YAML): what to start, what to seed, how to move the data and what
//! to check. Parsing and static validation only; nothing here touches a server.

mod allow_spec;
mod error;
mod load;
mod model;
mod query_spec;
mod schema_spec;

pub use error::ScenarioError;
pub use load::{discover, duplicate_names, load_file, parse_str};
pub use model::*;

/// The JSON Schema (draft 2020-12) of a scenario file, generated from the serde types that
/// read it, pretty-printed with a final newline: what `migration-harness schema` prints and
/// docs/scenario.schema.json holds. The loader stays stricter than the schema where a rule
/// spans fields (e.g. `allow: expect:` only with `different_results`).
pub fn json_schema_text() -> String {
    let schema = schemars::schema_for!(ScenarioFile);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
