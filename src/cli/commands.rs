use std::path::PathBuf;
use std::time::Duration;

use crate::report::terminal::{ColorChoice, Level, TerminalReporter};
use crate::report::{html, json, junit, markdown};
use crate::run::{self, matrix, plan::plan_case, Case, RunOptions, RunnerSettings, Verdict};
use crate::scenario::{self, Scenario};

use super::args::{
    Cli, Command, DumpArgs, ListFormat, MatrixArgs, ReportArgs, RunnerArgs, ServerArgs,
};
use super::exit::Exit;

pub async fn dispatch(cli: Cli) -> Exit {
    let style = Style {
        color: cli.color,
        quiet: cli.quiet,
    };
    // Settings of every connection and launcher, whatever the command.
    let edge = RunOptions {
        query_timeout: cli.query_timeout.and_then(|t| t.0),
        neo4j_heap: cli.neo4j_heap.clone().filter(|h| !h.trim().is_empty()),
        ..RunOptions::default()
    };
    match cli.command {
        Command::Validate { paths } => validate(&paths),
        Command::Plan {
            paths,
            servers,
            matrix,
        } => {
            let options = options(&servers, &edge);
            match load_cases(&paths, &options, &matrix) {
                Ok(cases) => {
                    for case in &cases {
                        out(&plan_case(case, &options).to_string());
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
        } => match load_cases(&paths, &options(&servers, &edge), &matrix) {
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
                ..options(&servers, &edge)
            };
            match load_cases(&paths, &options, &matrix) {
                Ok(cases) => {
                    run_all(
                        &cases,
                        &options,
                        &runner,
                        &reports,
                        style.level(verbose),
                        style.color,
                    )
                    .await
                }
                Err(code) => code,
            }
        }
        Command::Migrations {
            paths,
            servers,
            reports,
            matrix,
            runner,
            verbose,
        } => {
            let options = RunOptions {
                only_migrations: true,
                ..options(&servers, &edge)
            };
            match load_cases(&paths, &options, &matrix) {
                Ok(cases) => {
                    let without: Vec<&str> = cases
                        .iter()
                        .filter(|c| c.scenario.migration_set.is_none())
                        .map(|c| c.name.as_str())
                        .collect();
                    if !without.is_empty() {
                        eprintln!(
                            "error: failed to test migrations: these cases' scenarios have no `migrations:` section: {}",
                            without.join(", ")
                        );
                        return Exit::BadInput;
                    }
                    run_all(
                        &cases,
                        &options,
                        &runner,
                        &reports,
                        style.level(verbose),
                        style.color,
                    )
                    .await
                }
                Err(code) => code,
            }
        }
        Command::Export { from, file, dump } => export_dump(&from, &file, dump, &edge).await,
        Command::Cleanup => cleanup_leftovers().await,
        Command::Verify {
            source_uri,
            target_uri,
            checks,
            source_graph,
            target_graph,
            reports,
            verbose,
        } => {
            let scenario = match run::verify::scenario(
                &source_uri,
                &target_uri,
                source_graph.as_deref(),
                target_graph.as_deref(),
                checks.as_deref(),
            ) {
                Ok(s) => s,
                Err(e) => {
                    report_error(&e);
                    return Exit::BadInput;
                }
            };
            let options = RunOptions {
                source_uri: Some(source_uri),
                target_uri: Some(target_uri),
                ..edge.clone()
            };
            let cases = match matrix::expand(std::slice::from_ref(&scenario), &options, &[]) {
                Ok(cases) => cases,
                Err(e) => {
                    report_error(&e);
                    return Exit::BadInput;
                }
            };
            let runner = RunnerArgs {
                jobs: 1,
                fail_fast: false,
                no_reuse: true,
            };
            run_all(
                &cases,
                &options,
                &runner,
                &reports,
                style.level(verbose),
                style.color,
            )
            .await
        }
        Command::Completions { shell } => {
            let mut text = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "migration-harness",
                &mut text,
            );
            out(&String::from_utf8_lossy(&text));
            Exit::Pass
        }
        Command::Schema => {
            out(&crate::scenario::json_schema_text());
            Exit::Pass
        }
        Command::Man => {
            let mut text = Vec::new();
            match clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut text)
            {
                Ok(()) => {
                    out(&String::from_utf8_lossy(&text));
                    Exit::Pass
                }
                Err(e) => {
                    eprintln!("error: failed to render the man page: {e}");
                    Exit::Infrastructure
                }
            }
        }
        Command::Import {
            file,
            uri,
            dump,
            allow_destructive,
        } => import_dump(&file, &uri, dump, allow_destructive, &edge).await,
    }
}

