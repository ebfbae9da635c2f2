use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use redis::aio::MultiplexedConnection;
use tokio::sync::RwLock;

use super::compact::{self, ParseError, Schema};
use super::params;
use super::wire::Wire;
use crate::engine::dialect::{Dialect, EngineKind};
use crate::engine::endpoint::redact_uri;
use crate::engine::request::ServerRequest;
use crate::engine::{EngineError, GraphConnection, Query, QueryResult, ServerInfo};
use crate::value::Value;

use crate::engine::timeouts;

const CONNECT_TIMEOUT: Duration = timeouts::CONNECT;

/// Default graph key when the scenario names none.
pub const DEFAULT_GRAPH: &str = "harness";

/// One FalkorDB graph (a Redis key) on one server.
pub struct FalkorConnection {
    conn: MultiplexedConnection,
    /// Where `conn` connects (with its credentials: never printed), for [`Wire`].
    info: redis::ConnectionInfo,
    /// Idle connections for graph queries, opened on demand (one per query in flight, so
    /// concurrent queries do not wait for each other), shared with the connections to other
    /// graphs of the same server made from this one. A request that does not finish drops its
    /// connection.
    wires: Arc<std::sync::Mutex<Vec<Wire>>>,
    /// Reply buffers handed back after parsing, for the next replies (see [`Wire::request`]).
    frames: Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
    graph: String,
    dialect: Dialect,
    description: String,
    schema: RwLock<Schema>,
    /// `host:port` of a TCP server, probed while a reply is awaited (see [`Self::watched`]).
    probe: Option<String>,
    /// The limit of one reply (the request's `statement_timeout`).
    statement_timeout: Duration,
}

/// At most this many idle graph-query connections are kept per server (more than the queries
/// the harness runs at once on one server).
const MAX_IDLE_WIRES: usize = 6;

/// At most this many reply buffers, of at most [`MAX_KEPT_FRAME`] bytes each, are kept per
/// server for the next replies.
const MAX_KEPT_FRAMES: usize = 4;
const MAX_KEPT_FRAME: usize = 1 << 20;

/// How often a pending reply checks that its server still accepts connections.
const PROBE_EVERY: Duration = Duration::from_secs(2);

/// A reply awaited while [`FalkorConnection::watched`] checks that its server still lives.
trait Watched<T: Send>: std::future::Future<Output = redis::RedisResult<T>> + Send + Sized {
    fn watched<'a>(
        self,
        conn: &'a FalkorConnection,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = redis::RedisResult<T>> + Send + 'a>>
    where
        Self: 'a,
        T: 'a,
    {
        Box::pin(conn.watched(self))
    }
}

impl<T: Send, F> Watched<T> for F where F: std::future::Future<Output = redis::RedisResult<T>> + Send
{}

/// The `host:port` of a TCP endpoint (`redis://`, `rediss://`), for [`FalkorConnection::watched`].
fn probe_address(endpoint: &str) -> Option<String> {
    let url = url::Url::parse(endpoint).ok()?;
    if !matches!(url.scheme(), "redis" | "rediss") {
        return None;
    }
    let host = url
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = url.port().unwrap_or(6379);
    Some(if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    })
}

/// Connects to an existing FalkorDB server, e.g. `redis://:password@host:6379`. The password,
/// if any, never appears in descriptions or errors.
pub async fn connect(
    request: &ServerRequest,
    endpoint: &str,
) -> Result<Arc<dyn GraphConnection>, EngineError> {
    let graph = request
        .graph
        .clone()
        .unwrap_or_else(|| DEFAULT_GRAPH.to_owned());
    let description = format!(
        "{} at {}, graph {graph:?}",
        request.label(),
        redact_uri(endpoint)
    );
    let conn = FalkorConnection::open_with_timeout(
        endpoint,
        graph,
        Dialect::new(EngineKind::Falkordb, request.version()),
        description,
        request.statement_timeout,
    )
    .await?;
    Ok(Arc::new(conn))
}

