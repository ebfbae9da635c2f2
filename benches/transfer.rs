//! Transfer and hash benchmark on the CI engine (FalkorDB 4.16.3 -> 4.18.3, local images).
//!
//! `cargo bench --bench transfer`. Graph: N nodes and 5N relationships, measured at each size of
//! `MH_BENCH_NODES` (comma-separated, default `10000,100000`; a single N means N/10 and N).
//! For each size, in the same run:
//! - copy: the logical mover (`transfer::logical::copy`), entities per second;
//! - GRAPH.BULK: FalkorDB's own bulk loader (`engine::falkordb::bulk`), fed by the same source
//!   reads (the whole graph is read, encoded and sent: the engine's fastest path end to end);
//! - id-seek: FalkorDB's fastest Cypher write path (see [`native_copy`]), same source reads;
//! - per-row baseline (smallest size only, it is slow): the same copy with one query per node and
//!   one per relationship;
//! - hash: `graph::hash::stream_hash` against a plain full read of the same graph (the same
//!   pages, nothing computed; the two alternate twice and the better of each counts), and against the keep-everything `content::snapshot` that the
//!   check uses for exact differences (sizes up to 100k nodes);
//! - peak heap of this process per phase (a counting global allocator, reset before each phase).
//!
//! Prints the numbers and their ratios. Not a test: nothing asserts.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use migration_harness::checks::content;
use migration_harness::engine::falkordb::FalkorConnection;
use migration_harness::engine::{GraphConnection, Query};
use migration_harness::graph::export::{NodePager, RelationshipPager};
use migration_harness::graph::hash;
use migration_harness::transfer;
use migration_harness::value::Value;

mod support;

/// The temporary label and property of the temporary-property baseline (what the copy did
/// before it mapped ids).
const TEMP_LABEL: &str = "__MH_Node";
const TEMP_ID: &str = "__mh_id";

use support::{peak_mib, reset_peak, Container, Res};

async fn q(conn: &dyn GraphConnection, text: String) -> Res<()> {
    conn.execute(&Query::new(text)).await?;
    Ok(())
}

/// N nodes (two labels, four typed properties) and 5N relationships, built server-side.
async fn build(conn: &dyn GraphConnection, n: i64) -> Res<()> {
    conn.wipe().await?;
    let chunk = 10_000i64;
    let mut lo = 0;
    while lo < n {
        let hi = (lo + chunk).min(n) - 1;
        // Labels in the CREATE: adding one afterwards (`SET p:Customer`) got slower with the
        // graph's size (280k nodes after 15 minutes on the way to 1M).
        for (filter, labels) in [("<>", "Person"), ("=", "Person:Customer")] {
            q(conn, format!(
                "UNWIND range({lo}, {hi}) AS i WITH i WHERE i % 3 {filter} 0 \
                 CREATE (:{labels} {{id: i, name: 'person ' + toString(i), score: i * 0.5, tags: ['a', toString(i % 7)]}})"
            )).await?;
        }
        lo += chunk;
    }
    let rels = 5 * n;
    let mut lo = 0;
    while lo < rels {
        let hi = (lo + chunk).min(rels) - 1;
        q(
            conn,
            format!(
                "UNWIND range({lo}, {hi}) AS i WITH i, i % {n} AS s, (i * 7919 + 13) % {n} AS t \
             MATCH (a) WHERE id(a) = s MATCH (b) WHERE id(b) = t \
             CREATE (a)-[:KNOWS {{since: 1990 + i % 30, weight: i * 0.25}}]->(b)"
            ),
        )
        .await?;
        lo += chunk;
    }
    Ok(())
}

/// One query per node and per relationship (the baseline the mover is compared with).
async fn per_row_copy(src: &dyn GraphConnection, tgt: &dyn GraphConnection) -> Res<u64> {
    q(
        tgt,
        format!("CREATE INDEX FOR (n:{TEMP_LABEL}) ON (n.{TEMP_ID})"),
    )
    .await?;
    let mut done = 0u64;
    let mut pager = NodePager::new(1000);
    loop {
        let page = pager.next_page(src).await?;
        if page.is_empty() {
            break;
        }
        for node in page {
            let labels: String = node.labels.iter().map(|l| format!(":{l}")).collect();
            tgt.execute(
                &Query::new(format!(
                    "CREATE (n:{TEMP_LABEL}{labels} {{{TEMP_ID}: $id}}) SET n += $p"
                ))
                .param("id", node.id)
                .param("p", Value::Map(node.properties)),
            )
            .await?;
            done += 1;
        }
    }
    let mut pager = RelationshipPager::new(1000);
    loop {
        let page = pager.next_page(src).await?;
        if page.is_empty() {
            break;
        }
        for r in page {
            tgt.execute(
                &Query::new(format!(
                    "MATCH (a:{TEMP_LABEL} {{{TEMP_ID}: $s}}), (b:{TEMP_LABEL} {{{TEMP_ID}: $t}}) CREATE (a)-[r:{}]->(b) SET r += $p",
                    r.rel_type
                ))
                .param("s", r.start)
                .param("t", r.end)
                .param("p", Value::Map(r.properties)),
            )
            .await?;
            done += 1;
        }
    }
    Ok(done)
}

