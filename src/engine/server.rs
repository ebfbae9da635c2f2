use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::dialect::{EngineKind, Version};
use super::{falkordb, image, neo4j, EngineError, GraphConnection};

/// Which side of a migration a server plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServerRole {
    Source,
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

/// Neo4j edition; Enterprise images need the license agreement env var.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Edition {
    #[default]
    Community,
    Enterprise,
}

/// Everything needed to start (or reach) one server. Built from a scenario's `source:` or
/// `target:` block plus CLI overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerRequest {
    pub role: ServerRole,
    pub engine: EngineKind,
    /// Image tag / server version, e.g. `5.26` or `4.18.3`.
    pub version: String,
    pub edition: Edition,
    /// Full image reference overriding the default naming.
    pub image: Option<String>,
    /// Extra container environment (server configuration).
    pub env: BTreeMap<String, String>,
    /// An existing server to use instead of starting a container.
    pub endpoint: Option<String>,
    /// Database (Neo4j) or graph key (FalkorDB) to use.
    pub graph: Option<String>,
    pub startup_timeout: Duration,
    /// Try `docker pull` when the image is missing locally.
    pub pull: bool,
}

impl ServerRequest {
    /// The image this request starts, e.g. `neo4j:5.26-enterprise` or `migration-harness/falkordb:4.18.3`.
    pub fn image_ref(&self) -> String {
        if let Some(image) = &self.image {
            return image.clone();
        }
        match self.engine {
            EngineKind::Neo4j => match self.edition {
                Edition::Community => format!("neo4j:{}", self.version),
                Edition::Enterprise if self.version.ends_with("-enterprise") => {
                    format!("neo4j:{}", self.version)
                }
                Edition::Enterprise => format!("neo4j:{}-enterprise", self.version),
            },
            EngineKind::Falkordb => format!("{}:{}", falkordb::IMAGE_NAME, self.version),
        }
    }

    pub fn version(&self) -> Option<Version> {
        Version::parse_lenient(&self.version)
    }

    /// `source (falkordb 4.16.3)` — the name used in progress lines and errors.
    pub fn label(&self) -> String {
        format!("{} ({} {})", self.role, self.engine, self.version)
    }
}

/// A running, connected server. Dropping it stops and removes the container the harness
/// started (testcontainers does that on drop, and its watchdog on Ctrl-C).
pub struct Server {
    pub request: ServerRequest,
    pub connection: Arc<dyn GraphConnection>,
    /// True when the harness started this server, so it may wipe it freely.
    pub owned: bool,
    /// Time from asking for the server until it answered a query.
    pub startup: Duration,
    _container: Option<Box<dyn Any + Send + Sync>>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("server", &self.connection.describe())
            .field("owned", &self.owned)
            .field("startup", &self.startup)
            .finish()
    }
}

/// What an engine hands back when it started a container: the connection and the handle that
/// keeps the container alive.
pub struct Started {
    pub connection: Arc<dyn GraphConnection>,
    pub container: Box<dyn Any + Send + Sync>,
}

impl Server {
    /// Starts a container for `request`, or connects to its endpoint.
    pub async fn start(request: ServerRequest) -> Result<Server, EngineError> {
        let begin = Instant::now();
        if let Some(endpoint) = request.endpoint.clone() {
            let connection = match request.engine {
                EngineKind::Neo4j => neo4j::connect(&request, &endpoint).await?,
                EngineKind::Falkordb => falkordb::connect(&request, &endpoint).await?,
            };
            return Ok(Server {
                request,
                connection,
                owned: false,
                startup: begin.elapsed(),
                _container: None,
            });
        }
        let image = request.image_ref();
        match image::ensure_image(&image, request.pull).await {
            image::Availability::Present | image::Availability::Pulled => {}
            image::Availability::Missing { reason } => {
                return Err(EngineError::ImageUnavailable {
                    server: request.label(),
                    image,
                    reason,
                });
            }
        }
        let started = match request.engine {
            EngineKind::Neo4j => neo4j::start(&request).await?,
            EngineKind::Falkordb => falkordb::start(&request).await?,
        };
        Ok(Server {
            request,
            connection: started.connection,
            owned: true,
            startup: begin.elapsed(),
            _container: Some(started.container),
        })
    }
}
