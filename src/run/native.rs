//! Native upgrades (`transfer.strategy: dump | in_place`): the way operators upgrade Neo4j, on
//! stores, with each version's own admin tool, instead of copying over the connection.
//!
//! ```text
//! start + wipe + seed source ── [rollback: record hash + schema]
//!   stop source, keep its store
//!   dump:     dump (source tool) ─ per version after the source: load into a new store,
//!             migrate where the major line changes, dump again for the next hop
//!   in_place: copy the stopped store (the source restarts on the copy) ─ per version:
//!             migrate the store itself where the major line changes
//!   start target on the upgraded store; restart source on its (copied) store
//!   checks (counts, content_hash, schema, queries) target vs source
//!   [rollback: load the pre-upgrade dump on the source version, start it, compare hash and
//!    schema with the recorded ones; stop target, start the source version on the upgraded
//!    store: expected to be refused, with Neo4j's message]
//! ```
//!
//! Everything engine-specific goes through the descriptor's [`StoreAdmin`] and
//! [`Server::stop_for_store`] / [`Server::start_on`]; only the process launcher has stores here,
//! so a Docker-launched or external server is refused with a clear error.

use std::time::Instant;

use super::matrix::Case;
use super::outcome::{RunError, ScenarioOutcome, ServerReport};
use super::pool::ServerPool;
use super::steps::{run_checks, seed, version_mismatch, Timed};
use super::timing::Step;
use super::{EventSink, RunOptions};
use crate::checks::{self, rollback};
use crate::engine::descriptor::{descriptor, AdminStep};
use crate::engine::request::ServerRequest;
use crate::engine::store::Store;
use crate::engine::{EngineError, Server};
use crate::scenario::Strategy;

fn refused(server: &ServerRequest, message: impl Into<String>) -> RunError {
    RunError::Refused {
        server: server.label(),
        message: message.into(),
    }
}

/// One admin step as a timed case step, noting the tool's last line of output.
async fn admin_step<T>(
    name: &str,
    step_name: Step,
    sink: &dyn EventSink,
    outcome: &mut ScenarioOutcome,
    run: impl std::future::Future<Output = Result<T, EngineError>>,
    step_of: impl Fn(&T) -> &AdminStep,
) -> Result<T, RunError> {
    let step = Timed::start(name, step_name, sink);
    let result = run.await?;
    let last = step_of(&result)
        .output
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_owned());
    step.finish(sink, outcome, last);
    Ok(result)
}

