//! Every network step is bounded: a port that accepts connections and never answers (another
//! protocol, a paused server) fails within the connect timeout with the server and the step
//! named, for both engines; a bad MH_QUERY_TIMEOUT is refused before anything starts.

use crate::support;

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

/// A server that dies while a statement waits, in a way the client does not see (here: it
/// stops accepting connections but the established one stays open and silent): the statement
/// fails within seconds as a lost connection naming the server and the statement, not after the
/// statement timeout (600 s by default).
#[tokio::test]
async fn a_statement_on_a_server_that_died_fails_fast_as_a_lost_connection() {
    use migration_harness::engine::dialect::{Dialect, EngineKind};
    use migration_harness::engine::falkordb::FalkorConnection;
    use migration_harness::engine::{GraphConnection, Query};
    use std::io::{Read, Write};

    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    // Answers every connection's handshake (HELLO/CLIENT SETINFO/... with OK, MODULE LIST with
    // a graph module); once a GRAPH.QUERY arrives, keeps that connection open without
    // answering and closes its listening socket.
    let queried = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        while !queried.load(std::sync::atomic::Ordering::SeqCst) {
            let mut stream = match listener.accept() {
                Ok((stream, _)) => stream,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            stream.set_nonblocking(false).unwrap();
            let queried = queried.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let mut held = Vec::new();
                loop {
                    let n = match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    let text = String::from_utf8_lossy(&buf[..n]).to_uppercase();
                    if text.contains("GRAPH.QUERY") {
                        held.push(stream.try_clone().unwrap());
                        queried.store(true, std::sync::atomic::Ordering::SeqCst);
                        continue;
                    }
                    // One reply per command (the client pipelines its handshake).
                    let commands: Vec<&str> =
                        text.split("\r\n*").filter(|c| !c.is_empty()).collect();
                    for command in commands {
                        let reply: &[u8] = if command.contains("MODULE") {
                            b"*1\r\n*4\r\n$4\r\nname\r\n$5\r\ngraph\r\n$3\r\nver\r\n:41803\r\n"
                        } else {
                            b"+OK\r\n"
                        };
                        let _ = stream.write_all(reply);
                    }
                }
            });
        }
        drop(listener);
        // Keep the held connections open for the rest of the test.
        std::thread::sleep(Duration::from_secs(60));
    });
    let conn = FalkorConnection::open(
        &format!("redis://127.0.0.1:{port}"),
        "g".into(),
        Dialect::new(EngineKind::Falkordb, None),
        format!("target (falkordb) at 127.0.0.1:{port}"),
    )
    .await
    .expect("the handshake is answered");
    let begin = Instant::now();
    let err = conn
        .execute(&Query::new("MATCH (n) RETURN count(n)"))
        .await
        .expect_err("no reply ever comes");
    let took = begin.elapsed();
    let text = err.to_string();
    assert!(took < Duration::from_secs(20), "took {took:?}: {text}");
    assert!(text.contains("lost mid-statement"), "{text}");
    assert!(text.contains("no longer accepts connections"), "{text}");
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(text.contains("query: MATCH (n) RETURN count(n)"), "{text}");
}

/// One Bolt message from `stream` (its chunks joined), `None` at the end of the connection.
fn bolt_message(stream: &mut std::net::TcpStream) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut message = Vec::new();
    loop {
        let mut size = [0u8; 2];
        stream.read_exact(&mut size).ok()?;
        let size = usize::from(u16::from_be_bytes(size));
        if size == 0 {
            if message.is_empty() {
                continue;
            }
            return Some(message);
        }
        let mut chunk = vec![0u8; size];
        stream.read_exact(&mut chunk).ok()?;
        message.extend_from_slice(&chunk);
    }
}

fn send_bolt(stream: &mut std::net::TcpStream, message: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = (message.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(message);
    out.extend_from_slice(&[0, 0]);
    stream.write_all(&out)
}

/// A Bolt 4.1 server that answers in order, as Neo4j does: HELLO, RESET and the rest with
/// SUCCESS {}, RUN with SUCCESS {fields: ["n"]} (a RUN whose text holds `slow` only after
/// 1.5 s), PULL with one RECORD [42] and SUCCESS {}. Returns its port.
fn scripted_bolt_server() -> u16 {
    use std::io::{Read, Write};
    const SUCCESS: &[u8] = &[0xB1, 0x70, 0xA0];
    const RUN_SUCCESS: &[u8] = &[
        0xB1, 0x70, 0xA1, 0x86, b'f', b'i', b'e', b'l', b'd', b's', 0x91, 0x81, b'n',
    ];
    const RECORD_42: &[u8] = &[0xB1, 0x71, 0x91, 42];
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut handshake = [0u8; 20];
                if stream.read_exact(&mut handshake).is_err()
                    || stream.write_all(&[0, 0, 1, 4]).is_err()
                {
                    return;
                }
                while let Some(message) = bolt_message(&mut stream) {
                    let replies: Vec<&[u8]> = match message.get(1) {
                        Some(0x10) => {
                            if message.windows(4).any(|w| w == b"slow") {
                                std::thread::sleep(Duration::from_millis(1500));
                            }
                            vec![RUN_SUCCESS]
                        }
                        Some(0x3F) => vec![RECORD_42, SUCCESS],
                        Some(0x02) => return,
                        _ => vec![SUCCESS],
                    };
                    for reply in replies {
                        if send_bolt(&mut stream, reply).is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    port
}

/// A statement cut off by the statement timeout between its RUN and the server's answer must
/// not leave its pooled connection behind for the next statement: neo4rs's pool used to check
/// such a connection with RESET, read the late answer to the RUN as RESET's, and hand it out
/// one reply behind, so that the next statement read an empty result without an error.
#[tokio::test]
async fn a_statement_cut_off_by_its_timeout_leaves_no_connection_a_reply_behind() {
    use migration_harness::engine::dialect::EngineKind;
    use migration_harness::engine::server::ServerRequest;
    use migration_harness::engine::Query;
    use migration_harness::value::Value;

    let port = scripted_bolt_server();
    let request = ServerRequest {
        statement_timeout: Duration::from_secs(1),
        ..ServerRequest::for_tests(EngineKind::Neo4j, "5.26")
    };
    let conn =
        migration_harness::engine::neo4j::connect(&request, &format!("bolt://127.0.0.1:{port}"))
            .await
            .expect("connect to the scripted server");
    let slow = conn.execute(&Query::new("RETURN 'slow' AS n")).await;
    let err = slow.expect_err("the slow statement times out").to_string();
    assert!(err.contains("statement timeout"), "{err}");
    for attempt in 0..3 {
        let rows = conn
            .execute(&Query::new("RETURN 42 AS n"))
            .await
            .unwrap_or_else(|e| panic!("statement {attempt} after the timeout: {e}"))
            .rows;
        assert_eq!(
            rows,
            vec![vec![Value::Int(42)]],
            "statement {attempt} after the timeout"
        );
    }
}
