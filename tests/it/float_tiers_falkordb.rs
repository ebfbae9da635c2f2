//! The paging reads' exact floats on FalkorDB take three paths (`graph::export`): fraction
//! columns for keys already seen holding floats, a guarded retry when such a key also holds a
//! string ("Type mismatch"), and a second read with the full exact column for what fractions
//! cannot settle (lists, tiny or huge magnitudes, DBL_MAX). One page here needs all three; the
//! values written are compared bit for bit with what the pager returns.

use crate::support;

use std::collections::BTreeMap;

use futures::TryStreamExt;
use migration_harness::engine::dialect::{Dialect, EngineKind, Version};
use migration_harness::engine::falkordb::FalkorConnection;
use migration_harness::engine::{GraphConnection, Query};
use migration_harness::graph::export;
use migration_harness::value::Value;
use support::ExternalServer;

fn bits(v: &Value) -> String {
    match v {
        Value::Float(f) => format!("f:{:016x}", f.to_bits()),
        Value::List(items) => format!("[{}]", items.iter().map(bits).collect::<Vec<_>>().join(",")),
        other => format!("{other:?}"),
    }
}

/// A FalkorDB 4.18.3 started for the test, and a connection to its graph `graph`.
async fn open(graph: &str) -> (ExternalServer, FalkorConnection) {
    let version = "4.18.3";
    let server = ExternalServer::start(version);
    let endpoint = format!("redis://127.0.0.1:{}", server.port);
    let conn = FalkorConnection::open(
        &endpoint,
        graph.into(),
        Dialect::new(EngineKind::Falkordb, Version::parse_lenient(version)),
        format!("falkordb {version} at {endpoint}"),
    )
    .await
    .expect("connect");
    (server, conn)
}

#[tokio::test]
async fn one_page_takes_every_exact_float_path() {
    let (_server, conn) = open("tiers").await;
    // Written as parameters, which FalkorDB reads back bit-exact (docs/ARCHITECTURE.md).
    let values: Vec<Value> = vec![
        Value::Float(1.0 / 3.0 + 1.0),              // settled by its fraction
        Value::String("not a number".into()),       // same key: the guarded retry
        Value::Float(-7.0 - 1.0 / 7.0),             // negative, settled by its fraction
        Value::Float(1e-5 / 3.0),                   // too small for fractions: full column
        Value::Float(f64::MAX),                     // prints as infinity: full column
        Value::List(vec![Value::Float(0.1 + 0.2)]), // a float in a list: full column
        Value::Int(i64::MIN + 1),
    ];
    for (i, v) in values.iter().enumerate() {
        conn.execute(
            &Query::new("CREATE (:N {i: $i, x: $x})")
                .param("i", i as i64)
                .param("x", v.clone()),
        )
        .await
        .unwrap_or_else(|e| panic!("write {v:?}: {e}"));
    }
    let mut read = BTreeMap::new();
    let mut pages = std::pin::pin!(export::node_pages(&conn, 1000));
    while let Some(page) = pages.try_next().await.expect("read the nodes") {
        for n in page {
            let i = n.properties["i"].as_int().expect("i");
            read.insert(i, n.properties["x"].clone());
        }
    }
    for (i, v) in values.iter().enumerate() {
        assert_eq!(
            read.get(&(i as i64)).map(bits),
            Some(bits(v)),
            "node {i}: wrote {v:?}, read {:?}",
            read.get(&(i as i64))
        );
    }
}

/// Small pages (2 nodes) with a new float key every third node: most reads sent ahead were
/// sent with columns that a later page outgrew, several at a time (`graph::export` keeps four
/// ranges in flight), and one key later holds a string (the guarded retry). Every page must
/// still come back whole and bit-exact.
#[tokio::test]
async fn reads_ahead_that_a_new_float_key_outdates_are_read_again() {
    let (_server, conn) = open("ahead").await;
    let mut written = BTreeMap::new();
    for i in 0..40_i64 {
        let key = format!("k{}", i / 3);
        let value = if i == 31 {
            Value::String("text under a float key".into())
        } else {
            Value::Float(i as f64 + 1.0 / 3.0)
        };
        let key = if i == 31 { "k0".to_owned() } else { key };
        conn.execute(
            &Query::new(format!("CREATE (:N {{i: $i, {key}: $x}})"))
                .param("i", i)
                .param("x", value.clone()),
        )
        .await
        .unwrap_or_else(|e| panic!("write node {i}: {e}"));
        written.insert(i, (key, value));
    }
    let mut read = BTreeMap::new();
    let mut pages = std::pin::pin!(export::node_pages(&conn, 2));
    while let Some(page) = pages.try_next().await.expect("read the nodes") {
        for n in page {
            let i = n.properties["i"].as_int().expect("i");
            assert!(
                read.insert(i, n.properties).is_none(),
                "node {i} read twice"
            );
        }
    }
    assert_eq!(read.len(), written.len(), "every node read once");
    for (i, (key, value)) in &written {
        let got = read[i].get(key).map(bits);
        assert_eq!(got, Some(bits(value)), "node {i} {key}");
        assert_eq!(read[i].len(), 2, "node {i}: {:?}", read[i]);
    }
}
