//! Shared helpers for integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use migration_harness::engine::image::{ensure_image, Availability};
use migration_harness::engine::launcher::LauncherKind;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The harness binary, run from the repository root with the tests' launcher.
pub fn harness() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_migration-harness"));
    cmd.current_dir(repo_root());
    cmd.env("MH_LAUNCHER", launcher().to_string());
    cmd
}

pub fn repo_path(rel: &str) -> PathBuf {
    repo_root().join(rel)
}

/// The launcher the tests use: `MH_LAUNCHER` when set, else the process launcher (what
/// `scripts/setup.sh` installs; a machine with Docker can set `MH_LAUNCHER=docker` after
/// `scripts/local-images.sh`).
pub fn launcher() -> LauncherKind {
    std::env::var("MH_LAUNCHER")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(LauncherKind::Process)
}

/// The FalkorDB servers the tests use must be installed for the process launcher by
/// scripts/setup.sh (or, with `MH_LAUNCHER=docker`, built as images by
/// scripts/local-images.sh); a missing one fails the test with that hint, because the suite
/// must never pass by not running.
pub async fn require_falkordb_images(versions: &[&str]) {
    for v in versions {
        if launcher() == LauncherKind::Docker {
            let image = format!("migration-harness/falkordb:{v}");
            if let Availability::Missing { reason } = ensure_image(&image, false).await {
                panic!(
                    "image {image} is missing ({reason}); build it with scripts/local-images.sh"
                );
            }
        } else {
            falkordb_dir(v);
        }
    }
}

/// Where scripts/setup-falkordb.sh installed FalkorDB `version` (panics with the hint if not).
pub fn falkordb_dir(version: &str) -> PathBuf {
    let dir = migration_harness::engine::launcher::cache_dir()
        .join("falkordb")
        .join(version);
    assert!(
        dir.join("installed").exists(),
        "FalkorDB {version} is not installed in {}; run scripts/setup.sh (or scripts/setup-falkordb.sh {version})",
        dir.display()
    );
    dir
}

pub fn relative(path: &Path) -> String {
    path.strip_prefix(repo_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Why a case cannot run here, if it cannot: a Neo4j image that is neither local nor
/// pullable. FalkorDB images are the CI engine's and must exist (see `require_falkordb_images`),
/// so they never produce a skip. Prints the `skipped: ...` line the suite promises (on stderr).
pub async fn neo4j_skip_reason(case: &migration_harness::run::Case, pull: bool) -> Option<String> {
    use migration_harness::engine::dialect::EngineKind;
    let mut reasons = Vec::new();
    for req in std::iter::once(&case.source)
        .chain(case.hops.iter())
        .chain(std::iter::once(&case.target))
    {
        if req.engine != EngineKind::Neo4j
            || req.endpoint.is_some()
            || launcher() != LauncherKind::Docker
        {
            continue;
        }
        let image = migration_harness::engine::descriptor::descriptor(req.engine).image_ref(req);
        if let Availability::Missing { reason } = ensure_image(&image, pull).await {
            eprintln!("skipped: image {image} not available ({reason})");
            reasons.push(image);
        }
    }
    (!reasons.is_empty()).then(|| reasons.join(", "))
}

/// One libtest-mimic trial per case (scenario file x version pair of its `matrix:`) under
/// `dir`, named `<suite>::` and the CLI's case name
/// (`scenario_files::quickstart[falkordb-4.16.3->falkordb-4.18.3]`), so `-- quickstart`
/// filters and `-- --list` lists them. Each runs end to end and passes only on
/// `Verdict::Pass`. `MH_VERSIONS` replaces every scenario's pairs, as `--versions` does. Building
/// the list only reads the scenario files: images are probed (and pulled) inside the trial, so a
/// filtered-out case probes nothing; a case with unavailable Neo4j images is ignored, loudly
/// (`skipped: ...`). A scenario whose pairs are refused (downgrade, skipped hops) is one failing
/// trial with the reason.
pub fn scenario_trials(suite: &str, dir: &Path) -> Vec<libtest_mimic::Trial> {
    use migration_harness::run::matrix;
    use migration_harness::scenario;
    let files = scenario::discover(&[dir.to_owned()]).unwrap_or_else(|e| panic!("{e}"));
    let pull = std::env::var_os("MH_NO_PULL").is_none();
    let versions = match std::env::var("MH_VERSIONS") {
        Ok(v) => matrix::parse_pairs(&v).unwrap_or_else(|e| panic!("MH_VERSIONS: {e}")),
        Err(_) => Vec::new(),
    };
    let mut trials = Vec::new();
    for file in files {
        let scenario = scenario::load_file(&file).unwrap_or_else(|e| panic!("{e}"));
        let cases = match matrix::expand(std::slice::from_ref(&scenario), &run_options(), &versions)
        {
            Ok(cases) => cases,
            Err(e) => {
                let message = e.to_string();
                trials.push(libtest_mimic::Trial::test(
                    format!("{suite}::{}[matrix]", scenario.name()),
                    move || Err(message.into()),
                ));
                continue;
            }
        };
        for case in cases {
            let name = format!("{suite}::{}", case.name);
            trials.push(libtest_mimic::Trial::ignorable_test(name, move || {
                let runtime = tokio::runtime::Runtime::new()?;
                if let Some(images) = runtime.block_on(neo4j_skip_reason(&case, pull)) {
                    return Ok(libtest_mimic::Completion::ignored_with(format!(
                        "skipped: image(s) not available: {images}"
                    )));
                }
                drop(runtime);
                run_case(case).map(|()| libtest_mimic::Completion::Completed)
            }));
        }
    }
    trials
}

/// Run options of the tests: defaults, with the tests' [`launcher`].
pub fn run_options() -> migration_harness::run::RunOptions {
    migration_harness::run::RunOptions {
        launcher: Some(launcher()),
        ..Default::default()
    }
}

fn run_case(case: migration_harness::run::Case) -> Result<(), libtest_mimic::Failed> {
    use migration_harness::report::terminal::TerminalReporter;
    use migration_harness::run::{pool::ServerPool, run_case, Verdict};
    let runtime = tokio::runtime::Runtime::new()?;
    let reporter = TerminalReporter::to_writer(Box::new(std::io::stderr()), false);
    let outcome = runtime.block_on(run_case(
        &case,
        &run_options(),
        &ServerPool::new(false),
        &reporter,
    ));
    if outcome.verdict == Verdict::Pass {
        Ok(())
    } else {
        let details: Vec<String> = outcome
            .checks
            .iter()
            .flat_map(|c| c.details.clone())
            .collect();
        Err(format!(
            "{:?}: {}\n{}",
            outcome.verdict,
            outcome.error.unwrap_or_default(),
            details.join("\n")
        )
        .into())
    }
}

/// What headless Chromium made of an HTML file: the DOM after scripts ran, and every console
/// message that is an error (uncaught exceptions, `console.error`, failed loads).
pub struct RenderedPage {
    pub dom: String,
    pub console_errors: Vec<String>,
}

/// The Chromium binary, if installed (Debian's `chromium`, or `chromium-browser`).
pub fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join(name))
                    .find(|p| p.is_file())
            })
        })
}