impl FalkorConnection {
    /// Opens a connection whose statements have the default limit
    /// ([`timeouts::DEFAULT_STATEMENT`]).
    pub async fn open(
        endpoint: &str,
        graph: String,
        dialect: Dialect,
        description: String,
    ) -> Result<Self, EngineError> {
        Self::open_with_timeout(
            endpoint,
            graph,
            dialect,
            description,
            timeouts::DEFAULT_STATEMENT,
        )
        .await
    }

    /// Opens a connection whose every reply must come within `statement_timeout`.
    pub async fn open_with_timeout(
        endpoint: &str,
        graph: String,
        dialect: Dialect,
        description: String,
        statement_timeout: Duration,
    ) -> Result<Self, EngineError> {
        let connect_err = |e: redis::RedisError| EngineError::Connect {
            server: description.clone(),
            message: e.to_string(),
        };
        let client = redis::Client::open(endpoint).map_err(connect_err)?;
        // The redis crate gives up on a reply after 500 ms by default; a batch write or a full
        // scan of a large graph legitimately takes longer, so replies get the statement timeout.
        let config = redis::AsyncConnectionConfig::new()
            // Longer than the handshake's own limit below, which says what timed out.
            .set_connection_timeout(Some(CONNECT_TIMEOUT + Duration::from_secs(5)))
            .set_response_timeout(Some(statement_timeout));
        // The handshake and the first round trip are bounded by the connect timeout: a port that
        // speaks another protocol, or a paused server, fails here instead of hanging.
        let handshake = async {
            let mut conn = client
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            // Fail early, with a clear message, when the server is Redis without the graph module.
            let modules: redis::Value = redis::cmd("MODULE")
                .arg("LIST")
                .query_async(&mut conn)
                .await?;
            Ok::<_, redis::RedisError>((conn, modules))
        };
        let (conn, modules) = tokio::time::timeout(CONNECT_TIMEOUT, handshake)
            .await
            .map_err(|_| EngineError::Connect {
                server: description.clone(),
                message: format!(
                    "no answer to the handshake and MODULE LIST within {} (is it a Redis/FalkorDB port? a paused server?)",
                    crate::engine::timeouts::human(CONNECT_TIMEOUT)
                ),
            })?
            .map_err(connect_err)?;
        if !format!("{modules:?}").to_lowercase().contains("graph") {
            return Err(EngineError::Connect {
                server: description,
                message: "the server answers but has no FalkorDB (graph) module loaded".into(),
            });
        }
        Ok(FalkorConnection {
            conn,
            info: client.get_connection_info().clone(),
            wires: Arc::default(),
            frames: Arc::default(),
            graph,
            dialect,
            description,
            schema: RwLock::new(Schema::default()),
            probe: probe_address(endpoint),
            statement_timeout,
        })
    }

