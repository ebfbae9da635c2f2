//! A copy into an external target that fails half way says how much it wrote and that the
//! target is not a complete copy; the next run's refusal says the data came from an earlier
//! harness run (a `<graph>.__mh_partial` key beside the graph), not that the harness "did not
//! create" it; --allow-destructive then starts over and removes the marker.

use crate::support;

const SOURCE: &str = "4.16.3";
const TARGET: &str = "4.18.3";

fn used_memory(port: u16) -> u64 {
    let info = String::from_utf8_lossy(&support::raw_resp(port, &["INFO", "memory"])).into_owned();
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_failed_copy_names_what_it_left_and_the_next_run_says_so() {
    support::require_falkordb_images(&[SOURCE, TARGET]).await;
    let target = support::ExternalServer::start(TARGET);
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("partial.yaml");
    std::fs::write(
        &scenario,
        format!(
            "name: partial\nsource:\n  engine: falkordb\n  version: \"{SOURCE}\"\ntarget:\n  engine: falkordb\n  version: \"{TARGET}\"\n\
             fixtures:\n  - cypher: \"UNWIND range(1, 40000) AS i CREATE (:Big {{i: i, s: 'a fairly long string that makes every node weigh a few hundred bytes in the server'}})\"\n\
             checks:\n  - counts: {{}}\n"
        ),
    )
    .unwrap();
    let uri = format!("redis://127.0.0.1:{}", target.port);
    let run = |extra: &[&str]| {
        let out = support::harness()
            .arg("run")
            .arg(&scenario)
            .args(["--target-uri", &uri])
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let limit = (used_memory(target.port) + 2_000_000).to_string();
    support::raw_resp(
        target.port,
        &["CONFIG", "SET", "maxmemory-policy", "noeviction"],
    );
    support::raw_resp(target.port, &["CONFIG", "SET", "maxmemory", &limit]);
    let (code, stderr) = run(&[]);
    support::raw_resp(target.port, &["CONFIG", "SET", "maxmemory", "0"]);
    assert_eq!(code, Some(3), "{stderr}");
    println!("{stderr}");
    assert!(stderr.contains("now holds"), "{stderr}");
    assert!(stderr.contains("not a complete copy"), "{stderr}");
    let keys =
        String::from_utf8_lossy(&support::raw_resp(target.port, &["KEYS", "*"])).into_owned();
    assert!(keys.contains("harness.__mh_partial"), "{keys}");

    let (code, stderr) = run(&[]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(!stderr.contains("did not create"), "{stderr}");
    assert!(stderr.contains("earlier run"), "{stderr}");

    let (code, stderr) = run(&["--allow-destructive"]);
    assert_eq!(code, Some(0), "{stderr}");
    let keys =
        String::from_utf8_lossy(&support::raw_resp(target.port, &["KEYS", "*"])).into_owned();
    assert!(!keys.contains("__mh_partial"), "{keys}");
}
