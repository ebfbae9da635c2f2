//! The Neo4j container suite: every `tests/neo4j/*.yaml` scenario runs end to end through the
//! real code path (testcontainers + neo4rs). A case whose image is neither local nor pullable
//! is reported as skipped, with the reason, never passed: on a machine without a registry the
//! output says `skipped: image neo4j:5.26 not available` and the case shows as ignored.
//! Set `MH_NO_PULL=1` to skip the pull attempt.

use std::path::PathBuf;

use libtest_mimic::{Arguments, Failed, Trial};
use migration_harness::engine::image::{ensure_image, Availability};
use migration_harness::report::terminal::TerminalReporter;
use migration_harness::run::{run_scenario, RunOptions, Verdict};
use migration_harness::scenario::{self, Scenario};

fn main() {
    let args = Arguments::from_args();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/neo4j");
    let files = scenario::discover(&[dir]).expect("tests/neo4j exists");
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let pull = std::env::var_os("MH_NO_PULL").is_none();
    let mut trials = Vec::new();
    for file in files {
        let scenario = scenario::load_file(&file).unwrap_or_else(|e| panic!("{e}"));
        let options = RunOptions::default();
        let (source, target) = options.requests(&scenario);
        let mut missing = Vec::new();
        for image in [source.image_ref(), target.image_ref()] {
            // Only probe when the case will run: listing (`--list`) must stay instant.
            if args.list {
                break;
            }
            if let Availability::Missing { reason } = runtime.block_on(ensure_image(&image, pull)) {
                println!("skipped: image {image} not available ({reason})");
                missing.push(image);
            }
        }
        let name = scenario.name().to_owned();
        let trial = Trial::test(name, move || run_case(scenario));
        trials.push(if missing.is_empty() {
            trial
        } else {
            trial.with_ignored_flag(true)
        });
    }
    drop(runtime);
    libtest_mimic::run(&args, trials).exit();
}

fn run_case(scenario: Scenario) -> Result<(), Failed> {
    let runtime = tokio::runtime::Runtime::new()?;
    let reporter = TerminalReporter::stderr(false);
    let outcome = runtime.block_on(run_scenario(&scenario, &RunOptions::default(), &reporter));
    if outcome.verdict == Verdict::Pass {
        Ok(())
    } else {
        let details: Vec<String> = outcome
            .checks
            .iter()
            .flat_map(|c| c.details.clone())
            .collect();
        Err(format!(
            "{:?}: {:?}\n{}",
            outcome.verdict,
            outcome.error,
            details.join("\n")
        )
        .into())
    }
}
