//! Shared helpers for integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use migration_harness::engine::image::{ensure_image, Availability};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn repo_path(rel: &str) -> PathBuf {
    repo_root().join(rel)
}

/// The FalkorDB images the CI engine tests use. They are built locally by
/// scripts/local-images.sh (there is no registry); a missing one fails the test with that hint,
/// because the CI engine suite must never pass by not running.
pub async fn require_falkordb_images(versions: &[&str]) {
    for v in versions {
        let image = format!("migration-harness/falkordb:{v}");
        if let Availability::Missing { reason } = ensure_image(&image, false).await {
            panic!("image {image} is missing ({reason}); build it with scripts/local-images.sh");
        }
    }
}

pub fn relative(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Why a scenario cannot run here, if it cannot: a Neo4j image that is neither local nor
/// pullable. FalkorDB images are the CI engine's and must exist (see `require_falkordb_images`),
/// so they never produce a skip. Prints the `skipped: ...` line the suite promises.
pub async fn neo4j_skip_reason(
    scenario: &migration_harness::scenario::Scenario,
    pull: bool,
) -> Option<String> {
    use migration_harness::engine::dialect::EngineKind;
    let (source, target) = migration_harness::run::RunOptions::default().requests(scenario);
    let mut reasons = Vec::new();
    for req in [source, target] {
        if req.engine != EngineKind::Neo4j || req.endpoint.is_some() {
            continue;
        }
        let image = req.image_ref();
        if let Availability::Missing { reason } = ensure_image(&image, pull).await {
            println!("skipped: image {image} not available ({reason})");
            reasons.push(image);
        }
    }
    (!reasons.is_empty()).then(|| reasons.join(", "))
}

/// One libtest-mimic trial per scenario file under `dir`; each runs the scenario end to end and
/// passes only on `Verdict::Pass`. Cases with unavailable Neo4j images are ignored, loudly.
pub fn scenario_trials(args: &libtest_mimic::Arguments, dir: &Path) -> Vec<libtest_mimic::Trial> {
    use migration_harness::scenario;
    let files = scenario::discover(&[dir.to_owned()]).unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let pull = std::env::var_os("MH_NO_PULL").is_none();
    let mut trials = Vec::new();
    for file in files {
        let scenario = scenario::load_file(&file).unwrap_or_else(|e| panic!("{e}"));
        // Listing must stay instant and side-effect free: probe images only when running.
        let skip = if args.list {
            None
        } else {
            runtime.block_on(neo4j_skip_reason(&scenario, pull))
        };
        let name = scenario.name().to_owned();
        let trial = libtest_mimic::Trial::test(name, move || run_case(scenario));
        trials.push(if skip.is_some() {
            trial.with_ignored_flag(true)
        } else {
            trial
        });
    }
    trials
}

fn run_case(scenario: migration_harness::scenario::Scenario) -> Result<(), libtest_mimic::Failed> {
    use migration_harness::report::terminal::TerminalReporter;
    use migration_harness::run::{run_scenario, RunOptions, Verdict};
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
            "{:?}: {}\n{}",
            outcome.verdict,
            outcome.error.unwrap_or_default(),
            details.join("\n")
        )
        .into())
    }
}
