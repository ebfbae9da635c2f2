//! The `schema` check: normalized indexes and constraints of both sides, diffed.

use super::{CheckError, CheckOutcome};
use crate::engine::GraphConnection;
use crate::scenario::SchemaCheck;

pub async fn run(
    _spec: &SchemaCheck,
    _source: &dyn GraphConnection,
    _target: &dyn GraphConnection,
) -> Result<CheckOutcome, CheckError> {
    Ok(CheckOutcome {
        check: "schema".into(),
        passed: false,
        summary: "not implemented yet".into(),
        details: vec![],
    })
}
