use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Tells you, before you bump a graph database version, exactly what the upgrade will break.
///
/// Every flag has an environment variable twin (shown in --help), for CI.
#[derive(Debug, Parser)]
#[command(name = "migration-harness", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
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
    },
    /// Run scenarios end to end: start servers, seed, transfer, check.
    Run {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        servers: ServerArgs,
        #[command(flatten)]
        reports: ReportArgs,
        /// Also print when each step starts.
        #[arg(long, short, env = "MH_VERBOSE")]
        verbose: bool,
        /// Write missing or different query snapshots (snapshots/<scenario>__<query>.snap next
        /// to the scenario) instead of failing; review the diff before committing them.
        #[arg(long, env = "MH_UPDATE_SNAPSHOTS")]
        update_snapshots: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Write a JSON report (verdicts, check details, step timings) to this file.
    #[arg(long, env = "MH_JSON_REPORT", value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a JUnit XML report (one test case per scenario) to this file.
    #[arg(long, env = "MH_JUNIT_REPORT", value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a Markdown summary to this file (e.g. "$GITHUB_STEP_SUMMARY").
    #[arg(long, env = "MH_MARKDOWN_REPORT", value_name = "FILE")]
    pub markdown: Option<PathBuf>,
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
    #[arg(long, env = "MH_ALLOW_DESTRUCTIVE")]
    pub allow_destructive: bool,
    /// Never `docker pull` a missing image.
    #[arg(long, env = "MH_NO_PULL")]
    pub no_pull: bool,
    /// Seconds to wait for each server to become ready (default: the scenario's, else 120).
    #[arg(long, env = "MH_STARTUP_TIMEOUT", value_name = "SECONDS")]
    pub startup_timeout: Option<u64>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
