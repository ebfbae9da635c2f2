//! Orchestration: scenarios x version pairs = cases ([`matrix`]); each case plans, takes servers
//! from a [`pool`], prepares, seeds, transfers and checks; [`harness`] is the library entry point.
//!
//! - [`plan`]: the steps a scenario will run, computed without starting anything.
//! - [`events`]: what a run reports while it goes, for reporters to consume.
//! - [`runner`]: executing a scenario and classifying its outcome.
//! - `steps`: the steps logical and native cases share (seed, checks, timed steps).
//! - `timing`: the [`Step`] enum naming every step, and [`StepTiming`].
//! - `outcome`: a case's verdict and outcome, and why a run could not complete.
//! - `native`: the `dump` / `in_place` strategies (stores, admin tool, rollback).
//! - [`archive`]: the `export` and `import` commands (a scenario's seeded source or a server to a
//!   dump file, and a dump file into a server).

pub mod archive;
pub mod events;
pub mod harness;
pub mod matrix;
mod native;
mod options;
mod outcome;
pub mod plan;
pub mod pool;
mod runner;
mod steps;
mod timing;
pub mod verify;

pub use events::{Event, EventSink};
pub use harness::{Harness, HarnessError, HarnessOutcome};
pub use matrix::{Case, MatrixError, Partition, VersionPair};
pub use options::{RunOptions, RunnerSettings};
pub use outcome::{RunError, ScenarioOutcome, ServerReport, Verdict};
pub use runner::{run_case, run_cases, run_scenario};
pub use timing::{Step, StepTiming};
