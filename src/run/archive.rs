//! The `export` and `import` commands: a graph to a dump file and back (see
//! [`crate::transfer::dump`] and docs/DUMP-FORMAT.md). Orchestration, so it lives here: it loads
//! scenarios, starts servers and seeds them as a run does; the movers and the format stay in
//! `transfer`.
//!
//! - `export <scenario-or-uri> <file>`: a scenario file starts its source server and seeds it
//!   with the fixtures; a URI (`redis://host:port` for FalkorDB, `bolt://user:pw@host:7687` or
//!   `neo4j://...` for Neo4j) is an external server, which is only read.
//! - `import <file> <uri>`: validates the whole dump, then loads it into an external server,
//!   which must be empty unless `--allow-destructive` lets the harness replace it (FalkorDB:
//!   through a staging graph renamed over the target when complete; Neo4j: in place, undone on
//!   failure). See [`import`].

use std::path::Path;
use std::time::Duration;

use super::steps::{held_nodes, load_fixtures};
use super::{RunError, RunOptions};
use crate::checks::CheckOutcome;
use crate::engine::descriptor::scheme_lists;
use crate::engine::dialect::EngineKind;
use crate::engine::endpoint::redact_uri;
use crate::engine::endpoint::Endpoint;
use crate::engine::request::{Edition, ServerRequest, ServerRole};
use crate::engine::{EngineError, Query, Server};
use crate::transfer::dump::{self, DumpError, Header, ImportReport};
use crate::transfer::Progress;

/// Why an export or import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The arguments or the scenario are wrong; nothing was started.
    #[error("failed to {0}")]
    BadInput(String),
    /// The scenario file named as the export's source is not valid; nothing was started.
    #[error("failed to load {from}")]
    Scenario {
        from: String,
        #[source]
        source: Box<crate::scenario::ScenarioError>,
    },
    #[error("failed to reach {what}")]
    Engine {
        what: String,
        #[source]
        source: EngineError,
    },
    #[error("failed to {step}")]
    Dump {
        step: String,
        #[source]
        source: Box<DumpError>,
    },
    /// Seeding a scenario's source, or reading how much a target holds, failed.
    #[error(transparent)]
    Prepare(Box<RunError>),
    #[error("refused to import into {server}: it holds {nodes} node(s) (perhaps from an earlier interrupted run); use an empty graph, or pass --allow-destructive to let the harness replace it")]
    NotEmpty { server: String, nodes: u64 },
    /// The dump is not whole or not consistent; no server was touched.
    #[error("refused the dump file; nothing was imported")]
    BadDump(#[source] Box<DumpError>),
    /// The load failed; `state` says what the target holds now.
    #[error("failed to {step}; {state}")]
    ImportFailed {
        step: String,
        #[source]
        source: Box<DumpError>,
        state: String,
    },
}

/// The engine a URI names, by its scheme (the schemes of each engine's descriptor).
pub fn engine_of(uri: &str) -> Option<EngineKind> {
    crate::engine::descriptor::engine_for_uri(uri)
}

fn external(
    uri: &str,
    role: ServerRole,
    graph: Option<String>,
    options: &RunOptions,
) -> Result<ServerRequest, ArchiveError> {
    let engine = engine_of(uri).ok_or_else(|| {
        ArchiveError::BadInput(format!(
            "read {}: not a scenario file, nor a URI with one of the schemes {}",
            redact_uri(uri),
            scheme_lists(),
        ))
    })?;
    Endpoint::parse_for(uri, engine)
        .map_err(|message| ArchiveError::BadInput(format!("use {}: {message}", redact_uri(uri))))?;
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
        launcher: Default::default(),
        statement_timeout: options.statement_timeout(),
        neo4j_heap: options.neo4j_heap.clone(),
    })
}

