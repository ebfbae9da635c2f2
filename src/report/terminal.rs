use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::run::{Event, EventSink, Verdict};

/// How much the terminal reporter prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Level {
    /// Only cases that did not pass (with their details), the summary and the recap.
    Quiet,
    /// One line per finished step and check, one per case, the recap of failures at the end.
    #[default]
    Normal,
    /// Also a line when each step starts.
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

/// Prints one plain line per event (safe for CI logs and terminals alike), the verdict with
/// every failing detail, and at the end a recap of the cases that did not pass. On a terminal
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
                let (verdict, code) = match outcome.verdict {
                    Verdict::Pass => ("PASS", "1;32"),
                    Verdict::Fail => ("FAIL", "1;31"),
                    Verdict::Error => ("ERROR", "1;31"),
                    Verdict::Skipped => ("SKIPPED", "1;33"),
                };
                if outcome.verdict != Verdict::Pass {
                    self.failed
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(format!("{} {}", self.paint(verdict, code), outcome.name()));
                }
                if quiet && outcome.verdict == Verdict::Pass {
                    return;
                }
                let failed = outcome.checks.iter().filter(|c| !c.passed).count();
                let allowed: usize = outcome.checks.iter().map(|c| c.allowed().count()).sum();
                let _ = writeln!(
                    out,
                    "{} {} ({} check(s), {failed} failed{}) [{}]",
                    self.paint(verdict, code),
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
