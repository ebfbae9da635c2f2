//! One descriptor per engine: everything the rest of the harness needs to know about an engine
//! to start, reach and name its servers. Launchers ask it what to run; `Server::start` asks it
//! to connect. Adding an engine is one module implementing [`EngineDescriptor`] plus an arm in
//! [`descriptor`] (see docs/ARCHITECTURE.md).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;

use super::dialect::EngineKind;
use super::request::{Edition, ServerRequest};
use super::schema::EngineSchema;
use super::secret::Secret;
use super::{EngineError, GraphConnection};
use crate::value::Value;

/// What the Docker launcher starts for a request.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    /// Image reference, e.g. `neo4j:5.26`.
    pub image: String,
    /// The port the engine's protocol listens on inside the container.
    pub port: u16,
    /// Log lines (on stdout) that, in this order, mean the server is ready.
    pub ready_lines: Vec<String>,
    /// Arguments appended to the image's entrypoint.
    pub cmd: Vec<String>,
    pub env: BTreeMap<String, String>,
}

/// What the process launcher runs for a request.
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    /// Environment added to the harness's own (secrets go here, never into `args`).
    pub env: Vec<(OsString, OsString)>,
    /// Files to write into the data directory before the start (name, content), mode 0600.
    pub files: Vec<(String, String)>,
    /// The line on stdout or stderr that means the server is ready.
    pub ready_line: String,
    /// Lines that mean the start failed for good (no need to wait for the timeout).
    pub failed_lines: Vec<String>,
    /// Keep the server's stdin open as a pipe: a server that exits on end of input (the Neo4j
    /// launcher does) then stops by itself when the harness dies, even by SIGKILL.
    pub watch_stdin: bool,
    /// The server's real version as installed (e.g. `5.26.19` for a request of `5.26`).
    pub installed_version: String,
}

/// One admin-tool operation that ran: what ran, how long it took, and what the tool said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminStep {
    /// `neo4j-admin 5.26.30 database dump neo4j`: the tool, its version and its arguments
    /// (no paths, no secrets).
    pub command: String,
    pub elapsed: std::time::Duration,
    /// The tool's own output (stdout and stderr), trimmed.
    pub output: String,
}

/// An engine's offline store operations, run with the admin tool of a given installed
/// version on a stopped server's [`Store`](super::store::Store) directory. Each fails with
/// the tool's own output.
#[async_trait]
pub trait StoreAdmin: Send + Sync {
    /// Dumps the default database of the stopped store `store` with `version`'s tool into the
    /// directory `into`; returns the step and the dump file.
    async fn dump(
        &self,
        version: &str,
        store: &Path,
        into: &Path,
    ) -> Result<(AdminStep, PathBuf), EngineError>;

    /// Loads the dump file `dump` as the default database of `store` (created when empty,
    /// replaced otherwise) with `version`'s tool.
    async fn load(
        &self,
        version: &str,
        store: &Path,
        dump: &Path,
    ) -> Result<AdminStep, EngineError>;

    /// Migrates the default database of `store` to `version`'s store format (its tool's
    /// `migrate`), with extra `options` from the scenario (`transfer.migrate_options`).
    async fn migrate(
        &self,
        version: &str,
        store: &Path,
        options: &[String],
    ) -> Result<AdminStep, EngineError>;

    /// Whether a store written by `from` must be migrated before `to` runs it (a new major
    /// line), as opposed to upgrading itself when `to` starts on it.
    fn needs_migrate(&self, from: &str, to: &str) -> bool;
}

/// What the harness knows about one engine.
#[async_trait]
pub trait EngineDescriptor: Send + Sync {
    fn kind(&self) -> EngineKind;

    /// The engine's name in messages (`Neo4j`, `FalkorDB`); scenario files and reports spell
    /// it as [`EngineKind`] displays (`neo4j`, `falkordb`).
    fn title(&self) -> &'static str;

    /// The port a server listens on when an endpoint names none.
    fn default_port(&self) -> u16;

