//! One test per scenario file under `scenarios/`, run end to end exactly as
//! `migration-harness run <file>` would (`cargo test --test scenario_files -- --list` shows them).
//! FalkorDB scenarios must run (the CI engine); Neo4j scenarios whose images are not available
//! are reported as skipped with the reason.

mod support;

use libtest_mimic::Arguments;

fn main() {
    let args = Arguments::from_args();
    let trials = support::scenario_trials(&args, &support::repo_path("scenarios"));
    libtest_mimic::run(&args, trials).exit();
}
