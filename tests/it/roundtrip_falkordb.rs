//! Random graphs round-trip through real FalkorDB servers (the CI engine): a graph built on a
//! 4.16.3 source is copied by the logical mover into a 4.18.3 target and must hash the same;
//! then it is exported to a dump file, imported into the emptied target and must hash the same
//! again (and equal the dump header's hash). Graphs hold duplicates, empty label sets,
//! self-loops, multi-edges and unicode names, over the value types FalkorDB stores.
//! Failing seeds are saved in proptest-regressions/roundtrip_falkordb.txt and replayed first.

use crate::roundtrip_strategies as strategies;
use crate::support;

use support::falkordb_request as request;

use std::collections::BTreeMap;

use futures::TryStreamExt;
use migration_harness::engine::dialect::escape_name;
use migration_harness::engine::falkordb::construct;
use migration_harness::engine::server::ServerRole;
use migration_harness::engine::{GraphConnection, Query, Server};
use migration_harness::graph::export;
use migration_harness::graph::hash::{stream_hash, stream_hash_reading_endpoints};
use migration_harness::scenario::ContentHashCheck;
use migration_harness::transfer::{self, dump};
use migration_harness::value::Value;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use strategies::{graph, Graph};

const SOURCE: &str = "4.16.3";
const TARGET: &str = "4.18.3";

fn fail(what: &str, e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(format!("{what}: {e}"))
}

/// `SET v += $p` plus one `SET v.k = <rebuilt from $xN>` per value without a parameter literal
/// (points, vectors, temporals, NaN, infinities, i64::MIN). The rebuilding expressions are the
/// harness's (`construct`); that the source then holds exactly the generated values is checked
/// by `reads_back_exactly` against the generated graph, not against anything the harness read.
fn set_props(var: &str, props: &BTreeMap<String, Value>, mut q: Query) -> (String, Query) {
    let mut plain = props.clone();
    let mut text = format!(" SET {var} += $p");
    for (i, (k, v)) in props.iter().enumerate() {
        if construct::is_literal(v) {
            continue;
        }
        let mut tags = construct::Tags::default();
        let Some(tagged) = construct::tagged(v, &mut tags) else {
            continue;
        };
        plain.remove(k);
        text.push_str(&format!(
            " SET {var}.{} = {}",
            escape_name(k),
            construct::rebuild(&format!("$x{i}"), &tags)
        ));
        q = q.param(format!("x{i}"), tagged);
    }
    (text, q.param("p", Value::Map(plain)))
}

async fn build(conn: &dyn GraphConnection, g: &Graph) -> Result<Vec<i64>, TestCaseError> {
    let mut ids = Vec::with_capacity(g.nodes.len());
    for (labels, props) in &g.nodes {
        let label_text: String = labels
            .iter()
            .map(|l| format!(":{}", escape_name(l)))
            .collect();
        let (sets, q) = set_props("n", props, Query::new(""));
        let q = Query {
            text: format!("CREATE (n{label_text}){sets} RETURN id(n)"),
            ..q
        };
        let r = conn
            .execute(&q)
            .await
            .map_err(|e| fail("create a node", e))?;
        ids.push(r.single().and_then(Value::as_int).unwrap_or(-1));
    }
    for (s, t, rel_type, props) in &g.relationships {
        let (sets, q) = set_props("r", props, Query::new(""));
        let q = Query {
            text: format!(
                "MATCH (a), (b) WHERE id(a) = $a AND id(b) = $b CREATE (a)-[r:{}]->(b){sets}",
                escape_name(rel_type)
            ),
            ..q
        }
        .param("a", ids[*s])
        .param("b", ids[*t]);
        conn.execute(&q)
            .await
            .map_err(|e| fail("create a relationship", e))?;
    }
    Ok(ids)
}

/// The graph as the harness reads it back (its paging reads, which the copy and the content
/// hash use) must hold exactly the values written: a reader that rounds (FalkorDB prints
/// doubles with 15 significant digits) would otherwise go unnoticed, since both sides of every
/// hash comparison read through it. Nodes are matched by id, relationships as a multiset.
async fn reads_back_exactly(
    conn: &dyn GraphConnection,
    g: &Graph,
    ids: &[i64],
) -> Result<(), TestCaseError> {
    let mut nodes = Vec::new();
    let mut pages = std::pin::pin!(export::node_pages(conn, 3));
    while let Some(page) = pages.try_next().await.map_err(|e| fail("read nodes", e))? {
        nodes.extend(page);
    }
    let by_id: BTreeMap<i64, &BTreeMap<String, Value>> =
        nodes.iter().map(|n| (n.id, &n.properties)).collect();
    for ((_, props), id) in g.nodes.iter().zip(ids) {
        if by_id.get(id) != Some(&props) {
            return Err(fail(
                "read back a node",
                format!("wrote {props:?}\nread  {:?}", by_id.get(id)),
            ));
        }
    }
    let index: BTreeMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut read = Vec::new();
    let mut pages = std::pin::pin!(export::relationship_pages(conn, 3));
    while let Some(page) = pages
        .try_next()
        .await
        .map_err(|e| fail("read relationships", e))?
    {
        for r in page {
            read.push(format!(
                "{:?} {:?} {} {:?}",
                index.get(&r.start),
                index.get(&r.end),
                r.rel_type,
                r.properties
            ));
        }
    }
    let mut wrote: Vec<String> = g
        .relationships
        .iter()
        .map(|(s, t, ty, p)| format!("{:?} {:?} {ty} {p:?}", Some(s), Some(t)))
        .collect();
    read.sort();
    wrote.sort();
    if read != wrote {
        return Err(fail(
            "read back the relationships",
            format!("wrote {wrote:#?}\nread  {read:#?}"),
        ));
    }
    Ok(())
}

