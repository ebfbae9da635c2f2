use std::path::PathBuf;
use std::time::Duration;

use migration_harness::report::{html, json, junit, markdown, terminal::TerminalReporter};
use migration_harness::run::{
    self, matrix, plan::plan_case, Case, RunOptions, RunnerSettings, Verdict,
};
use migration_harness::scenario::{self, Scenario};

use super::args::{
    Cli, Command, DumpArgs, ListFormat, MatrixArgs, ReportArgs, RunnerArgs, ServerArgs,
};
use super::exit::Exit;

pub async fn dispatch(cli: Cli) -> Exit {
    match cli.command {
        Command::Validate { paths } => validate(&paths),
        Command::Plan {
            paths,
            servers,
            matrix,
        } => {
            let options = options(&servers);
            match load_cases(&paths, &options, &matrix) {
                Ok(cases) => {
                    for case in &cases {
                        print!("{}", plan_case(case, &options));
                    }
                    Exit::Pass
                }
                Err(code) => code,
            }
        }
        Command::List {
            paths,
            format,
            servers,
            matrix,
        } => match load_cases(&paths, &options(&servers), &matrix) {
            Ok(cases) => {
                list(&cases, format);
                Exit::Pass
            }
            Err(code) => code,
        },
        Command::Run {
            paths,
            servers,
            reports,
            matrix,
            runner,
            verbose,
            update_snapshots,
        } => {
            let options = RunOptions {
                update_snapshots,
                ..options(&servers)
            };
            match load_cases(&paths, &options, &matrix) {
                Ok(cases) => run_all(&cases, &options, &runner, &reports, verbose).await,
                Err(code) => code,
            }
        }
        Command::Export { from, file, dump } => export_dump(&from, &file, dump).await,
        Command::Import {
            file,
            uri,
            dump,
            allow_destructive,
        } => import_dump(&file, &uri, dump, allow_destructive).await,
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

/// Loads every scenario and expands the matrix (upgrade-path rules, filter, partition) before
/// anything starts: a refused pair is bad input.
fn load_cases(
    paths: &[PathBuf],
    options: &RunOptions,
    args: &MatrixArgs,
) -> Result<Vec<Case>, Exit> {
    let bad = |e: &dyn std::fmt::Display| {
        eprintln!("error: {e}");
        Exit::BadInput
    };
    let versions = match &args.versions {
        Some(list) => matrix::parse_pairs(list).map_err(|e| bad(&e))?,
        None => Vec::new(),
    };
    let partition = match &args.partition {
        Some(p) => Some(p.parse::<run::Partition>().map_err(|e| bad(&e))?),
        None => None,
    };
    let scenarios = load_all(paths)?;
    let cases = matrix::expand(&scenarios, options, &versions).map_err(|e| bad(&e))?;
    let cases = matrix::select(cases, args.filter.as_deref(), partition);
    if cases.is_empty() {
        // An empty shard is normal when there are more shards than cases.
        if partition.is_none() {
            eprintln!("error: no case matches the filter");
            return Err(Exit::BadInput);
        }
        eprintln!("note: no case in this partition");
    }
    Ok(cases)
}

/// `list`: case names (text), or JSON for a CI matrix.
fn list(cases: &[Case], format: ListFormat) {
    match format {
        ListFormat::Text => {
            for c in cases {
                println!("{}", c.name);
            }
        }
        ListFormat::Json => {
            let items: Vec<serde_json::Value> = cases
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "name": c.name,
                        "scenario": c.scenario.name(),
                        "file": c.scenario.path.display().to_string(),
                        "source": format!("{} {}", c.source.engine, c.source.version),
                        "target": format!("{} {}", c.target.engine, c.target.version),
                        "hops": c.hops.iter().map(|h| h.version.clone()).collect::<Vec<_>>(),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string(&items).unwrap_or_else(|_| "[]".into())
            );
        }
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
            // The matrix and its upgrade-path rules are part of a file's validity.
            let mut refused = false;
            for s in &scenarios {
                if let Err(e) = matrix::expand(std::slice::from_ref(s), &RunOptions::default(), &[])
                {
                    eprintln!("error: {e}");
                    refused = true;
                }
            }
            if refused {
                return Exit::BadInput;
            }
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
    cases: &[Case],
    options: &RunOptions,
    runner: &RunnerArgs,
    reports: &ReportArgs,
    verbose: bool,
) -> Exit {
    let reporter = TerminalReporter::stderr(verbose);
    let mut settings = RunnerSettings {
        jobs: runner.jobs.max(1),
        fail_fast: runner.fail_fast,
        reuse: !runner.no_reuse,
    };
    // Cases on an external server would share it: run them one at a time.
    if settings.jobs > 1
        && cases
            .iter()
            .any(|c| c.source.endpoint.is_some() || c.target.endpoint.is_some())
    {
        eprintln!("note: cases use an external server, running them one at a time");
        settings.jobs = 1;
    }
    // The run owns its server pool: dropping this future (Ctrl-C) drops every server of the run,
    // which removes its container.
    let run = run::run_cases(cases, options, &settings, &reporter);
    // Ctrl-C drops the running cases (their servers are removed on drop), then removes any
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
    let (pass, fail, error, skipped) = (
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Error),
        count(Verdict::Skipped),
    );
    if skipped > 0 {
        println!("{pass} passed, {fail} failed, {error} errored, {skipped} skipped");
    } else {
        println!("{pass} passed, {fail} failed, {error} errored");
    }
    type Writer = fn(&std::path::Path, &[run::ScenarioOutcome]) -> std::io::Result<()>;
    let writers: [(&Option<PathBuf>, &str, Writer); 4] = [
        (&reports.json, "JSON", json::write),
        (&reports.junit, "JUnit", junit::write),
        (&reports.markdown, "Markdown", markdown::write),
        (&reports.html, "HTML", html::write),
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

fn dump_progress(p: migration_harness::transfer::Progress) {
    eprintln!("  {}: {}", p.phase, p.done);
}

fn archive_exit(e: &migration_harness::transfer::archive::ArchiveError) -> Exit {
    eprintln!("error: {e}");
    match e {
        migration_harness::transfer::archive::ArchiveError::BadInput(_) => Exit::BadInput,
        _ => Exit::Infrastructure,
    }
}

/// `export`: a scenario's seeded source or an external server to a dump file.
async fn export_dump(from: &str, file: &std::path::Path, args: DumpArgs) -> Exit {
    use migration_harness::transfer::archive;
    match archive::export(from, file, args.graph, args.batch_size, &dump_progress).await {
        Ok(h) => {
            eprintln!(
                "exported {} nodes, {} relationships from {} to {} (content hash {})",
                h.nodes,
                h.relationships,
                h.server,
                file.display(),
                h.hash
            );
            Exit::Pass
        }
        Err(e) => archive_exit(&e),
    }
}

/// `import`: a dump file into a server; findings or a hash mismatch exit with CheckFailed.
async fn import_dump(file: &std::path::Path, uri: &str, args: DumpArgs, wipe: bool) -> Exit {
    use migration_harness::transfer::archive;
    match archive::import(file, uri, args.graph, wipe, args.batch_size, &dump_progress).await {
        Ok(r) => {
            eprintln!(
                "imported {} nodes, {} relationships from {} (taken from {})",
                r.stats.nodes,
                r.stats.relationships,
                file.display(),
                r.header.server
            );
            for f in &r.stats.findings {
                eprintln!("  finding: {f}");
            }
            if r.target_hash == r.header.hash {
                eprintln!("content hash matches the dump: {}", r.header.hash);
                Exit::Pass
            } else {
                eprintln!(
                    "FAIL content hash differs: dump {}, target {}",
                    r.header.hash, r.target_hash
                );
                Exit::CheckFailed
            }
        }
        Err(e) => archive_exit(&e),
    }
}
