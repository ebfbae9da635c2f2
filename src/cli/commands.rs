use std::path::PathBuf;
use std::time::Duration;

use migration_harness::report::{json, junit, markdown, terminal::TerminalReporter};
use migration_harness::run::{self, plan::plan, RunOptions, Verdict};
use migration_harness::scenario::{self, Scenario};

use super::args::{Cli, Command, ReportArgs, ServerArgs};
use super::exit::Exit;

pub async fn dispatch(cli: Cli) -> Exit {
    match cli.command {
        Command::Validate { paths } => validate(&paths),
        Command::Plan { paths, servers } => match load_all(&paths) {
            Ok(scenarios) => {
                let options = options(&servers);
                for s in &scenarios {
                    print!("{}", plan(s, &options));
                }
                Exit::Pass
            }
            Err(code) => code,
        },
        Command::Run {
            paths,
            servers,
            reports,
            verbose,
            update_snapshots,
        } => match load_all(&paths) {
            Ok(scenarios) => {
                let options = RunOptions {
                    update_snapshots,
                    ..options(&servers)
                };
                run_all(&scenarios, &options, &reports, verbose).await
            }
            Err(code) => code,
        },
    }
}

fn options(args: &ServerArgs) -> RunOptions {
    RunOptions {
        source_uri: args.source_uri.clone(),
        target_uri: args.target_uri.clone(),
        source_version: args.source_version.clone(),
        target_version: args.target_version.clone(),
        allow_destructive: args.allow_destructive,
        no_pull: args.no_pull,
        startup_timeout: args.startup_timeout.map(Duration::from_secs),
        update_snapshots: false,
    }
}

/// Loads every scenario first, so bad input stops the command before any server starts.
fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>, Exit> {
    let files = scenario::discover(paths).map_err(|e| {
        eprintln!("error: {e}");
        Exit::BadInput
    })?;
    if files.is_empty() {
        eprintln!(
            "error: no scenario files (*.yaml, *.yml) under {}",
            display_paths(paths)
        );
        return Err(Exit::BadInput);
    }
    let mut scenarios = Vec::new();
    let mut failed = false;
    for file in files {
        match scenario::load_file(&file) {
            Ok(s) => scenarios.push(s),
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    if failed {
        Err(Exit::BadInput)
    } else {
        Ok(scenarios)
    }
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn validate(paths: &[PathBuf]) -> Exit {
    match load_all(paths) {
        Ok(scenarios) => {
            for s in &scenarios {
                println!(
                    "ok {} ({}, {} fixture statement(s), {} check(s))",
                    s.path.display(),
                    s.name(),
                    s.fixture_statements.len(),
                    s.checks().len()
                );
            }
            Exit::Pass
        }
        Err(code) => code,
    }
}

async fn run_all(
    scenarios: &[Scenario],
    options: &RunOptions,
    reports: &ReportArgs,
    verbose: bool,
) -> Exit {
    let reporter = TerminalReporter::stderr(verbose);
    let run = async {
        let mut outcomes = Vec::new();
        for s in scenarios {
            outcomes.push(run::run_scenario(s, options, &reporter).await);
        }
        outcomes
    };
    // Ctrl-C drops the running scenario (its servers are removed on drop), then removes any
    // container of this run that was still being started.
    let outcomes = tokio::select! {
        outcomes = run => outcomes,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("interrupted: removing the servers this run started");
            match migration_harness::engine::cleanup::remove_run_containers().await {
                Ok(n) if n > 0 => eprintln!("removed {n} container(s) left mid-start"),
                Ok(_) => {}
                Err(e) => eprintln!("error: failed to remove containers: {e}"),
            }
            return Exit::Interrupted;
        }
    };
    let count = |v: Verdict| outcomes.iter().filter(|o| o.verdict == v).count();
    let (pass, fail, error) = (
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Error),
    );
    println!("{pass} passed, {fail} failed, {error} errored");
    type Writer = fn(&std::path::Path, &[run::ScenarioOutcome]) -> std::io::Result<()>;
    let writers: [(&Option<PathBuf>, &str, Writer); 3] = [
        (&reports.json, "JSON", json::write),
        (&reports.junit, "JUnit", junit::write),
        (&reports.markdown, "Markdown", markdown::write),
    ];
    for (path, kind, write) in writers {
        if let Some(path) = path {
            if let Err(e) = write(path, &outcomes) {
                eprintln!(
                    "error: failed to write {kind} report {}: {e}",
                    path.display()
                );
                return Exit::Infrastructure;
            }
        }
    }
    if error > 0 {
        Exit::Infrastructure
    } else if fail > 0 {
        Exit::CheckFailed
    } else {
        Exit::Pass
    }
}
