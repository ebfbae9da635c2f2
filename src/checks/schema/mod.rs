//! The `schema` check: normalized indexes and constraints of both sides, diffed.
//!
//! The engine-neutral item and reading it from a server live in [`crate::engine::schema`]
//! (re-exported here for the check's users).
//!
//! - [`diff`]: same / renamed / mapped / missing / extra per item, with declared allowances.
//! - [`usable`]: a vector index that is the same on both sides must also be usable on both
//!   (the same number of entries found through it).

pub mod diff;
pub mod usable;

pub use crate::engine::schema::{
    snapshot, ConstraintKind, EntityType, IndexKind, ItemKind, SchemaItem, SchemaSnapshot,
};
pub use diff::{diff, ItemDiff, SchemaDiff, Verdict};

use super::{AppliedAllowance, CaseContext, CheckError, CheckOutcome, Difference, StaleAllowance};
use crate::engine::GraphConnection;
use crate::scenario::{AllowedSchemaChange, SchemaChange, SchemaCheck};

/// Diffs both sides' schemas; `allow:` entries whose `when:` does not hold for the case's
/// versions are left out (neither used nor stale).
pub async fn run(
    spec: &SchemaCheck,
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
    case: &CaseContext,
) -> Result<CheckOutcome, CheckError> {
    let err = |source| CheckError::Engine {
        check: "schema".into(),
        source,
    };
    let s = snapshot(source).await.map_err(err)?;
    let t = snapshot(target).await.map_err(err)?;
    let applicable: Vec<AllowedSchemaChange> = spec
        .allow
        .iter()
        .filter(|a| a.applies_to(&case.versions))
        .cloned()
        .collect();
    let result = diff(&s, &t, source.dialect(), target.dialect(), &applicable);
    let mut outcome = outcome_in(&result, case.fail_on_stale_allowances);
    // Same definitions are not enough for a vector index: it must find the same entries.
    let mut probed = Vec::new();
    for d in result.items.iter().filter(|d| {
        matches!(d.verdict, Verdict::Same | Verdict::Renamed { .. })
            && usable::probed(&d.item, source.dialect().engine)
            && usable::probed(&d.item, target.dialect().engine)
    }) {
        // An index created over existing nodes is filled in the background (FalkorDB), so a
        // probe right after a seed or a copy can count a partial index on either side: ask
        // again for a bounded time while the two differ; a difference that stays is reported.
        let mut attempt = 0;
        let (s, t) = loop {
            let (s, t) = futures::try_join!(
                usable::entries(source, &d.item),
                usable::entries(target, &d.item)
            )
            .map_err(err)?;
            attempt += 1;
            if s == t || attempt >= PROBE_ATTEMPTS {
                break (s, t);
            }
            tokio::time::sleep(PROBE_PAUSE).await;
        };
        if let (Some(s), Some(t)) = (s, t) {
            probed.push((d.item.to_string(), s, t));
        }
    }
    if !probed.is_empty() {
        let unusable: Vec<String> = probed
            .iter()
            .filter(|(_, s, t)| s != t)
            .map(|(item, s, t)| {
                format!("not usable on target: {item}: a vector query through it finds {s} entries on the source, {t} on the target")
            })
            .collect();
        // After the counts ("... N extra"), before any verdict suffix.
        let note = format!(
            "; {} vector index(es) probed, {} usable on both sides",
            probed.len(),
            probed.len() - unusable.len()
        );
        let at = outcome
            .summary
            .find(" extra")
            .map_or(outcome.summary.len(), |i| i + " extra".len());
        outcome.summary.insert_str(at, &note);
        if !unusable.is_empty() {
            outcome.passed = false;
            outcome.status = super::CheckStatus::Failed;
            outcome.details.extend(unusable);
        }
    }
    Ok(outcome)
}

/// How often the vector probe asks both sides while their counts differ, and the pause
/// between (10 x 300 ms: an index of a few thousand nodes is filled well within that).
const PROBE_ATTEMPTS: u32 = 10;
const PROBE_PAUSE: std::time::Duration = std::time::Duration::from_millis(300);

/// The check's verdict from a finished diff, stale allowances reported but not failing.
pub fn outcome(result: &SchemaDiff) -> CheckOutcome {
    outcome_in(result, false)
}

/// The check's verdict from a finished diff: a summary line with every count, one detail line
/// per item that is not the same on both sides, one per stale allowance (failing with
/// `fail_on_stale`), and the typed differences.
pub fn outcome_in(result: &SchemaDiff, fail_on_stale: bool) -> CheckOutcome {
    let stale: Vec<StaleAllowance> = result
        .unused_allows
        .iter()
        .map(|a| StaleAllowance {
            owner: "schema".into(),
            allowance: a.clone(),
            fails: fail_on_stale,
        })
        .collect();
    let stale_fails = fail_on_stale && !stale.is_empty();
    let passed = result.passed() && !stale_fails;
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
    let allowed = result
        .items
        .iter()
        .filter(|d| d.allowance.is_some())
        .count();
    if allowed > 0 {
        summary.push_str(&format!("; {allowed} allowed by the scenario"));
    }
    if !stale.is_empty() {
        summary.push_str(&format!("; {} stale allowance(s)", stale.len()));
    }
    if failing > 0 {
        summary.push_str(&format!(": {failing} difference(s) not allowed"));
    } else if !passed {
        summary.push_str(": stale allowances fail (fail_on_stale_allowances)");
    }
    let mut details: Vec<String> = result
        .items
        .iter()
        .filter(|d| d.verdict != Verdict::Same)
        .map(ItemDiff::line)
        .collect();
    details.extend(stale.iter().map(StaleAllowance::line));
    let differences = result
        .items
        .iter()
        .filter_map(|d| {
            Some(Difference {
                subject: d.item.to_string(),
                kind: d.verdict.change()?.to_string(),
                query: None,
                allowed: d.allowance.as_ref().map(|a| AppliedAllowance {
                    allowance: a.clone(),
                    reason: d.allowed.clone(),
                }),
            })
        })
        .collect();
    CheckOutcome::new(super::CheckKind::Schema, passed, summary, details)
        .with_differences(differences, stale)
}
