//! FalkorDB's [`EngineDescriptor`]: `migration-harness/falkordb:<version>` images
//! (`scripts/local-images.sh`) for the Docker launcher, redis-server with the FalkorDB module
//! (`scripts/setup-falkordb.sh`) for the process launcher, `redis://` URIs for existing servers.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::connection::{FalkorConnection, DEFAULT_GRAPH};
use crate::engine::descriptor::{ContainerSpec, EngineDescriptor, ProcessSpec};
use crate::engine::dialect::{Dialect, EngineKind};
use crate::engine::request::ServerRequest;
use crate::engine::schema::EngineSchema;
use crate::engine::secret::Secret;
use crate::engine::{EngineError, GraphConnection};
use crate::value::Value;

const PORT: u16 = 6379;
const READY_LINE: &str = "Ready to accept connections";

/// FalkorDB.
pub struct FalkorEngine;

#[async_trait]
impl EngineDescriptor for FalkorEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Falkordb
    }

    fn schema(&self) -> &'static dyn EngineSchema {
        &super::schema::FalkorSchema
    }

    fn title(&self) -> &'static str {
        "FalkorDB"
    }

    fn default_port(&self) -> u16 {
        PORT
    }

    fn storable(&self, value: &Value) -> Result<(), String> {
        super::capability::storable(value, true)
    }

    fn lossy(&self, value: &Value) -> Option<String> {
        super::capability::lossy(value)
    }

    fn uri_schemes(&self) -> &'static [&'static str] {
        &["redis", "rediss", "redis+unix", "unix"]
    }

    fn image_name(&self) -> &'static str {
        super::IMAGE_NAME
    }

    /// FalkorDB has one image per version, whatever the edition.
    fn image_ref(&self, request: &ServerRequest) -> String {
        match &request.image {
            Some(image) => image.clone(),
            None => format!("{}:{}", super::IMAGE_NAME, request.version),
        }
    }

    /// The image's entrypoint runs redis-server with the module; the password is appended as
    /// `--requirepass`.
    fn container(&self, request: &ServerRequest, password: &Secret) -> ContainerSpec {
        ContainerSpec {
            image: self.image_ref(request),
            port: PORT,
            ready_lines: vec![READY_LINE.into()],
            cmd: vec!["--requirepass".into(), password.expose().to_owned()],
            env: request.env.clone(),
        }
    }

    /// `<cache>/falkordb/<version>/redis-server <data dir>/redis.conf`: loopback only, a
    /// password, no persistence, the module of that version, GraphBLAS's JIT cache from the
    /// installation.
    fn process(
        &self,
        request: &ServerRequest,
        password: &Secret,
        data_dir: &Path,
        port: u16,
    ) -> Result<ProcessSpec, EngineError> {
        let root = crate::engine::launcher::cache_dir().join("falkordb");
        let dir = root.join(&request.version);
        if !dir.join("installed").exists() {
            return Err(EngineError::Unsupported {
                server: request.label(),
                message: format!(
                    "FalkorDB {} is not installed for the process launcher (looked in {}); run \
                     `scripts/setup-falkordb.sh {}`{}",
                    request.version,
                    dir.display(),
                    request.version,
                    installed_note(&root)
                ),
            });
        }
        let module = dir.join("falkordb.so");
        let config = format!(
            "port {port}\nbind 127.0.0.1\nprotected-mode yes\nsave \"\"\nappendonly no\n\
             dir {}\nrequirepass {}\nloadmodule {}\n",
            quote_conf(data_dir),
            password.expose(),
            quote_conf(&module),
        );
        let mut env: Vec<(OsString, OsString)> = request
            .env
            .iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        env.push((
            "GRAPHBLAS_CACHE_PATH".into(),
            dir.join("graphblas-cache").into_os_string(),
        ));
        let installed_version = std::fs::read_to_string(dir.join("version"))
            .ok()
            .and_then(|v| module_version(v.trim()))
            .unwrap_or_else(|| request.version.clone());
        Ok(ProcessSpec {
            program: dir.join("redis-server"),
            args: vec![data_dir.join("redis.conf").into_os_string()],
            env,
            files: vec![("redis.conf".into(), config)],
            ready_line: READY_LINE.into(),
            failed_lines: Vec::new(),
            watch_stdin: false,
            installed_version,
        })
    }

    async fn connect_started(
        &self,
        request: &ServerRequest,
        host: &str,
        port: u16,
        password: &Secret,
    ) -> Result<Arc<dyn GraphConnection>, EngineError> {
        let graph = request
            .graph
            .clone()
            .unwrap_or_else(|| DEFAULT_GRAPH.to_owned());
        let endpoint = format!("redis://:{}@{host}:{port}", password.expose());
        let description = format!("{} at {host}:{port}, graph {graph:?}", request.label());
        let dialect = Dialect::new(EngineKind::Falkordb, request.version());
        let mut attempt = 0;
        loop {
            match FalkorConnection::open_with_timeout(
                &endpoint,
                graph.clone(),
                dialect.clone(),
                description.clone(),
                request.statement_timeout,
            )
            .await
            {
                Ok(c) => return Ok(Arc::new(c)),
                // The ready line can precede the module being fully loaded by a few milliseconds.
                Err(_) if attempt < 20 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
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
}

/// `41803` (what MODULE LIST reports) -> `4.18.3`.
pub(crate) fn module_version(text: &str) -> Option<String> {
    let n: u64 = text.parse().ok()?;
    Some(format!("{}.{}.{}", n / 10000, (n / 100) % 100, n % 100))
}

fn installed_note(root: &Path) -> String {
    let mut versions: Vec<String> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("installed").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    versions.sort();
    if versions.is_empty() {
        String::new()
    } else {
        format!(" (installed: {})", versions.join(", "))
    }
}

/// A path as a quoted redis.conf argument.
fn quote_conf(path: &Path) -> String {
    let text = PathBuf::from(path).display().to_string();
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_versions_read_as_dotted() {
        assert_eq!(module_version("41803").as_deref(), Some("4.18.3"));
        assert_eq!(module_version("41411").as_deref(), Some("4.14.11"));
        assert_eq!(module_version("x"), None);
    }

    #[test]
    fn a_version_that_is_not_installed_names_the_setup_command() {
        let request = ServerRequest::for_tests(EngineKind::Falkordb, "9.99.9");
        let err = FalkorEngine
            .process(&request, &Secret::new("pw"), Path::new("/tmp/x"), 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("scripts/setup-falkordb.sh 9.99.9"), "{err}");
    }
}
