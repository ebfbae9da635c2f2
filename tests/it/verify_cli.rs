//! `migration-harness verify <source-uri> <target-uri>`: two live graphs compared as they are.
//! Both servers are started outside the harness and read back with a raw RESP reader before and
//! after, so "never writes" is checked independently of the harness's own read path.

use crate::support;

use support::ExternalServer;

const GRAPH: &[&str] = &[
    "CREATE (:Person {id: 1, name: 'Ada', born: 1815})-[:KNOWS {since: 1833}]->(:Person {id: 2, name: 'Charles'})",
    "CREATE (:Movie {id: 10, title: 'Difference Engine'})",
    "CREATE INDEX FOR (p:Person) ON (p.id)",
];

fn seed(server: &ExternalServer, statements: &[&str]) {
    for q in statements {
        let reply = support::raw_resp(server.port, &["GRAPH.QUERY", "g", q]);
        assert!(
            !reply.starts_with(b"-"),
            "{}",
            String::from_utf8_lossy(&reply)
        );
    }
}

fn verify(source: &ExternalServer, target: &ExternalServer) -> std::process::Output {
    support::harness()
        .args([
            "verify",
            "-v",
            &format!("redis://127.0.0.1:{}", source.port),
            &format!("redis://127.0.0.1:{}", target.port),
            "--source-graph",
            "g",
            "--target-graph",
            "g",
        ])
        .output()
        .unwrap()
}

#[test]
fn identical_graphs_verify_without_a_write() {
    let (source, target) = (
        ExternalServer::start("4.16.3"),
        ExternalServer::start("4.18.3"),
    );
    seed(&source, GRAPH);
    seed(&target, GRAPH);
    let before = (
        support::falkordb_state(source.port),
        support::falkordb_state(target.port),
    );
    let out = verify(&source, &target);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("check content_hash ok"), "{stderr}");
    assert!(stderr.contains("check schema ok"), "{stderr}");
    assert_eq!(
        support::falkordb_state(source.port),
        before.0,
        "source changed"
    );
    assert_eq!(
        support::falkordb_state(target.port),
        before.1,
        "target changed"
    );
}

#[test]
fn one_planted_difference_fails_and_is_named() {
    let (source, target) = (
        ExternalServer::start("4.16.3"),
        ExternalServer::start("4.18.3"),
    );
    seed(&source, GRAPH);
    seed(&target, GRAPH);
    seed(
        &target,
        &["MATCH (p:Person {id: 2}) SET p.name = 'Charles B.'"],
    );
    let before = support::falkordb_state(target.port);
    let out = verify(&source, &target);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // Without business keys the changed node shows as missing + extra, each named exactly.
    assert!(
        stderr.contains("missing on target: node (:Person {id: 2, name: \"Charles\"})"),
        "{stderr}"
    );
    assert!(
        stderr.contains("extra on target: node (:Person {id: 2, name: \"Charles B.\"})"),
        "{stderr}"
    );
    assert_eq!(
        support::falkordb_state(target.port),
        before,
        "target changed"
    );
}

#[test]
fn a_uri_of_no_known_engine_is_bad_input() {
    let out = support::harness()
        .args(["verify", "http://127.0.0.1:1", "redis://127.0.0.1:2"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("expected one of bolt"), "{stderr}");
}
