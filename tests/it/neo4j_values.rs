//! Values only a driver can write (byte arrays have no Cypher literal) through a real Neo4j
//! copy: written as Bolt parameters on 5.26, copied to 2026.08 by the harness, and read back
//! there with a statement of their own, byte for byte.

use crate::support;

use migration_harness::engine::dialect::EngineKind;
use migration_harness::engine::{Query, Server, ServerRole};
use migration_harness::value::Value;

fn request(role: ServerRole, version: &str) -> migration_harness::engine::server::ServerRequest {
    migration_harness::engine::server::ServerRequest {
        role,
        launcher: support::launcher(),
        startup_timeout: std::time::Duration::from_secs(300),
        ..migration_harness::engine::server::ServerRequest::for_tests(EngineKind::Neo4j, version)
    }
}

#[tokio::test]
async fn byte_arrays_survive_a_neo4j_copy_exactly() {
    let (source, target) = tokio::join!(
        Server::start(request(ServerRole::Source, "5.26")),
        Server::start(request(ServerRole::Target, "2026.08"))
    );
    let (source, target) = (source.expect("source"), target.expect("target"));
    source.connection.wipe().await.unwrap();
    target.connection.wipe().await.unwrap();
    let bytes: Vec<u8> = (0..=255u8).chain([0, 0, 255]).collect();
    source
        .connection
        .execute(
            &Query::new("CREATE (:Blob {id: 1, data: $data, empty: $empty})")
                .param("data", Value::Bytes(bytes.clone()))
                .param("empty", Value::Bytes(Vec::new())),
        )
        .await
        .unwrap();
    let stats = migration_harness::transfer::logical::copy(
        source.connection.as_ref(),
        target.connection.as_ref(),
        100,
        &|_| {},
    )
    .await
    .unwrap();
    assert_eq!(stats.nodes, 1);
    assert!(stats.findings.is_empty(), "{:?}", stats.findings);
    let back = target
        .connection
        .execute(&Query::new(
            "MATCH (b:Blob {id: 1}) RETURN b.data AS data, b.empty AS empty, size(b.data) AS n",
        ))
        .await
        .unwrap();
    assert_eq!(
        back.rows,
        vec![vec![
            Value::Bytes(bytes.clone()),
            Value::Bytes(Vec::new()),
            Value::Int(bytes.len() as i64)
        ]]
    );
}