/// Chromium for a test: `None` (after printing `skipped: ...`) when it is not installed on a
/// developer machine; on CI (`CI=true`) a missing Chromium fails the test, since the HTML
/// report must be checked there (.ci/run installs it).
pub fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    match chromium() {
        Some(p) => Some(p),
        None if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => panic!(
            "{test}: chromium is not installed, but CI=true requires it: apt-get install -y chromium (.ci/run does this)"
        ),
        None => {
            eprintln!("skipped: {test}: chromium is not installed (apt-get install -y chromium)");
            None
        }
    }
}

/// Renders `file` in headless Chromium (`--dump-dom`, console logged to stderr) and collects
/// its console messages. Chromium logs every console message (error or not) as
/// `INFO:CONSOLE`, so all of them count: the report's page logs nothing.
pub fn render_in_chromium(chromium: &Path, file: &Path) -> RenderedPage {
    let profile = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "file://{}",
        file.canonicalize().expect("report path").display()
    );
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("run chromium");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "chromium failed ({}): {stderr}",
        out.status
    );
    let console_errors = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught") || l.contains("net::ERR_"))
        .map(str::to_owned)
        .collect();
    RenderedPage {
        dom: String::from_utf8_lossy(&out.stdout).into_owned(),
        console_errors,
    }
}

/// The `data-verdict` of the matrix grid cell of `case` in a rendered report.
pub fn grid_verdict(dom: &str, case: &str) -> Option<String> {
    let escaped = case
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('>', "&gt;")
        .replace('<', "&lt;");
    let at = dom.find(&format!("data-case=\"{escaped}\""))?;
    let rest = &dom[at..];
    let v = rest.find("data-verdict=\"")? + "data-verdict=\"".len();
    let end = rest[v..].find('"')?;
    Some(rest[v..v + end].to_owned())
}

/// A FalkorDB server request as the tests use it: local image, 60 s startup, no pull.
pub fn falkordb_request(
    role: migration_harness::engine::ServerRole,
    version: &str,
) -> migration_harness::engine::server::ServerRequest {
    migration_harness::engine::server::ServerRequest {
        role,
        engine: migration_harness::engine::dialect::EngineKind::Falkordb,
        version: version.into(),
        edition: migration_harness::engine::server::Edition::Community,
        image: None,
        env: Default::default(),
        endpoint: None,
        graph: None,
        startup_timeout: std::time::Duration::from_secs(60),
        pull: false,
        launcher: launcher(),
        ..migration_harness::engine::server::ServerRequest::for_tests(
            migration_harness::engine::dialect::EngineKind::Falkordb,
            version,
        )
    }
}

