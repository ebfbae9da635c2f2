//! Neo4j benchmark on real servers (process launcher, `scripts/setup.sh`): server start time
//! per version, and Neo4j 5.26 -> 2026.08 copy throughput against two baselines measured in the
//! same run.
//!
//! `cargo bench --bench neo4j`. Graph: N nodes (`MH_BENCH_NEO4J_NODES`, default 20000) with two
//! properties, and N relationships (a ring). Phases, each into a freshly wiped target:
//! - start: the process launcher's start of each version, wall time until it answers;
//! - copy: the harness's logical mover (`transfer::logical::copy`, batch 1000);
//! - per-row: one `CREATE` statement per node and per relationship (N/10 entities, scaled);
//! - bulk UNWIND: Neo4j's fastest load path reachable over Bolt here: the whole graph read
//!   once, then written in 10,000-row `UNWIND ... CREATE` transactions with endpoints matched by
//!   an indexed key (what Neo4j's documentation recommends for bulk loads without
//!   `neo4j-admin database import`, which the embedded jars do not carry);
//! - content hash: `graph::hash::stream_hash` of source and copy at once, against a plain read
//!   of both at once by benches/readers/plain_read_neo4j.py (the official Python driver, no
//!   harness code; from the py-readers venv of scripts/setup-readers.sh), best of [`ROUNDS`],
//!   alternating, with the client CPU seconds of each.
//!
//! The servers are started by the process launcher with a password the bench chooses (the
//! plain reader gets it through its environment). Prints rates and ratios. Not a test: nothing
//! asserts.

use std::time::{Duration, Instant};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use migration_harness::engine::descriptor::descriptor;
use migration_harness::engine::dialect::EngineKind;
use migration_harness::engine::launcher::{process::ProcessLauncher, Launched, Launcher};
use migration_harness::engine::secret::Secret;
use migration_harness::engine::server::ServerRequest;
use migration_harness::engine::{GraphConnection, Query, ServerRole};
use migration_harness::graph::hash;
use migration_harness::value::Value;

mod support;

use support::{cpu_seconds, loadavg, Res};

/// Runs of each timed phase, harness and baseline alternating; the fastest of each counts (with
/// two, the 20k copy's ratio to the UNWIND load moved from 0.88 to 1.02 between runs).
const ROUNDS: usize = 3;

fn request(role: ServerRole, version: &str) -> ServerRequest {
    support::neo4j_request(role, version, Duration::from_secs(600))
}

/// A Neo4j server started with a password the bench knows; dropping it stops the server.
struct Started {
    version: String,
    port: u16,
    password: Secret,
    connection: Arc<dyn GraphConnection>,
    _launched: Launched,
}

async fn start(role: ServerRole, version: &str) -> Res<Started> {
    let request = request(role, version);
    let engine = descriptor(EngineKind::Neo4j);
    let password = Secret::new(format!("bench-{role}-{}", std::process::id()));
    let launched = ProcessLauncher.launch(&request, engine, &password).await?;
    let connection = engine
        .connect_started(&request, &launched.host, launched.port, &password)
        .await?;
    let version = connection.server_info().await?.version;
    Ok(Started {
        version,
        port: launched.port,
        password,
        connection,
        _launched: launched,
    })
}

/// The py-readers venv's python (scripts/setup-readers.sh).
fn reader_python() -> Res<PathBuf> {
    let python = migration_harness::engine::launcher::cache_dir()
        .join("py-readers")
        .join("bin")
        .join("python");
    if !python.exists() {
        return Err(format!(
            "the plain reader's driver is not installed at {}: run scripts/setup.sh readers",
            python.display()
        )
        .into());
    }
    Ok(python)
}

