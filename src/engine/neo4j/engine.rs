//! Neo4j's [`EngineDescriptor`]: the official `neo4j:` images for the Docker launcher, the
//! project's Java launcher over Maven Central jars for the process launcher
//! (`scripts/setup-neo4j.sh`, docs/NEO4J-LOCAL.md), Bolt URIs for existing servers.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::connection::{BoltTarget, Neo4jConnection, DEFAULT_DATABASE, PASSWORD_ENV};
use super::installation::{quote_arg, Installation};
use crate::engine::descriptor::{ContainerSpec, EngineDescriptor, ProcessSpec, StoreAdmin};
use crate::engine::dialect::{Dialect, EngineKind};
use crate::engine::request::{Edition, ServerRequest};
use crate::engine::schema::EngineSchema;
use crate::engine::secret::Secret;
use crate::engine::{EngineError, GraphConnection};
use crate::value::Value;

const BOLT_PORT: u16 = 7687;
/// How long to keep trying the first Bolt connection after the server said it is ready.
const CONNECT_GRACE: Duration = Duration::from_secs(15);
/// The process launcher's ready and failure lines (launchers/neo4j).
pub const READY_LINE: &str = "MH-LAUNCHER READY";
pub const FAILED_LINE: &str = "MH-LAUNCHER FAILED";
/// The launcher's main class.
const MAIN_CLASS: &str = "io.migrationharness.neo4j.Launcher";
/// Heap of a process-launched server unless the request's `neo4j_heap` (the CLI's
/// `--neo4j-heap` / `MH_NEO4J_HEAP`) says otherwise.
const DEFAULT_HEAP: &str = "768m";

/// Neo4j.
pub struct Neo4jEngine;

