//! The process launcher's guarantees, checked from outside the harness (through `/proc` and the
//! file system, not through the harness's own bookkeeping): every exit path removes the server
//! processes and data directories a run started, and the leftovers of a run killed with SIGKILL
//! are removed by the next run.

use crate::support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Pids of processes whose working directory is under `dir` (the process launcher runs each
/// server in its data directory, inside the run directory; read from /proc, not from the
/// harness's registry).
fn processes_under(dir: &Path) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cwd) = std::fs::read_link(entry.path().join("cwd")) else {
            continue;
        };
        let state = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let zombie = state
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
        if !zombie && cwd.starts_with(dir) {
            pids.push(pid);
        }
    }
    pids
}

/// Files and directories left under `dir`, recursively.
fn left_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            out.push(entry.path());
            if entry.path().is_dir() {
                stack.push(entry.path());
            }
        }
    }
    out
}

/// Starts `run <scenario> -v` with its own run registry; returns the child and a channel of
/// its stderr lines.
fn start_run(runs: &Path, scenario: &str) -> (Child, mpsc::Receiver<String>) {
    let mut child = support::harness()
        .args(["run", "-v", scenario])
        .env("MH_RUN_DIR", runs)
        .env("MH_LAUNCHER", "process")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, rx)
}

/// Waits for a stderr line containing `text`; panics with what was seen after `timeout`.
fn wait_for(lines: &mpsc::Receiver<String>, text: &str, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(100)) {
            if line.contains(text) {
                return;
            }
            seen.push(line);
        }
    }
    panic!(
        "no line with {text:?} within {timeout:?}; saw:\n{}",
        seen.join("\n")
    );
}

fn signal(pid: u32, name: &str) {
    assert!(Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap()
        .success());
}

/// A scenario whose copy takes long enough to be interrupted in the middle.
fn big_scenario(dir: &Path) -> PathBuf {
    let path = dir.join("big.yaml");
    std::fs::write(
        &path,
        "name: big\nsource:\n  engine: falkordb\n  version: \"4.16.3\"\ntarget:\n  engine: falkordb\n  version: \"4.18.3\"\n\
         fixtures:\n  - cypher: \"UNWIND range(1, 300000) AS i CREATE (:N {i: i, s: 'some text to copy'})\"\n\
         transfer:\n  batch_size: 500\nchecks:\n  - counts: {}\n",
    )
    .unwrap();
    path
}

fn check_signal_cleans_up(name: &str, code: i32) {
    support::falkordb_dir("4.16.3");
    support::falkordb_dir("4.18.3");
    let runs = tempfile::tempdir().unwrap();
    let scenario = big_scenario(runs.path());
    let (mut child, lines) = start_run(&runs.path().join("runs"), &scenario.display().to_string());
    wait_for(&lines, "transfer ...", Duration::from_secs(60));
    assert_eq!(
        processes_under(runs.path()).len(),
        2,
        "both servers run mid-copy"
    );
    signal(child.id(), name);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(code), "exit code after SIG{name}");
    assert_eq!(
        processes_under(runs.path()),
        Vec::<u32>::new(),
        "server processes left after SIG{name}"
    );
    let left: Vec<PathBuf> = left_under(&runs.path().join("runs"));
    assert!(left.is_empty(), "left after SIG{name}: {left:?}");
}

#[test]
fn sigterm_mid_copy_removes_every_server_process_and_data_directory() {
    check_signal_cleans_up("TERM", 143);
}

#[test]
fn sigint_mid_copy_removes_every_server_process_and_data_directory() {
    check_signal_cleans_up("INT", 130);
}

#[test]
fn sighup_mid_copy_removes_every_server_process_and_data_directory() {
    check_signal_cleans_up("HUP", 129);
}

