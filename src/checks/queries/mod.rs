//! Query compatibility: the scenario's queries on both sides, compared.

use super::{CheckError, CheckOutcome};
use crate::engine::GraphConnection;
use crate::scenario::QuerySpec;

pub async fn run(
    _queries: &[QuerySpec],
    _source: &dyn GraphConnection,
    _target: &dyn GraphConnection,
) -> Result<CheckOutcome, CheckError> {
    Ok(CheckOutcome {
        check: "queries".into(),
        passed: false,
        summary: "not implemented yet".into(),
        details: vec![],
    })
}
