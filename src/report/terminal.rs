use std::io::Write;
use std::sync::Mutex;

use crate::run::{Event, EventSink, Verdict};

/// Prints one plain line per event to stderr (safe for CI logs and terminals alike), and the
/// verdict with every failing detail.
pub struct TerminalReporter {
    out: Mutex<Box<dyn Write + Send>>,
    verbose: bool,
}

impl TerminalReporter {
    pub fn stderr(verbose: bool) -> Self {
        TerminalReporter {
            out: Mutex::new(Box::new(std::io::stderr())),
            verbose,
        }
    }

    pub fn to_writer(out: Box<dyn Write + Send>, verbose: bool) -> Self {
        TerminalReporter {
            out: Mutex::new(out),
            verbose,
        }
    }
}

impl EventSink for TerminalReporter {
    fn emit(&self, event: &Event<'_>) {
        let mut out = match self.out.lock() {
            Ok(o) => o,
            Err(poisoned) => poisoned.into_inner(),
        };
        let _ = match event {
            Event::ScenarioStarted { scenario } => writeln!(out, "[{scenario}] started"),
            Event::StepStarted { scenario, step } if self.verbose => {
                writeln!(out, "[{scenario}] {step} ...")
            }
            Event::StepStarted { .. } => Ok(()),
            Event::StepFinished {
                scenario,
                step,
                elapsed,
                note,
            } => match note {
                Some(note) => writeln!(
                    out,
                    "[{scenario}] {step} done in {:.2}s: {note}",
                    elapsed.as_secs_f64()
                ),
                None => writeln!(
                    out,
                    "[{scenario}] {step} done in {:.2}s",
                    elapsed.as_secs_f64()
                ),
            },
            Event::Progress {
                scenario,
                step,
                message,
            } => writeln!(out, "[{scenario}] {step}: {message}"),
            Event::CheckFinished { scenario, outcome } => {
                let mark = if outcome.passed { "ok" } else { "FAILED" };
                let _ = writeln!(
                    out,
                    "[{scenario}] check {} {mark}: {}",
                    outcome.check, outcome.summary
                );
                for d in &outcome.details {
                    let _ = writeln!(out, "[{scenario}]     {d}");
                }
                Ok(())
            }
            Event::ScenarioFinished { outcome } => {
                let verdict = match outcome.verdict {
                    Verdict::Pass => "PASS",
                    Verdict::Fail => "FAIL",
                    Verdict::Error => "ERROR",
                };
                let failed = outcome.checks.iter().filter(|c| !c.passed).count();
                let _ = writeln!(
                    out,
                    "{verdict} {} ({} check(s), {failed} failed) [{}]",
                    outcome.scenario,
                    outcome.checks.len(),
                    outcome.path
                );
                if let Some(e) = &outcome.error {
                    let _ = writeln!(out, "  error: {e}");
                }
                Ok(())
            }
        };
    }
}