/// Reads every node and relationship page, computing nothing.
async fn plain_read(conn: &dyn GraphConnection, batch: u64) -> Res<u64> {
    let mut n = 0u64;
    let mut pager = NodePager::new(batch);
    loop {
        let page = pager.next_page(conn).await?;
        if page.is_empty() {
            break;
        }
        n += page.len() as u64;
    }
    let mut pager = RelationshipPager::new(batch);
    loop {
        let page = pager.next_page(conn).await?;
        if page.is_empty() {
            break;
        }
        n += page.len() as u64;
    }
    Ok(n)
}

/// The fastest bulk write FalkorDB offers over Cypher: batches of 4k, nodes created with
/// `UNWIND ... CREATE ... RETURN id(n)` (a client-side id map), relationships written by
/// internal-id seek (`WITH row.s AS s MATCH (a) WHERE id(a) = s`), no property index involved.
/// (`DUMP` + `RESTORE` of the graph key would be the engine's own copy, but `RESTORE` of a
/// graph key crashed FalkorDB 4.18.3 when tried; `GRAPH.BULK` is not implemented here.)
async fn native_copy(src: &dyn GraphConnection, tgt: &dyn GraphConnection) -> Res<u64> {
    let mut map = std::collections::HashMap::new();
    let mut done = 0u64;
    let mut pager = NodePager::new(4_000);
    loop {
        let page = pager.next_page(src).await?;
        if page.is_empty() {
            break;
        }
        let mut groups: BTreeMap<Vec<String>, Vec<Value>> = BTreeMap::new();
        for node in page {
            groups
                .entry(node.labels)
                .or_default()
                .push(Value::Map(BTreeMap::from([
                    ("id".to_owned(), Value::Int(node.id)),
                    ("p".to_owned(), Value::Map(node.properties)),
                ])));
        }
        for (labels, rows) in groups {
            let labels: String = labels.iter().map(|l| format!(":{l}")).collect();
            let r = tgt
                .execute(
                    &Query::new(format!(
                        "UNWIND $rows AS row CREATE (n{labels}) SET n += row.p RETURN row.id, id(n)"
                    ))
                    .param("rows", Value::List(rows)),
                )
                .await?;
            for row in r.rows {
                if let [Value::Int(s), Value::Int(t)] = row[..] {
                    map.insert(s, t);
                    done += 1;
                }
            }
        }
    }
    let mut pager = RelationshipPager::new(4_000);
    loop {
        let page = pager.next_page(src).await?;
        if page.is_empty() {
            break;
        }
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for r in page {
            let (Some(s), Some(t)) = (map.get(&r.start), map.get(&r.end)) else {
                continue;
            };
            groups
                .entry(r.rel_type)
                .or_default()
                .push(Value::Map(BTreeMap::from([
                    ("s".to_owned(), Value::Int(*s)),
                    ("t".to_owned(), Value::Int(*t)),
                    ("p".to_owned(), Value::Map(r.properties)),
                ])));
        }
        for (rel_type, rows) in groups {
            for chunk in rows.chunks(4_000) {
                done += chunk.len() as u64;
                tgt.execute(
                    &Query::new(format!(
                        "UNWIND $rows AS row WITH row, row.s AS s, row.t AS t MATCH (a) WHERE id(a) = s MATCH (b) WHERE id(b) = t CREATE (a)-[r:{rel_type}]->(b) SET r += row.p"
                    ))
                    .param("rows", Value::List(chunk.to_vec())),
                )
                .await?;
            }
        }
    }
    Ok(done)
}