    /// Awaits `reply`; meanwhile, every [`PROBE_EVERY`], checks that the server still accepts
    /// connections. A server that died (killed, crashed) refuses them, and the reply fails at
    /// once as a lost connection, instead of waiting for the statement timeout should the
    /// client miss the connection's end. A paused server still accepts (the kernel does): the
    /// statement timeout covers that.
    async fn watched<T>(
        &self,
        reply: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> redis::RedisResult<T> {
        let Some(address) = &self.probe else {
            return reply.await;
        };
        let mut reply = std::pin::pin!(reply);
        let start = tokio::time::Instant::now() + PROBE_EVERY;
        let mut tick = tokio::time::interval_at(start, PROBE_EVERY);
        loop {
            tokio::select! {
                result = &mut reply => return result,
                _ = tick.tick() => {
                    let connect = tokio::net::TcpStream::connect(address.as_str());
                    if let Ok(Err(e)) = tokio::time::timeout(PROBE_EVERY, connect).await {
                        if e.kind() == std::io::ErrorKind::ConnectionRefused {
                            return Err(redis::RedisError::from(std::io::Error::new(
                                std::io::ErrorKind::ConnectionReset,
                                format!("the server no longer accepts connections at {address}"),
                            )));
                        }
                    }
                }
            }
        }
    }

    /// `GRAPH.QUERY <graph> <text> --compact` over [`Wire`]: the reply's bytes.
    async fn raw_query(&self, text: &str, original: &str) -> Result<Vec<u8>, EngineError> {
        let args: [&[u8]; 4] = [
            b"GRAPH.QUERY",
            self.graph.as_bytes(),
            text.as_bytes(),
            b"--compact",
        ];
        self.wire_request(&args, original).await
    }

    /// One command over a pooled [`Wire`]: the reply's bytes. `what` names the command in
    /// errors. The statement timeout covers opening a new wire too: a frozen server accepts
    /// the TCP connection (the kernel does) and then never answers its handshake, which is a
    /// statement without a reply, not a connection error.
    async fn wire_request(&self, args: &[&[u8]], what: &str) -> Result<Vec<u8>, EngineError> {
        let request = async {
            let idle = self.wires.lock().ok().and_then(|mut w| w.pop());
            let exchange = async {
                let mut wire = match idle {
                    Some(wire) => wire,
                    None => tokio::time::timeout(CONNECT_TIMEOUT, Wire::connect(&self.info))
                        .await
                        .map_err(|_| {
                            std::io::Error::new(
                                std::io::ErrorKind::NotConnected,
                                format!(
                                    "could not open a connection for graph queries within {}",
                                    crate::engine::timeouts::human(CONNECT_TIMEOUT)
                                ),
                            )
                        })??,
                };
                let buf = self
                    .frames
                    .lock()
                    .ok()
                    .and_then(|mut f| f.pop())
                    .unwrap_or_default();
                let reply = wire.request(args, buf).await?;
                Ok::<_, redis::RedisError>((wire, reply))
            };
            let (wire, reply) = tokio::time::timeout(self.statement_timeout, exchange)
                .await
                .map_err(|_| {
                    std::io::Error::new(std::io::ErrorKind::TimedOut, "no reply in time")
                })??;
            if let Ok(mut idle) = self.wires.lock() {
                if idle.len() < MAX_IDLE_WIRES {
                    idle.push(wire);
                }
            }
            Ok::<_, redis::RedisError>(reply)
        };
        request
            .watched(self)
            .await
            .map_err(|e| self.redis_error(e, what))
    }

    /// Keeps a parsed reply's buffer for a later reply, unless enough are kept or it is large.
    fn keep_frame(&self, mut frame: Vec<u8>) {
        if frame.capacity() <= MAX_KEPT_FRAME {
            if let Ok(mut kept) = self.frames.lock() {
                if kept.len() < MAX_KEPT_FRAMES {
                    frame.clear();
                    kept.push(frame);
                }
            }
        }
    }

    /// Whether this connection's graph key exists on the server (`EXISTS <key>`).
    pub async fn graph_exists(&self) -> Result<bool, EngineError> {
        let mut conn = self.conn.clone();
        let n: i64 = redis::cmd("EXISTS")
            .arg(&self.graph)
            .query_async(&mut conn)
            .watched(self)
            .await
            .map_err(|e| self.redis_error(e, "EXISTS"))?;
        Ok(n > 0)
    }

    /// A connection to another graph key on the same server (sharing this connection), e.g. a
    /// staging graph that is renamed over the real one when complete.
    pub fn with_graph(&self, graph: &str) -> FalkorConnection {
        self.sibling(graph, format!("{}, staging graph {graph:?}", self.description))
    }

    /// A connection to `graph` on the same server, sharing this one's connections.
    fn sibling(&self, graph: &str, description: String) -> FalkorConnection {
        FalkorConnection {
            conn: self.conn.clone(),
            info: self.info.clone(),
            wires: self.wires.clone(),
            frames: self.frames.clone(),
            graph: graph.to_owned(),
            dialect: self.dialect.clone(),
            description,
            schema: RwLock::new(Schema::default()),
            probe: self.probe.clone(),
            statement_timeout: self.statement_timeout,
        }
    }

    /// Sends one plain Redis command (`RENAME`, `GET`, ...) and returns its raw reply.
    pub async fn command(&self, args: &[&str]) -> Result<redis::Value, EngineError> {
        let mut conn = self.conn.clone();
        let mut cmd = redis::cmd(args.first().copied().unwrap_or("PING"));
        for arg in args.iter().skip(1) {
            cmd.arg(*arg);
        }
        cmd.query_async(&mut conn)
            .watched(self)
            .await
            .map_err(|e| self.redis_error(e, &args.join(" ")))
    }

    /// The graph key this connection reads and writes.
    pub fn graph_name(&self) -> &str {
        &self.graph
    }

    /// The graph keys on the server (`GRAPH.LIST`), sorted.
    pub async fn graph_names(&self) -> Result<Vec<String>, EngineError> {
        let mut conn = self.conn.clone();
        let mut names: Vec<String> = redis::cmd("GRAPH.LIST")
            .query_async(&mut conn)
            .watched(self)
            .await
            .map_err(|e| self.redis_error(e, "GRAPH.LIST"))?;
        names.sort();
        Ok(names)
    }

    /// Sends `GRAPH.BULK <graph> <args...>` as is and returns the raw reply. The arguments are
    /// built by [`super::bulk`] (`[BEGIN] <node count> <edge count> <node token count>
    /// <edge token count> <tokens...>`); nothing here checks them, and malformed tokens can crash
    /// the server, so use the encoder rather than calling this directly.
    pub async fn bulk(&self, args: &[&[u8]]) -> Result<redis::Value, EngineError> {
        // Over a pooled Wire, which writes the (megabytes of) tokens straight from `args`: the
        // redis crate copied them into a command buffer that its connection then kept.
        let mut full: Vec<&[u8]> = Vec::with_capacity(args.len() + 2);
        full.push(b"GRAPH.BULK");
        full.push(self.graph.as_bytes());
        full.extend_from_slice(args);
        let reply = self.wire_request(&full, "GRAPH.BULK").await?;
        let line = |body: &[u8]| {
            String::from_utf8_lossy(body.strip_suffix(b"\r\n").unwrap_or(body)).into_owned()
        };
        match reply.split_first() {
            Some((b'+', body)) => Ok(redis::Value::SimpleString(line(body))),
            Some((b'$', rest)) => {
                let body = rest
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(&rest[..0], |nl| &rest[nl + 1..]);
                Ok(redis::Value::BulkString(line(body).into_bytes()))
            }
            Some((b'-', body)) => Err(EngineError::query(
                self.description.clone(),
                "GRAPH.BULK",
                None,
                line(body),
            )),
            _ => Ok(redis::Value::BulkString(reply)),
        }
    }

    fn redis_error(&self, e: redis::RedisError, query: &str) -> EngineError {
        if e.is_timeout() {
            EngineError::query(
                self.description.clone(),
                query,
                None,
                format!(
                    "no reply within the statement timeout of {} (MH_QUERY_TIMEOUT); the server may be paused, overloaded or the statement too large",
                    crate::engine::timeouts::human(self.statement_timeout)
                ),
            )
        } else if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() {
            // The connection was open (this runs after `open`): it broke under the statement,
            // which is what the message must say, with the statement.
            EngineError::lost(self.description.clone(), query, e.to_string())
        } else {
            // FalkorDB errors have no code: the redis crate takes the message's first word
            // ("errMsg:", "Division", ...) as one, so the whole text is the message.
            let message = match (e.code(), e.detail()) {
                (Some(code), Some(detail)) => format!("{code} {detail}"),
                _ => e.to_string(),
            };
            EngineError::query(self.description.clone(), query, None, message)
        }
    }

    /// Reads label, relationship type and property key names, which compact replies refer to by id.
    async fn refresh_schema(&self) -> Result<(), EngineError> {
        let mut fresh = Schema::default();
        for (procedure, target) in [
            ("CALL db.labels()", &mut fresh.labels),
            ("CALL db.relationshipTypes()", &mut fresh.relationship_types),
            ("CALL db.propertyKeys()", &mut fresh.property_keys),
        ] {
            let raw = self.raw_query(procedure, procedure).await?;
            let reply = compact::parse_reply(&raw, &Schema::default())
                .map_err(|e| self.parse_error(e, procedure))?;
            *target = reply
                .rows
                .into_iter()
                .map(|row| match row.into_iter().next() {
                    Some(Value::String(s)) => Ok(s),
                    other => Err(EngineError::query(
                        self.description.clone(),
                        procedure,
                        None,
                        format!("unexpected row {other:?}"),
                    )),
                })
                .collect::<Result<_, _>>()?;
        }
        *self.schema.write().await = fresh;
        Ok(())
    }

    fn parse_error(&self, e: ParseError, query: &str) -> EngineError {
        match e {
            ParseError::Server(message) => {
                EngineError::query(self.description.clone(), query, None, message)
            }
            ParseError::Malformed(message) => EngineError::query(
                self.description.clone(),
                query,
                None,
                format!("unreadable reply: {message}"),
            ),
            ParseError::UnknownSchemaId => EngineError::query(
                self.description.clone(),
                query,
                None,
                "reply names an unknown label, type or property id",
            ),
        }
    }
}

#[async_trait]
impl GraphConnection for FalkorConnection {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn as_falkordb(&self) -> Option<&FalkorConnection> {
        Some(self)
    }

