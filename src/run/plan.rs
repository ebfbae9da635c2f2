use std::fmt;

use super::RunOptions;
use crate::engine::server::ServerRequest;
use crate::scenario::{Scenario, Strategy};

/// The steps a scenario will run, in order, computed without starting anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub scenario: String,
    pub steps: Vec<String>,
}

pub fn plan(scenario: &Scenario, options: &RunOptions) -> Plan {
    let (source, target) = options.requests(scenario);
    let mut steps = vec![server_step(&source), server_step(&target)];
    for req in [&source, &target] {
        steps.push(match (&req.endpoint, options.allow_destructive) {
            (None, _) => format!("wipe {} (started by the harness)", req.label()),
            (Some(_), true) => format!("wipe {} (--allow-destructive)", req.label()),
            (Some(_), false) => format!(
                "require {} to be empty (external; never wiped without --allow-destructive)",
                req.label()
            ),
        });
    }
    let files: std::collections::BTreeSet<&str> = scenario
        .fixture_statements
        .iter()
        .map(|s| s.origin.as_str())
        .collect();
    steps.push(format!(
        "seed {}: {} statement(s) from {}",
        source.label(),
        scenario.fixture_statements.len(),
        if files.is_empty() {
            "no fixtures".to_owned()
        } else {
            files.into_iter().collect::<Vec<_>>().join(", ")
        }
    ));
    let strategy = match scenario.file.transfer.strategy {
        Strategy::Logical => "logical copy over the connection",
    };
    steps.push(format!(
        "transfer {} -> {}: {strategy}, batch size {}",
        source.label(),
        target.label(),
        scenario.file.transfer.batch_size.value
    ));
    for check in scenario.checks() {
        steps.push(format!("check {}", check.kind()));
    }
    Plan {
        scenario: scenario.name().to_owned(),
        steps,
    }
}

fn server_step(req: &ServerRequest) -> String {
    match &req.endpoint {
        Some(uri) => format!(
            "connect {} at {}",
            req.label(),
            crate::engine::secret::redact_uri(uri)
        ),
        None => format!(
            "start {} from image {} (timeout {}s)",
            req.label(),
            req.image_ref(),
            req.startup_timeout.as_secs()
        ),
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "scenario {}:", self.scenario)?;
        for (i, step) in self.steps.iter().enumerate() {
            writeln!(f, "  {}. {step}", i + 1)?;
        }
        Ok(())
    }
}
