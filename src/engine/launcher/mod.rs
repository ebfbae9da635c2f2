//! Launchers: how a [`ServerRequest`] becomes a running server on this machine.
//!
//! - [`docker`]: a container started with testcontainers (needs a Docker engine).
//! - [`process`]: a local process from the binaries the setup scripts installed
//!   (`scripts/setup.sh`): Neo4j as an embedded DBMS with Bolt in a small Java launcher,
//!   FalkorDB as redis-server with its module. Each gets a free loopback port and a private data
//!   directory, recorded in the [`registry`] so that a killed run's leftovers are removed by the
//!   next one.
//!
//! A launcher knows nothing about engines: what to start, which port it serves and which log
//! line means "ready" come from the engine's [`EngineDescriptor`]. Adding a launcher is one
//! module implementing [`Launcher`] plus a variant of [`LauncherKind`] (see
//! docs/ARCHITECTURE.md).

pub mod docker;
mod logs;
pub mod process;
pub mod registry;

use std::any::Any;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

pub use logs::LogTail;

use super::descriptor::EngineDescriptor;
pub use super::request::LauncherKind;
use super::request::ServerRequest;
use super::secret::Secret;
use super::EngineError;

/// A server a launcher started: where it listens, and the handle that keeps it alive.
/// Dropping `guard` stops the server and removes what it left (container, process, data
/// directory).
pub struct Launched {
    /// Which launcher started it (`docker`, `process`).
    pub launcher: &'static str,
    /// Loopback address and port of the server's protocol endpoint.
    pub host: String,
    pub port: u16,
    /// The server's last log lines, for errors after the start (e.g. a failed first connect).
    pub logs: LogTail,
    pub guard: Box<dyn Any + Send + Sync>,
}

/// Starts servers for requests. One implementation per way of running a server.
#[async_trait]
pub trait Launcher: Send + Sync {
    /// `docker` or `process`, shown in progress lines and reports.
    fn name(&self) -> &'static str;

    /// Starts the server `request` asks for, as `engine` describes it, with `password` as its
    /// credentials (where the engine has any), and waits until it is ready (within
    /// `request.startup_timeout`). A start that fails leaves nothing running.
    async fn launch(
        &self,
        request: &ServerRequest,
        engine: &dyn EngineDescriptor,
        password: &Secret,
    ) -> Result<Launched, EngineError>;
}

/// The launcher for `kind`. `Auto` asks the Docker engine once per process (`docker info`)
/// and takes it when it answers, else the process launcher.
pub async fn resolve(kind: LauncherKind) -> Arc<dyn Launcher> {
    match kind {
        LauncherKind::Docker => Arc::new(docker::DockerLauncher),
        LauncherKind::Process => Arc::new(process::ProcessLauncher),
        LauncherKind::Auto => {
            if docker::engine_available().await {
                Arc::new(docker::DockerLauncher)
            } else {
                Arc::new(process::ProcessLauncher)
            }
        }
    }
}

/// Where the setup scripts install server binaries, and where process launches keep their run
/// registry and data directories: `MH_CACHE_DIR`, else `$HOME/.cache/neo4j-migration-harness`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MH_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".cache").join("neo4j-migration-harness")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launcher_names_parse() {
        assert_eq!("Process".parse::<LauncherKind>(), Ok(LauncherKind::Process));
        assert_eq!("auto".parse::<LauncherKind>(), Ok(LauncherKind::Auto));
        assert!("podman"
            .parse::<LauncherKind>()
            .unwrap_err()
            .contains("auto, docker or process"));
    }
}
