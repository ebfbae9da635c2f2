use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::connection::ServerInfo;
use super::descriptor::descriptor;
use super::launcher;
use super::secret::Secret;
use super::store::Store;
use super::{EngineError, GraphConnection};

pub use super::request::{Edition, ServerRequest, ServerRole};

/// A running, connected server. Dropping it stops the server the harness started and removes
/// what it left (container, or process and data directory).
pub struct Server {
    pub request: ServerRequest,
    pub connection: Arc<dyn GraphConnection>,
    /// True when the harness started this server, so it may wipe it freely.
    pub owned: bool,
    /// Time from asking for the server until it answered a query.
    pub startup: Duration,
    /// Which launcher started it (`docker`, `process`); `None` for an external endpoint.
    pub launcher: Option<&'static str>,
    /// What the server itself reports: its real version and edition.
    pub info: ServerInfo,
    guard: Option<Box<dyn Any + Send + Sync>>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("server", &self.connection.describe())
            .field("owned", &self.owned)
            .field("launcher", &self.launcher)
            .field("info", &self.info)
            .field("startup", &self.startup)
            .finish()
    }
}

impl Server {
    /// Starts a server for `request` with its launcher (`auto`: Docker when an engine answers,
    /// else a local process), or connects to its endpoint; then asks the server for its real
    /// version. A start that fails leaves nothing running.
    pub async fn start(request: ServerRequest) -> Result<Server, EngineError> {
        let begin = Instant::now();
        let engine = descriptor(request.engine);
        if let Some(endpoint) = request.endpoint.clone() {
            let connection = engine.connect_endpoint(&request, &endpoint).await?;
            let info = connection.server_info().await?;
            return Ok(Server {
                request,
                connection,
                owned: false,
                startup: begin.elapsed(),
                launcher: None,
                info,
                guard: None,
            });
        }
        let launcher = launcher::resolve(request.launcher).await;
        let password = Secret::generate();
        let launched = launcher.launch(&request, engine, &password).await?;
        Self::connect_launched(request, engine, launched, &password, begin).await
    }

    /// Stops a server the process launcher started and keeps its store on disk (for an
    /// upgrade in place, or an admin tool that needs the server stopped). Fails for an
    /// endpoint, a container, or a server that did not stop cleanly.
    pub async fn stop_for_store(mut self) -> Result<Store, EngineError> {
        let label = self.connection.describe();
        let version = self.info.version.clone();
        let guard = self
            .guard
            .take()
            .map(|g| g.downcast::<launcher::process::ProcessServer>());
        let process = match guard {
            Some(Ok(process)) => process,
            _ => {
                return Err(EngineError::Unsupported {
                    server: label,
                    message: "failed to stop it and keep its store: only servers the process \
                              launcher started have a store on this machine (the Docker \
                              launcher's and external servers' stores are out of reach)"
                        .into(),
                })
            }
        };
        match process.stop_keeping_data().await {
            Some(dir) => Ok(Store::from_dir(dir, Some(version))),
            None => Err(EngineError::Unsupported {
                server: label,
                message: "failed to stop it cleanly within the grace period; it was killed and \
                          its store is not used"
                    .into(),
            }),
        }
    }

    /// Starts a server for `request` with the process launcher on `store` (written by another
    /// version, loaded or migrated by an admin tool). A refused start (e.g. a store format
    /// this version cannot read) fails with the server's own last log lines, and the store is
    /// removed.
    pub async fn start_on(request: ServerRequest, store: Store) -> Result<Server, EngineError> {
        let begin = Instant::now();
        let engine = descriptor(request.engine);
        let password = Secret::generate();
        let launched =
            launcher::process::launch_on(&request, engine, &password, store.into_dir()).await?;
        Self::connect_launched(request, engine, launched, &password, begin).await
    }

    /// Connects to a server a launcher just started and asks its version; on failure the
    /// server's last log lines join the error and the server is removed.
    async fn connect_launched(
        request: ServerRequest,
        engine: &dyn super::descriptor::EngineDescriptor,
        launched: launcher::Launched,
        password: &Secret,
        begin: Instant,
    ) -> Result<Server, EngineError> {
        let connected = async {
            let connection = engine
                .connect_started(&request, &launched.host, launched.port, password)
                .await?;
            let info = connection.server_info().await?;
            Ok::<_, EngineError>((connection, info))
        }
        .await;
        let (connection, info) = match connected {
            Ok(pair) => pair,
            Err(e) => {
                let message = launched.logs.append_to(&e.to_string());
                drop(launched.guard);
                return Err(EngineError::Start {
                    server: request.label(),
                    image: format!("{} launcher", launched.launcher),
                    message,
                });
            }
        };
        Ok(Server {
            request,
            connection,
            owned: true,
            startup: begin.elapsed(),
            launcher: Some(launched.launcher),
            info,
            guard: Some(launched.guard),
        })
    }

    /// `falkordb 4.18.3`: the engine and the version the server reported.
    pub fn reported(&self) -> String {
        format!("{} {}", self.request.engine, self.info.version)
    }

    /// The process launcher's handle, for steps that stop and restart a server on its store.
    pub fn process(&mut self) -> Option<&mut launcher::process::ProcessServer> {
        self.guard
            .as_mut()
            .and_then(|g| g.downcast_mut::<launcher::process::ProcessServer>())
    }
}