/// Runs a native case. Servers still running at the end are left in `servers` (the runner
/// releases or removes them).
pub(super) async fn run(
    case: &Case,
    options: &RunOptions,
    pool: &ServerPool,
    sink: &dyn EventSink,
    outcome: &mut ScenarioOutcome,
    servers: &mut Vec<Server>,
) -> Result<(), RunError> {
    let name = case.name.as_str();
    let scenario = case.scenario.as_ref();
    let strategy = scenario.file.transfer.strategy.value;
    let batch = scenario.file.transfer.batch_size.value;
    let migrate_options = scenario.file.transfer.migrate_options();
    for request in case.servers() {
        if request.endpoint.is_some() {
            return Err(refused(
                request,
                format!(
                    "transfer strategy {} stops servers and works on their stores: it runs only on servers the harness starts, not on an endpoint",
                    strategy.name()
                ),
            ));
        }
        if request.engine != case.source.engine {
            return Err(refused(
                request,
                format!(
                    "transfer strategy {} needs one engine on every side",
                    strategy.name()
                ),
            ));
        }
    }
    let Some(admin) = descriptor(case.source.engine).store_admin() else {
        return Err(refused(
            &case.source,
            format!(
                "transfer strategy {} needs the engine's offline store tool, which the harness has for Neo4j only",
                strategy.name()
            ),
        ));
    };

    let step = Timed::start(name, Step::StartServers, sink);
    let acquired = pool.acquire(case.source.clone()).await?;
    let source = acquired.server;
    if source.launcher != Some("process") {
        let launcher = source.launcher.unwrap_or("endpoint");
        servers.push(source);
        return Err(refused(
            &case.source,
            format!(
                "transfer strategy {} needs the process launcher (it stops the server and runs neo4j-admin on its store); the {launcher} launcher is not supported for it: run with --launcher process (scripts/setup-neo4j.sh installs the versions)",
                strategy.name()
            ),
        ));
    }
    outcome.servers.push(ServerReport::of(&source, "source"));
    let mismatch = version_mismatch(&source.request.version, &source.info.version);
    let note = format!(
        "{} ready in {:.1}s (process, reports {})",
        source.connection.describe(),
        source.startup.as_secs_f64(),
        source.info.version
    );
    if let Some(message) = mismatch {
        let described = source.connection.describe();
        servers.push(source);
        return Err(RunError::Refused {
            server: described,
            message,
        });
    }
    step.finish(sink, outcome, Some(note));

    let step = Timed::start(name, Step::PrepareServers, sink);
    source.connection.wipe().await?;
    step.finish(sink, outcome, None);
    seed(scenario, source.connection.as_ref(), name, sink, outcome).await?;

    let before = if scenario.file.rollback() {
        let step = Timed::start(name, Step::RecordPreUpgradeState, sink);
        let state = rollback::record(source.connection.as_ref(), batch).await?;
        step.finish(
            sink,
            outcome,
            Some(format!(
                "content hash {}, {} nodes, {} relationships, {} schema item(s)",
                &state.hash.graph_hash[..16.min(state.hash.graph_hash.len())],
                state.hash.nodes,
                state.hash.relationships,
                state.schema.items.len()
            )),
        );
        Some(state)
    } else {
        None
    };

    let source_version = source.info.version.clone();
    let step = Timed::start(name, Step::StopSource, sink);
    let source_store = source.stop_for_store().await?;
    step.finish(
        sink,
        outcome,
        Some(format!("store {} KiB", source_store.size() / 1024)),
    );

    // The dump of the source: the `dump` strategy's input and the rollback's backup.
    let backup = if strategy == Strategy::Dump || before.is_some() {
        let dir = Store::empty(&case.source)?;
        let (_, file) = admin_step(
            name,
            Step::Dump {
                version: source_version.clone(),
                kib: None,
            },
            sink,
            outcome,
            admin.dump(&source_version, source_store.path(), dir.path()),
            |(s, _)| s,
        )
        .await?;
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        if let Some(last) = outcome.timings.last_mut() {
            last.step = Step::Dump {
                version: source_version.clone(),
                kib: Some(size / 1024),
            };
        }
        Some((dir, file))
    } else {
        None
    };

    let versions = case.servers();
    let (target_store, source_store) = match strategy {
        Strategy::Dump => {
            let (_, first) = backup.as_ref().expect("a dump strategy always dumps");
            let mut dump = first.clone();
            // Dumps of hops, kept until the next load read them.
            let mut hop_dumps: Vec<Store> = Vec::new();
            let mut previous = source_version.clone();
            let mut store = None;
            for (i, request) in versions.iter().enumerate().skip(1) {
                let version = request.version.as_str();
                let new = Store::empty(request)?;
                admin_step(
                    name,
                    Step::Load {
                        version: version.to_owned(),
                    },
                    sink,
                    outcome,
                    admin.load(version, new.path(), &dump),
                    |s| s,
                )
                .await?;
                if admin.needs_migrate(&previous, version) {
                    admin_step(
                        name,
                        Step::Migrate {
                            from: previous.clone(),
                            to: version.to_owned(),
                            in_place: false,
                        },
                        sink,
                        outcome,
                        admin.migrate(version, new.path(), migrate_options),
                        |s| s,
                    )
                    .await?;
                }
                if i + 1 < versions.len() {
                    let dir = Store::empty(request)?;
                    let (_, file) = admin_step(
                        name,
                        Step::Dump {
                            version: version.to_owned(),
                            kib: None,
                        },
                        sink,
                        outcome,
                        admin.dump(version, new.path(), dir.path()),
                        |(s, _)| s,
                    )
                    .await?;
                    dump = file;
                    hop_dumps.push(dir);
                }
                previous = version.to_owned();
                store = Some(new);
            }
            drop(hop_dumps);
            let store = store.expect("a case has a target");
            (store, source_store)
        }
        _ => {
            let step = Timed::start(name, Step::CopySourceStore, sink);
            let copy = source_store.copy_for(&case.source)?;
            step.finish(sink, outcome, None);
            let mut previous = source_version.clone();
            for request in versions.iter().skip(1) {
                let version = request.version.as_str();
                if admin.needs_migrate(&previous, version) {
                    admin_step(
                        name,
                        Step::Migrate {
                            from: previous.clone(),
                            to: version.to_owned(),
                            in_place: true,
                        },
                        sink,
                        outcome,
                        admin.migrate(version, source_store.path(), migrate_options),
                        |s| s,
                    )
                    .await?;
                }
                previous = version.to_owned();
            }
            (source_store, copy)
        }
    };

    // Both JVMs start at once: on two cores the second start overlaps the first one's waits.
    let step = Timed::start(name, Step::StartOnStores, sink);
    let (target, source) = tokio::join!(
        Server::start_on(case.target.clone(), target_store),
        Server::start_on(case.source.clone(), source_store)
    );
    let (target, source) = (target?, source?);
    outcome.servers.push(ServerReport::of(&target, "target"));
    let note = format!(
        "{} ready in {:.1}s (reports {}), {} ready in {:.1}s",
        target.connection.describe(),
        target.startup.as_secs_f64(),
        target.info.version,
        source.connection.describe(),
        source.startup.as_secs_f64()
    );
    let mismatch = version_mismatch(&target.request.version, &target.info.version);
    let target_version = target.info.version.clone();
    let described = target.connection.describe();
    servers.push(source);
    servers.push(target);
    if let Some(message) = mismatch {
        return Err(RunError::Refused {
            server: described,
            message,
        });
    }
    step.finish(sink, outcome, Some(note));

    run_checks(case, options, &servers[0], &servers[1], sink, outcome).await?;

    if let (Some(before), Some((_dir, file))) = (before, backup.as_ref()) {
        // The restore and the downgrade attempt run at once: each is mostly a JVM start.
        let step = Timed::start(name, Step::RollbackRestore, sink);
        let target = servers.remove(1);
        let restore = async {
            let begin = Instant::now();
            let store = Store::empty(&case.source)?;
            admin.load(&source_version, store.path(), file).await?;
            let restored = Server::start_on(case.source.clone(), store).await?;
            Ok::<_, EngineError>((restored, begin.elapsed()))
        };
        let downgrade = async {
            let upgraded = target.stop_for_store().await?;
            Ok::<_, EngineError>(Server::start_on(case.source.clone(), upgraded).await)
        };
        let (restored, attempt) = tokio::join!(restore, downgrade);
        let attempt = match attempt? {
            Ok(started) => {
                servers.push(started);
                Ok(())
            }
            Err(e) => Err(crate::io_error::error_chain(&e)),
        };
        let (restored, restore) = restored?;
        step.finish(
            sink,
            outcome,
            Some(format!(
                "neo4j-admin {source_version} load + start in {:.1}s",
                restore.as_secs_f64()
            )),
        );
        let step = Timed::start(name, Step::Check(crate::kinds::CheckKind::Rollback), sink);
        let verified =
            rollback::verify(&before, restored.connection.as_ref(), batch, restore).await;
        servers.push(restored);
        let result = verified?;
        emit(sink, name, &result);
        step.finish(sink, outcome, None);
        outcome.checks.push(result);
        let result = rollback::downgrade(&source_version, &target_version, attempt);
        emit(sink, name, &result);
        outcome.checks.push(result);
    }
    Ok(())
}

