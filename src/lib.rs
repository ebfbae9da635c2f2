//! neo4j-migration-harness: tells a team, before they bump a graph database version, exactly
//! what the upgrade will break.
//!
//! The library API is the small facade at the crate root:
//! - running scenarios: [`Harness`], its [`HarnessOutcome`] and [`HarnessError`], the
//!   [`Case`]s (scenario x [`VersionPair`]) and [`RunOptions`];
//! - scenario files: [`Scenario`], [`load_file`], [`ScenarioError`];
//! - outcomes: [`ScenarioOutcome`] with its [`Verdict`], [`ServerReport`]s and
//!   [`CheckOutcome`]s ([`CheckKind`], [`CheckStatus`], [`CheckData`], [`Difference`], ...);
//! - live events: [`Event`], [`EventSink`], [`NoEvents`];
//! - report files: [`write_json`], [`write_junit`], [`write_markdown`], [`write_html`];
//! - the connection trait: [`GraphConnection`], [`Query`], [`QueryResult`], [`Value`],
//!   [`EngineError`].
//!
//! Everything else is crate-private. The `internals` Cargo feature makes the internal modules
//! public (hidden from these docs) for the project's own tests and benches only; it is not a
//! stable API. Layout of the internals (one job per module; see docs/ARCHITECTURE.md):
//! `scenario` (the YAML format), `cypher` (Cypher text without a server), `migrations` (a
//! team's migration scripts), `engine` (starting or reaching servers), `graph` (reading a whole
//! graph), `transfer` (data movers), `checks` (what is compared), `run` (orchestration),
//! `report` (terminal output and files), `value` (the typed value model), `kinds` (the plain
//! kinds every layer names), `cli` (the binary's commands).

// Unsafe code is denied; the one audited exception is `graph::id_table`'s read-only memory
// map of its own unnamed temporary file.
#![deny(unsafe_code)]
#![warn(missing_docs)]

/// Declares internal modules: public but hidden with the `internals` feature (the project's own
/// tests and benches), private otherwise.
macro_rules! internal_modules {
    ($($name:ident),* $(,)?) => {
        $(
            #[cfg(feature = "internals")]
            #[doc(hidden)]
            pub mod $name;
            // Items only the project's tests and benches use (through `internals`) are unused
            // in a plain build; they were public, never linted as dead, before the facade.
            #[cfg(not(feature = "internals"))]
            #[allow(dead_code, unused_imports)]
            mod $name;
        )*
    };
}

internal_modules!(
    checks, cypher, engine, graph, io_error, kinds, migrations, report, run, scenario, transfer,
    value,
);

mod cli;

pub use checks::counts::GraphCounts;
pub use checks::queries::latency::{LatencyReport, LatencyStats};
pub use checks::queries::QueryClass;
pub use checks::rollback::{DowngradeData, RecordedState, RollbackData};
pub use checks::schema::{SchemaData, VectorProbe};
pub use checks::{
    AppliedAllowance, CapabilitiesData, CapabilityEffect, CapabilityFinding, CheckData, CheckKind,
    CheckOutcome, CheckStatus, ContentDiff, ContentDifference, ContentNode, ContentRelationship,
    CountDifference, CountsDiff, Difference, QueriesData, QueryData, QueryShape, StaleAllowance,
    UnmetExpectation,
};
pub use engine::request::{Edition, ServerRequest, ServerRole};
pub use engine::{EngineError, GraphConnection, Notification, Query, QueryResult, ServerInfo};
pub use kinds::{EngineKind, LauncherKind};
pub use run::events::NoEvents;
pub use run::{
    Case, Event, EventSink, Harness, HarnessError, HarnessOutcome, MatrixError, RunOptions,
    ScenarioOutcome, ServerReport, Step, StepTiming, Verdict, VersionPair,
};
pub use scenario::{load_file, Scenario, ScenarioError};
pub use value::{Node, Point, Relationship, Value, Zone};

/// Writes a self-contained HTML page (matrix grid, check details, latency charts); atomically.
pub use report::html::write as write_html;
/// Writes the JSON report (the format `migration-harness run --json` writes), atomically.
pub use report::json::write as write_json;
/// Writes a JUnit XML report, one test case per case, for CI test views; atomically.
pub use report::junit::write as write_junit;
/// Writes a Markdown summary table (for `$GITHUB_STEP_SUMMARY` and pull requests); atomically.
pub use report::markdown::write as write_markdown;

/// The `migration-harness` binary's entry point (argument parsing, commands, exit codes); the
/// binary is a shim that calls it. Not part of the library API.
#[doc(hidden)]
pub fn cli_main() -> std::process::ExitCode {
    cli::main()
}
