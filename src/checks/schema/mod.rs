//! The `schema` check: normalized indexes and constraints of both sides, diffed.
//!
//! - [`model`]: the engine-neutral item (kind, entity, labels, properties, options, owner, name).
//! - [`parse`]: reading Neo4j 4.4 / 5.x / 2025.x and FalkorDB schemas into it (rules + sources).
//! - [`diff`]: same / renamed / mapped / missing / extra per item, with declared allowances.

pub mod diff;
pub mod model;
pub mod parse;

pub use diff::{diff, ItemDiff, SchemaDiff, Verdict};
pub use model::{ConstraintKind, EntityType, IndexKind, ItemKind, SchemaItem, SchemaSnapshot};
pub use parse::snapshot;

use super::{CheckError, CheckOutcome};
use crate::engine::GraphConnection;
use crate::scenario::{SchemaChange, SchemaCheck};

pub async fn run(
    spec: &SchemaCheck,
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
) -> Result<CheckOutcome, CheckError> {
    let err = |source| CheckError::Engine {
        check: "schema".into(),
        source,
    };
    let s = snapshot(source).await.map_err(err)?;
    let t = snapshot(target).await.map_err(err)?;
    let result = diff(&s, &t, source.dialect(), target.dialect(), &spec.allow);
    Ok(outcome(&result))
}

/// The check's verdict from a finished diff: a summary line with every count, and one detail
/// line per item that is not the same on both sides.
pub fn outcome(result: &SchemaDiff) -> CheckOutcome {
    let passed = result.passed();
    let failing = result.items.iter().filter(|d| !d.passes()).count();
    let mut summary = format!(
        "{} item(s) on the source, {} on the target: {} same, {} renamed, {} mapped, {} missing, {} extra",
        result.source_items,
        result.target_items,
        result.count(None),
        result.count(Some(SchemaChange::Renamed)),
        result.count(Some(SchemaChange::Mapped)),
        result.count(Some(SchemaChange::Missing)),
        result.count(Some(SchemaChange::Extra)),
    );
    if !passed {
        summary.push_str(&format!(": {failing} difference(s) not allowed"));
    }
    let mut details: Vec<String> = result
        .items
        .iter()
        .filter(|d| d.verdict != Verdict::Same)
        .map(ItemDiff::line)
        .collect();
    details.extend(
        result
            .unused_allows
            .iter()
            .map(|a| format!("note: allowed change not seen: {a}")),
    );
    CheckOutcome {
        check: "schema".into(),
        passed,
        summary,
        details,
    }
}
