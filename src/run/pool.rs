//! Servers started once and reused across the cases of a run.
//!
//! The pool is keyed by everything that makes two server requests interchangeable: role,
//! engine, version, edition, image, environment and graph. A case takes a server out of the pool
//! (starting one when none is idle; an idle one must first answer a round trip, else it is
//! replaced), so a server is used by one case at a time; the runner wipes
//! it in its "prepare" step, and gives it back when the case completed (pass or fail). After an
//! error the server is dropped (and its container removed), since it may be the cause. Servers
//! at an external endpoint are never pooled. Dropping the pool removes every idle container.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::engine::request::ServerRequest;
use crate::engine::server::Server;
use crate::engine::EngineError;

/// Drops servers concurrently: dropping one removes its container and blocks until Docker is
/// done, so each drop runs on a blocking thread.
pub async fn remove(servers: Vec<Server>) {
    let drops = servers
        .into_iter()
        .map(|server| tokio::task::spawn_blocking(move || drop(server)));
    futures::future::join_all(drops).await;
}

/// A server handed to a case.
pub struct Acquired {
    pub server: Server,
    /// It served an earlier case.
    pub reused: bool,
    /// What happened on the way, e.g. a pooled server that had died and was replaced.
    pub note: Option<String>,
}

/// How long an idle server may take to answer its health check.
const HEALTH_CHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// A cheap round trip to an idle server.
async fn alive(server: &Server) -> Result<(), String> {
    let query = crate::engine::Query::new("RETURN 1");
    let ping = server.connection.execute(&query);
    match tokio::time::timeout(HEALTH_CHECK, ping).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(crate::io_error::error_chain(&e)),
        Err(_) => Err(format!(
            "no answer to RETURN 1 within {}",
            crate::engine::timeouts::human(HEALTH_CHECK)
        )),
    }
}

/// A pool of started servers. With `reuse` off, every case starts its own servers.
pub struct ServerPool {
    reuse: bool,
    /// Idle servers per key, each with whether it has already served a case (only handing out
    /// one of those counts as reuse; a warmed-up server's first case does not).
    idle: Mutex<HashMap<String, Vec<(Server, bool)>>>,
    started: AtomicUsize,
    reused: AtomicUsize,
}

impl ServerPool {
    pub fn new(reuse: bool) -> Self {
        ServerPool {
            reuse,
            idle: Mutex::new(HashMap::new()),
            started: AtomicUsize::new(0),
            reused: AtomicUsize::new(0),
        }
    }

    fn key(req: &ServerRequest) -> Option<String> {
        if req.endpoint.is_some() {
            return None;
        }
        Some(format!(
            "{}|{}|{}|{:?}|{}|{:?}|{:?}",
            req.role,
            req.engine,
            req.version,
            req.edition,
            crate::engine::descriptor::descriptor(req.engine).image_ref(req),
            req.env,
            req.graph
        ))
    }

    /// An idle server for `request` (`true`: reused), or a newly started one (`false`).
    ///
    /// An idle server is checked with a cheap round trip (`RETURN 1`) first: one that died
    /// while it waited (killed, out of memory) is removed and another taken or started, and the
    /// returned note says so.
    pub async fn acquire(&self, request: ServerRequest) -> Result<Acquired, EngineError> {
        let mut note = None;
        if self.reuse {
            if let Some(key) = Self::key(&request) {
                loop {
                    let found = self
                        .idle
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get_mut(&key)
                        .and_then(Vec::pop);
                    let Some((server, served)) = found else { break };
                    match alive(&server).await {
                        Ok(()) => {
                            if served {
                                self.reused.fetch_add(1, Ordering::Relaxed);
                            }
                            return Ok(Acquired {
                                server,
                                reused: served,
                                note,
                            });
                        }
                        Err(why) => {
                            note = Some(format!(
                                "{} did not answer ({why}); removed it and started a fresh one",
                                server.connection.describe()
                            ));
                            remove(vec![server]).await;
                        }
                    }
                }
            }
        }
        let server = Server::start(request).await?;
        if server.owned {
            self.started.fetch_add(1, Ordering::Relaxed);
        }
        Ok(Acquired {
            server,
            reused: false,
            note,
        })
    }

    /// Gives servers back for the next case; the ones that cannot be reused (reuse off, or
    /// external) are removed, concurrently.
    pub async fn release(&self, servers: Vec<Server>) {
        self.put_back(servers, true).await;
    }

    async fn put_back(&self, servers: Vec<Server>, served: bool) {
        let mut gone = Vec::new();
        for server in servers {
            match Self::key(&server.request) {
                Some(key) if self.reuse && server.owned => self
                    .idle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(key)
                    .or_default()
                    .push((server, served)),
                _ => gone.push(server),
            }
        }
        remove(gone).await;
    }

    /// Removes every idle server, concurrently (dropping the pool would remove them one by one).
    pub async fn shutdown(&self) {
        let idle: Vec<Server> = self
            .idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
            .flat_map(|(_, servers)| servers.into_iter().map(|(server, _)| server))
            .collect();
        remove(idle).await;
    }

    /// Starts, concurrently and before any case runs, the servers `requests` will need: per
    /// distinct key, as many as could be in use at once (the number of requests with that key,
    /// at most `per_key`). A server that fails to start is left out: the case that needs it
    /// starts it again and reports the error. Does nothing when reuse is off.
    /// Returns how many servers it started.
    pub async fn warm(&self, requests: &[ServerRequest], per_key: usize) -> usize {
        if !self.reuse {
            return 0;
        }
        let mut wanted: Vec<(String, ServerRequest, usize)> = Vec::new();
        for req in requests {
            let Some(key) = Self::key(req) else { continue };
            match wanted.iter_mut().find(|(k, _, _)| *k == key) {
                Some((_, _, n)) => *n += 1,
                None => wanted.push((key, req.clone(), 1)),
            }
        }
        let starts = wanted.into_iter().flat_map(|(_, req, n)| {
            std::iter::repeat_n(req, n.min(per_key.max(1))).map(Server::start)
        });
        let started: Vec<Server> = futures::future::join_all(starts)
            .await
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        let count = started.len();
        self.started.fetch_add(count, Ordering::Relaxed);
        self.put_back(started, false).await;
        count
    }

    /// How many containers this pool started.
    pub fn started(&self) -> usize {
        self.started.load(Ordering::Relaxed)
    }

    /// How many times an idle server was handed to a case instead of starting one.
    pub fn reused(&self) -> usize {
        self.reused.load(Ordering::Relaxed)
    }
}
