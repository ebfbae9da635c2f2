use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::run::{Event, EventSink, Verdict};

/// Prints one plain line per event (safe for CI logs and terminals alike), and the verdict with
/// every failing detail. On a terminal ([`TerminalReporter::stderr`] when stderr is a TTY) the
/// lines scroll above a live progress bar: cases done / total and the cases running now.
pub struct TerminalReporter {
    out: Mutex<Box<dyn Write + Send>>,
    verbose: bool,
    bar: Option<ProgressBar>,
    running: Mutex<Vec<String>>,
}

/// Collects one event's lines, then prints them above the bar or to the writer.
struct Lines(Vec<u8>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl TerminalReporter {
    /// Plain lines on stderr, with a live progress bar when stderr is a terminal.
    pub fn stderr(verbose: bool) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} cases {wide_msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        TerminalReporter {
            out: Mutex::new(Box::new(std::io::stderr())),
            verbose,
            bar,
            running: Mutex::new(Vec::new()),
        }
    }

    /// Plain lines to `out`, never a progress bar.
    pub fn to_writer(out: Box<dyn Write + Send>, verbose: bool) -> Self {
        TerminalReporter {
            out: Mutex::new(out),
            verbose,
            bar: None,
            running: Mutex::new(Vec::new()),
        }
    }

    fn track(&self, event: &Event<'_>) {
        let Some(bar) = &self.bar else { return };
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        match event {
            Event::RunStarted { cases, .. } => {
                bar.set_length(*cases as u64);
                bar.enable_steady_tick(std::time::Duration::from_millis(200));
            }
            Event::ScenarioStarted { scenario } => running.push((*scenario).to_owned()),
            Event::ScenarioFinished { outcome } => {
                running.retain(|c| c != outcome.name());
                bar.inc(1);
            }
            Event::RunFinished { .. } => bar.finish_and_clear(),
            _ => return,
        }
        bar.set_message(format!("running: {}", running.join(", ")));
    }
}

impl EventSink for TerminalReporter {
    fn emit(&self, event: &Event<'_>) {
        let mut lines = Lines(Vec::new());
        self.write_lines(&mut lines, event);
        if !lines.0.is_empty() {
            let text = String::from_utf8_lossy(&lines.0);
            match &self.bar {
                Some(bar) if !bar.is_finished() => {
                    for line in text.lines() {
                        bar.println(line);
                    }
                }
                _ => {
                    let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
                    let _ = out.write_all(text.as_bytes());
                    let _ = out.flush();
                }
            }
        }
        self.track(event);
    }
}

impl TerminalReporter {
    fn write_lines(&self, out: &mut Lines, event: &Event<'_>) {
        let _ = match event {
            Event::RunStarted { cases, jobs } => writeln!(
                out,
                "running {cases} case(s), at most {jobs} at a time"
            ),
            Event::RunFinished {
                elapsed,
                servers_started,
                servers_reused,
            } => writeln!(
                out,
                "finished in {:.1}s: {servers_started} server(s) started, reused {servers_reused} time(s)",
                elapsed.as_secs_f64()
            ),
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
                    Verdict::Skipped => "SKIPPED",
                };
                let failed = outcome.checks.iter().filter(|c| !c.passed).count();
                let _ = writeln!(
                    out,
                    "{verdict} {} ({} check(s), {failed} failed) [{}]",
                    outcome.name(),
                    outcome.checks.len(),
                    outcome.path
                );
                if let Some(e) = &outcome.error {
                    let label = if outcome.verdict == Verdict::Skipped {
                        "reason"
                    } else {
                        "error"
                    };
                    let _ = writeln!(out, "  {label}: {e}");
                }
                Ok(())
            }
        };
    }
}
