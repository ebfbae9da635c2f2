//! The data-driven suites, as modules of one libtest-mimic binary (`harness = false`): their
//! trials are built at run time from files (tests/validate, scenarios, tests/neo4j) or tables
//! (the faults), which `#[test]` cannot express. Every `#[test]` suite is the other binary,
//! tests/it/main.rs; folding those in here would mean listing each of them by hand.
//!
//! Trials are named `<suite>::<name>` (`-- validate_files::`, `-- scenario_files::quickstart`).
//! Building the list reads files only: servers, images and the Docker engine are probed inside
//! the trial that needs them, so a filtered run probes nothing for what it filtered out.
//! The faults run last, on their own (tests/trials/faults.rs says why).

use libtest_mimic::Arguments;

#[path = "../support/mod.rs"]
mod support;

mod docker_launcher;
mod faults;
mod neo4j_containers;
mod scenario_files;
mod validate_files;

fn main() {
    let args = Arguments::from_args();
    let mut trials = validate_files::trials();
    trials.extend(scenario_files::trials());
    trials.extend(neo4j_containers::trials());
    trials.extend(docker_launcher::trials());
    let suites = libtest_mimic::run(&args, trials);
    let faults = faults::run(&args);
    std::process::exit(if suites.has_failed() || faults.has_failed() {
        101
    } else {
        0
    });
}