/// The terminal style the global flags ask for.
#[derive(Clone, Copy)]
struct Style {
    color: ColorChoice,
    quiet: bool,
}

impl Style {
    fn level(self, verbose: bool) -> Level {
        match (self.quiet, verbose) {
            (true, _) => Level::Quiet,
            (false, true) => Level::Verbose,
            (false, false) => Level::Normal,
        }
    }
}

fn options(args: &ServerArgs, edge: &RunOptions) -> RunOptions {
    RunOptions {
        source_uri: args.source_uri.clone(),
        target_uri: args.target_uri.clone(),
        source_version: args.source_version.clone(),
        target_version: args.target_version.clone(),
        allow_destructive: args.allow_destructive,
        no_pull: args.no_pull,
        startup_timeout: args.startup_timeout.map(Duration::from_secs),
        update_snapshots: false,
        launcher: args.launcher,
        only_migrations: false,
        no_graph_bulk: !args.graph_bulk,
        query_timeout: edge.query_timeout,
        neo4j_heap: edge.neo4j_heap.clone(),
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
        Some(list) => matrix::parse_pairs(list).map_err(|e| bad(&format!("--versions: {e}")))?,
        None => Vec::new(),
    };
    let partition = match &args.partition {
        Some(p) => Some(p.parse::<run::Partition>().map_err(|e| bad(&e))?),
        None => None,
    };
    let scenarios = load_all(paths)?;
    check_uris(&scenarios, options)?;
    let cases = matrix::expand(&scenarios, options, &versions).map_err(|e| {
        report_error(&e);
        Exit::BadInput
    })?;
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

/// `--source-uri` / `--target-uri` must be URIs of the engine of each scenario's side (schemes
/// from the engine's descriptor), checked before anything starts.
fn check_uris(scenarios: &[Scenario], options: &RunOptions) -> Result<(), Exit> {
    use crate::engine::endpoint::Endpoint;
    let mut reported = std::collections::HashSet::new();
    for s in scenarios {
        for (flag, uri, engine) in [
            ("--source-uri", &options.source_uri, s.file.source.engine),
            ("--target-uri", &options.target_uri, s.file.target.engine),
        ] {
            let Some(uri) = uri else { continue };
            if let Err(message) = Endpoint::parse_for(uri, engine) {
                if reported.insert((flag, engine)) {
                    eprintln!(
                        "error: {flag}: {message} (the {} of scenario {} in {})",
                        if flag == "--source-uri" {
                            "source"
                        } else {
                            "target"
                        },
                        s.name(),
                        s.path.display()
                    );
                }
            }
        }
    }
    if reported.is_empty() {
        Ok(())
    } else {
        Err(Exit::BadInput)
    }
}

/// `list`: case names (text), or JSON for a CI matrix.
fn list(cases: &[Case], format: ListFormat) {
    match format {
        ListFormat::Text => {
            for c in cases {
                out(&format!("{}\n", c.name));
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
            out(&format!(
                "{}\n",
                serde_json::to_string(&items).unwrap_or_else(|_| "[]".into())
            ));
        }
    }
}

/// The one printer of an error for the user: `error: <message>`, then `  caused by: <cause>`
/// for each level of its `source()` chain (each error's message holds only its own context).
/// A cause whose text its parent's message already ends with is not printed again.
pub(crate) fn report_error(e: &dyn std::error::Error) {
    eprintln!("error: {e}");
    let mut parent = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !text.is_empty() && !parent.ends_with(&text) {
            eprintln!("  caused by: {text}");
        }
        parent = text;
        cause = c.source();
    }
}

/// Loads every scenario first, so bad input stops the command before any server starts.
fn load_all(paths: &[PathBuf]) -> Result<Vec<Scenario>, Exit> {
    let files = scenario::discover(paths).map_err(|e| {
        report_error(&e);
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
                report_error(&e);
                failed = true;
            }
        }
    }
    for e in scenario::duplicate_names(&scenarios) {
        report_error(&e);
        failed = true;
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
                    report_error(&e);
                    refused = true;
                }
            }
            if refused {
                return Exit::BadInput;
            }
            for s in &scenarios {
                let migrations = match &s.migration_set {
                    Some(set) => format!(
                        ", {} migration(s) in {} ({} layout)",
                        set.migrations.len() + set.repeatable.len(),
                        set.dir.display(),
                        set.layout
                    ),
                    None => String::new(),
                };
                // The check kinds `plan` and `run` list too.
                let kinds: Vec<&str> = s.check_kinds().iter().map(|k| k.as_str()).collect();
                say(&format!(
                    "ok {} ({}, {} fixture statement(s), {} check(s): {}{migrations})",
                    s.path.display(),
                    s.name(),
                    s.fixture_statements.len(),
                    kinds.len(),
                    kinds.join(", ")
                ));
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
    level: Level,
    color: ColorChoice,
) -> Exit {
    let reporter = TerminalReporter::stderr_with(level, color);
    // Cases on an external server run one at a time: run_cases enforces it (and says so).
    let settings = RunnerSettings {
        jobs: runner.jobs.max(1),
        fail_fast: runner.fail_fast,
        reuse: !runner.no_reuse,
    };
    // The run owns its server pool: dropping this future (a signal, see cli::main) drops
    // every server of the run, which removes its container or process.
    let outcomes = run::run_cases(cases, options, &settings, &reporter).await;
    let count = |v: Verdict| outcomes.iter().filter(|o| o.verdict == v).count();
    let (pass, fail, error, skipped) = (
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Error),
        count(Verdict::Skipped),
    );
    if skipped > 0 {
        say(&format!(
            "{pass} passed, {fail} failed, {error} errored, {skipped} skipped"
        ));
    } else {
        say(&format!("{pass} passed, {fail} failed, {error} errored"));
    }
    type Writer = fn(&std::path::Path, &[run::ScenarioOutcome]) -> std::io::Result<()>;
    let writers: [(&Option<PathBuf>, &str, Writer); 4] = [
        (&reports.json, "JSON", json::write),
        (&reports.junit, "JUnit", junit::write),
        (&reports.markdown, "Markdown", markdown::write),
        (&reports.html, "HTML", html::write),
    ];
    // Every report is attempted: one bad path does not cost the others.
    let mut report_failed = false;
    for (path, kind, write) in writers {
        if let Some(path) = path {
            if let Err(e) = write(path, &outcomes) {
                eprintln!(
                    "error: failed to write {kind} report {}: {}",
                    path.display(),
                    crate::io_error::describe_io_error(&e)
                );
                report_failed = true;
            }
        }
    }
    if error > 0 || report_failed {
        Exit::Infrastructure
    } else if fail > 0 {
        Exit::CheckFailed
    } else {
        Exit::Pass
    }
}

