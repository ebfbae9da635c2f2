use std::path::PathBuf;

use crate::report::terminal::ColorChoice;
use clap::builder::FalseyValueParser;
use clap::{Args, Parser, Subcommand};

/// Tells you, before you bump a graph database version, exactly what the upgrade will break.
///
/// Every flag has an environment variable twin (shown in --help), for CI.
#[derive(Debug, Parser)]
#[command(name = "migration-harness", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour the verdict words: `auto` (when stderr is a terminal and NO_COLOR is unset),
    /// `always` or `never`.
    #[arg(long, global = true, env = "MH_COLOR", value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only the cases that did not pass (with their failing checks), the summary and the
    /// recap; no step or check lines. Wins over --verbose.
    #[arg(long, short, global = true, env = "MH_QUIET", value_parser = FalseyValueParser::new())]
    pub quiet: bool,
    /// Limit of one statement on either engine, from sending it to its last row: `30`, `30s`,
    /// `500ms`, `5m` [default: 600 s].
    #[arg(long, global = true, env = "MH_QUERY_TIMEOUT", value_name = "DURATION", value_parser = query_timeout)]
    pub query_timeout: Option<QueryTimeout>,
    /// Maximum heap of a Neo4j server the harness starts as a process (`-Xmx`), e.g. `2g`
    /// [default: 768m].
    #[arg(long, global = true, env = "MH_NEO4J_HEAP", value_name = "SIZE")]
    pub neo4j_heap: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse and statically check scenario files; starts nothing.
    Validate {
        /// Scenario files or directories (searched for *.yaml / *.yml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the steps a scenario would run; starts nothing.
    Plan {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        servers: ServerArgs,
        #[command(flatten)]
        matrix: MatrixArgs,
    },
    /// Print the cases (scenario x version pair) a run would execute; starts nothing.
    List {
        /// Scenario files or directories (default: scenarios).
        #[arg(default_value = "scenarios")]
        paths: Vec<PathBuf>,
        /// `text`: one case name per line; `json`: an array of {name, scenario, file, source,
        /// target, hops} for a CI matrix.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        #[command(flatten)]
        servers: ServerArgs,
        #[command(flatten)]
        matrix: MatrixArgs,
    },
    /// Run scenarios end to end: start servers, seed, transfer, check.
    Run {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        servers: ServerArgs,
        #[command(flatten)]
        reports: ReportArgs,
        #[command(flatten)]
        matrix: MatrixArgs,
        #[command(flatten)]
        runner: RunnerArgs,
        /// Print every step (when it starts and ends) and every check as it runs, not only one
        /// line per case.
        #[arg(long, short, env = "MH_VERBOSE", value_parser = FalseyValueParser::new())]
        verbose: bool,
        /// Write missing or different query snapshots (snapshots/<scenario>__<query>.snap next
        /// to the scenario) instead of failing; review the diff before committing them.
        #[arg(long, env = "MH_UPDATE_SNAPSHOTS", value_parser = FalseyValueParser::new())]
        update_snapshots: bool,
    },
    /// Test the scenarios' migration scripts (`migrations:`) on each server of every case:
    /// applies, dry run, idempotent, reversible, history, same on both (docs/MIGRATIONS.md).
    /// Starts the servers; no transfer and no other checks. Same reports and exit codes as `run`.
    Migrations {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        servers: ServerArgs,
        #[command(flatten)]
        reports: ReportArgs,
        #[command(flatten)]
        matrix: MatrixArgs,
        #[command(flatten)]
        runner: RunnerArgs,
        /// Print every step (when it starts and ends) and every check as it runs, not only one
        /// line per case.
        #[arg(long, short, env = "MH_VERBOSE", value_parser = FalseyValueParser::new())]
        verbose: bool,
    },
    /// Export a whole graph to a dump file (JSON Lines with a header: docs/DUMP-FORMAT.md).
    /// FROM is a scenario file (its source server is started and seeded with the fixtures) or
    /// a server URI (redis://host:port, bolt://user:pw@host:7687), which is only read.
    Export {
        from: String,
        /// The dump file (`-`: standard output). It must be absent or a regular file: links,
        /// directories and FIFOs are refused.
        file: PathBuf,
        #[command(flatten)]
        dump: DumpArgs,
    },
    /// Compare two live graphs as they are: counts, content hash (with exact differences) and
    /// schema, or the checks and queries of --checks FILE. Reads both servers, never writes to
    /// either. Same reports and exit codes as `run`.
    Verify {
        /// The source server (bolt://user:pw@host:7687, redis://host:6379).
        source_uri: String,
        /// The target server.
        target_uri: String,
        /// Take the checks and queries from this scenario file (it must have no fixtures; its
        /// versions are checked against what the servers report).
        #[arg(long, value_name = "FILE")]
        checks: Option<PathBuf>,
        /// Source graph key (FalkorDB) or database (Neo4j).
        #[arg(long, value_name = "NAME")]
        source_graph: Option<String>,
        /// Target graph key (FalkorDB) or database (Neo4j).
        #[arg(long, value_name = "NAME")]
        target_graph: Option<String>,
        #[command(flatten)]
        reports: ReportArgs,
        /// Print every step (when it starts and ends) and every check as it runs, not only one
        /// line per case.
        #[arg(long, short, env = "MH_VERBOSE", value_parser = FalseyValueParser::new())]
        verbose: bool,
    },
    /// Remove what killed runs left behind: server processes and data directories of the
    /// process launcher, containers of the Docker launcher. Live runs are left alone. Every run
    /// also does this for the process launcher when it starts its first server.
    Cleanup,
    /// Print a shell completion script to standard output, e.g.
    /// `migration-harness completions bash > /etc/bash_completion.d/migration-harness`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to standard output, e.g.
    /// `migration-harness man > migration-harness.1`.
    Man,
    /// Print the JSON Schema of scenario files to standard output (also committed as
    /// docs/scenario.schema.json), for editors that complete and check YAML against it.
    Schema,
    /// Load a dump file into the server at URI, which must be empty unless --allow-destructive.
    Import {
        file: PathBuf,
        uri: String,
        #[command(flatten)]
        dump: DumpArgs,
        /// Wipe the target graph first (also how a failed import is re-run).
        #[arg(long, env = "MH_ALLOW_DESTRUCTIVE", value_parser = FalseyValueParser::new())]
        allow_destructive: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

/// Which cases: version pairs, filter, shard.
#[derive(Debug, Clone, Args)]
pub struct MatrixArgs {
    /// Replace every scenario's version pairs: SOURCE:TARGET[,SOURCE:TARGET...], e.g.
    /// 4.14.11:4.18.3,4.16.3:4.18.3.
    #[arg(long, env = "MH_VERSIONS", value_name = "PAIRS")]
    pub versions: Option<String>,
    /// Keep only cases whose name contains this text (e.g. `quickstart` or `->falkordb-4.18.3`).
    #[arg(long, env = "MH_FILTER", value_name = "TEXT")]
    pub filter: Option<String>,
    /// Run only shard I of N (1-based), after the filter: case k goes to shard k % N + 1.
    #[arg(long, env = "MH_PARTITION", value_name = "I/N")]
    pub partition: Option<String>,
}

/// How cases are scheduled.
#[derive(Debug, Clone, Args)]
pub struct RunnerArgs {
    /// Run at most N cases at a time.
    #[arg(
        long,
        short = 'j',
        env = "MH_JOBS",
        value_name = "N",
        default_value_t = 1
    )]
    pub jobs: usize,
    /// Stop starting cases after the first failure or error (the rest are reported skipped).
    #[arg(long, env = "MH_FAIL_FAST", value_parser = FalseyValueParser::new())]
    pub fail_fast: bool,
    /// Start fresh servers for every case instead of reusing them (wiped) across cases.
    #[arg(long, env = "MH_NO_REUSE", value_parser = FalseyValueParser::new())]
    pub no_reuse: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Write a JSON report (verdicts, check details, step timings) to this file.
    #[arg(long, env = "MH_JSON_REPORT", value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a JUnit XML report (one test case per case) to this file.
    #[arg(long, env = "MH_JUNIT_REPORT", value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a Markdown summary to this file (e.g. "$GITHUB_STEP_SUMMARY").
    #[arg(long, env = "MH_MARKDOWN_REPORT", value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write a self-contained HTML report (matrix grid, check details, latency) to this file.
    #[arg(long, env = "MH_HTML_REPORT", value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Use this running server as the source (bolt://user:pw@host:7687 or redis://host:6379).
    #[arg(
        long,
        env = "MH_SOURCE_URI",
        value_name = "URI",
        hide_env_values = true
    )]
    pub source_uri: Option<String>,
    /// Use this running server as the target.
    #[arg(
        long,
        env = "MH_TARGET_URI",
        value_name = "URI",
        hide_env_values = true
    )]
    pub target_uri: Option<String>,
    /// Override the source version (image tag) of every scenario.
    #[arg(long, env = "MH_SOURCE_VERSION", value_name = "VERSION")]
    pub source_version: Option<String>,
    /// Override the target version (image tag) of every scenario.
    #[arg(long, env = "MH_TARGET_VERSION", value_name = "VERSION")]
    pub target_version: Option<String>,
    /// Let the harness wipe servers it did not start (external endpoints). Off by default:
    /// without it an external server must be empty.
    #[arg(long, env = "MH_ALLOW_DESTRUCTIVE", value_parser = FalseyValueParser::new())]
    pub allow_destructive: bool,
    /// Never `docker pull` a missing image.
    #[arg(long, env = "MH_NO_PULL", value_parser = FalseyValueParser::new())]
    pub no_pull: bool,
    /// Seconds to wait for each server to become ready (default: the scenario's, else 300).
    #[arg(long, env = "MH_STARTUP_TIMEOUT", value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub startup_timeout: Option<u64>,
    /// How to start servers: `auto` (Docker when an engine answers, else local processes),
    /// `docker` or `process` (default: the scenario's `launcher:`, else auto).
    #[arg(long, env = "MH_LAUNCHER", value_name = "auto|docker|process")]
    pub launcher: Option<crate::engine::launcher::LauncherKind>,
    /// `off`: copy into FalkorDB through Cypher only, not its GRAPH.BULK loader (used by
    /// default when the target graph does not exist yet).
    #[arg(long, env = "MH_GRAPH_BULK", value_name = "on|off", default_value = "on", action = clap::ArgAction::Set, value_parser = on_off)]
    pub graph_bulk: bool,
}