/// An export only reads its source: a graph that does not exist there (a mistyped `--graph`)
/// is an error naming the graphs that do, instead of an empty dump (reading a FalkorDB graph
/// that does not exist would create it).
async fn require_graph(conn: &dyn crate::engine::GraphConnection) -> Result<(), ArchiveError> {
    let Some(falkor) = conn.as_falkordb() else {
        return Ok(());
    };
    if falkor
        .graph_exists()
        .await
        .map_err(engine_err(conn.describe()))?
    {
        return Ok(());
    }
    let names = falkor
        .graph_names()
        .await
        .map_err(engine_err(conn.describe()))?;
    let there = if names.is_empty() {
        "it holds no graph".to_owned()
    } else {
        format!("graphs there: {}", names.join(", "))
    };
    Err(ArchiveError::BadInput(format!(
        "export {}: graph {:?} does not exist ({there}); pass one of them with --graph",
        conn.describe(),
        falkor.graph_name()
    )))
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
    options: &RunOptions,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Header, ArchiveError> {
    // Before anything starts: where the dump goes.
    dump::check_destination(file).map_err(|e| ArchiveError::BadInput(format!("export: {e}")))?;
    let path = Path::new(from);
    let is_scenario = engine_of(from).is_none() && path.exists();
    let server = if is_scenario {
        let scenario = crate::scenario::load_file(path).map_err(|e| ArchiveError::Scenario {
            from: from.to_owned(),
            source: Box::new(e),
        })?;
        let (request, _) = options.requests(&scenario);
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
        load_fixtures(&scenario, conn)
            .await
            .map_err(|e| ArchiveError::Prepare(Box::new(e)))?;
        server
    } else {
        Server::start(external(from, ServerRole::Source, graph, options)?)
            .await
            .map_err(engine_err(redact_uri(from)))?
    };
    let conn = server.connection.as_ref();
    if !is_scenario {
        require_graph(conn).await?;
    }
    let engine = server.request.engine.to_string();
    dump::export(conn, &engine, file, batch, progress)
        .await
        .map_err(|source| ArchiveError::Dump {
            step: format!("export {} to {}", conn.describe(), file.display()),
            source: Box::new(source),
        })
}

/// What [`import`] did: the load, and the dump's schema compared with what the target holds
/// after the import (`None` for a version 1 dump, which has no schema).
#[derive(Debug, Clone)]
pub struct Imported {
    pub report: ImportReport,
    pub schema: Option<CheckOutcome>,
}

/// Imports `file` into the external server at `uri`.
///
/// The whole file is validated first ([`dump::validate`]); a bad file is refused before any
/// server is touched. Into FalkorDB the dump is loaded into a staging graph
/// (`<graph>.__mh_import_<host>_<pid>_<start>`) that is renamed over the target (`RENAME`) only when it is
/// complete and its counts verified, so a failure leaves the target as it was, and
/// `--allow-destructive` replaces an existing graph only then. Neo4j Community cannot rename a
/// database: the dump is loaded into the target itself (wiped first with
/// `--allow-destructive`, after the validation), and on a failure everything written is removed.
/// Of `options`, `allow_destructive`, `no_graph_bulk`, `query_timeout` and `neo4j_heap` apply.
pub async fn import(
    file: &Path,
    uri: &str,
    graph: Option<String>,
    batch: u64,
    options: &RunOptions,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<Imported, ArchiveError> {
    let allow_destructive = options.allow_destructive;
    let graph_bulk = !options.no_graph_bulk;
    let request = external(uri, ServerRole::Target, graph, options)?;
    let path = file.to_owned();
    let valid = tokio::task::spawn_blocking(move || dump::validate(&path))
        .await
        .map_err(|e| ArchiveError::BadInput(format!("validate {}: {e}", file.display())))?
        .map_err(|e| ArchiveError::BadDump(Box::new(e)))?;
    let server = Server::start(request)
        .await
        .map_err(engine_err(redact_uri(uri)))?;
    let conn = server.connection.as_ref();
    if !allow_destructive {
        require_empty(conn).await?;
    }
    let mut report = match conn.as_falkordb() {
        Some(falkor) => {
            import_staged(
                falkor,
                uri,
                file,
                &valid,
                allow_destructive,
                batch,
                graph_bulk,
                progress,
            )
            .await?
        }
        None => import_in_place(conn, file, &valid, allow_destructive, batch, progress).await?,
    };
    if valid.bom {
        report.notes.insert(
            0,
            "the file starts with a UTF-8 byte order mark (BOM); it was ignored".into(),
        );
    }
    let schema = report.schema.as_ref().map(|imported| {
        crate::checks::import::schema_outcome(
            imported.from,
            &imported.wanted,
            &imported.now,
            conn.dialect(),
        )
    });
    Ok(Imported { report, schema })
}

/// A target must hold no nodes (and, for FalkorDB, an existing graph key no indexes either,
/// since the staged graph replaces the key) unless `--allow-destructive`.
async fn require_empty(conn: &dyn crate::engine::GraphConnection) -> Result<(), ArchiveError> {
    if let Some(falkor) = conn.as_falkordb() {
        if !falkor
            .graph_exists()
            .await
            .map_err(engine_err(conn.describe()))?
        {
            return Ok(());
        }
    }
    let nodes = held_nodes(conn)
        .await
        .map_err(|e| ArchiveError::Prepare(Box::new(e)))?;
    if nodes > 0 {
        return Err(ArchiveError::NotEmpty {
            server: conn.describe(),
            nodes,
        });
    }
    Ok(())
}

/// Removes a staging graph when the import is dropped before it finished (Ctrl-C, SIGTERM drop
/// the command's future): a blocking `GRAPH.DELETE` over a connection of its own.
struct StagingGuard {
    uri: String,
    key: String,
    armed: bool,
}

impl Drop for StagingGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let removed = redis::Client::open(self.uri.as_str()).and_then(|client| {
            let mut conn = client.get_connection_with_timeout(Duration::from_secs(2))?;
            redis::cmd("GRAPH.DELETE")
                .arg(&self.key)
                .query::<redis::Value>(&mut conn)
        });
        match removed {
            Ok(_) => eprintln!("removed the unfinished staging graph {:?}", self.key),
            Err(e) => eprintln!(
                "could not remove the unfinished staging graph {:?} ({e}); remove it with GRAPH.DELETE",
                self.key
            ),
        }
    }
}

