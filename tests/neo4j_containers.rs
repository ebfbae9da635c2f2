//! The Neo4j container suite: every `tests/neo4j/*.yaml` scenario runs end to end through the
//! real code path (testcontainers + neo4rs). A case whose image is neither local nor pullable
//! is reported as skipped, with the reason, never passed: on a machine without a registry the
//! output says `skipped: image neo4j:5.26 not available (...)` and the case shows as ignored.
//! Set `MH_NO_PULL=1` to skip the pull attempt.

mod support;

use libtest_mimic::Arguments;

fn main() {
    let args = Arguments::from_args();
    let trials = support::scenario_trials(&args, &support::repo_path("tests/neo4j"));
    libtest_mimic::run(&args, trials).exit();
}
