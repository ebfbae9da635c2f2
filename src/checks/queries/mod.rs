//! Query compatibility: the scenario's queries on both sides, compared by result, error,
//! notifications, latency and (optionally) a reviewed snapshot.
//!
//! - [`detect`]: `auto` mode: ordered when the final RETURN has a top-level ORDER BY.
//! - [`compare`]: typed equality with an optional float tolerance, multiset and ordered diffs.
//! - [`record`]: one side's rows or error (a rejected statement is a result, not a run failure).
//! - [`classify`]: the outcome class, expectations, detail lines.
//! - [`latency`]: warm-up and timed runs, p50/p99, the p99 ratio threshold.
//! - [`snapshot`]: insta-format `.snap` files of the normalized target result.
//! - [`render`]: the typed text rendering used by diffs and snapshots.

pub mod classify;
pub mod compare;
pub mod detect;
pub mod latency;
pub mod record;
pub mod render;
pub mod snapshot;

use std::path::{Path, PathBuf};

pub use classify::{QueryClass, QueryReport};

use super::{
    CaseContext, CheckData, CheckError, CheckKind, CheckOutcome, Difference, QueriesData,
    QueryData, QueryShape,
};
use crate::engine::{GraphConnection, Query};
use crate::scenario::{validate_queries, ComparisonMode, PairVersions, QuerySpec, Scenario, Side};

/// Where snapshots live and whether to rewrite them.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The scenario's name: the first part of snapshot file names.
    pub scenario: String,
    /// The scenario file's name, recorded in snapshot headers.
    pub scenario_file: String,
    /// `<scenario dir>/snapshots`; `None` means queries with `snapshot: true` fail with a
    /// message (there is nowhere to compare with).
    pub snapshot_dir: Option<PathBuf>,
    /// Write missing or different snapshots instead of failing (`--update-snapshots`).
    pub update_snapshots: bool,
    /// The servers' reported versions, which `allow: - when:` is matched against; `None`: the
    /// connections' versions (their dialects).
    pub versions: Option<PairVersions>,
    /// The scenario's `fail_on_stale_allowances`.
    pub fail_on_stale_allowances: bool,
}

impl Settings {
    /// The settings for a loaded scenario: snapshots next to the scenario file.
    pub fn for_scenario(scenario: &Scenario, update_snapshots: bool) -> Self {
        let dir = scenario.path.parent().unwrap_or(Path::new("."));
        Settings {
            scenario: scenario.name().to_owned(),
            scenario_file: scenario
                .path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            snapshot_dir: Some(dir.join("snapshots")),
            update_snapshots,
            versions: None,
            fail_on_stale_allowances: scenario.file.fail_on_stale_allowances,
        }
    }
}

/// All queries of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct QueriesReport {
    /// Static problems of the suite (duplicate names, ...); when present nothing ran.
    pub invalid: Vec<String>,
    pub queries: Vec<QueryReport>,
}

impl QueriesReport {
    pub fn passed(&self) -> bool {
        self.invalid.is_empty() && self.queries.iter().all(QueryReport::passed)
    }

    /// The check outcome: a summary with counts per class, one detail block per query.
    pub fn outcome(&self) -> CheckOutcome {
        if !self.invalid.is_empty() {
            return CheckOutcome::new(
                CheckKind::Queries,
                false,
                format!(
                    "invalid query suite: {} problem(s); nothing ran",
                    self.invalid.len()
                ),
                self.invalid.clone(),
            )
            .with_data(CheckData::Queries(self.data()));
        }
        let mut counts: Vec<(QueryClass, usize)> = Vec::new();
        for q in &self.queries {
            match counts.iter_mut().find(|(c, _)| *c == q.class) {
                Some((_, n)) => *n += 1,
                None => counts.push((q.class, 1)),
            }
        }
        let failed = self.queries.iter().filter(|q| !q.passed()).count();
        let classes: Vec<String> = counts
            .iter()
            .map(|(c, n)| format!("{n} {}", c.label()))
            .collect();
        let latency: Vec<String> = self
            .queries
            .iter()
            .filter_map(|q| {
                q.latency
                    .map(|l| format!("{} p99 ratio {:.2}", q.name, l.p99_ratio))
            })
            .collect();
        let rounded = self
            .queries
            .iter()
            .filter(|q| q.float_digits.is_some())
            .count();
        let allowed = self
            .queries
            .iter()
            .filter(|q| q.allowed_by.is_some())
            .count();
        let stale: Vec<super::StaleAllowance> = self
            .queries
            .iter()
            .flat_map(|q| q.stale_allowances.iter().cloned())
            .collect();
        let summary = format!(
            "{} quer{} on both sides: {}{}{}{}{}{}",
            self.queries.len(),
            if self.queries.len() == 1 { "y" } else { "ies" },
            if classes.is_empty() {
                "none".to_string()
            } else {
                classes.join(", ")
            },
            if latency.is_empty() {
                String::new()
            } else {
                format!("; latency: {}", latency.join(", "))
            },
            if rounded > 0 {
                format!("; {rounded} with floats compared to 15 significant digits only (FalkorDB replies)")
            } else {
                String::new()
            },
            if allowed > 0 {
                format!("; {allowed} allowed by the scenario")
            } else {
                String::new()
            },
            if stale.is_empty() {
                String::new()
            } else {
                format!("; {} stale allowance(s)", stale.len())
            },
            if failed > 0 {
                format!("; {failed} failed")
            } else {
                String::new()
            }
        );
        let differences = self
            .queries
            .iter()
            .filter_map(|q| {
                Some(Difference {
                    subject: format!("query {}", q.name),
                    kind: q.class.difference_kind()?.to_owned(),
                    query: Some(QueryShape {
                        cypher: q.cypher.clone(),
                        source_columns: q.columns.0.clone(),
                        target_columns: q.columns.1.clone(),
                    }),
                    allowed: q.allowed_by.clone(),
                })
            })
            .collect();
        CheckOutcome::new(
            CheckKind::Queries,
            self.passed(),
            summary,
            self.queries
                .iter()
                .flat_map(|q| q.details.iter().cloned())
                .collect(),
        )
        .with_data(CheckData::Queries(self.data()))
        .with_differences(differences, stale)
    }