/// The content check's exact differences, for a failure message.
async fn differences(src: &dyn GraphConnection, tgt: &dyn GraphConnection) -> String {
    let spec = ContentHashCheck {
        keys: Default::default(),
        max_diffs: Some(10),
    };
    match migration_harness::checks::content::run(&spec, src, tgt, 5).await {
        Ok(o) => format!("{}\n{}", o.summary, o.details.join("\n")),
        Err(e) => e.to_string(),
    }
}

async fn case(
    src: &dyn GraphConnection,
    tgt: &dyn GraphConnection,
    g: &Graph,
) -> Result<(), TestCaseError> {
    src.wipe().await.map_err(|e| fail("wipe the source", e))?;
    tgt.wipe().await.map_err(|e| fail("wipe the target", e))?;
    let ids = build(src, g).await?;
    reads_back_exactly(src, g, &ids).await?;
    let before = stream_hash(src, 7)
        .await
        .map_err(|e| fail("hash the source", e))?;
    let n_rels = g.relationships.len() as u64;
    if before.nodes != g.nodes.len() as u64 || before.relationships != n_rels {
        return Err(fail("build the graph", format!("{before:?}")));
    }
    // The fallback that reads endpoints' content instead of looking up their digests by id must
    // give the same hash.
    let fallback = stream_hash_reading_endpoints(src, 4)
        .await
        .map_err(|e| fail("hash the source reading endpoints", e))?;
    if fallback != before {
        return Err(fail(
            "compare the two ways of hashing",
            format!("id table: {before:?}\nreading endpoints: {fallback:?}"),
        ));
    }

    // Copy source -> target with a small batch, so several pages and ranges are involved.
    let stats = transfer::logical::copy(src, tgt, 3, &|_| {})
        .await
        .map_err(|e| fail("copy", e))?;
    if !stats.findings.is_empty() {
        return Err(fail(
            "copy",
            format!("unexpected findings {:?}", stats.findings),
        ));
    }
    let copied = stream_hash(tgt, 5)
        .await
        .map_err(|e| fail("hash the target", e))?;
    if copied != before {
        return Err(fail(
            "compare hashes after the copy",
            differences(src, tgt).await,
        ));
    }

    // Dump -> import into the emptied target.
    let dir = tempfile::tempdir().map_err(|e| fail("make a temp dir", e))?;
    let path = dir.path().join("graph.jsonl");
    let header = dump::export(src, "falkordb", &path, 4, &|_| {})
        .await
        .map_err(|e| fail("export a dump", e))?;
    if header.hash != before.graph_hash {
        return Err(fail(
            "export a dump",
            "header hash differs from the source hash",
        ));
    }
    tgt.wipe().await.map_err(|e| fail("wipe the target", e))?;
    let report = dump::import(&path, tgt, 4, &|_| {})
        .await
        .map_err(|e| fail("import the dump", e))?;
    if report.target_hash != before.graph_hash {
        return Err(fail("import the dump", differences(src, tgt).await));
    }
    Ok(())
}

#[test]
fn random_graphs_round_trip_through_falkordb() {
    let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
    rt.block_on(support::require_falkordb_images(&[SOURCE, TARGET]));
    let (source, target) = rt.block_on(async {
        tokio::join!(
            Server::start(request(ServerRole::Source, SOURCE)),
            Server::start(request(ServerRole::Target, TARGET))
        )
    });
    let (source, target) = (
        source.expect("source server"),
        target.expect("target server"),
    );
    let cases = std::env::var("MH_ROUNDTRIP_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(24);
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 200,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/roundtrip_falkordb.txt",
        ))),
        ..Config::default()
    });
    let (src, tgt): (&dyn GraphConnection, &dyn GraphConnection) =
        (source.connection.as_ref(), target.connection.as_ref());
    let result = runner.run(&graph(10, 14), |g| rt.block_on(case(src, tgt, &g)));
    // The servers' containers are removed asynchronously: drop them inside the runtime.
    rt.block_on(async move { drop((source, target)) });
    if let Err(e) = result {
        panic!("{e}");
    }
}
