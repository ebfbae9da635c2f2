//! One test per case (scenario file under `scenarios/` x version pair of its `matrix:`), named
//! like the CLI's cases (`scenario_files::quickstart[falkordb-4.16.3->falkordb-4.18.3]`) and run end to end as
//! `migration-harness run <file> --filter <case>` would. `cargo test --test trials --
//! scenario_files:: --list` shows them; `-- quickstart` filters; `MH_VERSIONS=4.16.3:4.18.3` replaces the pairs.
//! FalkorDB cases must run (the CI engine); Neo4j cases whose images are not available are
//! reported as skipped with the reason.

use libtest_mimic::Trial;

use crate::support;

/// One trial per case, `scenario_files::<case>`.
pub fn trials() -> Vec<Trial> {
    support::scenario_trials("scenario_files", &support::repo_path("scenarios"))
}