    /// The documented stops of upgrades between versions (major, minor): a pair strictly
    /// crossing one must pass through it. Empty for engines without documented hops.
    fn upgrade_stops(&self) -> &'static [(u32, u32)] {
        &[]
    }

    /// Whether the engine has an enterprise edition the harness can start.
    fn has_enterprise_edition(&self) -> bool {
        false
    }

    /// Whether a property value can be stored on (and sent to) a server of this engine: why
    /// not, if not.
    fn storable(&self, value: &Value) -> Result<(), String>;

    /// Why a storable value would be kept changed by a server of this engine, if it would.
    fn lossy(&self, _value: &Value) -> Option<String> {
        None
    }

    /// URI schemes of an existing server's endpoint (`bolt`, `neo4j`, `redis`, ...).
    fn uri_schemes(&self) -> &'static [&'static str];

    /// The image name the Docker launcher starts for this engine when the scenario names none
    /// (`neo4j`, `migration-harness/falkordb`).
    fn image_name(&self) -> &'static str;

    /// The image a request starts, e.g. `neo4j:5.26-enterprise` or
    /// `migration-harness/falkordb:4.18.3`: the scenario's `image:`, else [`image_name`] with
    /// the version as tag (and `-enterprise` for that edition).
    ///
    /// [`image_name`]: EngineDescriptor::image_name
    fn image_ref(&self, request: &ServerRequest) -> String {
        if let Some(image) = &request.image {
            return image.clone();
        }
        match request.edition {
            Edition::Enterprise if !request.version.ends_with("-enterprise") => {
                format!("{}:{}-enterprise", self.image_name(), request.version)
            }
            _ => format!("{}:{}", self.image_name(), request.version),
        }
    }

    /// The container the Docker launcher starts.
    fn container(&self, request: &ServerRequest, password: &Secret) -> ContainerSpec;

    /// The process the process launcher runs, listening on 127.0.0.1:`port` and keeping its
    /// data in `data_dir` (an empty private directory). Fails with the install hint when the
    /// version is not installed.
    fn process(
        &self,
        request: &ServerRequest,
        password: &Secret,
        data_dir: &Path,
        port: u16,
    ) -> Result<ProcessSpec, EngineError>;

    /// Connects to a server a launcher started at `host:port` with `password`, retrying while
    /// it finishes coming up.
    async fn connect_started(
        &self,
        request: &ServerRequest,
        host: &str,
        port: u16,
        password: &Secret,
    ) -> Result<Arc<dyn GraphConnection>, EngineError>;

    /// How to read this engine's schema into the normalized model and create items on it.
    fn schema(&self) -> &'static dyn EngineSchema;

    /// The engine's offline store operations (dump, load, migrate), if the harness can run
    /// them: what the `dump` and `in_place` transfer strategies need.
    fn store_admin(&self) -> Option<&'static dyn StoreAdmin> {
        None
    }

    /// Connects to an existing server at `endpoint` (a URI with one of [`uri_schemes`]).
    ///
    /// [`uri_schemes`]: EngineDescriptor::uri_schemes
    async fn connect_endpoint(
        &self,
        request: &ServerRequest,
        endpoint: &str,
    ) -> Result<Arc<dyn GraphConnection>, EngineError>;
}

/// Every engine the harness can drive.
pub const ENGINES: [EngineKind; 2] = [EngineKind::Neo4j, EngineKind::Falkordb];

/// The engine named `name` as [`EngineKind`] displays it (`neo4j`, `falkordb`).
pub fn engine_named(name: &str) -> Option<EngineKind> {
    ENGINES.into_iter().find(|k| k.to_string() == name)
}

/// Every engine's URI schemes for messages: `bolt, ... (Neo4j) or redis, ... (FalkorDB)`.
pub fn scheme_lists() -> String {
    ENGINES
        .iter()
        .map(|k| {
            let d = descriptor(*k);
            format!("{} ({})", d.uri_schemes().join(", "), d.title())
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The engine whose descriptor lists `scheme` (case-insensitive) among its URI schemes.
pub fn engine_for_scheme(scheme: &str) -> Option<EngineKind> {
    let scheme = scheme.to_ascii_lowercase();
    ENGINES
        .into_iter()
        .find(|k| descriptor(*k).uri_schemes().contains(&scheme.as_str()))
}

/// The engine a URI names by its scheme (`bolt://...`, `redis://...`), if any.
pub fn engine_for_uri(uri: &str) -> Option<EngineKind> {
    engine_for_scheme(uri.split_once("://")?.0)
}

/// The descriptor of `kind`.
pub fn descriptor(kind: EngineKind) -> &'static dyn EngineDescriptor {
    match kind {
        EngineKind::Neo4j => &super::neo4j::Neo4jEngine,
        EngineKind::Falkordb => &super::falkordb::FalkorEngine,
    }
}