/// What the plain readers reported: entities, the slowest one's wall seconds, the CPU
/// seconds of all of them.
fn plain_read(python: &Path, servers: &[&Started]) -> Res<(u64, f64, f64)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/readers/plain_read_neo4j.py");
    let children = servers
        .iter()
        .map(|s| {
            std::process::Command::new(python)
                .arg(&script)
                .arg(s.port.to_string())
                .env("MH_BENCH_PASSWORD", s.password.expose())
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (mut entities, mut seconds, mut cpu) = (0u64, 0f64, 0f64);
    for child in children {
        let out = child.wait_with_output()?;
        if !out.status.success() {
            return Err(format!(
                "plain_read_neo4j.py failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let j: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        let num = |k: &str| j[k].as_f64().unwrap_or(0.0);
        entities += (num("nodes") + num("relationships")) as u64;
        seconds = seconds.max(num("seconds"));
        cpu += num("cpu_seconds");
    }
    Ok((entities, seconds, cpu))
}

async fn seed(source: &dyn GraphConnection, n: i64) -> Res<()> {
    support::seed_neo4j_items(source, n, 1).await
}

async fn read_all(source: &dyn GraphConnection) -> Res<(Vec<Vec<Value>>, Vec<Vec<Value>>)> {
    let nodes = source
        .execute(&Query::new(
            "MATCH (n:Item) RETURN n.k AS k, n.name AS name, n.w AS w",
        ))
        .await?
        .rows;
    let rels = source
        .execute(&Query::new(
            "MATCH (a:Item)-[r:NEXT]->(b:Item) RETURN a.k AS a, b.k AS b, r.since AS since",
        ))
        .await?
        .rows;
    Ok((nodes, rels))
}

fn map(keys: &[&str], row: &[Value]) -> Value {
    Value::Map(
        keys.iter()
            .zip(row)
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

/// Neo4j's bulk path over Bolt: big UNWIND transactions, endpoints by an indexed key.
async fn bulk_unwind(source: &dyn GraphConnection, target: &dyn GraphConnection) -> Res<usize> {
    let (nodes, rels) = read_all(source).await?;
    target
        .execute(&Query::new(
            "CREATE INDEX bench_k IF NOT EXISTS FOR (n:Item) ON (n.k)",
        ))
        .await?;
    for chunk in nodes.chunks(10_000) {
        let rows = Value::List(chunk.iter().map(|r| map(&["k", "name", "w"], r)).collect());
        target
            .execute(
                &Query::new("UNWIND $rows AS r CREATE (:Item {k: r.k, name: r.name, w: r.w})")
                    .param("rows", rows),
            )
            .await?;
    }
    target
        .execute(&Query::new("CALL db.awaitIndexes(300)"))
        .await?;
    for chunk in rels.chunks(10_000) {
        let rows = Value::List(chunk.iter().map(|r| map(&["a", "b", "since"], r)).collect());
        target
            .execute(
                &Query::new(
                    "UNWIND $rows AS r MATCH (a:Item {k: r.a}), (b:Item {k: r.b}) CREATE (a)-[:NEXT {since: r.since}]->(b)",
                )
                .param("rows", rows),
            )
            .await?;
    }
    Ok(nodes.len() + rels.len())
}

/// One statement per entity, for the first `limit` nodes and relationships.
async fn per_row(
    source: &dyn GraphConnection,
    target: &dyn GraphConnection,
    limit: usize,
) -> Res<usize> {
    let (nodes, rels) = read_all(source).await?;
    target
        .execute(&Query::new(
            "CREATE INDEX bench_k IF NOT EXISTS FOR (n:Item) ON (n.k)",
        ))
        .await?;
    let mut written = 0;
    for row in nodes.iter().take(limit) {
        target
            .execute(
                &Query::new("CREATE (:Item {k: $k, name: $name, w: $w})")
                    .param("k", row[0].clone())
                    .param("name", row[1].clone())
                    .param("w", row[2].clone()),
            )
            .await?;
        written += 1;
    }
    for row in rels.iter().take(limit) {
        target
            .execute(
                &Query::new(
                    "MATCH (a:Item {k: $a}), (b:Item {k: $b}) CREATE (a)-[:NEXT {since: $s}]->(b)",
                )
                .param("a", row[0].clone())
                .param("b", row[1].clone())
                .param("s", row[2].clone()),
            )
            .await?;
        written += 1;
    }
    Ok(written)
}

fn main() -> Res<()> {
    let n: i64 = std::env::var("MH_BENCH_NEO4J_NODES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let python = reader_python()?;
    let load_before = loadavg();
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let t = Instant::now();
        let source = start(ServerRole::Source, "5.26").await?;
        let source_start = t.elapsed();
        let t = Instant::now();
        let target = start(ServerRole::Target, "2026.08").await?;
        let target_start = t.elapsed();
        println!(
            "start (process launcher): Neo4j {} {:.1}s, Neo4j {} {:.1}s",
            source.version,
            source_start.as_secs_f64(),
            target.version,
            target_start.as_secs_f64()
        );
        let (src, tgt) = (source.connection.as_ref(), target.connection.as_ref());
        seed(src, n).await?;
        let entities = 2.0 * n as f64;

        // The copy against the bulk UNWIND load, best of ROUNDS, alternating (the first write
        // into a fresh server also warms its JIT: neither side gets it alone).
        let (mut copy, mut bulk) = (0f64, 0f64);
        for _ in 0..ROUNDS {
            tgt.wipe().await?;
            let t = Instant::now();
            let stats =
                migration_harness::transfer::logical::copy(src, tgt, 1000, &|_| {}).await?;
            copy = copy.max(entities / t.elapsed().as_secs_f64());
            assert_eq!(stats.nodes as i64, n, "copy moved every node");
            tgt.wipe().await?;
            let t = Instant::now();
            let bulk_written = bulk_unwind(src, tgt).await?;
            bulk = bulk.max(bulk_written as f64 / t.elapsed().as_secs_f64());
        }
        tgt.wipe().await?;
        let stats = migration_harness::transfer::logical::copy(src, tgt, 1000, &|_| {}).await?;
        assert_eq!(stats.nodes as i64, n, "copy moved every node");

        // The content hash of both graphs against a plain read of both, alternating.
        let (mut hash_s, mut hash_cpu, mut read_s, mut read_cpu) =
            (f64::INFINITY, f64::INFINITY, f64::INFINITY, f64::INFINITY);
        for _ in 0..ROUNDS {
            let (read, seconds, cpu) = plain_read(&python, &[&source, &target])?;
            if read != 2 * entities as u64 {
                return Err(format!("the plain readers read {read} entities").into());
            }
            read_s = read_s.min(seconds);
            read_cpu = read_cpu.min(cpu);
            let cpu = cpu_seconds();
            let t = Instant::now();
            let (a, b) = tokio::try_join!(hash::stream_hash(src, 1000), hash::stream_hash(tgt, 1000))?;
            hash_s = hash_s.min(t.elapsed().as_secs_f64());
            hash_cpu = hash_cpu.min(cpu_seconds() - cpu);
            if a.graph_hash != b.graph_hash {
                return Err("the copy's content hash differs from the source's".into());
            }
        }

        tgt.wipe().await?;
        let limit = (n as usize / 10).max(100);
        let t = Instant::now();
        let row_written = per_row(src, tgt, limit).await?;
        let row = row_written as f64 / t.elapsed().as_secs_f64();
        tgt.wipe().await?;

        println!(
            "load average before {load_before}, after {}",
            loadavg()
        );
        println!("copy Neo4j 5.26 -> 2026.08, {n} nodes + {n} relationships:");
        println!("  harness copy     {copy:>10.0} entities/s");
        println!("  bulk UNWIND 10k  {bulk:>10.0} entities/s");
        println!("  per-row          {row:>10.0} entities/s ({row_written} entities)");
        println!(
            "ratios: copy / bulk UNWIND {:.2}, copy / per-row {:.1}x",
            copy / bulk,
            copy / row
        );
        println!(
            "content hash of both graphs {hash_s:.2} s vs plain read of both (official Python driver) {read_s:.2} s: ratio {:.2}x (goal >= 0.9x); client CPU {hash_cpu:.2} s vs {read_cpu:.2} s",
            read_s / hash_s
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