    async fn forget_names(&self) {
        *self.schema.write().await = Schema::default();
    }

    /// FalkorDB has no transactions to roll back (its Bolt endpoint's rollback is a no-op), so
    /// the graph is copied with `GRAPH.COPY` to a scratch key `<graph>.__mh_dry_run.<pid>.<n>`
    /// on the same server, the probes and statements run there, and the scratch graph is
    /// deleted. The real graph is only read (by the copy).
    async fn dry_run(
        &self,
        statements: &[Query],
        probes: &[Query],
    ) -> Result<crate::engine::DryRun, EngineError> {
        static SCRATCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SCRATCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let scratch = format!("{}.__mh_dry_run.{}.{n}", self.graph, std::process::id());
        if self.graph_exists().await? {
            let copy = format!("GRAPH.COPY {} {scratch}", self.graph);
            let mut conn = self.conn.clone();
            let copied: Result<redis::Value, _> = redis::cmd("GRAPH.COPY")
                .arg(&self.graph)
                .arg(&scratch)
                .query_async(&mut conn)
                .await;
            if let Err(e) = copied {
                let text = e.to_string();
                return Err(if text.to_lowercase().contains("unknown command") {
                    EngineError::Unsupported {
                        server: self.describe(),
                        message: "this FalkorDB has no GRAPH.COPY, which a dry run needs (no transactions to roll back)".into(),
                    }
                } else {
                    self.redis_error(e, &copy)
                });
            }
        }
        let conn = self.sibling(
            &scratch,
            format!("{}, dry-run copy {scratch:?}", self.description),
        );
        let mut out = crate::engine::DryRun {
            isolation: "a GRAPH.COPY scratch graph, deleted".into(),
            ..Default::default()
        };
        let result = async {
            for p in probes {
                out.before.push(conn.execute(p).await?);
            }
            for (i, s) in statements.iter().enumerate() {
                if let Err(e) = conn.execute(s).await {
                    out.failed = Some((i, e));
                    return Ok(());
                }
            }
            for p in probes {
                out.after.push(conn.execute(p).await?);
            }
            Ok::<(), EngineError>(())
        }
        .await;
        // DEL removes a graph key like GRAPH.DELETE, and is a no-op when no write created it.
        let deleted = self.command(&["DEL", &scratch]).await;
        result?;
        deleted?;
        Ok(out)
    }

