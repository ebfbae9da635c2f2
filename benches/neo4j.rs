//! Neo4j benchmark on real servers (process launcher, `scripts/setup.sh`): server start time
//! per version, and Neo4j 5.26 -> 2026.08 copy throughput against two baselines measured in the
//! same run.
//!
//! `cargo bench --bench neo4j`. Graph: N nodes (`MH_BENCH_NEO4J_NODES`, default 20000) with two
//! properties, and N relationships (a ring). Phases, each into a freshly wiped target:
//! - start: `Server::start` of each version, wall time to the first answered query;
//! - copy: the harness's logical mover (`transfer::logical::copy`, batch 1000);
//! - per-row: one `CREATE` statement per node and per relationship (N/10 entities, scaled);
//! - bulk UNWIND: Neo4j's fastest load path reachable over Bolt here: the whole graph read
//!   once, then written in 10,000-row `UNWIND ... CREATE` transactions with endpoints matched by
//!   an indexed key (what Neo4j's documentation recommends for bulk loads without
//!   `neo4j-admin database import`, which the embedded jars do not carry).
//!
//! Prints rates and ratios. Not a test: nothing asserts.

use std::time::{Duration, Instant};

use migration_harness::engine::server::ServerRequest;
use migration_harness::engine::{GraphConnection, Query, Server, ServerRole};
use migration_harness::value::Value;

mod support;

use support::Res;

fn request(role: ServerRole, version: &str) -> ServerRequest {
    support::neo4j_request(role, version, Duration::from_secs(600))
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
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let t = Instant::now();
        let source = Server::start(request(ServerRole::Source, "5.26")).await?;
        let source_start = t.elapsed();
        let t = Instant::now();
        let target = Server::start(request(ServerRole::Target, "2026.08")).await?;
        let target_start = t.elapsed();
        println!(
            "start (process launcher): Neo4j {} {:.1}s, Neo4j {} {:.1}s",
            source.info.version,
            source_start.as_secs_f64(),
            target.info.version,
            target_start.as_secs_f64()
        );
        let (src, tgt) = (source.connection.as_ref(), target.connection.as_ref());
        seed(src, n).await?;
        let entities = 2.0 * n as f64;

        tgt.wipe().await?;
        let t = Instant::now();
        let stats = migration_harness::transfer::logical::copy(src, tgt, 1000, &|_| {}).await?;
        let copy = entities / t.elapsed().as_secs_f64();
        assert_eq!(stats.nodes as i64, n, "copy moved every node");

        tgt.wipe().await?;
        let t = Instant::now();
        let bulk_written = bulk_unwind(src, tgt).await?;
        let bulk = bulk_written as f64 / t.elapsed().as_secs_f64();

        tgt.wipe().await?;
        let limit = (n as usize / 10).max(100);
        let t = Instant::now();
        let row_written = per_row(src, tgt, limit).await?;
        let row = row_written as f64 / t.elapsed().as_secs_f64();
        tgt.wipe().await?;

        println!("copy Neo4j 5.26 -> 2026.08, {n} nodes + {n} relationships:");
        println!("  harness copy     {copy:>10.0} entities/s");
        println!("  bulk UNWIND 10k  {bulk:>10.0} entities/s");
        println!("  per-row          {row:>10.0} entities/s ({row_written} entities)");
        println!(
            "ratios: copy / bulk UNWIND {:.2}, copy / per-row {:.1}x",
            copy / bulk,
            copy / row
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
