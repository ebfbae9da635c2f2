use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::run::{Event, EventSink, ScenarioOutcome, Verdict};

/// How much the terminal reporter prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Level {
    /// Only cases that did not pass (with their details), the summary and the recap.
    Quiet,
    /// One line per case as it finishes (`    PASS [  4.210s] name`); at the end the details
    /// of the cases that failed or errored, the recap and the summary.
    #[default]
    Normal,
    /// One line when each step starts and finishes, one per check, one per case (with its
    /// check counts and scenario file), the recap of failures at the end.
    Verbose,
}

/// When verdict words are coloured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// When the output is a terminal and `NO_COLOR` is unset or empty (<https://no-color.org>).
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream that is (`is_terminal`) or is not a terminal.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        }
    }
}

/// Prints plain lines (safe for CI logs and terminals alike): by default one per finished case,
/// then the details of every failure and a recap of the cases that did not pass; with
/// [`Level::Verbose`] also every step and check as it happens. On a terminal
/// ([`TerminalReporter::stderr`] when stderr is a TTY) the lines scroll above a live progress
/// bar: cases done / total and the cases running now.
pub struct TerminalReporter {
    out: Mutex<Box<dyn Write + Send>>,
    level: Level,
    color: bool,
    bar: Option<ProgressBar>,
    /// (case, what it waits for) of the cases running now; case `run` for the warm-up.
    running: Mutex<Vec<(String, String)>>,
    /// `verdict name` of every case that did not pass, for the recap.
    failed: Mutex<Vec<String>>,
    /// The lines explaining each failed or errored case, printed at the end ([`Level::Normal`]).
    failures: Mutex<Vec<String>>,
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
        let level = if verbose {
            Level::Verbose
        } else {
            Level::Normal
        };
        Self::stderr_with(level, ColorChoice::Never)
    }

    /// Lines on stderr at `level`, coloured as `color` says, with a live progress bar when
    /// stderr is a terminal.
    pub fn stderr_with(level: Level, color: ColorChoice) -> Self {
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
            level,
            color: color.enabled(std::io::stderr().is_terminal()),
            bar,
            running: Mutex::new(Vec::new()),
            failed: Mutex::new(Vec::new()),
            failures: Mutex::new(Vec::new()),
        }
    }

    /// Plain lines to `out`, never a progress bar.
    pub fn to_writer(out: Box<dyn Write + Send>, verbose: bool) -> Self {
        let level = if verbose {
            Level::Verbose
        } else {
            Level::Normal
        };
        Self::writer_with(out, level, false)
    }

    /// Lines to `out` at `level`, with ANSI colours when `color`; never a progress bar.
    pub fn writer_with(out: Box<dyn Write + Send>, level: Level, color: bool) -> Self {
        TerminalReporter {
            out: Mutex::new(out),
            level,
            color,
            bar: None,
            running: Mutex::new(Vec::new()),
            failed: Mutex::new(Vec::new()),
            failures: Mutex::new(Vec::new()),
        }
    }

    /// `word` in `code` (an SGR parameter) when colours are on.
    fn paint(&self, word: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{word}\x1b[0m")
        } else {
            word.to_owned()
        }
    }

    /// Keeps the bar's message on what each running case waits for: its current step, or
    /// what a server start waits for (`starting neo4j 5.26 (source)`).
    fn track(&self, event: &Event<'_>) {
        let Some(bar) = &self.bar else { return };
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        let mut doing = |case: &str, what: String| {
            if let Some(entry) = running.iter_mut().find(|(c, _)| c == case) {
                entry.1 = what;
            } else if case == "run" {
                running.push((case.to_owned(), what));
            }
        };
        match event {
            Event::RunStarted { cases, .. } => {
                bar.set_length(*cases as u64);
                bar.enable_steady_tick(std::time::Duration::from_millis(200));
            }
            Event::ScenarioStarted { scenario } => {
                running.retain(|(c, _)| c != "run");
                running.push(((*scenario).to_owned(), String::new()));
            }
            Event::StepStarted { scenario, step } => doing(scenario, step.to_string()),
            Event::Progress {
                scenario, message, ..
            } => doing(scenario, message.clone()),
            Event::ScenarioFinished { outcome } => {
                running.retain(|(c, _)| c != outcome.name());
                bar.inc(1);
            }
            Event::RunFinished { .. } => bar.finish_and_clear(),
            _ => return,
        }
        let shown: Vec<String> = running
            .iter()
            .map(|(case, what)| match (case.as_str(), what.is_empty()) {
                ("run", _) => what.clone(),
                (_, true) => case.clone(),
                (_, false) => format!("{case}: {what}"),
            })
            .collect();
        bar.set_message(shown.join("; "));
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
        let quiet = self.level == Level::Quiet;
        let _ = match event {
            Event::RunStarted { cases, jobs } if !quiet => {
                writeln!(out, "running {cases} case(s), at most {jobs} at a time")
            }
            Event::RunStarted { .. } => Ok(()),
            Event::RunFinished {
                elapsed,
                servers_started,
                servers_reused,
            } => {
                let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
                if !failures.is_empty() {
                    let _ = writeln!(out, "failures:");
                    for block in failures.iter() {
                        let _ = out.write_all(block.as_bytes());
                    }
                }
                let failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
                if !failed.is_empty() {
                    let _ = writeln!(out, "cases that did not pass:");
                    for line in failed.iter() {
                        let _ = writeln!(out, "    {line}");
                    }
                }
                writeln!(
                    out,
                    "finished in {:.1}s: {servers_started} server(s) started, reused {servers_reused} time(s)",
                    elapsed.as_secs_f64()
                )
            }
            _ if quiet && !matches!(event, Event::ScenarioFinished { .. }) => Ok(()),
            // The default level: what the whole run reports (`run`), and one line per case.
            Event::Progress {
                scenario: "run",
                step,
                message,
            } if self.level == Level::Normal => writeln!(out, "[run] {step}: {message}"),
            Event::ScenarioFinished { outcome } if self.level == Level::Normal => {
                self.case_line(out, outcome);
                Ok(())
            }
            _ if self.level == Level::Normal => Ok(()),
            Event::ScenarioStarted { scenario } => writeln!(out, "[{scenario}] started"),
            Event::StepStarted { scenario, step } if self.level == Level::Verbose => {
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
                let word = outcome.status.word();
                let mark = match word {
                    "ok" => self.paint(word, "32"),
                    "allowed" => self.paint(word, "33"),
                    _ => self.paint(word, "1;31"),
                };
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
                let verdict = self.verdict_word(outcome.verdict, false);
                if outcome.verdict != Verdict::Pass {
                    self.failed
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(format!("{verdict} {}", outcome.name()));
                }
                if quiet && outcome.verdict == Verdict::Pass {
                    return;
                }
                let failed = outcome.checks.iter().filter(|c| !c.passed).count();
                let allowed: usize = outcome.checks.iter().map(|c| c.allowed().count()).sum();
                let _ = writeln!(
                    out,
                    "{verdict} {} ({} check(s), {failed} failed{}) [{}]",
                    outcome.name(),
                    outcome.checks.len(),
                    if allowed > 0 {
                        format!(", {allowed} allowed difference(s)")
                    } else {
                        String::new()
                    },
                    outcome.path
                );
                if quiet {
                    // The check lines were not printed as they came: the failing ones now.
                    failing_checks(out, outcome);
                }
                error_line(out, outcome);
                Ok(())
            }
        };
    }

    /// The verdict word in the colour every level uses for it.
    fn verdict_word(&self, verdict: Verdict, short: bool) -> String {
        let (word, code) = match verdict {
            Verdict::Pass => ("PASS", "1;32"),
            Verdict::Fail => ("FAIL", "1;31"),
            Verdict::Error => ("ERROR", "1;31"),
            Verdict::Skipped if short => ("SKIP", "1;33"),
            Verdict::Skipped => ("SKIPPED", "1;33"),
        };
        // Right-aligned so the times line up (`    PASS`, `   ERROR`), as cargo-nextest does.
        let word = if short {
            format!("{word:>8}")
        } else {
            word.to_owned()
        };
        self.paint(&word, code)
    }

    /// [`Level::Normal`]: `    PASS [  4.210s] name`; a case that failed or errored also
    /// leaves its details for the end of the run, and every case that did not pass its recap
    /// line.
    fn case_line(&self, out: &mut Lines, outcome: &ScenarioOutcome) {
        let time = format!("[{:>7.3}s]", outcome.elapsed.as_secs_f64());
        let _ = writeln!(
            out,
            "{} {time} {}",
            self.verdict_word(outcome.verdict, true),
            outcome.name()
        );
        if outcome.verdict == Verdict::Pass {
            return;
        }
        self.failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(format!(
                "{} {}",
                self.verdict_word(outcome.verdict, false),
                outcome.name()
            ));
        if outcome.verdict == Verdict::Skipped {
            return;
        }
        let mut block = Lines(Vec::new());
        let _ = writeln!(
            block,
            "--- {} {time} {} [{}]",
            self.verdict_word(outcome.verdict, false),
            outcome.name(),
            outcome.path
        );
        failing_checks(&mut block, outcome);
        error_line(&mut block, outcome);
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(String::from_utf8_lossy(&block.0).into_owned());
    }
}

