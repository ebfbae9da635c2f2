//! Native upgrade vs logical copy on real Neo4j servers (process launcher, `scripts/setup.sh`):
//! the same Neo4j 5.26 graph moved to 2026.08 twice, in one run.
//!
//! `cargo bench --bench neo4j_native`. Graph: N nodes (`MH_BENCH_NATIVE_NODES`, default 100000)
//! with three properties and 5N relationships with one (each node to the next five, modulo N).
//! - logical: `transfer::logical::copy` (batch 1000) from the running 5.26 source into a
//!   running, empty 2026.08 target (both started before the clock starts);
//! - native: stop the source (keeping its store), `neo4j-admin` 5.26.30 dump, 2026.08 load,
//!   2026.08 migrate, then start 2026.08 on the store until it answers a query: each step
//!   timed, the sum compared with the copy.
//!
//! Prints times and the ratio. Not a test: nothing asserts beyond the counts agreeing.

use std::time::{Duration, Instant};

use migration_harness::engine::descriptor::descriptor;
use migration_harness::engine::dialect::EngineKind;
use migration_harness::engine::server::ServerRequest;
use migration_harness::engine::store::Store;
use migration_harness::engine::{GraphConnection, Query, Server, ServerRole};
use migration_harness::value::Value;

mod support;

use support::Res;

fn request(role: ServerRole, version: &str) -> ServerRequest {
    support::neo4j_request(role, version, Duration::from_secs(900))
}

async fn count(conn: &dyn GraphConnection, cypher: &str) -> Res<i64> {
    let result = conn.execute(&Query::new(cypher)).await?;
    Ok(result.single().and_then(Value::as_int).unwrap_or(-1))
}

async fn counts(conn: &dyn GraphConnection) -> Res<(i64, i64)> {
    Ok((
        count(conn, "MATCH (n) RETURN count(n)").await?,
        count(conn, "MATCH ()-[r]->() RETURN count(r)").await?,
    ))
}

async fn seed(source: &dyn GraphConnection, n: i64) -> Res<()> {
    support::seed_neo4j_items(source, n, 5).await
}

fn main() -> Res<()> {
    let n: i64 = std::env::var("MH_BENCH_NATIVE_NODES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let begin = Instant::now();
        let (source, target) = tokio::join!(
            Server::start(request(ServerRole::Source, "5.26")),
            Server::start(request(ServerRole::Target, "2026.08"))
        );
        let (source, target) = (source?, target?);
        target.connection.wipe().await?;
        seed(source.connection.as_ref(), n).await?;
        let (nodes, rels) = counts(source.connection.as_ref()).await?;
        println!(
            "graph: {nodes} nodes, {rels} relationships on {} (servers + seed {:.1}s)",
            source.reported(),
            begin.elapsed().as_secs_f64()
        );

        let clock = Instant::now();
        let stats = migration_harness::transfer::logical::copy(
            source.connection.as_ref(),
            target.connection.as_ref(),
            1000,
            &|_| {},
        )
        .await?;
        let logical = clock.elapsed();
        assert_eq!(counts(target.connection.as_ref()).await?, (nodes, rels));
        println!(
            "logical copy into {}: {:.1}s ({} nodes, {} relationships, {:.0} entities/s)",
            target.reported(),
            logical.as_secs_f64(),
            stats.nodes,
            stats.relationships,
            (stats.nodes + stats.relationships) as f64 / logical.as_secs_f64()
        );
        drop(target);

        let admin = descriptor(EngineKind::Neo4j)
            .store_admin()
            .expect("Neo4j has an admin tool");
        let version = source.info.version.clone();
        let mut steps: Vec<(String, Duration)> = Vec::new();
        let clock = Instant::now();
        let store = source.stop_for_store().await?;
        steps.push(("stop source".into(), clock.elapsed()));
        let dumps = Store::empty(&request(ServerRole::Source, "5.26"))?;
        let (step, file) = admin.dump(&version, store.path(), dumps.path()).await?;
        let size = std::fs::metadata(&file)?.len();
        steps.push((format!("dump ({} MiB)", size / (1024 * 1024)), step.elapsed));
        drop(store);
        let target_request = request(ServerRole::Target, "2026.08");
        let upgraded = Store::empty(&target_request)?;
        steps.push((
            "load".into(),
            admin.load("2026.08", upgraded.path(), &file).await?.elapsed,
        ));
        steps.push((
            "migrate".into(),
            admin
                .migrate("2026.08", upgraded.path(), &[])
                .await?
                .elapsed,
        ));
        let started = Instant::now();
        let target = Server::start_on(target_request, upgraded).await?;
        assert_eq!(counts(target.connection.as_ref()).await?, (nodes, rels));
        steps.push(("start 2026.08 on the store".into(), started.elapsed()));
        let native = clock.elapsed();
        for (name, took) in &steps {
            println!("  native {name:<28} {:>7.1}s", took.as_secs_f64());
        }
        println!(
            "native dump + load + migrate + start: {:.1}s",
            native.as_secs_f64()
        );
        println!(
            "ratio: logical copy / native = {:.2} (native without the target start: {:.2})",
            logical.as_secs_f64() / native.as_secs_f64(),
            logical.as_secs_f64()
                / (native - steps.last().map(|s| s.1).unwrap_or_default()).as_secs_f64()
        );
        Ok(())
    })
}
