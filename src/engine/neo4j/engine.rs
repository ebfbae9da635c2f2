//! Neo4j's [`EngineDescriptor`]: the official `neo4j:` images for the Docker launcher, the
//! project's Java launcher over Maven Central jars for the process launcher
//! (`scripts/setup-neo4j.sh`, docs/NEO4J-LOCAL.md), Bolt URIs for existing servers.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::connection::{BoltTarget, Neo4jConnection, DEFAULT_DATABASE, PASSWORD_ENV};
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
/// Heap of a process-launched server unless `MH_NEO4J_HEAP` says otherwise.
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
        let heap = std::env::var("MH_NEO4J_HEAP")
            .ok()
            .filter(|h| !h.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_HEAP.to_owned());
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

/// A Neo4j version installed by `scripts/setup-neo4j.sh` under `<cache>/neo4j/<version>/`.
#[derive(Debug)]
pub(super) struct Installation {
    pub(super) version: String,
    pub(super) classpath: String,
    pub(super) java_home: PathBuf,
    pub(super) jvm_opts: Vec<String>,
    launcher_jar: PathBuf,
}

impl Installation {
    /// Finds `requested` (exact, or a short name such as `5.26` or `2025` listed in
    /// `<cache>/neo4j/aliases`). The error says how to install it and what is installed.
    pub(super) fn find(requested: &str) -> Result<Installation, String> {
        let root = crate::engine::launcher::cache_dir().join("neo4j");
        let version = resolve_alias(&root, requested)
            .or_else(|| newest_with_prefix(&installed_versions(&root), requested))
            .unwrap_or_else(|| requested.to_owned());
        let dir = root.join(&version);
        let read = |name: &str| std::fs::read_to_string(dir.join(name));
        let not_installed = || {
            let installed = installed_versions(&root);
            format!(
                "Neo4j {requested} is not installed for the process launcher (looked in {}); run \
                 `scripts/setup-neo4j.sh {requested}`{}",
                dir.display(),
                if installed.is_empty() {
                    String::new()
                } else {
                    format!(" (installed: {})", installed.join(", "))
                }
            )
        };
        let classpath = read("classpath").map_err(|_| not_installed())?;
        let java_home = read("java-home").map_err(|_| not_installed())?;
        let jvm_opts = read("jvm-opts")
            .map(|t| {
                t.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let launcher_jar = root.join("launcher.jar");
        if !launcher_jar.exists() {
            return Err(format!(
                "the Neo4j launcher jar {} is missing; run `scripts/setup-neo4j.sh`",
                launcher_jar.display()
            ));
        }
        let installed = read("version")
            .map(|v| v.trim().to_owned())
            .unwrap_or(version);
        Ok(Installation {
            version: installed,
            classpath,
            java_home: PathBuf::from(java_home.trim()),
            jvm_opts,
            launcher_jar,
        })
    }
}

/// `<cache>/neo4j/aliases` holds lines `<short name> <exact version>`.
fn resolve_alias(root: &Path, requested: &str) -> Option<String> {
    let text = std::fs::read_to_string(root.join("aliases")).ok()?;
    text.lines().find_map(|line| {
        let mut parts = line.split_whitespace();
        (parts.next()? == requested).then(|| parts.next().map(str::to_owned))?
    })
}

/// The newest installed version that `requested` is a prefix of by dotted components
/// (`2026.08` -> `2026.08.1`), unless `requested` is installed as it is.
fn newest_with_prefix(installed: &[String], requested: &str) -> Option<String> {
    if installed.iter().any(|v| v == requested) {
        return None;
    }
    let key = |v: &str| -> Vec<u64> { v.split('.').filter_map(|p| p.parse().ok()).collect() };
    installed
        .iter()
        .filter(|v| v.starts_with(&format!("{requested}.")))
        .max_by_key(|v| key(v))
        .cloned()
}

fn installed_versions(root: &Path) -> Vec<String> {
    let mut versions: Vec<String> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("classpath").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    versions.sort();
    versions
}

/// Quotes one argument of a Java `@argfile` (double quotes; backslashes and quotes escaped).
pub(super) fn quote_arg(arg: &str) -> String {
    format!("\"{}\"", arg.replace('\\', "\\\\").replace('"', "\\\""))
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
    fn aliases_map_short_names_to_installed_versions() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("aliases"),
            "5.26 5.26.19\n2025 2025.11.2\nlatest 2025.11.2\n",
        )
        .unwrap();
        assert_eq!(
            resolve_alias(dir.path(), "5.26").as_deref(),
            Some("5.26.19")
        );
        assert_eq!(
            resolve_alias(dir.path(), "latest").as_deref(),
            Some("2025.11.2")
        );
        assert_eq!(resolve_alias(dir.path(), "4.4"), None);
    }

    #[test]
    fn short_versions_pick_the_newest_installed_patch() {
        let installed: Vec<String> = ["5.26.9", "5.26.30", "2026.08.1", "4.4.48"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            newest_with_prefix(&installed, "5.26").as_deref(),
            Some("5.26.30")
        );
        assert_eq!(
            newest_with_prefix(&installed, "2026.08").as_deref(),
            Some("2026.08.1")
        );
        assert_eq!(newest_with_prefix(&installed, "5.26.30"), None);
        assert_eq!(newest_with_prefix(&installed, "5.2"), None);
    }

    #[test]
    fn argfile_arguments_are_quoted() {
        assert_eq!(quote_arg(r#"/a b/"c"\d"#), r#""/a b/\"c\"\\d""#);
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
