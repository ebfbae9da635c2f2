//! The Neo4j suite: every `tests/neo4j/*.yaml` scenario runs end to end through the real code
//! path against real Neo4j servers: local processes from Maven Central jars
//! (`scripts/setup-neo4j.sh`) by default, or containers with `MH_LAUNCHER=docker`. A Neo4j
//! version that is not installed fails its case with the setup hint (never a silent pass);
//! only with the docker launcher does a missing image print `skipped: image ... not available`
//! and show as ignored.

use libtest_mimic::Trial;

use crate::support;

/// One trial per case, `neo4j_containers::<case>`.
pub fn trials() -> Vec<Trial> {
    support::scenario_trials("neo4j_containers", &support::repo_path("tests/neo4j"))
}
