use std::path::Path;

use crate::run::ScenarioOutcome;

/// The version of the JSON report's shape (docs/REPORTS.md); raised when a field changes
/// meaning or goes away.
pub const FORMAT_VERSION: u32 = 2;

/// The JSON report: one object per case with its verdict, checks (with their typed data), error
/// and step timings (docs/REPORTS.md).
#[derive(Debug, serde::Serialize)]
pub struct JsonReport<'a> {
    pub format_version: u32,
    pub tool: &'static str,
    pub version: &'static str,
    pub scenarios: &'a [ScenarioOutcome],
}

pub fn render(outcomes: &[ScenarioOutcome]) -> String {
    let report = JsonReport {
        format_version: FORMAT_VERSION,
        tool: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        scenarios: outcomes,
    };
    // Serializing plain data with string keys cannot fail.
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}

/// Writes the JSON report of `outcomes` to `path`, atomically.
pub fn write(path: &Path, outcomes: &[ScenarioOutcome]) -> std::io::Result<()> {
    super::write_atomic(path, render(outcomes).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::counts::{outcome, GraphCounts};
    use crate::run::Verdict;
    use crate::scenario::CountsCheck;

    #[test]
    fn the_report_has_its_format_version_and_each_check_its_typed_data() {
        let counts = |n| GraphCounts {
            total_nodes: n,
            nodes: [("Person".to_owned(), n)].into(),
            ..GraphCounts::default()
        };
        let o = ScenarioOutcome {
            scenario: "s".into(),
            case: "s[a->b]".into(),
            source: "falkordb 4.16.3".into(),
            target: "falkordb 4.18.3".into(),
            hops: Vec::new(),
            path: "s.yaml".into(),
            verdict: Verdict::Fail,
            checks: vec![outcome(&CountsCheck::default(), counts(4), counts(3))],
            error: None,
            timings: Vec::new(),
            servers: Vec::new(),
            started_at: None,
            elapsed: std::time::Duration::from_millis(1500),
        };
        let json: serde_json::Value = serde_json::from_str(&render(&[o])).unwrap();
        assert_eq!(json["format_version"], FORMAT_VERSION);
        let case = &json["scenarios"][0];
        assert_eq!(case["elapsed_seconds"], 1.5);
        assert!(case["started_at"].is_null());
        let check = &case["checks"][0];
        assert_eq!(check["check"], "counts");
        assert_eq!(check["data"]["type"], "counts");
        assert_eq!(check["data"]["source"]["nodes"]["Person"], 4);
        assert_eq!(
            check["data"]["differences"][1],
            serde_json::json!({"what": ":Person nodes", "source": 4, "target": 3})
        );
        // The detail lines are written from the same typed differences.
        assert_eq!(check["details"][1], ":Person nodes: source 4, target 3");
    }
}
