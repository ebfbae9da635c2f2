use std::path::Path;

use crate::run::ScenarioOutcome;

/// The JSON report: one object per scenario with its verdict, checks, error and step timings.
#[derive(Debug, serde::Serialize)]
pub struct JsonReport<'a> {
    pub tool: &'static str,
    pub version: &'static str,
    pub scenarios: &'a [ScenarioOutcome],
}

/// Writes the report atomically (temporary file, then rename), so a reader never sees half a file.
pub fn write(path: &Path, outcomes: &[ScenarioOutcome]) -> std::io::Result<()> {
    let report = JsonReport {
        tool: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        scenarios: outcomes,
    };
    let text = serde_json::to_string_pretty(&report).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text + "\n")?;
    std::fs::rename(&tmp, path)
}
