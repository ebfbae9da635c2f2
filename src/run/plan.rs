use std::fmt;

use super::matrix::Case;
use super::RunOptions;
use crate::checks::CheckKind;
use crate::engine::descriptor::descriptor;
use crate::engine::request::ServerRequest;
use crate::scenario::{Scenario, Strategy};

/// The steps a scenario will run, in order, computed without starting anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub scenario: String,
    pub steps: Vec<String>,
}

/// The plan of a scenario's own source/target pair (its `matrix:` is not expanded).
pub fn plan(scenario: &Scenario, options: &RunOptions) -> Plan {
    let (source, target) = options.requests(scenario);
    let name = super::matrix::case_name(scenario.name(), &source, &target);
    let case = Case {
        name,
        scenario: std::sync::Arc::new(scenario.clone()),
        source,
        target,
        hops: Vec::new(),
    };
    plan_case(&case, options)
}

/// The steps of one case (scenario x version pair), in order.
pub fn plan_case(case: &Case, options: &RunOptions) -> Plan {
    let scenario = case.scenario.as_ref();
    if scenario.file.transfer.strategy.value.is_native() {
        return Plan {
            scenario: case.name.clone(),
            steps: native_steps(case),
        };
    }
    let (source, target) = (case.source.clone(), case.target.clone());
    let mut steps = vec![server_step(&source)];
    if options.only_migrations {
        steps.push(server_step(&target));
        steps.extend(migration_steps(scenario, &source, &target));
        return Plan {
            scenario: case.name.clone(),
            steps,
        };
    }
    steps.extend(case.hops.iter().map(server_step));
    steps.push(server_step(&target));
    for req in std::iter::once(&source)
        .chain(case.hops.iter())
        .chain(std::iter::once(&target))
    {
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
    let strategy = match scenario.file.transfer.strategy.value {
        Strategy::Logical => "logical copy over the connection",
        Strategy::None => "none (both sides are only read and compared)",
        native => native.name(),
    };
    let chain: Vec<&ServerRequest> = std::iter::once(&source)
        .chain(case.hops.iter())
        .chain(std::iter::once(&target))
        .collect();
    let kinds = scenario.check_kinds();
    for hop in chain.windows(2) {
        steps.push(format!(
            "transfer {} -> {}: {strategy}, batch size {}",
            hop[0].label(),
            hop[1].label(),
            scenario.file.transfer.batch_size.value
        ));
        if kinds.contains(&CheckKind::Capabilities) {
            steps.push(format!(
                "check {} (what {} could not store)",
                CheckKind::Capabilities,
                hop[1].label()
            ));
        }
    }
    // The same checks `run` runs after the copy (capabilities above, migrations below).
    for kind in kinds
        .iter()
        .filter(|k| !matches!(k, CheckKind::Capabilities | CheckKind::Migrations(_)))
    {
        steps.push(format!("check {kind}"));
    }
    steps.extend(migration_steps(scenario, &source, &target));
    Plan {
        scenario: case.name.clone(),
        steps,
    }
}

/// The steps of a native case (`transfer.strategy: dump | in_place`; see `native`).
fn native_steps(case: &Case) -> Vec<String> {
    let scenario = case.scenario.as_ref();
    let strategy = scenario.file.transfer.strategy.value;
    let source = &case.source;
    let mut steps = vec![
        server_step(source),
        format!("wipe {} (started by the harness)", source.label()),
        format!(
            "seed {}: {} statement(s)",
            source.label(),
            scenario.fixture_statements.len()
        ),
    ];
    if scenario.file.rollback() {
        steps.push(format!(
            "rollback: record the content hash and schema of {}",
            source.label()
        ));
    }
    steps.push(format!("stop {} and keep its store", source.label()));
    let admin = descriptor(source.engine).store_admin();
    let needs = |from: &str, to: &str| admin.is_none_or(|a| a.needs_migrate(from, to));
    let versions = case.servers();
    if strategy == Strategy::Dump || scenario.file.rollback() {
        steps.push(format!(
            "dump the source store with neo4j-admin {}",
            source.version
        ));
    }
    match strategy {
        Strategy::Dump => {
            for (i, pair) in versions.windows(2).enumerate() {
                let to = pair[1];
                steps.push(format!(
                    "load the dump into a new store with neo4j-admin {}",
                    to.version
                ));
                if needs(&pair[0].version, &to.version) {
                    steps.push(format!("migrate it with neo4j-admin {}", to.version));
                }
                if i + 2 < versions.len() {
                    steps.push(format!("dump it with neo4j-admin {}", to.version));
                }
            }
        }
        _ => {
            steps.push("copy the stopped store (the source restarts on the copy)".into());
            for pair in versions.windows(2) {
                let to = pair[1];
                if needs(&pair[0].version, &to.version) {
                    steps.push(format!(
                        "migrate the store in place with neo4j-admin {}",
                        to.version
                    ));
                }
            }
        }
    }
    steps.push(format!(
        "start {} on the upgraded store",
        case.target.label()
    ));
    steps.push(format!("restart {} on its store", source.label()));
    // The same checks `run` runs (rollback and migrations below).
    for kind in scenario.check_kinds().iter().filter(|k| {
        !matches!(
            k,
            CheckKind::Rollback | CheckKind::Downgrade | CheckKind::Migrations(_)
        )
    }) {
        steps.push(format!("check {kind}"));
    }
    if scenario.file.rollback() {
        steps.push(format!(
            "rollback: load the pre-upgrade dump into a new store with neo4j-admin {0}, start {0} on it, compare content hash and schema",
            source.version
        ));
        steps.push(format!(
            "downgrade attempt: stop {}, start {} on its store (expected to be refused)",
            case.target.label(),
            source.version
        ));
    }
    steps
}

/// The `migrations:` part: per server, wipe + fixtures, then the checks per migration.
fn migration_steps(
    scenario: &Scenario,
    source: &ServerRequest,
    target: &ServerRequest,
) -> Vec<String> {
    let (Some(spec), Some(set)) = (&scenario.file.migrations, &scenario.migration_set) else {
        return Vec::new();
    };
    let checks: Vec<&str> = spec
        .checks
        .iter()
        .filter(|k| **k != crate::scenario::MigrationCheckKind::SameOnBoth)
        .map(|k| k.name())
        .collect();
    let versions: Vec<String> = set
        .migrations
        .iter()
        .map(|m| format!("V{}", m.version))
        .collect();
    let mut steps = Vec::new();
    for req in [source, target] {
        steps.push(format!(
            "migrations on {}: wipe, seed {} fixture statement(s), then per migration ({}, from {}, {} layout): {}",
            req.label(),
            scenario.fixture_statements.len(),
            versions.join(", "),
            set.dir.display(),
            set.layout,
            checks.join(", ")
        ));
    }
    if spec
        .checks
        .contains(&crate::scenario::MigrationCheckKind::SameOnBoth)
    {
        steps.push(format!(
            "migrations: same_on_both ({} vs {})",
            source.label(),
            target.label()
        ));
    }
    steps
}

pub(super) fn server_step(req: &ServerRequest) -> String {
    match &req.endpoint {
        Some(uri) => format!(
            "connect {} at {}",
            req.label(),
            crate::engine::endpoint::redact_uri(uri)
        ),
        None => format!(
            "start {} from image {} (timeout {})",
            req.label(),
            crate::engine::descriptor::descriptor(req.engine).image_ref(req),
            crate::engine::timeouts::human(req.startup_timeout)
        ),
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "case {}:", self.scenario)?;
        for (i, step) in self.steps.iter().enumerate() {
            writeln!(f, "  {}. {step}", i + 1)?;
        }
        Ok(())
    }
}