fn emit(sink: &dyn EventSink, scenario: &str, outcome: &checks::CheckOutcome) {
    sink.emit(&super::Event::CheckFinished { scenario, outcome });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn case_of(file: &str, edit: impl FnOnce(&mut Scenario)) -> Case {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut scenario = crate::scenario::load_file(&root.join(file)).unwrap();
        edit(&mut scenario);
        let cases = super::super::matrix::expand(&[scenario], &RunOptions::default(), &[]).unwrap();
        cases.into_iter().next().unwrap()
    }

    fn plan_steps(case: &Case) -> Vec<String> {
        crate::run::plan::plan_case(case, &RunOptions::default()).steps
    }

    #[test]
    fn a_dump_plan_dumps_loads_migrates_and_rolls_back() {
        let case = case_of("tests/neo4j-native/dump-5.26-to-2026.08.yaml", |_| {});
        let steps = plan_steps(&case);
        let at = |prefix: &str| {
            steps
                .iter()
                .position(|s| s.starts_with(prefix))
                .unwrap_or_else(|| panic!("no {prefix:?} in {steps:#?}"))
        };
        assert!(at("rollback: record") < at("stop source"));
        assert!(at("dump the source store with neo4j-admin 5.26") < at("load the dump"));
        assert!(at("load the dump into a new store with neo4j-admin 2026.08") < at("migrate it"));
        assert!(at("start target") < at("check counts"));
        assert!(at("check queries") < at("rollback: load the pre-upgrade dump"));
        assert!(at("downgrade attempt") > at("rollback: load"));
    }

    #[test]
    fn an_in_place_plan_copies_and_migrates_the_store_itself() {
        let case = case_of("tests/neo4j-native/in-place-5.26-to-2026.08.yaml", |_| {});
        let steps = plan_steps(&case);
        assert!(!steps.iter().any(|s| s.contains("dump")), "{steps:#?}");
        assert!(steps
            .iter()
            .any(|s| s == "migrate the store in place with neo4j-admin 2026.08"));
        assert!(steps
            .iter()
            .any(|s| s.starts_with("copy the stopped store")));
    }

    #[test]
    fn a_same_line_upgrade_needs_no_migrate() {
        let case = case_of("tests/neo4j-native/in-place-5.26-to-2026.08.yaml", |s| {
            s.file.target.version.value = "5.26.30".into();
        });
        let steps = plan_steps(&case);
        assert!(!steps.iter().any(|s| s.contains("migrate")), "{steps:#?}");
    }
}
