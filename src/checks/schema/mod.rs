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

use super::{
    AppliedAllowance, CaseContext, CheckData, CheckError, CheckOutcome, Difference, StaleAllowance,
};
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
    // Same definitions are not enough for a vector index: it must find the same entries.
    let mut probes = Vec::new();
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
            probes.push(VectorProbe {
                item: d.item.clone(),
                source_entries: s,
                target_entries: t,
            });
        }
    }
    Ok(outcome_of(
        SchemaData {
            diff: result,
            vector_probes: probes,
        },
        case.fail_on_stale_allowances,
    ))
}

/// The `schema` check's typed data: the diff (both sides' item counts, each item's verdict
/// with the items, stale allowances) and the vector indexes probed for usability.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SchemaData {
    #[serde(flatten)]
    /// The typed diff: both sides' items and each item's verdict.
    pub diff: SchemaDiff,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// The vector indexes probed for usability.
    pub vector_probes: Vec<VectorProbe>,
}

/// A vector index that is the same on both sides, queried on each: usable on both when
/// both find the same number of entries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VectorProbe {
    /// The index, as normalized.
    pub item: SchemaItem,
    /// Entries a vector query through it finds on the source.
    pub source_entries: u64,
    /// Entries it finds on the target.
    pub target_entries: u64,
}

impl VectorProbe {
    /// Whether both sides find the same number of entries.
    pub fn usable(&self) -> bool {
        self.source_entries == self.target_entries
    }
}

impl std::fmt::Display for VectorProbe {
    /// The detail line of an unusable index.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "not usable on target: {}: it answers a vector query over {} vector(s) on the source, {} on the target",
            self.item, self.source_entries, self.target_entries
        )
    }
}

/// How often the vector probe asks both sides while their counts differ, and the pause
/// between (10 x 300 ms: an index of a few thousand nodes is filled well within that).
const PROBE_ATTEMPTS: u32 = 10;
const PROBE_PAUSE: std::time::Duration = std::time::Duration::from_millis(300);

/// The check's verdict from a finished diff, stale allowances reported but not failing.
pub fn outcome(result: &SchemaDiff) -> CheckOutcome {
    outcome_in(result, false)
}

/// [`outcome_of`] for a diff without vector probes.
pub fn outcome_in(result: &SchemaDiff, fail_on_stale: bool) -> CheckOutcome {
    outcome_of(
        SchemaData {
            diff: result.clone(),
            vector_probes: Vec::new(),
        },
        fail_on_stale,
    )
}

/// The check's verdict from a finished diff: a summary line with every count, one detail line
/// per item that is not the same on both sides, one per stale allowance (failing with
/// `fail_on_stale`), one per vector index not usable on the target (failing), and the typed
/// data and differences.
pub fn outcome_of(data: SchemaData, fail_on_stale: bool) -> CheckOutcome {
    let result = &data.diff;
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
    let unusable: Vec<&VectorProbe> = data.vector_probes.iter().filter(|p| !p.usable()).collect();
    if !data.vector_probes.is_empty() {
        summary.push_str(&format!(
            "; {} vector index(es) probed, {} usable on both sides",
            data.vector_probes.len(),
            data.vector_probes.len() - unusable.len()
        ));
    }
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
    details.extend(unusable.iter().map(ToString::to_string));
    let passed = passed && unusable.is_empty();
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
        .with_data(CheckData::Schema(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn vector_index() -> SchemaItem {
        SchemaItem {
            kind: ItemKind::Index(IndexKind::Vector),
            entity: EntityType::Node,
            labels: vec!["Doc".into()],
            properties: vec!["emb".into()],
            options: BTreeMap::new(),
            owned_by_constraint: false,
            name: None,
        }
    }

    #[test]
    fn the_typed_data_carries_the_verdicts_and_probes_and_the_lines_come_from_it() {
        let item = vector_index();
        let data = SchemaData {
            diff: SchemaDiff {
                source_items: 1,
                target_items: 1,
                items: vec![ItemDiff {
                    item: item.clone(),
                    verdict: Verdict::Same,
                    allowed: None,
                    allowance: None,
                }],
                unused_allows: Vec::new(),
            },
            vector_probes: vec![VectorProbe {
                item,
                source_entries: 3,
                target_entries: 0,
            }],
        };
        let o = outcome_of(data, false);
        assert!(!o.passed);
        assert_eq!(o.status, super::super::CheckStatus::Failed);
        assert_eq!(
            o.summary,
            "1 item(s) on the source, 1 on the target: 1 same, 0 renamed, 0 mapped, 0 missing, 0 extra; 1 vector index(es) probed, 0 usable on both sides"
        );
        assert_eq!(
            o.details,
            ["not usable on target: index VECTOR :Doc(emb): it answers a vector query over 3 vector(s) on the source, 0 on the target"]
        );
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["data"]["type"], "schema");
        assert_eq!(json["data"]["source_items"], 1);
        assert_eq!(json["data"]["items"][0]["verdict"]["verdict"], "same");
        assert_eq!(json["data"]["vector_probes"][0]["target_entries"], 0);
    }
}