    /// `MODULE LIST`: the `graph` module's version (`41803` is 4.18.3). FalkorDB has no
    /// editions.
    async fn server_info(&self) -> Result<ServerInfo, EngineError> {
        let mut conn = self.conn.clone();
        let modules: redis::Value = redis::cmd("MODULE")
            .arg("LIST")
            .query_async(&mut conn)
            .watched(self)
            .await
            .map_err(|e| self.redis_error(e, "MODULE LIST"))?;
        graph_module_version(&modules)
            .map(|version| ServerInfo {
                version,
                edition: None,
            })
            .ok_or_else(|| EngineError::Unsupported {
                server: self.describe(),
                message: "MODULE LIST lists no graph module version".into(),
            })
    }

    fn dialect(&self) -> &Dialect {
        &self.dialect
    }

    async fn execute(&self, query: &Query) -> Result<QueryResult, EngineError> {
        let text = params::with_params(&query.text, &query.params).map_err(|e| {
            EngineError::query(
                self.description.clone(),
                &query.text,
                None,
                format!("parameter ${}: {}", e.param, e.reason),
            )
        })?;
        let raw = self.raw_query(&text, &query.text).await?;
        let parsed = match compact::parse_reply(&raw, &*self.schema.read().await) {
            Err(ParseError::UnknownSchemaId) => None,
            other => Some(other),
        };
        let reply = match parsed {
            Some(result) => result,
            None => {
                self.refresh_schema().await?;
                compact::parse_reply(&raw, &*self.schema.read().await)
            }
        }
        .map_err(|e| self.parse_error(e, &query.text))?;
        self.keep_frame(raw);
        Ok(QueryResult {
            columns: reply.columns,
            rows: reply.rows,
            notifications: Vec::new(),
        })
    }

