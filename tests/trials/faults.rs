//! The fault-injection suite (issue 11, "Done when"): with FalkorDB process servers, it kills
//! (SIGKILL) and freezes (SIGSTOP) the source and the target server during seed, copy and check,
//! and kills the harness itself (SIGKILL, SIGTERM, SIGINT) during a copy into an external target,
//! an export and an import. For each fault:
//!
//! - the moment is found by watching the harness's progress lines (`-v` step lines, the
//!   `nodes: N` progress of export and import), never by sleeping;
//! - the run ends within its timeouts (`MH_QUERY_TIMEOUT=6s` for freezes), with the documented
//!   exit code and, for server faults, the failing step and the server named;
//! - what it left is measured from outside (the process table through `/proc`, the run
//!   registry directory, the private `TMPDIR`, the export directory, the external target's keys),
//!   and a re-run succeeds with exactly the source's content (counts and content hash, or, for an
//!   external target, read back with a raw RESP client: no duplicates, no `__mh_*` key, label,
//!   property or index) and leaves nothing behind.
//!
//! The table in docs/FAULTS.md is this suite's output: `MH_OVERWRITE=1 cargo test --test trials
//! -- faults::` rewrites it; a run in which every fault ran and passed compares its stable
//! columns (exit code, what was named, what was left, after the re-run) and ignores the seconds.

use crate::support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

