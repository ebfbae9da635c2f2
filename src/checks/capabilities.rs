//! The `capabilities` outcome of a transfer: what the mover could not store on the target
//! (its [`Finding`]s), as a failed check.

use super::{CapabilitiesData, CapabilityEffect, CapabilityFinding, CheckData, CheckOutcome};
use crate::graph::Finding;

/// The `capabilities` check outcome of a transfer into `target`: failed, one detail per
/// finding, the findings typed in its data; `None` when every property was stored.
pub fn outcome(findings: &[Finding], target: &str) -> Option<CheckOutcome> {
    if findings.is_empty() {
        return None;
    }
    Some(outcome_of(CapabilitiesData {
        target: target.to_owned(),
        findings: findings.iter().map(CapabilityFinding::from).collect(),
    }))
}

/// The outcome for typed findings (at least one): summary and detail lines written from them.
fn outcome_of(data: CapabilitiesData) -> CheckOutcome {
    let count = |effect: CapabilityEffect| -> (usize, u64) {
        let f: Vec<&CapabilityFinding> = data
            .findings
            .iter()
            .filter(|f| f.effect == effect)
            .collect();
        (f.len(), f.iter().map(|f| f.count).sum())
    };
    let mut parts = Vec::new();
    for (effect, what) in [
        (CapabilityEffect::Lost, "left out"),
        (CapabilityEffect::Changed, "stored changed"),
    ] {
        let (props, values) = count(effect);
        if props > 0 {
            parts.push(format!(
                "{props} propert{} {what} ({values} value(s))",
                if props == 1 { "y" } else { "ies" }
            ));
        }
    }
    CheckOutcome::new(
        super::CheckKind::Capabilities,
        false,
        format!(
            "{} could not store every property exactly: {}",
            data.target,
            parts.join(", ")
        ),
        data.findings.iter().map(ToString::to_string).collect(),
    )
    .with_data(CheckData::Capabilities(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_are_typed_and_lines_match_the_movers_findings() {
        let findings = [
            Finding {
                entity: "(:P)".into(),
                property: "v".into(),
                value_type: "FLOAT".into(),
                reason: "rounded".into(),
                count: 2,
                lossy: true,
            },
            Finding {
                entity: "[:R]".into(),
                property: "d".into(),
                value_type: "DURATION".into(),
                reason: "no such type".into(),
                count: 1,
                lossy: false,
            },
        ];
        let o = outcome(&findings, "falkordb 4.18.3").unwrap();
        assert!(!o.passed);
        assert_eq!(
            o.summary,
            "falkordb 4.18.3 could not store every property exactly: 1 property left out (1 value(s)), 1 property stored changed (2 value(s))"
        );
        let lines: Vec<String> = findings.iter().map(ToString::to_string).collect();
        assert_eq!(o.details, lines);
        let json = serde_json::to_value(&o).unwrap();
        assert_eq!(json["data"]["type"], "capabilities");
        assert_eq!(json["data"]["findings"][0]["effect"], "changed");
        assert_eq!(json["data"]["findings"][1]["effect"], "lost");
        assert_eq!(json["data"]["findings"][1]["value_type"], "DURATION");
        assert!(outcome(&[], "t").is_none());
    }
}
