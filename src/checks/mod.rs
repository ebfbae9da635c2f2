//! Checks: what must hold between source and target after a transfer.
//!
//! - [`capabilities`]: what a transfer could not store on its target, as a failed check.
//! - [`counts`]: node counts per label, relationship counts per type (and optional expectations).
//! - [`content`]: content identity of every node and relationship, with exact diffs.
//! - [`import`]: a dump's schema against the target's after an import recreated it.
//! - [`schema`]: indexes and constraints, normalized across versions, diffed.
//! - [`queries`]: the scenario's queries on both sides: results, errors, latency.
//! - [`migrations`]: the team's migration scripts on each server: applies, dry run,
//!   idempotent, reversible, history, same on both.
//! - [`rollback`]: a restored pre-upgrade backup against the pre-upgrade source; the refused
//!   downgrade (native upgrades, `rollback: true`).

pub mod capabilities;
pub mod content;
pub mod counts;
pub mod import;
pub mod migrations;
mod outcome;
pub mod queries;
pub mod rollback;
pub mod schema;

pub use outcome::{
    AppliedAllowance, CapabilitiesData, CapabilityEffect, CapabilityFinding, CaseContext,
    CheckData, CheckError, CheckKind, CheckOutcome, CheckStatus, ContentDiff, ContentDifference,
    ContentNode, ContentRelationship, CountDifference, CountsDiff, Difference, MigrationData,
    QueriesData,
    QueryData, QueryShape, StaleAllowance, UnmetExpectation,
};

use crate::engine::GraphConnection;
use crate::scenario::Check;

/// Runs one declared check against both sides; `when:` scopes see the connections' versions.
pub async fn run_check(
    check: &Check,
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
    batch_size: u64,
) -> Result<CheckOutcome, CheckError> {
    let case = CaseContext::of(source, target);
    run_check_in(check, source, target, batch_size, &case).await
}

/// Runs one declared check against both sides of a case (reported versions, scenario switches).
pub async fn run_check_in(
    check: &Check,
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
    batch_size: u64,
    case: &CaseContext,
) -> Result<CheckOutcome, CheckError> {
    match check {
        Check::Counts(spec) => counts::run(spec, source, target).await,
        Check::ContentHash(spec) => content::run(spec, source, target, batch_size).await,
        Check::Schema(spec) => schema::run(spec, source, target, case).await,
    }
}