/// The engine's own bulk path: read the source, encode everything with the GRAPH.BULK encoder,
/// send it into a graph key that does not exist yet.
async fn graph_bulk_copy(src: &dyn GraphConnection, tgt: &FalkorConnection) -> Res<u64> {
    use migration_harness::engine::falkordb::bulk::{self, BulkNode, BulkRelationship};
    let mut nodes = Vec::new();
    let mut position = HashMap::new();
    let mut pager = NodePager::new(4_000);
    loop {
        let page = pager.next_page(src).await?;
        if page.is_empty() {
            break;
        }
        for n in page {
            position.insert(n.id, nodes.len());
            nodes.push(BulkNode {
                labels: n.labels,
                properties: n.properties,
            });
        }
    }
    let mut rels = Vec::new();
    let mut pager = RelationshipPager::new(4_000);
    loop {
        let page = pager.next_page(src).await?;
        if page.is_empty() {
            break;
        }
        for r in page {
            rels.push(BulkRelationship {
                rel_type: r.rel_type,
                start: position[&r.start],
                end: position[&r.end],
                properties: r.properties,
            });
        }
    }
    let (_, report) = bulk::load(tgt, &nodes, &rels, Default::default()).await?;
    Ok(report.nodes_created + report.edges_created)
}

fn keep_max(out: &mut BTreeMap<String, f64>, key: String, value: f64) {
    let e = out.entry(key).or_insert(value);
    *e = e.max(value);
}

fn rate(entities: u64, d: Duration) -> f64 {
    entities as f64 / d.as_secs_f64().max(1e-9)
}

async fn bench_size(
    source: &Container,
    target: &Container,
    n: i64,
    per_row: bool,
    out: &mut BTreeMap<String, f64>,
) -> Res<()> {
    let tag = |k: &str| format!("{n}:{k}");
    eprintln!("[{n}] connect");
    let src = source.graph("harness").await?;
    let tgt = target.graph("harness").await?;
    eprintln!("[{n}] build");
    let t0 = Instant::now();
    build(&src, n).await?;
    let entities = (n as u64) * 6;
    eprintln!(
        "[{n}] built {entities} entities in {:.1}s",
        t0.elapsed().as_secs_f64()
    );

    // FalkorDB applies pending matrix updates on the first read after writes: one untimed read,
    // so the measured phases all read a settled graph (measured: otherwise the first phase
    // measured pays it and looks several times slower than the ones after it).
    let warm = Instant::now();
    plain_read(&src, 1000).await?;
    eprintln!("[{n}] warm-up read {:.1}s", warm.elapsed().as_secs_f64());
    eprintln!("[{n}] read+hash");
    // Plain read, then the streaming hash, then the keep-everything snapshot.
    // Read and hash alternate twice and the faster of each pair counts, so neither gains from
    // going second (server-side caches) or loses to a burst of other load.
    let mut h = None;
    for _ in 0..2 {
        reset_peak();
        let begin = Instant::now();
        let read = plain_read(&src, 1000).await?;
        let d = begin.elapsed();
        keep_max(out, tag("read_rate"), rate(read, d));
        keep_max(out, tag("read_peak_mib"), peak_mib());
        reset_peak();
        let begin = Instant::now();
        let hashed = hash::stream_hash(&src, 1000).await?;
        let d = begin.elapsed();
        keep_max(
            out,
            tag("hash_rate"),
            rate(hashed.nodes + hashed.relationships, d),
        );
        keep_max(out, tag("hash_peak_mib"), peak_mib());
        h = Some(hashed);
    }
    let h = h.expect("two rounds ran");
    if n <= 100_000 {
        reset_peak();
        let begin = Instant::now();
        let snap = content::snapshot(&src, 1000).await?;
        let d = begin.elapsed();
        drop(snap);
        out.insert(tag("snapshot_hash_rate"), rate(entities, d));
        out.insert(tag("snapshot_hash_peak_mib"), peak_mib());
    }

    eprintln!("[{n}] copy");
    // The logical mover.
    tgt.wipe().await?;
    reset_peak();
    let begin = Instant::now();
    // The bench is an edge like the CLI: MH_GRAPH_BULK=off measures the Cypher-only copy.
    let graph_bulk = !std::env::var("MH_GRAPH_BULK").is_ok_and(|v| v.eq_ignore_ascii_case("off"));
    let stats = transfer::logical::copy_with(&src, &tgt, 1000, graph_bulk, &|_| {}).await?;
    let d = begin.elapsed();
    out.insert(tag("copy_rate"), rate(stats.nodes + stats.relationships, d));
    out.insert(tag("copy_peak_mib"), peak_mib());
    out.insert(
        tag("copy_bulk_share"),
        stats.bulk_loaded as f64 / (stats.nodes + stats.relationships).max(1) as f64,
    );
    let copied = hash::stream_hash(&tgt, 1000).await?;
    if copied.graph_hash != h.graph_hash {
        eprintln!("[{n}] WARNING: copy hash differs");
    }

    eprintln!("[{n}] GRAPH.BULK");
    let bulk_target = target.graph("bulk").await?;
    bulk_target.wipe().await?;
    reset_peak();
    let begin = Instant::now();
    let done = graph_bulk_copy(&src, &bulk_target).await?;
    out.insert(tag("graph_bulk_rate"), rate(done, begin.elapsed()));
    out.insert(tag("graph_bulk_peak_mib"), peak_mib());
    if hash::stream_hash(&bulk_target, 1000).await?.graph_hash != h.graph_hash {
        eprintln!("[{n}] WARNING: GRAPH.BULK copy hash differs");
    }
    bulk_target.wipe().await?;

    eprintln!("[{n}] id-seek");
    // FalkorDB's own fastest path.
    let native = target.graph("native").await?;
    native.wipe().await?;
    let begin = Instant::now();
    let done = native_copy(&src, &native).await?;
    out.insert(tag("native_rate"), rate(done, begin.elapsed()));
    native.wipe().await?;

    if per_row {
        eprintln!("[{n}] per-row");
        let perrow = target.graph("perrow").await?;
        perrow.wipe().await?;
        let begin = Instant::now();
        let done = per_row_copy(&src, &perrow).await?;
        out.insert(tag("per_row_rate"), rate(done, begin.elapsed()));
        perrow.wipe().await?;
    }
    tgt.wipe().await?;
    Ok(())
}