fn dump_progress(p: crate::transfer::Progress) {
    eprintln!("  {}: {}", p.phase, p.done);
}

fn archive_exit(e: &crate::run::archive::ArchiveError) -> Exit {
    report_error(e);
    match e {
        crate::run::archive::ArchiveError::BadInput(_)
        | crate::run::archive::ArchiveError::Scenario { .. }
        | crate::run::archive::ArchiveError::BadDump(_) => Exit::BadInput,
        _ => Exit::Infrastructure,
    }
}

/// `export`: a scenario's seeded source or an external server to a dump file.
async fn export_dump(
    from: &str,
    file: &std::path::Path,
    args: DumpArgs,
    edge: &RunOptions,
) -> Exit {
    use crate::run::archive;
    match archive::export(
        from,
        file,
        args.graph,
        args.batch_size,
        edge,
        &dump_progress,
    )
    .await
    {
        Ok(h) => {
            eprintln!(
                "exported {} nodes, {} relationships from {} to {} (content hash {})",
                h.nodes,
                h.relationships,
                h.server,
                if crate::transfer::dump::is_stdout(file) {
                    "standard output".to_owned()
                } else {
                    file.display().to_string()
                },
                h.hash
            );
            Exit::Pass
        }
        Err(e) => archive_exit(&e),
    }
}

