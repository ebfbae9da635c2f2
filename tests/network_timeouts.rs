//! Every network step is bounded: a port that accepts connections and never answers (another
//! protocol, a paused server) fails within the connect timeout with the server and the step
//! named, for both engines; a bad MH_QUERY_TIMEOUT is refused before anything starts.

mod support;

use std::net::TcpListener;
use std::time::{Duration, Instant};

/// A port that accepts and then says nothing (held open until the test ends).
fn silent_port() -> (TcpListener, u16) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepting = listener.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in accepting.incoming().flatten() {
            held.push(stream);
        }
    });
    (listener, port)
}

fn verify(source: &str, target: &str) -> (Option<i32>, String, Duration) {
    let begin = Instant::now();
    let out = support::harness()
        .args(["verify", source, target])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        begin.elapsed(),
    )
}

#[test]
fn a_silent_bolt_port_fails_within_the_connect_timeout() {
    let (_a, a) = silent_port();
    let (_b, b) = silent_port();
    let (code, stderr, took) = verify(
        &format!("bolt://neo4j:pw@127.0.0.1:{a}"),
        &format!("bolt://neo4j:pw@127.0.0.1:{b}"),
    );
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("no Bolt handshake"), "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{a}")), "{stderr}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[test]
fn a_silent_redis_port_fails_within_the_connect_timeout() {
    let (_a, a) = silent_port();
    let (_b, b) = silent_port();
    let (code, stderr, took) = verify(
        &format!("redis://127.0.0.1:{a}"),
        &format!("redis://127.0.0.1:{b}"),
    );
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.contains("no answer to the handshake"), "{stderr}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[test]
fn a_closed_port_fails_at_once() {
    let port = {
        let l = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        l.local_addr().unwrap().port()
    };
    let (code, stderr, took) = verify(
        &format!("bolt://127.0.0.1:{port}"),
        &format!("bolt://127.0.0.1:{}", port + 1),
    );
    assert_eq!(code, Some(3), "{stderr}");
    assert!(took < Duration::from_secs(15), "took {took:?}: {stderr}");
}

#[test]
fn a_bad_statement_timeout_is_refused_before_anything_starts() {
    let out = support::harness()
        .args(["run", "scenarios/quickstart-falkordb.yaml"])
        .env("MH_QUERY_TIMEOUT", "soon")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("MH_QUERY_TIMEOUT"), "{stderr}");
    assert!(!stderr.contains("start servers"), "{stderr}");
}
