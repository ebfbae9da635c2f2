use std::collections::BTreeMap;

use async_trait::async_trait;

use super::{Dialect, EngineError};
use crate::value::Value;

/// A Cypher statement with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The Cypher text.
    pub text: String,
    /// Named parameters (`$name` in the text).
    pub params: BTreeMap<String, Value>,
}

impl Query {
    /// A query without parameters.
    pub fn new(text: impl Into<String>) -> Self {
        Query {
            text: text.into(),
            params: BTreeMap::new(),
        }
    }

    /// Adds a named parameter.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }
}

/// A server notification (deprecation warnings and the like), as far as the engine reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The server's notification code.
    pub code: String,
    /// A one-line title.
    pub title: String,
    /// The full description.
    pub description: String,
}

/// The complete, materialised result of one statement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
    /// Notifications (deprecations, warnings) the server sent with the result.
    pub notifications: Vec<Notification>,
}

impl QueryResult {
    /// The single value of a one-row, one-column result.
    pub fn single(&self) -> Option<&Value> {
        match (self.rows.len(), self.rows.first()) {
            (1, Some(row)) if row.len() == 1 => row.first(),
            _ => None,
        }
    }

    /// The count a one-row, one-column `count(...)` query returned: a reply that is not one
    /// non-negative integer is an error naming `server` and `query`, never taken as 0.
    pub fn single_count(&self, server: &str, query: &str) -> Result<u64, EngineError> {
        match self.single() {
            Some(Value::Int(n)) if *n >= 0 => Ok(*n as u64),
            _ => Err(EngineError::unexpected_reply(
                server,
                query,
                "one non-negative integer",
                &format!("{:?}", self.rows),
            )),
        }
    }
}

/// What a server says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ServerInfo {
    /// The version the server reports, e.g. `5.26.19` or `4.18.3`.
    pub version: String,
    /// `community` or `enterprise` where the engine has editions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
}

/// What a dry run saw. The statements ran isolated (Neo4j: inside one explicit transaction;
/// FalkorDB, which has no transactions: on a scratch copy of the graph), and that isolation
/// was then undone (rolled back; scratch graph deleted).
#[derive(Debug, Default)]
pub struct DryRun {
    /// The probes' results before the statements, inside the isolation.
    pub before: Vec<QueryResult>,
    /// The probes' results after the statements (empty when one failed).
    pub after: Vec<QueryResult>,
    /// The statement that failed (its index) and the server's error.
    pub failed: Option<(usize, EngineError)>,
    /// How the run was isolated, for reports.
    pub isolation: String,
}

/// One connection to one graph (database) on one server.
///
/// Everything above the engines (fixtures, movers, checks) goes through this trait, so the
/// same code path runs against Neo4j (Bolt, neo4rs) and FalkorDB (RESP, `GRAPH.QUERY`).
#[async_trait]
pub trait GraphConnection: Send + Sync {
    /// A human-readable, secret-free name for errors and reports, e.g.
    /// `source (falkordb 4.16.3 at 127.0.0.1:32771, graph "harness")`.
    fn describe(&self) -> String;

    /// The statements that differ between engines and versions.
    fn dialect(&self) -> &Dialect;

    /// Runs one statement in its own transaction and collects every row.
    async fn execute(&self, query: &Query) -> Result<QueryResult, EngineError>;

    /// Asks the server for its real version (and edition).
    async fn server_info(&self) -> Result<ServerInfo, EngineError>;

    /// Removes every node, relationship, index and constraint of the graph. Only ever called on
    /// servers the harness started, or when the user passed `--allow-destructive`.
    async fn wipe(&self) -> Result<(), EngineError>;

    /// Runs `probes`, then `statements`, then `probes` again, isolated so that nothing stays:
    /// what would the statements change? The caller must leave out statements that manage
    /// their own transactions (`CALL { ... } IN TRANSACTIONS`, schema commands). An engine that
    /// cannot isolate a run says so with [`EngineError::Unsupported`].
    async fn dry_run(&self, statements: &[Query], probes: &[Query]) -> Result<DryRun, EngineError> {
        let _ = (statements, probes);
        Err(EngineError::Unsupported {
            server: self.describe(),
            message: "this engine cannot run statements in isolation (dry run)".into(),
        })
    }

    /// Forgets what the connection cached about the graph's names (FalkorDB's replies name
    /// labels, types and property keys by ids that only last as long as the graph: deleted and
    /// created again, by this connection or another, the same id names something else).
    /// Whole-graph reads call it before they start.
    async fn forget_names(&self) {}

    /// The FalkorDB connection behind this one, for FalkorDB-only fast paths (the copy's
    /// `GRAPH.BULK` loader); `None` on other engines.
    fn as_falkordb(&self) -> Option<&crate::engine::falkordb::FalkorConnection> {
        None
    }
}
