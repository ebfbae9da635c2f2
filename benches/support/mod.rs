//! Shared by the benches: a counting global allocator (peak heap per phase) and FalkorDB
//! servers started as plain local processes from what scripts/setup.sh installed.

#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout};

/// The allocator the `migration-harness` binary uses (src/main.rs), so the library code measured
/// in-process here allocates as it does in the CLI.
#[cfg(feature = "mimalloc")]
use mimalloc::MiMalloc as Inner;
#[cfg(not(feature = "mimalloc"))]
use std::alloc::System as Inner;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use migration_harness::engine::dialect::{Dialect, EngineKind};
use migration_harness::engine::falkordb::FalkorConnection;
use migration_harness::engine::server::ServerRequest;
use migration_harness::engine::{GraphConnection, Query, ServerRole};

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Counts live heap bytes and their peak, so a phase's peak is its own (the process's resident
/// size keeps memory an earlier phase freed, which made VmHWM-based numbers meaningless).
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { Inner.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { Inner.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { Inner.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
pub static ALLOCATOR: Counting = Counting;

/// A FalkorDB server as a local process from the binaries scripts/setup-falkordb.sh installed
/// (started outside the harness, as a user's server would be), killed on drop.
pub struct Container {
    child: std::process::Child,
    pub uri: String,
    _dir: tempfile::TempDir,
}

impl Container {
    pub fn start(version: &str) -> Res<Self> {
        use std::io::{BufRead, BufReader};
        let install = migration_harness::engine::launcher::cache_dir()
            .join("falkordb")
            .join(version);
        if !install.join("installed").exists() {
            return Err(format!(
                "FalkorDB {version} is not installed in {}: run scripts/setup.sh",
                install.display()
            )
            .into());
        }
        let dir = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))?
            .local_addr()?
            .port();
        let mut child = Command::new(install.join("redis-server"))
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .arg("--loadmodule")
            .arg(install.join("falkordb.so"))
            .env("GRAPHBLAS_CACHE_PATH", install.join("graphblas-cache"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("Ready to accept connections") {
                    let _ = tx.send(());
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(30))
            .map_err(|_| "FalkorDB not ready within 30 s")?;
        Ok(Container {
            child,
            uri: format!("redis://127.0.0.1:{port}"),
            _dir: dir,
        })
    }

    pub async fn graph(&self, name: &str) -> Res<FalkorConnection> {
        Ok(FalkorConnection::open(
            &self.uri,
            name.into(),
            Dialect::new(EngineKind::Falkordb, None),
            format!("{} graph {name}", self.uri),
        )
        .await?)
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// CPU seconds (user + system) this process has used so far, from /proc/self/stat.
pub fn cpu_seconds() -> f64 {
    process_cpu_seconds("self")
}

/// CPU seconds (user + system) of the processes whose command line contains every one of
/// `words` (e.g. a server's `redis-server` and `:<port>`); 0 when none is found (not Linux).
pub fn servers_cpu_seconds(words: &[&str]) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline);
            words.iter().all(|w| cmdline.contains(w))
        })
        .map(|pid| process_cpu_seconds(&pid))
        .sum()
}

fn process_cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which ends with ')'): utime is the 12th, stime the 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

pub fn reset_peak() {
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Peak live heap since the last [`reset_peak`], in MiB.
pub fn peak_mib() -> f64 {
    PEAK.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0)
}

/// A Neo4j server of `version` started by the process launcher (scripts/setup.sh installs it).
pub fn neo4j_request(role: ServerRole, version: &str, startup: Duration) -> ServerRequest {
    ServerRequest {
        role,
        launcher: migration_harness::engine::launcher::LauncherKind::Process,
        startup_timeout: startup,
        ..ServerRequest::for_tests(EngineKind::Neo4j, version)
    }
}

/// Seeds a Neo4j graph: `n` `:Item` nodes (`k`, `name`, `w`), indexed on `k`, and `per_node`
/// `NEXT` relationships (`{d}`) from each node to the next `per_node` ones (a ring when 1).
pub async fn seed_neo4j_items(source: &dyn GraphConnection, n: i64, per_node: i64) -> Res<()> {
    source.wipe().await?;
    source
        .execute(&Query::new(format!(
            "UNWIND range(0, {}) AS i CALL {{ WITH i CREATE (:Item {{k: i, name: 'item ' + toString(i), w: i / 7.0}}) }} IN TRANSACTIONS OF 10000 ROWS",
            n - 1
        )))
        .await?;
    source
        .execute(&Query::new(
            "CREATE INDEX bench_k IF NOT EXISTS FOR (n:Item) ON (n.k)",
        ))
        .await?;
    source
        .execute(&Query::new("CALL db.awaitIndexes(600)"))
        .await?;
    source
        .execute(&Query::new(format!(
            "MATCH (a:Item) UNWIND range(1, {per_node}) AS d WITH a, d MATCH (b:Item {{k: (a.k + d) % {n}}}) CALL {{ WITH a, b, d CREATE (a)-[:NEXT {{d: d}}]->(b) }} IN TRANSACTIONS OF 20000 ROWS"
        )))
        .await?;
    Ok(())
}
