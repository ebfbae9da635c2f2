//! Orchestration of one scenario: plan, start servers, prepare, seed, transfer, check.
//!
//! - [`plan`]: the steps a scenario will run, computed without starting anything.
//! - [`events`]: what a run reports while it goes, for reporters to consume.
//! - [`runner`]: executing a scenario and classifying its outcome.

pub mod events;
mod options;
pub mod plan;
mod runner;

pub use events::{Event, EventSink};
pub use options::RunOptions;
pub use runner::{run_scenario, RunError, ScenarioOutcome, Verdict};
