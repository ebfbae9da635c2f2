use std::time::Duration;

use super::{ScenarioOutcome, Step};
use crate::checks::CheckOutcome;

/// Something that happened during a run. Reporters turn these into terminal lines and files.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    /// A run of `cases` cases begins, at most `jobs` at a time.
    RunStarted {
        /// How many cases the run has.
        cases: usize,
        /// How many run at a time.
        jobs: usize,
    },
    /// Every case has finished.
    RunFinished {
        /// Time since the run started.
        elapsed: Duration,
        /// Containers started for the run.
        servers_started: usize,
        /// Times a running server was handed to another case instead of starting one.
        servers_reused: usize,
    },
    /// A case starts; `scenario` is the case name (`quickstart[falkordb-4.16.3->falkordb-4.18.3]`),
    /// as in every event below.
    ScenarioStarted {
        /// The case name.
        scenario: &'a str,
    },
    /// A step of a case (servers, fixtures, transfer, a check) begins.
    StepStarted {
        /// The case name.
        scenario: &'a str,
        /// The step.
        step: &'a Step,
    },
    /// A step of a case has finished.
    StepFinished {
        /// The case name.
        scenario: &'a str,
        /// The step.
        step: &'a Step,
        /// How long the step took.
        elapsed: Duration,
        /// A short note on the result (rows copied, server version).
        note: Option<String>,
    },
    /// Progress inside a long step (transfer batches).
    Progress {
        /// The case name.
        scenario: &'a str,
        /// The step.
        step: &'a Step,
        /// What has been done so far.
        message: String,
    },
    /// A check of a case has finished.
    CheckFinished {
        /// The case name.
        scenario: &'a str,
        /// The check's outcome.
        outcome: &'a CheckOutcome,
    },
    /// A case has finished, with its verdict.
    ScenarioFinished {
        /// The case's outcome.
        outcome: &'a ScenarioOutcome,
    },
}

/// Consumes run events. Implementations must be cheap: they are called inline.
pub trait EventSink: Send + Sync {
    /// Receives one event; called from the run's tasks, so it must not block for long.
    fn emit(&self, event: &Event<'_>);
}

/// Discards every event.
pub struct NoEvents;

impl EventSink for NoEvents {
    fn emit(&self, _event: &Event<'_>) {}
}
