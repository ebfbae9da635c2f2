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
    /// Limit of one statement on every connection (`--query-timeout` / `MH_QUERY_TIMEOUT`);
    /// `None` for [`DEFAULT_STATEMENT`](crate::engine::timeouts::DEFAULT_STATEMENT).
    pub query_timeout: Option<Duration>,
    /// Maximum heap of a process-launched Neo4j, e.g. `768m`, `2g` (`--neo4j-heap` /
    /// `MH_NEO4J_HEAP`); `None` for the launcher's default.
    pub neo4j_heap: Option<String>,
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
    /// The limit of one statement: [`Self::query_timeout`] or the default.
    pub fn statement_timeout(&self) -> Duration {
        self.query_timeout
            .unwrap_or(crate::engine::timeouts::DEFAULT_STATEMENT)
    }

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
            statement_timeout: self.statement_timeout(),
            neo4j_heap: self.neo4j_heap.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::path::Path;
    use std::time::{Duration, Instant};

    use super::RunOptions;
    use crate::engine::descriptor::descriptor;
    use crate::engine::Query;

    /// A FalkorDB look-alike: answers the handshake (OK, MODULE LIST with a graph module), then
    /// never answers a GRAPH.QUERY, while it keeps accepting connections (so the connection is
    /// not lost: only the statement timeout ends the wait).
    fn silent_falkordb() -> u16 {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut buf = [0u8; 4096];
                loop {
                    let n = match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let text = String::from_utf8_lossy(&buf[..n]).to_uppercase();
                    if text.contains("GRAPH.QUERY") {
                        held.push(stream);
                        break;
                    }
                    for command in text.split("\r\n*").filter(|c| !c.is_empty()) {
                        let reply: &[u8] = if command.contains("MODULE") {
                            b"*1\r\n*4\r\n$4\r\nname\r\n$5\r\ngraph\r\n$3\r\nver\r\n:41803\r\n"
                        } else {
                            b"+OK\r\n"
                        };
                        let _ = stream.write_all(reply);
                    }
                }
            }
        });
        port
    }

    /// `RunOptions::query_timeout` reaches the connection: no environment variable involved.
    #[tokio::test]
    async fn the_query_timeout_of_the_options_bounds_a_statement() {
        let port = silent_falkordb();
        let uri = format!("redis://127.0.0.1:{port}");
        let scenario = crate::scenario::parse_str(
            "name: t\nsource: {engine: falkordb, version: 4.18.3}\ntarget: {engine: falkordb, version: 4.18.3}\n",
            Path::new("t.yaml"),
        )
        .unwrap();
        let options = RunOptions {
            source_uri: Some(uri.clone()),
            query_timeout: Some(Duration::from_millis(700)),
            ..RunOptions::default()
        };
        let (request, _) = options.requests(&scenario);
        assert_eq!(request.statement_timeout, Duration::from_millis(700));
        let conn = descriptor(request.engine)
            .connect_endpoint(&request, &uri)
            .await
            .expect("the handshake is answered");
        let begin = Instant::now();
        let e = conn
            .execute(&Query::new("MATCH (n) RETURN count(n)"))
            .await
            .expect_err("no reply ever comes");
        let took = begin.elapsed();
        let text = crate::io_error::error_chain(&e);
        assert!(
            text.contains("no reply within the statement timeout of 700ms"),
            "{text}"
        );
        assert!(took < Duration::from_secs(5), "took {took:?}: {text}");
    }

    #[test]
    fn without_a_query_timeout_the_default_applies() {
        assert_eq!(
            RunOptions::default().statement_timeout(),
            crate::engine::timeouts::DEFAULT_STATEMENT
        );
    }
}
