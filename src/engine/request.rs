//! What one server must be: the request a scenario's `source:` / `target:` block (plus CLI
//! overrides) turns into, and which launcher starts it. A leaf: launchers, descriptors and
//! [`Server`](super::Server) all read it, and it reads none of them.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use super::dialect::{EngineKind, Version};
pub use crate::kinds::{Edition, LauncherKind};

/// Which side of a migration a server plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerRole {
    /// The server the data comes from (the old version).
    Source,
    /// The server the data goes to (the new version).
    Target,
}

impl fmt::Display for ServerRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServerRole::Source => "source",
            ServerRole::Target => "target",
        })
    }
}

/// Everything needed to start (or reach) one server. Built from a scenario's `source:` or
/// `target:` block plus CLI overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerRequest {
    /// Source or target.
    pub role: ServerRole,
    /// Neo4j or FalkorDB.
    pub engine: EngineKind,
    /// Image tag / server version, e.g. `5.26` or `4.18.3`.
    pub version: String,
    /// The edition (Neo4j community or enterprise).
    pub edition: Edition,
    /// Full image reference overriding the default naming.
    pub image: Option<String>,
    /// Extra container environment (server configuration).
    pub env: BTreeMap<String, String>,
    /// An existing server to use instead of starting a container.
    pub endpoint: Option<String>,
    /// Database (Neo4j) or graph key (FalkorDB) to use.
    pub graph: Option<String>,
    /// How long to wait for the server to accept connections.
    pub startup_timeout: Duration,
    /// Try `docker pull` when the image is missing locally.
    pub pull: bool,
    /// How to start the server (ignored for an `endpoint`).
    pub launcher: LauncherKind,
    /// Limit of one statement on this server's connections, from sending it to its last row
    /// (the CLI's `--query-timeout` / `MH_QUERY_TIMEOUT`; [`DEFAULT_STATEMENT`] by default).
    ///
    /// [`DEFAULT_STATEMENT`]: super::timeouts::DEFAULT_STATEMENT
    pub statement_timeout: Duration,
    /// Maximum heap of a process-launched Neo4j (`-Xmx`, e.g. `768m`, `2g`; the CLI's
    /// `--neo4j-heap` / `MH_NEO4J_HEAP`); `None` for the launcher's default.
    pub neo4j_heap: Option<String>,
}

impl ServerRequest {
    /// The requested version, parsed, when it is a version number.
    pub fn version(&self) -> Option<Version> {
        Version::parse_lenient(&self.version)
    }

    /// A request with defaults, for tests: source role, no endpoint, 120 s startup timeout.
    pub fn for_tests(engine: EngineKind, version: &str) -> Self {
        ServerRequest {
            role: ServerRole::Source,
            engine,
            version: version.to_owned(),
            edition: Edition::Community,
            image: None,
            env: BTreeMap::new(),
            endpoint: None,
            graph: None,
            startup_timeout: Duration::from_secs(300),
            pull: false,
            launcher: LauncherKind::Auto,
            statement_timeout: super::timeouts::DEFAULT_STATEMENT,
            neo4j_heap: None,
        }
    }

    /// `source (falkordb 4.16.3)` — the name used in progress lines and errors.
    pub fn label(&self) -> String {
        format!("{} ({} {})", self.role, self.engine, self.version)
    }
}