/// `import`: a dump file into a server; findings or a hash mismatch exit with CheckFailed.
async fn import_dump(
    file: &std::path::Path,
    uri: &str,
    args: DumpArgs,
    wipe: bool,
    edge: &RunOptions,
) -> Exit {
    use crate::run::archive;
    match archive::import(
        file,
        uri,
        args.graph,
        args.batch_size,
        &RunOptions {
            allow_destructive: wipe,
            no_graph_bulk: !args.graph_bulk,
            ..edge.clone()
        },
        &dump_progress,
    )
    .await
    {
        Ok(archive::Imported { report: r, schema }) => {
            eprintln!(
                "imported {} nodes, {} relationships from {} (taken from {})",
                r.stats.nodes,
                r.stats.relationships,
                file.display(),
                r.header.server
            );
            for n in &r.notes {
                eprintln!("  note: {n}");
            }
            for f in &r.stats.findings {
                eprintln!("  finding: {f}");
            }
            let mut passed = true;
            if let Some(schema) = &schema {
                let mark = if schema.passed { "ok" } else { "FAIL" };
                eprintln!("schema {mark}: {} (dump vs target)", schema.summary);
                for d in &schema.details {
                    eprintln!("  {d}");
                }
                passed &= schema.passed;
            }
            if r.target_hash == r.header.hash {
                eprintln!("content hash matches the dump: {}", r.header.hash);
            } else {
                eprintln!(
                    "FAIL content hash differs: dump {}, target {}",
                    r.header.hash, r.target_hash
                );
                passed = false;
            }
            if passed {
                Exit::Pass
            } else {
                Exit::CheckFailed
            }
        }
        Err(e) => archive_exit(&e),
    }
}

/// `cleanup`: removes what killed runs left behind (processes, data directories, containers),
/// leaving live runs alone.
async fn cleanup_leftovers() -> Exit {
    use crate::engine::launcher::registry;
    let mut failed = false;
    match tokio::task::spawn_blocking(registry::reap_dead_runs).await {
        Ok(Ok(r)) => say(&format!(
            "removed {} dead run(s) of the process launcher, {} server process(es) killed ({})",
            r.runs,
            r.processes,
            registry::root().display()
        )),
        Ok(Err(e)) => {
            eprintln!("error: failed to clean {}: {e}", registry::root().display());
            failed = true;
        }
        Err(e) => {
            eprintln!("error: failed to clean up: {e}");
            failed = true;
        }
    }
    match crate::engine::launcher::docker::remove_dead_runs_containers().await {
        Ok(Some(n)) => say(&format!("removed {n} container(s) of dead runs")),
        Ok(None) => say("no Docker engine: no containers to look at"),
        Err(e) => {
            eprintln!("error: failed to remove containers of dead runs: {e}");
            failed = true;
        }
    }
    if failed {
        Exit::Infrastructure
    } else {
        Exit::Pass
    }
}

/// Writes to stdout. A closed stdout (`plan ... | head -1`) ends the process quietly with
/// exit 0, as other command-line tools do, instead of a panic; only commands that have
/// nothing running (plan, list) print this way before their end.
fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: failed to write to stdout: {e}");
        std::process::exit(3);
    }
}

/// Writes one line to stdout for a command that goes on after it (run: the reports still get
/// written; validate, cleanup: the exit code still counts): a closed stdout is not an error and
/// ends nothing; another write error is said once on stderr.
fn say(line: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: failed to write to stdout: {e}");
        }
    }
}
