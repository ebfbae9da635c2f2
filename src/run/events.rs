use std::time::Duration;

use super::ScenarioOutcome;
use crate::checks::CheckOutcome;

/// Something that happened during a run. Reporters turn these into terminal lines and files.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    ScenarioStarted {
        scenario: &'a str,
    },
    StepStarted {
        scenario: &'a str,
        step: &'a str,
    },
    StepFinished {
        scenario: &'a str,
        step: &'a str,
        elapsed: Duration,
        note: Option<String>,
    },
    /// Progress inside a long step (transfer batches).
    Progress {
        scenario: &'a str,
        step: &'a str,
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