/// A FalkorDB server started outside the harness (a plain redis-server process from the
/// installed binaries, no password, its own temporary directory), killed on drop.
pub struct ExternalServer {
    pub port: u16,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl ExternalServer {
    pub fn start(version: &str) -> Self {
        use std::io::{BufRead, BufReader};
        let install = falkordb_dir(version);
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = std::process::Command::new(install.join("redis-server"))
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .arg("--loadmodule")
            .arg(install.join("falkordb.so"))
            .env("GRAPHBLAS_CACHE_PATH", install.join("graphblas-cache"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("Ready to accept connections") {
                    let _ = tx.send(());
                }
            }
        });
        rx.recv_timeout(std::time::Duration::from_secs(30))
            .expect("external FalkorDB ready within 30 s");
        ExternalServer {
            port,
            child,
            _dir: dir,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ExternalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a FalkorDB source and target of these versions side by side (images required).
pub async fn start_pair(
    source: &str,
    target: &str,
) -> (
    migration_harness::engine::Server,
    migration_harness::engine::Server,
) {
    use migration_harness::engine::{Server, ServerRole};
    require_falkordb_images(&[source, target]).await;
    let (s, t) = tokio::join!(
        Server::start(falkordb_request(ServerRole::Source, source)),
        Server::start(falkordb_request(ServerRole::Target, target))
    );
    (s.expect("source starts"), t.expect("target starts"))
}

/// Sends one Redis command to 127.0.0.1:`port` and returns the raw reply bytes: an independent
/// reader (no harness code, no redis crate) for checks that must not trust the harness's own
/// read path.
pub fn raw_resp(port: u16, args: &[&str]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend(format!("${}\r\n", a.len()).as_bytes());
        out.extend(a.as_bytes());
        out.extend(b"\r\n");
    }
    stream.write_all(&out).unwrap();
    // Read until the reply is complete: parse just enough RESP to know where it ends.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        if resp_end(&buf, 0).is_some() {
            return buf;
        }
        let n = stream.read(&mut chunk).expect("read reply");
        assert!(n > 0, "connection closed mid-reply");
        buf.extend(&chunk[..n]);
    }
}

/// The end offset of the RESP value starting at `at`, if `buf` holds all of it.
fn resp_end(buf: &[u8], at: usize) -> Option<usize> {
    let line_end = at + buf.get(at..)?.windows(2).position(|w| w == b"\r\n")?;
    let head = std::str::from_utf8(&buf[at + 1..line_end]).ok()?;
    let next = line_end + 2;
    match buf[at] {
        b'+' | b'-' | b':' | b',' | b'_' | b'#' => Some(next),
        b'$' => {
            let n: i64 = head.parse().ok()?;
            if n < 0 {
                Some(next)
            } else {
                let end = next + n as usize + 2;
                (buf.len() >= end).then_some(end)
            }
        }
        b'*' | b'%' | b'~' => {
            let n: i64 = head.parse().ok()?;
            let items = if buf[at] == b'%' { n * 2 } else { n };
            let mut pos = next;
            for _ in 0..items.max(0) {
                pos = resp_end(buf, pos)?;
            }
            Some(pos)
        }
        _ => None,
    }
}

/// Everything a FalkorDB server holds, as raw reply bytes (keys, and per graph every node and
/// relationship with its properties, and the indexes): equal before and after means nothing
/// was written.
///
/// FalkorDB 4.18 keeps query telemetry in `telemetry{<graph>}` stream keys, written in the
/// background after queries (this function's own included): those are left out.
pub fn falkordb_state(port: u16) -> Vec<u8> {
    let keys = String::from_utf8_lossy(&raw_resp(port, &["KEYS", "*"])).into_owned();
    let mut keys: Vec<&str> = keys
        .split("\r\n")
        .skip(2)
        .step_by(2)
        .filter(|k| !k.is_empty() && !k.starts_with("telemetry{"))
        .collect();
    keys.sort();
    let mut state = format!("keys {keys:?}\n").into_bytes();
    let keys = raw_resp(port, &["GRAPH.LIST"]);
    state.extend(&keys);
    let text = String::from_utf8_lossy(&keys).into_owned();
    let mut lines = text.split("\r\n");
    lines.next();
    while let (Some(_len), Some(graph)) = (lines.next(), lines.next()) {
        if graph.is_empty() {
            continue;
        }
        for q in [
            "MATCH (n) RETURN id(n), labels(n), properties(n) ORDER BY id(n)",
            "MATCH (a)-[r]->(b) RETURN id(r), type(r), id(a), id(b), properties(r) ORDER BY id(r)",
            // Status and statistics change while an index populates: not a write.
            "CALL db.indexes() YIELD label, properties, types, entitytype RETURN label, properties, types, entitytype ORDER BY label",
        ] {
            let mut reply = raw_resp(port, &["GRAPH.QUERY", graph, q, "--compact"]);
            // Drop the statistics (execution time differs on every call).
            if let Some(cut) = find(&reply, b"Cached execution") {
                reply.truncate(cut);
            }
            state.extend(reply);
        }
    }
    state
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
