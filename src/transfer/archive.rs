//! The `export` and `import` commands: a graph to a dump file and back (see [`super::dump`] and
//! docs/DUMP-FORMAT.md).
//!
//! - `export <scenario-or-uri> <file>`: a scenario file starts its source server and seeds it
//!   with the fixtures; a URI (`redis://host:port` for FalkorDB, `bolt://user:pw@host:7687` or
//!   `neo4j://...` for Neo4j) is an external server, which is only read.
//! - `import <file> <uri>`: loads the dump into an external server, which must be empty unless
//!   `--allow-destructive` lets the harness wipe it first (as for `run`). A failed import is
//!   re-run the same way: with `--allow-destructive`, which starts from an empty graph again.

use std::path::Path;
use std::time::Duration;

use super::dump::{self, DumpError, Header, ImportReport};
use super::Progress;
use crate::engine::dialect::EngineKind;
use crate::engine::server::{Edition, ServerRequest, ServerRole};
use crate::engine::{EngineError, Query, Server};
use crate::run::RunOptions;
use crate::value::Value;

/// Why an export or import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The arguments or the scenario are wrong; nothing was started.
    #[error("failed to {0}")]
    BadInput(String),
    #[error("failed to reach {what}: {source}")]
    Engine {
        what: String,
        #[source]
        source: EngineError,
    },
    #[error("failed to {step}: {source}")]
    Dump {
        step: String,
        #[source]
        source: Box<DumpError>,
    },
    #[error("refused to import into {server}: it holds {nodes} node(s) the harness did not create; use an empty graph, or pass --allow-destructive to let the harness wipe it")]
    NotEmpty { server: String, nodes: i64 },
}

/// The engine a URI names, by its scheme.
pub fn engine_of(uri: &str) -> Option<EngineKind> {
    let scheme = uri.split("://").next()?.to_ascii_lowercase();
    match scheme.as_str() {
        "redis" | "rediss" | "falkor" | "falkordb" => Some(EngineKind::Falkordb),
        "bolt" | "bolt+s" | "bolt+ssc" | "neo4j" | "neo4j+s" | "neo4j+ssc" => {
            Some(EngineKind::Neo4j)
        }
        _ => None,
    }
}

fn external(
    uri: &str,
    role: ServerRole,
    graph: Option<String>,
) -> Result<ServerRequest, ArchiveError> {
    let engine = engine_of(uri).ok_or_else(|| {
        ArchiveError::BadInput(format!(
            "read {uri:?}: not a scenario file, nor a redis:// (FalkorDB) or bolt:// / neo4j:// (Neo4j) URI"
        ))
    })?;
    Ok(ServerRequest {
        role,
        engine,
        version: String::new(),
        edition: Edition::Community,
        image: None,
        env: Default::default(),
        endpoint: Some(uri.to_owned()),
        graph,
        startup_timeout: Duration::from_secs(30),
        pull: false,
    })
}

fn engine_err(what: String) -> impl FnOnce(EngineError) -> ArchiveError {
    move |source| ArchiveError::Engine { what, source }
}

/// Exports a scenario's seeded source, or an external server (read only), to `file`.
pub async fn export(
    from: &str,
    file: &Path,
    graph: Option<String>,
    batch: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Header, ArchiveError> {
    let path = Path::new(from);
    let is_scenario = engine_of(from).is_none() && path.exists();
    let server = if is_scenario {
        let scenario = crate::scenario::load_file(path)
            .map_err(|e| ArchiveError::BadInput(format!("load {from}: {e}")))?;
        let (request, _) = RunOptions::default().requests(&scenario);
        if request.endpoint.is_some() {
            return Err(ArchiveError::BadInput(format!(
                "export {from}: its source is an external server, which the harness does not seed; export that server by its URI"
            )));
        }
        let server = Server::start(request)
            .await
            .map_err(engine_err(format!("the source of {from}")))?;
        let conn = server.connection.as_ref();
        conn.wipe().await.map_err(engine_err(conn.describe()))?;
        for st in &scenario.fixture_statements {
            conn.execute(&Query::new(st.text.clone()))
                .await
                .map_err(engine_err(format!(
                    "{} while seeding {st}",
                    conn.describe()
                )))?;
        }
        server
    } else {
        Server::start(external(from, ServerRole::Source, graph)?)
            .await
            .map_err(engine_err(crate::engine::secret::redact_uri(from)))?
    };
    let conn = server.connection.as_ref();
    let engine = server.request.engine.to_string();
    dump::export(conn, &engine, file, batch, progress)
        .await
        .map_err(|source| ArchiveError::Dump {
            step: format!("export {} to {}", conn.describe(), file.display()),
            source: Box::new(source),
        })
}

/// Imports `file` into the external server at `uri`.
pub async fn import(
    file: &Path,
    uri: &str,
    graph: Option<String>,
    allow_destructive: bool,
    batch: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<ImportReport, ArchiveError> {
    // Read the header first: a bad file fails before any server is touched.
    dump::DumpReader::open(file)
        .map_err(|e| ArchiveError::BadInput(format!("open the dump: {e}")))?;
    let server = Server::start(external(uri, ServerRole::Target, graph)?)
        .await
        .map_err(engine_err(crate::engine::secret::redact_uri(uri)))?;
    let conn = server.connection.as_ref();
    if allow_destructive {
        conn.wipe().await.map_err(engine_err(conn.describe()))?;
    } else {
        let count = conn
            .execute(&Query::new("MATCH (n) RETURN count(n)"))
            .await
            .map_err(engine_err(conn.describe()))?;
        let nodes = count.single().and_then(Value::as_int).unwrap_or(0);
        if nodes > 0 {
            return Err(ArchiveError::NotEmpty {
                server: conn.describe(),
                nodes,
            });
        }
    }
    dump::import(file, conn, batch, progress)
        .await
        .map_err(|source| ArchiveError::Dump {
            step: format!("import {} into {}", file.display(), conn.describe()),
            source: Box::new(source),
        })
}