/// The marker between a graph's name and the rest of its staging graph's key.
const STAGING_MARK: &str = ".__mh_import_";

/// The staging graph key of an import into `target` by this process:
/// `<target>.__mh_import_<host>_<pid>_<start time>`, so that a later import can tell the staging
/// graph of a dead import (killed with SIGKILL, which cannot remove it) from a live one's.
fn staging_key(target: &str) -> String {
    use crate::engine::launcher::registry::{host_name, ProcessId};
    let pid = std::process::id();
    let start = ProcessId::of(pid).map_or(0, |p| p.start_time);
    format!("{target}{STAGING_MARK}{}_{pid}_{start}", host_name())
}

/// The import a staging graph key belongs to: (host, process), if `key` is one.
fn staging_owner(key: &str) -> Option<(String, crate::engine::launcher::registry::ProcessId)> {
    let (_, owner) = key.rsplit_once(STAGING_MARK)?;
    let mut parts = owner.rsplitn(3, '_');
    let start = parts.next()?;
    let pid = parts.next()?;
    let host = parts.next()?;
    let process = crate::engine::launcher::registry::ProcessId::parse(&format!("{pid} {start}"))?;
    (!host.is_empty()).then(|| (host.to_owned(), process))
}

/// Removes the staging graphs on the server whose import ran on this host and is dead (killed
/// before it could remove them); returns a note per graph removed. Staging graphs of live
/// imports, and of imports on other hosts (whose processes cannot be checked from here), are
/// left alone.
async fn remove_dead_staging_graphs(
    falkor: &crate::engine::falkordb::FalkorConnection,
) -> Result<Vec<String>, ArchiveError> {
    use crate::engine::GraphConnection;
    let here = crate::engine::launcher::registry::host_name();
    let names = falkor
        .graph_names()
        .await
        .map_err(engine_err(falkor.describe()))?;
    let mut notes = Vec::new();
    for name in names {
        let Some((host, process)) = staging_owner(&name) else {
            continue;
        };
        if host != here || process.alive() {
            continue;
        }
        falkor
            .with_graph(&name)
            .wipe()
            .await
            .map_err(engine_err(falkor.describe()))?;
        notes.push(format!(
            "removed the staging graph {name:?} of an import that was killed (pid {})",
            process.pid
        ));
    }
    Ok(notes)
}

