//! What an import of a dump is checked against: the dump's schema against the target's after
//! the import recreated it.

use super::schema::{self, SchemaSnapshot};
use super::CheckOutcome;
use crate::engine::Dialect;
use crate::kinds::EngineKind;

/// The `schema` outcome of an import: the dump's items (written in the dialect of `from`)
/// against what the target (of `target` dialect) holds now, compared as the `schema` check
/// does, with no allowances.
pub fn schema_outcome(
    from: EngineKind,
    wanted: &SchemaSnapshot,
    now: &SchemaSnapshot,
    target: &Dialect,
) -> CheckOutcome {
    let result = schema::diff(wanted, now, &Dialect::new(from, None), target, &[]);
    schema::outcome(&result)
}