/// Each failed check of a case with its summary and detail lines.
fn failing_checks(out: &mut Lines, outcome: &ScenarioOutcome) {
    for check in outcome.checks.iter().filter(|c| !c.passed) {
        let _ = writeln!(
            out,
            "  check {} {}: {}",
            check.check,
            check.status.word(),
            check.summary
        );
        for d in &check.details {
            let _ = writeln!(out, "      {d}");
        }
    }
}

/// Why a case errored (or, skipped, did not run).
fn error_line(out: &mut Lines, outcome: &ScenarioOutcome) {
    if let Some(e) = &outcome.error {
        let label = if outcome.verdict == Verdict::Skipped {
            "reason"
        } else {
            "error"
        };
        let _ = writeln!(out, "  {label}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::checks::{CheckKind, CheckOutcome};
    use crate::run::{Step, StepTiming};

    /// A writer the test reads back after the reporter wrote to it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn outcome(case: &str, verdict: Verdict, error: Option<&str>) -> ScenarioOutcome {
        ScenarioOutcome {
            scenario: "s".into(),
            case: case.into(),
            source: "falkordb 4.16.3".into(),
            target: "falkordb 4.18.3".into(),
            hops: Vec::new(),
            path: "s.yaml".into(),
            verdict,
            checks: vec![CheckOutcome::new(
                CheckKind::Counts,
                verdict != Verdict::Fail,
                "expected 5 :Person nodes, found 4",
                vec!["source: 5, target 4".into()],
            )],
            error: error.map(str::to_owned),
            timings: vec![StepTiming {
                step: Step::StartServers,
                elapsed: Duration::from_millis(1250),
            }],
            servers: Vec::new(),
            started_at: None,
            elapsed: Duration::from_millis(4210),
        }
    }

    /// Every event of a run with a passing, a failing and an erroring case, at `level`.
    fn render(level: Level) -> String {
        let out = Shared::default();
        let reporter = TerminalReporter::writer_with(Box::new(out.clone()), level, false);
        reporter.emit(&Event::RunStarted { cases: 3, jobs: 1 });
        let cases = [
            outcome("ok[a->b]", Verdict::Pass, None),
            outcome("bad[a->b]", Verdict::Fail, None),
            outcome(
                "broken[a->b]",
                Verdict::Error,
                Some("failed to start falkordb"),
            ),
        ];
        for case in &cases {
            let name = case.name();
            let step = Step::Check(CheckKind::Counts);
            reporter.emit(&Event::ScenarioStarted { scenario: name });
            reporter.emit(&Event::StepStarted {
                scenario: name,
                step: &step,
            });
            reporter.emit(&Event::CheckFinished {
                scenario: name,
                outcome: &case.checks[0],
            });
            reporter.emit(&Event::StepFinished {
                scenario: name,
                step: &step,
                elapsed: Duration::from_millis(20),
                note: None,
            });
            reporter.emit(&Event::ScenarioFinished { outcome: case });
        }
        reporter.emit(&Event::RunFinished {
            elapsed: Duration::from_secs(13),
            servers_started: 2,
            servers_reused: 1,
        });
        let text = out.0.lock().unwrap().clone();
        String::from_utf8(text).unwrap()
    }

    #[test]
    fn the_default_level_prints_a_line_per_case_then_the_failures() {
        let text = render(Level::Normal);
        assert_eq!(
            text,
            "running 3 case(s), at most 1 at a time\n\
             \x20   PASS [  4.210s] ok[a->b]\n\
             \x20   FAIL [  4.210s] bad[a->b]\n\
             \x20  ERROR [  4.210s] broken[a->b]\n\
             failures:\n\
             --- FAIL [  4.210s] bad[a->b] [s.yaml]\n\
             \x20 check counts FAILED: expected 5 :Person nodes, found 4\n\
             \x20     source: 5, target 4\n\
             --- ERROR [  4.210s] broken[a->b] [s.yaml]\n\
             \x20 error: failed to start falkordb\n\
             cases that did not pass:\n\
             \x20   FAIL bad[a->b]\n\
             \x20   ERROR broken[a->b]\n\
             finished in 13.0s: 2 server(s) started, reused 1 time(s)\n"
        );
    }

    #[test]
    fn verbose_prints_every_step_and_check() {
        let text = render(Level::Verbose);
        assert!(text.contains("[ok[a->b]] check counts ...\n"), "{text}");
        assert!(
            text.contains("[bad[a->b]] check counts FAILED: expected 5"),
            "{text}"
        );
        assert!(
            text.contains("[ok[a->b]] check counts done in 0.02s\n"),
            "{text}"
        );
        assert!(
            text.contains("PASS ok[a->b] (1 check(s), 0 failed) [s.yaml]\n"),
            "{text}"
        );
        assert!(!text.contains("failures:"), "{text}");
    }
}
