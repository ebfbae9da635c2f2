//! One test per case (scenario file under `scenarios/` x version pair of its `matrix:`), named
//! like the CLI's cases (`quickstart[falkordb-4.16.3->falkordb-4.18.3]`) and run end to end as
//! `migration-harness run <file> --filter <case>` would. `cargo test --test scenario_files --
//! --list` shows them; `-- quickstart` filters; `MH_VERSIONS=4.16.3:4.18.3` replaces the pairs.
//! FalkorDB cases must run (the CI engine); Neo4j cases whose images are not available are
//! reported as skipped with the reason.

mod support;

use libtest_mimic::Arguments;

fn main() {
    let args = Arguments::from_args();
    let trials = support::scenario_trials(&args, &support::repo_path("scenarios"));
    libtest_mimic::run(&args, trials).exit();
}