fn sizes() -> Vec<i64> {
    let raw = std::env::var("MH_BENCH_NODES").unwrap_or_else(|_| "10000,100000".into());
    let mut sizes: Vec<i64> = raw
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .filter(|n: &i64| *n > 0)
        .collect();
    if sizes.len() == 1 {
        sizes.insert(0, (sizes[0] / 10).max(10));
    }
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
    }
    sizes.sort_unstable();
    sizes.dedup();
    sizes
}

fn main() -> Res<()> {
    let sizes = sizes();
    let rt = tokio::runtime::Runtime::new()?;
    let source = Container::start("4.16.3")?;
    let target = Container::start("4.18.3")?;
    let mut out = BTreeMap::new();
    rt.block_on(async {
        for (i, size) in sizes.iter().enumerate() {
            bench_size(&source, &target, *size, i == 0, &mut out).await?;
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    let get = |size: i64, k: &str| out.get(&format!("{size}:{k}")).copied().unwrap_or(0.0);
    let (small, large) = (sizes[0], sizes[sizes.len() - 1]);
    println!(
        "transfer benchmark, FalkorDB 4.16.3 -> 4.18.3, batch 1000, relationships = 5 x nodes"
    );
    for &size in &sizes {
        println!(
            "{size} nodes + {} rels: copy {:.0}/s, GRAPH.BULK {:.0}/s, id-seek Cypher {:.0}/s, read {:.0}/s, hash {:.0}/s, snapshot hash {:.0}/s; peak heap MiB: read {:.1}, hash {:.1}, snapshot {:.1}, copy {:.1}, GRAPH.BULK {:.1}",
            5 * size,
            get(size, "copy_rate"),
            get(size, "graph_bulk_rate"),
            get(size, "native_rate"),
            get(size, "read_rate"),
            get(size, "hash_rate"),
            get(size, "snapshot_hash_rate"),
            get(size, "read_peak_mib"),
            get(size, "hash_peak_mib"),
            get(size, "snapshot_hash_peak_mib"),
            get(size, "copy_peak_mib"),
            get(size, "graph_bulk_peak_mib"),
        );
    }
    for &size in &sizes {
        println!(
            "copy ({size} nodes): {:.1}% of entities through GRAPH.BULK",
            100.0 * get(size, "copy_bulk_share")
        );
    }
    println!(
        "per-row copy ({small} nodes): {:.0}/s",
        get(small, "per_row_rate")
    );
    println!("ratios:");
    println!(
        "  copy / per-row ({small} nodes): {:.2}x",
        get(small, "copy_rate") / get(small, "per_row_rate")
    );
    for &size in &sizes {
        println!(
            "  copy / GRAPH.BULK ({size} nodes): {:.1}%",
            100.0 * get(size, "copy_rate") / get(size, "graph_bulk_rate")
        );
        println!(
            "  copy / id-seek Cypher ({size} nodes): {:.1}%",
            100.0 * get(size, "copy_rate") / get(size, "native_rate")
        );
        println!(
            "  hash / plain read ({size} nodes): {:.1}%",
            100.0 * get(size, "hash_rate") / get(size, "read_rate")
        );
    }
    for (what, key) in [("hash", "hash_peak_mib"), ("copy", "copy_peak_mib")] {
        println!(
            "  {what} peak memory {large} vs {small} nodes: {:.2}x ({:.1} vs {:.1} MiB)",
            get(large, key) / get(small, key),
            get(large, key),
            get(small, key),
        );
    }
    Ok(())
}