    /// The typed data reports render: per query its text, columns, class, errors,
    /// deprecations, row differences (bounded) and latency.
    pub fn data(&self) -> QueriesData {
        const MAX_ROWS: usize = 20;
        QueriesData {
            invalid: self.invalid.clone(),
            queries: self
                .queries
                .iter()
                .map(|q| QueryData {
                    name: q.name.clone(),
                    cypher: q.cypher.clone(),
                    source_columns: q.columns.0.clone(),
                    target_columns: q.columns.1.clone(),
                    class: q.class,
                    passed: q.passed(),
                    source_rows: q.source.rows,
                    target_rows: q.target.rows,
                    source_error: q.source.error.as_ref().map(|e| e.describe()),
                    target_error: q.target.error.as_ref().map(|e| e.describe()),
                    new_deprecations: q
                        .new_deprecations
                        .iter()
                        .map(|n| format!("{}: {}", n.code, n.title))
                        .collect(),
                    row_differences: q
                        .diff
                        .iter()
                        .flat_map(|d| {
                            let only = |side: &'static str, rows: &'_ [String]| {
                                rows.iter()
                                    .map(move |r| format!("only on the {side}: {r}"))
                                    .collect::<Vec<_>>()
                            };
                            only("source", &d.only_source)
                                .into_iter()
                                .chain(only("target", &d.only_target))
                        })
                        .take(MAX_ROWS)
                        .collect(),
                    failures: q.failures.clone(),
                    latency: q.latency,
                })
                .collect(),
        }
    }
}

/// Runs every query on both sides and returns the check outcome.
pub async fn run(
    queries: &[QuerySpec],
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
    settings: &Settings,
) -> Result<CheckOutcome, CheckError> {
    Ok(run_detailed(queries, source, target, settings)
        .await?
        .outcome())
}

/// Runs every query on both sides (source first, then target, one at a time so timings do not
/// disturb each other) and returns the structured report.
pub async fn run_detailed(
    queries: &[QuerySpec],
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
    settings: &Settings,
) -> Result<QueriesReport, CheckError> {
    let invalid = validate_queries(queries);
    if !invalid.is_empty() {
        return Ok(QueriesReport {
            invalid,
            queries: Vec::new(),
        });
    }
    let case = CaseContext {
        versions: settings
            .versions
            .clone()
            .unwrap_or_else(|| CaseContext::of(source, target).versions),
        fail_on_stale_allowances: settings.fail_on_stale_allowances,
    };
    let mut reports = Vec::with_capacity(queries.len());
    for spec in queries {
        reports.push(run_one(spec, source, target, settings, &case).await?);
    }
    Ok(QueriesReport {
        invalid: Vec::new(),
        queries: reports,
    })
}

async fn run_one(
    spec: &QuerySpec,
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
    settings: &Settings,
    case: &CaseContext,
) -> Result<QueryReport, CheckError> {
    let params = spec.param_values();
    let query_for = |side: Side| Query {
        text: spec.text_for(side),
        params: params.clone(),
    };
    let (source_query, target_query) = (query_for(Side::Source), query_for(Side::Target));
    let mode = detect::resolve_mode(spec.mode, &spec.cypher);
    let s = record::execute(source, &source_query).await?;
    let t = record::execute(target, &target_query).await?;
    let mut report = classify::evaluate_in(spec, mode, &s, &t, case);
    report.note_rounded_floats(
        spec.float_tolerance,
        &s,
        &t,
        (
            source.dialect().reply_float_digits(),
            target.dialect().reply_float_digits(),
        ),
    );

    if let Some(l) = &spec.latency {
        let st = latency::measure(source, &source_query, l.warmup, l.runs).await?;
        let tt = latency::measure(target, &target_query, l.warmup, l.runs).await?;
        report.add_latency(latency::assess(&st, &tt, l.max_p99_ratio));
    }

    if spec.snapshot && mode != ComparisonMode::None {
        let status = match &settings.snapshot_dir {
            Some(dir) => {
                let path = snapshot::path(dir, &settings.scenario, &spec.name);
                let body = snapshot::normalized(mode, &t.outcome);
                snapshot::check(
                    &path,
                    &settings.scenario_file,
                    &spec.cypher,
                    &body,
                    settings.update_snapshots,
                )
            }
            None => snapshot::SnapshotStatus::Unwritable {
                path: format!("{}__{}.snap", settings.scenario, spec.name),
                error: "no snapshot directory (the caller gave no scenario location)".into(),
            },
        };
        report.add_snapshot(status);
    }
    Ok(report)
}
