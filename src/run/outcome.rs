//! What a case produces: its verdict, its outcome (checks, timings, servers) and why a run
//! could not complete. A leaf of `run`: the runner, the native strategies and the reporters
//! read it, and it reads none of them.

use std::time::Duration;

use super::timing::{round, StepTiming};
use crate::checks::{CheckError, CheckOutcome};
use crate::engine::{EngineError, Server};
use crate::transfer::TransferError;

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check passed.
    Pass,
    /// The run completed and at least one check failed.
    Fail,
    /// The run could not complete (a server, a statement or the transfer failed).
    Error,
    /// The case did not run (`--fail-fast` after an earlier failure).
    Skipped,
}

impl Verdict {
    /// The one word every report uses for it: `pass`, `fail`, `error`, `skipped` (upper-cased
    /// where a report shouts it).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Skipped => "skipped",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `2026-12-01T08:07:38.123Z` (RFC 3339, UTC, milliseconds).
fn rfc3339<S: serde::Serializer>(
    at: &Option<chrono::DateTime<chrono::Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => s.serialize_str(&at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        None => s.serialize_none(),
    }
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round(*d))
}

/// Everything a reporter needs about one finished scenario.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScenarioOutcome {
    /// The scenario's name.
    pub scenario: String,
    /// The case name, `scenario[engine-version->engine-version]`.
    pub case: String,
    /// `falkordb 4.16.3`
    pub source: String,
    /// `falkordb 4.18.3`
    pub target: String,
    /// Intermediate versions of a chained upgrade, in order.
    pub hops: Vec<String>,
    /// How the data moved (e.g. `logical copy`, `native upgrade`).
    pub path: String,
    /// The case's verdict.
    pub verdict: Verdict,
    /// Every check's outcome, in order.
    pub checks: Vec<CheckOutcome>,
    /// Why the run stopped, for `Verdict::Error`.
    pub error: Option<String>,
    /// Each finished step and how long it took, in the order they ran.
    pub timings: Vec<StepTiming>,
    /// Every server of the case as it reported itself (empty when none started).
    pub servers: Vec<ServerReport>,
    /// When the case started (`None`: it did not run).
    #[serde(serialize_with = "rfc3339")]
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The case's wall time, server start included (`elapsed_seconds` in JSON).
    #[serde(rename = "elapsed_seconds", serialize_with = "seconds")]
    pub elapsed: Duration,
}

/// One server of a case: what was asked for and what the server itself reported.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ServerReport {
    /// `source`, `target`, or `hop`.
    pub role: String,
    /// The engine (`neo4j` or `falkordb`).
    pub engine: String,
    /// The version the scenario asked for (`5.26`).
    pub requested: String,
    /// The version the server reported (`5.26.19`: `dbms.components()`, `MODULE LIST`).
    pub version: String,
    /// The edition (Neo4j `community` or `enterprise`), when the engine has editions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// `docker`, `process`, or `endpoint` for a server the harness did not start.
    pub launcher: String,
}

impl ServerReport {
    pub(super) fn of(server: &Server, role: &str) -> Self {
        ServerReport {
            role: role.to_owned(),
            engine: server.request.engine.to_string(),
            requested: server.request.version.clone(),
            version: server.info.version.clone(),
            edition: server.info.edition.clone(),
            launcher: server.launcher.unwrap_or("endpoint").to_owned(),
        }
    }
}

impl ScenarioOutcome {
    /// The case name, or the scenario name for an outcome built without one.
    pub fn name(&self) -> &str {
        if self.case.is_empty() {
            &self.scenario
        } else {
            &self.case
        }
    }

    /// `falkordb-4.16.3->falkordb-4.18.3`, the matrix column of this case.
    pub fn pair(&self) -> String {
        format!(
            "{}->{}",
            self.source.replace(' ', "-"),
            self.target.replace(' ', "-")
        )
    }
}

/// Why a run could not complete.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("failed to seed {server}: statement at {origin} failed")]
    Fixture {
        server: String,
        origin: String,
        #[source]
        source: EngineError,
    },
    #[error("failed to prepare {server}: {message}")]
    Refused { server: String, message: String },
    /// The mover's error is shown with its whole cause chain (the server and query that
    /// failed), followed by what an external target now holds.
    #[error(
        "failed to transfer from {source_server} to {target_server}: {chain}{state}",
        chain = crate::io_error::error_chain(.error)
    )]
    Transfer {
        source_server: String,
        target_server: String,
        error: TransferError,
        /// What an external target holds now (empty for the harness's own servers).
        state: String,
    },
    #[error(transparent)]
    Check(#[from] CheckError),
}
