use std::path::Path;

use crate::run::ScenarioOutcome;

/// The JSON report: one object per scenario with its verdict, checks, error and step timings.
#[derive(Debug, serde::Serialize)]
pub struct JsonReport<'a> {
    pub tool: &'static str,
    pub version: &'static str,
    pub scenarios: &'a [ScenarioOutcome],
}

pub fn render(outcomes: &[ScenarioOutcome]) -> String {
    let report = JsonReport {
        tool: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        scenarios: outcomes,
    };
    // Serializing plain data with string keys cannot fail.
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

pub fn write(path: &Path, outcomes: &[ScenarioOutcome]) -> std::io::Result<()> {
    super::write_atomic(path, render(outcomes).as_bytes())
}