    async fn wipe(&self) -> Result<(), EngineError> {
        let mut conn = self.conn.clone();
        let deleted: Result<redis::Value, _> = redis::cmd("GRAPH.DELETE")
            .arg(&self.graph)
            .query_async(&mut conn)
            .watched(self)
            .await;
        // The names' ids die with the graph.
        self.forget_names().await;
        match deleted {
            Ok(_) => Ok(()),
            // Deleting a graph that does not exist yet is fine: it is already empty.
            Err(e)
                if e.to_string().contains("empty key")
                    || e.to_string().contains("does not exist") =>
            {
                Ok(())
            }
            Err(e) => Err(self.redis_error(e, "GRAPH.DELETE")),
        }
    }
}

/// The `graph` module's version in a `MODULE LIST` reply (RESP2 arrays of name/value pairs, or
/// RESP3 maps), as `major.minor.patch`.
fn graph_module_version(reply: &redis::Value) -> Option<String> {
    fn text(v: &redis::Value) -> Option<String> {
        match v {
            redis::Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
            redis::Value::SimpleString(s) => Some(s.clone()),
            redis::Value::Int(i) => Some(i.to_string()),
            _ => None,
        }
    }
    let redis::Value::Array(modules) = reply else {
        return None;
    };
    for module in modules {
        let pairs: Vec<(String, String)> = match module {
            redis::Value::Array(fields) => fields
                .chunks(2)
                .filter_map(|kv| Some((text(kv.first()?)?, text(kv.get(1)?)?)))
                .collect(),
            redis::Value::Map(fields) => fields
                .iter()
                .filter_map(|(k, v)| Some((text(k)?, text(v)?)))
                .collect(),
            _ => continue,
        };
        let is_graph = pairs.iter().any(|(k, v)| k == "name" && v == "graph");
        if let (true, Some((_, ver))) = (is_graph, pairs.iter().find(|(k, _)| k == "ver")) {
            return super::module_version(ver);
        }
    }
    None
}

#[cfg(test)]
mod probe_tests {
    use super::probe_address;

    #[test]
    fn tcp_endpoints_are_probed_and_sockets_are_not() {
        assert_eq!(
            probe_address("redis://:pw@127.0.0.1:6380").as_deref(),
            Some("127.0.0.1:6380")
        );
        assert_eq!(
            probe_address("rediss://db.example").as_deref(),
            Some("db.example:6379")
        );
        assert_eq!(
            probe_address("redis://[::1]:7000").as_deref(),
            Some("[::1]:7000")
        );
        assert_eq!(probe_address("redis+unix:///run/redis.sock"), None);
        assert_eq!(probe_address("unix:///run/redis.sock"), None);
    }
}