/// `on` / `off` (also `true`/`false`, `yes`/`no`, `1`/`0`), any case.
fn on_off(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        _ => Err(format!("expected on or off, not {text:?}")),
    }
}

/// `--query-timeout`: a limit, or none for an empty value (an empty `MH_QUERY_TIMEOUT` means
/// the default, as an unset one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueryTimeout(pub Option<std::time::Duration>);

/// A statement timeout as `parse_duration` reads it; the message names the setting.
fn query_timeout(text: &str) -> Result<QueryTimeout, String> {
    if text.trim().is_empty() {
        return Ok(QueryTimeout(None));
    }
    crate::engine::timeouts::parse_duration(text)
        .map(|d| QueryTimeout(Some(d)))
        .map_err(|e| format!("{e} (--query-timeout / MH_QUERY_TIMEOUT)"))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn graph_bulk_takes_on_and_off_in_any_case() {
        assert_eq!(super::on_off("OFF"), Ok(false));
        assert_eq!(super::on_off("0"), Ok(false));
        assert_eq!(super::on_off("on"), Ok(true));
        assert!(super::on_off("maybe").is_err());
    }

    #[test]
    fn query_timeout_takes_units_and_names_the_setting() {
        use clap::Parser;
        let cli = super::Cli::try_parse_from([
            "migration-harness",
            "--query-timeout",
            "500ms",
            "cleanup",
        ])
        .unwrap();
        assert_eq!(
            cli.query_timeout,
            Some(super::QueryTimeout(Some(std::time::Duration::from_millis(
                500
            ))))
        );
        assert_eq!(super::query_timeout(" "), Ok(super::QueryTimeout(None)));
        let e = super::query_timeout("soon").unwrap_err();
        assert!(e.contains("MH_QUERY_TIMEOUT"), "{e}");
        assert!(super::query_timeout("0").is_err());
    }
}

/// Options of `export` and `import`.
#[derive(Debug, Clone, Args)]
pub struct DumpArgs {
    /// Graph key (FalkorDB) or database (Neo4j) of a URI; the engine's default otherwise.
    #[arg(long, env = "MH_GRAPH", value_name = "NAME")]
    pub graph: Option<String>,
    /// Nodes / relationships per page read or batch written (FalkorDB's GRAPH.BULK writer
    /// gathers pages into calls of about 4 MiB; into Neo4j, pages and writes hold at least
    /// 10,000 rows).
    #[arg(long, env = "MH_BATCH_SIZE", value_name = "N", default_value_t = 1000)]
    pub batch_size: u64,
    /// `off`: import into FalkorDB through Cypher only, not its GRAPH.BULK loader.
    #[arg(long, env = "MH_GRAPH_BULK", value_name = "on|off", default_value = "on", action = clap::ArgAction::Set, value_parser = on_off)]
    pub graph_bulk: bool,
}
