use std::time::Duration;

use crate::engine::request::LauncherKind;
use crate::engine::request::{ServerRequest, ServerRole};
use crate::scenario::{Scenario, ServerSpec};

/// Settings of a run that come from the command line (or the library caller), overriding the
/// scenario file.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Use this existing server as the source instead of starting one.
    pub source_uri: Option<String>,
    /// Use this existing server as the target instead of starting one.
    pub target_uri: Option<String>,
    /// Override the source version (image tag).
    pub source_version: Option<String>,
    /// Override the target version (image tag).
    pub target_version: Option<String>,
    /// Allow wiping servers the harness did not start.
    pub allow_destructive: bool,
    /// Do not try `docker pull` when an image is missing locally.
    pub no_pull: bool,
    /// Override every server's startup timeout.
    pub startup_timeout: Option<Duration>,
    /// Write missing or different query snapshots instead of failing (`--update-snapshots`).
    pub update_snapshots: bool,
    /// How to start servers, overriding the scenario's `launcher:`.
    pub launcher: Option<LauncherKind>,
    /// Run only the scenario's `migrations:` part (`migration-harness migrations`): start the
    /// servers and test the migration scripts on each; no seed of the source, no transfer, no
    /// other checks.
    pub only_migrations: bool,
    /// Copy into FalkorDB through Cypher only, never its `GRAPH.BULK` loader (which is used
    /// by default for a target graph that does not exist yet).
    pub no_graph_bulk: bool,
}

/// How a run of several cases is scheduled.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    /// At most this many cases at a time (`-j`); 0 is treated as 1.
    pub jobs: usize,
    /// Skip the cases not yet started once one fails or errors.
    pub fail_fast: bool,
    /// Reuse started servers across cases (wiped in between); off with `--no-reuse`.
    pub reuse: bool,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        RunnerSettings {
            jobs: 1,
            fail_fast: false,
            reuse: true,
        }
    }
}

/// A first Neo4j start on a busy 2-core machine took 85 s (docs/NEO4J-LOCAL.md); a server that
/// dies at start-up is reported at once, so a generous limit only bounds a hang.
const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(300);

impl RunOptions {
    /// The server requests for a scenario: the file's specs with these overrides applied.
    pub fn requests(&self, scenario: &Scenario) -> (ServerRequest, ServerRequest) {
        (
            self.request(
                ServerRole::Source,
                &scenario.file.source,
                &self.source_uri,
                &self.source_version,
                scenario.file.launcher,
            ),
            self.request(
                ServerRole::Target,
                &scenario.file.target,
                &self.target_uri,
                &self.target_version,
                scenario.file.launcher,
            ),
        )
    }

    fn request(
        &self,
        role: ServerRole,
        spec: &ServerSpec,
        uri: &Option<String>,
        version: &Option<String>,
        scenario_launcher: Option<LauncherKind>,
    ) -> ServerRequest {
        ServerRequest {
            role,
            engine: spec.engine,
            version: version
                .clone()
                .unwrap_or_else(|| spec.version.value.clone()),
            edition: spec.edition,
            image: spec.image.clone(),
            env: spec.env.clone(),
            endpoint: uri
                .clone()
                .or_else(|| spec.endpoint.as_ref().map(|e| e.value.clone())),
            graph: spec.graph.clone(),
            startup_timeout: self
                .startup_timeout
                .or_else(|| {
                    spec.startup_timeout
                        .as_ref()
                        .map(|t| Duration::from_secs(t.value))
                })
                .unwrap_or(DEFAULT_STARTUP_TIMEOUT),
            pull: !self.no_pull,
            launcher: self.launcher.or(scenario_launcher).unwrap_or_default(),
        }
    }
}
