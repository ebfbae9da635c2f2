use std::time::Duration;

use super::{ScenarioOutcome, Step};
use crate::checks::CheckOutcome;

/// Something that happened during a run. Reporters turn these into terminal lines and files.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    /// A run of `cases` cases begins, at most `jobs` at a time.
    RunStarted {
        cases: usize,
        jobs: usize,
    },
    /// Every case has finished.
    RunFinished {
        elapsed: Duration,
        /// Containers started for the run.
        servers_started: usize,
        /// Times a running server was handed to another case instead of starting one.
        servers_reused: usize,
    },
    /// A case starts; `scenario` is the case name (`quickstart[falkordb-4.16.3->falkordb-4.18.3]`),
    /// as in every event below.
    ScenarioStarted {
        scenario: &'a str,
    },
    StepStarted {
        scenario: &'a str,
        step: &'a Step,
    },
    StepFinished {
        scenario: &'a str,
        step: &'a Step,
        elapsed: Duration,
        note: Option<String>,
    },
    /// Progress inside a long step (transfer batches).
    Progress {
        scenario: &'a str,
        step: &'a Step,
        message: String,
    },
    CheckFinished {
        scenario: &'a str,
        outcome: &'a CheckOutcome,
    },
    ScenarioFinished {
        outcome: &'a ScenarioOutcome,
    },
}

/// Consumes run events. Implementations must be cheap: they are called inline.
pub trait EventSink: Send + Sync {
    fn emit(&self, event: &Event<'_>);
}

/// Discards every event.
pub struct NoEvents;

impl EventSink for NoEvents {
    fn emit(&self, _event: &Event<'_>) {}
}