#[async_trait]
impl EngineDescriptor for Neo4jEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Neo4j
    }

    fn schema(&self) -> &'static dyn EngineSchema {
        &super::schema::Neo4jSchema
    }

    fn title(&self) -> &'static str {
        "Neo4j"
    }

    fn default_port(&self) -> u16 {
        BOLT_PORT
    }

    /// Neo4j's documented upgrade stops: 3.5 -> 4.0 -> 4.4 -> 5.26 -> 2025+.
    fn upgrade_stops(&self) -> &'static [(u32, u32)] {
        &[(4, 0), (4, 4), (5, 26)]
    }

    fn has_enterprise_edition(&self) -> bool {
        true
    }

    fn storable(&self, value: &Value) -> Result<(), String> {
        super::capability::storable(value, true)
    }

    fn lossy(&self, value: &Value) -> Option<String> {
        super::capability::lossy(value)
    }

    fn uri_schemes(&self) -> &'static [&'static str] {
        &[
            "bolt",
            "bolt+s",
            "bolt+ssc",
            "neo4j",
            "neo4j+s",
            "neo4j+ssc",
        ]
    }

    fn image_name(&self) -> &'static str {
        "neo4j"
    }

    /// The official image, `neo4j:<version>[-enterprise]`, with `NEO4J_AUTH` set to the
    /// generated password (a `NEO4J_AUTH` in the request's env is ignored: the harness owns the
    /// credentials) and the license accepted for Enterprise unless the env sets it. Ready after
    /// `Bolt enabled on` and `Started.`.
    fn container(&self, request: &ServerRequest, password: &Secret) -> ContainerSpec {
        let image = self.image_ref(request);
        let tag = image.rsplit_once(':').map_or("", |(_, t)| t);
        let enterprise = request.edition == Edition::Enterprise || tag.ends_with("-enterprise");
        let mut env: BTreeMap<String, String> = request
            .env
            .iter()
            .filter(|(k, _)| k.as_str() != "NEO4J_AUTH")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if enterprise {
            env.entry("NEO4J_ACCEPT_LICENSE_AGREEMENT".into())
                .or_insert_with(|| "yes".into());
        }
        env.insert("NEO4J_AUTH".into(), format!("neo4j/{}", password.expose()));
        ContainerSpec {
            image,
            port: BOLT_PORT,
            ready_lines: vec!["Bolt enabled on".into(), "Started.".into()],
            cmd: Vec::new(),
            env,
        }
    }

    fn process(
        &self,
        request: &ServerRequest,
        password: &Secret,
        data_dir: &Path,
        port: u16,
    ) -> Result<ProcessSpec, EngineError> {
        let unsupported = |message: String| EngineError::Unsupported {
            server: request.label(),
            message,
        };
        if request.edition == Edition::Enterprise {
            return Err(unsupported(
                "the process launcher runs Neo4j Community only (the Enterprise jars are not on \
                 Maven Central); use the docker launcher for Enterprise"
                    .into(),
            ));
        }
        let install = Installation::find(&request.version).map_err(unsupported)?;
        let java = install.java_home.join("bin").join("java");
        if !java.exists() {
            return Err(unsupported(format!(
                "Neo4j {} needs the Java at {}, which is missing ({}); install that JDK or run \
                 scripts/setup-neo4j.sh {} again",
                install.version,
                install.java_home.display(),
                java.display(),
                install.version
            )));
        }
        let heap = request
            .neo4j_heap
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .unwrap_or(DEFAULT_HEAP);
        // The class path goes into an argument file: hundreds of jars would make a command line
        // that `ps` shows in full.
        let classpath = format!(
            "{}:{}",
            install.launcher_jar.display(),
            install.classpath.trim()
        );
        let mut argfile = String::new();
        for opt in &install.jvm_opts {
            argfile.push_str(&quote_arg(opt));
            argfile.push('\n');
        }
        argfile.push_str(&format!("-Xms256m\n-Xmx{heap}\n"));
        argfile.push_str(&format!("-cp\n{}\n", quote_arg(&classpath)));
        let mut args: Vec<OsString> =
            vec![format!("@{}", data_dir.join("jvm.args").display()).into()];
        args.push(MAIN_CLASS.into());
        args.extend([
            "--home".into(),
            data_dir.join("neo4j").into_os_string(),
            "--bolt-port".into(),
            port.to_string().into(),
            "--watch-stdin".into(),
        ]);
        Ok(ProcessSpec {
            program: java,
            args,
            env: vec![(PASSWORD_ENV.into(), password.expose().into())],
            files: vec![("jvm.args".into(), argfile)],
            ready_line: READY_LINE.into(),
            failed_lines: vec![FAILED_LINE.into()],
            watch_stdin: true,
            installed_version: install.version,
        })
    }

    async fn connect_started(
        &self,
        request: &ServerRequest,
        host: &str,
        port: u16,
        password: &Secret,
    ) -> Result<Arc<dyn GraphConnection>, EngineError> {
        let database = request.graph.clone();
        let description = format!(
            "{} ({} {} at {host}:{port}, database {:?})",
            request.role,
            request.engine,
            request.version,
            database.as_deref().unwrap_or(DEFAULT_DATABASE)
        );
        let target = BoltTarget {
            uri: format!("bolt://{host}:{port}"),
            user: "neo4j".to_owned(),
            password: password.clone(),
        };
        let dialect = Dialect::new(EngineKind::Neo4j, request.version());
        let deadline = Instant::now() + CONNECT_GRACE;
        loop {
            match Neo4jConnection::open(
                &target,
                database.clone(),
                dialect.clone(),
                description.clone(),
                request.statement_timeout,
            )
            .await
            {
                Ok(connection) => return Ok(Arc::new(connection)),
                Err(e) if Instant::now() < deadline && is_transient(&e) => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn connect_endpoint(
        &self,
        request: &ServerRequest,
        endpoint: &str,
    ) -> Result<Arc<dyn GraphConnection>, EngineError> {
        super::connection::connect(request, endpoint).await
    }

    fn store_admin(&self) -> Option<&'static dyn StoreAdmin> {
        Some(&super::admin::Neo4jAdmin)
    }
}

/// Failures worth retrying right after start-up: the socket is not accepting yet, or the
/// server says it is not ready. Authentication and query errors are final.
fn is_transient(error: &EngineError) -> bool {
    match error {
        EngineError::Connect { message, .. } => {
            !message.contains("Neo.ClientError.Security")
                && !message.to_ascii_lowercase().contains("unauthorized")
        }
        EngineError::Query {
            code: Some(code), ..
        } => {
            code.starts_with("Neo.TransientError")
                || code == "Neo.ClientError.Database.DatabaseNotFound"
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_start_up_failures_are_retried() {
        let connect = |message: &str| EngineError::Connect {
            server: "s".into(),
            message: message.into(),
        };
        assert!(is_transient(&connect(
            "an IO error occurred: Connection refused"
        )));
        assert!(!is_transient(&connect(
            "The client is unauthorized due to authentication failure."
        )));
        assert!(!is_transient(&EngineError::query(
            "s",
            "RETURN 1",
            Some("Neo.ClientError.Statement.SyntaxError".into()),
            "bad"
        )));
    }

    #[test]
    fn container_spec_owns_the_credentials() {
        let mut env = BTreeMap::new();
        env.insert("NEO4J_AUTH".to_owned(), "none".to_owned());
        let request = ServerRequest {
            env,
            ..ServerRequest::for_tests(EngineKind::Neo4j, "5.26")
        };
        let spec = Neo4jEngine.container(&request, &Secret::new("pw123456"));
        assert_eq!(
            spec.env.get("NEO4J_AUTH").map(String::as_str),
            Some("neo4j/pw123456")
        );
        assert_eq!(spec.image, "neo4j:5.26");
    }
}