#[allow(clippy::too_many_arguments)]
async fn import_staged(
    falkor: &crate::engine::falkordb::FalkorConnection,
    uri: &str,
    file: &Path,
    valid: &dump::ValidDump,
    allow_destructive: bool,
    batch: u64,
    graph_bulk: bool,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<ImportReport, ArchiveError> {
    use crate::engine::GraphConnection;
    let target = falkor.graph_name().to_owned();
    let removed_stale = remove_dead_staging_graphs(falkor).await?;
    let key = staging_key(&target);
    let staging = falkor.with_graph(&key);
    let mut guard = StagingGuard {
        uri: uri.to_owned(),
        key: key.clone(),
        armed: true,
    };
    let step = format!("import {} into {}", file.display(), falkor.describe());
    let mut written = dump::Written::default();
    let loaded =
        dump::import_counting(file, &staging, batch, graph_bulk, progress, &mut written).await;
    let header = &valid.header;
    let failure = match loaded {
        Ok(report)
            if (report.target_nodes, report.target_relationships)
                == (header.nodes, header.relationships) =>
        {
            Ok(report)
        }
        Ok(report) => Err(DumpError::Inconsistent(format!(
            "the staged graph holds {} nodes and {} relationships, the dump {} and {}",
            report.target_nodes, report.target_relationships, header.nodes, header.relationships
        ))),
        Err(e) => Err(e),
    };
    let report = match failure {
        Ok(report) => report,
        Err(source) => {
            let removed = staging.wipe().await;
            guard.armed = false;
            let state = match removed {
                Ok(()) => format!(
                    "the target graph {target:?} was left as it was (the staging graph {key:?} holding {} node(s) and {} relationship(s) was removed)",
                    written.nodes, written.relationships
                ),
                Err(e) => format!(
                    "the target graph {target:?} was left as it was, but the staging graph {key:?} could not be removed ({}); remove it with GRAPH.DELETE",
                    crate::io_error::error_chain(&e)
                ),
            };
            return Err(ArchiveError::ImportFailed {
                step,
                source: Box::new(source),
                state,
            });
        }
    };
    // Complete and verified: put it in place. RENAMENX when nothing was there, so a graph
    // created meanwhile is not replaced.
    let exists = falkor
        .graph_exists()
        .await
        .map_err(engine_err(falkor.describe()))?;
    let verb = if allow_destructive || exists {
        "RENAME"
    } else {
        "RENAMENX"
    };
    let renamed = falkor.command(&[verb, &key, &target]).await;
    let installed = match renamed {
        Ok(redis::Value::Int(0)) => Err(format!(
            "graph {target:?} was created by someone else while the dump was loaded"
        )),
        Ok(_) => Ok(()),
        Err(e) => Err(crate::io_error::error_chain(&e)),
    };
    if let Err(why) = installed {
        let _ = staging.wipe().await;
        guard.armed = false;
        return Err(ArchiveError::ImportFailed {
            step: format!("put the imported graph in place of {target:?}"),
            source: Box::new(DumpError::Inconsistent(why)),
            state: format!(
                "the target graph {target:?} was left as it was (the staging graph was removed)"
            ),
        });
    }
    guard.armed = false;
    let mut report = report;
    report.notes.extend(removed_stale);
    if exists {
        report
            .notes
            .push(format!("replaced the graph {target:?} that was there"));
    }
    Ok(report)
}

async fn import_in_place(
    conn: &dyn crate::engine::GraphConnection,
    file: &Path,
    valid: &dump::ValidDump,
    allow_destructive: bool,
    batch: u64,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<ImportReport, ArchiveError> {
    if allow_destructive {
        // The dump is whole (validated); this engine cannot stage a graph under another name.
        conn.wipe().await.map_err(engine_err(conn.describe()))?;
    }
    let step = format!("import {} into {}", file.display(), conn.describe());
    let mut written = dump::Written::default();
    let header = &valid.header;
    let loaded = match dump::import_counting(file, conn, batch, true, progress, &mut written).await
    {
        Ok(r)
            if (r.target_nodes, r.target_relationships) == (header.nodes, header.relationships) =>
        {
            Ok(r)
        }
        Ok(r) => Err(DumpError::Inconsistent(format!(
            "the target holds {} nodes and {} relationships after the import, the dump {} and {}",
            r.target_nodes, r.target_relationships, header.nodes, header.relationships
        ))),
        Err(e) => Err(e),
    };
    let source = match loaded {
        Ok(mut r) => {
            if allow_destructive {
                r.notes.push(
                    "the target was wiped before the load (Neo4j cannot load into a staging database and rename it)".into(),
                );
            }
            return Ok(r);
        }
        Err(e) => e,
    };
    // The target held no nodes before the load (empty, or wiped): remove every node.
    let undo = remove_all_nodes(conn, batch).await;
    let wiped = if allow_destructive {
        " (its previous contents were wiped before the load, as --allow-destructive allows)"
    } else {
        ""
    };
    let state = match undo {
        Ok(()) => format!(
            "the {} node(s) and {} relationship(s) this import had written were removed: the target holds no nodes{wiped}",
            written.nodes, written.relationships
        ),
        Err(e) => format!(
            "removing what this import wrote failed too ({}): the target now holds {} node(s) and {} of {} relationship(s) written by this import; it is not a complete copy: wipe it (or re-run with --allow-destructive) before using it",
            crate::io_error::error_chain(&e),
            written.nodes, written.relationships, header.relationships
        ),
    };
    Err(ArchiveError::ImportFailed {
        step,
        source: Box::new(source),
        state,
    })
}

/// Deletes every node (and so every relationship) in batches.
async fn remove_all_nodes(
    conn: &dyn crate::engine::GraphConnection,
    batch: u64,
) -> Result<(), EngineError> {
    let limit = batch.clamp(1, 10_000);
    loop {
        let query = format!("MATCH (n) WITH n LIMIT {limit} DETACH DELETE n RETURN count(*)");
        let deleted = conn.execute(&Query::new(query.as_str())).await?;
        if deleted.single_count(&conn.describe(), &query)? == 0 {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::launcher::registry::{host_name, ProcessId};
    use crate::engine::{Dialect, GraphConnection, QueryResult, ServerInfo};
    use crate::value::Value;

    /// A Neo4j-dialect server (no FalkorDB graph-exists probe) answering every statement
    /// with `rows`.
    struct Replies(Dialect, Vec<Vec<Value>>);

    #[async_trait::async_trait]
    impl GraphConnection for Replies {
        fn describe(&self) -> String {
            "target Neo4j 5.26 (fake)".into()
        }
        fn dialect(&self) -> &Dialect {
            &self.0
        }
        async fn execute(&self, _: &Query) -> Result<QueryResult, EngineError> {
            Ok(QueryResult {
                rows: self.1.clone(),
                ..QueryResult::default()
            })
        }
        async fn server_info(&self) -> Result<ServerInfo, EngineError> {
            Ok(ServerInfo::default())
        }
        async fn wipe(&self) -> Result<(), EngineError> {
            Ok(())
        }
    }

    fn replying(rows: Vec<Vec<Value>>) -> Replies {
        Replies(Dialect::new(EngineKind::Neo4j, None), rows)
    }

    #[tokio::test]
    async fn an_unreadable_node_count_does_not_pass_for_an_empty_target() {
        for rows in [
            vec![],
            vec![vec![Value::String("0".into())]],
            vec![vec![Value::Null]],
        ] {
            let e = require_empty(&replying(rows.clone()))
                .await
                .expect_err(&format!("{rows:?} is not an empty target"));
            assert!(matches!(e, ArchiveError::Prepare(_)), "{e:?}");
            let shown = crate::io_error::error_chain(&e);
            assert!(shown.contains("target Neo4j 5.26 (fake)"), "{shown}");
            assert!(shown.contains("MATCH (n) RETURN count(n)"), "{shown}");
        }
        require_empty(&replying(vec![vec![Value::Int(0)]]))
            .await
            .expect("zero nodes is empty");
        let full = require_empty(&replying(vec![vec![Value::Int(5)]])).await;
        assert!(
            matches!(full, Err(ArchiveError::NotEmpty { nodes: 5, .. })),
            "{full:?}"
        );
    }

    #[tokio::test]
    async fn an_invalid_scenario_to_export_keeps_its_error_as_the_source() {
        let dir = tempfile::tempdir().unwrap();
        let scenario = dir.path().join("broken.yaml");
        std::fs::write(&scenario, "name: broken\nsource: [not, a, server]\n").unwrap();
        let from = scenario.to_str().unwrap();
        let e = export(
            from,
            &dir.path().join("out.jsonl"),
            None,
            100,
            &RunOptions::default(),
            &|_| {},
        )
        .await
        .expect_err("an invalid scenario is not exported");
        assert!(matches!(e, ArchiveError::Scenario { .. }), "{e:?}");
        let source = std::error::Error::source(&e).expect("the scenario error is the source");
        assert!(
            source.to_string().contains("expected mapping start"),
            "{source}"
        );
        assert!(e.to_string().starts_with("failed to load "), "{e}");
    }

    #[tokio::test]
    async fn removing_nodes_stops_with_an_error_on_an_unreadable_count() {
        let e = remove_all_nodes(&replying(vec![vec![Value::Bool(true)]]), 100)
            .await
            .expect_err("an unreadable deleted count is not \"done\"");
        assert!(e.to_string().contains("DETACH DELETE"), "{e}");
    }

    #[test]
    fn a_staging_key_names_this_host_and_process() {
        let key = staging_key("my_graph.v2");
        assert!(key.starts_with("my_graph.v2.__mh_import_"), "{key}");
        let (host, process) = staging_owner(&key).expect("parsable");
        assert_eq!(host, host_name());
        assert_eq!(Some(process), ProcessId::of(std::process::id()));
        assert!(process.alive());
        assert_eq!(
            staging_owner("g.__mh_import_some-host_42_1234"),
            Some((
                "some-host".into(),
                ProcessId {
                    pid: 42,
                    start_time: 1234
                }
            ))
        );
        // The keys of earlier versions (random hex) and other keys are not staging graphs.
        assert_eq!(staging_owner("g.__mh_import_0123456789abcdef"), None);
        assert_eq!(staging_owner("harness"), None);
        assert_eq!(staging_owner("g.__mh_import__x_1"), None);
    }
}
