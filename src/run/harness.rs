//! A small builder for people who write their own Rust tests around scenario files.
//!
//! ```no_run
//! use migration_harness::{Harness, Verdict};
//!
//! # async fn example() -> Result<(), migration_harness::HarnessError> {
//! let outcome = Harness::scenario("scenarios/quickstart.yaml")
//!     .versions("4.14.11:4.18.3,4.16.3:4.18.3")? // optional: replaces the file's pairs
//!     .jobs(2)
//!     .run()
//!     .await?;
//! for case in &outcome.cases {
//!     assert_eq!(case.verdict, Verdict::Pass, "{}: {:?}", case.case, case.error);
//! }
//! // e.g. with insta: insta::assert_yaml_snapshot!(outcome.cases[0].checks);
//! assert!(outcome.passed());
//! # Ok(()) }
//! ```

use std::path::PathBuf;

use super::matrix::{self, Case, MatrixError, VersionPair};
use super::{run_cases, EventSink, RunOptions, RunnerSettings, ScenarioOutcome, Verdict};
use crate::scenario::{self, ScenarioError};

/// Why a [`Harness`] could not run; nothing was started.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A scenario file could not be read or is invalid.
    #[error(transparent)]
    Scenario(Box<ScenarioError>),
    /// The version pairs or cases could not be built.
    #[error(transparent)]
    Matrix(Box<MatrixError>),
    /// Nothing to run.
    #[error("no case to run (no scenario file found, or the filter matched nothing)")]
    NoCases,
}

impl From<ScenarioError> for HarnessError {
    fn from(e: ScenarioError) -> Self {
        HarnessError::Scenario(Box::new(e))
    }
}

impl From<MatrixError> for HarnessError {
    fn from(e: MatrixError) -> Self {
        HarnessError::Matrix(Box::new(e))
    }
}

/// Scenario files (or directories), optional version overrides, and how to run them.
#[derive(Debug, Clone, Default)]
pub struct Harness {
    paths: Vec<PathBuf>,
    versions: Vec<VersionPair>,
    filter: Option<String>,
    options: RunOptions,
    settings: RunnerSettings,
}

/// The outcome of every case, in case order.
#[derive(Debug, Clone)]
pub struct HarnessOutcome {
    /// One outcome per case, in the order the cases were listed.
    pub cases: Vec<ScenarioOutcome>,
}

impl HarnessOutcome {
    /// True when every case passed.
    pub fn passed(&self) -> bool {
        self.cases.iter().all(|c| c.verdict == Verdict::Pass)
    }

    /// The outcome of the case with this name.
    pub fn case(&self, name: &str) -> Option<&ScenarioOutcome> {
        self.cases.iter().find(|c| c.case == name)
    }
}

impl Harness {
    /// Starts a builder for one scenario file or a directory of them.
    pub fn scenario(path: impl Into<PathBuf>) -> Self {
        Harness {
            paths: vec![path.into()],
            ..Harness::default()
        }
    }

    /// Adds another scenario file or directory.
    pub fn and_scenario(mut self, path: impl Into<PathBuf>) -> Self {
        self.paths.push(path.into());
        self
    }

    /// Replaces every scenario's version pairs: `"4.14.11:4.18.3,4.16.3:4.18.3"`.
    pub fn versions(mut self, pairs: &str) -> Result<Self, HarnessError> {
        self.versions = matrix::parse_pairs(pairs)?;
        Ok(self)
    }

    /// Adds one version pair override.
    pub fn version_pair(mut self, source: &str, target: &str) -> Self {
        self.versions.push(VersionPair {
            source: source.to_owned(),
            target: target.to_owned(),
        });
        self
    }

    /// Keeps only cases whose name contains `filter`.
    pub fn filter(mut self, filter: &str) -> Self {
        self.filter = Some(filter.to_owned());
        self
    }

    /// At most `n` cases at a time.
    pub fn jobs(mut self, n: usize) -> Self {
        self.settings.jobs = n;
        self
    }

    /// Reuse servers across cases (on by default).
    pub fn reuse_servers(mut self, reuse: bool) -> Self {
        self.settings.reuse = reuse;
        self
    }

    /// Whether copies into a new FalkorDB graph may use its `GRAPH.BULK` loader (on by
    /// default; the CLI's `--graph-bulk` / `MH_GRAPH_BULK`).
    pub fn graph_bulk(mut self, on: bool) -> Self {
        self.options.no_graph_bulk = !on;
        self
    }

    /// The limit of one statement on every connection (the CLI's `--query-timeout` /
    /// `MH_QUERY_TIMEOUT`; 600 s by default).
    pub fn query_timeout(mut self, limit: std::time::Duration) -> Self {
        self.options.query_timeout = Some(limit);
        self
    }

    /// The maximum heap of process-launched Neo4j servers, e.g. `"2g"` (the CLI's
    /// `--neo4j-heap` / `MH_NEO4J_HEAP`; 768m by default).
    pub fn neo4j_heap(mut self, heap: &str) -> Self {
        self.options.neo4j_heap = Some(heap.to_owned());
        self
    }

    /// Server overrides (endpoints, timeouts, `no_pull`, ...).
    pub fn options(mut self, options: RunOptions) -> Self {
        self.options = options;
        self
    }

    /// Loads the scenarios and expands them into cases; starts nothing.
    pub fn cases(&self) -> Result<Vec<Case>, HarnessError> {
        let mut scenarios = Vec::new();
        for file in scenario::discover(&self.paths)? {
            scenarios.push(scenario::load_file(&file)?);
        }
        let cases = matrix::expand(&scenarios, &self.options, &self.versions)?;
        let cases = matrix::select(cases, self.filter.as_deref(), None);
        if cases.is_empty() {
            return Err(HarnessError::NoCases);
        }
        Ok(cases)
    }

    /// Runs every case, without reporting events.
    pub async fn run(&self) -> Result<HarnessOutcome, HarnessError> {
        self.run_with(&super::events::NoEvents).await
    }

    /// Runs every case, reporting events to `sink` (e.g. a `TerminalReporter`).
    pub async fn run_with(&self, sink: &dyn EventSink) -> Result<HarnessOutcome, HarnessError> {
        let cases = self.cases()?;
        Ok(HarnessOutcome {
            cases: run_cases(&cases, &self.options, &self.settings, sink).await,
        })
    }
}
