//! The content hash reads both sides at once; when one server dies half way, the run ends at
//! once naming it, instead of when the other side has finished hashing.

use crate::support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

const VERSION: &str = "4.18.3";

fn fill(port: u16) {
    let reply = support::raw_resp(
        port,
        &[
            "GRAPH.QUERY",
            "harness",
            "UNWIND range(1, 200000) AS i CREATE (:N {i: i, s: 'a property to read'})",
        ],
    );
    assert!(
        !reply.starts_with(b"-"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
}

#[tokio::test]
async fn a_server_that_dies_during_the_content_hash_ends_the_run_at_once() {
    support::require_falkordb_images(&[VERSION]).await;
    let source = support::ExternalServer::start(VERSION);
    let mut target = Some(support::ExternalServer::start(VERSION));
    let target_port = target.as_ref().unwrap().port;
    fill(source.port);
    fill(target_port);
    let mut child = support::harness()
        .args([
            "verify",
            &format!("redis://127.0.0.1:{}", source.port),
            &format!("redis://127.0.0.1:{target_port}"),
            "--verbose",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("check content_hash ...") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    rx.recv_timeout(Duration::from_secs(120))
        .expect("the content hash starts");
    // Half a second into the hash (200k nodes take several seconds per side), kill the target.
    std::thread::sleep(Duration::from_millis(500));
    drop(target.take());
    let killed = Instant::now();
    let status = child.wait().unwrap();
    let after_kill = killed.elapsed();
    let stderr = reader.join().unwrap();
    println!("the run ended {after_kill:?} after the target was killed");
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{target_port}")),
        "the dead server is not named: {stderr}"
    );
    assert!(
        after_kill < Duration::from_millis(1500),
        "the run went on for {after_kill:?} after the target died: {stderr}"
    );
}