const SOURCE: &str = "4.16.3";
const TARGET: &str = "4.18.3";
/// `(:P {i, s})-[:R {w}]->(:Q {i})` for i in 1..=N: 2N nodes, N relationships.
const N: i64 = 2000;
const TEXT: &str = "some text to copy and hash";
/// The statement timeout of the runs that freeze a server.
const FREEZE_TIMEOUT: &str = "6s";
/// How long a run may take to fail after the fault (generous: the machine is shared).
const KILL_BOUND: Duration = Duration::from_secs(30);
const FREEZE_BOUND: Duration = Duration::from_secs(45);
/// How long to wait for the moment to inject (only reached if the harness is stuck).
const TRIGGER_BOUND: Duration = Duration::from_secs(240);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Victim {
    Source,
    Target,
    Harness,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sig {
    Kill,
    Stop,
    Term,
    Int,
}

impl Sig {
    fn name(self) -> &'static str {
        match self {
            Sig::Kill => "KILL",
            Sig::Stop => "STOP",
            Sig::Term => "TERM",
            Sig::Int => "INT",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Step {
    Seed,
    Copy,
    Check,
    Export,
    Import,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Seed => "seed",
            Step::Copy => "copy",
            Step::Check => "check",
            Step::Export => "export",
            Step::Import => "import",
        }
    }

    /// The progress line that says the step is under way.
    fn trigger(self) -> &'static str {
        match self {
            Step::Seed => "seed source ...",
            Step::Copy => "transfer: nodes: ",
            Step::Check => "check content_hash ...",
            Step::Export | Step::Import => "  nodes: ",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Fault {
    victim: Victim,
    sig: Sig,
    step: Step,
}

impl Fault {
    fn name(&self) -> String {
        let who = match self.victim {
            Victim::Source => "source",
            Victim::Target => "target",
            Victim::Harness => "harness",
        };
        format!("{who} SIG{} during {}", self.sig.name(), self.step.name())
    }

    fn trial_name(&self) -> String {
        self.name().replace(' ', "_").to_lowercase()
    }
}

fn faults() -> Vec<Fault> {
    let mut all = Vec::new();
    for victim in [Victim::Source, Victim::Target] {
        for sig in [Sig::Kill, Sig::Stop] {
            for step in [Step::Seed, Step::Copy, Step::Check] {
                all.push(Fault { victim, sig, step });
            }
        }
    }
    for step in [Step::Copy, Step::Export, Step::Import] {
        for sig in [Sig::Kill, Sig::Term, Sig::Int] {
            all.push(Fault {
                victim: Victim::Harness,
                sig,
                step,
            });
        }
    }
    all
}

/// The scenario: an index, then the graph in 200 small statements (so the seed lasts long enough
/// to be hit, with no statement anywhere near the freeze timeout). Counts are expected exactly,
/// and the content hash compares both sides.
fn scenario_yaml() -> String {
    let mut fixtures = vec!["CREATE INDEX FOR (p:P) ON (p.i)".to_owned()];
    let chunks = 200;
    let chunk = N / chunks;
    for k in 0..chunks {
        let (a, b) = (k * chunk + 1, (k + 1) * chunk);
        fixtures.push(format!(
            "UNWIND range({a}, {b}) AS i CREATE (:P {{i: i, s: '{TEXT}'}})-[:R {{w: i}}]->(:Q {{i: i}})"
        ));
    }
    let mut y = format!(
        "name: faults\nsource:\n  engine: falkordb\n  version: \"{SOURCE}\"\ntarget:\n  engine: falkordb\n  version: \"{TARGET}\"\nfixtures:\n"
    );
    for f in fixtures {
        y.push_str(&format!("  - cypher: \"{f}\"\n"));
    }
    y.push_str(&format!(
        "transfer:\n  batch_size: 200\nchecks:\n  - counts:\n      expect: {{ total_nodes: {}, total_relationships: {N} }}\n  - content_hash: {{}}\n  - schema: {{ expect: equal }}\n",
        2 * N
    ));
    y
}

/// One case's private world: run registry, TMPDIR, export directory, scenario file.
struct World {
    root: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let root = tempfile::tempdir().unwrap();
        for d in ["runs", "tmp", "out"] {
            std::fs::create_dir(root.path().join(d)).unwrap();
        }
        std::fs::write(root.path().join("faults.yaml"), scenario_yaml()).unwrap();
        World { root }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }
    fn harness(&self, freeze: bool) -> Command {
        let mut cmd = support::harness();
        cmd.env("MH_RUN_DIR", self.path("runs"))
            .env("TMPDIR", self.path("tmp"))
            .env("MH_LAUNCHER", "process")
            .env_remove("MH_QUERY_TIMEOUT");
        if freeze {
            cmd.env("MH_QUERY_TIMEOUT", FREEZE_TIMEOUT);
        }
        cmd
    }
}

/// A running harness whose stderr lines are collected as they come.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn spawn(mut cmd: Command) -> Running {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line containing `text`; an error (with what was seen) if the harness ended
    /// first or nothing came within the bound.
    fn wait_for(&mut self, text: &str) -> Result<(), String> {
        let deadline = Instant::now() + TRIGGER_BOUND;
        while Instant::now() < deadline {
            match self.lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    let hit = line.contains(text);
                    self.seen.push(line);
                    if hit {
                        return Ok(());
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let _ = self.child.wait();
                    return Err(format!(
                        "the harness ended before {text:?}:\n{}",
                        self.seen.join("\n")
                    ));
                }
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        Err(format!(
            "no {text:?} within {TRIGGER_BOUND:?}:\n{}",
            self.seen.join("\n")
        ))
    }

    /// Waits for the harness to exit within `bound`; its status and all of its stderr.
    fn finish(mut self, bound: Duration) -> Result<(std::process::ExitStatus, String), String> {
        let deadline = Instant::now() + bound;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
                    self.seen.push(line);
                }
                return Ok((status, self.seen.join("\n")));
            }
            while let Ok(line) = self.lines.try_recv() {
                self.seen.push(line);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return Err(format!(
                    "the harness did not end within {bound:?} after the fault:\n{}",
                    self.seen.join("\n")
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn signal(pid: u32, sig: Sig) {
    let ok = Command::new("kill")
        .args([&format!("-{}", sig.name()), &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{} {pid}", sig.name());
}

/// Live (non-zombie) processes whose working directory is under `dir` (each server runs in its
/// data directory inside the run registry), read from /proc.
fn processes_under(dir: &Path) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cwd) = std::fs::read_link(entry.path().join("cwd")) else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
        if !zombie && cwd.starts_with(dir) {
            pids.push(pid);
        }
    }
    pids
}

/// The FalkorDB `version` server under `dir` (its module's path names the version).
fn server_pid(dir: &Path, version: &str) -> Result<u32, String> {
    let pids: Vec<u32> = processes_under(dir)
        .into_iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/maps"))
                .unwrap_or_default()
                .contains(&format!("/{version}/falkordb.so"))
        })
        .collect();
    match pids[..] {
        [pid] => Ok(pid),
        _ => Err(format!(
            "expected one FalkorDB {version} server under {}, found {pids:?}",
            dir.display()
        )),
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
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

// ---------------------------------------------------------------------------------------------
// A small RESP reader for the external target (no harness code involved).

#[derive(Debug, Clone, PartialEq)]
enum Resp {
    Str(String),
    Int(i64),
    Arr(Vec<Resp>),
    Nil,
    Err(String),
}

fn parse_resp(buf: &[u8], at: &mut usize) -> Resp {
    let end = *at + buf[*at..].windows(2).position(|w| w == b"\r\n").unwrap();
    let head = String::from_utf8_lossy(&buf[*at + 1..end]).into_owned();
    let kind = buf[*at];
    *at = end + 2;
    match kind {
        b'+' => Resp::Str(head),
        b'-' => Resp::Err(head),
        b':' => Resp::Int(head.parse().unwrap()),
        b'$' => {
            let n: i64 = head.parse().unwrap();
            if n < 0 {
                return Resp::Nil;
            }
            let s = String::from_utf8_lossy(&buf[*at..*at + n as usize]).into_owned();
            *at += n as usize + 2;
            Resp::Str(s)
        }
        b'*' => {
            let n: i64 = head.parse().unwrap();
            Resp::Arr((0..n.max(0)).map(|_| parse_resp(buf, at)).collect())
        }
        other => panic!("unexpected RESP type {:?}", other as char),
    }
}

fn resp(port: u16, args: &[&str]) -> Resp {
    let raw = support::raw_resp(port, args);
    parse_resp(&raw, &mut 0)
}

/// The rows of a (non-compact) GRAPH.QUERY reply.
fn rows(port: u16, graph: &str, cypher: &str) -> Result<Vec<Vec<Resp>>, String> {
    match resp(port, &["GRAPH.QUERY", graph, cypher]) {
        Resp::Arr(parts) if parts.len() == 3 => match &parts[1] {
            Resp::Arr(rows) => Ok(rows
                .iter()
                .map(|r| match r {
                    Resp::Arr(cells) => cells.clone(),
                    other => vec![other.clone()],
                })
                .collect()),
            other => Err(format!("{cypher}: rows {other:?}")),
        },
        other => Err(format!("{cypher}: {other:?}")),
    }
}

/// The keys on the server, without FalkorDB 4.18's background telemetry streams.
fn keys(port: u16) -> Vec<String> {
    let Resp::Arr(items) = resp(port, &["KEYS", "*"]) else {
        return Vec::new();
    };
    let mut keys: Vec<String> = items
        .into_iter()
        .filter_map(|k| match k {
            Resp::Str(s) if !s.starts_with("telemetry{") => Some(s),
            _ => None,
        })
        .collect();
    keys.sort();
    keys
}

/// The external target holds exactly the source's graph under `harness`, and nothing else of
/// the harness's (no other key, no `__mh_*` label, property or index).
fn exact_content(port: u16) -> Result<(), String> {
    let k = keys(port);
    if k != ["harness"] {
        return Err(format!("keys on the target: {k:?}"));
    }
    let checks: [(&str, Vec<Resp>); 6] = [
        (
            "MATCH (n) RETURN count(n)",
            vec![Resp::Int(2 * N)],
        ),
        ("MATCH ()-[r]->() RETURN count(r)", vec![Resp::Int(N)]),
        (
            "MATCH (p:P)-[r:R]->(q:Q) WHERE p.i = q.i AND r.w = p.i AND p.s = 'some text to copy and hash' RETURN count(DISTINCT p.i), min(p.i), max(p.i), count(DISTINCT q)",
            vec![Resp::Int(N), Resp::Int(1), Resp::Int(N), Resp::Int(N)],
        ),
        (
            "CALL db.labels() YIELD label RETURN label",
            vec![],
        ),
        (
            "CALL db.propertyKeys() YIELD propertyKey RETURN propertyKey",
            vec![],
        ),
        (
            "CALL db.indexes() YIELD label, properties RETURN label + ':' + properties[0]",
            vec![],
        ),
    ];
    for (cypher, expected) in checks {
        let got = rows(port, "harness", cypher)?;
        let row = got.first().cloned().unwrap_or_default();
        if !expected.is_empty() {
            if row != expected {
                return Err(format!("{cypher}: {row:?}, expected {expected:?}"));
            }
            continue;
        }
        let mut names: Vec<String> = got
            .iter()
            .map(|r| match r.first() {
                Some(Resp::Str(s)) => s.clone(),
                other => format!("{other:?}"),
            })
            .collect();
        names.sort();
        let want: Vec<&str> = if cypher.contains("labels") {
            vec!["P", "Q"]
        } else if cypher.contains("propertyKeys") {
            vec!["i", "s", "w"]
        } else {
            vec!["P:i"]
        };
        if names != want {
            return Err(format!("{cypher}: {names:?}, expected {want:?}"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// What a faulted run left, measured from outside.

#[derive(Default)]
struct Left {
    processes: usize,
    run_entries: usize,
    tmp_entries: usize,
    export_temp: usize,
    target_keys: Vec<String>,
}

impl Left {
    fn measure(world: &World, target: Option<u16>, dump_name: &str) -> Left {
        let out: Vec<String> = std::fs::read_dir(world.path("out"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        Left {
            processes: processes_under(world.root.path()).len(),
            run_entries: files_under(&world.path("runs")).len(),
            tmp_entries: files_under(&world.path("tmp")).len(),
            export_temp: out
                .iter()
                .filter(|n| n.starts_with(&format!(".{dump_name}")))
                .count(),
            target_keys: target.map(keys).unwrap_or_default(),
        }
    }

    fn is_empty(&self) -> bool {
        self.processes == 0
            && self.run_entries == 0
            && self.tmp_entries == 0
            && self.export_temp == 0
            && self.target_keys.is_empty()
    }

    /// Stable words for the table (no counts that vary with timing, no pids).
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.processes > 0 {
            parts.push(format!("{} server process(es)", self.processes));
        }
        if self.run_entries > 0 {
            parts.push("run directory (data)".to_owned());
        }
        if self.tmp_entries > 0 {
            parts.push("files in TMPDIR".to_owned());
        }
        if self.export_temp > 0 {
            parts.push("export temp file".to_owned());
        }
        for k in &self.target_keys {
            let shown = match k.split_once(".__mh_import_") {
                Some((graph, _)) => format!("`{graph}.__mh_import_<host>_<pid>_<start>`"),
                None if k == "harness" => "partial graph `harness`".to_owned(),
                None => format!("`{k}`"),
            };
            parts.push(format!("target: {shown}"));
        }
        if parts.is_empty() {
            "nothing".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The cases.

struct Row {
    fault: String,
    exit: String,
    named: String,
    seconds: f64,
    left: String,
    after: String,
}

fn exit_text(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code.to_string(),
        (None, Some(9)) => "killed".into(),
        (None, Some(s)) => format!("signal {s}"),
        _ => "?".into(),
    }
}

/// The reference dump (the scenario's source exported once), shared by the import cases.
fn reference_dump() -> Result<PathBuf, String> {
    static DUMP: OnceLock<Result<(tempfile::TempDir, PathBuf), String>> = OnceLock::new();
    DUMP.get_or_init(|| {
        let world = World::new();
        let path = world.path("out/reference.jsonl");
        let out = world
            .harness(false)
            .arg("export")
            .arg(world.path("faults.yaml"))
            .arg(&path)
            .output()
            .unwrap();
        if out.status.code() != Some(0) {
            return Err(format!(
                "reference export failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok((world.root, path))
    })
    .as_ref()
    .map(|(_, p)| p.clone())
    .map_err(Clone::clone)
}

fn header_of(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(text.lines().next().unwrap_or("{}")).unwrap_or_default()
}

fn run_fault(fault: Fault) -> Result<Row, String> {
    for v in [SOURCE, TARGET] {
        support::falkordb_dir(v);
    }
    let world = World::new();
    let scenario = world.path("faults.yaml");
    let freeze = fault.sig == Sig::Stop;
    let external =
        matches!(fault.step, Step::Copy | Step::Import) && fault.victim == Victim::Harness;
    let target = external.then(|| support::ExternalServer::start(TARGET));
    let uri = target
        .as_ref()
        .map(|t| format!("redis://127.0.0.1:{}", t.port));
    let dump_name = "dump.jsonl";
    let dump = world.path("out").join(dump_name);
    let reference = if fault.step == Step::Import {
        Some(reference_dump()?)
    } else {
        None
    };

    // The faulted run.
    let command = |world: &World| -> Command {
        let mut cmd = world.harness(freeze);
        match fault.step {
            Step::Export => {
                cmd.arg("export").arg(&scenario).arg(&dump);
            }
            Step::Import => {
                cmd.arg("import")
                    .arg(reference.as_ref().unwrap())
                    .arg(uri.as_ref().unwrap());
            }
            _ => {
                cmd.args(["run", "-v"]).arg(&scenario);
                if let Some(uri) = &uri {
                    cmd.args(["--target-uri", uri]);
                }
            }
        }
        cmd
    };
    let mut running = Running::spawn(command(&world));
    running.wait_for(fault.step.trigger())?;
    let victim_pid = match fault.victim {
        Victim::Harness => running.child.id(),
        Victim::Source => server_pid(&world.path("runs"), SOURCE)?,
        Victim::Target => server_pid(&world.path("runs"), TARGET)?,
    };
    let injected = Instant::now();
    signal(victim_pid, fault.sig);
    let bound = if freeze { FREEZE_BOUND } else { KILL_BOUND };
    let finished = running.finish(bound);
    let seconds = injected.elapsed().as_secs_f64();
    // A frozen server the harness failed to remove must not outlive the test.
    let stuck = freeze && Path::new(&format!("/proc/{victim_pid}")).exists() && {
        let alive = processes_under(world.root.path()).contains(&victim_pid);
        if alive {
            signal(victim_pid, Sig::Kill);
        }
        alive
    };
    let (status, stderr) = finished?;
    if stuck {
        return Err(format!(
            "the frozen server {victim_pid} was left running:\n{stderr}"
        ));
    }
    let exit = exit_text(status);

    // Exit code, step and server.
    let expected_exit = match (fault.victim, fault.sig) {
        (Victim::Harness, Sig::Kill) => "killed",
        (Victim::Harness, Sig::Term) => "143",
        (Victim::Harness, Sig::Int) => "130",
        _ => "3",
    };
    if exit != expected_exit {
        return Err(format!("exit {exit}, expected {expected_exit}:\n{stderr}"));
    }
    // On a loaded machine the signal may land after a short step ended: that run says nothing
    // about the step, so the case is tried again (see `main`).
    let done_line = match fault.step {
        Step::Seed => Some("seed source done"),
        Step::Copy => Some("] transfer done"),
        Step::Check => Some("check content_hash done"),
        _ => None,
    };
    // (A target faulted during the seed is first used by the transfer: no step to miss.)
    let shows_later = fault.victim == Victim::Target && fault.step == Step::Seed;
    if let Some(done) = done_line.filter(|d| !shows_later && stderr.contains(d)) {
        return Err(format!("{MISSED}: {done:?} before the fault took effect"));
    }
    let named = match fault.victim {
        Victim::Harness => {
            if fault.step == Step::Copy && fault.sig != Sig::Kill {
                // An interrupted copy into an external target says what it left there.
                if !stderr.contains("not a complete copy") {
                    return Err(format!("no word on the partial target:\n{stderr}"));
                }
                "partial target named".to_owned()
            } else {
                "-".to_owned()
            }
        }
        victim => {
            let role = if victim == Victim::Source {
                "source"
            } else {
                "target"
            };
            // The target is first used by the transfer: a fault there during the seed shows then.
            let step = match (victim, fault.step) {
                (Victim::Target, Step::Seed) | (_, Step::Copy) => "failed to transfer",
                (_, Step::Seed) => "failed to seed",
                _ => "failed to run check content_hash",
            };
            let server = format!("failed to run query on {role} (falkordb");
            let cause = if freeze {
                format!(
                    "no reply within the statement timeout of {FREEZE_TIMEOUT} (MH_QUERY_TIMEOUT)"
                )
            } else {
                "the connection was lost mid-statement".to_owned()
            };
            for want in [step, &server, &cause, "query: "] {
                if !stderr.contains(want) {
                    return Err(format!("{want:?} not named:\n{stderr}"));
                }
            }
            format!(
                "{} / {role}",
                step.trim_start_matches("failed to ")
                    .trim_start_matches("run ")
            )
        }
    };
    let bound_ok = Duration::from_secs_f64(seconds) < bound;
    if !bound_ok {
        return Err(format!("took {seconds:.1}s after the fault"));
    }
    let left = Left::measure(&world, target.as_ref().map(|t| t.port), dump_name);
    let left_text = left.describe();

    // The re-run: succeeds with exactly the source's content, and leaves nothing.
    let mut again = world.harness(false);
    match fault.step {
        Step::Export => {
            again.arg("export").arg(&scenario).arg(&dump);
        }
        Step::Import => {
            again
                .arg("import")
                .arg(reference.as_ref().unwrap())
                .arg(uri.as_ref().unwrap());
        }
        _ => {
            again.arg("run").arg(&scenario);
            if let Some(uri) = &uri {
                again.args(["--target-uri", uri, "--allow-destructive"]);
            }
        }
    }
    let out = again.output().unwrap();
    let rerun = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.code() != Some(0) {
        return Err(format!(
            "the re-run failed ({}):\n{rerun}\n--- the faulted run:\n{stderr}",
            exit_text(out.status)
        ));
    }
    match fault.step {
        Step::Export => {
            let h = header_of(&dump);
            let reference = header_of(&reference_dump()?);
            if (h["nodes"].as_i64(), h["relationships"].as_i64()) != (Some(2 * N), Some(N))
                || h["hash"] != reference["hash"]
            {
                return Err(format!("the re-exported dump differs: {h} vs {reference}"));
            }
        }
        Step::Import if !rerun.contains("content hash matches the dump") => {
            return Err(format!("the re-import did not verify its hash:\n{rerun}"));
        }
        _ => {}
    }
    if let Some(t) = &target {
        exact_content(t.port).map_err(|e| format!("after the re-run: {e}\n{rerun}"))?;
    }
    let mut after = Left::measure(&world, target.as_ref().map(|t| t.port), dump_name);
    // The graph the re-run put there is the point of an external target.
    after.target_keys.retain(|k| k != "harness");
    if !after.is_empty() {
        return Err(format!(
            "left after the re-run: {}\n{rerun}",
            after.describe()
        ));
    }
    let after_text = if left.is_empty() {
        "passes".to_owned()
    } else if rerun.contains("removed the staging graph") {
        "passes; removed the dead import's staging graph".to_owned()
    } else if uri.is_some() && fault.step == Step::Copy {
        "passes (--allow-destructive); nothing left".to_owned()
    } else {
        "passes; removed what was left".to_owned()
    };
    Ok(Row {
        fault: fault.name(),
        exit,
        named,
        seconds,
        left: left_text,
        after: after_text,
    })
}

// ---------------------------------------------------------------------------------------------
// docs/FAULTS.md

const DOC: &str = "docs/FAULTS.md";
/// The start of the error of a run whose fault landed after its step.
const MISSED: &str = "the fault missed its step";
const ATTEMPTS: usize = 3;
const BEGIN: &str = "<!-- faults table: generated by tests/trials/faults.rs -->";
const END: &str = "<!-- end of faults table -->";

fn table(rows: &[Row]) -> String {
    let mut t = String::from(
        "| fault | exit code | step / server named | seconds to fail | left behind | re-run |\n|---|---|---|---|---|---|\n",
    );
    for r in rows {
        t.push_str(&format!(
            "| {} | {} | {} | {:.1} | {} | {} |\n",
            r.fault, r.exit, r.named, r.seconds, r.left, r.after
        ));
    }
    t
}

/// The stable columns of every row of a table (all but the seconds).
fn stable(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| fault "))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .enumerate()
                .filter(|(i, _)| *i != 3)
                .map(|(_, c)| c)
                .collect()
        })
        .collect()
}

fn check_doc(rows: &[Row]) -> Result<(), String> {
    let path = support::repo_path(DOC);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = table(rows);
    let (before, rest) = text
        .split_once(BEGIN)
        .ok_or(format!("{DOC} has no {BEGIN:?} marker"))?;
    let (current, after) = rest
        .split_once(END)
        .ok_or(format!("{DOC} has no {END:?} marker"))?;
    if std::env::var_os("MH_OVERWRITE").is_some_and(|v| v == "1") {
        std::fs::write(&path, format!("{before}{BEGIN}\n{generated}{END}{after}")).unwrap();
        println!("rewrote the table in {DOC}");
        return Ok(());
    }
    let (want, got) = (stable(current), stable(&generated));
    if want != got {
        return Err(format!(
            "{DOC} is out of date (exit codes, what was named or left changed); rerun with MH_OVERWRITE=1 and review:\n--- {DOC}\n{current}\n--- this run\n{generated}"
        ));
    }
    Ok(())
}

/// Runs the faults (trials `faults::<name>`) after the other suites, on their own: their time
/// bounds assume no other heavy trial runs beside them. Then, if every fault ran and passed,
/// prints the table and checks it against docs/FAULTS.md (a failed check fails the run).
pub fn run(args: &libtest_mimic::Arguments) -> libtest_mimic::Conclusion {
    let mut args = args.clone();
    if args.test_threads.is_none() {
        // Each case is mostly waiting (servers, timeouts); four at a time keep 2 cores busy.
        args.test_threads = Some(4);
    }
    let rows: Arc<Mutex<Vec<(usize, Row)>>> = Arc::default();
    let all = faults();
    let trials: Vec<libtest_mimic::Trial> = all
        .iter()
        .enumerate()
        .map(|(i, fault)| {
            let fault = *fault;
            let rows = rows.clone();
            libtest_mimic::Trial::test(format!("faults::{}", fault.trial_name()), move || {
                let mut attempt = 1;
                let row = loop {
                    match run_fault(fault) {
                        Err(e) if e.starts_with(MISSED) && attempt < ATTEMPTS => {
                            println!("{}: {e}; trying again", fault.name());
                            attempt += 1;
                        }
                        other => break other.map_err(|e| format!("{}: {e}", fault.name()))?,
                    }
                };
                println!(
                    "{}: exit {}, {} in {:.1}s, left {}; re-run {}",
                    row.fault, row.exit, row.named, row.seconds, row.left, row.after
                );
                rows.lock().unwrap().push((i, row));
                Ok(())
            })
        })
        .collect();
    let mut conclusion = libtest_mimic::run(&args, trials);
    let mut rows = std::mem::take(&mut *rows.lock().unwrap());
    if rows.len() == all.len() && !conclusion.has_failed() {
        rows.sort_by_key(|(i, _)| *i);
        let rows: Vec<Row> = rows.into_iter().map(|(_, r)| r).collect();
        print!("{}", table(&rows));
        if let Err(e) = check_doc(&rows) {
            eprintln!("error: {e}");
            conclusion.num_failed += 1;
        }
    } else if !rows.is_empty() {
        println!("note: a run that filtered out some faults does not check {DOC}");
    }
    conclusion
}
