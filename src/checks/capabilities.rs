//! The `capabilities` outcome of a transfer: what the mover could not store on the target
//! (its [`Finding`]s), as a failed check.

use super::CheckOutcome;
use crate::graph::Finding;

/// The `capabilities` check outcome of a transfer into `target`: failed, one detail per
/// finding; `None` when every property was stored.
pub fn outcome(findings: &[Finding], target: &str) -> Option<CheckOutcome> {
    if findings.is_empty() {
        return None;
    }
    let count = |lossy: bool| -> (usize, u64) {
        let f: Vec<&Finding> = findings.iter().filter(|f| f.lossy == lossy).collect();
        (f.len(), f.iter().map(|f| f.count).sum())
    };
    let mut parts = Vec::new();
    for (lossy, what) in [(false, "left out"), (true, "stored changed")] {
        let (props, values) = count(lossy);
        if props > 0 {
            parts.push(format!(
                "{props} propert{} {what} ({values} value(s))",
                if props == 1 { "y" } else { "ies" }
            ));
        }
    }
    Some(CheckOutcome::new(
        super::CheckKind::Capabilities,
        false,
        format!(
            "{target} could not store every property exactly: {}",
            parts.join(", ")
        ),
        findings.iter().map(ToString::to_string).collect(),
    ))
}