/// `kill -9` of the harness mid-copy leaves its servers running (nothing can catch SIGKILL);
/// the next run finds the dead run in the registry and removes its processes and directories,
/// and leaves a concurrently running (live) run alone.
#[test]
fn the_next_run_removes_what_a_killed_run_left() {
    support::falkordb_dir("4.16.3");
    support::falkordb_dir("4.18.3");
    let runs_root = tempfile::tempdir().unwrap();
    let runs = runs_root.path().join("runs");
    let scenario = big_scenario(runs_root.path());
    let (mut killed, lines) = start_run(&runs, &scenario.display().to_string());
    wait_for(&lines, "transfer ...", Duration::from_secs(60));
    let leftovers = processes_under(runs_root.path());
    assert_eq!(leftovers.len(), 2, "both servers run mid-copy");
    signal(killed.id(), "KILL");
    killed.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        processes_under(runs_root.path()),
        leftovers,
        "SIGKILL cannot be caught: the servers are still there before the next run"
    );
    assert!(!left_under(&runs).is_empty());

    let out = support::harness()
        .args(["run", "scenarios/quickstart-falkordb.yaml"])
        .env("MH_RUN_DIR", &runs)
        .env("MH_LAUNCHER", "process")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(processes_under(runs_root.path()), Vec::<u32>::new());
    let left = left_under(&runs);
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// `cleanup` does the same on demand and says what it removed.
#[test]
fn cleanup_removes_a_killed_runs_servers() {
    support::falkordb_dir("4.16.3");
    support::falkordb_dir("4.18.3");
    let runs_root = tempfile::tempdir().unwrap();
    let runs = runs_root.path().join("runs");
    let scenario = big_scenario(runs_root.path());
    let (mut killed, lines) = start_run(&runs, &scenario.display().to_string());
    wait_for(&lines, "seed source", Duration::from_secs(60));
    signal(killed.id(), "KILL");
    killed.wait().unwrap();
    let out = support::harness()
        .arg("cleanup")
        .env("MH_RUN_DIR", &runs)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("removed 1 dead run(s)"), "{stdout}");
    assert!(stdout.contains("2 server process(es) killed"), "{stdout}");
    assert_eq!(processes_under(runs_root.path()), Vec::<u32>::new());
    assert!(left_under(&runs).is_empty());
}

/// A server that cannot start (here: a FalkorDB version that is not installed) fails with the
/// setup hint, exit 3, and leaves nothing behind.
#[test]
fn a_version_that_is_not_installed_names_the_setup_command() {
    let runs = tempfile::tempdir().unwrap();
    let out = support::harness()
        .args([
            "run",
            "scenarios/quickstart-falkordb.yaml",
            "--target-version",
            "4.99.1",
        ])
        .env("MH_RUN_DIR", runs.path())
        .env("MH_LAUNCHER", "process")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("scripts/setup-falkordb.sh 4.99.1"),
        "{stderr}"
    );
    assert_eq!(processes_under(runs.path()), Vec::<u32>::new());
    assert!(
        left_under(runs.path()).is_empty(),
        "{:?}",
        left_under(runs.path())
    );
}

/// Pids of the FalkorDB `version` servers under `dir` (the module's path names the version).
fn falkordb_servers_under(dir: &Path, version: &str) -> Vec<u32> {
    processes_under(dir)
        .into_iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/maps"))
                .unwrap_or_default()
                .contains(&format!("/{version}/falkordb.so"))
        })
        .collect()
}

/// A pooled server that dies while it waits for its case (here: the source 4.16.3 the run
/// started up front for the second case, killed while the first case runs) is not handed out:
/// the pool checks it with a round trip, drops it and starts a fresh one, and says so.
#[test]
fn a_pooled_server_that_died_is_replaced_before_the_next_case() {
    for v in ["4.14.11", "4.16.3", "4.18.3"] {
        support::falkordb_dir(v);
    }
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("scenarios");
    std::fs::create_dir(&dir).unwrap();
    for (name, source) in [("a-first", "4.14.11"), ("b-second", "4.16.3")] {
        std::fs::write(
            dir.join(format!("{name}.yaml")),
            format!(
                "name: {name}\nsource:\n  engine: falkordb\n  version: \"{source}\"\ntarget:\n  engine: falkordb\n  version: \"4.18.3\"\n\
                 fixtures:\n  - cypher: \"UNWIND range(1, 20000) AS i CREATE (:N {{i: i}})\"\nchecks:\n  - counts: {{}}\n  - content_hash: {{}}\n"
            ),
        )
        .unwrap();
    }
    let (mut child, lines) = start_run(&root.path().join("runs"), &dir.display().to_string());
    wait_for(&lines, "[a-first", Duration::from_secs(60));
    let idle = falkordb_servers_under(root.path(), "4.16.3");
    assert_eq!(
        idle.len(),
        1,
        "the second case's source was started up front"
    );
    signal(idle[0], "KILL");
    let mut seen = Vec::new();
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(120)) {
        seen.push(line);
    }
    let status = child.wait().unwrap();
    let seen = seen.join("\n");
    assert_eq!(status.code(), Some(0), "{seen}");
    assert!(
        seen.contains("2 passed") || seen.contains("PASS b-second"),
        "{seen}"
    );
    assert!(
        seen.contains("did not answer") && seen.contains("fresh"),
        "no note about the dead server: {seen}"
    );
}
